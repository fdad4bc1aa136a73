import Foundation

/// How results are ordered.
public enum SearchSort: String, Sendable, Hashable, Codable, CaseIterable {
    /// Best score first (ties: older documents first).
    case relevance
    /// Oldest date first; documents without a date last.
    case dateAscending = "date"
    /// Newest date first; documents without a date last.
    case dateDescending = "-date"
}

/// What to search for and how to return it.
public struct SearchRequest: Sendable {
    /// The query tree (see ``QueryParser``).
    public var query: Query
    /// How many hits to return.
    public var limit: Int = 10
    /// How many of the best hits to skip (paging).
    public var offset: Int = 0
    /// The order of the hits.
    public var sort: SearchSort = .relevance
    /// Count every match exactly (slower: disables pruning). Otherwise matches are counted
    /// exactly up to ``totalHitsThreshold`` and the total is a lower bound beyond it.
    public var countTotal = false
    /// How many matches are counted exactly before top-k pruning may skip documents (as
    /// Lucene's `IndexSearcher` does, default 1,000): a query with fewer matches gets an exact
    /// total (``TotalRelation/equalTo``); one with more reports ``totalHitsThreshold`` (or the
    /// hits collected, if more) as a lower bound, whatever the offset. 0 is pure top-k.
    public var totalHitsThreshold = SearchRequest.defaultTotalHitsThreshold
    /// The default ``totalHitsThreshold``: 1,000.
    public static let defaultTotalHitsThreshold = 1_000
    /// Per-field weights multiplied into BM25 (default title 3.0, body 1.0, others 1.0).
    public var fieldWeights: [String: Double] = SearchRequest.defaultFieldWeights
    /// The default field weights: title 3.0, body 1.0 (other fields 1.0): the best mean MAP
    /// of the seven classic test collections within noise (title 2, 3, 4, 5: 0.408, 0.414,
    /// 0.414, 0.414; leaving one collection out chooses 3 to 5), the smallest such
    /// (benchmarks/README.md).
    public static let defaultFieldWeights: [String: Double] = ["title": 3.0, "body": 1.0]
    /// Whether to build snippets for the returned hits (needs ``loadStoredFields``).
    public var snippets = true
    /// Whether hits carry their title, date and stored fields (read from the document store).
    /// Without it, hits carry only their id and score, which is much cheaper.
    public var loadStoredFields = true
    /// BM25 parameters.
    public var bm25 = BM25()
    /// The term-proximity bonus of free-text queries of several words (``TermProximity``):
    /// ``defaultProximity`` unless set; nil ranks with BM25F alone.
    public var proximity: TermProximity? = SearchRequest.defaultProximity
    /// The default ``proximity``: nil, off. `TermProximity()` (weight 0.1, window 10) raises the
    /// mean MAP over the seven classic test collections from 0.414 to 0.417 and nDCG@10 from
    /// 0.523 to 0.526, no collection worse, but costs AND and OR queries of plain words about
    /// 1.5× on the Wikipedia sample, more than the lead over Lucene allows
    /// (benchmarks/README.md).
    public static let defaultProximity: TermProximity? = nil
    /// Whether the stop words of a free-text query (``FreeTextStopWords``: `what`, `the`, `of`,
    /// `does` ...) match without scoring: in a query of optional plain words of the default
    /// fields, at least one of them not a stop word, the stop words keep their matches but add
    /// nothing to a document's score, and the term-proximity bonus leaves them out. Verbose
    /// natural-language queries rank better without them (on by default: mean MAP 0.408
    /// against 0.400 over the seven classic test collections with title weight 2, none
    /// worse); off, every word scores.
    public var freeTextStopWords = true
    /// Pseudo-relevance feedback (RM3, ``QueryExpansion``) for free-text queries: nil (the
    /// default) searches the query as it is; with it, a first pass's best documents add words
    /// to the query and a second pass ranks.
    public var expansion: QueryExpansion? = nil
    /// The most terms a prefix (`sanction*`) may expand to in a field before the search fails
    /// with ``QuerySyntaxError/prefixTooBroad(prefix:count:limit:column:)``. Every expansion's
    /// postings are read to find the matches and sum their frequencies, so the cap bounds the
    /// work; failing instead of keeping some expansions leaves the matches exact.
    public var prefixExpansionLimit = 4096
    /// Sort by field values (`-rating`, `date`): when not empty, it orders the hits instead of
    /// ``sort``; relevance breaks ties. Sorted top-k reads the columns only; stored documents
    /// are read for the page alone.
    public var sortFields: [SortField] = []
    /// Facets to count over every match (exactly, whatever pruning the ranking does); the
    /// total then is exact too.
    public var facets: [FacetRequest] = []
    /// Typo tolerance for search-box queries (``TypoTolerance``): nil (the default) searches
    /// the words as written. With it, the plain matches come first, then those found only
    /// through typos; facets count the plain matches.
    public var typoTolerance: TypoTolerance? = nil
    /// The query as the user typed it: when set and the search finds fewer than
    /// ``suggestionThreshold`` documents, the results carry a corrected query
    /// (``SearchResults/suggestion``, see ``IndexReader/suggestion(for:query:request:)``).
    public var suggestionText: String? = nil
    /// Below how many matches a correction is proposed (default 3).
    public var suggestionThreshold = 3
    /// The language the query's words are analyzed in (a code such as `de`): nil (the default)
    /// analyzes them in every language of the index's documents (``IndexReader/otherLanguages``)
    /// and matches each language's terms in documents of that language.
    public var language: String? = nil
    /// Wraps every scorer of the search tree as it is built (tests wrap them in a scorer that
    /// checks the scorer contracts between every parent and child); nil in production.
    var scorerWrapper: (@Sendable (Scorer) -> Scorer)? = nil

