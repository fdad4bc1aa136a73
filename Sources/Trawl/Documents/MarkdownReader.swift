import Yams

/// Reads Markdown files: one document per file.
///
/// - Front matter: YAML between a `---` line at the very start and the next `---` (or `...`)
///   line, parsed with Yams. `title` and `date` (any case) are the document's title and date;
///   every other key becomes a field under its own name, typed as YAML resolves a plain
///   scalar under its core schema (``FrontMatterFields``): `4` → ``FieldValue/integer(_:)``,
///   `4.5` → ``FieldValue/double(_:)``, `true` → ``FieldValue/bool(_:)``, `2024-03-01` or
///   `2024-03-01T10:00:00Z` → ``FieldValue/date(_:)``, anything else (quoted scalars included,
///   and `yes`/`no`) → ``FieldValue/string(_:)``. A list of scalars is a
///   ``FieldValue/strings(_:)`` (the items' text, numbers included); a nested mapping is
///   flattened into `parent.child` fields, three levels deep at most. Nulls, empty strings,
///   numbers that are not finite (`.nan`, `.inf`, with a warning) and keys starting with `_`
///   are left out; a timestamp that is not a real date (`2024-02-30`) stays a string, with a
///   warning. Front matter that is not valid YAML makes the file
///   `.documentMalformed`; valid YAML that is not a mapping (a `---` rule, a paragraph and
///   another rule) is not front matter and is read as Markdown.
/// - Title: the front matter's `title`, else the first level-1 heading (`# Title` or a
///   `Title` line underlined with `===`), which is then left out of the body.
/// - Body: the text with the Markdown syntax removed by a light line-based pass: heading
///   markers, emphasis, inline code backticks, links (`[text](url)` → `text`), images (→ their
///   alt text), autolinks (→ the address), HTML tags and comments, list bullets and numbers,
///   task boxes, blockquote markers, fences of fenced code (the code is kept as it is),
///   thematic breaks, reference-link definitions and table pipes and delimiter rows. Common
///   HTML entities are decoded and backslash escapes resolved. All work is linear in the size
///   of the file.
enum MarkdownReader {
    static func read(_ text: [UInt8], context: inout ReadContext) throws(TrawlError) -> [Document] {
        try text.withUnsafeBufferPointer { (bytes) throws(TrawlError) -> [Document] in
            var document = Document(id: context.relativePath)
            var contentStart = 0
            if let front = frontMatter(bytes) {
                let yaml = TextDecoding.string(bytes, front.yaml)
                if yaml.allSatisfy(\.isWhitespace) {
                    contentStart = front.contentStart
                } else if let mapping = try parseFrontMatter(yaml, context: context) {
                    apply(mapping, to: &document, context: &context)
                    contentStart = front.contentStart
                }
            }
            var renderer = MarkdownRenderer(bytes: bytes, wantsTitle: document.title.isEmpty)
            renderer.render(contentStart..<bytes.count)
            if document.title.isEmpty, let title = renderer.title {
                document.title = TextDecoding.collapsingWhitespace(String(decoding: title, as: UTF8.self))
            }
            document.body = renderer.bodyText()
            if document.title.isEmpty, document.body.isEmpty, document.date == nil, document.fields.isEmpty {
                return []
            }
            return [document]
        }
    }

    // MARK: Front matter

    /// The YAML range and where the Markdown starts, when the text opens with front matter.
    static func frontMatter(_ bytes: UnsafeBufferPointer<UInt8>) -> (yaml: Range<Int>, contentStart: Int)? {
        func isDelimiter(_ range: Range<Int>, _ char: UInt8) -> Bool {
            var end = range.upperBound
            while end > range.lowerBound, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            return end - range.lowerBound == 3 && bytes[range.lowerBound] == char
                && bytes[range.lowerBound + 1] == char && bytes[range.lowerBound + 2] == char
        }
        let firstEnd = TextReader.lineEnd(bytes, from: 0)
        guard firstEnd < bytes.count, isDelimiter(0..<firstEnd, 0x2D) else { return nil }
        var lineStart = firstEnd + 1
        while lineStart <= bytes.count {
            let end = TextReader.lineEnd(bytes, from: lineStart)
            if isDelimiter(lineStart..<end, 0x2D) || isDelimiter(lineStart..<end, 0x2E) {
                return ((firstEnd + 1)..<lineStart, min(end + 1, bytes.count))
            }
            if end >= bytes.count { break }
            lineStart = end + 1
        }
        return nil
    }

