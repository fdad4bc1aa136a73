/// The types of an index's metadata fields: recorded in every commit, fixed once a field has
/// a type.
///
/// A field gets its type the first time a document brings it, from the value's shape
/// (``inferredType(name:value:)``), unless a schema file or ``IndexWriterOptions/fieldTypes``
/// named it first. Some fields are built in: `title` and `body` (text), `date` (the document
/// date), and the fields every document indexed from a folder gets — `path`, `folder`, `ext`
/// (keywords), `size`, `words` (numbers) and `modified` (a date); `words` (the body's word count)
/// every document gets.
public struct FieldSchema: Sendable, Hashable, Codable {
    /// The types of the fields seen so far (the built-in ones included).
    public private(set) var types: [String: FieldType]

    /// The built-in fields and their types.
    public static let builtIn: [String: FieldType] = [
        IndexSchema.titleField: .text, IndexSchema.bodyField: .text, IndexSchema.dateField: .date,
        "path": .keyword, "folder": .keyword, "ext": .keyword, "size": .number, "words": .number, "modified": .date,
    ]

    /// Field names whose single strings are keywords rather than text: names of people,
    /// sections, sources, languages and kinds are matched, counted and sorted whole.
    public static let keywordNames: Set<String> = [
        "author", "authors", "by", "creator", "editor", "publisher", "site", "source", "section", "category",
        "categories", "tag", "tags", "keyword", "keywords", "topic", "topics", "place", "places", "country",
        "lang", "language", "locale", "type", "kind", "status", "series", "collection", "license", "format",
    ]

    /// The most bytes a keyword value may have; longer values are left out with a warning.
    public static let maximumKeywordLength = 512

    /// A schema with the built-in fields and `types` (which may not change a built-in type).
    public init(_ types: [String: FieldType] = [:]) {
        self.types = FieldSchema.builtIn.merging(types) { builtIn, _ in builtIn }
    }

    /// The type of a field, if known.
    public subscript(name: String) -> FieldType? { types[name] }

    /// The field names of one type, sorted.
    public func fields(of type: FieldType) -> [String] { types.filter { $0.value == type }.map(\.key).sorted() }

    /// A metadata name as a field name: lower-cased, with characters other than letters,
    /// digits, `_`, `-` and `.` replaced by `_` (so every field can be named in a query).
    public static func fieldName(_ name: String) -> String {
        // Fast path: names that are already lower-case ASCII letters, digits, `_`, `-`, `.`.
        if name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E }) {
            return name
        }
        var out = ""
        for scalar in name.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-" || scalar == "." {
                out.unicodeScalars.append(scalar)
            } else {
                out.unicodeScalars.append("_")
            }
        }
        return out
    }

    /// The type a field gets from the first value seen: a list is keywords, a number a number,
    /// a boolean a bool, a date (or a string in ISO 8601 form, `2024-03-05`) a date, and a string
    /// a keyword when the name is one of ``keywordNames``, else text.
    public static func inferredType(name: String, value: FieldValue) -> FieldType {
        switch value {
        case .strings: return .keyword
        case .integer, .double: return .number
        case .bool: return .bool
        case .date: return .date
        case .string(let s):
            if keywordNames.contains(name) { return .keyword }
            if looksLikeISODate(s), DateParsing.parse(s) != nil { return .date }
            return .text
        }
    }

    /// `YYYY-MM-DD`, optionally followed by a time: what a string must start with to be taken
    /// for a date when a field is first seen.
    static func looksLikeISODate(_ s: String) -> Bool {
        let b = Array(s.utf8.prefix(11))
        guard b.count >= 10 else { return false }
        func digit(_ i: Int) -> Bool { b[i] >= 0x30 && b[i] <= 0x39 }
        guard digit(0), digit(1), digit(2), digit(3), b[4] == 0x2D, digit(5), digit(6), b[7] == 0x2D, digit(8), digit(9) else { return false }
        return b.count == 10 || b[10] == 0x54 || b[10] == 0x20 || b[10] == 0x74
    }

    /// Records a field's type; fails (returning the type it has) when it already has another.
    @discardableResult
    mutating func record(_ name: String, as type: FieldType) -> FieldType? {
        if let existing = types[name] { return existing == type ? nil : existing }
        types[name] = type
        return nil
    }

    /// The type of `name`, inferred from `value` and recorded when the field is new.
    mutating func resolveType(_ name: String, value: FieldValue) -> FieldType {
        if let known = types[name] { return known }
        let type = FieldSchema.inferredType(name: name, value: value)
        types[name] = type
        return type
    }

    /// Parses `name:type` (as `--field` takes it).
    public static func parseDeclaration(_ text: String) -> (name: String, type: FieldType)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let name = fieldName(String(text[..<colon]).trimmingSpaces)
        guard !name.isEmpty, let type = FieldType(rawValue: String(text[text.index(after: colon)...]).trimmingSpaces.lowercased()) else { return nil }
        return (name, type)
    }
}

