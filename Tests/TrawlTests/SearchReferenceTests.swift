import Foundation
import Testing
@testable import Trawl

/// A brute-force search over analyzed documents: every document is scanned for every query.
/// It shares nothing with the engine but the analyzer, the query tree and the BM25 formula.
struct BruteForceSearch {
    struct AnalyzedText {
        var positions: [String: [Int]] = [:]
        var length = 0
    }

    struct Doc {
        var id: String
        var date: Int64?
        var title: AnalyzedText
        var body: AnalyzedText
    }

    let docs: [Doc]
    let documentFrequency: [String: [String: Int]]
    let fieldDocs: [String: Int]
    let averageLength: [String: Double]
    let weights: [String: Double] = ["title": 2, "body": 1]

    init(_ documents: [Document], analyzer: Analyzer) {
        var docs: [Doc] = []
        var df: [String: [String: Int]] = ["title": [:], "body": [:]]
        var fieldDocs: [String: Int] = ["title": 0, "body": 0]
        var totals: [String: Int] = ["title": 0, "body": 0]
        for document in documents {
            func analyze(_ text: String, _ field: String) -> AnalyzedText {
                var result = AnalyzedText()
                for token in analyzer.analyze(text) {
                    result.positions[token.term, default: []].append(token.position)
                    result.length += 1
                }
                for term in result.positions.keys { df[field]![term, default: 0] += 1 }
                if result.length > 0 { fieldDocs[field]! += 1 }
                totals[field]! += result.length
                return result
            }
            docs.append(Doc(id: document.id, date: document.date?.secondsSinceEpoch,
                            title: analyze(document.title, "title"), body: analyze(document.body, "body")))
        }
        self.docs = docs
        documentFrequency = df
        self.fieldDocs = fieldDocs
        averageLength = ["title": Double(totals["title"]!) / Double(max(1, fieldDocs["title"]!)),
                         "body": Double(totals["body"]!) / Double(max(1, fieldDocs["body"]!))]
    }

    func text(_ doc: Doc, _ field: String) -> AnalyzedText { field == "title" ? doc.title : doc.body }

    /// BM25 of one (pseudo-)term frequency in a field, with the index's 1-byte length quantization.
    func bm25(_ field: String, idf: Double, tf: Double, length: Int) -> Double {
        let k1 = 1.2, b = 0.75
        let dl = Double(FieldLengthCode.decode(FieldLengthCode.encode(UInt32(length))))
        return weights[field]! * idf * tf / (tf + k1 * (1 - b + b * dl / averageLength[field]!))
    }

    func idf(_ field: String, _ term: String) -> Double {
        let n = Double(documentFrequency[field]![term] ?? 0), total = Double(fieldDocs[field]!)
        return log(1 + (total - n + 0.5) / (n + 0.5))
    }

    func fields(_ field: String?) -> [String] { field.map { [$0] } ?? ["title", "body"] }

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
        case .term(let t) where t.field == nil:
            // BM25F over title and body: weighted, length-normalized frequencies summed, then saturated.
            var pseudo = 0.0, matched = false
            for field in ["title", "body"] {
                guard let list = text(doc, field).positions[t.term] else { continue }
                matched = true
                let dl = Double(FieldLengthCode.decode(FieldLengthCode.encode(UInt32(text(doc, field).length))))
                pseudo += weights[field]! * Double(list.count) / (1 - 0.75 + 0.75 * dl / averageLength[field]!)
            }
            guard matched else { return nil }
            let df = max(documentFrequency["title"]![t.term] ?? 0, documentFrequency["body"]![t.term] ?? 0)
            let n = Double(max(fieldDocs["title"]!, fieldDocs["body"]!))
            let idf = log(1 + (n - Double(df) + 0.5) / (Double(df) + 0.5))
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
            let hit = fields(p.field).contains { field in text(doc, field).positions.keys.contains { $0.hasPrefix(p.prefix) } }
            return hit ? boost : nil
        case .dateRange(let range):
            guard let date = doc.date, range.contains(date) else { return nil }
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

    /// Every match, best first (ties by document order).
    func search(_ query: Query) -> [(id: String, score: Double)] {
        var hits: [(index: Int, score: Double)] = []
        for (i, doc) in docs.enumerated() {
            if let score = evaluate(query, doc) { hits.append((i, score)) }
        }
        hits.sort { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }
        return hits.map { (docs[$0.index].id, $0.score) }
    }
}

@Suite(.serialized) struct SearchReferenceTests {
    static let reutersFile = DocumentsTestSupport.sharedDataFolder.appendingPathComponent("reuters21578/reuters21578.jsonl.zst")
    static var available: Bool {
        DocumentsTestSupport.zstdPath != nil && FileManager.default.fileExists(atPath: reutersFile.path)
    }