    /// The front matter's mapping; `nil` when the YAML is empty or not a mapping.
    static func parseFrontMatter(_ yaml: String, context: ReadContext) throws(TrawlError) -> Node.Mapping? {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw context.error(.documentMalformed, "The front matter is not valid YAML: \(describe(error)).",
                                underlying: shortened("\(error)"))
        } catch {
            throw context.error(.documentMalformed, "The front matter is not valid YAML.", underlying: shortened("\(error)"))
        }
        guard case .mapping(let mapping)? = node else { return nil }
        return mapping
    }

    /// The first line of a parser's error text, at most 200 characters: Yams quotes the
    /// offending line, which can be megabytes long.
    static func shortened(_ text: String) -> String {
        let line = text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? text
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }

    /// A short description of a Yams error, with its line counted in the whole file.
    static func describe(_ error: YamlError) -> String {
        func at(_ mark: Mark) -> String { "at line \(mark.line + 1), column \(mark.column)" }
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return "\(problem) \(at(mark))"
        case let .reader(problem, _, _, _):
            return problem
        case let .duplicatedKeysInMapping(duplicates, context):
            return "the key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", ")) appears twice \(at(context.mark))"
        default:
            return "\(error)".split(separator: "\n").first.map(String.init) ?? "unknown error"
        }
    }

    /// The text of a scalar or of a list of scalars; `nil` for nulls, mappings and empty lists.
    static func text(of node: Node) -> String? {
        switch node {
        case .scalar(let scalar):
            if node.null != nil { return nil }
            return scalar.string
        case .sequence(let sequence):
            let items = sequence.compactMap { item -> String? in
                guard case .scalar(let scalar) = item, item.null == nil else { return nil }
                let value = TextDecoding.collapsingWhitespace(scalar.string)
                return value.isEmpty ? nil : value
            }
            return items.isEmpty ? nil : items.joined(separator: ", ")
        case .mapping, .alias:
            return nil
        }
    }

    /// Nested mappings are flattened into dotted names down to this many levels (`a.b.c`);
    /// deeper ones are left out.
    static let maximumFieldDepth = 3
    /// At most this many fields are taken from one front matter (aliases can repeat a mapping
    /// many times over).
    static let maximumFields = 1000

    static func apply(_ mapping: Node.Mapping, to document: inout Document, context: inout ReadContext) {
        var fields = FrontMatterFields()
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else { continue }
            let key = keyScalar.string
            guard !key.isEmpty else { continue }
            switch key.lowercased() {
            case "title":
                if let value = text(of: valueNode) { document.title = TextDecoding.collapsingWhitespace(value) }
            case "date":
                guard case .scalar = valueNode, valueNode.null == nil else {
                    if case .scalar = valueNode { continue }
                    context.warn("The date in the front matter is not a single value, so the document is indexed without a date.")
                    continue
                }
                document.date = context.date(text(of: valueNode) ?? "", source: "the front matter")
            default:
                fields.add(key, valueNode, depth: 1, context: &context)
            }
        }
        if fields.truncated {
            context.warn("The front matter has more than \(maximumFields) fields; the rest were left out.")
        }
        document.fields = fields.values
    }
}

/// The fields of a front matter, typed by YAML's resolution of plain scalars (the core schema):
/// integers, floats, booleans, timestamps and nulls; everything else is a string.
struct FrontMatterFields {
    private(set) var values: [String: FieldValue] = [:]
    /// Whether fields were left out after ``MarkdownReader/maximumFields``.
    private(set) var truncated = false

    /// Adds the value of `name`: a scalar as its type, a list of scalars as strings, a mapping
    /// flattened into `name.key` fields.
    mutating func add(_ name: String, _ node: Node, depth: Int, context: inout ReadContext) {
        guard MetadataFields.isUsableName(name) else { return }
        switch node {
        case .scalar(let scalar):
            guard let value = Self.value(of: scalar, name: name, context: &context) else { return }
            store(name, value)
        case .sequence(let sequence):
            var items: [String] = []
            for item in sequence {
                guard case .scalar(let scalar) = item, !Self.isNull(scalar) else { continue }
                let text = TextDecoding.collapsingWhitespace(scalar.string)
                if !text.isEmpty { items.append(text) }
            }
            if !items.isEmpty { store(name, .strings(items)) }
        case .mapping(let mapping):
            guard depth < MarkdownReader.maximumFieldDepth else { return }
            for (keyNode, valueNode) in mapping {
                guard !truncated else { return }
                guard case .scalar(let key) = keyNode, !key.string.isEmpty else { continue }
                add(name + "." + key.string, valueNode, depth: depth + 1, context: &context)
            }
        case .alias:
            return
        }
    }

