import Testing
@testable import Trawl

/// ``SearchRanking``: a request's ranking settings as one value, and the server's ranking
/// (``IndexServiceOptions/ranking``) reaching OpenSearch `_search` and `_count`, the native
/// `/search` (with its `near` and `expand` parameters) and the search page. Each search is
/// compared with the library's own search of a request whose settings are set one by one.
@Suite struct ServiceRankingTests {
    /// A ranking that differs from the default in every setting.
    static let custom = SearchRanking(fieldWeights: ["title": 7, "body": 1], bm25: BM25(k1: 1.5, b: 0.6, multiFieldK1: 1.4),
                                      proximity: TermProximity(weight: 0.5, window: 4), freeTextStopWords: false,
                                      expansion: QueryExpansion(documents: 5, terms: 8, originalWeight: 0.6))

    /// Free-text queries of the fixture's words, two or three of them.
    static let queries = ["oil prices", "crude oil supply", "gold copper metals", "bank rates inflation", "grain harvest",
                          "tanker port shipping", "export market"]

    /// `request` with `ranking`'s settings set one by one (not through ``SearchRequest/ranking``).
    static func reference(_ request: SearchRequest, _ ranking: SearchRanking) -> SearchRequest {
        var request = request
        request.fieldWeights = ranking.fieldWeights
        request.bm25 = ranking.bm25
        request.proximity = ranking.proximity
        request.freeTextStopWords = ranking.freeTextStopWords
        request.expansion = ranking.expansion
        return request
    }

    /// (id, score) of every hit.
    static func ranked(_ results: SearchResults) -> [String] {
        results.hits.map { "\($0.id) \($0.score)" }
    }

    /// (id, score) of a `_search` response's hits, formatted as ``ranked(_:)`` does.
    static func ranked(_ response: JSON) -> [String] {
        (response["hits"]?["hits"]?.arrayElements ?? []).compactMap { hit in
            guard let id = hit["_id"]?.stringValue, let score = hit["_score"]?.doubleValue else { return nil }
            return "\(id) \(Float(score))"
        }
    }

