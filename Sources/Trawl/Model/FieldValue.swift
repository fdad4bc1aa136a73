/// A metadata value as a reader found it: the raw shape, before the index's schema decides
/// what type the field is (``FieldType``).
///
/// Literals make documents easy to build in code:
/// ```swift
/// Document(id: "a", body: "…", fields: ["tags": ["energy", "shipping"], "rating": 4, "draft": false])
/// ```
public enum FieldValue: Sendable, Hashable, CustomStringConvertible,
    ExpressibleByStringLiteral, ExpressibleByStringInterpolation, ExpressibleByArrayLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral {
    /// One string (a front-matter scalar, a `<meta>` content, a JSON string).
    case string(String)
    /// Several strings (a YAML or JSON list, repeated `<meta>` tags): several values of a keyword field.
    case strings([String])
    /// A whole number.
    case integer(Int64)
    /// A number with a fraction (or one too large for ``integer(_:)``).
    case double(Double)
    /// `true` or `false`.
    case bool(Bool)
    /// A date (a YAML timestamp, or a string a reader recognized as a date).
    case date(DocumentDate)

    /// Creates a string value.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Creates a list of strings.
    public init(arrayLiteral elements: String...) { self = .strings(elements) }
    /// Creates a whole number.
    public init(integerLiteral value: Int64) { self = .integer(value) }
    /// Creates a number with a fraction.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// Creates a boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    /// The value as text: a string as it is, a list joined with `, `, a number in its shortest
    /// form, a date in ISO 8601.
    public var description: String {
        switch self {
        case .string(let s): return s
        case .strings(let list): return list.joined(separator: ", ")
        case .integer(let n): return String(n)
        case .double(let d): return FieldValue.format(d)
        case .bool(let b): return b ? "true" : "false"
        case .date(let d): return d.description
        }
    }

    /// A number in its shortest form: `3` for 3.0, `4.5`, `1e+300`.
    static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }
}

/// The type of a metadata field, recorded in the index the first time the field is seen.
public enum FieldType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Analyzed, positional text (searched word by word, like the title and body).
    case text
    /// Exact values, several per document (a tag list), matched case-insensitively; kept as a
    /// column for facets and sorting.
    case keyword
    /// A 64-bit integer or a double; a column for ranges, facets and sorting.
    case number
    /// A moment or a day; a column for ranges, facets by year, month or day, and sorting.
    case date
    /// `true` or `false`; a column, filtered and counted like a keyword with two values.
    case bool

    /// The name, as written in schema files and `--field name:type`.
    public var description: String { rawValue }

    /// Whether the field is kept as a column (every type but text).
    public var isColumn: Bool { self != .text }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    var trimmingSpaces: String {
        // Fast path: ASCII that starts and ends with a visible character.
        if let first = utf8.first, let last = utf8.last, first > 0x20, first < 0x80, last > 0x20, last < 0x80 { return self }
        let scalars = unicodeScalars
        if let first = scalars.first, let last = scalars.last, !first.properties.isWhitespace, !last.properties.isWhitespace {
            return self
        }
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