    private mutating func store(_ name: String, _ value: FieldValue) {
        if values[name] == nil, values.count >= MarkdownReader.maximumFields {
            truncated = true
            return
        }
        values[name] = value
    }

    static func isNull(_ scalar: Node.Scalar) -> Bool {
        switch Tag.Name(rawValue: scalar.tag.rawValue) {
        case .implicit: return isCoreNull(scalar.string)
        case .null: return true
        default: return false
        }
    }

    static func isCoreNull(_ text: String) -> Bool {
        text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// A scalar's value: a plain scalar as the core schema resolves it, an explicitly tagged one
    /// (`!!int 12`) as its tag says when its text fits, a quoted or block one as a string.
    /// `nil` for nulls, empty strings and numbers that are not finite (with a warning).
    static func value(of scalar: Node.Scalar, name: String, context: inout ReadContext) -> FieldValue? {
        let text = scalar.string
        let resolved: Resolved
        switch Tag.Name(rawValue: scalar.tag.rawValue) {
        case .implicit: resolved = resolvePlain(text)
        case .null: return nil
        case .bool: resolved = coreBool(text).map(Resolved.value) ?? .string
        case .int: resolved = coreInteger(text) ?? .string
        case .float: resolved = coreFloat(text) ?? coreInteger(text) ?? .string
        case .timestamp: resolved = looksLikeDate(text) ? .date : .string
        default: resolved = .string
        }
        switch resolved {
        case .null:
            return nil
        case .value(let value):
            return value
        case .nonFinite:
            context.warn("The front-matter value of \"\(name)\" (\(MetadataFields.shown(text))) is not a finite number, so it was left out.")
            return nil
        case .date:
            if let date = DateParsing.parse(text) { return .date(date) }
            context.warn("The front-matter value of \"\(name)\" (\(MetadataFields.shown(text))) is not a valid date, so it is kept as text.")
            return .string(TextDecoding.collapsingWhitespace(text))
        case .string:
            let collapsed = TextDecoding.collapsingWhitespace(text)
            return collapsed.isEmpty ? nil : .string(collapsed)
        }
    }

    /// What a scalar's text resolves to.
    enum Resolved {
        case null, string, date, nonFinite
        case value(FieldValue)
    }

    /// The YAML 1.2 core schema's resolution of a plain scalar, with timestamps (YAML 1.1's
    /// `2024-03-01`, `2024-03-01T10:00:00Z`) as dates. `yes`, `no`, `on` and `off` are strings.
    static func resolvePlain(_ text: String) -> Resolved {
        if isCoreNull(text) { return .null }
        guard let first = text.utf8.first else { return .null }
        switch first {
        case 0x74, 0x54, 0x66, 0x46: // t T f F
            return coreBool(text).map(Resolved.value) ?? .string
        case 0x2B, 0x2D, 0x2E, 0x30...0x39: // + - . digits
            if let integer = coreInteger(text) { return integer }
            if let float = coreFloat(text) { return float }
            return looksLikeDate(text) ? .date : .string
        default:
            return .string
        }
    }

    static func coreBool(_ text: String) -> FieldValue? {
        switch text {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: return nil
        }
    }

    /// `[-+]?[0-9]+`, `0o[0-7]+` or `0x[0-9a-fA-F]+`; a decimal too large for 64 bits is a
    /// double, a hexadecimal or octal one a string.
    static func coreInteger(_ text: String) -> Resolved? {
        let bytes = text.utf8
        if bytes.count > 2, text.hasPrefix("0x") || text.hasPrefix("0o") {
            let digits = text.dropFirst(2)
            let radix = text.hasPrefix("0x") ? 16 : 8
            guard digits.utf8.allSatisfy({ radix == 16 ? isHexDigit($0) : ($0 >= 0x30 && $0 <= 0x37) }) else { return nil }
            return Int64(digits, radix: radix).map { .value(.integer($0)) } ?? .string
        }
        var digits = Substring(text)
        if let sign = bytes.first, sign == 0x2B || sign == 0x2D { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return MetadataFields.decimalInteger(Substring(text)).map(Resolved.value) ?? .nonFinite
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `[-+]?.inf` or `.nan` (any of
    /// the core schema's three spellings).
    static func coreFloat(_ text: String) -> Resolved? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
            return .nonFinite
        default:
            break
        }
        let bytes = Array(text.utf8)
        var i = 0
        func digits() -> Int {
            let start = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - start
        }
        if i < bytes.count, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
        var mantissa = digits()
        if i < bytes.count, bytes[i] == 0x2E {
            i += 1
            mantissa += digits()
        }
        guard mantissa > 0 else { return nil }
        if i < bytes.count, bytes[i] == 0x65 || bytes[i] == 0x45 {
            i += 1
            if i < bytes.count, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
            guard digits() > 0 else { return nil }
        }
        guard i == bytes.count else { return nil }
        guard let value = Double(text), value.isFinite else { return .nonFinite }
        return .value(.double(value))
    }

    /// Whether the text has the shape of a YAML timestamp (`YYYY-M-D`, then a time or nothing).
    static func looksLikeDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8.prefix(11))
        func isDigit(_ k: Int) -> Bool { k < bytes.count && bytes[k] >= 0x30 && bytes[k] <= 0x39 }
        guard bytes.count >= 8, isDigit(0), isDigit(1), isDigit(2), isDigit(3), bytes[4] == 0x2D, isDigit(5) else { return false }
        var i = isDigit(6) ? 7 : 6
        guard i < bytes.count, bytes[i] == 0x2D, isDigit(i + 1) else { return false }
        i += isDigit(i + 2) ? 3 : 2
        return i >= bytes.count || bytes[i] == 0x54 || bytes[i] == 0x74 || bytes[i] == 0x20 || bytes[i] == 0x09
    }

