/// A query prepared against one reader: index-wide term statistics (idf), prefix expansions,
/// and a compiler from the query tree to each segment's scorers.
struct QueryPlan {
    /// A field and an analyzed term.
    struct FieldTerm: Hashable {
        var field: String
        var term: String
    }

    /// A segment's compiled query.
    struct CompiledRoot {
        /// The root scorer.
        var scorer: Scorer
        /// When the root is a pure disjunction, its clauses (for block-max MaxScore).
        var disjunctionClauses: [Scorer]?
        /// Every term scorer, to surface damaged postings after the search.
        var termScorers: [TermScorer]
        /// Every multi-field scorer, likewise.
        var multiFieldScorers: [MultiFieldTermScorer]
        /// The term-proximity bonus of a free-text query of several words
        /// (``SearchRequest/proximity``), added to the root's score.
        var proximity: ProximityBonus? = nil

        func throwIfCorrupt() throws(TrawlError) {
            for scorer in termScorers { try scorer.throwIfCorrupt() }
            for scorer in multiFieldScorers { try scorer.throwIfCorrupt() }
        }
    }

    let reader: IndexReader
    /// The request, its query analyzed in every language of the index (``IndexLanguages``).
    let request: SearchRequest
    /// The request's query as given, before the languages' analyses were added.
    let originalQuery: Query
    var bm25: BM25 { request.bm25 }
    /// Per term: its info in each segment (nil where absent).
    private(set) var infos: [FieldTerm: [TermPostingsInfo?]] = [:]
    /// Per term: index-wide document frequency.
    private(set) var documentFrequencies: [FieldTerm: Int] = [:]
    /// Per prefix leaf (field, prefix): the matching terms' infos per segment.
    private var expansions: [FieldTerm: [[TermPostingsInfo]]] = [:]
    /// A fuzzy leaf in one field.
    struct FuzzyKey: Hashable {
        var field: String
        var fuzzy: Query.Fuzzy
    }
    /// Per fuzzy leaf and field: its kept expansions.
    private(set) var fuzzyExpansions: [FuzzyKey: FuzzyExpansion] = [:]
    /// Per prefix leaf (field, prefix): what its expansions weigh index-wide.
    private var prefixStatistics: [FieldTerm: PrefixStatistics] = [:]
    /// Per document of a segment: the summed frequencies of one prefix's expansions in one
    /// field, while a prefix scorer is built (kept for the next one, all zero between uses).
    private var prefixFrequencies: [UInt32] = []
    private var normalizations: [String: [Float]] = [:]
    private var factorTables: [String: [Float]] = [:]
    /// Multi-field scorers built for the current segment (checked for damage after the search).
    private var multiFieldScorers: [MultiFieldTermScorer] = []

    /// Resolves every term and prefix of the request's query against the reader.
    ///
    /// - Throws: ``SearchError/query(_:)`` when a prefix expands past the limit,
    ///   ``SearchError/index(_:)`` when the index cannot be read.
    init(reader: IndexReader, request: SearchRequest) throws(SearchError) {
        self.reader = reader
        var request = request
        if request.freeTextStopWords {
            request.query = Self.unscoredStopWords(request.query, stopTerms: reader.freeTextStopTerms)
        }
        originalQuery = request.query
        request.query = try reader.languageExpanded(request.query, language: request.language)
        self.request = request
        try collect(request.query)
    }

    /// The default fields searched by a word without `field:`.
    var defaultFields: [String] {
        [IndexSchema.titleField, IndexSchema.bodyField].filter { reader.fieldStatistics[$0] != nil }
    }

    private func fields(_ field: String?) -> [String] {
        if let field { return reader.fieldStatistics[field] != nil ? [field] : [] }
        return defaultFields
    }

    private mutating func collect(_ query: Query) throws(SearchError) {
        switch query {
        case .term(let t):
            for field in fields(t.field) { try resolve(FieldTerm(field: field, term: t.term)) }
        case .phrase(let p):
            for field in fields(p.field) {
                for term in p.terms { try resolve(FieldTerm(field: field, term: term.term)) }
            }
        case .prefix(let p):
            for field in fields(p.field) { try expand(FieldTerm(field: field, term: p.prefix), column: p.column, text: p.text) }
        case .fuzzy(let f):
            let cache = FuzzyExpansion.AutomatonCache(), surfaceCache = FuzzyExpansion.AutomatonCache()
            for field in fields(f.field) {
                let key = FuzzyKey(field: field, fuzzy: f)
                if fuzzyExpansions[key] == nil {
                    fuzzyExpansions[key] = try SearchError.reading { () throws(TrawlError) in
                        try FuzzyExpansion(reader: reader, field: field, fuzzy: f, cache: cache, surfaceCache: surfaceCache)
                    }
                }
            }
        case .boolean(let b):
            for q in b.must { try collect(q) }
            for q in b.should { try collect(q) }
            for q in b.mustNot { try collect(q) }
        case .boost(let inner, _):
            try collect(inner)
        case .dateRange, .numberRange, .exists, .matchAll, .matchNone:
            break
        }
    }

