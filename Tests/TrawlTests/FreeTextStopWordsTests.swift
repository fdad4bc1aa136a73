import Foundation
import Testing
@testable import Trawl

/// Free-text stop words (``SearchRequest/freeTextStopWords``): in an OR of plain words, the
/// stop words match without scoring, checked against the brute-force reference and against the
/// same search with the option off.
@Suite struct FreeTextStopWordsTests {
    static let documents = [
        Document(id: "oil", title: "What is the price of oil", body: "the price of crude oil rose in the spring"),
        Document(id: "gold", title: "", body: "gold is what the miners of the north dig"),
        Document(id: "stop", title: "", body: "what is the use of it, and where is it"),
        Document(id: "prices", title: "Oil prices", body: "oil prices fell and oil stocks fell with them"),
    ]

    static func scores(_ reader: IndexReader, _ text: String, stopWords: Bool, or: Bool = true,
                       proximity: TermProximity? = SearchRequest.defaultProximity) throws -> [String: Float] {
        var request = SearchRequest(query: try reader.queryParser(defaultOperator: or ? .or : .and).parse(text), limit: 10)
        request.snippets = false
        request.freeTextStopWords = stopWords
        request.proximity = proximity
        return Dictionary(uniqueKeysWithValues: try reader.search(request).hits.map { ($0.id, $0.score) })
    }

    @Test func theListIsNLTKsEnglishList() {
        #expect(FreeTextStopWords.words.count == 179)
        #expect(Set(FreeTextStopWords.words).count == 179)
        for word in ["what", "the", "of", "does", "which", "is"] { #expect(FreeTextStopWords.words.contains(word)) }
        for word in ["oil", "price", "information", "paper"] { #expect(!FreeTextStopWords.words.contains(word)) }
    }

    @Test func stopWordsMatchWithoutScoringAndTheReferenceAgrees() throws {
        let reader = try memoryIndex(Self.documents).reader
        let text = "what is the price of oil"
        let on = try Self.scores(reader, text, stopWords: true)
        let off = try Self.scores(reader, text, stopWords: false)
        // The same matches either way: stop words still match ...
        #expect(Set(on.keys) == Set(off.keys))
        #expect(Set(on.keys) == ["oil", "gold", "stop", "prices"])
        // ... but add nothing: a document holding only stop words scores 0, and every other
        // one scores what "price OR oil" alone gives it.
        #expect(on["stop"] == 0)
        #expect(try #require(off["stop"]) > 0)
        let content = try Self.scores(reader, "price oil", stopWords: true)
        for (id, score) in content { #expect(abs(try #require(on[id]) - score) <= 1e-5 * max(1, score), "\(id)") }
        // The reference computes the same scores, and without the option its scores are the old ones.
        let query = try reader.queryParser(defaultOperator: .or).parse(text)
        var reference = BruteForceSearch(Self.documents, analyzer: reader.analyzer)
        let withStopWords = reference.matches(query)
        reference.freeTextStopWords = false
        let everyWord = reference.matches(query)
        for (expected, got) in [(withStopWords, on), (everyWord, off)] {
            #expect(expected.count == got.count)
            for match in expected {
                let score = try #require(got[match.id])
                #expect(abs(Double(score) - match.score) <= 1e-4 * max(1, match.score), "\(match.id)")
            }
        }
    }

    @Test func onlyFreeTextDisjunctionsWithAContentWordChange() throws {
        let reader = try memoryIndex(Self.documents).reader
        // All words stop words: they score as before.
        #expect(try Self.scores(reader, "what is the", stopWords: true) == Self.scores(reader, "what is the", stopWords: false))
        // Required words (AND) and fielded words score as before.
        #expect(try Self.scores(reader, "the oil", stopWords: true, or: false) == Self.scores(reader, "the oil", stopWords: false, or: false))
        #expect(try Self.scores(reader, "body:the OR body:oil", stopWords: true)
                == Self.scores(reader, "body:the OR body:oil", stopWords: false))
        // A phrase keeps its stop words.
        #expect(try Self.scores(reader, "\"price of oil\"", stopWords: true) == Self.scores(reader, "\"price of oil\"", stopWords: false))
    }

    @Test func theProximityBonusLeavesStopWordsOutAndTheReferenceAgrees() throws {
        let reader = try memoryIndex(Self.documents).reader
        let setting = TermProximity(weight: 1, window: 5)
        let text = "the price of oil"
        let near = try Self.scores(reader, text, stopWords: true, proximity: setting)
        var reference = BruteForceSearch(Self.documents, analyzer: reader.analyzer)
        reference.proximity = setting
        let query = try reader.queryParser(defaultOperator: .or).parse(text)
        let expected = reference.matches(query)
        #expect(expected.count == near.count)
        for match in expected {
            let score = try #require(near[match.id])
            #expect(abs(Double(score) - match.score) <= 1e-4 * max(1, match.score), "\(match.id)")
        }
        // "stop" holds only stop words close together: no bonus, no score.
        #expect(near["stop"] == 0)
        // With one content word left there is no pair, so no bonus.
        #expect(try Self.scores(reader, "the oil", stopWords: true, proximity: setting) == Self.scores(reader, "the oil", stopWords: true))
    }

    @Test func explainSaysAStopWordAddsNothing() throws {
        let reader = try memoryIndex(Self.documents).reader
        let query = try reader.queryParser(defaultOperator: .or).parse("the price")
        let explanation = try #require(try reader.explain(query, id: "oil"))
        let text = "\(explanation)"
        #expect(text.contains("a free-text stop word"))
        let plain = try #require(try reader.explain(query, id: "oil", freeTextStopWords: false))
        #expect(!"\(plain)".contains("a free-text stop word"))
        #expect(plain.value > explanation.value)
    }
}
