import CLibXML2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads PDF files through Poppler's GLib API: one document per file.
///
/// - The body is each page's text in reading order (Poppler's text extraction), the pages
///   separated by blank lines. Where each page starts is kept in the reserved stored field
///   `_pages` (the UTF-8 offsets of the pages' starts in the body), so a hit reports the page
///   of its snippet (``SearchHit/page``).
/// - The title, `author`, `subject`, `keywords` (a list, split on commas and semicolons) and
///   `creator` come from the document information dictionary, else from the XMP metadata
///   (`dc:title`, `dc:creator`); without a title, the first heading-like line of the first
///   pages (a short line that does not end like a sentence) is the title. The date is the
///   creation date, `updated` the modification date.
/// - An encrypted file (one that needs a password) or a damaged one that Poppler cannot open
///   is `.documentUnreadable`; a file whose pages hold no text (scanned images) is kept with
///   its metadata and a warning.
///
/// Poppler is loaded on first use (``PopplerLibrary``); without it, each PDF file is
/// `.documentUnreadable` with a message that names the package to install.
enum PDFReader {
    /// The reserved stored field with the UTF-8 offsets where each page's text starts in the body.
    static let pageStartsField = "_pages"

    /// The most pages whose text is read; later pages are left out with a warning.
    static let maximumPages = 100_000