    private mutating func resolve(_ key: FieldTerm) throws(SearchError) {
        guard infos[key] == nil else { return }
        var perSegment: [TermPostingsInfo?] = []
        var df = 0
        for segment in reader.segments {
            let info = try SearchError.reading { () throws(TrawlError) in
                try withTypedUTF8(key.term) { (bytes) throws(TrawlError) in try segment.termInfo(field: key.field, term: bytes) }
            }
            perSegment.append(info)
            df += Int(info?.docFreq ?? 0)
        }
        infos[key] = perSegment
        documentFrequencies[key] = df
    }

    /// A prefix's expansions in one field, taken together as one pseudo-term.
    struct PrefixStatistics {
        /// The largest index-wide document frequency among the expansions (each summed over
        /// the segments, as a term's): the blended frequency the pseudo-term's idf comes from.
        var documentFrequency = 0
        /// How many distinct terms the prefix expands to in the field.
        var expansions = 0
    }

    /// Finds the terms of `key.field` that start with `key.term` in every segment.
    ///
    /// A prefix scores as one term per field (as Lucene's `SynonymQuery` and blended top-terms
    /// rewrite do): its frequency in a document is the sum of its expansions' frequencies, and
    /// its idf comes from the largest document frequency among them, so a document is not
    /// favoured for holding a rare expansion rather than the common one. Every expansion's
    /// postings are read to build the matches and their scores, so the number of expansions
    /// is capped by ``SearchRequest/prefixExpansionLimit``: past it the query fails with
    /// ``QuerySyntaxError/prefixTooBroad(prefix:count:limit:column:)`` instead of silently
    /// keeping some expansions (which would change which documents match).
    private mutating func expand(_ key: FieldTerm, column: Int?, text: String) throws(SearchError) {
        guard expansions[key] == nil else { return }
        var perSegment: [[TermPostingsInfo]] = []
        // Each distinct expansion's document frequency, summed over the segments.
        var distinct: [[UInt8]: Int] = [:]
        // With one segment the terms are distinct already: counted without the dictionary.
        let single = reader.segments.count == 1
        var singleCount = 0, singleLargest = 0
        let limit = max(1, request.prefixExpansionLimit)
        for segment in reader.segments {
            var found: [TermPostingsInfo] = []
            // Past the limit: how many terms the prefix matches (counted up to a bound).
            var tooBroad: Int?
            do throws(TrawlError) {
                if let terms = segment.dictionary.terms(forField: key.field) {
                    var iterator = terms.terms(withPrefix: Array(key.term.utf8), limit: Int.max)
                    while try iterator.next() {
                        found.append(iterator.info)
                        if single {
                            singleCount += 1
                            singleLargest = max(singleLargest, Int(iterator.info.docFreq))
                        } else {
                            distinct[iterator.term, default: 0] += Int(iterator.info.docFreq)
                        }
                        if (single ? singleCount : distinct.count) > limit {
                            // Count the rest (bounded) so the message can say how broad the prefix is.
                            var count = single ? singleCount : distinct.count
                            while count < 1_000_000, try iterator.next() { count += 1 }
                            tooBroad = count
                            break
                        }
                    }
                }
            } catch {
                throw .index(error)
            }
            if let count = tooBroad {
                throw .query(.prefixTooBroad(prefix: text, count: count, limit: limit, column: column ?? 1))
            }
            perSegment.append(found)
        }
        expansions[key] = perSegment
        prefixStatistics[key] = single ? PrefixStatistics(documentFrequency: singleLargest, expansions: singleCount)
            : PrefixStatistics(documentFrequency: distinct.values.max() ?? 0, expansions: distinct.count)
    }

