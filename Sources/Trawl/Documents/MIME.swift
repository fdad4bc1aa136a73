/// The pieces of Internet mail that the mail reader is built from, all over bytes: header
/// blocks (RFC 5322, with folded lines), encoded words in headers (RFC 2047), `Content-Type`
/// parameters (RFC 2045, with RFC 2231 continuations and charsets), the transfer encodings
/// quoted-printable and base64, and multipart bodies split on their boundary.
///
/// Every function takes LF-terminated lines (the mail reader turns CR LF into LF first) and
/// is linear in its input. Nothing here fails: malformed input is decoded as far as it goes,
/// and what was wrong is counted for the caller to report.
enum MIME {
    /// One header field: its name in lower case and its value, unfolded (continuation lines
    /// joined with their leading whitespace), as raw bytes.
    struct Header {
        var name: String
        var value: [UInt8]
    }

    /// The header block of a message or a MIME part.
    struct Headers {
        var fields: [Header] = []
        /// Lines of the block that were neither `Name: value` nor a continuation.
        var malformedLines = 0

        /// The value of the first field named `name` (lower case).
        func first(_ name: String) -> [UInt8]? {
            fields.first { $0.name == name }?.value
        }

        /// The values of every field named `name` (lower case), in order.
        func all(_ name: String) -> [[UInt8]] {
            fields.filter { $0.name == name }.map(\.value)
        }
    }

    /// A header block cannot be longer than this many bytes; the rest is read as the body.
    static let maximumHeaderBytes = 1 << 20

