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
    /// Per-field weights multiplied into BM25 (default title 2.0, body 1.0, others 1.0).
    public var fieldWeights: [String: Double] = SearchRequest.defaultFieldWeights
    /// The default field weights: title 2.0, body 1.0 (other fields 1.0).
    public static let defaultFieldWeights: [String: Double] = ["title": 2.0, "body": 1.0]
    /// Whether to build snippets for the returned hits (needs ``loadStoredFields``).
    public var snippets = true
    /// Whether hits carry their title, date and stored fields (read from the document store).
    /// Without it, hits carry only their id and score, which is much cheaper.
    public var loadStoredFields = true
    /// BM25 parameters.
    public var bm25 = BM25()
    /// The most terms a prefix (`sanction*`) may expand to in a field before the search fails
    /// with ``QuerySyntaxError/prefixTooBroad(prefix:count:limit:column:)``. Every expansion's
    /// postings are read to find the matches and sum their frequencies, so the cap bounds the
    /// work; failing instead of keeping some expansions leaves the matches exact.
    public var prefixExpansionLimit = 4096
    /// Wraps every scorer of the search tree as it is built (tests wrap them in a scorer that
    /// checks the scorer contracts between every parent and child); nil in production.
    var scorerWrapper: (@Sendable (Scorer) -> Scorer)? = nil

    /// Creates a request.
    public init(query: Query, limit: Int = 10, offset: Int = 0, sort: SearchSort = .relevance, countTotal: Bool = false) {
        self.query = query
        self.limit = limit
        self.offset = offset
        self.sort = sort
        self.countTotal = countTotal
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
    /// Extra stored fields.
    public var fields: [String: String]
    /// The absolute path of the file the document came from, when it was indexed from a
    /// folder or file (``FolderIndexer``); nil for documents added through the API.
    public var path: String? = nil
    /// The line of the source file (1-based) that the snippet's first highlighted match is on
    /// (the snippet's start when nothing is highlighted), for documents whose body is a
    /// verbatim stretch of a text file (``Document/bodyLine``); nil otherwise.
    public var line: Int? = nil
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
        let started = DispatchTime.now().uptimeNanoseconds
        var plan = try QueryPlan(reader: self, request: request)
        return try SearchError.reading { () throws(TrawlError) in try run(&plan, started: started) }
    }

    /// Runs a prepared plan: the page of hits its request asks for.
    private func run(_ plan: inout QueryPlan, started: UInt64) throws(TrawlError) -> SearchResults {
        let request = plan.request
        let limit = max(0, min(request.limit, 100_000))
        let offset = max(0, min(request.offset, 1_000_000))
        let k = limit + offset
        var collector = TopHitsCollector(k: request.sort == .relevance ? k : 0, countThreshold: request.totalHitsThreshold)
        var dateHits = DateSortedHits(k: request.sort == .relevance ? 0 : k, descending: request.sort == .dateDescending)
        var exact = true
        for (s, segment) in segments.enumerated() {
            guard let root = try plan.scorer(segment: s) else { continue }
            let base = bases[s]
            switch request.sort {
            case .relevance:
                if request.countTotal {
                    TopDocsSearch.collectAll(root.scorer, segment: segment, base: base, collector: &collector)
                } else if let clauses = root.disjunctionClauses, clauses.count <= TopDocsSearch.maximumMaxScoreClauses {
                    if TopDocsSearch.collectDisjunction(clauses, segment: segment, base: base, collector: &collector) { exact = false }
                } else if root.disjunctionClauses != nil {
                    // Thousands of clauses: MaxScore sorts every clause at every window, which
                    // costs far more than scoring every match (a 10,000-word OR took 6× longer).
                    TopDocsSearch.collectAll(root.scorer, segment: segment, base: base, collector: &collector)
                } else {
                    if TopDocsSearch.collectPruned(root.scorer, segment: segment, base: base, collector: &collector) { exact = false }
                }
            case .dateAscending, .dateDescending:
                var doc = root.scorer.nextDoc()
                while doc != Scorer.noMoreDocs {
                    if segment.isLive(doc) {
                        dateHits.offer(doc: base + doc, date: segment.dates.value(doc), score: root.scorer.score())
                    }
                    doc = root.scorer.nextDoc()
                }
            }
            try root.throwIfCorrupt()
        }
        let ranked: [ScoredDocument]
        let total: Int
        if request.sort == .relevance {
            ranked = collector.sorted()
            // Past the threshold the count depends on how much pruning skipped: report the
            // threshold itself (a lower bound that does not change with the page asked for).
            total = exact || request.totalHitsThreshold <= 0
                ? collector.matched : max(min(collector.matched, request.totalHitsThreshold), ranked.count)
        } else {
            ranked = dateHits.sorted()
            total = dateHits.matched
        }
        var hits: [SearchHit] = []
        let page = ranked.dropFirst(offset).prefix(limit)
        let highlighter = request.snippets ? SnippetBuilder(analyzer: analyzer, query: request.query) : nil
        for scored in page {
            guard let (s, local) = locate(scored.doc) else { continue }
            guard request.loadStoredFields else {
                hits.append(SearchHit(id: segments[s].identifiers.id(local), score: scored.score, title: "", date: nil,
                                      snippet: nil, fields: [:]))
                continue
            }
            let segment = segments[s]
            let stored = try segment.store.document(local, body: .deferred)
            let fields = StoredFields(stored)
            let passage = try highlighter?.passage(of: stored, in: segment, doc: local, store: segment.store)
            let source = stored.fields.first { $0.0 == IndexSchema.sourceField }?.1
            hits.append(SearchHit(id: stored.id, score: scored.score, title: stored.title, date: stored.date,
                                  snippet: passage?.snippet, fields: fields.fields, path: source, line: passage?.line))
        }
        let took = Int((DispatchTime.now().uptimeNanoseconds - started) / 1000)
        return SearchResults(total: total, totalRelation: exact ? .equalTo : .greaterThanOrEqualTo, hits: hits,
                             tookMicroseconds: took)
    }

    /// A parser configured for this index: its analyzer and its fields.
    public func queryParser() -> QueryParser {
        QueryParser(analyzer: analyzer, fields: fieldNames)
    }

    /// This index's parser with a default operator and leniency.
    func queryParser(defaultOperator: QueryParser.Operator, lenient: Bool = false) -> QueryParser {
        var parser = queryParser()
        parser.defaultOperator = defaultOperator
        parser.lenient = lenient
        return parser
    }
}

