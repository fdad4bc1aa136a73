import Foundation

/// Pseudo-relevance feedback with RM3 (Lavrenko & Croft's relevance model, interpolated with
/// the query as in Abdul-Jaleel et al., UMass at TREC 2004): a first pass finds the best
/// ``documents``; the words of those documents, each weighted by its share of the document's
/// length times the document's score, form a relevance model; its ``terms`` heaviest words join
/// the query as optional clauses, and a second pass ranks with the expanded query.
///
/// The query keeps its own clauses as they are, so its part of every score is unchanged; an
/// expansion word `t` is added with boost `(1 − α) / α · |q| · P(t | R)`, where α is
/// ``originalWeight``, |q| the number of the query's words (repeats counted) and `P(t | R)` the
/// relevance model renormalized over the kept words — RM3's `α · P(t | q) + (1 − α) · P(t | R)`
/// scaled by `|q| / α`.
///
/// Expansion words come from the title and body fields. The index keeps no per-document word
/// lists, so the feedback documents' words are found by walking the segments' dictionaries:
/// the second pass costs far more than the first on a large vocabulary (it is opt-in). Words in
/// a single document, words in more than ``maximumDocumentShare`` of the documents (stop words)
/// and words of one character or only digits are not used.
///
/// It applies to free-text queries of plain words (OR'ed or AND'ed, in the default fields);
/// other queries run unexpanded.
public struct QueryExpansion: Sendable, Hashable, Codable {
    /// How many of the first pass's best documents are feedback.
    public var documents: Int
    /// How many expansion words are added.
    public var terms: Int
    /// α: the weight of the original query against the relevance model (0 to 1).
    public var originalWeight: Double
    /// Words in more than this share of the documents are not expansion words.
    public var maximumDocumentShare: Double

    /// The defaults: 10 feedback documents, 30 words, α = 0.8, words in at most 10 % of the
    /// documents (chosen once over the seven classic test collections, see benchmarks/README.md).
    public init(documents: Int = 10, terms: Int = 30, originalWeight: Double = 0.8, maximumDocumentShare: Double = 0.1) {
        self.documents = documents
        self.terms = terms
        self.originalWeight = originalWeight
        self.maximumDocumentShare = maximumDocumentShare
    }
}

extension IndexReader {
    /// The words of the query, counted, when the query can be expanded (plain words of the
    /// default fields under one boolean, or a single such word).
    static func expandableWords(_ query: Query) -> [String]? {
        switch query {
        case .term(let t) where t.field == nil:
            return [t.term]
        case .boolean(let b) where b.mustNot.isEmpty && b.must.isEmpty != b.should.isEmpty:
            var words: [String] = []
            for clause in b.must + b.should {
                guard case .term(let t) = clause, t.field == nil else { return nil }
                words.append(t.term)
            }
            return words
        default:
            return nil
        }
    }

    /// The request its second pass runs: with ``SearchRequest/expansion``, the query expanded
    /// (``expandedQuery(_:_:)``) and the expansion cleared; without, the request itself.
    func expansionResolved(_ request: SearchRequest) throws(SearchError) -> SearchRequest {
        guard let expansion = request.expansion else { return request }
        var second = request
        second.expansion = nil
        second.query = try expandedQuery(request, expansion)
        return second
    }

