import CLibXML2

/// Reads HTML files with libxml2's forgiving HTML parser: one document per file.
///
/// - Title: `<meta property="og:title">` first (it is usually the article's own title, where
///   `<title>` often carries the site's name too), then `<title>`, then the first `<h1>`.
/// - Date: the first parseable of `<meta property="article:published_time">`, the first
///   `<time datetime>`, and `<meta name="date">`. When none parses, the first one given is
///   reported as a warning and the document has no date.
/// - Fields, from `<meta name|property|itemprop=… content=…>` (content with collapsed
///   whitespace; empty content ignored): `author` (several → a list), `keywords` (split on
///   commas, a list), `article:tag` → `tags` (a list), `article:section` → `section`,
///   `article:modified_time` → `updated` (a date; text, with a warning, when it does not
///   parse), `og:type` → `type`, `og:site_name` → `site`, `og:locale` → `locale`; `<html lang>`
///   (else the first language of `<meta http-equiv="content-language">`) → `lang`. Any other `<meta name=X>` becomes the field `X` (lower-cased; a name of letters,
///   digits, `.`, `_` and `-` starting with a letter), except technical ones (`viewport`,
///   `robots`, `generator`, `theme-color`, `referrer`, `format-detection`, `color-scheme`,
///   site verifications, app and browser settings, namespaced names such as `twitter:card`)
///   and `title`, `date`, `body` and `id`. A name repeated with different contents becomes a
///   list.
/// - Body: the visible text of the content root: the only `<article>` when there is exactly
///   one, else the first `<main>`, else `<body>`. Left out: `script`, `style`, `noscript`,
///   `template`, `nav`, `aside`, `form`, `iframe`, `object`, `embed`, `svg`, `canvas`, `button`,
///   `select`, `textarea`, elements with the `hidden` attribute, `aria-hidden="true"` or an
///   inline `display:none`, and `header` and `footer` elements that are page chrome (not inside
///   an `article`, `main` or `section`). Block elements and `<br>` separate lines; other
///   whitespace is collapsed to single spaces; `<pre>` keeps its whitespace.
///
/// The reader gets UTF-8: a file in another encoding (a byte-order mark, an XML declaration or
/// a `<meta charset>` in the first 4 KB, or detection) is converted first by
/// ``EncodingDetection``; invalid bytes are repaired to U+FFFD. Deep nesting is walked without
/// recursion.
enum HTMLReader {
    /// libxml2 must be initialised once before it is used from several threads.
    private static let initialised: Bool = {
        xmlInitParser()
        return true
    }()

