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
    let weights: [String: Double] = ["title": 2, "body": 1]
    /// The fields holding keyword or bool values.
    let keywordFields: Set<String>
    static let defaultFields = ["title", "body"]

    /// A reference over live documents.
    init(_ documents: [Document], analyzer: Analyzer) {
        self.init(physical: documents.map { ($0, true) }, analyzer: analyzer)
    }

    /// A reference over the documents an index holds, in index order, live or deleted.
    init(physical: [(document: Document, live: Bool)], analyzer: Analyzer) {
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

    /// Every live match, best first (ties by document order).
    func matches(_ query: Query) -> [Match] {
        var hits: [Match] = []
        for (i, doc) in docs.enumerated() where doc.live {
            if let score = evaluate(query, doc) { hits.append(Match(number: i, id: doc.id, score: score)) }
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