    /// The request's query expanded with RM3 (see ``QueryExpansion``), or the query itself when
    /// it cannot be expanded or the first pass finds nothing.
    func expandedQuery(_ request: SearchRequest, _ expansion: QueryExpansion) throws(SearchError) -> Query {
        guard let words = Self.expandableWords(request.query), !words.isEmpty,
              expansion.documents > 0, expansion.terms > 0, expansion.originalWeight > 0 else { return request.query }
        var first = request
        first.expansion = nil
        first.limit = expansion.documents
        first.offset = 0
        first.countTotal = false
        first.totalHitsThreshold = 0
        first.snippets = false
        first.loadStoredFields = false
        first.facets = []
        first.sortFields = []
        first.sort = .relevance
        first.suggestionText = nil
        first.typoTolerance = nil
        let results = try search(first)
        // Feedback documents per segment, in document order, with their scores.
        var feedback: [[(local: Int, score: Float)]] = Array(repeating: [], count: segments.count)
        for hit in results.hits where hit.score > 0 {
            guard let number = try SearchError.reading({ () throws(TrawlError) in try documentNumber(id: hit.id) }),
                  let (s, local) = locate(number) else { continue }
            feedback[s].append((local, hit.score))
        }
        let model = try SearchError.reading { () throws(TrawlError) in try relevanceModel(feedback, expansion) }
        let original = Set(words)
        let kept = model.filter { !original.contains($0.term) }.prefix(expansion.terms)
        let mass = kept.reduce(0) { $0 + $1.weight }
        guard mass > 0 else { return request.query }
        let scale = (1 - expansion.originalWeight) / expansion.originalWeight * Double(words.count) / mass
        let added: [Query] = kept.map { .boost(.term(Query.Term(field: nil, text: $0.term, term: $0.term)), $0.weight * scale) }
        switch request.query {
        case .boolean(let b) where !b.must.isEmpty:
            return .boolean(Query.Boolean(must: b.must, should: added))
        case .boolean(let b):
            return .boolean(Query.Boolean(should: b.should + added))
        default:
            return .boolean(Query.Boolean(should: [request.query] + added))
        }
    }

    /// The relevance model of the feedback documents: words by `Σ_D score(D) · tf(t, D) / |D|`
    /// (title and body frequencies summed), heaviest first (ties by word).
    private func relevanceModel(_ feedback: [[(local: Int, score: Float)]],
                                _ expansion: QueryExpansion) throws(TrawlError) -> [(term: String, weight: Double)] {
        let fields = [IndexSchema.titleField, IndexSchema.bodyField]
        let total = max(1, segments.reduce(0) { $0 + $1.documentCount })
        let maximumDocuments = UInt32(min(Double(UInt32.max), max(2, expansion.maximumDocumentShare * Double(total))))
        var weights: [String: Double] = [:]
        for (s, documents) in feedback.enumerated() where !documents.isEmpty {
            let segment = segments[s]
            let ordered = documents.sorted { $0.local < $1.local }
            // Per feedback document: its words' frequencies, and its length (their sum).
            var counts: [[String: UInt32]] = Array(repeating: [:], count: ordered.count)
            var lengths = [UInt64](repeating: 0, count: ordered.count)
            for field in fields {
                guard let terms = segment.dictionary.terms(forField: field) else { continue }
                var iterator = terms.makeIterator()
                while try iterator.next() {
                    let info = iterator.info
                    var cursor = try segment.cursor(field: field, info: info)
                    for (i, document) in ordered.enumerated() {
                        let target = UInt32(document.local)
                        let found = cursor.doc >= target ? cursor.doc : cursor.advance(to: target)
                        if found == PostingsCursor.noMoreDocs { break }
                        guard found == target else { continue }
                        let f = cursor.freq
                        lengths[i] += UInt64(f)
                        if info.docFreq >= 2 && info.docFreq <= maximumDocuments {
                            counts[i][String(decoding: iterator.term, as: UTF8.self), default: 0] += f
                        }
                    }
                    try cursor.throwIfCorrupt()
                }
            }
            for (i, document) in ordered.enumerated() where lengths[i] > 0 {
                let share = Double(document.score) / Double(lengths[i])
                for (term, f) in counts[i] { weights[term, default: 0] += share * Double(f) }
            }
        }
        return weights.filter { entry in
            entry.key.unicodeScalars.count > 1 && !entry.key.unicodeScalars.allSatisfy { CharacterSet.decimalDigits.contains($0) }
        }.map { ($0.key, $0.value) }.sorted { $0.weight > $1.weight || ($0.weight == $1.weight && $0.term < $1.term) }
    }
}