    /// The BM25 constants of a term in a field, scaled by `boost`.
    private mutating func weight(field: String, idf: Float, boost: Float) -> TermWeight {
        let normalization: [Float]
        if let cached = normalizations[field] {
            normalization = cached
        } else {
            normalization = bm25.lengthNormalization(averageLength: reader.fieldStatistics[field]?.averageLength ?? 1)
            normalizations[field] = normalization
        }
        // Keyword and bool clauses are filters: they match whole values and add nothing.
        let fieldWeight = reader.isColumnField(field) ? 0 : Float(request.fieldWeights[field] ?? 1.0)
        return TermWeight(weight: idf * fieldWeight * boost, normalization: normalization, idf: idf,
                          fieldWeight: fieldWeight, boost: boost,
                          averageLength: reader.fieldStatistics[field]?.averageLength ?? 1)
    }

    /// Index-wide idf of a term in a field.
    func idf(_ key: FieldTerm) -> Float {
        BM25.idf(documentFrequency: documentFrequencies[key] ?? 0,
                 documentCount: reader.fieldStatistics[key.field]?.documentCount ?? 0)
    }

    /// Builds the scorer of segment `s`, or nil when nothing can match there.
    mutating func scorer(segment s: Int) throws(TrawlError) -> CompiledRoot? {
        var termScorers: [TermScorer] = []
        multiFieldScorers = []
        guard let node = try compileNode(request.query, segment: s, boost: 1, termScorers: &termScorers) else { return nil }
        var clauses: [Scorer]?
        if let disjunction = node as? DisjunctionScorer, disjunction.children.count > 1 { clauses = disjunction.children }
        var root = CompiledRoot(scorer: wrapped(node), disjunctionClauses: clauses, termScorers: termScorers,
                                multiFieldScorers: multiFieldScorers)
        root.proximity = proximityBonus(segment: s)
        return root
    }

    /// `query` with the stop words of a free-text query given a zero boost (they match but do
    /// not score; ``SearchRequest/freeTextStopWords``): only a disjunction of optional plain (or
    /// boosted) words of the default fields with at least one word that is not a stop word;
    /// any other query unchanged.
    static func unscoredStopWords(_ query: Query, stopTerms: Set<String>) -> Query {
        guard !stopTerms.isEmpty, case .boolean(var b) = query, b.must.isEmpty, b.mustNot.isEmpty else { return query }
        var kept = false
        var stops: [Int] = []
        for (i, clause) in b.should.enumerated() {
            var leaf = clause
            if case .boost(let inner, _) = clause { leaf = inner }
            guard case .term(let t) = leaf, t.field == nil else { return query }
            if stopTerms.contains(t.term) { stops.append(i) } else { kept = true }
        }
        guard kept, !stops.isEmpty else { return query }
        for i in stops {
            var leaf = b.should[i]
            if case .boost(let inner, _) = leaf { leaf = inner }
            b.should[i] = .boost(leaf, 0)
        }
        return .boolean(b)
    }

    /// Whether the request's query earns a proximity bonus: only plain (or boosted) words of the
    /// default fields, all required or all optional, nothing excluded, at least two distinct words.
    static func proximityWords(_ query: Query) -> [String]? {
        guard case .boolean(let b) = query, b.mustNot.isEmpty, b.must.isEmpty != b.should.isEmpty else { return nil }
        var words: [String] = []
        for clause in b.must + b.should {
            var leaf = clause
            // An expanded query (``QueryExpansion``) adds boosted words; a zero boost is a stop
            // word that does not score (``SearchRequest/freeTextStopWords``).
            if case .boost(let inner, let factor) = clause {
                if factor == 0 { continue }
                leaf = inner
            }
            guard case .term(let t) = leaf, t.field == nil else { return nil }
            if !words.contains(t.term) { words.append(t.term) }
        }
        return words.count >= 2 ? words : nil
    }

    /// The proximity bonus of segment `s` over the multi-field scorers just built, or nil.
    private mutating func proximityBonus(segment s: Int) -> ProximityBonus? {
        guard let proximity = request.proximity, Self.proximityWords(originalQuery) != nil else { return nil }
        var distinct: [MultiFieldTermScorer] = []
        // Words that do not score (stop words, ``SearchRequest/freeTextStopWords``) earn no bonus.
        for scorer in multiFieldScorers where scorer.inverseDocumentFrequency > 0 && !distinct.contains(where: { $0.term == scorer.term }) {
            distinct.append(scorer)
        }
        guard distinct.count >= 2 else { return nil }
        let segment = reader.segments[s]
        let fields = defaultFields.filter { segment.fieldsByName[$0]?.hasPositions == true }
        var tables: [[Float]] = []
        var codes: [UnsafePointer<UInt8>?] = []
        for field in fields {
            tables.append(fieldFactors(field))
            codes.append(segment.fieldsByName[field].flatMap { segment.fieldLengths.codes(field: $0.number) })
        }
        return ProximityBonus(scorers: distinct, fields: fields, factorTables: tables, lengthCodes: codes,
                              proximity: proximity, k1: bm25.k1)
    }

