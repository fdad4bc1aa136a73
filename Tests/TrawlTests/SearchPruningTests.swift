import Testing
@testable import Trawl

/// Top-k pruning must not change results: for phrase-heavy queries over a corpus with a tiny
/// vocabulary (so phrases repeat and thresholds rise quickly), the pruned top k equals the
/// exhaustive top k (every match scored), and a total reported as exact is exact.
@Suite struct SearchPruningTests {
    static func reader(segmentBudget: Int?) throws -> (IndexReader, [String]) {
        let documents = generatedDocuments(count: 2_500, seed: 91, vocabulary: 14)
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        if let segmentBudget { options.ramBudget = segmentBudget }
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        try writer.add(documents)
        try writer.commit()
        let analyzer = try Analyzer(.english)
        var counts: [String: Int] = [:]
        for document in documents.prefix(200) {
            for term in analyzer.terms(document.body) { counts[term, default: 0] += 1 }
        }
        let words = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        return (try IndexReader(directory: directory), words)
    }

    static func queries(_ w: [String]) -> [String] {
        [
            "\"\(w[0]) \(w[1])\"", "\"\(w[2]) \(w[0]) \(w[1])\"", "body:\"\(w[3]) \(w[3])\"",
            "\"\(w[0]) \(w[4])\"~1", "\"\(w[1]) \(w[2]) \(w[5])\"~3", "\"\(w[0]) \(w[0])\"~2",
            "\"\(w[0]) \(w[1])\" \(w[6])", "+\"\(w[2]) \(w[3])\" +(\(w[7]) OR \(w[8])) -\(w[9])",
            "\"\(w[0]) \(w[2])\" OR \"\(w[1]) \(w[3])\"~2", "\"\(w[4]) \(w[5])\"^3 AND \(w[0])",
            "\"\(w[1]) \(w[0])\" date:>=2021-01-01", "\(w[10]) \"\(w[0]) \(w[1]) \(w[2])\"~4",
            "title:\"\(w[0]) \(w[1])\" OR \(w[11])", "(\"\(w[3]) \(w[4])\" OR \(w[12])) AND NOT \"\(w[0]) \(w[0])\"",
            // Free text of plain words: with the term-proximity bonus and its bound.
            "\(w[0]) OR \(w[1])", "\(w[2]) OR \(w[5]) OR \(w[9]) OR \(w[2])", "\(w[0]) \(w[3])",
            "\(w[1]) OR \(w[4]) OR \(w[7]) OR \(w[10]) OR \(w[12]) OR \(w[6])", "\(w[8]) \(w[11]) \(w[0])",
        ]
    }

    @Test(arguments: [nil, 96 << 10])
    func prunedTopHitsEqualExhaustiveOnes(segmentBudget: Int?) throws {
        let (reader, words) = try Self.reader(segmentBudget: segmentBudget)
        #expect(words.count >= 13)
        if segmentBudget != nil { #expect(reader.segments.count > 1) }
        let parser = reader.queryParser()
        var prunedSomewhere = false
        for text in Self.queries(words) {
            let query = try parser.parse(text)
            // Free text gets the term-proximity bonus, whose bound joins the pruning bounds.
            let proximity: TermProximity? = QueryPlan.proximityWords(query) != nil ? TermProximity(weight: 0.5, window: 4) : nil
            for k in [1, 3, 10, 40] {
                var exhaustiveRequest = SearchRequest(query: query, limit: k, countTotal: true)
                exhaustiveRequest.snippets = false
                exhaustiveRequest.proximity = proximity
                var prunedRequest = SearchRequest(query: query, limit: k)
                prunedRequest.snippets = false
                prunedRequest.proximity = proximity
                let exhaustive = try reader.search(exhaustiveRequest)
                let pruned = try reader.search(prunedRequest)
                #expect(exhaustive.totalRelation == .equalTo)
                #expect(pruned.hits.map(\.id) == exhaustive.hits.map(\.id), "top \(k) of \(text)")
                if proximity == nil {
                    #expect(pruned.hits.map(\.score) == exhaustive.hits.map(\.score), "scores of the top \(k) of \(text)")
                } else {
                    // Three words or more: MaxScore adds the clauses in another order than the
                    // exhaustive disjunction, so the sums may differ in the last place.
                    for (a, b) in zip(pruned.hits, exhaustive.hits) {
                        #expect(abs(a.score - b.score) <= 1e-6 * max(1, b.score), "score of \(a.id) in the top \(k) of \(text)")
                    }
                }
                #expect(pruned.total <= exhaustive.total, "total of \(text)")
                if pruned.totalRelation == .equalTo {
                    #expect(pruned.total == exhaustive.total, "a total reported exact for \(text), top \(k)")
                } else {
                    prunedSomewhere = true
                }
            }
        }
        // The corpus is built so that pruning happens; otherwise this test would check nothing.
        #expect(prunedSomewhere)
    }

    /// A sloppy phrase can occur more often than its rarest word (each occurrence of any word
    /// can start a match), so its bound must allow for that.
    @Test func sloppyPhraseFrequencyCanExceedTheRarestWord() throws {
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        // Many documents with the phrase once; every word occurs once in each.
        var documents = (0..<300).map { i in
            Document(id: "d\(i)", title: "", date: nil, body: "alpha bravo filler filler filler filler")
        }
        // Last, a document as long where "bravo" occurs once among three "alpha"s: sloppy
        // frequency 1/2 + 1 + 1/3, above any bound taken from the rarest word (1).
        documents.append(Document(id: "dense", title: "", date: nil, body: "alpha alpha bravo alpha filler filler"))
        try writer.add(documents)
        try writer.commit()
        let reader = try IndexReader(directory: directory)
        let query = try reader.queryParser().parse("body:\"alpha bravo\"~2")
        var request = SearchRequest(query: query, limit: 1)
        request.snippets = false
        var exhaustiveRequest = request
        exhaustiveRequest.countTotal = true
        let exhaustive = try reader.search(exhaustiveRequest)
        let pruned = try reader.search(request)
        #expect(exhaustive.hits.first?.id == "dense")
        #expect(pruned.hits.map(\.id) == exhaustive.hits.map(\.id))
    }
}
