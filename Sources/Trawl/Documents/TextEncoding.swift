import CTrawlICU

/// The character encoding a file was read with, and how it was chosen.
///
/// Valid UTF-8 (which includes ASCII) is read as is, without any detection. Other files are
/// decoded, in this order of precedence, by a byte-order mark (UTF-8, UTF-16 or UTF-32), by the
/// encoding forced with ``DocumentReader/Options/encoding``, by the charset the file declares
/// (an HTML `<meta charset>` or `http-equiv` content type, an XML declaration, the
/// `Content-Type` header of a mail or news message), or by ICU's charset detector. Bytes that
/// cannot be decoded become U+FFFD and are counted in ``replacements``.
public struct TextEncoding: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How the encoding was chosen.
    public enum Source: String, Sendable, Hashable, Codable {
        /// The file is valid UTF-8 (or ASCII) and was read as is.
        case utf8
        /// A byte-order mark at the start of the file.
        case byteOrderMark
        /// Forced by ``DocumentReader/Options/encoding``.
        case forced
        /// Declared by the file itself (`<meta charset>`, `<?xml encoding?>`, `Content-Type`).
        case declared
        /// Guessed by ICU's charset detector, with ``TextEncoding/confidence``.
        case detected
        /// No encoding could be trusted: the bytes were read as UTF-8 and every invalid
        /// sequence replaced by U+FFFD (a warning says so).
        case fallback
    }

    /// The charset's preferred (MIME or IANA) name, e.g. `UTF-8`, `ISO-8859-1`, `windows-1252`,
    /// `UTF-16LE`, `Shift_JIS`, `KOI8-R`.
    public var name: String
    /// How the encoding was chosen.
    public var source: Source
    /// The detector's confidence from 0 to 100: for ``Source/detected``, and for
    /// ``Source/fallback`` when the detector had a (too weak) guess; otherwise `nil`.
    public var confidence: Int?
    /// How many byte sequences could not be decoded and became U+FFFD.
    public var replacements: Int

    /// Creates a description of an encoding.
    public init(name: String, source: Source, confidence: Int? = nil, replacements: Int = 0) {
        self.name = name
        self.source = source
        self.confidence = confidence
        self.replacements = replacements
    }

    /// Valid UTF-8 read as is: what almost every file gets.
    public static let utf8 = TextEncoding(name: "UTF-8", source: .utf8)

    /// Whether the file was UTF-8 (with or without a byte-order mark) and needed no repair.
    public var isPlainUTF8: Bool { name == "UTF-8" && replacements == 0 && source != .fallback }

    /// What follows "decoded as" in reports: `ISO-8859-1 (confidence 73)`,
    /// `UTF-16LE (byte-order mark)`, `windows-1252 (declared)`, `KOI8-R (forced)`,
    /// `UTF-8 with 4 replacement characters (encoding not recognised)`.
    public var description: String {
        var text = name
        if replacements > 0 {
            text += " with \(replacements) replacement character\(replacements == 1 ? "" : "s")"
        }
        switch source {
        case .utf8: break
        case .byteOrderMark: text += " (byte-order mark)"
        case .forced: text += " (forced)"
        case .declared: text += " (declared)"
        case .detected: text += " (confidence \(confidence ?? 0))"
        case .fallback: text += " (encoding not recognised)"
        }
        return text
    }

    /// The preferred name of a charset that ICU can decode (any alias, any case: `latin1`,
    /// `cp1252`, `sjis`, `koi8-r`), or `nil` when ICU knows no such charset.
    public static func standardName(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        let trimmed = bytes.withUnsafeBufferPointer { String(decoding: $0[TextDecoding.trimmed($0, 0..<$0.count)], as: UTF8.self) }
        guard !trimmed.isEmpty, trimmed.utf8.count < 100, !trimmed.utf8.contains(0) else { return nil }
        var out = [CChar](repeating: 0, count: 128)
        let status = trimmed.withCString { trawl_charset_standard_name($0, &out, Int32(out.count)) }
        guard status == 0 else { return nil }
        return EncodingDetection.string(fromNulTerminated: out)
    }
}

/// Text of a file as UTF-8: the original bytes (when they were UTF-8 already) or converted ones.
struct DecodedText {
    enum Storage {
        /// These bytes of the input, which are UTF-8 (possibly with invalid sequences to repair).
        case original(Range<Int>)
        /// The input converted to UTF-8.
        case converted([UInt8])
    }

