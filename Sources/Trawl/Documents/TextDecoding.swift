#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-level helpers shared by the readers: binary detection, byte-order marks, UTF-16,
/// line endings, NUL bytes and whitespace.
enum TextDecoding {
    /// How many leading bytes are inspected to decide whether a file is binary.
    static let sniffLength = 8192

    /// Why bytes were judged binary, or `nil` when they look like text.
    ///
    /// A NUL byte in the first 8 KB, or more than 10 % of control bytes there (other than tab,
    /// line feed, carriage return, form feed, vertical tab and escape), means binary. Text that
    /// starts with a UTF-16 byte-order mark is not binary: it is transcoded.
    static func binaryReason(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let count = min(bytes.count, sniffLength)
        guard count > 0 else { return nil }
        if utf16ByteOrder(bytes) != nil { return nil }
        var controls = 0
        for i in 0..<count {
            let b = bytes[i]
            if b == 0 { return "it contains NUL bytes" }
            if b < 0x20 {
                if b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C && b != 0x0B && b != 0x1B { controls += 1 }
            } else if b == 0x7F {
                controls += 1
            }
        }
        if controls * 10 > count { return "more than 10 % of its first bytes are control characters" }
        return nil
    }

    /// `true` for little-endian, `false` for big-endian UTF-16 when the bytes start with a UTF-16
    /// byte-order mark.
    static func utf16ByteOrder(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard bytes.count >= 2 else { return nil }
        if bytes[0] == 0xFF && bytes[1] == 0xFE { return true }
        if bytes[0] == 0xFE && bytes[1] == 0xFF { return false }
        return nil
    }

    /// Whether the bytes start with the UTF-8 byte-order mark.
    static func hasUTF8BOM(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    /// Transcodes UTF-16 with a byte-order mark to UTF-8, repairing unpaired surrogates.
    static func transcodeUTF16(_ bytes: UnsafeBufferPointer<UInt8>, littleEndian: Bool) -> [UInt8] {
        let unitCount = (bytes.count - 2) / 2
        var units: [UInt16] = []
        units.reserveCapacity(unitCount)
        var i = 2
        while i + 1 < bytes.count {
            let a = UInt16(bytes[i]), b = UInt16(bytes[i + 1])
            units.append(littleEndian ? a | b << 8 : a << 8 | b)
            i += 2
        }
        var output: [UInt8] = []
        output.reserveCapacity(units.count * 3 / 2 + 16)
        var iterator = units.makeIterator()
        var decoder = UTF16()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): UTF8.encode(scalar) { output.append($0) }
            case .error: output.append(contentsOf: [0xEF, 0xBF, 0xBD])
            case .emptyInput: break loop
            }
        }
        return output
    }

    /// The text of a file as UTF-8 bytes ready for the line-based readers: the byte-order mark
    /// removed, UTF-16 transcoded, CR LF and lone CR turned into LF, and NUL bytes replaced by
    /// U+FFFD (or by a space when `utf8` is false, for text in another declared encoding).
    /// Invalid UTF-8 is left in place: it is repaired when strings are made from the bytes.
    static func normalizedText(_ bytes: UnsafeBufferPointer<UInt8>, utf8: Bool = true) -> [UInt8] {
        if let littleEndian = utf16ByteOrder(bytes) {
            let transcoded = transcodeUTF16(bytes, littleEndian: littleEndian)
            return transcoded.withUnsafeBufferPointer { normalizedText($0, utf8: true) }
        }
        let start = hasUTF8BOM(bytes) ? 3 : 0
        guard let base = bytes.baseAddress, start < bytes.count else { return [] }
        let body = UnsafeBufferPointer(start: base + start, count: bytes.count - start)
        let needsWork = memchr(body.baseAddress!, 0x0D, body.count) != nil || memchr(body.baseAddress!, 0, body.count) != nil
        guard needsWork else { return Array(body) }
        var output: [UInt8] = []
        output.reserveCapacity(body.count + 16)
        var i = 0
        let n = body.count
        while i < n {
            let b = body[i]
            if b == 0x0D {
                output.append(0x0A)
                if i + 1 < n, body[i + 1] == 0x0A { i += 1 }
            } else if b == 0 {
                if utf8 { output.append(contentsOf: [0xEF, 0xBF, 0xBD]) } else { output.append(0x20) }
            } else {
                output.append(b)
            }
            i += 1
        }
        return output
    }

    /// ASCII whitespace: space, tab, LF, CR, FF, VT.
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || (b >= 0x09 && b <= 0x0D)
    }

    /// The range of `bytes[range]` without leading and trailing ASCII whitespace.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper, isSpace(bytes[lower]) { lower += 1 }
        while upper > lower, isSpace(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// A string from UTF-8 bytes, with invalid sequences repaired to U+FFFD.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        guard !range.isEmpty, let base = bytes.baseAddress else { return "" }
        return String(decoding: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self)
    }

    /// The string with runs of whitespace collapsed to one space and the ends trimmed.
    static func collapsingWhitespace(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for b in text.utf8 {
            if isSpace(b) {
                pendingSpace = !output.isEmpty
            } else {
                if pendingSpace { output.append(0x20); pendingSpace = false }
                output.append(b)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether every byte is ASCII whitespace.
    static func isBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in bytes where !isSpace(b) { return false }
        return true
    }
}
