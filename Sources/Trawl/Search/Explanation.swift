/// Why a document got its score: a tree of values with a sentence each, as Lucene's
/// `Explanation` (the root's value is the score; children show how it was computed).
public struct Explanation: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The value of this node.
    public var value: Float
    /// What the value is.
    public var summary: String
    /// How it was computed.
    public var details: [Explanation]

    /// Creates a node.
    public init(value: Float, summary: String, details: [Explanation] = []) {
        self.value = value
        self.summary = summary
        self.details = details
    }

    /// The tree, one node per line, children indented.
    public var description: String {
        var out = ""
        render(into: &out, indent: 0)
        return out
    }

    private func render(into out: inout String, indent: Int) {
        let formatted = value == value.rounded() && abs(value) < 1e6 ? String(Int(value)) : String(format4(value))
        out += String(repeating: "  ", count: indent) + "\(formatted) = \(summary)\n"
        for detail in details { detail.render(into: &out, indent: indent + 1) }
    }

    private func format4(_ v: Float) -> String {
        let scaled = (Double(v) * 10_000).rounded() / 10_000
        return String(scaled)
    }
}

extension IndexReader {
    /// Explains the score of the document with this id for a query, or returns nil when no
    /// such document exists. A document that does not match gets a 0 explanation saying so.
    /// The other options are ``SearchRequest``'s defaults; `proximity` is the term-proximity
    /// bonus (``SearchRequest/proximity``).
    ///
    /// - Throws: ``SearchError/query(_:)`` when a prefix expands past the limit;
    ///   ``SearchError/index(_:)`` when index data is damaged or cannot be read.
    public func explain(_ query: Query, id: String,
                        fieldWeights: [String: Double] = SearchRequest.defaultFieldWeights,
                        proximity: TermProximity? = SearchRequest.defaultProximity,
                        language: String? = nil,
                        freeTextStopWords: Bool = true) throws(SearchError) -> Explanation? {
        var request = SearchRequest(query: query, limit: 1)
        request.fieldWeights = fieldWeights
        request.proximity = proximity
        request.language = language
        request.freeTextStopWords = freeTextStopWords
        return try explain(request, id: id)
    }

    /// Explains the score the document with this id gets for a request's query, ranked as
    /// ``search(_:)`` ranks it (field weights, BM25 parameters, language, free-text stop words,
    /// term proximity; with ``SearchRequest/expansion``, the query is first expanded as the
    /// search expands it); nil when no such document exists. Paging, sorting, filters of the
    /// results and typo tolerance play no part.
    ///
    /// - Throws: ``SearchError/query(_:)`` when a prefix expands past the limit;
    ///   ``SearchError/index(_:)`` when index data is damaged or cannot be read.
    public func explain(_ request: SearchRequest, id: String) throws(SearchError) -> Explanation? {
        guard let number = try SearchError.reading({ () throws(TrawlError) in try documentNumber(id: id) }),
              let (s, local) = locate(number) else { return nil }
        let request = try expansionResolved(request)
        let query = request.query
        var plan = try QueryPlan(reader: self, request: request)
        return try SearchError.reading { () throws(TrawlError) -> Explanation? in
            guard let root = try plan.scorer(segment: s), root.scorer.advance(local) == local else {
                return Explanation(value: 0, summary: "no match: document \(id) does not match \(query)")
            }
            let segment = segments[s]
            let base = try ExplanationBuilder(plan: plan, segment: segment, doc: local).explain(root.scorer)
            guard let proximity = root.proximity else { return base }
            let bonus = proximity.bonus(doc: local)
            try root.throwIfCorrupt()
            guard bonus > 0 else { return base }
            let words = proximity.accumulators(doc: local).map { word in
                Explanation(value: word.cap * word.accumulator / (proximity.saturation + word.accumulator),
                            summary: "\(word.term): cap × acc′ / (k1 + acc′), cap = weight × idf = \(word.cap), acc′ = \(word.accumulator)")
            }
            return Explanation(value: base.value + bonus, summary: "sum of the word scores and the term-proximity bonus", details: [
                base,
                Explanation(value: bonus, summary: "term proximity: neighbouring occurrences of different query words within \(request.proximity?.window ?? 0) positions add idf(other) / distance² to each word's acc, weighted per field as BM25F (k1 = \(proximity.saturation))", details: words),
            ])
        }
    }

    /// Explains the score of the document with this id for a query string, parsed with the
    /// index's parser (``queryParser()``); nil when no such document exists.
    ///
    /// - Throws: ``SearchError/query(_:)`` for a bad query; ``SearchError/index(_:)`` when index
    ///   data is damaged or cannot be read.
    public func explain(_ query: String, id: String, defaultOperator: QueryParser.Operator = .and,
                        fieldWeights: [String: Double] = SearchRequest.defaultFieldWeights) throws(SearchError) -> Explanation? {
        try explain(try SearchError.parse(query, with: queryParser(defaultOperator: defaultOperator)), id: id,
                    fieldWeights: fieldWeights)
    }
}