    var storage: Storage
    var encoding: TextEncoding

    /// Calls `body` with the UTF-8 bytes.
    func withUTF8<R>(_ input: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(TrawlError) -> R) throws(TrawlError) -> R {
        switch storage {
        case .original(let range):
            return try body(UnsafeBufferPointer(rebasing: input[range]))
        case .converted(let bytes):
            let result = bytes.withUnsafeBufferPointer { buffer in
                Result { () throws(TrawlError) in try body(buffer) }
            }
            return try result.get()
        }
    }
}

/// Chooses the encoding of a file and converts it to UTF-8 (see ``TextEncoding``).
enum EncodingDetection {
    /// The detector looks at most at this many leading bytes.
    static let sampleLength = 1 << 20

    /// The text of a NUL-terminated C buffer filled by the ICU shim.
    static func string(fromNulTerminated buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A byte-order mark at the start of the bytes: the charset and the mark's length.
    static func byteOrderMark(_ bytes: UnsafeBufferPointer<UInt8>) -> (name: String, length: Int)? {
        let n = bytes.count
        if n >= 4, bytes[0] == 0xFF, bytes[1] == 0xFE, bytes[2] == 0, bytes[3] == 0 { return ("UTF-32LE", 4) }
        if n >= 4, bytes[0] == 0, bytes[1] == 0, bytes[2] == 0xFE, bytes[3] == 0xFF { return ("UTF-32BE", 4) }
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { return ("UTF-8", 3) }
        if n >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE { return ("UTF-16LE", 2) }
        if n >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { return ("UTF-16BE", 2) }
        return nil
    }

    /// Whether the bytes are well-formed UTF-8 (ASCII runs are checked eight bytes at a time).
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        while i < n {
            while i + 8 <= n, UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
            }
            guard i < n else { break }
            let c = base[i]
            if c < 0x80 {
                i += 1
            } else if c < 0xC2 {
                return false
            } else if c < 0xE0 {
                guard i + 1 < n, base[i + 1] & 0xC0 == 0x80 else { return false }
                i += 2
            } else if c < 0xF0 {
                guard i + 2 < n else { return false }
                let c1 = base[i + 1]
                let lower: UInt8 = c == 0xE0 ? 0xA0 : 0x80, upper: UInt8 = c == 0xED ? 0x9F : 0xBF
                guard c1 >= lower, c1 <= upper, base[i + 2] & 0xC0 == 0x80 else { return false }
                i += 3
            } else if c < 0xF5 {
                guard i + 3 < n else { return false }
                let c1 = base[i + 1]
                let lower: UInt8 = c == 0xF0 ? 0x90 : 0x80, upper: UInt8 = c == 0xF4 ? 0x8F : 0xBF
                guard c1 >= lower, c1 <= upper, base[i + 2] & 0xC0 == 0x80, base[i + 3] & 0xC0 == 0x80 else { return false }
                i += 4
            } else {
                return false
            }
        }
        return true
    }

    /// How many ill-formed sequences reading the bytes as UTF-8 replaces by U+FFFD.
    static func utf8ErrorCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var errors = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .error: errors += 1
            case .emptyInput: return errors
            }
        }
    }

    /// Converts bytes in `charset` (a name ICU knows) to UTF-8.
    static func convert(_ bytes: UnsafeBufferPointer<UInt8>, from charset: String) -> (bytes: [UInt8], replacements: Int)? {
        var length: Int64 = 0, replacements: Int64 = 0
        var status: Int32 = 0
        let converted: UnsafeMutablePointer<CChar>? = charset.withCString { name in
            bytes.withMemoryRebound(to: CChar.self) { source in
                trawl_charset_to_utf8(name, source.baseAddress, Int64(source.count), &length, &replacements, &status)
            }
        }
        guard let converted else { return nil }
        defer { trawl_free(converted) }
        let output = UnsafeRawBufferPointer(start: converted, count: Int(length))
        return (Array(output.bindMemory(to: UInt8.self)), Int(replacements))
    }

    /// ICU's best guess for the bytes: its name and confidence (0–100), or `nil`.
    static func detect(_ bytes: UnsafeBufferPointer<UInt8>, markup: Bool) -> (name: String, confidence: Int)? {
        let sample = UnsafeBufferPointer(rebasing: bytes.prefix(sampleLength))
        var name = [CChar](repeating: 0, count: 64)
        var confidence: Int32 = 0
        let status = sample.withMemoryRebound(to: CChar.self) { source in
            trawl_charset_detect(source.baseAddress, Int32(source.count), markup ? 1 : 0, &name, Int32(name.count), &confidence)
        }
        guard status == 0 else { return nil }
        let found = string(fromNulTerminated: name)
        guard !found.isEmpty else { return nil }
        return (TextEncoding.standardName(found) ?? found, Int(confidence))
    }

    /// The charset a file of `format` declares, as written (not yet checked).
    static func declaredCharset(_ bytes: UnsafeBufferPointer<UInt8>, format: DocumentFormat) -> String? {
        switch format {
        case .html:
            // An XML declaration, else a `<meta charset>` or `content="…; charset=…"` in the first 4 KB.
            return xmlDeclaredEncoding(bytes) ?? parameter(named: "charset", in: Array(bytes.prefix(4096)))
        case .text: return messageCharset(bytes)
        case .email, .mbox: return messageCharset(bytes)
        case .markdown, .json, .jsonLines, .epub, .docx, .odt, .pdf: return nil
        }
    }

    /// The `encoding` of an XML declaration (`<?xml version="1.0" encoding="ISO-8859-1"?>`) at
    /// the start of the bytes.
    static func xmlDeclaredEncoding(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var i = 0
        while i < bytes.count, i < 256, TextDecoding.isSpace(bytes[i]) { i += 1 }
        guard bytes.count >= i + 5, Array(bytes[i..<i + 5]) == Array("<?xml".utf8) else { return nil }
        var end = i
        while end < bytes.count, end < i + 512, bytes[end] != 0x3E { end += 1 }
        let declaration = Array(bytes[i..<end])
        return parameter(named: "encoding", in: declaration)
    }

    /// The `charset` parameter of the `Content-Type` header of a mail or news message (a header
    /// block at the start of the text).
    static func messageCharset(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let limit = min(bytes.count, TextReader.maximumHeaderBytes)
        var lineStart = 0
        while lineStart < limit {
            var end = lineStart
            while end < limit, bytes[end] != 0x0A { end += 1 }
            var line = Array(bytes[lineStart..<end])
            if line.last == 0x0D { line.removeLast() }
            if line.allSatisfy(TextDecoding.isSpace) { return nil }
            if TextDecoding.asciiLowercased(line.prefix(13)).elementsEqual("content-type:".utf8) {
                // The header may be folded onto continuation lines.
                var header = line
                var next = end + 1
                while next < limit, bytes[next] == 0x20 || bytes[next] == 0x09 {
                    var nextEnd = next
                    while nextEnd < limit, bytes[nextEnd] != 0x0A { nextEnd += 1 }
                    header += bytes[next..<nextEnd]
                    next = nextEnd + 1
                }
                return parameter(named: "charset", in: header)
            }
            lineStart = end + 1
        }
        return nil
    }

    /// The value of `name=value`, `name="value"` or `name='value'` in the bytes (the name
    /// matched without regard to case).
    static func parameter(named name: String, in bytes: [UInt8]) -> String? {
        let lowered = TextDecoding.asciiLowercased(bytes)
        let needle = Array(name.utf8)
        guard lowered.count > needle.count else { return nil }
        var i = 0
        while i + needle.count < lowered.count {
            if lowered[i] == needle[0], Array(lowered[i..<i + needle.count]) == needle {
                var j = i + needle.count
                while j < lowered.count, lowered[j] == 0x20 { j += 1 }
                if j < lowered.count, lowered[j] == 0x3D {
                    j += 1
                    while j < lowered.count, lowered[j] == 0x20 || lowered[j] == 0x22 || lowered[j] == 0x27 { j += 1 }
                    var k = j
                    while k < lowered.count, (lowered[k] >= 0x61 && lowered[k] <= 0x7A) || (lowered[k] >= 0x30 && lowered[k] <= 0x39)
                            || lowered[k] == 0x2D || lowered[k] == 0x5F || lowered[k] == 0x2E || lowered[k] == 0x3A { k += 1 }
                    if k > j { return String(decoding: bytes[j..<k], as: UTF8.self) }
                }
            }
            i += 1
        }
        return nil
    }

    /// Decodes a whole file to UTF-8, warning through `context` about anything that was not
    /// decoded cleanly.
    ///
    /// - Parameters:
    ///   - forced: the standard name of the charset to use for files that are not valid UTF-8
    ///     and have no byte-order mark.
    ///   - minimumConfidence: a detected charset with less confidence is not trusted.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, format: DocumentFormat, forced: String?,
                       minimumConfidence: Int, context: inout ReadContext) -> DecodedText {
        if let mark = byteOrderMark(bytes) {
            let body = UnsafeBufferPointer(rebasing: bytes[mark.length...])
            if mark.name == "UTF-8" {
                let errors = isValidUTF8(body) ? 0 : utf8ErrorCount(body)
                warnAboutReplacements(errors, encoding: "UTF-8", context: &context)
                return DecodedText(storage: .original(mark.length..<bytes.count),
                                   encoding: TextEncoding(name: "UTF-8", source: .byteOrderMark, replacements: errors))
            }
            return converted(body, from: mark.name, source: .byteOrderMark, context: &context)
                ?? fallback(bytes, guess: nil, context: &context)
        }
        if isValidUTF8(bytes) {
            return DecodedText(storage: .original(0..<bytes.count), encoding: .utf8)
        }
        if let forced {
            return converted(bytes, from: forced, source: .forced, context: &context)
                ?? fallback(bytes, guess: nil, context: &context)
        }
        if let declared = declaredCharset(bytes, format: format) {
            if let name = TextEncoding.standardName(declared),
               let decoded = converted(bytes, from: name, source: .declared, context: &context) {
                return decoded
            }
            context.warn("The file declares the charset \"\(declared)\", which is not known, so its encoding is guessed instead.")
        }
        let guess = detect(bytes, markup: format == .html)
        guard let guess, guess.confidence >= minimumConfidence else {
            return fallback(bytes, guess: guess, context: &context)
        }
        // A guess that leaves more than 1 % of the bytes undecodable is not trusted.
        return converted(bytes, from: guess.name, source: .detected, confidence: guess.confidence,
                         maximumReplacements: bytes.count / 100, context: &context)
            ?? fallback(bytes, guess: guess, context: &context)
    }

    /// The bytes converted from `charset`, with a warning when some could not be decoded;
    /// `nil` when ICU cannot convert from that charset, or more than `maximumReplacements`
    /// byte sequences could not be decoded.
    private static func converted(_ bytes: UnsafeBufferPointer<UInt8>, from charset: String, source: TextEncoding.Source,
                                  confidence: Int? = nil, maximumReplacements: Int = .max,
                                  context: inout ReadContext) -> DecodedText? {
        let name = TextEncoding.standardName(charset) ?? charset
        if name == "UTF-8" {
            // Already UTF-8: the readers repair what is invalid.
            let errors = utf8ErrorCount(bytes)
            guard errors <= maximumReplacements else { return nil }
            warnAboutReplacements(errors, encoding: name, context: &context)
            return DecodedText(storage: .original(0..<bytes.count),
                               encoding: TextEncoding(name: name, source: source, confidence: confidence, replacements: errors))
        }
        guard let (output, replacements) = convert(bytes, from: name), replacements <= maximumReplacements else { return nil }
        warnAboutReplacements(replacements, encoding: name, context: &context)
        return DecodedText(storage: .converted(output),
                           encoding: TextEncoding(name: name, source: source, confidence: confidence, replacements: replacements))
    }

    /// The bytes read as UTF-8 with every invalid sequence replaced, and a warning.
    private static func fallback(_ bytes: UnsafeBufferPointer<UInt8>, guess: (name: String, confidence: Int)?,
                                 context: inout ReadContext) -> DecodedText {
        let errors = utf8ErrorCount(bytes)
        let best = guess.map { " (the best guess, \($0.name), has a confidence of only \($0.confidence) out of 100)" } ?? ""
        context.warn("The file is not valid UTF-8 and its encoding could not be recognised\(best), so it is read as UTF-8 "
            + "with \(errors) invalid byte sequence\(errors == 1 ? "" : "s") replaced by U+FFFD; "
            + "give its encoding (trawl index --encoding NAME) if you know it.")
        return DecodedText(storage: .original(0..<bytes.count),
                           encoding: TextEncoding(name: "UTF-8", source: .fallback, confidence: guess?.confidence, replacements: errors))
    }

    private static func warnAboutReplacements(_ count: Int, encoding: String, context: inout ReadContext) {
        guard count > 0 else { return }
        context.warn("\(count) byte sequence\(count == 1 ? " is" : "s are") not valid \(encoding) and "
            + "\(count == 1 ? "was" : "were") replaced by U+FFFD.")
    }
}