/// A value left out of the index because it does not fit its field (the file is still indexed).
public struct FieldWarning: Sendable, Hashable, CustomStringConvertible {
    /// The document's id.
    public var documentID: String
    /// The field.
    public var field: String
    /// What was wrong, in a sentence.
    public var message: String

    /// Creates a warning.
    public init(documentID: String, field: String, message: String) {
        self.documentID = documentID
        self.field = field
        self.message = message
    }

    /// The message with the field named.
    public var description: String { message }
}

/// A document's metadata fields converted to their types: what the analysis indexes as text,
/// and what goes into the columns.
struct DocumentMetadata: Sendable {
    /// Text fields (analyzed and stored).
    var text: [(name: String, value: String)] = []
    /// Keyword and bool fields: trimmed display values (bools as `true`/`false`).
    var keywords: [(name: String, type: FieldType, values: [String])] = []
    /// Integer numbers and dates (seconds).
    var integers: [(name: String, type: FieldType, value: Int64)] = []
    /// Numbers with a fraction, or too large for an integer column.
    var doubles: [(name: String, value: Double)] = []
    /// Reserved fields (`_source`…), stored as they are.
    var reserved: [(name: String, value: String)] = []
    /// The fields of the ``DocumentGroup`` the document came in, converted once for the group.
    var shared: SharedMetadata? = nil

    /// Whether the document has no fields of its own (it may still have shared ones).
    var isEmpty: Bool { text.isEmpty && keywords.isEmpty && integers.isEmpty && doubles.isEmpty && reserved.isEmpty }
}

/// The shared fields of a ``DocumentGroup``, converted to their types once for the group; the
/// documents of the group refer to it (immutable, so the analysis threads read it freely).
final class SharedMetadata: Sendable {
    /// The converted values.
    let metadata: DocumentMetadata
    /// The keyword and bool values, folded (the indexed terms) and as displayed.
    let keywords: [(name: String, type: FieldType, folded: [String], display: [String])]
    /// The stored fields (reserved and text), sorted by name.
    let stored: [(String, String)]
    /// The names the shared fields take, as given and as field names: a document's own fields
    /// of these names are left out.
    let names: Set<String>
    /// The `_source` field (the file the documents came from), if shared.
    let source: String?

    init(metadata: DocumentMetadata, names: Set<String>, source: String?) {
        self.metadata = metadata
        keywords = metadata.keywords.map { ($0.name, $0.type, $0.values.map { QueryFolding.fold($0, accents: false) }, $0.values) }
        stored = (metadata.reserved + metadata.text).sorted { $0.name < $1.name }.map { ($0.name, $0.value) }
        self.names = names
        self.source = source
    }
}

extension FieldSchema {
    /// The integers an integer column holds; larger numbers are kept as doubles.
    static let integerRange: ClosedRange<Int64> = -(1 << 61)...(1 << 61)

    /// Converts a document's fields to their types, recording the types of new fields.
    /// Values that do not fit their field are left out, each with a warning. Fields whose names
    /// the `shared` fields take are left out (the shared ones replace them).
    mutating func resolve(_ document: Document, shared: SharedMetadata? = nil,
                          warnings: inout [FieldWarning]) -> DocumentMetadata {
        var metadata = DocumentMetadata()
        metadata.shared = shared
        guard !document.fields.isEmpty else { return metadata }
        for (rawName, value) in document.fields.sorted(by: { $0.key < $1.key }) {
            resolveField(rawName, value, documentID: document.id, skipping: shared?.names, into: &metadata, warnings: &warnings)
        }
        return metadata
    }

    /// Converts the shared fields of a group once (warnings name `documentID`, the group's first
    /// document); nil when there are none.
    mutating func resolveShared(_ fields: [String: FieldValue], documentID: String,
                                warnings: inout [FieldWarning]) -> SharedMetadata? {
        guard !fields.isEmpty else { return nil }
        var metadata = DocumentMetadata()
        var names: Set<String> = []
        for (rawName, value) in fields.sorted(by: { $0.key < $1.key }) {
            names.insert(rawName)
            names.insert(rawName.hasPrefix("_") ? rawName : FieldSchema.fieldName(rawName))
            resolveField(rawName, value, documentID: documentID, skipping: nil, into: &metadata, warnings: &warnings)
        }
        return SharedMetadata(metadata: metadata, names: names,
                              source: metadata.reserved.first { $0.name == IndexSchema.sourceField }?.value)
    }

