#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-level helpers shared by the readers: binary detection, the UTF-8 byte-order mark, line
/// endings, NUL bytes and whitespace.
enum TextDecoding {
    /// How many leading bytes are inspected to decide whether a file is binary.
    static let sniffLength = 8192

    /// Why bytes were judged binary, or `nil` when they look like text.
    ///
    /// A NUL byte in the first 8 KB, or more than 10 % of control bytes there (other than tab,
    /// line feed, carriage return, form feed, vertical tab and escape), means binary. Text that
    /// starts with a UTF-16 or UTF-32 byte-order mark is not binary: it is transcoded.
    static func binaryReason(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let count = min(bytes.count, sniffLength)
        guard count > 0 else { return nil }
        if let mark = EncodingDetection.byteOrderMark(bytes), mark.name != "UTF-8" { return nil }
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

    /// Whether the bytes start with the UTF-8 byte-order mark.
    static func hasUTF8BOM(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    /// UTF-8 text ready for the line-based readers: the byte-order mark removed, CR LF and lone
    /// CR turned into LF, and NUL bytes replaced by U+FFFD. Invalid UTF-8 is left in place: it is
    /// repaired when strings are made from the bytes. Other encodings are converted to UTF-8
    /// before (see ``EncodingDetection``).
    static func normalizedText(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
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
                output.append(contentsOf: [0xEF, 0xBF, 0xBD])
            } else {
                output.append(b)
            }
            i += 1
        }
        return output
    }

    /// The bytes with ASCII letters in lower case (other bytes unchanged).
    static func asciiLowercased<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }

    /// The number of line feeds in `bytes[range]` (found with `memchr`).
    static func lineFeeds(in bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var count = 0, at = range.lowerBound
        while at < range.upperBound, let found = memchr(base + at, 0x0A, range.upperBound - at) {
            count += 1
            at = UnsafeRawPointer(found) - base + 1
        }
        return count
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