/// Keeps the first `k` hits by date (documents without a date last, then by number).
///
/// A binary heap of at most `k` entries with the last kept hit at the root, like
/// ``TopHitsCollector``: memory is reserved once, so offering a match never allocates and the
/// allocations of a date-sorted search do not grow with the number of matches.
struct DateSortedHits {
    typealias Entry = (doc: Int, date: Int64, score: Float)
    let k: Int
    let descending: Bool
    private var heap: [Entry] = []
    private(set) var matched = 0

    init(k: Int, descending: Bool) {
        self.k = max(0, k)
        self.descending = descending
        heap.reserveCapacity(min(self.k, 1 << 16))
    }

    private func before(_ a: Entry, _ b: Entry) -> Bool {
        let aMissing = a.date == DateColumn.missing, bMissing = b.date == DateColumn.missing
        if aMissing != bMissing { return bMissing }
        if a.date != b.date { return descending ? a.date > b.date : a.date < b.date }
        return a.doc < b.doc
    }

    mutating func offer(doc: Int, date: Int64, score: Float) {
        matched += 1
        guard k > 0 else { return }
        let entry: Entry = (doc, date, score)
        if heap.count < k {
            // Sift up: a parent must come after (rank worse than) its children.
            heap.append(entry)
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard before(heap[parent], entry) else { break }
                heap[i] = heap[parent]
                i = parent
            }
            heap[i] = entry
        } else if before(entry, heap[0]) {
            // Replace the last kept hit and sift down.
            var i = 0
            let n = heap.count
            while true {
                var child = 2 * i + 1
                if child >= n { break }
                if child + 1 < n && before(heap[child], heap[child + 1]) { child += 1 }
                guard before(entry, heap[child]) else { break }
                heap[i] = heap[child]
                i = child
            }
            heap[i] = entry
        }
    }

    func sorted() -> [ScoredDocument] {
        heap.sorted(by: before).map { ScoredDocument(doc: $0.doc, score: $0.score) }
    }
}