    @inline(__always) static func isHexDigit(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66)
    }
}

/// Turns Markdown into plain text, line by line (see ``MarkdownReader``).
struct MarkdownRenderer {
    let bytes: UnsafeBufferPointer<UInt8>
    let wantsTitle: Bool
    /// The first level-1 heading, when a title is wanted.
    private(set) var title: [UInt8]?
    private var out: [UInt8] = []
    /// Where the last paragraph line starts in `out` (for setext headings).
    private var lastParagraphLine: Int?
    private var inComment = false
    private var inTable = false
    private var fence: (char: UInt8, length: Int)?

    /// Lines longer than this get only the simple inline pass (no links, tags or code spans).
    static let longLine = 100_000

    init(bytes: UnsafeBufferPointer<UInt8>, wantsTitle: Bool) {
        self.bytes = bytes
        self.wantsTitle = wantsTitle
        out.reserveCapacity(bytes.count)
    }

    func bodyText() -> String {
        var end = out.count
        while end > 0, TextDecoding.isSpace(out[end - 1]) { end -= 1 }
        var start = 0
        while start < end, out[start] == 0x0A { start += 1 }
        return String(decoding: out[start..<end], as: UTF8.self)
    }

    mutating func render(_ range: Range<Int>) {
        var lineStart = range.lowerBound
        while lineStart < range.upperBound {
            let end = TextReader.lineEnd(bytes, from: lineStart)
            let next = end + 1
            renderLine(lineStart, end, nextLineStart: next < range.upperBound ? next : nil)
            lineStart = next
        }
    }

    // MARK: Blocks

    private func byte(_ i: Int) -> UInt8 { bytes[i] }

    private mutating func emitBlank() {
        lastParagraphLine = nil
        inTable = false
        let n = out.count
        if n == 0 || (n >= 2 && out[n - 1] == 0x0A && out[n - 2] == 0x0A) { return }
        out.append(0x0A)
    }

