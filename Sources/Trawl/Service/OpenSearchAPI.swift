/// An error answered in OpenSearch's shape:
/// `{"error": {"root_cause": [{"type", "reason"}], "type", "reason"}, "status"}`.
public struct OpenSearchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status (400 for bad requests, 404 for missing indexes and documents, …).
    public var status: Int
    /// OpenSearch's error type, e.g. `parsing_exception`, `illegal_argument_exception`,
    /// `index_not_found_exception`, `query_shard_exception`.
    public var type: String
    /// What is wrong, naming the unsupported or malformed part.
    public var reason: String

    /// An error with this status, type and reason.
    public init(status: Int, type: String, reason: String) {
        self.status = status
        self.type = type
        self.reason = reason
    }

    /// `type: reason`.
    public var description: String { "\(type): \(reason)" }

    /// The response body.
    public var json: JSON {
        let cause: JSON = .object([("type", .string(type)), ("reason", .string(reason))])
        return .object([
            ("error", .object([("root_cause", .array([cause])), ("type", .string(type)), ("reason", .string(reason))])),
            ("status", .int(status)),
        ])
    }
}

/// The search side of the OpenSearch-compatible API over one index, independent of HTTP:
/// the server hands it the request's parsed body and URL parameters and sends back the JSON it
/// returns (see docs/opensearch.md for what is supported).
public struct OpenSearchIndex: Sendable {
    /// The index name (the folder's name).
    public let name: String
    /// The snapshot searched.
    public let reader: IndexReader
    /// How searches rank (field weights, BM25, proximity, stop words, expansion); a query's
    /// own boosts apply on top.
    public let ranking: SearchRanking

    /// The API over `reader`, answering as the index `name` and ranking with `ranking`.
    public init(name: String, reader: IndexReader, ranking: SearchRanking = SearchRanking()) {
        self.name = name
        self.reader = reader
        self.ranking = ranking
    }

    /// `GET/POST /{index}/_search`: `body` is the parsed request body (nil when there is none),
    /// `parameters` the URL's query parameters (`q`, `from`, `size`, `sort`, `df`,
    /// `default_operator`, `track_total_hits`, `_source`, …). Returns the response body.
    public func search(body: JSON?, parameters: [String: String]) throws(OpenSearchError) -> JSON {
        try run(try parse(body: body, parameters: parameters, counting: false))
    }

    /// `GET/POST /{index}/_count`: the number of matching documents, `{"count", "_shards"}`.
    public func count(body: JSON?, parameters: [String: String]) throws(OpenSearchError) -> JSON {
        try runCount(try parse(body: body, parameters: parameters, counting: true))
    }
}

/// How a Trawl document and an OpenSearch `_source` map onto each other.
public enum OpenSearchDocuments {
    /// The `_source` of a stored document: `title`, `date` (ISO 8601), `body` and the metadata
    /// fields by name (keyword lists as arrays, numbers and booleans as such); an empty title
    /// or body and a missing date are left out.
    public static func source(of stored: StoredFields) -> JSON {
        var members: [(String, JSON)] = []
        if !stored.title.isEmpty { members.append(("title", .string(stored.title))) }
        if let date = stored.date { members.append(("date", .string(date.description))) }
        if !stored.body.isEmpty { members.append(("body", .string(stored.body))) }
        for (name, value) in stored.fields.sorted(by: { $0.key < $1.key }) { members.append((name, value.json)) }
        return .object(members)
    }
}

/// How Trawl's field types and OpenSearch's mappings map onto each other: `GET /{index}` and
/// `trawl export --opensearch` show an index's fields as mappings, `PUT /{index}` declares
/// fields from them (the subset text, keyword, date, numbers and boolean; see docs/opensearch.md).
public enum OpenSearchMappings {
    /// The `mappings` object of an index whose metadata fields have these types: `title` and
    /// `body` as text, `date` as date, and every metadata field by its type.
    public static func mappings(of schema: FieldSchema) -> JSON {
        mappingsJSON(of: schema, textAnalyzer: nil)
    }

    /// The field types a `mappings` object declares; unsupported types and parameters are a
    /// 400 naming them.
    public static func fieldSchema(from mappings: JSON) throws(OpenSearchError) -> FieldSchema {
        try parseMappings(mappings)
    }
}