    /// Reads HTML from UTF-8 bytes (already converted from the file's encoding by
    /// ``EncodingDetection``; invalid sequences are repaired here).
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, context: inout ReadContext) throws(TrawlError) -> [Document] {
        _ = initialised
        // Repair invalid UTF-8 before libxml2 sees it (it would switch to Latin-1).
        let input = Array(String(decoding: TextDecoding.normalizedText(bytes), as: UTF8.self).utf8)
        guard !input.isEmpty else { return [] }
        guard input.count <= Int(Int32.max) else {
            throw context.error(.documentUnreadable, "The HTML file is too large for the HTML parser.")
        }
        // The text is UTF-8 whatever its `<meta charset>` says: libxml2 must not switch.
        let options = Int32(bitPattern: HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue
            | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_IGNORE_ENC.rawValue)
        let document: htmlDocPtr? = input.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                htmlReadMemory(pointer, Int32(buffer.count), nil, "UTF-8", options)
            }
        }
        guard let document else {
            throw context.error(.documentMalformed, "The HTML parser could not make anything of the file.")
        }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else { return [] }
        return extract(root, context: &context)
    }

    // MARK: Tree helpers

    typealias NodePointer = UnsafeMutablePointer<xmlNode>

    static func name(_ node: NodePointer) -> String {
        guard let name = node.pointee.name else { return "" }
        return String(cString: name)
    }

    static func isElement(_ node: NodePointer) -> Bool { node.pointee.type == XML_ELEMENT_NODE }

    /// An attribute's value, read without allocating in libxml2. libxml2's HTML parser
    /// lowercases attribute names, so `wanted` is lowercase.
    static func attribute(_ node: NodePointer, _ wanted: StaticString) -> String? {
        var attribute = node.pointee.properties
        while let current = attribute {
            if let rawName = current.pointee.name,
               strcmp(UnsafeRawPointer(rawName).assumingMemoryBound(to: CChar.self),
                      UnsafeRawPointer(wanted.utf8Start).assumingMemoryBound(to: CChar.self)) == 0 {
                var value = ""
                var child = current.pointee.children
                while let text = child {
                    if let content = text.pointee.content { value += String(cString: content) }
                    child = text.pointee.next
                }
                return value
            }
            attribute = current.pointee.next
        }
        return nil
    }

    /// Visits the nodes under `root` (and `root` itself) in document order without recursion.
    /// `enter` returns whether to descend into a node; `exit` is called, after its children,
    /// for every node that was entered.
    static func walk(_ root: NodePointer, enter: (NodePointer) -> Bool, exit: (NodePointer) -> Void) {
        guard enter(root) else { return }
        var next: NodePointer? = root.pointee.children
        while let node = next {
            let entered = enter(node)
            if entered, let child = node.pointee.children {
                next = child
                continue
            }
            if entered { exit(node) }
            // The next sibling, or that of the nearest ancestor that has one.
            var climbing = node
            while climbing.pointee.next == nil {
                guard let parent = climbing.pointee.parent, parent != root else {
                    exit(root)
                    return
                }
                exit(parent)
                climbing = parent
            }
            next = climbing.pointee.next
        }
        exit(root)
    }

    static let skipped: Set<String> = [
        "script", "style", "noscript", "template", "nav", "aside", "form", "iframe", "object", "embed",
        "svg", "canvas", "button", "select", "textarea", "head", "title", "math",
    ]

    static let blocks: Set<String> = [
        "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "dir",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hgroup", "hr", "html", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary",
        "table", "tbody", "thead", "tfoot", "tr", "ul", "caption", "legend", "option", "br",
    ]

    static func isHidden(_ node: NodePointer) -> Bool {
        if attribute(node, "hidden") != nil { return true }
        if let ariaHidden = attribute(node, "aria-hidden"), ariaHidden.lowercased() == "true" { return true }
        if let style = attribute(node, "style") {
            let compact = style.lowercased().filter { !$0.isWhitespace }
            if compact.contains("display:none") { return true }
        }
        return false
    }

    /// Collects the visible text under `root`.
    static func visibleText(_ root: NodePointer, keepChrome: Bool = false) -> String {
        var text = TextAccumulator()
        var preDepth = 0
        // How many article/main/section elements enclose the current node (chrome is kept inside).
        var contentDepth = keepChrome ? 1 : 0
        walk(root, enter: { node in
            switch node.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = node.pointee.content {
                    let length = strlen(content)
                    text.append(UnsafeBufferPointer(start: content, count: length), preformatted: preDepth > 0)
                }
                return false
            case XML_ELEMENT_NODE:
                let tag = name(node)
                if node != root {
                    if skipped.contains(tag) || isHidden(node) { return false }
                    if (tag == "header" || tag == "footer"), contentDepth == 0 { return false }
                }
                if tag == "article" || tag == "main" || tag == "section" { contentDepth += 1 }
                if tag == "pre" { preDepth += 1 }
                if tag == "td" || tag == "th" { text.space() }
                if blocks.contains(tag) { text.lineBreak() }
                return true
            default:
                return false
            }
        }, exit: { node in
            guard isElement(node) else { return }
            let tag = name(node)
            if tag == "article" || tag == "main" || tag == "section" { contentDepth -= 1 }
            if tag == "pre" { preDepth -= 1 }
            if tag == "td" || tag == "th" { text.space() }
            if blocks.contains(tag) { text.lineBreak() }
        })
        return text.result()
    }

    // MARK: Metadata

    /// A `<meta>` tag with a name (or property or itemprop) and content.
    struct Meta {
        /// The name, property or itemprop, lower-cased.
        var key: String
        var content: String
        /// Whether the key is a `name` attribute (only those become fields under their own name).
        var isNamed: Bool
    }

    /// `<meta name>` values that say nothing about the article (page set-up, crawlers,
    /// site verification), never fields.
    static let technicalMetaNames: Set<String> = [
        "viewport", "robots", "googlebot", "googlebot-news", "bingbot", "slurp", "generator", "theme-color",
        "referrer", "format-detection", "color-scheme", "supported-color-schemes", "application-name",
        "mobile-web-app-capable", "apple-mobile-web-app-capable", "apple-mobile-web-app-title",
        "apple-mobile-web-app-status-bar-style", "apple-itunes-app", "handheldfriendly", "mobileoptimized",
        "csrf-token", "csrf-param", "google", "msvalidate.01", "p:domain_verify", "content-type",
        "x-ua-compatible", "revisit-after", "rating", "distribution", "resource-type",
        // Names the document already has, or that the index reserves.
        "title", "date", "body", "id",
    ]

    /// The field name of a `<meta name>`: lower-cased, starting with a letter, then letters,
    /// digits, `.`, `_` or `-`; `nil` for technical names and names in a namespace (`twitter:`).
    static func fieldName(ofMeta key: String) -> String? {
        guard key.utf8.count <= 64, let first = key.utf8.first, first >= 0x61, first <= 0x7A else { return nil }
        for b in key.utf8 {
            let allowed = (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x5F || b == 0x2D
            if !allowed { return nil }
        }
        if technicalMetaNames.contains(key) || key.hasPrefix("msapplication-") || key.hasPrefix("apple-")
            || key.hasSuffix("-verification") || key.hasSuffix("-site-verification") || key.hasPrefix("verify-") {
            return nil
        }
        return key
    }

    /// Adds the field a `<meta>` tag stands for (see ``HTMLReader``).
    static func add(_ meta: Meta, to fields: inout [String: FieldValue], context: inout ReadContext) {
        let content = TextDecoding.collapsingWhitespace(meta.content)
        guard !content.isEmpty else { return }
        switch meta.key {
        case "author": MetadataFields.add(content, to: "author", in: &fields)
        case "keywords": MetadataFields.addList(MetadataFields.commaSeparated(content), to: "keywords", in: &fields)
        case "article:tag": MetadataFields.addList([content], to: "tags", in: &fields)
        case "article:section": MetadataFields.add(content, to: "section", in: &fields)
        case "og:type": MetadataFields.add(content, to: "type", in: &fields)
        case "og:site_name": MetadataFields.add(content, to: "site", in: &fields)
        case "og:locale": MetadataFields.add(content, to: "locale", in: &fields)
        case "article:modified_time":
            guard fields["updated"] == nil else { return }
            if let date = DateParsing.parse(content) {
                fields["updated"] = .date(date)
            } else {
                fields["updated"] = .string(content)
                context.warn("The date \"\(MetadataFields.shown(content))\" in the article:modified_time meta tag is not a valid date, so the updated field is kept as text.")
            }
        default:
            guard meta.isNamed, let name = fieldName(ofMeta: meta.key) else { return }
            MetadataFields.add(content, to: name, in: &fields)
        }
    }

    // MARK: Extraction

    static func extract(_ root: NodePointer, context: inout ReadContext) -> [Document] {
        var ogTitle: String?, titleText: String?, firstH1: NodePointer?
        var dateCandidates: [(source: String, value: String)] = []
        var publishedTime: String?, timeDatetime: String?, metaDate: String?
        var metas: [Meta] = []
        var contentLanguage: String?
        var articles: [NodePointer] = []
        var main: NodePointer?, body: NodePointer?
        var svgDepth = 0

        walk(root, enter: { node in
            guard isElement(node) else { return false }
            let tag = name(node)
            switch tag {
            case "meta":
                if contentLanguage == nil, attribute(node, "http-equiv")?.lowercased() == "content-language",
                   let content = attribute(node, "content") {
                    // `de, en` names the audience's languages: the first is the document's.
                    contentLanguage = content.split(separator: ",").first.map { TextDecoding.collapsingWhitespace(String($0)) }
                }
                let property = attribute(node, "property"), name = attribute(node, "name")
                let key = (property ?? name ?? attribute(node, "itemprop"))?.lowercased()
                let content = attribute(node, "content")
                guard let key, let content else { break }
                switch key {
                case "og:title": if ogTitle == nil { ogTitle = content }
                case "article:published_time": if publishedTime == nil { publishedTime = content }
                case "date": if metaDate == nil { metaDate = content }
                default: metas.append(Meta(key: key, content: content, isNamed: property == nil && name != nil))
                }
            case "title":
                if titleText == nil, svgDepth == 0 { titleText = visibleText(node, keepChrome: true) }
                return false
            case "h1":
                if firstH1 == nil { firstH1 = node }
            case "time":
                if timeDatetime == nil, let value = attribute(node, "datetime") { timeDatetime = value }
            case "article":
                articles.append(node)
            case "main":
                if main == nil { main = node }
            case "body":
                if body == nil { body = node }
            case "svg":
                svgDepth += 1
            case "script", "style", "template":
                return false
            default:
                break
            }
            return true
        }, exit: { node in
            if isElement(node), name(node) == "svg" { svgDepth -= 1 }
        })

        if let publishedTime { dateCandidates.append(("the article:published_time meta tag", publishedTime)) }
        if let timeDatetime { dateCandidates.append(("the first time element", timeDatetime)) }
        if let metaDate { dateCandidates.append(("the date meta tag", metaDate)) }

        var document = Document(id: context.relativePath)
        let candidates = [ogTitle, titleText, firstH1.map { visibleText($0, keepChrome: true) }]
        for candidate in candidates {
            if let candidate {
                let collapsed = TextDecoding.collapsingWhitespace(candidate)
                if !collapsed.isEmpty {
                    document.title = collapsed
                    break
                }
            }
        }
        for candidate in dateCandidates {
            if let date = DateParsing.parse(candidate.value) {
                document.date = date
                break
            }
        }
        if document.date == nil, let first = dateCandidates.first {
            _ = context.date(first.value, source: first.source)
        }
        if isElement(root), name(root) == "html", let lang = attribute(root, "lang") {
            let collapsed = TextDecoding.collapsingWhitespace(lang)
            if !collapsed.isEmpty { document.fields["lang"] = .string(collapsed) }
        }
        if document.fields["lang"] == nil, let contentLanguage, !contentLanguage.isEmpty {
            document.fields["lang"] = .string(contentLanguage)
        }
        for meta in metas { add(meta, to: &document.fields, context: &context) }
        let contentRoot: NodePointer
        if articles.count == 1 {
            contentRoot = articles[0]
        } else if let main {
            contentRoot = main
        } else if let body {
            contentRoot = body
        } else {
            contentRoot = root
        }
        document.body = visibleText(contentRoot, keepChrome: contentRoot != body && contentRoot != root)
        if document.title.isEmpty, document.body.isEmpty, document.date == nil, document.fields.isEmpty {
            return []
        }
        return [document]
    }
}

