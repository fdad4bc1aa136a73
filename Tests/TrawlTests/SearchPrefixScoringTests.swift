import Testing
@testable import Trawl

/// Prefixes score with BM25, their expansions taken as one term per field: the frequency is
/// the sum of the expansions' frequencies, the idf comes from the largest document frequency
/// among them (as Lucene's `SynonymQuery` and blended rewrites do).
@Suite struct SearchPrefixScoringTests {
    static func reader(_ documents: [Document]) throws -> IndexReader {
        try SearchDifferential.build(documents.map { .add($0) })
    }

    /// Common filler, so `sanction` is a frequent term and `sanctimonious` a rare one.
    static let filler = (0..<12).map { Document(id: "filler\($0)", title: "news \($0)", body: "sanctions weigh on trade report \($0)") }

    func score(_ results: SearchResults, _ id: String) throws -> Float {
        try #require(results.hits.first { $0.id == id }).score
    }

    @Test func moreOccurrencesRankHigher() throws {
        let reader = try Self.reader(Self.filler + [
            Document(id: "once", body: "sanctions talks continue quietly today"),
            Document(id: "often", body: "sanctions sanctioned sanctity sanctuary today"),
        ])
        // The words of `often` are several distinct expansions of the prefix.
        let analyzer = reader.analyzer
        #expect(Set(analyzer.terms("sanctions sanctioned sanctity sanctuary").filter { $0.hasPrefix("sanct") }).count > 1)

        let results = try reader.search("sanct*", limit: 20)
        #expect(results.hits.count == 14)
        #expect(results.hits.first?.id == "often")
        #expect(try score(results, "often") > score(results, "once"))
        // Not a constant any more.
        #expect(Set(results.hits.map(\.score)).count > 1)

        // Explain shows the pseudo-term's parts and agrees with the search.
        let explanation = try #require(try reader.explain("body:sanct*", id: "often"))
        let field = try reader.search("body:sanct*", limit: 20)
        #expect(abs(explanation.value - (try score(field, "often"))) < 1e-5)
        #expect(explanation.summary.contains("expansions as one term"))
        let tf = try #require(explanation.details.first { $0.summary.hasPrefix("tf,") })
        #expect(tf.value == 4)
        #expect(explanation.details.contains { $0.summary.hasPrefix("blended idf") })
    }

    @Test func aRareExpansionDoesNotOutrankTheCommonOne() throws {
        let reader = try Self.reader(Self.filler + [
            Document(id: "rare", body: "sanctimonious speech drew replies"),
            Document(id: "common", body: "sanctions speech drew replies"),
        ])
        // Scored as separate terms, the rare word's idf puts its document first...
        let words = try reader.search("body:sanctions OR body:sanctimonious", limit: 20)
        #expect(try score(words, "rare") > score(words, "common"))

        // ...as one pseudo-term, both share the blended idf: same frequency and length, same score.
        for query in ["sanct*", "body:sanct*"] {
            let results = try reader.search(query, limit: 20)
            #expect(try score(results, "rare") == score(results, "common"), "\(query)")
        }
        // The blended idf is the common term's: `common` scores as the word itself in the body.
        let prefix = try reader.search("body:sanct*", limit: 20)
        let word = try reader.search("body:sanction", limit: 20)
        #expect(abs(try score(prefix, "common") - score(word, "common")) < 1e-6)
    }

    @Test func theMatchesAndTheirBoundsHold() throws {
        let reader = try Self.reader(Self.filler + [
            Document(id: "title", title: "sanctuary", body: "birds"),
            Document(id: "both", title: "sanctions", body: "sanctions again"),
        ])
        // Every document with an expansion in a searched field matches; both fields add up.
        let results = try reader.search("sanct*", limit: 20)
        #expect(Set(results.hits.map(\.id)) == Set(Self.filler.map(\.id) + ["title", "both"]))
        let title = try reader.search("title:sanct*", limit: 20)
        #expect(Set(title.hits.map(\.id)) == ["title", "both"])
        let body = try reader.search("body:sanct*", limit: 20)
        #expect(abs(try score(results, "both") - (score(title, "both") + score(body, "both"))) < 1e-5)
        // Pruned top hits (the scorer's bound) equal the exhaustive ones.
        for k in [1, 2, 5] {
            var request = SearchRequest(query: try reader.queryParser().parse("sanct* OR birds"), limit: k)
            request.totalHitsThreshold = 0
            let pruned = try reader.search(request)
            let exhaustive = try reader.search(SearchRequest(query: request.query, limit: k, countTotal: true))
            #expect(pruned.hits.map(\.id) == exhaustive.hits.map(\.id))
            #expect(pruned.hits.map(\.score) == exhaustive.hits.map(\.score))
        }
    }
}
