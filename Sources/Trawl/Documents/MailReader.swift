/// Reads Internet mail: one message (`.eml`, a Maildir message file) or a mailbox of many
/// (`.mbox`).
///
/// - Title: `Subject:`; date: `Date:` (RFC 2822; in an mbox, the date of the `From ` line
///   when the message has no `Date:`); `From:` → `author`. Headers are decoded: encoded words
///   (`=?UTF-8?Q?…?=`, `=?ISO-8859-1?B?…?=`) from their charset, raw 8-bit bytes as UTF-8 when
///   valid and otherwise from the message's charset (windows-1252 when it has none).
/// - Fields: `to` and `cc` (lists of addresses), `newsgroups` (a list), `message_id` (without
///   its angle brackets), `attachments` (a list of the file names of attached parts).
/// - Body: the text parts in order. `text/plain` parts are decoded from their transfer
///   encoding (quoted-printable, base64) and converted from their `charset` (detected when
///   there is none and the bytes are not UTF-8); `text/html` parts go through the HTML reader;
///   of a `multipart/alternative`, the plain-text alternative is taken when there is one;
///   attached messages (`message/rfc822`) add their text; other parts (images, archives,
///   attachments that are not text) are left out.
/// - mbox: messages start at lines beginning `From ` that follow a blank line (or start the
///   file) and carry a time (`From someone Mon Apr  5 12:00:00 1993`); body lines written
///   `>From ` (any number of `>`) lose one `>` (mboxrd; the mboxo form is read the same way).
///   Each message is a document with the id `path#<Message-ID>` (the id without angle
///   brackets), or `path#<n>` (the 1-based ordinal in the file) when it has no Message-ID or
///   one already used in the file.
///
/// Nothing in a message stops the reading: a malformed header block, a multipart body
/// without its boundary, bad base64, an unknown charset or an unknown transfer encoding give
/// a warning and as much text as could be read; parts nested deeper than
/// ``maximumPartDepth`` or beyond ``maximumParts`` are left out with a warning; a message
/// larger than ``DocumentReader/Options/maximumMessageSize`` is left out with a warning
/// (in an mbox) or refused (a single message).
enum MailReader {
    /// MIME parts nested deeper than this are left out.
    static let maximumPartDepth = 32
    /// At most this many MIME parts of one message are read.
    static let maximumParts = 2_000

    /// Reads one message file.
    static func readMessage(_ bytes: UnsafeBufferPointer<UInt8>, options: DocumentReader.Options,
                            context: inout ReadContext) throws(TrawlError) -> [Document] {
        guard bytes.count <= options.maximumMessageSize else {
            throw context.error(.documentUnreadable, "The message is too large: \(bytes.count) bytes, more than the limit of \(options.maximumMessageSize) bytes for one mail message.")
        }
        let text = TextDecoding.normalizedText(bytes)
        return text.withUnsafeBufferPointer { buffer in
            guard !TextDecoding.isBlank(buffer) else { return [] }
            var reader = MessageParser(bytes: buffer, options: options)
            let document = reader.document(0..<buffer.count, id: context.relativePath, fallbackDate: nil, context: &context)
            return [document]
        }
    }

    /// Reads a mailbox in the mbox format.
    static func readMailbox(_ bytes: UnsafeBufferPointer<UInt8>, options: DocumentReader.Options,
                            context: inout ReadContext) -> [Document] {
        let text = TextDecoding.normalizedText(bytes)
        return text.withUnsafeBufferPointer { buffer in
            var documents: [Document] = []
            var usedIDs: Set<String> = []
            let messages = messageRanges(buffer)
            if messages.isEmpty, !TextDecoding.isBlank(buffer) {
                context.warn("The mailbox has no `From ` line starting a message, so it is read as one message.")
            }
            let ranges = messages.isEmpty && !TextDecoding.isBlank(buffer)
                ? [(separator: 0..<0, message: 0..<buffer.count)] : messages
            for (ordinal, entry) in ranges.enumerated() {
                let size = entry.message.count
                if size > options.maximumMessageSize {
                    context.warn("Message \(ordinal + 1) of the mailbox is too large (\(size) bytes, more than the limit of \(options.maximumMessageSize) bytes for one mail message), so it was left out.", code: .documentUnreadable)
                    continue
                }
                let unescaped = unescapedFromLines(buffer, entry.message)
                let separatorDate = fromLineDate(buffer, entry.separator)
                let document: Document = unescaped.withUnsafeBufferPointer { message in
                    var parser = MessageParser(bytes: message, options: options)
                    var placeholderID = context.relativePath
                    placeholderID += "#\(ordinal + 1)"
                    var document = parser.document(0..<message.count, id: placeholderID,
                                                   fallbackDate: separatorDate, context: &context)
                    if case .string(let messageID)? = document.fields["message_id"] {
                        let id = context.relativePath + "#" + messageID
                        if !usedIDs.contains(id) { document.id = id }
                    }
                    return document
                }
                usedIDs.insert(document.id)
                documents.append(document)
            }
            return documents
        }
    }

