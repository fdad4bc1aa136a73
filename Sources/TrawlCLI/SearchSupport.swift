import Trawl

/// What `trawl search`, its batch mode (BatchSearch.swift) and `trawl explain` share: an open
/// index, its query parser set up from the options, and the ranking of the requests.
/// The commands build on it; it calls into none of them.
struct SearchSession {
    /// The index searched.
    let reader: IndexReader
    /// The index's parser with the default operator and leniency of the options.
    let parser: QueryParser
    /// The language query words are analyzed in (nil: every language of the index).
    let language: String?
    /// The ranking of every request: field weights, BM25 parameters, term proximity, free-text
    /// stop words, query expansion.
    let ranking: SearchRanking

    /// Opens a session over `reader`.
    init(reader: IndexReader, defaultOperator: QueryParser.Operator = .and, lenient: Bool = false,
         ranking: SearchRanking = SearchRanking(), language: String? = nil) {
        self.reader = reader
        self.language = language
        var parser = reader.queryParser()
        parser.defaultOperator = defaultOperator
        parser.lenient = lenient
        self.parser = parser
        self.ranking = ranking
    }

    /// Parses a query, keeping the typed error (to render it against the text).
    func parse(_ text: String) throws(QuerySyntaxError) -> Query {
        try parser.parse(text)
    }

    /// The request for a query text, parsed, with the session's ranking.
    func request(_ text: String, limit: Int, offset: Int = 0, sort: SearchSort = .relevance,
                 countTotal: Bool = false) throws(SearchError) -> SearchRequest {
        let tree: Query
        do throws(QuerySyntaxError) {
            tree = try parse(text)
        } catch {
            throw .query(error)
        }
        var request = SearchRequest(query: tree, limit: limit, offset: offset, sort: sort, countTotal: countTotal)
        request.ranking = ranking
        request.language = language
        return request
    }
}

/// The rendering of search results that the commands share.
enum SearchOutput {
    /// A metadata value as JSON (``FieldValue/json``).
    static func fieldJSON(_ value: FieldValue) -> JSONOutput { value.json }

    /// One hit as the JSON object of `trawl search --json` (docs/json-output.md) and of batch
    /// answers that ask for stored fields (``SearchHit/json``).
    static func hitJSON(_ hit: SearchHit) -> JSONOutput { hit.json }
}
