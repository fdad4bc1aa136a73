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
    /// Cost: a binary search and one pass over the frequencies of the terms with the prefix in
    /// each segment's ``TermTable`` (built on first use), keeping only the best `limit` per field
    /// (no allocation per term); restricted, one pass over the earlier words' matches and the
    /// candidates' postings.
    public func complete(_ partial: String, limit: Int = 10, restricted: Bool = false) throws(SearchError) -> [Completion] {
        let wordStart = partial.lastIndex(where: { $0.isWhitespace }).map { partial.index(after: $0) } ?? partial.startIndex
        let head = String(partial[..<wordStart])
        let lastWord = String(partial[wordStart...])
        let hasEarlier = head.contains { !$0.isWhitespace }
        let prefix = analyzer.foldPrefix(lastWord)
        let prefixBytes = Array(prefix.utf8)
        // Language-tagged terms (``DocumentLanguage``) are no completions.
        guard !prefix.isEmpty, limit > 0, prefixBytes[0] != DocumentLanguage.tagByte else { return [] }
        // Ranked by the larger of the two fields' frequencies. The top `k` of that ranking lie
        // in the union of each field's own top `k`: a term whose larger frequency is its body
        // frequency has fewer than `k` terms above it by body frequency, since each of those
        // ranks above it overall too. So each field keeps only its top `k`, and the union's
        // members look up their frequency in the other field.
        let wanted = restricted && hasEarlier ? max(limit, IndexReader.restrictedCandidates) : limit
        let fields = [IndexSchema.titleField, IndexSchema.bodyField].filter { fieldStatistics[$0] != nil }
        // `bound`: the sum of the fields' frequencies, which bounds a restricted count (the
        // documents holding the term in either field).
        var ranked: [(term: [UInt8], df: Int, bound: Int)] = []
        try SearchError.reading { () throws(TrawlError) in
            var tablesByField: [[TermTable]] = []
            for field in fields {
                var tables: [TermTable] = []
                for segment in segments {
                    if let table = try segment.termTable(field: field) { tables.append(table) }
                }
                tablesByField.append(tables)
            }
            var candidates: [[UInt8]] = []
            var seen = Set<[UInt8]>()
            for tables in tablesByField {
                for term in PrefixTopTerms.top(wanted, withPrefix: prefixBytes, in: tables) where seen.insert(term).inserted {
                    candidates.append(term)
                }
            }
            for term in candidates {
                var best = 0, sum = 0
                for tables in tablesByField {
                    var df = 0
                    for table in tables {
                        if let i = table.ordinal(of: term) { df += Int(table.documentFrequencies[i]) }
                    }
                    best = max(best, df)
                    sum += df
                }
                ranked.append((term, best, sum))
            }
        }
        ranked.sort { $0.df != $1.df ? $0.df > $1.df : $0.term.lexicographicallyPrecedes($1.term) }
        if restricted && hasEarlier {
            let parser = queryParser(defaultOperator: .and, lenient: true)
            let earlier = try SearchError.parse(head, with: parser)
            if earlier != .matchNone {
                ranked = try restrict(Array(ranked.prefix(IndexReader.restrictedCandidates)), to: earlier, limit: limit)
            }
        }
        return ranked.prefix(limit).map { entry in
            let term = String(decoding: entry.term, as: UTF8.self)
            return Completion(query: head + term, term: term, documentFrequency: entry.df)
        }
    }

    /// The best `limit` candidates by their frequency among the documents matching `query`
    /// (those in none dropped), ties in byte order.
    ///
    /// A candidate's restricted frequency is at most `bound` (its frequencies in title and body
    /// added), so the walk, by `bound`, stops at the first candidate whose bound is below the
    /// `limit`-th best count so far. A candidate's postings are scanned against the matches'
    /// bitmap, or, when the matches are much fewer than its postings, the matches leapfrog
    /// through its postings with skips.
    private func restrict(_ candidates: [(term: [UInt8], df: Int, bound: Int)], to query: Query, limit: Int) throws(SearchError) -> [(term: [UInt8], df: Int, bound: Int)] {
        let candidates = candidates.sorted { $0.bound > $1.bound }
        var request = SearchRequest(query: query, limit: 0, countTotal: true)
        request.snippets = false
        request.loadStoredFields = false
        // Per segment: the matching documents as a bitmap and as a list.
        var matches: [(bitmap: [UInt64], documents: [UInt32])] = []
        for s in segments.indices {
            let bitmap = try matchingDocuments(request, segment: s)
            var documents: [UInt32] = []
            for (w, word) in bitmap.enumerated() where word != 0 {
                var bits = word
                while bits != 0 {
                    documents.append(UInt32(w << 6 + bits.trailingZeroBitCount))
                    bits &= bits - 1
                }
            }
            matches.append((bitmap, documents))
        }
        var best: [(term: [UInt8], df: Int, bound: Int)] = []
        try SearchError.reading { () throws(TrawlError) in
            var counted: [UInt64] = []
            for candidate in candidates {
                if best.count >= limit, candidate.bound < best[limit - 1].df { break }
                var count = 0
                for (s, segment) in segments.enumerated() where !matches[s].documents.isEmpty {
                    let (bitmap, documents) = matches[s]
                    // Documents already counted for this candidate (title or body), cleared after.
                    if counted.count < bitmap.count { counted = [UInt64](repeating: 0, count: bitmap.count) }
                    for field in [IndexSchema.titleField, IndexSchema.bodyField] {
                        guard let info = try segment.dictionary.terms(forField: field)?.lookup(candidate.term) else { continue }
                        var cursor = try segment.cursor(field: field, info: info)
                        if documents.count * 8 < Int(info.docFreq) {
                            for target in documents {
                                let doc = cursor.advance(to: target)
                                if doc == PostingsCursor.noMoreDocs { break }
                                if doc == target, counted[Int(doc) >> 6] & (UInt64(1) << UInt64(doc & 63)) == 0 {
                                    counted[Int(doc) >> 6] |= UInt64(1) << UInt64(doc & 63)
                                    count += 1
                                }
                            }
                        } else {
                            var doc = cursor.doc
                            while doc != PostingsCursor.noMoreDocs {
                                let d = Int(doc)
                                let bit = UInt64(1) << UInt64(d & 63)
                                if d < segment.documentCount && bitmap[d >> 6] & bit != 0 && counted[d >> 6] & bit == 0 {
                                    counted[d >> 6] |= bit
                                    count += 1
                                }
                                doc = cursor.next()
                            }
                        }
                        try cursor.throwIfCorrupt()
                    }
                    for doc in documents where counted[Int(doc) >> 6] != 0 { counted[Int(doc) >> 6] = 0 }
                }
                guard count > 0 else { continue }
                // Kept most frequent first; whatever falls below the `limit`-th count no longer
                // matters, and equal counts are settled by bytes in the final sort.
                if best.count >= limit, count < best[limit - 1].df { continue }
                var at = best.count
                while at > 0, best[at - 1].df < count { at -= 1 }
                best.insert((candidate.term, count, candidate.bound), at: at)
            }
        }
        best.sort { $0.df != $1.df ? $0.df > $1.df : $0.term.lexicographicallyPrecedes($1.term) }
        return Array(best.prefix(limit))
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

/// The most frequent terms with a prefix across the segments of one field, without
/// materializing the others.
enum PrefixTopTerms {
    /// The `k` terms starting with `prefix` with the largest document frequency summed over
    /// `tables` (one per segment), ties in byte order, most frequent first.
    ///
    /// One table: a pass over its frequencies. Several: a merge of the tables' prefix ranges in
    /// term order, summing the frequencies of equal terms. Either way a term is copied out only
    /// when it enters the best `k`.
    static func top(_ k: Int, withPrefix prefix: [UInt8], in tables: [TermTable]) -> [[UInt8]] {
        guard k > 0 else { return [] }
        var best = BoundedBest(capacity: k)
        let ranges = tables.map { $0.range(withPrefix: prefix) }
        let live = (0..<tables.count).filter { !ranges[$0].isEmpty }
        if live.count == 1 {
            let table = tables[live[0]]
            table.documentFrequencies.withUnsafeBufferPointer { frequencies in
                for i in ranges[live[0]] {
                    let df = Int(frequencies[i])
                    if best.admits(df) { best.insert(df: df, term: table.term(i)) }
                }
            }
            return best.terms
        }
        // A merge in term order: `position[t]` is table t's next term.
        var position = live.map { ranges[$0].lowerBound }
        let end = live.map { ranges[$0].upperBound }
        while true {
            var smallest = -1
            for j in 0..<live.count where position[j] < end[j] {
                if smallest < 0 || compareTerms(tables[live[j]], position[j], tables[live[smallest]], position[smallest]) < 0 {
                    smallest = j
                }
            }
            guard smallest >= 0 else { break }
            let smallestTable = tables[live[smallest]]
            let smallestOrdinal = position[smallest]
            var df = 0
            for j in 0..<live.count where position[j] < end[j] {
                if j == smallest || compareTerms(tables[live[j]], position[j], smallestTable, smallestOrdinal) == 0 {
                    df += Int(tables[live[j]].documentFrequencies[position[j]])
                    if j != smallest { position[j] += 1 }
                }
            }
            if best.admits(df) { best.insert(df: df, term: smallestTable.term(smallestOrdinal)) }
            position[smallest] += 1
        }
        return best.terms
    }

    /// Term `i` of `a` against term `j` of `b`, in unsigned byte order.
    private static func compareTerms(_ a: TermTable, _ i: Int, _ b: TermTable, _ j: Int) -> Int {
        b.bytes.withUnsafeBytes { bAll in
            a.compare(i, UnsafeRawBufferPointer(rebasing: bAll[Int(b.starts[j])..<Int(b.starts[j + 1])]))
        }
    }

    /// The best `capacity` terms offered in byte order, by frequency: a later term needs a
    /// strictly larger frequency to displace one, which keeps ties in byte order.
    private struct BoundedBest {
        let capacity: Int
        /// Most frequent first.
        var entries: [(df: Int, term: [UInt8])] = []

        init(capacity: Int) {
            self.capacity = capacity
            entries.reserveCapacity(capacity + 1)
        }

        func admits(_ df: Int) -> Bool {
            df > 0 && (entries.count < capacity || df > entries[entries.count - 1].df)
        }

        mutating func insert(df: Int, term: [UInt8]) {
            // After every entry with a frequency at least `df` (earlier in byte order on ties).
            var low = 0, high = entries.count
            while low < high {
                let mid = (low + high) >> 1
                if entries[mid].df >= df { low = mid + 1 } else { high = mid }
            }
            entries.insert((df, term), at: low)
            if entries.count > capacity { entries.removeLast() }
        }

        var terms: [[UInt8]] { entries.map(\.term) }
    }
}
