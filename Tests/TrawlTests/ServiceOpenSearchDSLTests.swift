import Foundation
import Testing
@testable import Trawl

/// The OpenSearch query DSL over a fixture corpus: every query type finds the documents its
/// equivalent Trawl query string finds, and (where the meaning is simple) the documents a
/// brute-force scan of the raw documents finds.
@Suite struct ServiceOpenSearchDSLTests {
    let fixture: OpenSearchFixture

    init() throws { fixture = try OpenSearchFixture() }

    @Test func queryStringPassesTrawlSyntaxThroughWithOpenSearchsDefaultOperator() throws {
        for query in ["oil prices", "oil AND NOT crude", #""crude oil"~2 OR title:wheat"#, "tags:energy rating:>=4", "ship*", "oli~1"] {
            let escaped = JSON.string(query).rendered()
            #expect(try fixture.dslIDs(#"{"query_string": {"query": \#(escaped)}}"#) == fixture.trawlIDs(query, defaultOperator: .or), "\(query)")
            #expect(try fixture.dslIDs(#"{"query_string": {"query": \#(escaped), "default_operator": "AND"}}"#)
                    == fixture.trawlIDs(query, defaultOperator: .and), "\(query)")
        }
        // URL form: q, df, default_operator.
        let url = OpenSearchFixture.ids(try fixture.search(nil, ["q": "oil prices", "size": "1000", "default_operator": "and"]))
        #expect(url == (try fixture.trawlIDs("oil prices")))
        let df = OpenSearchFixture.ids(try fixture.search(nil, ["q": "oil gold", "df": "title", "size": "1000"]))
        #expect(Set(df) == Set(try fixture.trawlIDs("title:oil OR title:gold")))
        #expect(!df.isEmpty)
        #expect(try fixture.dslIDs(#"{"query_string": {"query": "*"}}"#).count == fixture.documents.count)
        #expect(try fixture.dslIDs(#"{"query_string": {"query": "  "}}"#).isEmpty)
    }

    @Test func queryStringFieldsWithBoostsSearchEachField() throws {
        let ids = try fixture.dslIDs(#"{"query_string": {"query": "copper gold", "fields": ["title^3", "body"], "default_operator": "and"}}"#)
        let expected = try fixture.trawlIDs("(title:copper OR body:copper) AND (title:gold OR body:gold)")
        #expect(Set(ids) == Set(expected))
        // Title matches boosted: the first hit has copper or gold in the title when any does.
        let titleOnly = try fixture.dslIDs(#"{"query_string": {"query": "copper gold", "default_field": "title"}}"#)
        #expect(Set(titleOnly) == Set(try fixture.trawlIDs("title:copper OR title:gold")))
        // The default fields spelled out are Trawl's default fields: the same ranking.
        #expect(try fixture.dslIDs(#"{"query_string": {"query": "copper gold", "fields": ["title", "body"]}}"#)
                == fixture.trawlIDs("copper gold", defaultOperator: .or))
    }

    @Test func matchAgreesWithTrawlAndWithABruteForceScan() throws {
        #expect(try fixture.dslIDs(#"{"match": {"body": "tanker port"}}"#) == fixture.trawlIDs("body:tanker OR body:port"))
        #expect(try fixture.dslIDs(#"{"match": {"body": {"query": "tanker port", "operator": "and"}}}"#)
                == fixture.trawlIDs("body:tanker AND body:port"))
        let brute = fixture.bruteForce { fixture.terms($0.body).isSuperset(of: fixture.terms("tanker port")) }
        #expect(try fixture.dslIDs(#"{"match": {"body": {"query": "tanker port", "operator": "and"}}}"#).sorted() == brute)
        // minimum_should_match 2 of 3 words.
        let two = try fixture.dslIDs(#"{"match": {"body": {"query": "tanker port copper", "minimum_should_match": 2}}}"#).sorted()
        let bruteTwo = fixture.bruteForce { doc in
            let terms = fixture.terms(doc.body)
            return ["tanker", "port", "copper"].filter { terms.contains(fixture.terms($0).first!) }.count >= 2
        }
        #expect(two == bruteTwo)
        #expect(!two.isEmpty)
        #expect(try fixture.dslIDs(#"{"match": {"body": {"query": "tanker port copper", "minimum_should_match": "-1"}}}"#).sorted() == bruteTwo)
        #expect(try fixture.dslIDs(#"{"match": {"body": {"query": "tanker port copper", "minimum_should_match": "67%"}}}"#).sorted() == bruteTwo)
        // Fuzziness through Trawl's fuzzy words.
        #expect(try fixture.dslIDs(#"{"match": {"body": {"query": "copprr", "fuzziness": 2}}}"#) == fixture.trawlIDs("body:copprr~2"))
        #expect(try fixture.dslIDs(#"{"match": {"body": {"query": "coper", "fuzziness": "AUTO"}}}"#) == fixture.trawlIDs("body:coper~1"))
        #expect(try !fixture.dslIDs(#"{"match": {"body": {"query": "coper", "fuzziness": "AUTO"}}}"#).isEmpty)
        // Keyword fields match whole values.
        #expect(try fixture.dslIDs(#"{"match": {"author": "Ann Lee"}}"#).sorted()
                == fixture.bruteForce { $0.fields["author"] == .string("Ann Lee") })
    }

    @Test func matchPhraseAndMultiMatch() throws {
        #expect(try fixture.dslIDs(#"{"match_phrase": {"body": "crude oil"}}"#) == fixture.trawlIDs(#"body:"crude oil""#))
        #expect(try fixture.dslIDs(#"{"match_phrase": {"body": {"query": "crude oil", "slop": 3}}}"#) == fixture.trawlIDs(#"body:"crude oil"~3"#))
        let multi = try fixture.dslIDs(#"{"multi_match": {"query": "gold wheat", "fields": ["title^2", "body"], "operator": "and"}}"#)
        #expect(Set(multi) == Set(try fixture.trawlIDs("(title:gold AND title:wheat) OR (body:gold AND body:wheat)")))
        let cross = try fixture.dslIDs(#"{"multi_match": {"query": "gold wheat", "type": "cross_fields", "fields": ["title", "body"], "operator": "and"}}"#)
        #expect(Set(cross) == Set(try fixture.trawlIDs("gold AND wheat")))
        let phrase = try fixture.dslIDs(#"{"multi_match": {"query": "crude oil", "type": "phrase", "fields": ["title", "body"]}}"#)
        #expect(Set(phrase) == Set(try fixture.trawlIDs(#"title:"crude oil" OR body:"crude oil""#)))
    }

    @Test func boolCombinesClausesLikeOpenSearch() throws {
        let body = #"{"bool": {"must": [{"match": {"body": "oil"}}], "filter": [{"term": {"tags": "energy"}}], "must_not": [{"range": {"rating": {"lt": 2}}}], "should": [{"match": {"title": "prices"}}]}}"#
        let ids = try fixture.dslIDs(body)
        #expect(Set(ids) == Set(try fixture.trawlIDs("body:oil AND tags:energy AND NOT rating:<2")))
        let brute = fixture.bruteForce { doc in
            fixture.terms(doc.body).contains("oil") && fixture.tags(doc).contains("energy") && fixture.rating(doc) >= 2
        }
        #expect(ids.sorted() == brute)
        #expect(!brute.isEmpty)
        // Filters do not score: a filter-only bool scores 0, the same documents as a must.
        let filtered = try fixture.search(#"{"size": 100, "query": {"bool": {"filter": {"term": {"tags": "energy"}}}}}"#)
        let scores = (filtered["hits"]?["hits"]?.arrayElements ?? []).compactMap { $0["_score"]?.doubleValue }
        #expect(!scores.isEmpty && scores.allSatisfy { $0 == 0 })
        // should alone: at least one; minimum_should_match 2 of 3.
        let should = #"{"bool": {"should": [{"term": {"tags": "energy"}}, {"term": {"tags": "grain"}}, {"range": {"rating": {"gte": 4}}}], "minimum_should_match": 2}}"#
        let bruteShould = fixture.bruteForce { doc in
            [fixture.tags(doc).contains("energy"), fixture.tags(doc).contains("grain"), fixture.rating(doc) >= 4].filter { $0 }.count >= 2
        }
        #expect(try fixture.dslIDs(should).sorted() == bruteShould)
        // An empty bool and match_all match everything; match_none nothing.
        #expect(try fixture.dslIDs(#"{"bool": {}}"#).count == fixture.documents.count)
        #expect(try fixture.dslIDs(#"{"match_all": {"boost": 2}}"#).count == fixture.documents.count)
        #expect(try fixture.dslIDs(#"{"bool": {"must": [{"match_none": {}}, {"match_all": {}}]}}"#).isEmpty)
        #expect(try fixture.dslIDs(#"{"bool": {"must_not": {"term": {"draft": true}}}}"#).sorted()
                == fixture.bruteForce { $0.fields["draft"] != .bool(true) })
    }

    @Test func termTermsRangePrefixExistsOnMetadataFields() throws {
        #expect(try fixture.dslIDs(#"{"term": {"tags": "Energy"}}"#) == fixture.trawlIDs("tags:energy"))
        #expect(try fixture.dslIDs(#"{"term": {"tags": "energy"}}"#).sorted() == fixture.bruteForce { fixture.tags($0).contains("energy") })
        #expect(try fixture.dslIDs(#"{"terms": {"tags": ["grain", "metals"]}}"#).sorted()
                == fixture.bruteForce { !Set(fixture.tags($0)).isDisjoint(with: ["grain", "metals"]) })
        #expect(try fixture.dslIDs(#"{"term": {"draft": {"value": true}}}"#).sorted() == fixture.bruteForce { $0.fields["draft"] == .bool(true) })
        #expect(try fixture.dslIDs(#"{"term": {"rating": 3}}"#).sorted() == fixture.bruteForce { fixture.rating($0) == 3 })
        #expect(try fixture.dslIDs(#"{"range": {"rating": {"gte": 2, "lt": 4}}}"#).sorted() == fixture.bruteForce { (2..<4).contains(fixture.rating($0)) })
        #expect(try fixture.dslIDs(#"{"range": {"rating": {"gte": 2, "lt": 4}}}"#) == fixture.trawlIDs("rating:[2 TO 4}"))
        #expect(try fixture.dslIDs(#"{"range": {"price": {"gt": 50.5, "lte": 120}}}"#).sorted()
                == fixture.bruteForce { fixture.price($0) > 50.5 && fixture.price($0) <= 120 })
        // Dates: ISO bounds, date math, epoch milliseconds.
        let lower: Int64 = 1_688_169_600 // 2023-07-01
        let upper: Int64 = 1_704_067_200 // 2024-01-01
        let bruteDates = fixture.bruteForce { doc in doc.date.map { $0.secondsSinceEpoch >= lower && $0.secondsSinceEpoch < upper } ?? false }
        #expect(try fixture.dslIDs(#"{"range": {"date": {"gte": "2023-07-01", "lt": "2024-01-01"}}}"#).sorted() == bruteDates)
        #expect(try fixture.dslIDs(#"{"range": {"date": {"gte": 1688169600000, "lt": 1704067200000}}}"#).sorted() == bruteDates)
        #expect(try fixture.dslIDs(#"{"range": {"date": {"gte": "2023-07-01||/M", "lt": "2023-07-01||+6M/d"}}}"#).sorted() == bruteDates)
        #expect(try fixture.dslIDs(#"{"range": {"date": {"gte": "2023-07-01", "lt": "2024-01-01"}}}"#) == fixture.trawlIDs("date:[2023-07-01 TO 2024-01-01}"))
        #expect(try fixture.dslIDs(#"{"prefix": {"body": "tank"}}"#) == fixture.trawlIDs("body:tank*"))
        #expect(try !fixture.dslIDs(#"{"prefix": {"body": "tank"}}"#).isEmpty)
        #expect(try fixture.dslIDs(#"{"exists": {"field": "author"}}"#).sorted() == fixture.bruteForce { $0.fields["author"] != nil })
        #expect(try fixture.dslIDs(#"{"exists": {"field": "date"}}"#).sorted() == fixture.bruteForce { $0.date != nil })
        // A date term is the whole unit it names; epoch milliseconds name one second.
        let day = try #require(fixture.documents.compactMap(\.date).first)
        let dayText = String(day.description.prefix(10))
        #expect(try fixture.dslIDs(#"{"term": {"date": "\#(dayText)"}}"#).sorted()
                == fixture.bruteForce { $0.date.map { String($0.description.prefix(10)) } == dayText })
        #expect(try fixture.dslIDs(#"{"term": {"date": \#(day.secondsSinceEpoch * 1000)}}"#).sorted()
                == fixture.bruteForce { $0.date?.secondsSinceEpoch == day.secondsSinceEpoch })
        #expect(try fixture.dslIDs(#"{"term": {"date": "\#(day.description)"}}"#).sorted()
                == fixture.bruteForce { $0.date?.secondsSinceEpoch == day.secondsSinceEpoch })
        // Unknown fields match nothing, as unmapped fields in OpenSearch.
        #expect(try fixture.dslIDs(#"{"term": {"nosuchfield": "x"}}"#).isEmpty)
    }

    @Test func disMaxFindsAnyOfItsQueries() throws {
        let ids = try fixture.dslIDs(#"{"dis_max": {"queries": [{"match": {"title": "gold"}}, {"term": {"tags": "grain"}}], "tie_breaker": 0.3}}"#)
        #expect(Set(ids) == Set(try fixture.trawlIDs("title:gold OR tags:grain")))
        #expect(ids.sorted() == fixture.bruteForce { fixture.terms($0.title).contains("gold") || fixture.tags($0).contains("grain") })
    }

    @Test func boostsChangeScoresNotMatches() throws {
        let plain = try fixture.search(#"{"query": {"match": {"body": "oil"}}}"#)
        let boosted = try fixture.search(#"{"query": {"match": {"body": {"query": "oil", "boost": 3}}}}"#)
        #expect(OpenSearchFixture.ids(plain) == OpenSearchFixture.ids(boosted))
        let a = plain["hits"]?["max_score"]?.doubleValue ?? 0
        let b = boosted["hits"]?["max_score"]?.doubleValue ?? 0
        #expect(a > 0 && abs(b - 3 * a) < 1e-3 * b)
    }

    /// Random bool trees of term, match and range clauses against a brute-force evaluator of
    /// the DSL's meaning over the raw documents.
    @Test func randomBoolTreesAgreeWithABruteForceEvaluator() throws {
        var rng = SeededGenerator(seed: 1604)
        typealias Node = (json: String, eval: (Document) -> Bool)
        func leaf() -> Node {
            switch Int.random(in: 0..<3, using: &rng) {
            case 0:
                let tag = OpenSearchFixture.tags.randomElement(using: &rng)!
                return (#"{"term": {"tags": "\#(tag)"}}"#, { fixture.tags($0).contains(tag) })
            case 1:
                let word = OpenSearchFixture.vocabulary.randomElement(using: &rng)!
                let term = fixture.terms(word).first!
                return (#"{"match": {"body": "\#(word)"}}"#, { fixture.terms($0.body).contains(term) })
            default:
                let lo = Int64.random(in: 1...5, using: &rng), hi = Int64.random(in: lo...5, using: &rng)
                return (#"{"range": {"rating": {"gte": \#(lo), "lte": \#(hi)}}}"#, { (lo...hi).contains(fixture.rating($0)) })
            }
        }
        func node(_ depth: Int) -> Node {
            if depth >= 3 || Int.random(in: 0..<3, using: &rng) == 0 { return leaf() }
            var must: [Node] = [], filter: [Node] = [], should: [Node] = [], mustNot: [Node] = []
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let child = node(depth + 1)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: must.append(child)
                case 1: filter.append(child)
                case 2: should.append(child)
                default: mustNot.append(child)
                }
            }
            let msm: Int? = should.count > 1 && Bool.random(using: &rng) ? Int.random(in: 0...should.count, using: &rng) : nil
            func list(_ nodes: [Node]) -> String { "[" + nodes.map(\.json).joined(separator: ",") + "]" }
            var parts = [#""must": \#(list(must))"#, #""filter": \#(list(filter))"#, #""should": \#(list(should))"#, #""must_not": \#(list(mustNot))"#]
            if let msm { parts.append(#""minimum_should_match": \#(msm)"#) }
            let required = msm ?? (must.isEmpty && filter.isEmpty && !should.isEmpty ? 1 : 0)
            let (m, f, s, n) = (must, filter, should, mustNot)
            return (#"{"bool": {\#(parts.joined(separator: ","))}}"#, { doc in
                m.allSatisfy { $0.eval(doc) } && f.allSatisfy { $0.eval(doc) } && !n.contains { $0.eval(doc) }
                    && s.filter { $0.eval(doc) }.count >= required
            })
        }
        var nonEmpty = 0
        for _ in 0..<150 {
            let tree = node(0)
            let ids = try fixture.dslIDs(tree.json)
            if !ids.isEmpty && ids.count < fixture.documents.count { nonEmpty += 1 }
            #expect(ids.sorted() == fixture.bruteForce(tree.eval), "\(tree.json)")
            #expect(Set(ids).count == ids.count)
            let count = try fixture.index.count(body: JSON.parse(#"{"query": \#(tree.json)}"#), parameters: [:])
            #expect(count["count"]?.intValue == ids.count)
        }
        #expect(nonEmpty > 50) // most trees select some documents, not none or all
    }
}
