/// The other direction of ``OpenSearchDocuments``: from a request's `_source` to a Trawl
/// `Document`, with the checks the server answers 400 for.
extension OpenSearchDocuments {
    /// The longest document id, in UTF-8 bytes (OpenSearch's limit).
    public static let maximumIDLength = 512

    /// Checks that `id` is a usable document id: 1 to 512 bytes of UTF-8. Ids are opaque:
    /// slashes, dots and control characters are kept as they are, never read as a path.
    public static func validate(id: String) throws(OpenSearchError) {
        if id.isEmpty {
            throw OpenSearchError(status: 400, type: "action_request_validation_exception",
                                  reason: "Validation Failed: 1: id is missing;")
        }
        if id.utf8.count > maximumIDLength {
            throw OpenSearchError(status: 400, type: "action_request_validation_exception",
                                  reason: "Validation Failed: 1: id [\(id.prefix(40))…] is too long, must be no longer than 512 bytes but was: \(id.utf8.count);")
        }
    }

    /// The document `id` whose fields are the members of `source`: `title` and `body` (strings),
    /// `date` (a date string in the forms the readers accept, ISO 8601 first, or milliseconds
    /// since 1970 as a number), every other member as a metadata field (strings, numbers,
    /// booleans, arrays of strings; nested objects become `parent.child` fields; `null` is left
    /// out). Anything else is a `mapper_parsing_exception` naming the field.
    public static func document(id: String, source: JSON) throws(OpenSearchError) -> Document {
        try validate(id: id)
        guard let members = source.objectMembers else {
            throw parsingError("the document source must be a JSON object, not \(source.kindName)")
        }
        var document = Document(id: id)
        try addMembers(members, prefix: "", to: &document, depth: 0)
        return document
    }

    /// The `_source` of a document not yet refreshed, in the shape ``source(of:)`` gives a stored one.
    public static func source(of document: Document) -> JSON {
        var members: [(String, JSON)] = []
        if !document.title.isEmpty { members.append(("title", .string(document.title))) }
        if let date = document.date { members.append(("date", .string(date.description))) }
        if !document.body.isEmpty { members.append(("body", .string(document.body))) }
        for (name, value) in document.fields.sorted(by: { $0.key < $1.key }) where !name.hasPrefix("_") { members.append((name, value.json)) }
        return .object(members)
    }

    /// `source` with the members of `partial` merged in (objects merged member by member,
    /// everything else replaced): the `doc` of an update.
    public static func merged(_ source: JSON, with partial: JSON) -> JSON {
        guard var members = source.objectMembers, let updates = partial.objectMembers else { return partial }
        for (key, value) in updates {
            if let index = members.firstIndex(where: { $0.0 == key }) {
                members[index].1 = merged(members[index].1, with: value)
            } else {
                members.append((key, value))
            }
        }
        return .object(members)
    }

    private static func parsingError(_ reason: String) -> OpenSearchError {
        OpenSearchError(status: 400, type: "mapper_parsing_exception", reason: reason)
    }

    private static func addMembers(_ members: [(String, JSON)], prefix: String, to document: inout Document,
                                   depth: Int) throws(OpenSearchError) {
        guard depth < 20 else { throw parsingError("the document source nests objects deeper than 20 levels") }
        for (key, value) in members {
            let name = prefix + key
            guard !key.isEmpty else { throw parsingError("a field name is empty (in [\(prefix)])") }
            if key.hasPrefix("_") || name == "id" {
                throw parsingError("field [\(name)] is a metadata field and cannot be added inside a document")
            }
            if name == "title" || name == "body" {
                guard case .string(let text) = value else {
                    if value == .null { continue }
                    throw parsingError("failed to parse field [\(name)] of type [text]: expected a string, got \(value.kindName)")
                }
                if name == "title" { document.title = text } else { document.body = text }
                continue
            }
            if name == "date" {
                document.date = try date(value)
                continue
            }
            switch value {
            case .null: continue
            case .string(let text): document.fields[name] = .string(text)
            case .int(let number): document.fields[name] = .integer(Int64(number))
            case .double(let number):
                guard number.isFinite else { throw parsingError("failed to parse field [\(name)]: not a finite number") }
                document.fields[name] = .double(number)
            case .bool(let flag): document.fields[name] = .bool(flag)
            case .array(let elements):
                var strings: [String] = []
                for element in elements {
                    switch element {
                    case .string(let text): strings.append(text)
                    case .null: continue
                    default:
                        throw parsingError("failed to parse field [\(name)]: arrays hold strings only here, found \(element.kindName)")
                    }
                }
                document.fields[name] = .strings(strings)
            case .object(let inner):
                try addMembers(inner, prefix: name + ".", to: &document, depth: depth + 1)
            }
        }
    }

    private static func date(_ value: JSON) throws(OpenSearchError) -> DocumentDate? {
        let parsed: DocumentDate?
        switch value {
        case .null: return nil
        case .string(let text): parsed = DateParsing.parse(text)
        case .int(let milliseconds):
            parsed = DocumentDate(secondsSinceEpoch: Int64(milliseconds).dividedFloor(by: 1000), precision: .second)
        default: parsed = nil
        }
        guard let parsed else {
            throw parsingError("failed to parse field [date] of type [date]: \(value.rendered()) is neither a date (e.g. 2024-03-01T12:00:00Z) nor milliseconds since 1970")
        }
        guard IndexWriter.supportedDates.contains(parsed.secondsSinceEpoch) else {
            throw parsingError("failed to parse field [date] of type [date]: \(value.rendered()) is outside the supported range")
        }
        return parsed
    }
}

private extension Int64 {
    func dividedFloor(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