    private mutating func renderLine(_ start: Int, _ lineEnd: Int, nextLineStart: Int?) {
        var e = lineEnd
        while e > start, TextDecoding.isSpace(byte(e - 1)) { e -= 1 }

        if let fence {
            if isFenceClose(start, e, fence) {
                self.fence = nil
                emitBlank()
            } else {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<lineEnd]))
                out.append(0x0A)
            }
            return
        }

        var s = start
        // Multi-line HTML comments; a line left blank by removing one is not a paragraph break.
        var commentRemoved = false
        if inComment {
            guard let close = find("-->", s, e) else { return }
            s = close + 3
            inComment = false
            commentRemoved = true
        }
        if let open = find("<!--", s, e), find("-->", open + 4, e) == nil {
            e = open
            inComment = true
            commentRemoved = true
        }

        var p = s
        var indent = 0
        while p < e, byte(p) == 0x20 || byte(p) == 0x09 {
            indent += byte(p) == 0x09 ? 4 : 1
            p += 1
        }
        if p == e {
            if !commentRemoved { emitBlank() }
            return
        }
        if indent < 4, let opened = fenceOpen(p, e) {
            fence = opened
            emitBlank()
            return
        }
        // Blockquote markers.
        while p < e, byte(p) == 0x3E {
            p += 1
            while p < e, byte(p) == 0x20 || byte(p) == 0x09 { p += 1 }
        }
        if p == e {
            emitBlank()
            return
        }

        // ATX heading.
        if byte(p) == 0x23 {
            var q = p
            while q < e, byte(q) == 0x23 { q += 1 }
            let level = q - p
            if level <= 6, q == e || byte(q) == 0x20 || byte(q) == 0x09 {
                var contentEnd = e
                // Closing sequence of #s preceded by a space.
                var c = contentEnd
                while c > q, byte(c - 1) == 0x23 { c -= 1 }
                if c == q || byte(c - 1) == 0x20 || byte(c - 1) == 0x09 { contentEnd = c }
                let content = TextDecoding.trimmed(bytes, q..<max(q, contentEnd))
                if level == 1, wantsTitle, title == nil {
                    var heading: [UInt8] = []
                    appendInline(content.lowerBound, content.upperBound, to: &heading)
                    title = heading
                } else {
                    emitLine(content.lowerBound, content.upperBound)
                    lastParagraphLine = nil
                }
                inTable = false
                return
            }
        }

        // Setext underline for the previous paragraph line.
        if indent < 4, let previous = lastParagraphLine, byte(p) == 0x3D || byte(p) == 0x2D,
           (p..<e).allSatisfy({ byte($0) == byte(p) }) {
            if byte(p) == 0x3D, wantsTitle, title == nil {
                var heading = Array(out[previous...])
                while let last = heading.last, last == 0x0A { heading.removeLast() }
                title = heading
                out.removeSubrange(previous...)
            }
            lastParagraphLine = nil
            return
        }

        // Thematic break: three or more of the same *, - or _ with optional spaces.
        if byte(p) == 0x2A || byte(p) == 0x2D || byte(p) == 0x5F {
            let char = byte(p)
            var count = 0
            var onlyMarks = true
            for i in p..<e {
                if byte(i) == char { count += 1 } else if byte(i) != 0x20 && byte(i) != 0x09 { onlyMarks = false; break }
            }
            if onlyMarks, count >= 3 {
                emitBlank()
                return
            }
        }

        // Reference-link definition: [label]: url
        if byte(p) == 0x5B, let close = findByte(0x5D, p + 1, e), close > p + 1,
           close + 1 < e, byte(close + 1) == 0x3A {
            return
        }

        // Tables.
        let hasPipe = findByte(0x7C, p, e) != nil
        if hasPipe || isDelimiterRow(p, e) {
            if isDelimiterRow(p, e), inTable || lastParagraphLine != nil {
                inTable = true
                lastParagraphLine = nil
                return
            }
            if !inTable, hasPipe, let next = nextLineStart {
                let nextEnd = TextReader.lineEnd(bytes, from: next)
                let trimmedNext = TextDecoding.trimmed(bytes, next..<nextEnd)
                if isDelimiterRow(trimmedNext.lowerBound, trimmedNext.upperBound) { inTable = true }
            }
            if inTable {
                if hasPipe {
                    emitTableRow(p, e)
                    return
                }
                inTable = false
            }
        } else {
            inTable = false
        }

        // List items and task boxes.
        if byte(p) == 0x2D || byte(p) == 0x2A || byte(p) == 0x2B {
            if p + 1 == e { return }
            if byte(p + 1) == 0x20 || byte(p + 1) == 0x09 { p += 2 }
        } else if byte(p) >= 0x30, byte(p) <= 0x39 {
            var q = p
            while q < e, q - p < 9, byte(q) >= 0x30, byte(q) <= 0x39 { q += 1 }
            if q < e, byte(q) == 0x2E || byte(q) == 0x29, q + 1 == e || byte(q + 1) == 0x20 || byte(q + 1) == 0x09 {
                p = q + 1
            }
        }
        while p < e, byte(p) == 0x20 || byte(p) == 0x09 { p += 1 }
        if p + 3 <= e, byte(p) == 0x5B, byte(p + 2) == 0x5D, byte(p + 1) == 0x20 || byte(p + 1) == 0x78 || byte(p + 1) == 0x58,
           p + 3 == e || byte(p + 3) == 0x20 {
            p += 3
            while p < e, byte(p) == 0x20 { p += 1 }
        }
        guard p < e else { return }
        let lineStartInOut = out.count
        emitLine(p, e)
        lastParagraphLine = out.count > lineStartInOut ? lineStartInOut : nil
    }

    private mutating func emitLine(_ s: Int, _ e: Int) {
        let before = out.count
        appendInline(s, e, to: &out)
        // Drop what rendered to nothing but spaces.
        var end = out.count
        while end > before, out[end - 1] == 0x20 || out[end - 1] == 0x09 { end -= 1 }
        var begin = before
        while begin < end, out[begin] == 0x20 || out[begin] == 0x09 { begin += 1 }
        if begin == end {
            out.removeSubrange(before...)
            return
        }
        if end < out.count { out.removeSubrange(end...) }
        if begin > before { out.removeSubrange(before..<begin) }
        out.append(0x0A)
    }

    private mutating func emitTableRow(_ s: Int, _ e: Int) {
        var cells: [Range<Int>] = []
        var cellStart = s
        var i = s
        while i < e {
            if byte(i) == 0x5C { i += 2; continue }
            if byte(i) == 0x7C {
                cells.append(cellStart..<i)
                cellStart = i + 1
            }
            i += 1
        }
        cells.append(min(cellStart, e)..<e)
        let before = out.count
        for cell in cells {
            let trimmed = TextDecoding.trimmed(bytes, cell)
            guard !trimmed.isEmpty else { continue }
            if out.count > before { out.append(0x20) }
            appendInline(trimmed.lowerBound, trimmed.upperBound, to: &out)
        }
        if out.count > before { out.append(0x0A) }
        lastParagraphLine = nil
    }

    private func isDelimiterRow(_ s: Int, _ e: Int) -> Bool {
        var dashes = false
        var pipes = false
        for i in s..<e {
            switch byte(i) {
            case 0x2D: dashes = true
            case 0x7C: pipes = true
            case 0x3A, 0x20, 0x09: break
            default: return false
            }
        }
        return dashes && pipes
    }

    private func fenceOpen(_ p: Int, _ e: Int) -> (char: UInt8, length: Int)? {
        let char = byte(p)
        guard char == 0x60 || char == 0x7E else { return nil }
        var q = p
        while q < e, byte(q) == char { q += 1 }
        guard q - p >= 3 else { return nil }
        if char == 0x60, findByte(0x60, q, e) != nil { return nil }
        return (char, q - p)
    }

    private func isFenceClose(_ s: Int, _ e: Int, _ fence: (char: UInt8, length: Int)) -> Bool {
        var p = s
        while p < e, p - s < 4, byte(p) == 0x20 { p += 1 }
        var q = p
        while q < e, byte(q) == fence.char { q += 1 }
        return q - p >= fence.length && q == e
    }

    private func findByte(_ value: UInt8, _ s: Int, _ e: Int) -> Int? {
        guard s < e, let base = bytes.baseAddress, let offset = memchrIndex(base + s, e - s, value) else { return nil }
        return s + offset
    }

    private func find(_ needle: StaticString, _ s: Int, _ e: Int) -> Int? {
        let n = needle.utf8CodeUnitCount
        let first = needle.utf8Start.pointee
        var from = s
        while from + n <= e, let i = findByte(first, from, e - n + 1) {
            var matches = true
            for k in 1..<n where byte(i + k) != needle.utf8Start[k] { matches = false; break }
            if matches { return i }
            from = i + 1
        }
        return nil
    }

    // MARK: Inline

    private static func isPunctuation(_ b: UInt8) -> Bool {
        (b >= 0x21 && b <= 0x2F) || (b >= 0x3A && b <= 0x40) || (b >= 0x5B && b <= 0x60) || (b >= 0x7B && b <= 0x7E)
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A) || b >= 0x80
    }

    /// Whether a run of `*`, `_` or `~` between `prev` and `next` is emphasis to remove.
    private static func isEmphasisDelimiter(_ char: UInt8, length: Int, prev: UInt8, next: UInt8) -> Bool {
        let nextSpace = TextDecoding.isSpace(next), prevSpace = TextDecoding.isSpace(prev)
        let left = !nextSpace && (!isPunctuation(next) || prevSpace || isPunctuation(prev))
        let right = !prevSpace && (!isPunctuation(prev) || nextSpace || isPunctuation(next))
        switch char {
        case 0x2A: return left || right
        case 0x5F: return (left || right) && !(isAlphanumeric(prev) && isAlphanumeric(next))
        default: return length == 2 && (left || right)
        }
    }

    /// Renders the inline Markdown in `bytes[s..<e]` as plain text into `output`.
    ///
    /// Linear: bracket, parenthesis and backtick-run partners are found in one pass first, and
    /// searches for `>` and `-->` remember their last answer.
    private func appendInline(_ s: Int, _ e: Int, to output: inout [UInt8]) {
        let n = e - s
        guard n > 0 else { return }
        if n > Self.longLine {
            appendSimpleInline(s, e, to: &output)
            return
        }
        // Partners: `[` → its `]`, `(` → its `)`, a backtick run → the next run of the same length.
        var partner = [Int32](repeating: -1, count: n)
        var brackets: [Int32] = [], parens: [Int32] = []
        var runs: [(start: Int, length: Int)] = []
        var i = 0
        while i < n {
            let b = byte(s + i)
            switch b {
            case 0x5C: i += 2; continue
            case 0x60:
                let start = i
                while i < n, byte(s + i) == 0x60 { i += 1 }
                runs.append((start, i - start))
                continue
            case 0x5B: brackets.append(Int32(i))
            case 0x5D: if let open = brackets.popLast() { partner[Int(open)] = Int32(i) }
            case 0x28: parens.append(Int32(i))
            case 0x29: if let open = parens.popLast() { partner[Int(open)] = Int32(i) }
            default: break
            }
            i += 1
        }
        var nextRun: [Int: Int] = [:]
        for run in runs.reversed() {
            if let next = nextRun[run.length] { partner[run.start] = Int32(next) }
            nextRun[run.length] = run.start
        }

        func at(_ k: Int) -> UInt8 { byte(s + k) }
        func linkEnd(_ open: Int) -> Int? {
            // `[text](url)` or `[text][ref]`: the index after the destination.
            let close = Int(partner[open])
            guard close >= 0, close + 1 < n else { return nil }
            let after = at(close + 1)
            guard after == 0x28 || after == 0x5B else { return nil }
            let end = Int(partner[close + 1])
            return end >= 0 ? end + 1 : nil
        }

        var jumps: [(at: Int, to: Int)] = []
        var nextGreater = -1
        var nextCommentEnd = -1
        i = 0
        while i < n {
            while let top = jumps.last, i >= top.at {
                jumps.removeLast()
                if i == top.at { i = top.to }
            }
            guard i < n else { break }
            let b = at(i)
            switch b {
            case 0x5C: // backslash escape
                if i + 1 < n, Self.isPunctuation(at(i + 1)) {
                    output.append(at(i + 1))
                    i += 2
                } else {
                    output.append(b)
                    i += 1
                }
            case 0x60: // code span
                var length = 0
                while i + length < n, at(i + length) == 0x60 { length += 1 }
                let close = Int(partner[i])
                if close > i {
                    var cs = i + length, ce = close
                    if ce - cs >= 2, at(cs) == 0x20, at(ce - 1) == 0x20 { cs += 1; ce -= 1 }
                    if ce > cs { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[(s + cs)..<(s + ce)])) }
                    i = close + length
                } else {
                    i += length
                }
            case 0x21 where i + 1 < n && at(i + 1) == 0x5B && linkEnd(i + 1) != nil: // image
                i += 1
            case 0x5B:
                if let end = linkEnd(i) {
                    jumps.append((Int(partner[i]), end))
                } else {
                    output.append(b)
                }
                i += 1
            case 0x3C: // HTML tag, comment or autolink
                if i + 3 < n, at(i + 1) == 0x21, at(i + 2) == 0x2D, at(i + 3) == 0x2D {
                    if nextCommentEnd < i + 4 {
                        nextCommentEnd = find("-->", s + i + 4, e).map { $0 - s } ?? n
                    }
                    i = nextCommentEnd >= n ? n : nextCommentEnd + 3
                    continue
                }
                let next = i + 1 < n ? at(i + 1) : 0
                let tagLike = (next | 0x20) >= 0x61 && (next | 0x20) <= 0x7A || next == 0x2F || next == 0x21 || next == 0x3F
                if tagLike {
                    if nextGreater < i {
                        nextGreater = findByte(0x3E, s + i + 1, e).map { $0 - s } ?? n
                    }
                    if nextGreater < n {
                        let inner = (s + i + 1)..<(s + nextGreater)
                        let hasSpace = inner.contains { TextDecoding.isSpace(byte($0)) }
                        if !hasSpace, inner.contains(where: { byte($0) == 0x3A || byte($0) == 0x40 }) {
                            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[inner]))
                        } else if inner.count >= 2, (byte(inner.lowerBound) | 0x20) == 0x62, (byte(inner.lowerBound + 1) | 0x20) == 0x72 {
                            output.append(0x20) // <br>
                        }
                        i = nextGreater + 1
                        continue
                    }
                }
                output.append(b)
                i += 1
            case 0x26: // entity
                if let (decoded, length) = HTMLEntities.decode(bytes, at: s + i, end: e) {
                    output.append(contentsOf: decoded)
                    i += length
                } else {
                    output.append(b)
                    i += 1
                }
            case 0x2A, 0x5F, 0x7E: // emphasis and strikethrough
                var length = 0
                while i + length < n, at(i + length) == b { length += 1 }
                let prev: UInt8 = i > 0 ? at(i - 1) : 0x20
                let next: UInt8 = i + length < n ? at(i + length) : 0x20
                if !Self.isEmphasisDelimiter(b, length: length, prev: prev, next: next) {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[(s + i)..<(s + i + length)]))
                }
                i += length
            default:
                output.append(b)
                i += 1
            }
        }
    }

    /// The inline pass for very long lines: escapes, emphasis and backticks only.
    private func appendSimpleInline(_ s: Int, _ e: Int, to output: inout [UInt8]) {
        var i = s
        while i < e {
            let b = byte(i)
            switch b {
            case 0x5C where i + 1 < e && Self.isPunctuation(byte(i + 1)):
                output.append(byte(i + 1))
                i += 2
            case 0x60:
                i += 1
            case 0x2A, 0x5F, 0x7E:
                var length = 0
                while i + length < e, byte(i + length) == b { length += 1 }
                let prev: UInt8 = i > s ? byte(i - 1) : 0x20
                let next: UInt8 = i + length < e ? byte(i + length) : 0x20
                if !Self.isEmphasisDelimiter(b, length: length, prev: prev, next: next) {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<(i + length)]))
                }
                i += length
            default:
                output.append(b)
                i += 1
            }
        }
    }
}