    private mutating func termScorer(_ key: FieldTerm, segment s: Int, boost: Float,
                                     termScorers: inout [TermScorer]) throws(TrawlError) -> TermScorer? {
        guard let info = infos[key]?[s] ?? nil else { return nil }
        let segment = reader.segments[s]
        let cursor = try segment.cursor(field: key.field, info: info)
        let codes = segment.fieldsByName[key.field].flatMap { segment.fieldLengths.codes(field: $0.number) }
        let scorer = TermScorer(cursor: cursor, weight: weight(field: key.field, idf: idf(key), boost: boost),
                                lengthCodes: codes, field: key.field, term: key.term)
        termScorers.append(scorer)
        return scorer
    }

    /// BM25F idf of a word over the default fields: the larger field document frequency over
    /// the larger field document count.
    func multiFieldIDF(_ term: String) -> Float {
        var df = 0, n = 0
        for field in defaultFields {
            df = max(df, documentFrequencies[FieldTerm(field: field, term: term)] ?? 0)
            n = max(n, reader.fieldStatistics[field]?.documentCount ?? 0)
        }
        return BM25.idf(documentFrequency: df, documentCount: n)
    }

    /// The BM25F factor table of a default field.
    mutating func fieldFactors(_ field: String) -> [Float] {
        if let cached = factorTables[field] { return cached }
        let table = bm25.fieldFactors(averageLength: reader.fieldStatistics[field]?.averageLength ?? 1,
                                      weight: Float(request.fieldWeights[field] ?? 1.0))
        factorTables[field] = table
        return table
    }

    private mutating func multiFieldScorer(_ term: String, segment s: Int, boost: Float) throws(TrawlError) -> Scorer? {
        let segment = reader.segments[s]
        var cursors: [PostingsCursor] = []
        var names: [String] = []
        var factors: [[Float]] = []
        var codes: [UnsafePointer<UInt8>?] = []
        for field in defaultFields {
            guard let info = infos[FieldTerm(field: field, term: term)]?[s] ?? nil else { continue }
            cursors.append(try segment.cursor(field: field, info: info))
            names.append(field)
            factors.append(fieldFactors(field))
            codes.append(segment.fieldsByName[field].flatMap { segment.fieldLengths.codes(field: $0.number) })
        }
        guard !cursors.isEmpty else { return nil }
        let scorer = MultiFieldTermScorer(cursors: cursors, fields: names, factors: factors, lengthCodes: codes,
                                          idf: multiFieldIDF(term) * boost, k1: bm25.multiFieldK1, term: term)
        multiFieldScorers.append(scorer)
        return scorer
    }

    private func combineOr(_ scorers: [Scorer]) -> Scorer? {
        scorers.isEmpty ? nil : scorers.count == 1 ? scorers[0] : DisjunctionScorer(scorers)
    }

    /// `scorer` as the request's ``SearchRequest/scorerWrapper`` wraps it (tests check the
    /// scorer contracts between every parent and child this way), or itself.
    private func wrapped(_ scorer: Scorer) -> Scorer {
        request.scorerWrapper?(scorer) ?? scorer
    }

    /// The scorer of one node of the query tree, wrapped (``wrapped(_:)``).
    private mutating func compile(_ query: Query, segment s: Int, boost: Float,
                                  termScorers: inout [TermScorer]) throws(TrawlError) -> Scorer? {
        try compileNode(query, segment: s, boost: boost, termScorers: &termScorers).map(wrapped)
    }