/// Builds text from HTML text nodes: whitespace runs collapse to one space, line breaks between
/// blocks, no blank lines, no spaces at line ends.
struct TextAccumulator {
    private var bytes: [UInt8] = []
    private var pendingSpace = false
    private var pendingBreak = false

    /// Appends text; `preformatted` keeps its whitespace and line breaks.
    mutating func append(_ text: UnsafeBufferPointer<UInt8>, preformatted: Bool) {
        var i = 0
        let n = text.count
        while i < n {
            let b = text[i]
            if preformatted {
                if b == 0x0A {
                    bytes.append(0x0A)
                    pendingSpace = false
                    pendingBreak = false
                } else {
                    flush()
                    bytes.append(b == 0x0D ? 0x0A : b)
                }
                i += 1
                continue
            }
            if TextDecoding.isSpace(b) {
                pendingSpace = true
                i += 1
            } else if b == 0xC2, i + 1 < n, text[i + 1] == 0xA0 {
                pendingSpace = true // no-break space
                i += 2
            } else {
                flush()
                bytes.append(b)
                i += 1
            }
        }
    }

    private mutating func flush() {
        if pendingBreak {
            if !bytes.isEmpty, bytes.last != 0x0A { bytes.append(0x0A) }
        } else if pendingSpace, let last = bytes.last, last != 0x0A, last != 0x20 {
            bytes.append(0x20)
        }
        pendingBreak = false
        pendingSpace = false
    }

    /// Separates what follows by a space (table cells).
    mutating func space() { pendingSpace = true }

    /// Ends the current line (block boundaries, `<br>`).
    mutating func lineBreak() { pendingBreak = true }

    func result() -> String {
        var end = bytes.count
        while end > 0, TextDecoding.isSpace(bytes[end - 1]) { end -= 1 }
        var start = 0
        while start < end, TextDecoding.isSpace(bytes[start]) { start += 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
