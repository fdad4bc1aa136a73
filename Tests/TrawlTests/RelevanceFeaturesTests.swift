import Foundation
import Testing
@testable import Trawl

/// The term-proximity bonus (``TermProximity``) and RM3 query expansion (``QueryExpansion``)
/// against independent computations: the brute-force reference's formula, hand-made documents,
/// and a relevance model recomputed from the analyzed text.
@Suite struct RelevanceFeaturesTests {
    static let documents = [
        Document(id: "near", title: "", body: "crude oil prices rose filler filler filler filler filler filler"),
        Document(id: "far", title: "", body: "crude filler filler filler filler filler filler filler oil prices"),
        Document(id: "apart", title: "", body: "crude filler filler filler filler filler filler filler filler oil"),
        Document(id: "titled", title: "oil crude", body: "filler filler prices filler filler filler filler filler"),
        Document(id: "other", title: "", body: "filler gold silver filler filler filler filler filler filler filler"),
        Document(id: "gold", title: "", body: "gold silver mines crude filler filler filler filler filler filler"),
    ]

    static func reader() throws -> IndexReader {
        try SearchDifferential.build(documents.map { .add($0) } + [.commit])
    }

    static func scores(_ reader: IndexReader, _ text: String, proximity: TermProximity?, or: Bool = true,
                       limit: Int = 10) throws -> [String: Float] {
        var request = SearchRequest(query: try reader.queryParser(defaultOperator: or ? .or : .and).parse(text), limit: limit)
        request.snippets = false
        request.proximity = proximity
        return Dictionary(uniqueKeysWithValues: try reader.search(request).hits.map { ($0.id, $0.score) })
    }

    static let setting = TermProximity(weight: 1, window: 5)

