import Foundation

extension OpenSearchMappings {
    /// OpenSearch's field type for each Trawl field type (numbers are doubles: Trawl keeps
    /// whole numbers exactly and others as doubles in one number type).
    static func openSearchType(_ type: FieldType) -> String {
        switch type {
        case .text: return "text"
        case .keyword: return "keyword"
        case .date: return "date"
        case .number: return "double"
        case .bool: return "boolean"
        }
    }

    /// The OpenSearch number types, all read as Trawl numbers.
    static let numberTypes: Set<String> = ["long", "integer", "short", "byte", "double", "float", "half_float",
                                           "scaled_float", "unsigned_long"]

    /// The field names in the order mappings list them: title, date, body, then the others sorted.
    static func orderedFields(_ schema: FieldSchema) -> [String] {
        let first = [IndexSchema.titleField, IndexSchema.dateField, IndexSchema.bodyField]
        return first + schema.types.keys.filter { !first.contains($0) }.sorted()
    }

    /// The mappings of `schema`, with text fields analyzed by `textAnalyzer` and keyword fields
    /// normalized by `keywordNormalizer` when given (the export's custom analysis), and number
    /// fields in `longFields` mapped as `long`.
    static func mappingsJSON(of schema: FieldSchema, textAnalyzer: String?, keywordNormalizer: String? = nil,
                             longFields: Set<String> = []) -> JSON {
        var properties: [(String, JSON)] = []
        for name in orderedFields(schema) {
            guard let type = schema[name] else { continue }
            var members: [(String, JSON)] = [("type", .string(longFields.contains(name) && type == .number ? "long" : openSearchType(type)))]
            if type == .text, let textAnalyzer { members.append(("analyzer", .string(textAnalyzer))) }
            if type == .keyword, let keywordNormalizer { members.append(("normalizer", .string(keywordNormalizer))) }
            if type == .date { members.append(("format", .string("strict_date_optional_time||epoch_millis"))) }
            properties.append((name, .object(members)))
        }
        return .object([("properties", .object(properties))])
    }

    static func mapperError(_ reason: String) -> OpenSearchError {
        OpenSearchError(status: 400, type: "mapper_parsing_exception", reason: reason)
    }

    /// Reads a `mappings` object (see ``fieldSchema(from:)``).
    static func parseMappings(_ mappings: JSON) throws(OpenSearchError) -> FieldSchema {
        guard let members = mappings.objectMembers else { throw mapperError("mappings must be an object, not a \(mappings.kindName)") }
        var types: [String: FieldType] = [:]
        for (key, value) in members {
            switch key {
            case "properties":
                guard let fields = value.objectMembers else { throw mapperError("[properties] must be an object") }
                for (name, spec) in fields {
                    let type = try fieldType(name: name, spec: spec)
                    if let builtIn = FieldSchema.builtIn[name], builtIn != type {
                        throw mapperError("the field [\(name)] is built into Trawl as \(openSearchType(builtIn)), not \(openSearchType(type))")
                    }
                    types[name] = type
                }
            case "dynamic":
                guard value == .bool(true) || value == .string("true") else {
                    throw mapperError("[dynamic] \(value.rendered()) is not supported: Trawl types new fields from their first value (dynamic: true)")
                }
            case "_meta", "date_detection", "numeric_detection":
                break
            default:
                throw mapperError("Root mapping definition has unsupported parameters: [\(key) : \(value.rendered())]")
            }
        }
        return FieldSchema(types)
    }

    /// The Trawl type of one field mapping; unsupported types and parameters name themselves.
    static func fieldType(name: String, spec: JSON) throws(OpenSearchError) -> FieldType {
        guard FieldSchema.fieldName(name) == name, !name.isEmpty, !name.hasPrefix("_") else {
            throw mapperError("the field name [\(name)] is not supported: use lower-case letters, digits, '_', '-' and '.' (not starting with '_')")
        }
        guard let members = spec.objectMembers else { throw mapperError("the mapping of [\(name)] must be an object") }
        if spec["properties"] != nil { throw mapperError("the field [\(name)]: object fields are not supported") }
        guard let typeName = spec["type"]?.stringValue else { throw mapperError("No type specified for field [\(name)]") }
        let type: FieldType
        var allowed: Set<String> = ["type", "store", "doc_values", "meta", "index"]
        switch typeName {
        case "text":
            type = .text
            allowed.formUnion(["analyzer", "search_analyzer", "norms"])
        case "keyword":
            type = .keyword
            allowed.formUnion(["ignore_above", "normalizer"])
        case "date":
            type = .date
            allowed.formUnion(["format"])
        case "boolean":
            type = .bool
        case let number where numberTypes.contains(number):
            type = .number
            allowed.formUnion(["coerce", "ignore_malformed"])
            if number == "scaled_float" {
                allowed.insert("scaling_factor")
                guard spec["scaling_factor"]?.doubleValue != nil else { throw mapperError("Field [scaling_factor] is required for [\(name)]") }
            }
        default:
            throw mapperError("No handler for type [\(typeName)] declared on field [\(name)] (Trawl supports text, keyword, date, long, integer, short, byte, double, float, half_float, scaled_float, unsigned_long, boolean)")
        }
        for (key, value) in members {
            guard allowed.contains(key) else {
                throw mapperError("unknown parameter [\(key)] on mapper [\(name)] of type [\(typeName)]")
            }
            switch key {
            case "index":
                guard value == .bool(true) || value == .string("true") else { throw mapperError("[\(name)]: [index] false is not supported: every Trawl field is searchable") }
            case "analyzer", "search_analyzer":
                guard let s = value.stringValue, ["trawl", "default", "standard", "english"].contains(s) else {
                    throw mapperError("[\(name)]: [\(key)] \(value.rendered()) is not supported: every text field uses the index's analyzer")
                }
            case "normalizer":
                guard let s = value.stringValue, ["trawl_keyword", "lowercase"].contains(s) else {
                    throw mapperError("[\(name)]: [normalizer] \(value.rendered()) is not supported: keywords match case-insensitively")
                }
            case "format":
                guard let s = value.stringValue, s.components(separatedBy: "||").allSatisfy({ OpenSearchQueryTranslator.dateFormats.contains($0) }) else {
                    throw mapperError("[\(name)]: [format] \(value.rendered()) is not supported (ISO 8601 dates and epoch_millis)")
                }
            default:
                break
            }
        }
        return type
    }
}