/// Walks a scorer tree positioned on a document and describes each node.
struct ExplanationBuilder {
    let plan: QueryPlan
    let segment: SegmentReader
    let doc: Int

    /// A fuzzy word's score in one field: each expansion present scored with the blended idf and
    /// its similarity boost; nil when the document holds none of them there.
    private func explain(fuzzy label: String, _ part: FuzzyScorer.Field) throws(TrawlError) -> Explanation? {
        let w = part.weight
        let code = segment.fieldsByName[part.field].flatMap { segment.fieldLengths.codes(field: $0.number) }?[doc] ?? 1
        var details: [Explanation] = []
        var total: Float = 0
        for (term, info) in zip(part.expansion.terms, part.infos) {
            guard let info else { continue }
            var cursor = try segment.cursor(field: part.field, info: info)
            if cursor.advance(to: UInt32(doc)) == UInt32(doc) {
                let value = term.boost * w.score(freq: cursor.freq, lengthCode: code)
                total += value
                details.append(Explanation(value: value, summary: "\(term.string) (\(term.edits) \(term.edits == 1 ? "edit" : "edits"), boost \(term.boost) = 1 − edits / shorter length): boost × BM25, tf = \(cursor.freq)"))
            }
            try cursor.throwIfCorrupt()
        }
        guard !details.isEmpty else { return nil }
        details.append(Explanation(value: w.idf, summary: "blended idf, n = \(part.expansion.documentFrequency) documents, the largest document frequency among the \(part.expansion.terms.count) kept expansions (\(part.expansion.matched) within reach)"))
        details.append(Explanation(value: w.fieldWeight, summary: "field weight of \(part.field)"))
        details.append(Explanation(value: w.boost, summary: "query boost"))
        return Explanation(value: total, summary: "weight(\(part.field):\(label)), the expansions present, each boost × BM25 with the blended idf", details: details)
    }

    /// A prefix's BM25 in one field, its expansions taken as one term; nil when the document
    /// holds none of them there.
    private func explain(prefix: String, _ part: PrefixScorer.Field) throws(TrawlError) -> Explanation? {
        var tf: UInt32 = 0, present = 0
        for info in part.infos {
            var cursor = try segment.cursor(field: part.field, info: info)
            if cursor.advance(to: UInt32(doc)) == UInt32(doc) {
                tf &+= cursor.freq
                present += 1
            }
            try cursor.throwIfCorrupt()
        }
        guard tf > 0 else { return nil }
        let w = part.weight
        let code = segment.fieldsByName[part.field].flatMap { segment.fieldLengths.codes(field: $0.number) }?[doc] ?? 1
        return Explanation(value: w.score(freq: tf, lengthCode: code),
                           summary: "weight(\(part.field):\(prefix)*), BM25 with the prefix's expansions as one term (\(part.expansions) in the index): weight × tf / (tf + k1 · (1 − b + b · dl / avgdl))", details: [
            Explanation(value: w.idf, summary: "blended idf = ln(1 + (N − n + 0.5) / (n + 0.5)), n = \(part.documentFrequency) documents, the largest document frequency among the expansions"),
            Explanation(value: w.fieldWeight, summary: "field weight of \(part.field)"),
            Explanation(value: w.boost, summary: "query boost"),
            Explanation(value: Float(tf), summary: "tf, occurrences of the expansions in the field (\(present) distinct \(present == 1 ? "term" : "terms") here)"),
            Explanation(value: Float(length(part.field)), summary: "dl, field length (1-byte quantized)"),
            Explanation(value: w.averageLength, summary: "avgdl, average field length"),
            Explanation(value: plan.request.bm25.k1, summary: "k1"), Explanation(value: plan.request.bm25.b, summary: "b"),
        ])
    }

    private func length(_ field: String) -> Int {
        guard let number = segment.fieldsByName[field]?.number, let codes = segment.fieldLengths.codes(field: number) else { return 0 }
        return Int(FieldLengthCode.decode(codes[doc]))
    }