    /// Reads the header block at the start of `bytes[range]`: fields up to the first empty
    /// line. Returns the headers and where the body starts (after the empty line; the end of
    /// the range when there is none).
    ///
    /// A line that is neither a field nor a continuation ends the block when no field was read
    /// yet (the part has no headers and all of it is body); after the first field it is
    /// counted in ``Headers/malformedLines`` and skipped.
    static func headers(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> (headers: Headers, bodyStart: Int) {
        var headers = Headers()
        var lineStart = range.lowerBound
        let limit = min(range.upperBound, range.lowerBound + maximumHeaderBytes)
        while lineStart < range.upperBound {
            guard lineStart < limit else { return (headers, lineStart) }
            var end = lineStart
            if let base = bytes.baseAddress, let found = memchrIndex(base + lineStart, range.upperBound - lineStart) {
                end = lineStart + found
            } else {
                end = range.upperBound
            }
            let next = min(end + 1, range.upperBound)
            if end == lineStart { return (headers, next) } // the empty line
            let first = bytes[lineStart]
            if first == 0x20 || first == 0x09 {
                if headers.fields.isEmpty {
                    // Whitespace-only lines before any field end the (empty) block.
                    if TextDecoding.trimmed(bytes, lineStart..<end).isEmpty { return (headers, next) }
                    return (headers, range.lowerBound)
                }
                headers.fields[headers.fields.count - 1].value.append(contentsOf: bytes[lineStart..<end])
                lineStart = next
                continue
            }
            var colon = lineStart
            while colon < end, bytes[colon] > 0x20, bytes[colon] < 0x7F, bytes[colon] != 0x3A { colon += 1 }
            if colon < end, bytes[colon] == 0x3A, colon > lineStart {
                let name = String(decoding: TextDecoding.asciiLowercased(bytes[lineStart..<colon]), as: UTF8.self)
                var valueStart = colon + 1
                while valueStart < end, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
                headers.fields.append(Header(name: name, value: Array(bytes[valueStart..<end])))
            } else if headers.fields.isEmpty {
                return (headers, range.lowerBound)
            } else {
                headers.malformedLines += 1
            }
            lineStart = next
        }
        return (headers, range.upperBound)
    }

    // MARK: Content-Type and other structured values

    /// A `Content-Type` (or `Content-Disposition`) value: the lower-cased type and its
    /// parameters (names lower-cased, values unquoted and decoded).
    struct ContentType {
        var type: String
        var parameters: [String: String]

        /// The media type (`text`, `multipart`, ...).
        var mediaType: Substring { type.split(separator: "/", maxSplits: 1).first ?? "" }
        /// The subtype (`plain`, `html`, `alternative`, ...).
        var subtype: Substring { type.split(separator: "/", maxSplits: 1).dropFirst().first ?? "" }
    }

    /// Parses `type/subtype; name=value; name="quoted value"` with RFC 2231 extended
    /// parameters (`name*=charset'lang'percent-encoded`, `name*0=…; name*1=…`).
    static func contentType(_ value: [UInt8]) -> ContentType {
        let text = uncommented(value)
        var parts = splitParameters(text)
        let type = parts.isEmpty ? "" : String(decoding: TextDecoding.asciiLowercased(trim(parts.removeFirst())), as: UTF8.self)
        var plain: [String: String] = [:]
        // RFC 2231 pieces: name → [(index, value bytes, whether percent-encoded)].
        var pieces: [String: [(index: Int, value: [UInt8], encoded: Bool)]] = [:]
        for part in parts {
            guard let equals = part.firstIndex(of: 0x3D) else { continue }
            var name = String(decoding: TextDecoding.asciiLowercased(trim(Array(part[..<equals]))), as: UTF8.self)
            var raw = trim(Array(part[(equals + 1)...]))
            if raw.count >= 2, raw.first == 0x22, raw.last == 0x22 { raw = unquoted(raw) }
            guard !name.isEmpty else { continue }
            if name.contains("*") {
                var encoded = false
                if name.hasSuffix("*") { encoded = true; name.removeLast() }
                let split = name.split(separator: "*", omittingEmptySubsequences: false)
                let base = String(split[0])
                let index = split.count > 1 ? Int(split[1]) ?? 0 : 0
                pieces[base, default: []].append((index, raw, encoded))
            } else if plain[name] == nil {
                plain[name] = decodeHeader(raw, fallbackCharset: nil)
            }
        }
        for (name, list) in pieces {
            let sorted = list.sorted { $0.index < $1.index }
            var charset: String?
            var bytes: [UInt8] = []
            for (position, piece) in sorted.enumerated() {
                var value = piece.value
                if piece.encoded {
                    if position == 0 {
                        // charset'language'value
                        let quotes = value.indices.filter { value[$0] == 0x27 }
                        if quotes.count >= 2 {
                            charset = String(decoding: value[..<quotes[0]], as: UTF8.self)
                            value = Array(value[(quotes[1] + 1)...])
                        }
                    }
                    bytes += percentDecoded(value)
                } else {
                    bytes += value
                }
            }
            plain[name] = MIME.text(bytes, charset: charset?.isEmpty == false ? charset : nil)
        }
        return ContentType(type: type, parameters: plain)
    }

    /// The value with RFC 5322 comments (`(…)`, nested, outside quoted strings) removed.
    static func uncommented(_ value: [UInt8]) -> [UInt8] {
        guard value.contains(0x28) else { return value }
        var output: [UInt8] = []
        output.reserveCapacity(value.count)
        var depth = 0, quoted = false, escaped = false
        for b in value {
            if escaped { if depth == 0 { output.append(b) }; escaped = false; continue }
            if b == 0x5C { escaped = true; if depth == 0 { output.append(b) }; continue }
            if depth == 0, b == 0x22 { quoted.toggle() }
            if !quoted {
                if b == 0x28 { depth += 1; continue }
                if b == 0x29, depth > 0 { depth -= 1; continue }
            }
            if depth == 0 { output.append(b) }
        }
        return output
    }

    /// The `;`-separated parts of a structured value, `;` inside quotes left alone.
    private static func splitParameters(_ value: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var current: [UInt8] = []
        var quoted = false, escaped = false
        for b in value {
            if escaped { current.append(b); escaped = false; continue }
            if quoted, b == 0x5C { current.append(b); escaped = true; continue }
            if b == 0x22 { quoted.toggle() }
            if b == 0x3B, !quoted { parts.append(current); current = []; continue }
            current.append(b)
        }
        parts.append(current)
        return parts
    }

    /// A quoted string without its quotes and backslash escapes.
    private static func unquoted(_ value: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var escaped = false
        for b in value.dropFirst().dropLast() {
            if escaped { output.append(b); escaped = false } else if b == 0x5C { escaped = true } else { output.append(b) }
        }
        return output
    }

    /// The bytes without leading and trailing whitespace (CR and LF included).
    static func trim(_ value: [UInt8]) -> [UInt8] {
        var lower = 0, upper = value.count
        while lower < upper, TextDecoding.isSpace(value[lower]) { lower += 1 }
        while upper > lower, TextDecoding.isSpace(value[upper - 1]) { upper -= 1 }
        return Array(value[lower..<upper])
    }

    /// `%XX` sequences decoded (others kept as they are).
    private static func percentDecoded(_ value: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var i = 0
        while i < value.count {
            if value[i] == 0x25, i + 2 < value.count, let high = hexValue(value[i + 1]), let low = hexValue(value[i + 2]) {
                output.append(high << 4 | low)
                i += 3
            } else {
                output.append(value[i])
                i += 1
            }
        }
        return output
    }

    @inline(__always) static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    // MARK: Header text (RFC 2047)

    /// A header value as text: encoded words (`=?charset?Q?…?=`, `=?charset?B?…?=`) decoded
    /// from their charset (whitespace between two of them dropped), other non-ASCII bytes read
    /// as UTF-8 when they are valid UTF-8 and from `fallbackCharset` (or windows-1252)
    /// otherwise; whitespace collapsed. An encoded word that cannot be decoded (an unknown
    /// charset, bad base64) is kept as written.
    static func decodeHeader(_ value: [UInt8], fallbackCharset: String?) -> String {
        var output = ""
        var pendingRaw: [UInt8] = []
        var whitespaceSinceWord: [UInt8]? = nil // whitespace after an encoded word, held back
        var i = 0
        func flushRaw() {
            guard !pendingRaw.isEmpty else { return }
            output += text(pendingRaw, charset: fallbackCharset)
            pendingRaw.removeAll(keepingCapacity: true)
        }
        while i < value.count {
            if value[i] == 0x3D, i + 1 < value.count, value[i + 1] == 0x3F, let word = encodedWord(value, at: i) {
                // Whitespace between two encoded words is dropped.
                whitespaceSinceWord = nil
                flushRaw()
                output += word.text
                i = word.end
                var j = i
                while j < value.count, TextDecoding.isSpace(value[j]) { j += 1 }
                if j > i { whitespaceSinceWord = Array(value[i..<j]) }
                i = j
                continue
            }
            if let held = whitespaceSinceWord {
                pendingRaw += held
                whitespaceSinceWord = nil
            }
            pendingRaw.append(value[i])
            i += 1
        }
        flushRaw()
        return TextDecoding.collapsingWhitespace(output)
    }

    /// The encoded word starting at `start` (`=?charset?encoding?text?=`), decoded, and the
    /// index after it; `nil` when there is no well-formed, decodable word there.
    private static func encodedWord(_ value: [UInt8], at start: Int) -> (text: String, end: Int)? {
        var i = start + 2
        let charsetStart = i
        while i < value.count, value[i] != 0x3F, value[i] > 0x20, i - start < 80 { i += 1 }
        guard i < value.count, value[i] == 0x3F, i > charsetStart else { return nil }
        var charset = String(decoding: value[charsetStart..<i], as: UTF8.self)
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) } // RFC 2231 language
        i += 1
        guard i + 1 < value.count, value[i + 1] == 0x3F else { return nil }
        let encoding = value[i] | 0x20
        guard encoding == 0x71 || encoding == 0x62 else { return nil } // q or b
        i += 2
        let textStart = i
        while i + 1 < value.count, !(value[i] == 0x3F && value[i + 1] == 0x3D) {
            if value[i] == 0x20 || value[i] == 0x0A || value[i] == 0x09 { return nil }
            i += 1
        }
        guard i + 1 < value.count else { return nil }
        let encoded = Array(value[textStart..<i])
        let decoded: [UInt8]
        if encoding == 0x62 {
            let result = base64Decoded(encoded)
            guard result.invalid == 0 else { return nil }
            decoded = result.bytes
        } else {
            decoded = quotedPrintableDecoded(encoded, underscoreIsSpace: true)
        }
        guard let standard = TextEncoding.standardName(charset) else { return nil }
        return (text(decoded, charset: standard), i + 2)
    }

    /// Bytes in `charset` as a string: valid UTF-8 as is when no charset is given (or the
    /// charset is UTF-8 or ASCII), otherwise converted by ICU; windows-1252 when the charset
    /// is unknown or missing and the bytes are not UTF-8. Never fails (undecodable bytes become
    /// U+FFFD).
    static func text(_ bytes: [UInt8], charset: String?) -> String {
        let result = bytes.withUnsafeBufferPointer { buffer -> String? in
            let name = charset.flatMap(TextEncoding.standardName)
            if name == nil || name == "UTF-8" || name == "US-ASCII" {
                if EncodingDetection.isValidUTF8(buffer) { return String(decoding: buffer, as: UTF8.self) }
                if name == "UTF-8" { return String(decoding: buffer, as: UTF8.self) }
            }
            let source = (name == nil || name == "US-ASCII") ? "windows-1252" : name!
            guard let converted = EncodingDetection.convert(buffer, from: source) else { return nil }
            return String(decoding: converted.bytes, as: UTF8.self)
        }
        return result ?? String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Transfer encodings

    /// Quoted-printable decoded (RFC 2045 §6.7): `=XX` (either case), soft line breaks `=`
    /// at a line's end (trailing whitespace allowed), trailing whitespace of lines dropped. A
    /// `=` not followed by two hex digits is kept as written, as the RFC advises. With
    /// `underscoreIsSpace` (encoded words), `_` is a space.
    static func quotedPrintableDecoded(_ input: [UInt8], underscoreIsSpace: Bool = false) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var i = 0
        let n = input.count
        while i < n {
            let b = input[i]
            if b == 0x3D {
                if i + 2 < n, let high = hexValue(input[i + 1]), let low = hexValue(input[i + 2]) {
                    output.append(high << 4 | low)
                    i += 3
                    continue
                }
                // A soft line break: `=` then optional whitespace then LF (or the end).
                var j = i + 1
                while j < n, input[j] == 0x20 || input[j] == 0x09 || input[j] == 0x0D { j += 1 }
                if j == n { i = n; continue }
                if input[j] == 0x0A { i = j + 1; continue }
                output.append(b)
                i += 1
            } else if b == 0x0A {
                // Trailing whitespace before a hard line break is padding.
                while let last = output.last, last == 0x20 || last == 0x09 { output.removeLast() }
                output.append(b)
                i += 1
            } else if underscoreIsSpace, b == 0x5F {
                output.append(0x20)
                i += 1
            } else {
                output.append(b)
                i += 1
            }
        }
        return output
    }

    private static let base64Values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(index)
        }
        // The URL-safe alphabet's two letters, which some mailers use.
        table[0x2D] = 62
        table[0x5F] = 63
        return table
    }()

    /// Base64 decoded (RFC 2045 §6.8): whitespace ignored, decoding stops at the first `=`
    /// padding. `invalid` counts the other bytes outside the alphabet (skipped) plus one for
    /// a final group of a single character (which holds no whole byte).
    static func base64Decoded(_ input: [UInt8]) -> (bytes: [UInt8], invalid: Int) {
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var invalid = 0
        var count = 0
        input.withUnsafeBufferPointer { buffer in
            base64Values.withUnsafeBufferPointer { table in
                for b in buffer {
                    let value = table[Int(b)]
                    if value == 0xFF {
                        if b == 0x3D { break }
                        if !TextDecoding.isSpace(b) { invalid += 1 }
                        continue
                    }
                    count += 1
                    accumulator = accumulator << 6 | UInt32(value)
                    bits += 6
                    if bits >= 8 {
                        bits -= 8
                        output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                    }
                }
            }
        }
        if count % 4 == 1 { invalid += 1 }
        return (output, invalid)
    }

    // MARK: Multipart bodies

    /// The parts of a multipart body `bytes[range]` with `boundary`: the ranges between
    /// `--boundary` lines, up to the closing `--boundary--` (or the end). The preamble and the
    /// epilogue are left out. `closed` says whether the closing line was found. Each part's
    /// range ends before the line break that precedes the next boundary line.
    static func multipartParts(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>,
                               boundary: [UInt8]) -> (parts: [Range<Int>], closed: Bool, foundBoundary: Bool) {
        var parts: [Range<Int>] = []
        var partStart: Int?
        var lineStart = range.lowerBound
        let delimiter = [0x2D, 0x2D] + boundary
        var found = false
        while lineStart < range.upperBound {
            var end = range.upperBound
            if let base = bytes.baseAddress, let offset = memchrIndex(base + lineStart, range.upperBound - lineStart) {
                end = lineStart + offset
            }
            if end - lineStart >= delimiter.count, bytes[lineStart] == 0x2D, bytes[lineStart + 1] == 0x2D,
               bytes[lineStart..<(lineStart + delimiter.count)].elementsEqual(delimiter) {
                var k = lineStart + delimiter.count
                let closing = k + 1 < end && bytes[k] == 0x2D && bytes[k + 1] == 0x2D
                if closing { k += 2 }
                var rest = k
                while rest < end, TextDecoding.isSpace(bytes[rest]) { rest += 1 }
                if rest == end {
                    found = true
                    if let start = partStart {
                        // The line break before the delimiter belongs to it.
                        parts.append(start..<max(start, lineStart - 1))
                    }
                    if closing { return (parts, true, true) }
                    partStart = min(end + 1, range.upperBound)
                }
            }
            lineStart = end + 1
        }
        if let start = partStart, start < range.upperBound { parts.append(start..<range.upperBound) }
        return (parts, false, found)
    }
}
