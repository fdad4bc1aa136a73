#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads plain-text files: one document per file.
///
/// - Plain text: the first non-empty line is the title (trimmed) and the rest is the body. A
///   first line longer than ``maximumTitleBytes`` is not a title: the document gets no title
///   and the whole text is its body. When the next non-blank line after the title holds only a
///   date (`2024-08-27`, `Tue, 27 Aug 2024`, any form ``DateParsing`` reads), it is the
///   document's date and is not part of the body.
/// - Mail and news messages: when the file starts with a header block (lines `Name: value`,
///   with indented continuation lines, up to the first blank line; an mbox `From ` line may come
///   first) that has a `Subject:`, `From:` or `Date:` header, the title is the `Subject:`, the
///   date comes from `Date:` (RFC 2822), `From:` becomes the `author` field, and the body is
///   everything after the header block.
///
/// Leading blank lines and trailing whitespace are removed from the body. All work is linear
/// in the size of the file.
enum TextReader {
    /// A first line longer than this (in bytes) is body text, not a title.
    static let maximumTitleBytes = 1000
    /// A header block is looked for in at most this many bytes.
    static let maximumHeaderBytes = 64 * 1024

    static func read(_ text: [UInt8], context: inout ReadContext) -> [Document] {
        text.withUnsafeBufferPointer { bytes in
            if let message = readMessage(bytes, context: &context) { return [message] }
            return readPlain(bytes, context: &context)
        }
    }

    /// The end of the line starting at `start` (the index of its LF, or the end of the bytes).
    @inline(__always)
    static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard start < bytes.count, let base = bytes.baseAddress else { return bytes.count }
        if let found = memchrIndex(base + start, bytes.count - start) { return start + found }
        return bytes.count
    }

    /// The start of the first line at or after `start` that is not blank.
    static func firstNonBlankLine(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var lineStart = start
        var i = start
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x0A { lineStart = i + 1 } else if !TextDecoding.isSpace(b) { return lineStart }
            i += 1
        }
        return bytes.count
    }

    /// The body: from the first non-blank line at or after `start`, trailing whitespace removed,
    /// with the (1-based) line of the file it starts on.
    static func body(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (text: String, line: Int) {
        let first = firstNonBlankLine(bytes, from: start)
        var end = bytes.count
        while end > first, TextDecoding.isSpace(bytes[end - 1]) { end -= 1 }
        return (TextDecoding.string(bytes, first..<end), 1 + TextDecoding.lineFeeds(in: UnsafeRawBufferPointer(bytes), 0..<first))
    }

    /// A document whose body is read from `start`.
    static func document(_ context: ReadContext, title: String = "", date: DocumentDate? = nil,
                         bytes: UnsafeBufferPointer<UInt8>, bodyFrom start: Int) -> Document {
        let (text, line) = body(bytes, from: start)
        var document = Document(id: context.relativePath, title: title, date: date, body: text)
        if !text.isEmpty { document.bodyLine = line }
        return document
    }

    static func readPlain(_ bytes: UnsafeBufferPointer<UInt8>, context: inout ReadContext) -> [Document] {
        let first = firstNonBlankLine(bytes, from: 0)
        guard first < bytes.count else { return [] }
        let end = lineEnd(bytes, from: first)
        let titleRange = TextDecoding.trimmed(bytes, first..<end)
        if titleRange.count > maximumTitleBytes {
            return [document(context, bytes: bytes, bodyFrom: first)]
        }
        let title = TextDecoding.string(bytes, titleRange)
        // A dateline: the next non-blank line holding nothing but a date.
        var bodyStart = end
        var date: DocumentDate?
        let next = firstNonBlankLine(bytes, from: end)
        if next < bytes.count {
            let nextEnd = lineEnd(bytes, from: next)
            let line = TextDecoding.trimmed(bytes, next..<nextEnd)
            if line.count <= maximumDatelineBytes, let parsed = DateParsing.parse(TextDecoding.string(bytes, line)) {
                date = parsed
                bodyStart = nextEnd
            }
        }
        return [document(context, title: title, date: date, bytes: bytes, bodyFrom: bodyStart)]
    }

    /// A dateline longer than this (in bytes) is not looked at.
    static let maximumDatelineBytes = 64

    // MARK: Mail and news messages

    private static let knownHeaders: Set<String> = ["subject", "from", "date"]

    /// A document from a mail or news message, or `nil` when the text has no header block.
    static func readMessage(_ bytes: UnsafeBufferPointer<UInt8>, context: inout ReadContext) -> Document? {
        var headers: [(name: String, value: String)] = []
        var lineStart = 0
        var bodyStart: Int?
        var isFirstLine = true
        let limit = min(bytes.count, maximumHeaderBytes)
        while lineStart < bytes.count {
            guard lineStart < limit else { return nil }
            let end = lineEnd(bytes, from: lineStart)
            let line = lineStart..<end
            defer { isFirstLine = false }
            if TextDecoding.trimmed(bytes, line).isEmpty {
                bodyStart = min(end + 1, bytes.count)
                break
            }
            let b = bytes[lineStart]
            if b == 0x20 || b == 0x09 {
                // A continuation line unfolds into the previous header.
                guard !headers.isEmpty else { return nil }
                let value = TextDecoding.string(bytes, TextDecoding.trimmed(bytes, line))
                headers[headers.count - 1].value += headers[headers.count - 1].value.isEmpty ? value : " " + value
            } else if isFirstLine, line.count >= 5, bytes[lineStart] == 0x46, bytes[lineStart + 1] == 0x72,
                      bytes[lineStart + 2] == 0x6F, bytes[lineStart + 3] == 0x6D, bytes[lineStart + 4] == 0x20 {
                // An mbox `From address date` separator line.
            } else {
                // `Name: value`, the name being printable ASCII without a colon.
                var colon = lineStart
                while colon < end, bytes[colon] > 0x20, bytes[colon] < 0x7F, bytes[colon] != 0x3A { colon += 1 }
                guard colon < end, bytes[colon] == 0x3A, colon > lineStart, colon - lineStart <= 76 else { return nil }
                let name = TextDecoding.string(bytes, lineStart..<colon).lowercased()
                let value = TextDecoding.string(bytes, TextDecoding.trimmed(bytes, (colon + 1)..<end))
                headers.append((name, value))
            }
            lineStart = end + 1
        }
        guard headers.contains(where: { knownHeaders.contains($0.name) }) else { return nil }

        var document = Document(id: context.relativePath)
        for (name, value) in headers {
            switch name {
            case "subject" where document.title.isEmpty:
                document.title = TextDecoding.collapsingWhitespace(value)
            case "date" where document.date == nil:
                document.date = context.date(value, source: "the Date: header")
            case "from" where document.fields["author"] == nil:
                let author = TextDecoding.collapsingWhitespace(value)
                if !author.isEmpty { document.fields["author"] = .string(author) }
            default:
                break
            }
        }
        if let bodyStart {
            let (text, line) = body(bytes, from: bodyStart)
            document.body = text
            if !text.isEmpty { document.bodyLine = line }
        }
        return document
    }
}

/// The offset of the first LF in `count` bytes at `pointer`, found with `memchr`.
@inline(__always)
func memchrIndex(_ pointer: UnsafePointer<UInt8>, _ count: Int, _ byte: UInt8 = 0x0A) -> Int? {
    guard count > 0, let found = memchr(pointer, Int32(byte), count) else { return nil }
    return UnsafeRawPointer(found) - UnsafeRawPointer(pointer)
}