    /// Converts one field's value to its type into `metadata`; a field named in `skipping`
    /// (as given or as a field name) is left out silently.
    private mutating func resolveField(_ rawName: String, _ value: FieldValue, documentID: String, skipping: Set<String>?,
                                       into metadata: inout DocumentMetadata, warnings: inout [FieldWarning]) {
        if let skipping, skipping.contains(rawName) { return }
        if rawName.hasPrefix("_") {
            metadata.reserved.append((rawName, value.description))
            return
        }
        let name = FieldSchema.fieldName(rawName)
        if let skipping, skipping.contains(name) { return }
        guard IndexSchema.isIndexableExtraField(name), FieldSchema.builtIn[name] != .text, name != "words" else {
            if name != "id" {
                warnings.append(FieldWarning(documentID: documentID, field: name,
                                             message: "the field `\(name)` is built in, so the document's own `\(rawName)` value was left out"))
            }
            return
        }
        let type = resolveType(name, value: value)
        func reject(_ why: String) {
            warnings.append(FieldWarning(documentID: documentID, field: name,
                                         message: "`\(name)` is a \(type) field, but \(why); the value was left out"))
        }
        switch type {
        case .text:
            metadata.text.append((name, value.description))
        case .keyword:
            let raw: [String]
            switch value {
            case .strings(let list): raw = list
            case .string(let s): raw = [s]
            case .integer, .double, .bool, .date: raw = [value.description]
            }
            var values: [String] = []
            for item in raw {
                let trimmed = item.trimmingSpaces
                if trimmed.isEmpty { continue }
                if trimmed.utf8.count > FieldSchema.maximumKeywordLength {
                    reject("a value is \(trimmed.utf8.count) bytes long (at most \(FieldSchema.maximumKeywordLength))")
                    continue
                }
                values.append(trimmed)
            }
            if !values.isEmpty { metadata.keywords.append((name, .keyword, values)) }
        case .bool:
            switch value {
            case .bool(let b): metadata.keywords.append((name, .bool, [b ? "true" : "false"]))
            case .string(let s):
                switch s.trimmingSpaces.lowercased() {
                case "true", "yes", "on": metadata.keywords.append((name, .bool, ["true"]))
                case "false", "no", "off": metadata.keywords.append((name, .bool, ["false"]))
                default: reject("\(String(reflecting: s)) is not true or false")
                }
            default: reject("\(value.kindDescription) is not true or false")
            }
        case .number:
            switch value {
            case .integer(let n):
                if FieldSchema.integerRange.contains(n) { metadata.integers.append((name, .number, n)) }
                else { metadata.doubles.append((name, Double(n))) }
            case .double(let d):
                guard d.isFinite else { reject("\(d) is not a finite number"); break }
                metadata.doubles.append((name, d))
            case .string(let s):
                let t = s.trimmingSpaces
                if let n = Int64(t), FieldSchema.integerRange.contains(n) { metadata.integers.append((name, .number, n)) }
                else if let d = Double(t), d.isFinite {
                    metadata.doubles.append((name, d))
                } else { reject("\(String(reflecting: s)) is not a number") }
            default: reject("\(value.kindDescription) is not a number")
            }
        case .date:
            switch value {
            case .date(let d):
                guard IndexWriter.supportedDates.contains(d.secondsSinceEpoch) else { reject("the date is out of range"); break }
                metadata.integers.append((name, .date, d.secondsSinceEpoch))
            case .string(let s):
                guard let d = DateParsing.parse(s.trimmingSpaces), IndexWriter.supportedDates.contains(d.secondsSinceEpoch) else {
                    reject("\(String(reflecting: s)) is not a date"); break
                }
                metadata.integers.append((name, .date, d.secondsSinceEpoch))
            default: reject("\(value.kindDescription) is not a date")
            }
        }
    }
}

extension FieldValue {
    /// The shape of the value in words, for warnings.
    var kindDescription: String {
        switch self {
        case .string(let s): return String(reflecting: s)
        case .strings(let list): return "a list of \(list.count) values"
        case .integer(let n): return "the number \(n)"
        case .double(let d): return "the number \(FieldValue.format(d))"
        case .bool(let b): return "the boolean \(b)"
        case .date(let d): return "the date \(d)"
        }
    }
}
