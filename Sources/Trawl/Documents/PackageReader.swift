import CLibXML2

/// Reads the ZIP-packaged formats: EPUB e-books, Word documents (`.docx`) and OpenDocument
/// texts (`.odt`). One document per file; members are inflated in memory through
/// ``ZipMembers`` (with the cap of ``DocumentReader/Options/maximumUncompressedSize``) and
/// their XML parsed with libxml2 (no network, no external entities).
///
/// - EPUB: `META-INF/container.xml` names the OPF package document, whose metadata gives the
///   title (`dc:title`), `author` (`dc:creator`, several → a list), `lang` (`dc:language`), the
///   date (`dc:date`; a bare year or year and month is the first day of it), `publisher`,
///   `tags` (`dc:subject`, a list), `description` and `updated` (`dcterms:modified`). The body
///   is the visible text of the spine's XHTML chapters in spine order (through the HTML
///   reader), separated by blank lines.
/// - Word: `word/document.xml` gives the body (paragraphs as lines, tabs and breaks kept,
///   deleted revisions and field codes left out) and the headings (paragraphs in a
///   `Heading1`…`Heading9` or `Title` style, or with an outline level) as the `headings` text
///   field; `docProps/core.xml` gives the title (`dc:title`, else the first `Title` or heading
///   paragraph), `author` (`dc:creator`), the date (`dcterms:created`), `updated`
///   (`dcterms:modified`), `keywords` (`cp:keywords`, split on commas and semicolons),
///   `subject`, `description`, `category` and `lang`.
/// - OpenDocument: `content.xml` gives the body (`text:p` and `text:h` as lines; `text:s`,
///   `text:tab` and `text:line-break` kept; annotations, notes and tracked changes left out)
///   and the headings (`text:h`); `meta.xml` gives the title (`dc:title`, else the first
///   heading), `author` (`meta:initial-creator`, else `dc:creator`), the date
///   (`meta:creation-date`, else `dc:date`), `updated` (`dc:date`), `keywords`
///   (`meta:keyword`), `subject`, `description` and `lang`.
///
/// A file that is not a ZIP archive, lacks its main member (`word/document.xml`,
/// `content.xml`, an OPF package) or has one that is not XML is `.documentMalformed`; one that
/// inflates beyond the cap is `.documentUnreadable`. Missing optional parts (properties, a
/// chapter) and dates that do not parse are warnings.
enum PackageReader {
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, format: DocumentFormat, options: DocumentReader.Options,
                     context: inout ReadContext) throws(TrawlError) -> [Document] {
        let name = format == .epub ? "EPUB" : format == .docx ? "Word document" : "OpenDocument text"
        guard !bytes.isEmpty else {
            throw context.error(.documentMalformed, "The \(name) file is empty.")
        }
        var members = try ZipMembers(bytes, formatName: name, maximumUncompressedSize: options.maximumUncompressedSize,
                                     context: context)
        let document: Document
        switch format {
        case .docx: document = try readWord(&members, context: &context)
        case .odt: document = try readOpenDocument(&members, context: &context)
        default: document = try readEPUB(&members, context: &context)
        }
        if document.title.isEmpty, document.body.isEmpty, document.fields.isEmpty { return [] }
        return [document]
    }

    // MARK: XML

    private static let initialised: Bool = {
        xmlInitParser()
        return true
    }()

    /// A parsed XML member, freed when the value goes away.
    final class XMLTree {
        let document: xmlDocPtr
        init(_ document: xmlDocPtr) { self.document = document }
        deinit { xmlFreeDoc(document) }
        var root: HTMLReader.NodePointer? { xmlDocGetRootElement(document) }
    }

    /// Parses one member as XML (its declared encoding honoured; recovering from errors).
    static func parseXML(_ bytes: [UInt8], member: String, formatName: String,
                         context: ReadContext) throws(TrawlError) -> XMLTree {
        _ = initialised
        guard bytes.count <= Int(Int32.max) else {
            throw context.error(.documentUnreadable, "The member \"\(member)\" of the \(formatName) file is too large for the XML parser.")
        }
        let options = Int32(bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
            | XML_PARSE_NOWARNING.rawValue | XML_PARSE_RECOVER.rawValue)
        let document: xmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return nil }
            return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                xmlReadMemory(pointer, Int32(buffer.count), nil, nil, options)
            }
        }
        guard let document else {
            throw context.error(.documentMalformed, "The member \"\(member)\" of the \(formatName) file is not XML.")
        }
        let tree = XMLTree(document)
        guard tree.root != nil else {
            throw context.error(.documentMalformed, "The member \"\(member)\" of the \(formatName) file is not XML.")
        }
        return tree
    }

    /// The element's local name (without its prefix).
    static func localName(_ node: HTMLReader.NodePointer) -> String { HTMLReader.name(node) }

    /// The element's namespace URI, or "".
    static func namespace(_ node: HTMLReader.NodePointer) -> String {
        guard let ns = node.pointee.ns, let href = ns.pointee.href else { return "" }
        return String(cString: href)
    }

    /// The text of every text node under `node`, whitespace collapsed.
    static func text(_ node: HTMLReader.NodePointer) -> String {
        var accumulator = TextAccumulator()
        HTMLReader.walk(node, enter: { child in
            if child.pointee.type == XML_TEXT_NODE || child.pointee.type == XML_CDATA_SECTION_NODE {
                if let content = child.pointee.content {
                    accumulator.append(UnsafeBufferPointer(start: content, count: strlen(content)), preformatted: false)
                }
                return false
            }
            return child.pointee.type == XML_ELEMENT_NODE
        }, exit: { _ in })
        return accumulator.result()
    }

    /// The element children of `node`.
    static func children(_ node: HTMLReader.NodePointer) -> [HTMLReader.NodePointer] {
        var result: [HTMLReader.NodePointer] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    /// The first element under `node` (itself included) with the local name `name`.
    static func firstElement(_ node: HTMLReader.NodePointer, named name: String) -> HTMLReader.NodePointer? {
        var found: HTMLReader.NodePointer?
        HTMLReader.walk(node, enter: { child in
            guard found == nil, child.pointee.type == XML_ELEMENT_NODE else { return false }
            if localName(child) == name { found = child; return false }
            return true
        }, exit: { _ in })
        return found
    }

    /// A date of package metadata: any form ``DateParsing`` reads, or a bare year (`2011`) or
    /// year and month (`2011-05`), which stand for their first day.
    static func packageDate(_ text: String) -> DocumentDate? {
        if let date = DateParsing.parse(text) { return date }
        let parts = text.trimmingSpaces.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts[0].count == 4, let year = Int(parts[0]) else { return nil }
        var month = 1
        if parts.count == 2 {
            guard parts[1].count == 2, let value = Int(parts[1]) else { return nil }
            month = value
        }
        return DocumentDate(year: year, month: month, day: 1)
    }

    /// Sets `document.date` from `text`, warning when it does not parse.
    static func setDate(_ text: String, source: String, of document: inout Document, context: inout ReadContext) {
        guard document.date == nil, !text.isEmpty else { return }
        if let date = packageDate(text) {
            document.date = date
        } else {
            context.warn("The date \"\(MetadataFields.shown(text))\" in \(source) is not a valid date, so the document is indexed without a date.")
        }
    }

    /// Sets the `updated` field from `text` (a date; text, with a warning, when it does not parse).
    static func setUpdated(_ text: String, source: String, of document: inout Document, context: inout ReadContext) {
        guard document.fields["updated"] == nil, !text.isEmpty else { return }
        if let date = packageDate(text) {
            document.fields["updated"] = .date(date)
        } else {
            document.fields["updated"] = .string(text)
            context.warn("The date \"\(MetadataFields.shown(text))\" in \(source) is not a valid date, so the updated field is kept as text.")
        }
    }

    /// Reads a required member, or fails naming it.
    private static func required(_ path: String, _ members: inout ZipMembers, formatName: String,
                                 context: ReadContext) throws(TrawlError) -> [UInt8] {
        guard let bytes = try members.read(path, context: context) else {
            throw context.error(.documentMalformed, "The \(formatName) file has no \"\(path)\" member.")
        }
        return bytes
    }

    // MARK: Word

    static let wordNamespaces: Set<String> = [
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main",
    ]

    static func readWord(_ members: inout ZipMembers, context: inout ReadContext) throws(TrawlError) -> Document {
        let formatName = "Word document"
        let main = try required("word/document.xml", &members, formatName: formatName, context: context)
        let tree = try parseXML(main, member: "word/document.xml", formatName: formatName, context: context)
        var document = Document(id: context.relativePath)
        var lines: [String] = []
        var headings: [String] = []
        var titleParagraph: String?
        if let root = tree.root, let body = firstElement(root, named: "body") {
            var paragraph = TextAccumulator()
            var isHeading = false, isTitle = false
            var depth = 0 // paragraphs nest in text boxes: only the outermost is a line
            HTMLReader.walk(body, enter: { node in
                guard node.pointee.type == XML_ELEMENT_NODE else { return false }
                let name = localName(node)
                guard wordNamespaces.contains(namespace(node)) else { return true }
                switch name {
                case "p":
                    depth += 1
                    if depth == 1 { paragraph = TextAccumulator(); isHeading = false; isTitle = false }
                case "pStyle":
                    if depth == 1, let style = HTMLReader.attribute(node, "val")?.lowercased() {
                        if style == "title" { isTitle = true; isHeading = true }
                        if style.hasPrefix("heading") || style.hasPrefix("berschrift") || style.hasPrefix("titre") { isHeading = true }
                    }
                    return false
                case "outlineLvl":
                    if depth == 1 { isHeading = true }
                    return false
                case "t":
                    if let text = node.pointee.children, let content = text.pointee.content {
                        paragraph.append(UnsafeBufferPointer(start: content, count: strlen(content)), preformatted: false)
                    }
                    return false
                case "tab":
                    paragraph.space()
                    return false
                case "br", "cr":
                    paragraph.lineBreak()
                    return false
                case "del", "delText", "instrText", "rPr", "commentReference", "footnoteReference", "endnoteReference":
                    return false
                default:
                    break
                }
                return true
            }, exit: { node in
                guard node.pointee.type == XML_ELEMENT_NODE, localName(node) == "p",
                      wordNamespaces.contains(namespace(node)) else { return }
                depth -= 1
                if depth == 0 {
                    let line = paragraph.result()
                    guard !line.isEmpty else { return }
                    lines.append(line)
                    if isHeading { headings.append(line) }
                    if isTitle, titleParagraph == nil { titleParagraph = line }
                } else {
                    paragraph.lineBreak()
                }
            })
        } else {
            throw context.error(.documentMalformed, "The Word document has no body in \"word/document.xml\".")
        }
        document.body = lines.joined(separator: "\n")
        if !headings.isEmpty { document.fields["headings"] = .string(headings.joined(separator: "\n")) }

        if let core = try members.read("docProps/core.xml", context: context) {
            do throws(TrawlError) {
                let properties = try parseXML(core, member: "docProps/core.xml", formatName: formatName, context: context)
                if let root = properties.root {
                    for element in children(root) {
                        let value = text(element)
                        guard !value.isEmpty else { continue }
                        switch localName(element) {
                        case "title": if document.title.isEmpty { document.title = value }
                        case "creator": MetadataFields.add(value, to: "author", in: &document.fields)
                        case "created": setDate(value, source: "dcterms:created", of: &document, context: &context)
                        case "modified": setUpdated(value, source: "dcterms:modified", of: &document, context: &context)
                        case "keywords":
                            let list = value.split(whereSeparator: { $0 == "," || $0 == ";" })
                                .map { TextDecoding.collapsingWhitespace(String($0)) }.filter { !$0.isEmpty }
                            MetadataFields.addList(list, to: "keywords", in: &document.fields)
                        case "subject": MetadataFields.add(value, to: "subject", in: &document.fields)
                        case "description": MetadataFields.add(value, to: "description", in: &document.fields)
                        case "category": MetadataFields.add(value, to: "category", in: &document.fields)
                        case "language": MetadataFields.add(value, to: "lang", in: &document.fields)
                        default: break
                        }
                    }
                }
            } catch {
                context.warn("The document properties could not be read: \(error.message)")
            }
        }
        if document.title.isEmpty { document.title = titleParagraph ?? headings.first ?? "" }
        return document
    }

    // MARK: OpenDocument

    static let openDocumentText = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"

    static func readOpenDocument(_ members: inout ZipMembers, context: inout ReadContext) throws(TrawlError) -> Document {
        let formatName = "OpenDocument text"
        let content = try required("content.xml", &members, formatName: formatName, context: context)
        let tree = try parseXML(content, member: "content.xml", formatName: formatName, context: context)
        var document = Document(id: context.relativePath)
        var lines: [String] = []
        var headings: [String] = []
        guard let root = tree.root, let body = firstElement(root, named: "body") else {
            throw context.error(.documentMalformed, "The OpenDocument text has no body in \"content.xml\".")
        }
        var paragraph = TextAccumulator()
        var depth = 0
        var isHeading = false
        HTMLReader.walk(body, enter: { node in
            switch node.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if depth > 0, let content = node.pointee.content {
                    paragraph.append(UnsafeBufferPointer(start: content, count: strlen(content)), preformatted: false)
                }
                return false
            case XML_ELEMENT_NODE:
                break
            default:
                return false
            }
            let name = localName(node)
            let ns = namespace(node)
            if name == "annotation" || name == "tracked-changes" || name == "note" || name == "sequence-decls" {
                return false
            }
            guard ns == openDocumentText else { return true }
            switch name {
            case "p", "h":
                depth += 1
                if depth == 1 { paragraph = TextAccumulator(); isHeading = name == "h" }
            case "s":
                paragraph.space()
                return false
            case "tab":
                paragraph.space()
                return false
            case "line-break":
                paragraph.lineBreak()
                return false
            default:
                break
            }
            return true
        }, exit: { node in
            guard node.pointee.type == XML_ELEMENT_NODE, namespace(node) == openDocumentText else { return }
            let name = localName(node)
            guard name == "p" || name == "h" else { return }
            depth -= 1
            if depth == 0 {
                let line = paragraph.result()
                guard !line.isEmpty else { return }
                lines.append(line)
                if isHeading { headings.append(line) }
            } else {
                paragraph.lineBreak()
            }
        })
        document.body = lines.joined(separator: "\n")
        if !headings.isEmpty { document.fields["headings"] = .string(headings.joined(separator: "\n")) }

        if let meta = try members.read("meta.xml", context: context) {
            do throws(TrawlError) {
                let properties = try parseXML(meta, member: "meta.xml", formatName: formatName, context: context)
                if let root = properties.root, let metaElement = firstElement(root, named: "meta") {
                    var initialCreator: String?, creator: String?, created: String?, modified: String?
                    var keywords: [String] = []
                    for element in children(metaElement) {
                        let value = text(element)
                        guard !value.isEmpty else { continue }
                        switch localName(element) {
                        case "title": if document.title.isEmpty { document.title = value }
                        case "initial-creator": initialCreator = value
                        case "creator": creator = value
                        case "creation-date": created = value
                        case "date": modified = value
                        case "keyword": keywords.append(contentsOf: MetadataFields.commaSeparated(value))
                        case "subject": MetadataFields.add(value, to: "subject", in: &document.fields)
                        case "description": MetadataFields.add(value, to: "description", in: &document.fields)
                        case "language": MetadataFields.add(value, to: "lang", in: &document.fields)
                        default: break
                        }
                    }
                    if let author = initialCreator ?? creator { MetadataFields.add(author, to: "author", in: &document.fields) }
                    if let created {
                        setDate(created, source: "meta:creation-date", of: &document, context: &context)
                    } else if let modified {
                        setDate(modified, source: "dc:date", of: &document, context: &context)
                    }
                    if let modified { setUpdated(modified, source: "dc:date", of: &document, context: &context) }
                    if !keywords.isEmpty { MetadataFields.addList(keywords, to: "keywords", in: &document.fields) }
                }
            } catch {
                context.warn("The document properties could not be read: \(error.message)")
            }
        }
        if document.title.isEmpty { document.title = headings.first ?? "" }
        return document
    }

    // MARK: EPUB

    static func readEPUB(_ members: inout ZipMembers, context: inout ReadContext) throws(TrawlError) -> Document {
        let formatName = "EPUB"
        // The package document named by the container, or the first .opf member.
        var opfPath: String?
        if let container = try members.read("META-INF/container.xml", context: context) {
            let tree = try parseXML(container, member: "META-INF/container.xml", formatName: formatName, context: context)
            if let root = tree.root {
                HTMLReader.walk(root, enter: { node in
                    guard opfPath == nil, node.pointee.type == XML_ELEMENT_NODE else { return false }
                    if localName(node) == "rootfile", let path = HTMLReader.attribute(node, "full-path"), !path.isEmpty {
                        opfPath = path
                        return false
                    }
                    return true
                }, exit: { _ in })
            }
        }
        if opfPath == nil || !members.contains(opfPath!) {
            opfPath = members.paths.filter { $0.lowercased().hasSuffix(".opf") }.sorted().first
        }
        guard let opfPath else {
            throw context.error(.documentMalformed, "The EPUB file has no package document (no rootfile in META-INF/container.xml and no .opf member).")
        }
        let opf = try required(opfPath, &members, formatName: formatName, context: context)
        let tree = try parseXML(opf, member: opfPath, formatName: formatName, context: context)
        guard let root = tree.root else {
            throw context.error(.documentMalformed, "The package document \"\(opfPath)\" of the EPUB file is empty.")
        }
        var document = Document(id: context.relativePath)
        if let metadata = firstElement(root, named: "metadata") {
            for element in children(metadata) {
                let value = text(element)
                guard !value.isEmpty else { continue }
                switch localName(element) {
                case "title": if document.title.isEmpty { document.title = value }
                case "creator": MetadataFields.add(value, to: "author", in: &document.fields)
                case "language": MetadataFields.add(value, to: "lang", in: &document.fields)
                case "date":
                    // EPUB 2 may give several dates with an opf:event; the first is taken.
                    setDate(value, source: "dc:date", of: &document, context: &context)
                case "publisher": MetadataFields.add(value, to: "publisher", in: &document.fields)
                case "subject": MetadataFields.addList([value], to: "tags", in: &document.fields)
                case "description": MetadataFields.add(value, to: "description", in: &document.fields)
                case "meta":
                    if HTMLReader.attribute(element, "property") == "dcterms:modified" {
                        setUpdated(value, source: "dcterms:modified", of: &document, context: &context)
                    }
                default: break
                }
            }
        }
        // Manifest: id → (href, media type); spine: ids in reading order.
        var manifest: [String: (href: String, mediaType: String)] = [:]
        if let element = firstElement(root, named: "manifest") {
            for item in children(element) where localName(item) == "item" {
                if let id = HTMLReader.attribute(item, "id"), let href = HTMLReader.attribute(item, "href") {
                    manifest[id] = (href, HTMLReader.attribute(item, "media-type") ?? "")
                }
            }
        }
        var spine: [String] = []
        if let element = firstElement(root, named: "spine") {
            for itemref in children(element) where localName(itemref) == "itemref" {
                if let id = HTMLReader.attribute(itemref, "idref") { spine.append(id) }
            }
        }
        if spine.isEmpty { context.warn("The EPUB file's package document has no spine, so the book has no body text.") }
        let base = opfPath.split(separator: "/", omittingEmptySubsequences: false).dropLast().map(String.init)
        var chapters: [String] = []
        var missing = 0
        for id in spine {
            guard let item = manifest[id] else { missing += 1; continue }
            let isMarkup = item.mediaType.contains("html") || item.href.lowercased().hasSuffix(".xhtml")
                || item.href.lowercased().hasSuffix(".html") || item.href.lowercased().hasSuffix(".htm")
            guard isMarkup else { continue }
            let path = resolve(item.href, against: base)
            guard let bytes = try members.read(path, context: context) else { missing += 1; continue }
            if let text = chapterText(bytes, path: path, context: &context), !text.isEmpty { chapters.append(text) }
        }
        if missing > 0 {
            context.warn("\(missing) chapter\(missing == 1 ? "" : "s") of the EPUB file's spine \(missing == 1 ? "is" : "are") missing from the archive or the manifest and \(missing == 1 ? "was" : "were") left out.")
        }
        document.body = chapters.joined(separator: "\n\n")
        return document
    }

    /// The visible text of one XHTML chapter, through the HTML reader.
    private static func chapterText(_ bytes: [UInt8], path: String, context: inout ReadContext) -> String? {
        bytes.withUnsafeBufferPointer { buffer -> String? in
            let decoded = EncodingDetection.decode(buffer, format: .html, forced: nil, minimumConfidence: 10, context: &context)
            do throws(TrawlError) {
                let documents = try decoded.withUTF8(buffer) { (text) throws(TrawlError) -> [Document] in
                    try HTMLReader.read(text, context: &context)
                }
                return documents.first?.body
            } catch {
                context.warn("The chapter \"\(path)\" of the EPUB file could not be read: \(error.message)")
                return nil
            }
        }
    }

    /// A manifest `href` (relative, percent-encoded, maybe with a fragment) as a member path.
    static func resolve(_ href: String, against base: [String]) -> String {
        var reference = Substring(href)
        if let hash = reference.firstIndex(of: "#") { reference = reference[..<hash] }
        let decoded = percentDecoded(String(reference))
        var components = decoded.hasPrefix("/") ? [] : base
        for component in decoded.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." { if !components.isEmpty { components.removeLast() }; continue }
            components.append(String(component))
        }
        return components.joined(separator: "/")
    }

    private static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var output: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x25, i + 2 < bytes.count, let high = MIME.hexValue(bytes[i + 1]), let low = MIME.hexValue(bytes[i + 2]) {
                output.append(high << 4 | low)
                i += 3
            } else {
                output.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