    /// Creates a request.
    public init(query: Query, limit: Int = 10, offset: Int = 0, sort: SearchSort = .relevance, countTotal: Bool = false,
                facets: [FacetRequest] = [], sortFields: [SortField] = []) {
        self.query = query
        self.limit = limit
        self.offset = offset
        self.sort = sort
        self.countTotal = countTotal
        self.facets = facets
        self.sortFields = sortFields
    }
}

/// Whether a total is exact or a lower bound (as Lucene's `TotalHits.Relation`).
public enum TotalRelation: String, Sendable, Hashable, Codable {
    /// The total is the exact number of matches.
    case equalTo = "eq"
    /// At least this many documents match.
    case greaterThanOrEqualTo = "gte"
}

/// One result.
public struct SearchHit: Sendable, Equatable {
    /// The document's external id.
    public var id: String
    /// The score (0 for date-sorted results of filter-only queries).
    public var score: Float
    /// The title.
    public var title: String
    /// The date, if any.
    public var date: DocumentDate?
    /// The best passage of the body with the matched words marked, when requested and stored.
    public var snippet: Snippet?
    /// Metadata fields: text fields as strings, keyword fields as lists, numbers, dates and
    /// bools as such (see ``StoredFields/fields``).
    public var fields: [String: FieldValue]
    /// The absolute path of the file the document came from, when it was indexed from a
    /// folder or file (``FolderIndexer``); nil for documents added through the API.
    public var path: String? = nil
    /// The line of the source file (1-based) that the snippet's first highlighted match is on
    /// (the snippet's start when nothing is highlighted), for documents whose body is a
    /// verbatim stretch of a text file (``Document/bodyLine``); nil otherwise.
    public var line: Int? = nil
    /// The page (1-based) of a paged document (a PDF) that the snippet's first highlighted match
    /// is on (the snippet's start when nothing is highlighted); nil for documents without pages.
    public var page: Int? = nil
}

/// The results of a search.
public struct SearchResults: Sendable, Equatable {
    /// Matching documents: exact, or a lower bound (see ``totalRelation``).
    public var total: Int
    /// Whether ``total`` is exact.
    public var totalRelation: TotalRelation
    /// The requested page of hits.
    public var hits: [SearchHit]
    /// Time spent in the engine, in microseconds.
    public var tookMicroseconds: Int
    /// The facets asked for (``SearchRequest/facets``), in order.
    public var facets: [FacetResult] = []
    /// A corrected query, when ``SearchRequest/suggestionText`` was set and few documents matched.
    public var suggestion: Suggestion? = nil
}

