// Shared by the tests and the SearchExecutorFuzz libFuzzer target (Fuzz/build.sh compiles this
// file into it): no test framework here.
import Foundation
@testable import Trawl

/// A brute-force search over analyzed documents: every document is scanned for every query.
/// It shares nothing with the engine but the analyzer, the query tree and the BM25 formula.
///
/// Statistics (document frequencies, field document counts, average lengths) are taken over
/// every document physically in the index, deleted ones included, as the engine's (and
/// Lucene's) are until a merge drops them; only live documents match.
struct BruteForceSearch {
    struct AnalyzedText {
        var positions: [String: [Int]] = [:]
        var length = 0
    }

    struct Doc {
        var id: String
        var date: Int64?
        /// Analyzed text per field: title, body and every extra text field the document has.
        var fields: [String: AnalyzedText]
        /// Keyword and bool values per field, case-folded.
        var keywords: [String: Set<String>] = [:]
        /// Numbers per field.
        var numbers: [String: Double] = [:]
        /// Dates (seconds) per metadata date field.
        var dates: [String: Int64] = [:]
        /// Whether the document is live (deleted documents only count in the statistics).
        var live: Bool
    }

    /// One match: the document's number (its place in ``docs``: index order) and its score.
    struct Match {
        var number: Int
        var id: String
        var score: Double
    }

    let docs: [Doc]
    let documentFrequency: [String: [String: Int]]
    let fieldDocs: [String: Int]
    let averageLength: [String: Double]
    /// Per field: every term with its document frequency, in byte order (for prefixes).
    let termsByField: [String: [(term: [UInt8], documentFrequency: Int)]]
    /// The engine's default field weights (its requests leave them as they are).
    let weights: [String: Double] = SearchRequest.defaultFieldWeights
    /// The terms of the free-text stop list under the analyzer (``SearchRequest/freeTextStopWords``).
    let stopTerms: Set<String>
    /// Whether the stop words of a free-text query match without scoring, as the engine's
    /// requests ask (``SearchRequest/freeTextStopWords``, on by default).
    var freeTextStopWords = true
    /// The fields holding keyword or bool values.
    let keywordFields: Set<String>
    static let defaultFields = ["title", "body"]

    /// A reference over live documents.
    init(_ documents: [Document], analyzer: Analyzer) {
        self.init(physical: documents.map { ($0, true) }, analyzer: analyzer)
    }

    /// A reference over the documents an index holds, in index order, live or deleted.
    init(physical: [(document: Document, live: Bool)], analyzer: Analyzer) {
        var stopTerms = Set<String>()
        if analyzer.configuration.stemmer == .english || analyzer.configuration.stemmer == .none
            || analyzer.configuration.stemmer == .porter {
            for word in FreeTextStopWords.words {
                for token in analyzer.analyze(word) { stopTerms.insert(token.term) }
            }
        }
        self.stopTerms = stopTerms
        var docs: [Doc] = []
        var df: [String: [String: Int]] = [:]
        var fieldDocs: [String: Int] = [:]
        var totals: [String: Int] = [:]
        // The index's typing of metadata (first value seen decides a field's type), replayed.
        var schema = FieldSchema()
        var typed: [(keywords: [String: Set<String>], numbers: [String: Double], dates: [String: Int64])] = []
        for (document, live) in physical {
            var texts: [String: AnalyzedText] = [:]
            var sources = [("title", document.title), ("body", document.body)]
            var warnings: [FieldWarning] = []
            let metadata = schema.resolve(document, warnings: &warnings)
            for (name, value) in metadata.text { sources.append((name, value)) }
            var keywords: [String: Set<String>] = [:], numbers: [String: Double] = [:], dates: [String: Int64] = [:]
            for keyword in metadata.keywords { keywords[keyword.name] = Set(keyword.values.map { QueryFolding.fold($0, accents: false) }) }
            for value in metadata.integers {
                if value.type == .date { dates[value.name] = value.value } else { numbers[value.name] = Double(value.value) }
            }
            for value in metadata.doubles { numbers[value.name] = value.value }
            typed.append((keywords, numbers, dates))
            _ = live
            for (field, text) in sources {
                var result = AnalyzedText()
                for token in analyzer.analyze(text) {
                    result.positions[token.term, default: []].append(token.position)
                    result.length += 1
                }
                for term in result.positions.keys { df[field, default: [:]][term, default: 0] += 1 }
                if result.length > 0 { fieldDocs[field, default: 0] += 1 }
                totals[field, default: 0] += result.length
                texts[field] = result
            }
            let values = typed[typed.count - 1]
            docs.append(Doc(id: document.id, date: document.date?.secondsSinceEpoch, fields: texts,
                            keywords: values.keywords, numbers: values.numbers, dates: values.dates, live: live))
        }
        self.docs = docs
        keywordFields = Set(docs.flatMap(\.keywords.keys))
        documentFrequency = df
        self.fieldDocs = fieldDocs
        termsByField = df.mapValues { terms in
            terms.map { (Array($0.key.utf8), $0.value) }.sorted { $0.term.lexicographicallyPrecedes($1.term) }
        }
        averageLength = totals.mapValues { Double($0) }.merging(fieldDocs.mapValues { Double(max(1, $0)) }) { $0 / $1 }
    }

