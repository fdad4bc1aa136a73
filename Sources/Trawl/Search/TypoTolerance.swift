import Foundation

/// Typo tolerance for search boxes (``SearchRequest/typoTolerance``): words long enough may be
/// misspelled, as Meilisearch and Typesense allow by default.
///
/// A word of at least ``oneTypoLength`` characters tolerates one edit, of at least
/// ``twoTyposLength`` two (Meilisearch's defaults: 5 and 9). Ranking is by tiers: the documents
/// the query matches as written come first, in their plain order (so a correctly spelled query
/// whose page is filled by exact matches returns exactly the plain results), then the
/// documents that match only with typos, where each word is a fuzzy word (``Query/Fuzzy``)
/// whose exact term outweighs its typos.
public struct TypoTolerance: Sendable, Hashable {
    /// The fewest characters a word needs to tolerate one edit (default 5).
    public var oneTypoLength: Int
    /// The fewest characters a word needs to tolerate two edits (default 9).
    public var twoTyposLength: Int
    /// The most terms a tolerant word expands to per field (default 50).
    public var maxExpansions: Int

    /// Creates a setting; the defaults are Meilisearch's.
    public init(oneTypoLength: Int = 5, twoTyposLength: Int = 9, maxExpansions: Int = Query.Fuzzy.defaultMaxExpansions) {
        self.oneTypoLength = oneTypoLength
        self.twoTyposLength = twoTyposLength
        self.maxExpansions = maxExpansions
    }

    /// The edits a word of `length` characters tolerates: 0, 1 or 2.
    public func maxEdits(forLength length: Int) -> Int {
        length >= twoTyposLength ? 2 : length >= oneTypoLength ? 1 : 0
    }

    /// `query` with every positive word long enough made fuzzy (phrases, prefixes, excluded
    /// clauses and filters stay as they are).
    public func tolerant(_ query: Query) -> Query {
        query.mapLeaves { leaf in
            guard case .term(let t) = leaf else { return leaf }
            let edits = maxEdits(forLength: t.text.count)
            guard edits > 0 else { return leaf }
            var fuzzy = Query.Fuzzy(field: t.field, text: t.text, term: t.term, maxEdits: edits, maxExpansions: maxExpansions)
            fuzzy.surface = QueryFolding.fold(t.text, accents: true)
            return .fuzzy(fuzzy)
        }
    }
}

extension IndexReader {
    /// A typo-tolerant search (``SearchRequest/typoTolerance``): the plain matches in their
    /// plain order, then the matches found only through typos, best first. The total counts
    /// both tiers.
    func searchTolerant(_ request: SearchRequest, _ tolerance: TypoTolerance) throws(SearchError) -> SearchResults {
        let started = DispatchTime.now().uptimeNanoseconds
        var plainRequest = request
        plainRequest.typoTolerance = nil
        let tolerantQuery = tolerance.tolerant(request.query)
        if tolerantQuery == request.query { return try search(plainRequest) }
        var plain = try search(plainRequest)
        let limit = max(0, min(request.limit, 100_000))
        let filled = plain.hits.count >= limit
        // A full page from the plain tier: the second tier only adds to the total.
        if filled && !request.countTotal && request.facets.isEmpty { return plain }
        var second = plainRequest
        second.query = .boolean(Query.Boolean(must: [tolerantQuery], mustNot: [request.query]))
        // The plain tier's matches are all seen when its page is not full, so its total is exact.
        second.offset = filled ? 0 : max(0, request.offset - plain.total)
        second.limit = filled ? 0 : limit - plain.hits.count
        second.facets = []
        let typos = try search(second)
        plain.hits += typos.hits
        plain.total += typos.total
        if typos.totalRelation == .greaterThanOrEqualTo { plain.totalRelation = .greaterThanOrEqualTo }
        plain.tookMicroseconds = Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000)
        return plain
    }
}