    @Test func requestRankingReadsAndSetsEverySetting() {
        let fresh = SearchRequest(query: .matchAll)
        #expect(fresh.ranking == SearchRanking())
        // Every setting left out of the initializer is the default.
        #expect(SearchRanking(fieldWeights: SearchRequest.defaultFieldWeights) == SearchRanking())
        var set = SearchRanking()
        set.freeTextStopWords = false
        #expect(SearchRanking(freeTextStopWords: false) == set)
        var request = fresh
        request.ranking = Self.custom
        #expect(request.ranking == Self.custom)
        #expect(request.fieldWeights == ["title": 7, "body": 1])
        #expect(request.bm25 == BM25(k1: 1.5, b: 0.6, multiFieldK1: 1.4))
        #expect(request.proximity == TermProximity(weight: 0.5, window: 4))
        #expect(request.freeTextStopWords == false)
        #expect(request.expansion == QueryExpansion(documents: 5, terms: 8, originalWeight: 0.6))
        // Setting the default back restores a fresh request's settings.
        request.ranking = SearchRanking()
        #expect(request.fieldWeights == fresh.fieldWeights && request.bm25 == fresh.bm25 && request.proximity == fresh.proximity
                && request.freeTextStopWords == fresh.freeTextStopWords && request.expansion == fresh.expansion)
    }

    @Test func openSearchRanksAndCountsWithItsRanking() throws {
        let fixture = try OpenSearchFixture()
        let ranked = OpenSearchIndex(name: "fixture", reader: fixture.reader, ranking: Self.custom)
        var differs = false
        for text in Self.queries {
            let body = try JSON.parse(#"{"size": 20, "track_total_hits": true, "query": {"query_string": {"query": "\#(text)", "default_operator": "OR"}}}"#)
            let response = try ranked.search(body: body, parameters: [:])
            let query = try fixture.reader.queryParser().parse(text.split(separator: " ").joined(separator: " OR "))
            let expected = try fixture.reader.search(Self.reference(SearchRequest(query: query, limit: 20, countTotal: true), Self.custom))
            #expect(Self.ranked(response) == Self.ranked(expected), "\(text)")
            // `_count` counts what `_search` finds (expansion adds optional words).
            let counted = try ranked.count(body: try JSON.parse(#"{"query": {"query_string": {"query": "\#(text)", "default_operator": "OR"}}}"#), parameters: [:])
            #expect(counted["count"]?.intValue == expected.total, "\(text)")
            #expect(response["hits"]?["total"]?["value"]?.intValue == expected.total, "\(text)")
            // The default index ranks otherwise: the ranking reached the search.
            if Self.ranked(try fixture.index.search(body: body, parameters: [:])) != Self.ranked(response) { differs = true }
        }
        #expect(differs)
    }

    @Test func nativeSearchTakesNearAndExpandOverTheServersRanking() throws {
        let fixture = try OpenSearchFixture()
        func request(_ parameters: [String: String], _ ranking: SearchRanking = SearchRanking()) throws -> SearchRequest {
            try NativeSearch.request(parameters: parameters, reader: fixture.reader, ranking: ranking)
        }
        // Without the parameters: the server's ranking as it is.
        #expect(try request(["q": "oil"]).ranking == SearchRanking())
        #expect(try request(["q": "oil"], Self.custom).ranking == Self.custom)
        // near / expand turn the default settings on, keep the server's own, or turn them off.
        #expect(try request(["q": "oil", "near": "true"]).proximity == TermProximity())
        #expect(try request(["q": "oil", "near": "true"], Self.custom).proximity == Self.custom.proximity)
        #expect(try request(["q": "oil", "near": "false"], Self.custom).proximity == nil)
        #expect(try request(["q": "oil", "expand": "true"]).expansion == QueryExpansion())
        #expect(try request(["q": "oil", "expand": "true"], Self.custom).expansion == Self.custom.expansion)
        #expect(try request(["q": "oil", "expand": "false"], Self.custom).expansion == nil)
        var both = Self.custom
        both.proximity = nil
        both.expansion = nil
        #expect(try request(["q": "oil", "near": "false", "expand": "false"], Self.custom).ranking == both)
        // Anything but true or false is a 400 naming the parameter.
        for (name, value) in [("near", "yes"), ("expand", "1"), ("near", ""), ("expand", "TRUE")] {
            do throws(OpenSearchError) {
                _ = try NativeSearch.request(parameters: ["q": "oil", name: value], reader: fixture.reader)
                Issue.record("\(name)=\(value) was accepted")
            } catch {
                #expect(error.status == 400)
                #expect(error.reason.contains("[\(name)]") && error.reason.contains("[\(value)]"), "\(error.reason)")
            }
        }
        // The search runs with it: the same hits and scores as the library's.
        for text in Self.queries {
            let response = try NativeSearch.search(parameters: ["q": text, "limit": "15", "near": "true"], reader: fixture.reader)
            var parser = fixture.reader.queryParser()
            parser.defaultOperator = .and
            var near = SearchRequest(query: try parser.parse(text), limit: 15)
            near.proximity = TermProximity()
            // The JSON rounds scores to 4 decimals.
            let expected = try fixture.reader.search(near).hits.map { "\($0.id) \((Double($0.score) * 10_000).rounded() / 10_000)" }
            let hits = (response["hits"]?.arrayElements ?? []).compactMap { hit -> String? in
                guard let id = hit["id"]?.stringValue, let score = hit["score"]?.doubleValue else { return nil }
                return "\(id) \(score)"
            }
            #expect(!hits.isEmpty && hits == expected, "\(text)")
        }
    }

    @Test func searchPageRanksWithItsRanking() throws {
        let fixture = try OpenSearchFixture()
        var ranking = Self.custom
        ranking.expansion = nil
        let page = SearchPage(reader: fixture.reader, indexName: "fixture", ranking: ranking)
        for text in Self.queries {
            let outcome = page.outcome(for: SearchPageRequest(parameters: [("q", text)]))
            let search = try #require(outcome.search)
            #expect(search.ranking == ranking)
            let expected = try fixture.reader.search(Self.reference(search, ranking))
            #expect(Self.ranked(try #require(outcome.results)) == Self.ranked(expected), "\(text)")
        }
        #expect(SearchPage(reader: fixture.reader, indexName: "fixture").outcome(for: SearchPageRequest(parameters: [("q", "oil")])).search?.ranking
                == SearchRanking())
    }
}