/// Decoding of the HTML entities met in Markdown text.
enum HTMLEntities {
    static let named: [String: UInt32] = [
        "amp": 0x26, "lt": 0x3C, "gt": 0x3E, "quot": 0x22, "apos": 0x27, "nbsp": 0xA0,
        "ndash": 0x2013, "mdash": 0x2014, "hellip": 0x2026, "lsquo": 0x2018, "rsquo": 0x2019,
        "ldquo": 0x201C, "rdquo": 0x201D, "laquo": 0xAB, "raquo": 0xBB, "copy": 0xA9, "reg": 0xAE,
        "trade": 0x2122, "deg": 0xB0, "middot": 0xB7, "bull": 0x2022, "times": 0xD7, "euro": 0x20AC,
        "shy": 0xAD, "para": 0xB6, "sect": 0xA7,
    ]

    /// The UTF-8 of the entity starting with `&` at `start`, and its length in bytes.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> ([UInt8], Int)? {
        var i = start + 1
        let limit = min(end, start + 33)
        while i < limit, bytes[i] != 0x3B, !TextDecoding.isSpace(bytes[i]), bytes[i] != 0x26 { i += 1 }
        guard i < limit, bytes[i] == 0x3B, i > start + 1 else { return nil }
        let name = Array(bytes[(start + 1)..<i])
        var value: UInt32?
        if name[0] == 0x23 {
            var digits = name.dropFirst()
            var radix: UInt32 = 10
            if let x = digits.first, x | 0x20 == 0x78 { radix = 16; digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.count <= 8 else { return nil }
            var number: UInt32 = 0
            for d in digits {
                let v: UInt32
                switch d {
                case 0x30...0x39: v = UInt32(d - 0x30)
                case 0x61...0x66 where radix == 16: v = UInt32(d - 0x61 + 10)
                case 0x41...0x46 where radix == 16: v = UInt32(d - 0x41 + 10)
                default: return nil
                }
                number = number * radix + v
            }
            value = number == 0 ? 0xFFFD : number
        } else {
            value = named[String(decoding: name, as: UTF8.self)]
        }
        guard let value else { return nil }
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        var encoded: [UInt8] = []
        UTF8.encode(scalar) { encoded.append($0) }
        return (encoded, i - start + 1)
    }
}