    private mutating func compileNode(_ query: Query, segment s: Int, boost: Float,
                                      termScorers: inout [TermScorer]) throws(TrawlError) -> Scorer? {
        let segment = reader.segments[s]
        switch query {
        case .term(let t) where t.field == nil:
            return try multiFieldScorer(t.term, segment: s, boost: boost)

        case .term(let t):
            var parts: [Scorer] = []
            for field in fields(t.field) {
                if let scorer = try termScorer(FieldTerm(field: field, term: t.term), segment: s, boost: boost, termScorers: &termScorers) {
                    parts.append(scorer)
                }
            }
            return combineOr(parts)

        case .phrase(let p):
            var parts: [Scorer] = []
            fieldLoop: for field in fields(p.field) {
                var terms: [TermScorer] = []
                var idfSum: Float = 0
                var termMaxima: [UInt32] = []
                var minCode: UInt8 = 0
                for term in p.terms {
                    let key = FieldTerm(field: field, term: term.term)
                    guard let info = infos[key]?[s] ?? nil else { continue fieldLoop }
                    let cursor = try segment.cursor(field: field, info: info)
                    termMaxima.append(cursor.termMaxFreq)
                    minCode = max(minCode, cursor.termMinLengthCode)
                    let scorer = TermScorer(cursor: cursor, weight: weight(field: field, idf: 0, boost: 0),
                                            lengthCodes: nil, field: field, term: term.term)
                    termScorers.append(scorer)
                    terms.append(scorer)
                    idfSum += idf(key)
                }
                guard !terms.isEmpty, segment.fieldsByName[field]?.hasPositions == true else { continue }
                let codes = segment.fieldsByName[field].flatMap { segment.fieldLengths.codes(field: $0.number) }
                // An exact phrase occurs at most as often as its rarest term; a sloppy one can
                // count a match per occurrence of any term.
                let maxFreq = p.slop == 0 ? termMaxima.min() ?? 0 : PhraseScorer.sloppyFrequencyBound(termMaxima)
                parts.append(PhraseScorer(terms: terms, offsets: p.terms.map(\.position), slop: p.slop,
                                          weight: weight(field: field, idf: idfSum, boost: boost), lengthCodes: codes,
                                          field: field, maxFreq: maxFreq, minLengthCode: minCode))
            }
            return combineOr(parts)

        case .prefix(let p):
            return try prefixScorer(p, segment: s, boost: boost)

        case .fuzzy(let f):
            return try fuzzyScorer(f, segment: s, boost: boost)

        case .dateRange, .numberRange, .exists:
            return predicate(query, segment: segment).flatMap { documentSet($0, segment: segment) }

        case .matchAll:
            var words = [UInt64](repeating: ~0, count: (segment.documentCount + 63) / 64)
            if segment.documentCount % 64 != 0, !words.isEmpty {
                words[words.count - 1] = (UInt64(1) << UInt64(segment.documentCount % 64)) - 1
            }
            return DocumentSetScorer(words: words, limit: segment.documentCount, score: boost)

        case .matchNone:
            return nil

        case .boost(let inner, let factor):
            // Not a scorer of its own: the factor is folded into the inner node's weights.
            return try compileNode(inner, segment: s, boost: boost * Float(factor), termScorers: &termScorers)

        case .boolean(let b):
            var required: [Scorer] = []
            var filters: [(clause: Query, predicate: ColumnPredicate)] = []
            for clause in b.must {
                switch clause {
                case .dateRange, .numberRange, .exists:
                    // A filter clause matching nothing in this segment empties the conjunction.
                    guard let predicate = predicate(clause, segment: segment) else { return nil }
                    filters.append((clause, predicate))
                    continue
                default:
                    break
                }
                guard let scorer = try compile(clause, segment: s, boost: boost, termScorers: &termScorers) else { return nil }
                required.append(scorer)
            }
            var optional: [Scorer] = []
            for clause in b.should {
                if let scorer = try compile(clause, segment: s, boost: boost, termScorers: &termScorers) { optional.append(scorer) }
            }
            if required.isEmpty, let first = filters.first {
                // Only filter clauses are required: the first one walks the documents, and the
                // should clauses merely add to the score (they are not required by a must).
                guard let set = documentSet(first.predicate, segment: segment) else { return nil }
                required.append(set)
                filters.removeFirst()
            }
            var positive: Scorer
            if !required.isEmpty {
                let req = required.count == 1 ? required[0] : wrapped(ConjunctionScorer(required))
                positive = optional.isEmpty ? req : wrapped(RequiredOptionalScorer(required: req, optional: wrapped(combineOr(optional)!)))
            } else if !optional.isEmpty {
                positive = combineOr(optional)!
            } else {
                return nil
            }
            for filter in filters {
                positive = wrapped(ColumnFilterScorer(inner: positive, predicate: filter.predicate, clause: filter.clause))
            }
            var excluded: [Scorer] = []
            for clause in b.mustNot {
                if let scorer = try compile(clause, segment: s, boost: 1, termScorers: &termScorers) { excluded.append(scorer) }
            }
            return excluded.isEmpty ? positive : ExclusionScorer(required: positive, excluded: excluded)
        }
    }