    func explain(_ scorer: Scorer) throws(TrawlError) -> Explanation {
        let score = scorer.score()
        switch scorer {
        case let term as TermScorer:
            let w = term.termWeight
            let tf = Float(term.termFrequency)
            let dl = length(term.field)
            return Explanation(value: score, summary: "weight(\(term.field):\(DocumentLanguage.display(term.term))), BM25: weight × tf / (tf + k1 · (1 − b + b · dl / avgdl))", details: [
                Explanation(value: w.idf, summary: "idf = ln(1 + (N − n + 0.5) / (n + 0.5)), n = \(term.documentFrequency) documents in this segment"),
                Explanation(value: w.fieldWeight, summary: "field weight of \(term.field)"),
                Explanation(value: w.boost, summary: "query boost"),
                Explanation(value: tf, summary: "tf, occurrences in the field"),
                Explanation(value: Float(dl), summary: "dl, field length (1-byte quantized)"),
                Explanation(value: w.averageLength, summary: "avgdl, average field length"),
                Explanation(value: plan.request.bm25.k1, summary: "k1"), Explanation(value: plan.request.bm25.b, summary: "b"),
            ])
        case let multi as MultiFieldTermScorer:
            var fields: [Explanation] = []
            for (i, detail) in multi.fieldDetails().enumerated() {
                let factorTable = multi.fieldFactors[multi.fields.firstIndex(of: detail.field) ?? i]
                let factor = factorTable[Int(detail.lengthCode)]
                fields.append(Explanation(value: Float(detail.freq) * factor,
                                          summary: "\(detail.field): w · tf / (1 − b + b · dl / avgdl)", details: [
                    Explanation(value: Float(detail.freq), summary: "tf in \(detail.field)"),
                    Explanation(value: Float(FieldLengthCode.decode(detail.lengthCode)), summary: "dl, length of \(detail.field)"),
                    Explanation(value: Float(plan.request.fieldWeights[detail.field] ?? 1), summary: "w, weight of \(detail.field)"),
                    Explanation(value: plan.reader.fieldStatistics[detail.field]?.averageLength ?? 1, summary: "avgdl of \(detail.field)"),
                ]))
            }
            let pseudo = multi.pseudoFrequency
            if multi.inverseDocumentFrequency == 0 {
                return Explanation(value: score, summary: "weight(\(DocumentLanguage.display(multi.term)) in \(multi.fields.joined(separator: ", "))), weight 0 (a free-text stop word, or a zero boost): matches, adds nothing", details: [
                    Explanation(value: pseudo, summary: "tf′ = Σ over fields", details: fields),
                ])
            }
            return Explanation(value: score, summary: "weight(\(DocumentLanguage.display(multi.term)) in \(multi.fields.joined(separator: ", "))), BM25F: idf × tf′ / (k1 + tf′)", details: [
                Explanation(value: multi.inverseDocumentFrequency, summary: "idf × boost, idf = ln(1 + (N − n + 0.5) / (n + 0.5)) with n the larger field document frequency"),
                Explanation(value: pseudo, summary: "tf′ = Σ over fields", details: fields),
                Explanation(value: plan.request.bm25.multiFieldK1, summary: "k1 of BM25F"),
            ])
        case let phrase as PhraseScorer:
            let w = phrase.termWeight
            return Explanation(value: score, summary: "phrase in \(phrase.field), BM25 of the phrase frequency", details: [
                Explanation(value: w.idf, summary: "idf, the sum of the words' idf"),
                Explanation(value: w.fieldWeight * w.boost, summary: "field weight × boost"),
                Explanation(value: phrase.phraseFrequency, summary: "phrase frequency (sloppy matches count 1 / (1 + distance))"),
                Explanation(value: Float(length(phrase.field)), summary: "dl, field length"),
                Explanation(value: w.averageLength, summary: "avgdl"),
            ])
        case let disjunction as DisjunctionScorer:
            let matching = disjunction.children.indices.filter(disjunction.childMatches).map { disjunction.children[$0] }
            return Explanation(value: score, summary: "sum of the matching clauses", details: try matching.map { (child) throws(TrawlError) in try explain(child) })
        case let conjunction as ConjunctionScorer:
            return Explanation(value: score, summary: "sum of the required clauses", details: try conjunction.children.map { (child) throws(TrawlError) in try explain(child) })
        case let required as RequiredOptionalScorer:
            var details = [try explain(required.required)]
            if required.optional.doc == doc { details.append(try explain(required.optional)) }
            return Explanation(value: score, summary: "required clauses plus matching optional ones", details: details)
        case let exclusion as ExclusionScorer:
            return Explanation(value: score, summary: "matches no excluded clause", details: [try explain(exclusion.required)])
        case let boost as BoostScorer:
            return Explanation(value: score, summary: "boost × \(boost.factor)", details: [try explain(boost.inner)])
        case let filter as ColumnFilterScorer:
            return Explanation(value: score, summary: "\(filter.clause) (a filter: adds nothing)", details: [try explain(filter.inner)])
        case let prefix as PrefixScorer:
            var fields: [Explanation] = []
            for part in prefix.fields {
                if let field = try explain(prefix: prefix.prefix, part) { fields.append(field) }
            }
            if fields.count == 1 { return fields[0] }
            return Explanation(value: score, summary: "\(prefix.prefix)*: sum of the fields holding an expansion", details: fields)
        case let fuzzy as FuzzyScorer:
            var fields: [Explanation] = []
            for part in fuzzy.fields {
                if let field = try explain(fuzzy: fuzzy.label, part) { fields.append(field) }
            }
            if fields.count == 1 { return fields[0] }
            return Explanation(value: score, summary: "\(fuzzy.label): sum of the fields holding an expansion", details: fields)
        default:
            return Explanation(value: score, summary: "constant score (a filter clause or all documents)")
        }
    }
}