extension IndexReader {
    /// Parses `query` with the index's analyzer and searches it.
    ///
    /// - Throws: ``SearchError/query(_:)`` when the query does not parse or exceeds a limit;
    ///   ``SearchError/index(_:)`` when index data is damaged or cannot be read.
    public func search(_ query: String, limit: Int = 10, offset: Int = 0, sort: SearchSort = .relevance,
                       countTotal: Bool = false, defaultOperator: QueryParser.Operator = .and,
                       lenient: Bool = false) throws(SearchError) -> SearchResults {
        let tree = try SearchError.parse(query, with: queryParser(defaultOperator: defaultOperator, lenient: lenient))
        return try search(SearchRequest(query: tree, limit: limit, offset: offset, sort: sort, countTotal: countTotal))
    }

    /// Runs a search request.
    ///
    /// - Throws: ``SearchError/query(_:)`` with ``QuerySyntaxError/Kind-swift.enum/prefixTooBroad``
    ///   when a prefix expands to more terms than ``SearchRequest/prefixExpansionLimit``;
    ///   ``SearchError/index(_:)`` when index data is damaged or cannot be read.
    public func search(_ request: SearchRequest) throws(SearchError) -> SearchResults {
        if let text = request.suggestionText {
            var inner = request
            inner.suggestionText = nil
            var results = try search(inner)
            if results.total < request.suggestionThreshold {
                results.suggestion = try suggestion(for: text, query: request.query, request: inner)
            }
            return results
        }
        if let tolerance = request.typoTolerance { return try searchTolerant(request, tolerance) }
        if request.expansion != nil {
            let started = DispatchTime.now().uptimeNanoseconds
            var results = try search(try expansionResolved(request))
            results.tookMicroseconds = Int((DispatchTime.now().uptimeNanoseconds - started) / 1000)
            return results
        }
        let started = DispatchTime.now().uptimeNanoseconds
        for key in request.sortFields {
            guard let type = schema[key.field], type != .text else {
                throw .invalidRequest("cannot sort by `\(key.field)`: sort by a keyword, number, date or bool field")
            }
        }
        for facet in request.facets {
            guard let type = schema[facet.field], type != .text else {
                throw .invalidRequest("cannot count `\(facet.field)`: facets count keyword, bool, number and date fields")
            }
            switch (facet.grouping, type) {
            case (.values(let limit), .keyword), (.values(let limit), .bool):
                guard limit > 0 else { throw .invalidRequest("the facet `\(facet.label)` asks for \(limit) values") }
            case (.dates, .date), (.ranges, .number), (.ranges, .date):
                break
            default:
                throw .invalidRequest("the facet `\(facet.label)` groups the \(type) field `\(facet.field)` in a way that does not fit its type")
            }
        }
        var plan = try QueryPlan(reader: self, request: request)
        return try SearchError.reading { () throws(TrawlError) in try run(&plan, started: started) }
    }