    /// The scorer of a prefix in segment `s`: every document holding one of its expansions in a
    /// searched field, scored per field with BM25 as one term whose frequency is the sum of the
    /// expansions' frequencies and whose idf is the blended one (``PrefixStatistics``); the
    /// fields' scores add up, as a phrase's do.
    private mutating func prefixScorer(_ p: Query.Prefix, segment s: Int, boost: Float) throws(TrawlError) -> Scorer? {
        let segment = reader.segments[s]
        let count = segment.documentCount
        var words = [UInt64](repeating: 0, count: (count + 63) / 64)
        var scores: [Float] = []
        var parts: [PrefixScorer.Field] = []
        // Taken out of the plan while in use, so it is mutated in place.
        var frequencies: [UInt32] = []
        swap(&frequencies, &prefixFrequencies)
        if frequencies.count < count { frequencies = [UInt32](repeating: 0, count: count) }
        for field in fields(p.field) {
            let key = FieldTerm(field: field, term: p.prefix)
            guard let infos = expansions[key]?[s], !infos.isEmpty, let statistics = prefixStatistics[key] else { continue }
            var low = count, high = -1
            for info in infos {
                var cursor = try segment.cursor(field: field, info: info)
                words.withUnsafeMutableBufferPointer { bits in
                    frequencies.withUnsafeMutableBufferPointer { sums in
                        var doc = cursor.doc
                        while doc != PostingsCursor.noMoreDocs {
                            let d = Int(doc)
                            if d < count {
                                bits[d >> 6] |= UInt64(1) << UInt64(d & 63)
                                sums[d] &+= cursor.freq
                                if d < low { low = d }
                                if d > high { high = d }
                            }
                            doc = cursor.next()
                        }
                    }
                }
                try cursor.throwIfCorrupt()
            }
            guard low <= high else { continue }
            let idf = BM25.idf(documentFrequency: statistics.documentFrequency,
                               documentCount: reader.fieldStatistics[field]?.documentCount ?? 0)
            let termWeight = weight(field: field, idf: idf, boost: boost)
            let codes = segment.fieldsByName[field].flatMap { segment.fieldLengths.codes(field: $0.number) }
            if scores.isEmpty { scores = [Float](repeating: 0, count: ScoredBitmapScorer.storage(limit: count)) }
            scores.withUnsafeMutableBufferPointer { out in
                frequencies.withUnsafeMutableBufferPointer { sums in
                    for d in low...high where sums[d] != 0 {
                        out[d] += termWeight.score(freq: sums[d], lengthCode: codes?[d] ?? 1)
                        sums[d] = 0
                    }
                }
            }
            parts.append(PrefixScorer.Field(field: field, weight: termWeight, documentFrequency: statistics.documentFrequency,
                                            expansions: statistics.expansions, infos: infos))
        }
        prefixFrequencies = frequencies
        guard !parts.isEmpty else { return nil }
        let best = ScoredBitmapScorer.fillWindowMaxima(&scores, limit: count)
        return PrefixScorer(prefix: p.prefix, fields: parts, words: words, limit: count, scores: scores, maxScore: best)
    }