    static func read(_ bytes: UnsafeBufferPointer<UInt8>, context: inout ReadContext) throws(TrawlError) -> [Document] {
        guard isPDFSomewhere(bytes) else {
            throw context.error(.documentMalformed, "The file is not a PDF document: it has no \"%PDF-\" header.")
        }
        guard let base = bytes.baseAddress else { return [] }
        let poppler: PopplerLibrary
        switch PopplerLibrary.shared {
        case .success(let library): poppler = library
        case .failure(let error): throw context.error(error.code, error.message)
        }
        // Poppler keeps a reference to the bytes while the document is open: give it a copy it owns.
        guard let data = poppler.bytesNew(base, bytes.count) else {
            throw context.error(.documentUnreadable, "The PDF document could not be loaded into memory.")
        }
        defer { poppler.bytesUnref(data) }
        var failure: UnsafeMutableRawPointer?
        guard let pdf = poppler.documentNewFromBytes(data, nil, &failure) else {
            var message = "Poppler could not open it"
            var encrypted = false
            if let failure {
                let fields = PopplerLibrary.errorFields(failure)
                encrypted = fields.domain == poppler.errorQuark() && fields.code == PopplerLibrary.errorEncrypted
                if let text = fields.message { message = text }
                poppler.errorFree(failure)
            }
            if encrypted {
                throw context.error(.documentUnreadable, "The PDF document is encrypted with a password, so its text cannot be read.",
                                    underlying: message)
            }
            throw context.error(.documentUnreadable, "The PDF document is damaged or not a PDF: it cannot be opened.",
                                underlying: message)
        }
        defer { poppler.objectUnref(pdf) }

        var document = Document(id: context.relativePath)
        var fields: [String: FieldValue] = [:]
        func take(_ text: UnsafeMutablePointer<CChar>?) -> String? {
            guard let text else { return nil }
            defer { poppler.free(text) }
            let value = TextDecoding.collapsingWhitespace(String(decoding: UnsafeRawBufferPointer(start: text, count: strlen(text)),
                                                                 as: UTF8.self))
            return value.isEmpty ? nil : value
        }
        var title = take(poppler.title(pdf))
        var author = take(poppler.author(pdf))
        if let subject = take(poppler.subject(pdf)) { fields["subject"] = .string(subject) }
        if let keywords = take(poppler.keywords(pdf)) {
            let list = keywords.split(whereSeparator: { $0 == "," || $0 == ";" })
                .map { TextDecoding.collapsingWhitespace(String($0)) }.filter { !$0.isEmpty }
            MetadataFields.addList(list, to: "keywords", in: &fields)
        }
        if let creator = take(poppler.creator(pdf)) { fields["creator"] = .string(creator) }
        if title == nil || author == nil, let xmp = take(poppler.metadata(pdf)) {
            let found = xmpTitleAndCreator(xmp)
            if title == nil { title = found.title }
            if author == nil { author = found.creator }
        }
        if let author { fields["author"] = .string(author) }
        let created = poppler.creationDate(pdf)
        if created > 0 { document.date = DocumentDate(secondsSinceEpoch: Int64(created)) }
        let modified = poppler.modificationDate(pdf)
        if modified > 0 { fields["updated"] = .date(DocumentDate(secondsSinceEpoch: Int64(modified))) }

        let pageCount = Int(poppler.pageCount(pdf))
        if pageCount > maximumPages {
            context.warn("The PDF document has \(pageCount) pages; only the first \(maximumPages) were read.",
                         code: .limitExceeded)
        }
        var body: [UInt8] = []
        var pageStarts: [Int] = []
        for index in 0..<min(pageCount, maximumPages) {
            guard let page = poppler.page(pdf, Int32(index)) else { continue }
            defer { poppler.objectUnref(page) }
            guard let raw = poppler.pageText(page) else { continue }
            defer { poppler.free(raw) }
            let text = UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw))
            let normalized = TextDecoding.normalizedText(text)
            if !body.isEmpty { body.append(contentsOf: [0x0A, 0x0A]) }
            pageStarts.append(body.count)
            // Form feeds and other page-layout controls become line breaks.
            body.append(contentsOf: normalized.lazy.map { $0 == 0x0C ? 0x0A : $0 })
            while body.last == 0x0A || body.last == 0x20 { body.removeLast() }
        }
        document.body = String(decoding: body, as: UTF8.self)
        if document.body.allSatisfy({ $0.isWhitespace }) {
            document.body = ""
            pageStarts = []
            context.warn(pageCount == 0
                         ? "The PDF document has no pages."
                         : "The PDF document has no text on its \(pageCount) page\(pageCount == 1 ? "" : "s") (scanned images?), so only its metadata is indexed.",
                         code: .documentUnreadable)
        }
        if title == nil { title = headingLikeLine(body) }
        document.title = title ?? ""
        if !pageStarts.isEmpty {
            fields[pageStartsField] = .string(pageStarts.map(String.init).joined(separator: " "))
        }
        document.fields = fields
        if document.title.isEmpty, document.body.isEmpty, fields.isEmpty { return [] }
        return [document]
    }

    /// Whether `%PDF-` occurs in the first kilobyte (Acrobat accepts a header after some junk).
    private static func isPDFSomewhere(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let end = min(bytes.count, 1024)
        guard end >= 5 else { return false }
        for i in 0...(end - 5) where bytes[i] == 0x25 {
            if bytes[i + 1] == 0x50, bytes[i + 2] == 0x44, bytes[i + 3] == 0x46, bytes[i + 4] == 0x2D { return true }
        }
        return false
    }

    /// The first line of the first few kilobytes of the body that looks like a heading: 2 to
    /// 150 characters, at least one letter, not ending like a sentence (`.`, `,`, `;`, `:`).
    static func headingLikeLine(_ body: [UInt8]) -> String? {
        var start = 0
        let end = min(body.count, 4096)
        while start < end {
            var lineEnd = start
            while lineEnd < body.count, body[lineEnd] != 0x0A { lineEnd += 1 }
            let line = TextDecoding.collapsingWhitespace(String(decoding: body[start..<lineEnd], as: UTF8.self))
            start = lineEnd + 1
            guard line.count >= 2, line.count <= 150, line.contains(where: { $0.isLetter }) else { continue }
            if let last = line.last, ".,;:".contains(last) { continue }
            return line
        }
        return nil
    }

    /// The `dc:title` and the first `dc:creator` of an XMP packet (their first `rdf:li`, or their text).
    static func xmpTitleAndCreator(_ xmp: String) -> (title: String?, creator: String?) {
        let bytes = Array(xmp.utf8)
        guard !bytes.isEmpty, bytes.count < Int(Int32.max) else { return (nil, nil) }
        let options = Int32(bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
            | XML_PARSE_NOWARNING.rawValue | XML_PARSE_RECOVER.rawValue)
        let parsed: xmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                xmlReadMemory($0, Int32(buffer.count), nil, "UTF-8", options)
            }
        }
        guard let parsed else { return (nil, nil) }
        defer { xmlFreeDoc(parsed) }
        let dublinCore = "http://purl.org/dc/elements/1.1/"
        var title: String?
        var creator: String?
        // The first rdf:li under a property (its value in the reader's language), else its text.
        func value(_ node: HTMLReader.NodePointer) -> String? {
            let item = PackageReader.firstElement(node, named: "li") ?? node
            let text = PackageReader.text(item)
            return text.isEmpty ? nil : text
        }
        if let root = xmlDocGetRootElement(parsed) {
            HTMLReader.walk(root, enter: { node in
                guard node.pointee.type == XML_ELEMENT_NODE else { return false }
                guard PackageReader.namespace(node) == dublinCore else { return true }
                switch PackageReader.localName(node) {
                case "title" where title == nil: title = value(node)
                case "creator" where creator == nil: creator = value(node)
                default: break
                }
                return false
            }, exit: { _ in })
        }
        return (title, creator)
    }
}