    func text(_ doc: Doc, _ field: String) -> AnalyzedText { doc.fields[field] ?? AnalyzedText() }

    func weight(_ field: String) -> Double { weights[field] ?? 1 }

    func average(_ field: String) -> Double {
        let value = averageLength[field] ?? 1
        return value > 0 ? value : 1
    }

    /// The field length as the index keeps it (1-byte quantized).
    func quantized(_ length: Int) -> Double { Double(FieldLengthCode.decode(FieldLengthCode.encode(UInt32(length)))) }

    /// BM25 of one (pseudo-)term frequency in a field, with the index's 1-byte length quantization.
    func bm25(_ field: String, idf: Double, tf: Double, length: Int) -> Double {
        let k1 = 1.2, b = 0.75
        return weight(field) * idf * tf / (tf + k1 * (1 - b + b * quantized(length) / average(field)))
    }

    func idf(_ field: String, _ term: String) -> Double {
        let n = Double(documentFrequency[field]?[term] ?? 0), total = Double(max(1, fieldDocs[field] ?? 0))
        return log(1 + (total - n + 0.5) / (n + 0.5))
    }

    /// The idf of a prefix's expansions in a field taken as one term: from the largest document
    /// frequency among the field's terms that start with the prefix (bytewise).
    /// The optimal-string-alignment distance of two scalar strings (insertion, deletion,
    /// substitution, transposition of neighbours), or `limit + 1` as soon as it must exceed
    /// `limit`: the plain dynamic programme, one full table, with a cut-off per row.
    static func osaDistance(_ a: [UInt32], _ b: [UInt32], limit: Int) -> Int {
        let scratch = UnsafeMutablePointer<Int>.allocate(capacity: (a.count + 1) * (b.count + 1))
        defer { scratch.deallocate() }
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in osaDistance(x, y, limit: limit, scratch: scratch) }
        }
    }

    /// ``osaDistance(_:_:limit:)`` over raw buffers, with a table of at least
    /// `(a.count + 1) × (b.count + 1)` cells supplied by the caller (no allocation; plain
    /// pointer arithmetic and comparisons, which stay cheap in a debug build).
    static func osaDistance(_ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>, limit: Int,
                            scratch d: UnsafeMutablePointer<Int>) -> Int {
        let n = a.count, m = b.count
        if n - m > limit || m - n > limit { return limit + 1 }
        if n == 0 || m == 0 { return n > m ? (n > limit ? limit + 1 : n) : (m > limit ? limit + 1 : m) }
        let x = a.baseAddress!, y = b.baseAddress!
        let width = m + 1
        var j = 0
        while j <= m { d[j] = j; j += 1 }
        var i = 1
        while i <= n {
            let row = d + i * width, above = row - width
            row[0] = i
            var rowMin = i
            let c = x[i - 1]
            j = 1
            while j <= m {
                var v = above[j] + 1
                let left = row[j - 1] + 1
                if left < v { v = left }
                let diagonal = above[j - 1] + (c == y[j - 1] ? 0 : 1)
                if diagonal < v { v = diagonal }
                if i > 1 && j > 1 && c == y[j - 2] && x[i - 2] == y[j - 1] {
                    let t = (above - width)[j - 2] + 1
                    if t < v { v = t }
                }
                row[j] = v
                if v < rowMin { rowMin = v }
                j += 1
            }
            if rowMin > limit { return limit + 1 }
            i += 1
        }
        let result = d[n * width + m]
        return result > limit ? limit + 1 : result
    }

    /// A fuzzy word's kept expansions in a field by brute force: every term of the field within
    /// the distance (keeping the unchanged prefix), ordered by edits, then document frequency
    /// (higher first), then bytes, the first `maxExpansions` kept; with each its edits.
    func fuzzyExpansions(_ field: String, _ f: Query.Fuzzy) -> [(term: String, edits: Int)] {
        let word = Array(f.term.unicodeScalars.map(\.value))
        let fixed = min(f.prefixLength, word.count)
        let head = Array(word[0..<fixed]), tail = Array(word[fixed...])
        var found: [(term: [UInt8], edits: Int, df: Int)] = []
        for entry in termsByField[field] ?? [] {
            let scalars = Array(String(decoding: entry.term, as: UTF8.self).unicodeScalars.map(\.value))
            guard scalars.count >= fixed, Array(scalars[0..<fixed]) == head else { continue }
            let d = Self.osaDistance(Array(scalars[fixed...]), tail, limit: f.maxEdits)
            if d <= f.maxEdits { found.append((entry.term, d, entry.documentFrequency)) }
        }
        found.sort { a, b in
            a.edits != b.edits ? a.edits < b.edits
                : a.df != b.df ? a.df > b.df : a.term.lexicographicallyPrecedes(b.term)
        }
        return found.prefix(f.maxExpansions).map { (String(decoding: $0.term, as: UTF8.self), $0.edits) }
    }

    func blendedIDF(_ field: String, prefix: String) -> Double {
        let terms = termsByField[field] ?? []
        let bytes = Array(prefix.utf8)
        var low = 0, high = terms.count
        while low < high {
            let middle = (low + high) / 2
            if terms[middle].term.lexicographicallyPrecedes(bytes) { low = middle + 1 } else { high = middle }
        }
        var n = 0
        while low < terms.count, terms[low].term.starts(with: bytes) {
            n = max(n, terms[low].documentFrequency)
            low += 1
        }
        let total = Double(max(1, fieldDocs[field] ?? 0))
        return log(1 + (total - Double(n) + 0.5) / (Double(n) + 0.5))
    }

    /// The fields a leaf searches: its own, or the default ones the index has.
    /// Whether some document has keyword (or bool) values in `field`.
    func docsHaveKeywordField(_ field: String) -> Bool {
        keywordFields.contains(field)
    }

    func fields(_ field: String?) -> [String] {
        if let field { return [field] }
        return Self.defaultFields.filter { fieldDocs[$0] != nil }
    }

    /// Phrase frequency by the same definition as the engine: exact occurrences, or with a slop
    /// the sum of 1/(1+span) over the minimal windows found by sweeping normalized positions.
    func phraseFrequency(_ text: AnalyzedText, _ terms: [Query.PhraseTerm], slop: Int) -> Double {
        let lists = terms.map { text.positions[$0.term] ?? [] }
        if lists.contains(where: \.isEmpty) { return 0 }
        if slop == 0 {
            let sets = lists.map(Set.init)
            return Double(lists[0].filter { p in
                terms.indices.allSatisfy { sets[$0].contains(p - terms[0].position + terms[$0].position) }
            }.count)
        }
        var at = [Int](repeating: 0, count: terms.count)
        var frequency = 0.0
        while true {
            var low = Int.max, high = Int.min, lowIndex = 0
            for i in terms.indices {
                let q = lists[i][at[i]] - terms[i].position
                if q < low { low = q; lowIndex = i }
                high = max(high, q)
            }
            if high - low <= slop { frequency += 1 / Double(1 + high - low) }
            at[lowIndex] += 1
            if at[lowIndex] == lists[lowIndex].count { break }
        }
        return frequency
    }

    /// The score of a document for a query, or nil when it does not match.
    func evaluate(_ query: Query, _ doc: Doc, boost: Double = 1) -> Double? {
        switch query {
        case .term(let t) where t.field.map({ docsHaveKeywordField($0) }) ?? false:
            // Keyword and bool fields: whole values, a filter that adds nothing.
            return doc.keywords[t.field!]?.contains(t.term) == true ? 0 : nil
        case .prefix(let p) where p.field.map({ docsHaveKeywordField($0) }) ?? false:
            return doc.keywords[p.field!]?.contains { $0.hasPrefix(p.prefix) } == true ? 0 : nil
        case .numberRange(let range):
            guard let value = doc.numbers[range.field], range.contains(value) else { return nil }
            return 0
        case .exists(let e):
            let has = e.field == "date" ? doc.date != nil
                : doc.keywords[e.field] != nil || doc.numbers[e.field] != nil || doc.dates[e.field] != nil
                    || (doc.fields[e.field]?.length ?? 0) > 0
            return has ? 0 : nil
        case .term(let t) where t.field == nil:
            // BM25F over title and body: weighted, length-normalized frequencies summed, then saturated.
            var pseudo = 0.0, matched = false
            var df = 0, n = 0
            for field in fields(nil) {
                df = max(df, documentFrequency[field]?[t.term] ?? 0)
                n = max(n, fieldDocs[field] ?? 0)
                guard let list = text(doc, field).positions[t.term] else { continue }
                matched = true
                let dl = quantized(text(doc, field).length)
                pseudo += weight(field) * Double(list.count) / (1 - 0.75 + 0.75 * dl / average(field))
            }
            guard matched else { return nil }
            let idf = log(1 + (Double(max(n, 1)) - Double(df) + 0.5) / (Double(df) + 0.5))
            return boost * idf * pseudo / (2.0 + pseudo)
        case .term(let t):
            var score = 0.0, matched = false
            for field in fields(t.field) {
                guard let list = text(doc, field).positions[t.term] else { continue }
                matched = true
                score += boost * bm25(field, idf: idf(field, t.term), tf: Double(list.count), length: text(doc, field).length)
            }
            return matched ? score : nil
        case .phrase(let p):
            var score = 0.0, matched = false
            for field in fields(p.field) {
                let frequency = phraseFrequency(text(doc, field), p.terms, slop: p.slop)
                guard frequency > 0 else { continue }
                matched = true
                let idfSum = p.terms.reduce(0) { $0 + idf(field, $1.term) }
                score += boost * bm25(field, idf: idfSum, tf: frequency, length: text(doc, field).length)
            }
            return matched ? score : nil
        case .prefix(let p):
            // Per field, the expansions as one term: the sum of their occurrences, the blended
            // idf; the fields' scores add up.
            var score = 0.0, matched = false
            let bytes = Array(p.prefix.utf8)
            for field in fields(p.field) {
                let analyzed = text(doc, field)
                let tf = analyzed.positions.reduce(0) { $0 + (Array($1.key.utf8).starts(with: bytes) ? $1.value.count : 0) }
                guard tf > 0 else { continue }
                matched = true
                score += boost * bm25(field, idf: blendedIDF(field, prefix: p.prefix), tf: Double(tf), length: analyzed.length)
            }
            return matched ? score : nil
        case .fuzzy(let f):
            // Per field: the kept expansions present, each its similarity boost
            // (1 − edits / shorter length, at least 0.05) × BM25 with the blended idf (the
            // largest document frequency among the kept expansions); the fields add up.
            var score = 0.0, matched = false
            let wordLength = f.term.unicodeScalars.count
            for field in fields(f.field) {
                let expansions = fuzzyExpansions(field, f)
                let analyzed = text(doc, field)
                var blended = 0
                for e in expansions { blended = max(blended, documentFrequency[field]?[e.term] ?? 0) }
                let n = Double(fieldDocs[field] ?? 0)
                let idf = log(1 + (n - Double(blended) + 0.5) / (Double(blended) + 0.5))
                for e in expansions {
                    guard let list = analyzed.positions[e.term] else { continue }
                    matched = true
                    let shorter = max(1, min(wordLength, e.term.unicodeScalars.count))
                    let similarity = e.edits == 0 ? 1 : max(0.05, 1 - Double(e.edits) / Double(shorter))
                    score += boost * similarity * bm25(field, idf: idf, tf: Double(list.count), length: analyzed.length)
                }
            }
            return matched ? score : nil
        case .dateRange(let range):
            guard let date = range.field == "date" ? doc.date : doc.dates[range.field], range.contains(date) else { return nil }
            return 0
        case .matchAll:
            return boost
        case .matchNone:
            return nil
        case .boost(let inner, let factor):
            return evaluate(inner, doc, boost: boost * factor)
        case .boolean(let b):
            var score = 0.0
            for clause in b.must {
                guard let s = evaluate(clause, doc, boost: boost) else { return nil }
                score += s
            }
            var anyShould = false
            for clause in b.should {
                if let s = evaluate(clause, doc, boost: boost) { score += s; anyShould = true }
            }
            if b.must.isEmpty && !b.should.isEmpty && !anyShould { return nil }
            for clause in b.mustNot where evaluate(clause, doc, boost: 1) != nil { return nil }
            return score
        }
    }

    /// The term-proximity bonus the engine's requests ask for (``SearchRequest/proximity``,
    /// the request's default unless a test sets it).
    var proximity: TermProximity? = SearchRequest.defaultProximity

    /// The term-proximity bonus of a document (``TermProximity``), recomputed from the analyzed
    /// text: per field, every pair of occurrences of different query words within the window
    /// adds idf(other) / d² to each word; per word the fields'
    /// sums are weighted and normalized as BM25F, then saturated with k1 = 1.2 and scaled by
    /// weight × idf.
    func proximityBonus(_ query: Query, _ doc: Doc) -> Double {
        guard let proximity, proximity.weight > 0, case .boolean(let b) = query,
              let words = QueryPlan.proximityWords(query) else { return 0 }
        // Each word's idf × boost, from its first clause (the engine's first scorer of the word).
        var idfs: [Double] = []
        for word in words {
            var boost = 1.0
            for clause in b.must + b.should {
                if case .term(let t) = clause, t.term == word { boost = 1; break }
                if case .boost(.term(let t), let factor) = clause, t.term == word { boost = factor; break }
            }
            var df = 0, n = 0
            for field in fields(nil) {
                df = max(df, documentFrequency[field]?[word] ?? 0)
                n = max(n, fieldDocs[field] ?? 0)
            }
            idfs.append(boost * log(1 + (Double(max(n, 1)) - Double(df) + 0.5) / (Double(df) + 0.5)))
        }
        let present = words.filter { word in fields(nil).contains { text(doc, $0).positions[word] != nil } }.count
        guard present >= 2 else { return 0 }
        var totals = [Double](repeating: 0, count: words.count)
        for field in fields(nil) {
            let analyzed = text(doc, field)
            var occurrences: [(position: Int, word: Int)] = []
            for (w, word) in words.enumerated() {
                for position in analyzed.positions[word] ?? [] { occurrences.append((position, w)) }
            }
            occurrences.sort { $0.position < $1.position || ($0.position == $1.position && $0.word < $1.word) }
            var accumulators = [Double](repeating: 0, count: words.count)
            for (i, a) in occurrences.enumerated() {
                for b in occurrences[(i + 1)...] where a.word != b.word {
                    let d = b.position - a.position
                    guard d >= 1, d <= proximity.window else { continue }
                    accumulators[a.word] += idfs[b.word] / Double(d * d)
                    accumulators[b.word] += idfs[a.word] / Double(d * d)
                }
            }
            let factor = weight(field) / (1 - 0.75 + 0.75 * quantized(analyzed.length) / average(field))
            for w in words.indices { totals[w] += factor * accumulators[w] }
        }
        var bonus = 0.0
        for w in words.indices where totals[w] > 0 {
            bonus += Double(proximity.weight) * idfs[w] * totals[w] / (1.2 + totals[w])
        }
        return bonus
    }

    /// `query` as the free-text stop words leave it: in an OR of plain words of the default
    /// fields (some boosted), the stop words get boost 0 when another word is not one.
    func withoutStopWordScores(_ query: Query) -> Query {
        guard freeTextStopWords, case .boolean(let b) = query, b.must.isEmpty, b.mustNot.isEmpty else { return query }
        func word(_ clause: Query) -> Query.Term? {
            switch clause {
            case .term(let t) where t.field == nil: return t
            case .boost(.term(let t), _) where t.field == nil: return t
            default: return nil
            }
        }
        let terms = b.should.map(word)
        guard terms.allSatisfy({ $0 != nil }) else { return query }
        let stop = terms.map { stopTerms.contains($0!.term) }
        guard stop.contains(true), stop.contains(false) else { return query }
        var rewritten = b
        for i in b.should.indices where stop[i] { rewritten.should[i] = .boost(.term(terms[i]!), 0) }
        return .boolean(rewritten)
    }

    /// Every live match, best first (ties by document order).
    func matches(_ query: Query) -> [Match] {
        let query = withoutStopWordScores(query)
        var hits: [Match] = []
        for (i, doc) in docs.enumerated() where doc.live {
            if let score = evaluate(query, doc) {
                hits.append(Match(number: i, id: doc.id, score: score + proximityBonus(query, doc)))
            }
        }
        hits.sort { $0.score > $1.score || ($0.score == $1.score && $0.number < $1.number) }
        return hits
    }

    /// Every live match, best first (ties by document order), as ids and scores.
    func search(_ query: Query) -> [(id: String, score: Double)] {
        matches(query).map { ($0.id, $0.score) }
    }

    /// Every live match ordered by date (documents without a date last), ties by score (higher
    /// first: `tieScores`, the engine's scores already checked against this reference, so that
    /// rounding cannot flip a tie) and then by document order.
    func dateSorted(_ query: Query, descending: Bool, tieScores: [String: Double]) -> [Match] {
        var hits = matches(query)
        hits.sort { a, b in
            let x = docs[a.number].date, y = docs[b.number].date
            func tie() -> Bool {
                let sa = tieScores[a.id] ?? a.score, sb = tieScores[b.id] ?? b.score
                return sa != sb ? sa > sb : a.number < b.number
            }
            switch (x, y) {
            case (nil, nil): return tie()
            case (nil, _): return false
            case (_, nil): return true
            case let (x?, y?): return x != y ? (descending ? x > y : x < y) : tie()
            }
        }
        return hits
    }
}