    /// Runs a prepared plan: the page of hits its request asks for.
    private func run(_ plan: inout QueryPlan, started: UInt64) throws(TrawlError) -> SearchResults {
        let request = plan.request
        let limit = max(0, min(request.limit, 100_000))
        let offset = max(0, min(request.offset, 1_000_000))
        let k = limit + offset
        var sortFields = request.sortFields
        if sortFields.isEmpty, request.sort != .relevance {
            sortFields = [SortField(field: IndexSchema.dateField, descending: request.sort == .dateDescending)]
        }
        let byRelevance = sortFields.isEmpty
        var collector = TopHitsCollector(k: byRelevance ? k : 0, countThreshold: request.totalHitsThreshold)
        var fieldHits = FieldSortedHits(fields: sortFields, k: byRelevance ? 0 : k)
        var facets = request.facets.isEmpty ? nil : FacetCounter(request.facets)
        var exact = true
        for (s, segment) in segments.enumerated() {
            guard let root = try plan.scorer(segment: s) else { continue }
            let base = bases[s]
            if facets != nil, let counting = try plan.scorer(segment: s) {
                // The counting pass: every match, no pruning, no scoring.
                facets!.count(counting.scorer, segment: segment)
                try counting.throwIfCorrupt()
            }
            switch byRelevance {
            case true:
                if request.countTotal {
                    TopDocsSearch.collectAll(root.scorer, segment: segment, base: base, proximity: root.proximity,
                                             collector: &collector)
                } else if let clauses = root.disjunctionClauses, clauses.count <= TopDocsSearch.maximumMaxScoreClauses {
                    if TopDocsSearch.collectDisjunction(clauses, segment: segment, base: base, proximity: root.proximity,
                                                        collector: &collector) { exact = false }
                } else if root.disjunctionClauses != nil {
                    // Thousands of clauses: MaxScore sorts every clause at every window, which
                    // costs far more than scoring every match (a 10,000-word OR took 6× longer).
                    TopDocsSearch.collectAll(root.scorer, segment: segment, base: base, proximity: root.proximity,
                                             collector: &collector)
                } else {
                    if TopDocsSearch.collectPruned(root.scorer, segment: segment, base: base, proximity: root.proximity,
                                                   collector: &collector) { exact = false }
                }
            case false:
                fieldHits.collect(root.scorer, segment: segment, base: base, proximity: root.proximity)
            }
            try root.throwIfCorrupt()
        }
        let ranked: [ScoredDocument]
        let total: Int
        if byRelevance {
            ranked = collector.sorted()
            // Past the threshold the count depends on how much pruning skipped: report the
            // threshold itself (a lower bound that does not change with the page asked for).
            if let facets {
                total = facets.matched
                exact = true
            } else {
                total = exact || request.totalHitsThreshold <= 0
                    ? collector.matched : max(min(collector.matched, request.totalHitsThreshold), ranked.count)
            }
        } else {
            ranked = fieldHits.sorted()
            total = fieldHits.matched
        }
        var hits: [SearchHit] = []
        let page = ranked.dropFirst(offset).prefix(limit)
        var highlighter = request.snippets ? SnippetBuilder(analyzer: analyzer, query: request.query) : nil
        if !languages.others.isEmpty { highlighter?.languages = languages }
        for scored in page {
            guard let (s, local) = locate(scored.doc) else { continue }
            guard request.loadStoredFields else {
                hits.append(SearchHit(id: segments[s].identifiers.id(local), score: scored.score, title: "", date: nil,
                                      snippet: nil, fields: [:]))
                continue
            }
            let segment = segments[s]
            let stored = try segment.store.document(local, body: .deferred)
            let fields = StoredFields(stored, segment: segment, doc: local)
            let passage = try highlighter?.passage(of: stored, in: segment, doc: local, store: segment.store)
            let source = stored.fields.first { $0.0 == IndexSchema.sourceField }?.1
            hits.append(SearchHit(id: stored.id, score: scored.score, title: stored.title, date: stored.date,
                                  snippet: passage?.snippet, fields: fields.fields, path: source, line: passage?.line,
                                  page: passage?.page))
        }
        let took = Int((DispatchTime.now().uptimeNanoseconds - started) / 1000)
        return SearchResults(total: total, totalRelation: exact ? .equalTo : .greaterThanOrEqualTo, hits: hits,
                             tookMicroseconds: took, facets: facets?.results() ?? [])
    }

    /// A parser configured for this index: its analyzer, its fields and their types.
    public func queryParser() -> QueryParser {
        var parser = QueryParser(analyzer: analyzer, fields: fieldNames)
        parser.fieldTypes = schema.types.filter { $0.value != .text }
        return parser
    }

    /// This index's parser with a default operator and leniency.
    func queryParser(defaultOperator: QueryParser.Operator, lenient: Bool = false) -> QueryParser {
        var parser = queryParser()
        parser.defaultOperator = defaultOperator
        parser.lenient = lenient
        return parser
    }
}