    @Test func closeWordsScoreHigherAndMatchTheReference() throws {
        let reader = try Self.reader()
        let plain = try Self.scores(reader, "crude oil", proximity: nil)
        let near = try Self.scores(reader, "crude oil", proximity: Self.setting)
        // Same frequencies and lengths: plain BM25F ties "near", "far" and "apart" ...
        #expect(plain["near"] == plain["apart"])
        // ... the bonus ranks adjacent words first, and words 9 apart (beyond the window) get none.
        #expect(try #require(near["near"]) > near["far"] ?? 0)
        #expect(near["far"] == plain["far"])
        #expect(near["apart"] == plain["apart"])
        var reference = BruteForceSearch(Self.documents, analyzer: reader.analyzer)
        reference.proximity = Self.setting
        let query = try reader.queryParser(defaultOperator: .or).parse("crude oil")
        for match in reference.matches(query) {
            let got = try #require(near[match.id])
            #expect(abs(Double(got) - match.score) <= 1e-4 * max(1, match.score), "\(match.id)")
        }
        // Title words count too (weighted as BM25F weighs the title).
        #expect(try #require(near["titled"]) > plain["titled"] ?? 0)
        // A one-word query, a phrase or a fielded word gets no bonus.
        #expect(try Self.scores(reader, "crude", proximity: Self.setting) == Self.scores(reader, "crude", proximity: nil))
        #expect(try Self.scores(reader, "\"crude oil\"", proximity: Self.setting) == Self.scores(reader, "\"crude oil\"", proximity: nil))
        #expect(try Self.scores(reader, "body:crude OR body:oil", proximity: Self.setting)
                == Self.scores(reader, "body:crude OR body:oil", proximity: nil))
    }

    @Test func theBonusStaysBelowItsBoundAndTheWeightScalesIt() throws {
        let reader = try Self.reader()
        let plain = try Self.scores(reader, "crude oil prices", proximity: nil, or: false)
        let one = try Self.scores(reader, "crude oil prices", proximity: TermProximity(weight: 1), or: false)
        let two = try Self.scores(reader, "crude oil prices", proximity: TermProximity(weight: 2), or: false)
        #expect(Set(plain.keys) == ["near", "far", "titled"])
        // Each word's bonus is below weight × its BM25F idf.
        let reference = BruteForceSearch(Self.documents, analyzer: reader.analyzer)
        var bound = 0.0
        for word in ["crude", "oil", "price"] {
            let df = ["title", "body"].map { reference.documentFrequency[$0]?[word] ?? 0 }.max() ?? 0
            let n = ["title", "body"].map { reference.fieldDocs[$0] ?? 0 }.max() ?? 0
            #expect(df > 0, "\(word)")
            bound += log(1 + (Double(n) - Double(df) + 0.5) / (Double(df) + 0.5))
        }
        for (id, base) in plain {
            let bonus = try #require(one[id]) - base
            #expect(bonus >= 0 && Double(bonus) < bound)
            #expect(abs((try #require(two[id]) - base) - 2 * bonus) <= 1e-4)
        }
        #expect(try #require(one["near"]) - plain["near"]! > 0)
    }

    @Test func explainShowsTheBonus() throws {
        let reader = try Self.reader()
        let query = try reader.queryParser(defaultOperator: .or).parse("crude oil")
        let explanation = try #require(try reader.explain(query, id: "near", proximity: Self.setting))
        let score = try #require(try Self.scores(reader, "crude oil", proximity: Self.setting)["near"])
        #expect(abs(explanation.value - score) <= 1e-5)
        #expect(explanation.details.count == 2)
        #expect(explanation.details[1].summary.hasPrefix("term proximity"))
        #expect(explanation.details[1].value > 0)
        let plain = try #require(try reader.explain(query, id: "near", proximity: nil))
        #expect(abs(plain.value + explanation.details[1].value - explanation.value) <= 1e-5)
        // The default explains as search ranks by default (with the default bonus, if any).
        let byDefault = try #require(try reader.explain(query, id: "near"))
        var request = SearchRequest(query: query, limit: 10)
        request.snippets = false
        let defaultScore = try #require(try reader.search(request).hits.first { $0.id == "near" }?.score)
        #expect(abs(byDefault.value - defaultScore) <= 1e-5)
        #expect(byDefault.details.contains { $0.summary.hasPrefix("term proximity") } == (SearchRequest.defaultProximity != nil))
    }

    /// RM3 against a relevance model recomputed from the analyzed documents.
    @Test func expansionAddsTheRelevanceModelsWords() throws {
        var documents: [Document] = []
        for i in 0..<40 {
            documents.append(Document(id: "n\(i)", title: "", body: "noise words number \(i) about nothing in particular here"))
        }
        documents.append(Document(id: "r1", title: "tanker spill", body: "tanker spill coast oil slick cleanup crews"))
        documents.append(Document(id: "r2", title: "", body: "oil slick reaches coast cleanup crews work"))
        documents.append(Document(id: "r3", title: "", body: "slick cleanup crews on the coast after the spill"))
        let reader = try SearchDifferential.build(documents.map { .add($0) } + [.commit])
        let query = try reader.queryParser(defaultOperator: .or).parse("tanker spill")
        let settings = QueryExpansion(documents: 2, terms: 3, originalWeight: 0.5, maximumDocumentShare: 0.5)
        var request = SearchRequest(query: query, limit: 10)
        request.snippets = false
        request.proximity = nil
        let first = try reader.search(request)
        #expect(first.hits.map(\.id) == ["r1", "r3"])
        let expanded = try reader.expandedQuery(request, settings)
        guard case .boolean(let b) = expanded else { Issue.record("not a boolean: \(expanded)"); return }
        #expect(Array(b.should.prefix(2)) == [query].flatMap { q -> [Query] in
            if case .boolean(let o) = q { return o.should } else { return [q] }
        })
        // The model: Σ_D score(D) · tf / |D| over the two feedback documents (title and body).
        let analyzer = reader.analyzer
        var model: [String: Double] = [:]
        var documentFrequency: [String: Int] = [:]
        for document in documents {
            for term in Set(analyzer.terms(document.title) + analyzer.terms(document.body)) { documentFrequency[term, default: 0] += 1 }
        }
        for hit in first.hits.prefix(2) {
            let document = try #require(documents.first { $0.id == hit.id })
            let terms = analyzer.terms(document.title) + analyzer.terms(document.body)
            for term in terms { model[term, default: 0] += Double(hit.score) / Double(terms.count) }
        }
        let candidates = model.filter { entry in
            let df = documentFrequency[entry.key] ?? 0
            return df >= 2 && Double(df) <= 0.5 * Double(documents.count) && !["tanker", "spill"].contains(entry.key)
                && entry.key.count > 1 && !entry.key.allSatisfy(\.isNumber)
        }.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(3)
        let mass = candidates.reduce(0) { $0 + $1.value }
        var added: [String: Double] = [:]
        for clause in b.should.dropFirst(2) {
            guard case .boost(.term(let t), let boost) = clause else { Issue.record("unexpected clause \(clause)"); continue }
            added[t.term] = boost
        }
        #expect(Set(added.keys) == Set(candidates.map(\.key)))
        for (term, weight) in candidates {
            // (1 − α) / α · |q| · P(t | R), |q| = 2 words.
            #expect(abs((added[term] ?? 0) - 2 * weight / mass) <= 1e-4, "\(term)")
        }
        // The second pass finds the relevant document that has neither query word.
        request.expansion = settings
        let second = try reader.search(request)
        #expect(second.hits.map(\.id).contains("r2"))
        #expect(!first.hits.map(\.id).contains("r2"))
    }

    @Test func expansionLeavesOtherQueriesAlone() throws {
        let reader = try Self.reader()
        for text in ["\"crude oil\"", "body:crude OR gold", "crude -gold", "cru*"] {
            let query = try reader.queryParser(defaultOperator: .or).parse(text)
            #expect(try reader.expandedQuery(SearchRequest(query: query), QueryExpansion()) == query, "\(text)")
        }
    }
}
