/// One completion of a partial query (``IndexReader/complete(_:limit:restricted:)``).
public struct Completion: Sendable, Hashable {
    /// The partial query with its last word replaced by the completed term.
    public var query: String
    /// The completed term (as indexed: folded and stemmed).
    public var term: String
    /// In how many documents the term occurs (in the larger of title and body), or, when the
    /// completion is restricted, how many documents match the words before it and hold the term.
    public var documentFrequency: Int

    /// Creates a completion.
    public init(query: String, term: String, documentFrequency: Int) {
        self.query = query
        self.term = term
        self.documentFrequency = documentFrequency
    }
}

extension IndexReader {
    /// The most frequent candidates considered when completions are restricted to the documents
    /// matching the earlier words.
    static let restrictedCandidates = 256

    /// Completes the last word of a partial query from the term dictionary: the terms of the
    /// default fields (title, body) that start with the folded last word, by document
    /// frequency (the larger of the two fields'; ties in byte order), at most `limit`.
    ///
    /// With `restricted`, only documents matching the words typed before the last one count
    /// (parsed leniently, joined with AND): each term's frequency is then the number of those
    /// documents that hold it, terms in none of them are dropped, and the candidates are the
    /// ``restrictedCandidates`` most frequent terms with the prefix.
    ///
    /// Cost: a binary search and a pass over the terms with the prefix in each segment's
    /// ``TermTable`` (built on first use); restricted, one pass over the earlier words' matches
    /// and the candidates' postings.
    public func complete(_ partial: String, limit: Int = 10, restricted: Bool = false) throws(SearchError) -> [Completion] {
        let wordStart = partial.lastIndex(where: { $0.isWhitespace }).map { partial.index(after: $0) } ?? partial.startIndex
        let head = String(partial[..<wordStart])
        let lastWord = String(partial[wordStart...])
        let hasEarlier = head.contains { !$0.isWhitespace }
        let prefix = analyzer.foldPrefix(lastWord)
        let prefixBytes = Array(prefix.utf8)
        // Language-tagged terms (``DocumentLanguage``) are no completions.
        guard !prefix.isEmpty, limit > 0, prefixBytes[0] != DocumentLanguage.tagByte else { return [] }
        var frequencies: [[UInt8]: Int] = [:]
        try SearchError.reading { () throws(TrawlError) in
            for field in [IndexSchema.titleField, IndexSchema.bodyField] where fieldStatistics[field] != nil {
                var perField: [[UInt8]: Int] = [:]
                for segment in segments {
                    guard let table = try segment.termTable(field: field) else { continue }
                    for i in table.range(withPrefix: prefixBytes) {
                        perField[table.term(i), default: 0] += Int(table.documentFrequencies[i])
                    }
                }
                for (term, df) in perField { frequencies[term] = max(frequencies[term] ?? 0, df) }
            }
        }
        var ranked = frequencies.map { (term: $0.key, df: $0.value) }
        ranked.sort { $0.df != $1.df ? $0.df > $1.df : $0.term.lexicographicallyPrecedes($1.term) }
        if restricted && hasEarlier {
            let parser = queryParser(defaultOperator: .and, lenient: true)
            let earlier = try SearchError.parse(head, with: parser)
            if earlier != .matchNone {
                ranked = try restrict(Array(ranked.prefix(IndexReader.restrictedCandidates)), to: earlier)
            }
        }
        return ranked.prefix(limit).map { entry in
            let term = String(decoding: entry.term, as: UTF8.self)
            return Completion(query: head + term, term: term, documentFrequency: entry.df)
        }
    }

    /// The candidates with their frequency among the documents matching `query`, those in none
    /// dropped, by that frequency.
    private func restrict(_ candidates: [(term: [UInt8], df: Int)], to query: Query) throws(SearchError) -> [(term: [UInt8], df: Int)] {
        var request = SearchRequest(query: query, limit: 0, countTotal: true)
        request.snippets = false
        request.loadStoredFields = false
        var counts = [Int](repeating: 0, count: candidates.count)
        for (s, segment) in segments.enumerated() {
            // The matching documents of this segment, as a bitmap.
            let matches = try matchingDocuments(request, segment: s)
            guard !matches.isEmpty else { continue }
            try SearchError.reading { () throws(TrawlError) in
                for (c, candidate) in candidates.enumerated() {
                    var seen = Set<UInt32>()
                    for field in [IndexSchema.titleField, IndexSchema.bodyField] {
                        guard let info = try segment.dictionary.terms(forField: field)?.lookup(candidate.term) else { continue }
                        var cursor = try segment.cursor(field: field, info: info)
                        var doc = cursor.doc
                        while doc != PostingsCursor.noMoreDocs {
                            let d = Int(doc)
                            if d < segment.documentCount && matches[d >> 6] & (UInt64(1) << UInt64(d & 63)) != 0 { seen.insert(doc) }
                            doc = cursor.next()
                        }
                        try cursor.throwIfCorrupt()
                    }
                    counts[c] += seen.count
                }
            }
        }
        var result: [(term: [UInt8], df: Int)] = []
        for (c, candidate) in candidates.enumerated() where counts[c] > 0 { result.append((candidate.term, counts[c])) }
        result.sort { $0.df != $1.df ? $0.df > $1.df : $0.term.lexicographicallyPrecedes($1.term) }
        return result
    }

    /// The live documents of segment `s` that `request`'s query matches, as a bitmap (empty
    /// when none).
    private func matchingDocuments(_ request: SearchRequest, segment s: Int) throws(SearchError) -> [UInt64] {
        var plan = try QueryPlan(reader: self, request: request)
        let segment = segments[s]
        return try SearchError.reading { () throws(TrawlError) -> [UInt64] in
            guard let root = try plan.scorer(segment: s) else { return [] }
            var words = [UInt64](repeating: 0, count: (segment.documentCount + 63) / 64)
            var doc = root.scorer.nextDoc()
            while doc != Scorer.noMoreDocs {
                if segment.isLive(doc) { words[doc >> 6] |= UInt64(1) << UInt64(doc & 63) }
                doc = root.scorer.nextDoc()
            }
            try root.throwIfCorrupt()
            return words
        }
    }
}