    /// The messages of an mbox: for each, the range of its `From ` line and of the message
    /// after it (up to the line break before the next separator).
    static func messageRanges(_ bytes: UnsafeBufferPointer<UInt8>) -> [(separator: Range<Int>, message: Range<Int>)] {
        var starts: [Range<Int>] = []
        var lineStart = 0
        var previousBlank = true
        while lineStart < bytes.count {
            let end = TextReader.lineEnd(bytes, from: lineStart)
            if previousBlank, isSeparator(bytes, lineStart..<end) { starts.append(lineStart..<end) }
            previousBlank = TextDecoding.trimmed(bytes, lineStart..<end).isEmpty
            lineStart = end + 1
        }
        var result: [(separator: Range<Int>, message: Range<Int>)] = []
        for (index, separator) in starts.enumerated() {
            let messageStart = min(separator.upperBound + 1, bytes.count)
            let messageEnd = index + 1 < starts.count ? max(messageStart, starts[index + 1].lowerBound - 1) : bytes.count
            result.append((separator, messageStart..<messageEnd))
        }
        return result
    }

    /// Whether a line is an mbox separator: `From ` followed by at least two words, one of
    /// them a time (`12:00` or `12:00:00`).
    static func isSeparator(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> Bool {
        guard line.count >= 7, bytes[line.lowerBound] == 0x46, bytes[line.lowerBound + 1] == 0x72,
              bytes[line.lowerBound + 2] == 0x6F, bytes[line.lowerBound + 3] == 0x6D,
              bytes[line.lowerBound + 4] == 0x20 else { return false }
        var i = line.lowerBound + 5
        var sawTime = false
        while i + 4 < line.upperBound {
            if DateParsing.isDigit(bytes[i + 1]), bytes[i + 2] == 0x3A, DateParsing.isDigit(bytes[i + 3]), DateParsing.isDigit(bytes[i + 4]) {
                sawTime = true
                break
            }
            i += 1
        }
        return sawTime
    }

    /// The date on an mbox `From ` line (`From sender Mon Apr  5 12:00:00 1993`).
    static func fromLineDate(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> DocumentDate? {
        guard line.count > 5 else { return nil }
        var i = line.lowerBound + 5
        while i < line.upperBound, bytes[i] == 0x20 { i += 1 }
        while i < line.upperBound, bytes[i] != 0x20 { i += 1 } // the sender
        return DateParsing.parse(TextDecoding.string(bytes, i..<line.upperBound))
    }

    /// The message bytes with one `>` removed from each line matching `>+From `.
    static func unescapedFromLines(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(range.count)
        var lineStart = range.lowerBound
        while lineStart < range.upperBound {
            var end = TextReader.lineEnd(bytes, from: lineStart)
            if end > range.upperBound { end = range.upperBound }
            var i = lineStart
            while i < end, bytes[i] == 0x3E { i += 1 }
            if i > lineStart, end - i >= 5, bytes[i] == 0x46, bytes[i + 1] == 0x72, bytes[i + 2] == 0x6F,
               bytes[i + 3] == 0x6D, bytes[i + 4] == 0x20 {
                output.append(contentsOf: bytes[(lineStart + 1)..<end])
            } else {
                output.append(contentsOf: bytes[lineStart..<end])
            }
            if end < range.upperBound { output.append(0x0A) }
            lineStart = end + 1
        }
        return output
    }
}

/// Turns one message (LF line endings) into a document: its headers into title, date and
/// fields, its MIME parts into the body (see ``MailReader``).
struct MessageParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let options: DocumentReader.Options
    private var partsRead = 0
    private var texts: [String] = []
    private var attachments: [String] = []
    private var warnedDepth = false

    init(bytes: UnsafeBufferPointer<UInt8>, options: DocumentReader.Options) {
        self.bytes = bytes
        self.options = options
    }

    /// The document of the message in `range`.
    mutating func document(_ range: Range<Int>, id: String, fallbackDate: DocumentDate?,
                           context: inout ReadContext) -> Document {
        let (headers, bodyStart) = MIME.headers(bytes, range)
        var document = Document(id: id)
        if headers.fields.isEmpty {
            context.warn("\(subject(id, context)) has no header block, so it is indexed without a subject, sender or date.")
        } else if headers.malformedLines > 0 {
            context.warn("\(subject(id, context)) has \(headers.malformedLines) malformed header line\(headers.malformedLines == 1 ? "" : "s"), which \(headers.malformedLines == 1 ? "was" : "were") skipped.")
        }
        let contentType = headers.first("content-type").map(MIME.contentType)
        let headerCharset = contentType?.parameters["charset"]
        func header(_ name: String) -> String? {
            guard let raw = headers.first(name) else { return nil }
            let text = MIME.decodeHeader(raw, fallbackCharset: headerCharset)
            return text.isEmpty ? nil : text
        }
        document.title = header("subject") ?? ""
        if let date = header("date") {
            document.date = context.date(date, source: "the Date: header of \(subject(id, context).lowercasedFirst)")
        }
        if document.date == nil { document.date = fallbackDate }
        if let from = header("from") { document.fields["author"] = .string(from) }
        for name in ["to", "cc"] {
            let addresses = headers.all(name).flatMap { MailReader.addressList(MIME.decodeHeader($0, fallbackCharset: headerCharset)) }
            if !addresses.isEmpty { MetadataFields.addList(addresses, to: name, in: &document.fields) }
        }
        if let groups = header("newsgroups") {
            let list = MetadataFields.commaSeparated(groups)
            if !list.isEmpty { MetadataFields.addList(list, to: "newsgroups", in: &document.fields) }
        }
        if let messageID = header("message-id") {
            var trimmed = Substring(messageID)
            if trimmed.hasPrefix("<") { trimmed = trimmed.dropFirst() }
            if let close = trimmed.firstIndex(of: ">") { trimmed = trimmed[..<close] }
            let value = String(trimmed).trimmingSpaces
            if !value.isEmpty { document.fields["message_id"] = .string(value) }
        }

        texts = []
        attachments = []
        partsRead = 0
        readPart(headers: headers, body: bodyStart..<range.upperBound, depth: 0, id: id, context: &context)
        document.body = texts.filter { !$0.isEmpty }.joined(separator: "\n\n")
        if !attachments.isEmpty { MetadataFields.addList(attachments, to: "attachments", in: &document.fields) }
        return document
    }

    private func subject(_ id: String, _ context: ReadContext) -> String {
        id == context.relativePath ? "The message" : "Message \(id.dropFirst(context.relativePath.count + 1))"
    }

    /// Reads one MIME part (the message itself at depth 0), adding its text to ``texts``.
    private mutating func readPart(headers: MIME.Headers, body: Range<Int>, depth: Int, id: String,
                                   context: inout ReadContext) {
        partsRead += 1
        if partsRead == MailReader.maximumParts + 1 {
            context.warn("\(subject(id, context)) has more than \(MailReader.maximumParts) MIME parts; the rest were left out.")
        }
        guard partsRead <= MailReader.maximumParts else { return }
        let contentType = headers.first("content-type").map(MIME.contentType)
        let type = contentType?.type ?? "text/plain"
        let disposition = headers.first("content-disposition").map(MIME.contentType)
        let fileName = disposition?.parameters["filename"] ?? contentType?.parameters["name"]
        let isAttachment = disposition?.type == "attachment"
        if let fileName, !fileName.isEmpty, isAttachment || !type.hasPrefix("text/") {
            attachments.append(fileName)
        }

        if type.hasPrefix("multipart/") {
            guard depth < MailReader.maximumPartDepth else {
                if !warnedDepth {
                    warnedDepth = true
                    context.warn("\(subject(id, context)) nests MIME parts more than \(MailReader.maximumPartDepth) deep; the deeper parts were left out.")
                }
                return
            }
            guard let boundaryText = contentType?.parameters["boundary"], !boundaryText.isEmpty else {
                context.warn("\(subject(id, context)) has a \(type) part without a boundary, so the part is read as plain text.")
                readText(body: body, contentType: nil, headers: headers, html: false, id: id, context: &context)
                return
            }
            let split = MIME.multipartParts(bytes, body, boundary: Array(boundaryText.utf8))
            guard split.foundBoundary else {
                context.warn("\(subject(id, context)) has a \(type) part whose boundary never occurs, so the part is read as plain text.")
                readText(body: body, contentType: nil, headers: headers, html: false, id: id, context: &context)
                return
            }
            if type == "multipart/alternative" {
                // The plain-text alternative when there is one, else the last one we can read.
                var chosen: (MIME.Headers, Range<Int>)?
                var fallback: (MIME.Headers, Range<Int>)?
                for part in split.parts {
                    let (partHeaders, partBody) = MIME.headers(bytes, part)
                    let partType = partHeaders.first("content-type").map(MIME.contentType)?.type ?? "text/plain"
                    if partType == "text/plain", chosen == nil { chosen = (partHeaders, partBody..<part.upperBound) }
                    if partType == "text/html" || partType.hasPrefix("multipart/") { fallback = (partHeaders, partBody..<part.upperBound) }
                }
                if let (partHeaders, partBody) = chosen ?? fallback {
                    readPart(headers: partHeaders, body: partBody, depth: depth + 1, id: id, context: &context)
                }
                return
            }
            for part in split.parts {
                let (partHeaders, partBody) = MIME.headers(bytes, part)
                readPart(headers: partHeaders, body: partBody..<part.upperBound, depth: depth + 1, id: id, context: &context)
            }
            return
        }
        if type == "message/rfc822" || type == "message/global" {
            guard depth < MailReader.maximumPartDepth else { return }
            let decoded = transferDecoded(body, headers: headers, id: id, context: &context)
            let normalized = decoded.withUnsafeBufferPointer { TextDecoding.normalizedText($0) }
            var nested = normalized.withUnsafeBufferPointer { nestedBytes -> [String] in
                var parser = MessageParser(bytes: nestedBytes, options: options)
                parser.partsRead = partsRead
                let (nestedHeaders, nestedBody) = MIME.headers(nestedBytes, 0..<nestedBytes.count)
                var lines: [String] = []
                if let subject = nestedHeaders.first("subject") {
                    let text = MIME.decodeHeader(subject, fallbackCharset: nil)
                    if !text.isEmpty { lines.append(text) }
                }
                parser.readPart(headers: nestedHeaders, body: nestedBody..<nestedBytes.count, depth: depth + 1, id: id, context: &context)
                return lines + parser.texts
            }
            nested.removeAll { $0.isEmpty }
            texts.append(contentsOf: nested)
            return
        }
        guard !isAttachment || type.hasPrefix("text/") else { return }
        switch type {
        case "text/plain", "text/enriched", "text/richtext", "text", "":
            readText(body: body, contentType: contentType, headers: headers, html: false, id: id, context: &context)
        case "text/html", "application/xhtml+xml":
            readText(body: body, contentType: contentType, headers: headers, html: true, id: id, context: &context)
        default:
            if type.hasPrefix("text/"), !isAttachment {
                readText(body: body, contentType: contentType, headers: headers, html: false, id: id, context: &context)
            }
        }
    }

    /// The part's bytes decoded from its `Content-Transfer-Encoding`.
    private func transferDecoded(_ body: Range<Int>, headers: MIME.Headers, id: String,
                                 context: inout ReadContext) -> [UInt8] {
        let raw = Array(bytes[body])
        guard let encodingHeader = headers.first("content-transfer-encoding") else { return raw }
        let encoding = String(decoding: TextDecoding.asciiLowercased(MIME.trim(MIME.uncommented(encodingHeader))), as: UTF8.self)
        switch encoding {
        case "quoted-printable":
            return MIME.quotedPrintableDecoded(raw)
        case "base64":
            let (decoded, invalid) = MIME.base64Decoded(raw)
            if invalid > 0 {
                context.warn("\(subject(id, context)) has a base64 part with \(invalid) invalid character\(invalid == 1 ? "" : "s"), which \(invalid == 1 ? "was" : "were") skipped.")
            }
            return decoded
        case "7bit", "8bit", "binary", "":
            return raw
        default:
            context.warn("\(subject(id, context)) has a part in the unknown transfer encoding \"\(MetadataFields.shown(encoding))\", which is read as it is.")
            return raw
        }
    }

    /// Adds the text of a `text/*` part: decoded, converted from its charset, and (for HTML)
    /// read by the HTML reader.
    private mutating func readText(body: Range<Int>, contentType: MIME.ContentType?, headers: MIME.Headers,
                                   html: Bool, id: String, context: inout ReadContext) {
        let decoded = transferDecoded(body, headers: headers, id: id, context: &context)
        guard !decoded.isEmpty else { return }
        let utf8 = convertedToUTF8(decoded, charset: contentType?.parameters["charset"], html: html, id: id, context: &context)
        if html {
            let documents: [Document]
            do throws(TrawlError) {
                documents = try utf8.withUnsafeBufferPointer { (buffer) throws(TrawlError) -> [Document] in
                    try HTMLReader.read(buffer, context: &context)
                }
            } catch {
                context.warn("\(subject(id, context)) has an HTML part that could not be read: \(error.message)")
                return
            }
            if let text = documents.first?.body { texts.append(text) }
            return
        }
        let normalized = utf8.withUnsafeBufferPointer { TextDecoding.normalizedText($0) }
        var end = normalized.count
        while end > 0, TextDecoding.isSpace(normalized[end - 1]) { end -= 1 }
        var start = 0
        while start < end, normalized[start] == 0x0A { start += 1 }
        texts.append(String(decoding: normalized[start..<end], as: UTF8.self))
    }

    /// The part's bytes as UTF-8: from the declared charset, or (none declared, not UTF-8)
    /// the charset ICU detects; windows-1252 when nothing can be trusted.
    private func convertedToUTF8(_ decoded: [UInt8], charset declared: String?, html: Bool, id: String,
                                 context: inout ReadContext) -> [UInt8] {
        decoded.withUnsafeBufferPointer { buffer -> [UInt8] in
            var name: String?
            var source = TextEncoding.Source.declared
            if let declared, !declared.isEmpty {
                name = TextEncoding.standardName(declared)
                if name == nil {
                    context.warn("\(subject(id, context)) declares the charset \"\(MetadataFields.shown(declared))\", which is not known, so its encoding is guessed instead.")
                }
            }
            if let forced = options.encoding.flatMap(TextEncoding.standardName), !EncodingDetection.isValidUTF8(buffer) {
                name = forced
                source = .forced
            }
            if name == "UTF-8" || name == nil || name == "US-ASCII" {
                if EncodingDetection.isValidUTF8(buffer) { return Array(buffer) }
                if name == "UTF-8" {
                    let errors = EncodingDetection.utf8ErrorCount(buffer)
                    context.warn("\(subject(id, context)) has \(errors) byte sequence\(errors == 1 ? "" : "s") that \(errors == 1 ? "is" : "are") not valid UTF-8, replaced by U+FFFD.")
                    context.record(TextEncoding(name: "UTF-8", source: .declared, replacements: errors))
                    return Array(buffer)
                }
                // Not UTF-8 and no (usable) charset: detect, else windows-1252.
                let guess = EncodingDetection.detect(buffer, markup: html)
                if let guess, guess.confidence >= options.minimumConfidence,
                   let converted = EncodingDetection.convert(buffer, from: guess.name),
                   converted.replacements <= buffer.count / 100 {
                    context.record(TextEncoding(name: guess.name, source: .detected, confidence: guess.confidence,
                                                replacements: converted.replacements))
                    return converted.bytes
                }
                name = "windows-1252"
                source = .fallback
                context.warn("\(subject(id, context)) has a part that is not valid UTF-8, declares no usable charset and could not be recognised, so it is read as windows-1252.")
            }
            guard let name, let converted = EncodingDetection.convert(buffer, from: name) else {
                return Array(String(decoding: buffer, as: UTF8.self).utf8)
            }
            if converted.replacements > 0 {
                context.warn("\(subject(id, context)) has \(converted.replacements) byte sequence\(converted.replacements == 1 ? "" : "s") that \(converted.replacements == 1 ? "is" : "are") not valid \(name), replaced by U+FFFD.")
            }
            context.record(TextEncoding(name: name, source: source, replacements: converted.replacements))
            return converted.bytes
        }
    }
}

extension MailReader {
    /// The addresses of an address-list header (`To:`, `Cc:`): split on commas outside quotes
    /// and angle brackets, each trimmed.
    static func addressList(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quoted = false, angle = 0
        for character in text {
            switch character {
            case "\"": quoted.toggle()
            case "<" where !quoted: angle += 1
            case ">" where !quoted: angle = max(0, angle - 1)
            case "," where !quoted && angle == 0:
                let item = TextDecoding.collapsingWhitespace(current)
                if !item.isEmpty { items.append(item) }
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        let item = TextDecoding.collapsingWhitespace(current)
        if !item.isEmpty { items.append(item) }
        return items
    }
}

private extension String {
    /// The string with its first character lower-cased (`Message 3` → `message 3`).
    var lowercasedFirst: String {
        guard let first else { return self }
        return first.lowercased() + dropFirst()
    }
}