    /// The scorer of a fuzzy word in segment `s` (``FuzzyScorer``): every document holding one
    /// of its kept expansions in a searched field, scored per field as the sum over the
    /// expansions present of their similarity boost times their BM25 with the blended idf; the
    /// fields' scores add up, as a prefix's do.
    private mutating func fuzzyScorer(_ f: Query.Fuzzy, segment s: Int, boost: Float) throws(TrawlError) -> Scorer? {
        let segment = reader.segments[s]
        let count = segment.documentCount
        guard count > 0 else { return nil }
        var words: [UInt64] = []
        var scores: [Float] = []
        var parts: [FuzzyScorer.Field] = []
        var low = count, high = -1
        for field in fields(f.field) {
            guard let expansion = fuzzyExpansions[FuzzyKey(field: field, fuzzy: f)], !expansion.terms.isEmpty,
                  let terms = segment.dictionary.terms(forField: field) else { continue }
            let idf = BM25.idf(documentFrequency: expansion.documentFrequency,
                               documentCount: reader.fieldStatistics[field]?.documentCount ?? 0)
            let termWeight = weight(field: field, idf: idf, boost: boost)
            let codes = segment.fieldsByName[field].flatMap { segment.fieldLengths.codes(field: $0.number) }
            var infos: [TermPostingsInfo?] = []
            infos.reserveCapacity(expansion.terms.count)
            var any = false
            for term in expansion.terms {
                let ordinal = term.ordinals.count > s ? term.ordinals[s] : -1
                guard ordinal >= 0 else { infos.append(nil); continue }
                let info = try terms.info(ordinal: Int(ordinal))
                infos.append(info)
                if words.isEmpty {
                    words = [UInt64](repeating: 0, count: (count + 63) / 64)
                    scores = [Float](repeating: 0, count: ScoredBitmapScorer.storage(limit: count))
                }
                var cursor = try segment.cursor(field: field, info: info)
                let termBoost = term.boost
                words.withUnsafeMutableBufferPointer { bits in
                    scores.withUnsafeMutableBufferPointer { sums in
                        var doc = cursor.doc
                        while doc != PostingsCursor.noMoreDocs {
                            let d = Int(doc)
                            if d < count {
                                bits[d >> 6] |= UInt64(1) << UInt64(d & 63)
                                sums[d] += termBoost * termWeight.score(freq: cursor.freq, lengthCode: codes?[d] ?? 1)
                                if d < low { low = d }
                                if d > high { high = d }
                            }
                            doc = cursor.next()
                        }
                    }
                }
                try cursor.throwIfCorrupt()
                any = true
            }
            if any { parts.append(FuzzyScorer.Field(field: field, weight: termWeight, expansion: expansion, infos: infos)) }
        }
        guard !parts.isEmpty, low <= high else { return nil }
        let best = ScoredBitmapScorer.fillWindowMaxima(&scores, limit: count)
        return FuzzyScorer(label: "\(f.text)~\(f.maxEdits)", fields: parts, words: words, limit: count, scores: scores,
                           maxScore: best)
    }

    /// The test a filter clause makes on one segment's columns, or nil when no document of the
    /// segment can pass it (the field is absent there, or the range holds no integer).
    private func predicate(_ clause: Query, segment: SegmentReader) -> ColumnPredicate? {
        switch clause {
        case .dateRange(let range):
            let lower = range.lower ?? (Int64.min + 1), upper = range.upper ?? Int64.max
            if range.field == IndexSchema.dateField { return .date(segment.dates, lower: lower, upper: upper) }
            guard let column = segment.columns.numerics[range.field], column.isInteger else { return nil }
            return .integers(column, lower: lower, upper: upper)
        case .numberRange(let range):
            guard let column = segment.columns.numerics[range.field] else { return nil }
            guard column.isInteger else { return .doubles(column, range) }
            let (lower, upper) = ColumnPredicate.integerBounds(range)
            return lower <= upper ? .integers(column, lower: lower, upper: upper) : nil
        case .exists(let exists):
            let field = exists.field
            if field == IndexSchema.dateField { return .date(segment.dates, lower: Int64.min + 1, upper: Int64.max) }
            if let column = segment.columns.keywords[field] { return .hasKeyword(column) }
            if let column = segment.columns.numerics[field] {
                return column.isInteger ? .integers(column, lower: Int64.min + 1, upper: Int64.max)
                    : .doubles(column, Query.NumberRange(field: field, lower: nil, upper: nil))
            }
            if let meta = segment.fieldsByName[field], meta.hasPositions, let codes = segment.fieldLengths.codes(field: meta.number) {
                return .hasText(codes)
            }
            return nil
        default:
            return nil
        }
    }

    /// The documents of a segment that pass a test, as a constant-score (0) set.
    private func documentSet(_ predicate: ColumnPredicate, segment: SegmentReader) -> Scorer? {
        var words = [UInt64](repeating: 0, count: (segment.documentCount + 63) / 64)
        var any = false
        for doc in 0..<segment.documentCount where predicate.accepts(doc) {
            words[doc >> 6] |= UInt64(1) << UInt64(doc & 63)
            any = true
        }
        return any ? DocumentSetScorer(words: words, limit: segment.documentCount, score: 0) : nil
    }
}
