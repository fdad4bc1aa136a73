/// The ranking settings of a ``SearchRequest`` as one value: field weights, BM25 parameters,
/// the term-proximity bonus, free-text stop words and query expansion.
///
/// A place that builds many requests holds one and sets it on each (``SearchRequest/ranking``):
/// `trawl search`'s ranking flags, and `trawl serve`'s (``IndexServiceOptions/ranking``), whose
/// OpenSearch `_search`, native `/search` and search page then rank alike. Its defaults are
/// the request's, so setting a default value changes nothing.
public struct SearchRanking: Sendable, Hashable, Codable {
    /// Per-field weights multiplied into BM25 (``SearchRequest/fieldWeights``).
    public var fieldWeights: [String: Double] = SearchRequest.defaultFieldWeights
    /// BM25 parameters (``SearchRequest/bm25``).
    public var bm25 = BM25()
    /// The term-proximity bonus, nil for none (``SearchRequest/proximity``).
    public var proximity: TermProximity? = SearchRequest.defaultProximity
    /// Whether free-text stop words match without scoring (``SearchRequest/freeTextStopWords``).
    public var freeTextStopWords = true
    /// RM3 query expansion, nil for none (``SearchRequest/expansion``).
    public var expansion: QueryExpansion? = nil

    /// A ranking; each setting left out is the library's default (that of ``SearchRequest``).
    public init(fieldWeights: [String: Double] = SearchRequest.defaultFieldWeights, bm25: BM25 = BM25(),
                proximity: TermProximity? = SearchRequest.defaultProximity, freeTextStopWords: Bool = true,
                expansion: QueryExpansion? = nil) {
        self.fieldWeights = fieldWeights
        self.bm25 = bm25
        self.proximity = proximity
        self.freeTextStopWords = freeTextStopWords
        self.expansion = expansion
    }
}

extension SearchRequest {
    /// The request's ranking settings as one value (``SearchRanking``): reading gathers them,
    /// setting replaces all five.
    public var ranking: SearchRanking {
        get {
            SearchRanking(fieldWeights: fieldWeights, bm25: bm25, proximity: proximity,
                          freeTextStopWords: freeTextStopWords, expansion: expansion)
        }
        set {
            fieldWeights = newValue.fieldWeights
            bm25 = newValue.bm25
            proximity = newValue.proximity
            freeTextStopWords = newValue.freeTextStopWords
            expansion = newValue.expansion
        }
    }
}
