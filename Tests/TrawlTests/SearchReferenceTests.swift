import Foundation
import Testing
@testable import Trawl

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
    func twoHundredRandomQueriesMatchTheBruteForceReferenceOnReuters() throws {
        let bytes = try DocumentsTestSupport.decompress(Self.reutersFile)
        let documents = try DocumentReader().read(contentsOf: bytes, relativePath: "reuters.jsonl", format: .jsonLines).documents
        try Self.check(documents, ramBudget: 6 << 20)
    }

    /// The same check on a generated corpus, so it runs everywhere (the shared data may be absent).
    @Test func twoHundredRandomQueriesMatchTheBruteForceReferenceOnAGeneratedCorpus() throws {
        try Self.check(Self.generatedArticles(count: 1_500, seed: 1987), ramBudget: 512 << 10)
    }

    /// Articles of 1987 over a Zipf-like vocabulary of letter-only words (what the query
    /// generator draws from), with titles and dates.
    static func generatedArticles(count: Int, seed: UInt64) -> [Document] {
        var random = SeededGenerator(seed: seed)
        let syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zi", "pa", "dor", "lin", "mar", "qua", "ber"]
        let vocabulary = (0..<600).map { i -> String in
            var n = i, word = ""
            repeat { word += syllables[n % syllables.count]; n /= syllables.count } while n > 0
            return word + syllables[(i * 7) % syllables.count]
        }
        func word() -> String {
            let u = Double(random.next() % 100_000) / 100_000
            return vocabulary[min(vocabulary.count - 1, Int(u * u * u * Double(vocabulary.count)))]
        }
        return (0..<count).map { i in
            let title = (0..<(2 + Int(random.next() % 6))).map { _ in word() }.joined(separator: " ")
            let body = (0..<(30 + Int(random.next() % 250))).map { _ in word() }.joined(separator: " ")
            let date = DocumentDate(year: 1987, month: 1 + Int(random.next() % 12), day: 1 + Int(random.next() % 28))
            return Document(id: "g\(i)", title: title, date: random.next() % 5 == 0 ? nil : date, body: body)
        }
    }

    static func check(_ documents: [Document], ramBudget: Int) throws {
        let analyzer = try Analyzer(.english)
        let reference = BruteForceSearch(documents, analyzer: analyzer)

        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        options.ramBudget = ramBudget // several segments, so index-wide statistics are exercised
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
