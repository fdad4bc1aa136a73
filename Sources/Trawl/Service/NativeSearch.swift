/// The server's native search endpoint, `GET /search?q=&limit=&offset=&sort=&near=&expand=`:
/// the request `trawl search` builds (words required by default, strict syntax, snippets, a
/// "did you mean" suggestion), answered in `trawl search --json`'s shape
/// (``SearchResults/json(query:)``).
public enum NativeSearch {
    /// The longest query text accepted, in UTF-8 bytes (longer ones are a 400).
    public static let maximumQueryLength = 8192
    /// The largest `limit`.
    public static let maximumLimit = 10_000
    /// The largest `offset`.
    public static let maximumOffset = 1_000_000

    /// The request of these URL parameters: `q` (the query, required), `limit` (default 10),
    /// `offset` (default 0), `sort` (`relevance`, or fields such as `-date` or `-rating,date`),
    /// `near` and `expand` (`true` or `false`: the term-proximity bonus and RM3 expansion, as
    /// `trawl search --near` and `--expand`), ranked with `ranking` (the server's) otherwise.
    /// `near=true` keeps the server's proximity settings when it has some, else uses the
    /// defaults (``TermProximity/init(weight:window:)``); likewise `expand=true`.
    public static func request(parameters: [String: String], reader: IndexReader,
                               ranking: SearchRanking = SearchRanking()) throws(OpenSearchError) -> SearchRequest {
        guard let text = parameters["q"], text.contains(where: { !$0.isWhitespace }) else {
            throw OpenSearchError(status: 400, type: "illegal_argument_exception", reason: "the [q] parameter (the query) is missing or empty")
        }
        guard text.utf8.count <= maximumQueryLength else {
            throw OpenSearchError(status: 400, type: "illegal_argument_exception",
                                  reason: "the query is \(text.utf8.count) bytes long; the limit is \(maximumQueryLength)")
        }
        let limit = try integer(parameters, "limit", default: 10, range: 0...maximumLimit)
        let offset = try integer(parameters, "offset", default: 0, range: 0...maximumOffset)
        var ranking = ranking
        if let near = try boolean(parameters, "near") {
            ranking.proximity = near ? ranking.proximity ?? TermProximity() : nil
        }
        if let expand = try boolean(parameters, "expand") {
            ranking.expansion = expand ? ranking.expansion ?? QueryExpansion() : nil
        }
        var parser = reader.queryParser()
        parser.defaultOperator = .and
        let tree: Query
        do throws(QuerySyntaxError) {
            tree = try parser.parse(text)
        } catch {
            throw openSearchError(.query(error))
        }
        var request = SearchRequest(query: tree, limit: limit, offset: offset)
        request.ranking = ranking
        request.snippets = true
        request.suggestionText = text
        let sort = parameters["sort"] ?? "relevance"
        do throws(SearchError) {
            request.sortFields = try SortField.parse(sort.isEmpty ? "relevance" : sort, schema: reader.schema).get()
        } catch {
            throw openSearchError(error)
        }
        return request
    }

    /// Runs the search of these URL parameters over `reader`, ranked with `ranking` unless the
    /// parameters say otherwise (``request(parameters:reader:ranking:)``), and returns the
    /// response body.
    public static func search(parameters: [String: String], reader: IndexReader,
                              ranking: SearchRanking = SearchRanking()) throws(OpenSearchError) -> JSON {
        let request = try request(parameters: parameters, reader: reader, ranking: ranking)
        do throws(SearchError) {
            return try reader.search(request).json(query: parameters["q"] ?? "")
        } catch {
            throw openSearchError(error)
        }
    }

    /// A search error in OpenSearch's shape: a query's syntax error (with its column) or a bad
    /// request is a 400, an index failure a 500.
    public static func openSearchError(_ error: SearchError) -> OpenSearchError {
        switch error {
        case .query(let error):
            return OpenSearchError(status: 400, type: error.isLimit ? "illegal_argument_exception" : "query_shard_exception",
                                   reason: "Failed to parse query: \(error.message) at column \(error.column)")
        case .invalidRequest(let message):
            return OpenSearchError(status: 400, type: "illegal_argument_exception", reason: message)
        case .index(let error):
            return OpenSearchError(status: 500, type: "exception", reason: error.description)
        }
    }

    /// A `true` / `false` parameter, nil when absent (anything else is a 400, as OpenSearch
    /// answers a malformed boolean).
    private static func boolean(_ parameters: [String: String], _ name: String) throws(OpenSearchError) -> Bool? {
        guard let text = parameters[name] else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            throw OpenSearchError(status: 400, type: "illegal_argument_exception",
                                  reason: "Failed to parse value [\(text)] as only [true] or [false] are allowed for [\(name)]")
        }
    }

    private static func integer(_ parameters: [String: String], _ name: String, default value: Int,
                                range: ClosedRange<Int>) throws(OpenSearchError) -> Int {
        guard let text = parameters[name] else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw OpenSearchError(status: 400, type: "illegal_argument_exception",
                                  reason: "[\(name)] must be a whole number from \(range.lowerBound) to \(range.upperBound), not [\(text)]")
        }
        return number
    }
}
