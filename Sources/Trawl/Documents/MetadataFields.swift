/// What the readers share to turn metadata into typed fields (``FieldValue``): collecting
/// repeated values into lists, reading numbers, and the names a reader may give a field.
enum MetadataFields {
    /// Whether a reader may store a field under `name`: not empty and not reserved (names
    /// starting with `_` belong to the index).
    @inline(__always)
    static func isUsableName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        return first != 0x5F
    }

    /// Adds one value to `name`: the first is a ``FieldValue/string(_:)``, a second different
    /// one turns the field into a ``FieldValue/strings(_:)`` list (repeated `<meta>` tags).
    static func add(_ value: String, to name: String, in fields: inout [String: FieldValue]) {
        switch fields[name] {
        case nil:
            fields[name] = .string(value)
        case .string(let first)?:
            if first != value { fields[name] = .strings([first, value]) }
        case .strings(var list)?:
            if !list.contains(value) {
                list.append(value)
                fields[name] = .strings(list)
            }
        case let other?:
            // A typed value (a date) stays first; the text joins it in a list.
            let text = other.description
            fields[name] = text == value ? other : .strings([text, value])
        }
    }

    /// Adds values to the list `name` (keywords, tags): the field is a list even with one value.
    static func addList(_ values: [String], to name: String, in fields: inout [String: FieldValue]) {
        var list: [String]
        switch fields[name] {
        case nil: list = []
        case .strings(let existing)?: list = existing
        case let other?: list = [other.description]
        }
        for value in values where !list.contains(value) { list.append(value) }
        if !list.isEmpty { fields[name] = .strings(list) }
    }

    /// The comma-separated items of `text`, trimmed, empty ones dropped (`<meta name="keywords">`).
    static func commaSeparated(_ text: String) -> [String] {
        text.split(separator: ",").compactMap { item in
            let value = TextDecoding.collapsingWhitespace(String(item))
            return value.isEmpty ? nil : value
        }
    }

    /// A decimal integer (`[-+]?[0-9]+`) as an ``FieldValue/integer(_:)``, or as a
    /// ``FieldValue/double(_:)`` when it is too large for 64 bits; `nil` when the text is not
    /// such a number or is too large even for a double.
    static func decimalInteger(_ text: Substring) -> FieldValue? {
        if let value = Int64(text) { return .integer(value) }
        guard let value = Double(text), value.isFinite else { return nil }
        return .double(value)
    }

    /// A short form of a value for warnings (at most 60 characters).
    static func shown(_ text: String) -> String {
        let collapsed = TextDecoding.collapsingWhitespace(text)
        return collapsed.count > 60 ? String(collapsed.prefix(60)) + "…" : collapsed
    }
}