    /// Seeded random queries of every type, drawn from the corpus's own words.
    static func queries(_ documents: [Document], analyzer: Analyzer, count: Int, seed: UInt64) -> [String] {
        var random = SeededGenerator(seed: seed)
        func pick<T>(_ array: [T]) -> T { array[Int(random.next() % UInt64(array.count))] }
        let withBodies = documents.filter { $0.body.utf8.count > 200 }
        func words(_ document: Document) -> [String] {
            document.body.split { !$0.isLetter }.map(String.init).filter { $0.count >= 3 && $0.allSatisfy(\.isASCII) }
        }
        func word() -> String { pick(words(pick(withBodies))).lowercased() }
        func phrase(length: Int) -> String {
            let ws = words(pick(withBodies))
            guard ws.count > length else { return word() }
            let start = Int(random.next() % UInt64(ws.count - length))
            return ws[start..<(start + length)].joined(separator: " ").lowercased()
        }
        func dateRange() -> String {
            let month = 2 + Int(random.next() % 8)
            let span = 1 + Int(random.next() % 60)
            let from = DocumentDate(year: 1987, month: month, day: 1 + Int(random.next() % 28))!
            let to = DocumentDate(secondsSinceEpoch: from.secondsSinceEpoch + Int64(span) * 86_400, precision: .day)
            return "date:[\(from) TO \(to)]"
        }
        var result: [String] = []
        for i in 0..<count {
            switch i % 10 {
            case 0: result.append(word())
            case 1: result.append("\(word()) \(word())")
            case 2: result.append("\(word()) OR \(word()) OR \(word())")
            case 3: result.append("\"\(phrase(length: 2))\"")
            case 4: result.append("\"\(phrase(length: 3))\"~\(1 + random.next() % 4)")
            case 5: result.append("\(word()) -\(word())")
            case 6: result.append("\(String(word().prefix(4)))*")
            case 7: result.append("\(word()) \(dateRange())")
            case 8: result.append("+\"\(phrase(length: 2))\" +(\(word()) OR \(word())) -\(word()) \(dateRange())")
            default: result.append("title:\(word()) OR (\(word()) AND NOT \(word()))^2")
            }
        }
        return result
    }

    @Test(.enabled(if: available, "needs ../shared/data/reuters21578 and zstd"))
    func twoHundredRandomQueriesMatchTheBruteForceReference() throws {
        let bytes = try DocumentsTestSupport.decompress(Self.reutersFile)
        let documents = try DocumentReader().read(contentsOf: bytes, relativePath: "reuters.jsonl", format: .jsonLines).documents
        let analyzer = try Analyzer(.english)
        let reference = BruteForceSearch(documents, analyzer: analyzer)

        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        options.ramBudget = 6 << 20 // several segments, so index-wide statistics are exercised
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        try writer.add(documents)
        try writer.commit()
        let reader = try IndexReader(directory: directory)
        #expect(reader.segments.count > 1)

        let parser = QueryParser(analyzer: analyzer, fields: reader.fieldNames)
        var checked = 0
        for text in Self.queries(documents, analyzer: analyzer, count: 220, seed: 2024) {
            guard let query = try? parser.parse(text) else { continue }
            let expected = reference.search(query)
            // Exact totals: the full hit set.
            let exact = try reader.search(SearchRequest(query: query, limit: 10, countTotal: true))
            #expect(exact.total == expected.count, "total for \(text)")
            #expect(exact.totalRelation == .equalTo)
            // Pruned top 10: the same documents and scores as the reference.
            let pruned = try reader.search(SearchRequest(query: query, limit: 10))
            #expect(pruned.total <= expected.count)
            for (mode, results) in [("exact", exact), ("pruned", pruned)] {
                let top = Array(expected.prefix(10))
                #expect(results.hits.count == top.count, "\(mode) hit count for \(text)")
                for (hit, want) in zip(results.hits, top) {
                    #expect(abs(Double(hit.score) - want.score) <= 1e-3 * max(1, want.score), "\(mode) score for \(text)")
                    // Documents may only differ where scores tie within float rounding.
                    if hit.id != want.id {
                        let theirs = expected.first { $0.id == hit.id }?.score ?? -1
                        #expect(abs(theirs - want.score) <= 1e-3 * max(1, want.score), "\(mode) ranking for \(text)")
                    }
                }
            }
            // The full hit set, in a large page.
            if expected.count <= 2_000 {
                let all = try reader.search(SearchRequest(query: query, limit: 2_000, countTotal: true))
                let difference = Set(all.hits.map(\.id)).symmetricDifference(expected.map(\.id))
                #expect(difference.isEmpty, "hit set of \(text) differs by \(difference.sorted().prefix(5))")
            }
            checked += 1
        }
        #expect(checked >= 200)
    }
}
