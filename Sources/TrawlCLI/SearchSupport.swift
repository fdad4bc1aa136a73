import Trawl

/// What `trawl search`, its batch mode (BatchSearch.swift) and `trawl explain` share: an open
/// index, its query parser set up from the options, and the field weights of the requests.
/// The commands build on it; it calls into none of them.
struct SearchSession {
    /// The index searched.
    let reader: IndexReader
    /// The index's parser with the default operator and leniency of the options.
    let parser: QueryParser
    /// The BM25 field weights of every request.
    let fieldWeights: [String: Double]

    /// Opens a session over `reader`.
    init(reader: IndexReader, defaultOperator: QueryParser.Operator = .and, lenient: Bool = false,
         fieldWeights: [String: Double] = SearchRequest.defaultFieldWeights) {
        self.reader = reader
        var parser = reader.queryParser()
        parser.defaultOperator = defaultOperator
        parser.lenient = lenient
        self.parser = parser
        self.fieldWeights = fieldWeights
    }

    /// Parses a query, keeping the typed error (to render it against the text).
    func parse(_ text: String) throws(QuerySyntaxError) -> Query {
        try parser.parse(text)
    }

    /// The request for a query text, parsed, with the session's field weights.
    func request(_ text: String, limit: Int, offset: Int = 0, sort: SearchSort = .relevance,
                 countTotal: Bool = false) throws(SearchError) -> SearchRequest {
        let tree: Query
        do throws(QuerySyntaxError) {
            tree = try parse(text)
        } catch {
            throw .query(error)
        }
        var request = SearchRequest(query: tree, limit: limit, offset: offset, sort: sort, countTotal: countTotal)
        request.fieldWeights = fieldWeights
        return request
    }
}

/// The rendering of search results that the commands share.
enum SearchOutput {
    /// One hit as the JSON object of `trawl search --json` (docs/json-output.md) and of batch
    /// answers that ask for stored fields.
    /// A metadata value as JSON: keyword lists as arrays, numbers and bools as such, dates in
    /// ISO 8601.
    static func fieldJSON(_ value: FieldValue) -> JSONOutput {
        switch value {
        case .string(let s): return .string(s)
        case .strings(let list): return .array(list.map { .string($0) })
        case .integer(let n): return .int(Int(n))
        case .double(let d): return .double(d)
        case .bool(let b): return .bool(b)
        case .date(let d): return .string(d.description)
        }
    }

    static func hitJSON(_ hit: SearchHit) -> JSONOutput {
        var members: [(String, JSONOutput)] = [
            ("id", .string(hit.id)), ("score", .double((Double(hit.score) * 10_000).rounded() / 10_000)),
            ("title", .string(hit.title)), ("date", hit.date.map { .string($0.description) } ?? .null),
        ]
        if let snippet = hit.snippet {
            members.append(("snippet", .string(snippet.text)))
            members.append(("highlights", .array(snippet.highlights.map { .array([.int($0.lowerBound), .int($0.upperBound)]) })))
        } else {
            members.append(("snippet", .null))
            members.append(("highlights", .array([])))
        }
        members.append(("fields", .object(hit.fields.sorted { $0.key < $1.key }.map { ($0.key, fieldJSON($0.value)) })))
        members.append(("path", hit.path.map { .string($0) } ?? .null))
        members.append(("line", hit.line.map { .int($0) } ?? .null))
        return .object(members)
    }
}
