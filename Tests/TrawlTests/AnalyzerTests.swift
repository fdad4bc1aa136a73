import Testing
@testable import Trawl

@Suite struct AnalyzerTests {
    let english = try! Analyzer(.english)
    let simple = try! Analyzer(.simple)

    func terms(_ text: String, _ analyzer: Analyzer? = nil) -> [String] {
        (analyzer ?? english).analyze(text).map(\.term)
    }

    @Test func keepsWordsAndDropsPunctuationAndSpaces() {
        #expect(terms("Hello,   world!  ...", simple) == ["hello", "world"])
    }

    @Test func uax29ApostrophesNumbersAndHyphens() {
        #expect(terms("don't", simple) == ["don't"])
        #expect(terms("3.14 and 1,000,000", simple) == ["3.14", "and", "1,000,000"])
        #expect(terms("well-known", simple) == ["well", "known"])
        #expect(terms("U.S.A.", simple) == ["u.s.a"])
    }

    @Test func urlsAndEmailAddressesSplitAsICUDoes() {
        // UAX #29 has no URL rule: ICU splits at ':' '/' and keeps dotted host names together.
        #expect(terms("https://www.example.com/path", simple) == ["https", "www.example.com", "path"])
        #expect(terms("write to user@example.com", simple) == ["write", "to", "user@example.com"])
    }

    @Test func emojiAndSymbolsAreNotWords() {
        #expect(terms("I ❤️ 😀 search", simple) == ["i", "search"])
    }

    @Test func chineseJapaneseAndThaiSegmentIntoDictionaryWords() {
        let japanese = terms("東京都に住んでいます", simple)
        #expect(japanese.count >= 4)
        #expect(japanese.allSatisfy { $0.utf8.count <= 12 })
        let thai = terms("สวัสดีครับ", simple)
        #expect(thai == ["สวัสดี", "ครับ"])
        let chinese = terms("我们在北京大学学习中文", simple)
        #expect(chinese.count >= 4)
        #expect(chinese.allSatisfy { $0.utf8.count <= 12 })
        // A long run of ideographs never becomes one giant token.
        let long = String(repeating: "中华人民共和国", count: 200)
        #expect(terms(long, simple).allSatisfy { $0.utf8.count <= 30 })
    }

    @Test func nfkcCaseFolding() {
        #expect(terms("ＨＥＬＬＯ", simple) == ["hello"]) // full-width
        #expect(terms("ﬁnance", simple) == ["finance"]) // ligature
        #expect(terms("Straße", simple) == ["strasse"])
        #expect(terms("Ǆemal", simple) == ["džemal"])
        #expect(terms("ΣΊΣΥΦΟΣ", simple) == ["σίσυφοσ"])
    }

    @Test func accentFoldingInTheEnglishAnalyzer() {
        let config = AnalyzerConfiguration(name: "fold-only", foldAccents: true, stemmer: .none)
        let folding = try! Analyzer(config)
        #expect(terms("café Zürich naïve Åse Øre ŁÓDŹ Ǆ", folding) == ["cafe", "zurich", "naive", "ase", "ore", "lodz", "dz"])
        // Marks that are part of a script's spelling stay.
        #expect(terms("んで", folding) == ["んで"])
        #expect(terms("สวัสดี", folding) == ["สวัสดี"])
        #expect(terms("Москва́", folding) == ["москва"])
    }

    @Test func positionsAreConsecutiveWordIndexes() {
        let tokens = english.analyze("The quick, brown fox.")
        #expect(tokens.map(\.position) == [0, 1, 2, 3])
    }

    @Test func stopWordsAreKeptByDefaultAndOptionallyRemovedKeepingPositions() {
        #expect(terms("the who") == ["the", "who"])
        var config = AnalyzerConfiguration.english
        config.stopWords = .english
        let stopping = try! Analyzer(config)
        let tokens = stopping.analyze("the fox and the hound")
        #expect(tokens.map(\.term).contains("fox"))
        #expect(!tokens.map(\.term).contains("the"))
        #expect(tokens.first { $0.term == "fox" }?.position == 1)
    }

    @Test func offsetsPointAtTheSourceBytes() {
        let text = "Naïve café-owners in Zürich (東京) said: \"don't\" 3.14 — ﬁne!"
        let bytes = Array(text.utf8)
        for token in english.analyze(text) {
            #expect(token.start < token.end && token.end <= bytes.count)
            let surface = Array(bytes[token.start..<token.end])
            let again = english.analyze(utf8: surface)
            #expect(again.count == 1)
            #expect(again.first?.term == token.term)
        }
    }

    @Test func invalidUTF8IsRepairedNotTruncated() {
        let bytes: [UInt8] = Array("abc ".utf8) + [0xFF, 0xFE, 0xC3] + Array(" déf gh".utf8) + [0xE2, 0x82]
        let tokens = english.analyze(utf8: bytes)
        #expect(tokens.map(\.term) == ["abc", "def", "gh"])
        #expect(tokens.last!.end == bytes.count - 2)
        // Ill-formed bytes inside a word never crash and never lose the rest.
        let inside: [UInt8] = Array("caf".utf8) + [0x80] + Array("e next".utf8)
        let split = english.analyze(utf8: inside).map(\.term)
        #expect(split.last == "next")
    }

    @Test func overlongWordsAreDroppedButKeepTheirPosition() {
        let long = String(repeating: "a", count: 300)
        let tokens = simple.analyze("before \(long) after")
        #expect(tokens.map(\.term) == ["before", "after"])
        #expect(tokens.map(\.position) == [0, 2])
    }

    @Test func emptyAndWhitespaceInputs() {
        #expect(english.analyze("").isEmpty)
        #expect(english.analyze("   \n\t ").isEmpty)
        #expect(english.analyze(utf8: [0, 0, 0]).isEmpty)
    }

    @Test func cachedSurfaceFormsGiveTheSameTermsAsFreshOnes() {
        let text = "Running runners ran; running RUNNING Running."
        let first = terms(text)
        let second = terms(text)
        #expect(first == second)
        #expect(first[0] == first[3] && first[3] == first[5])
    }

    @Test func configurationsArePersistable() throws {
        let data = try JSONRoundTrip.encode(AnalyzerConfiguration.english)
        let back = try JSONRoundTrip.decode(AnalyzerConfiguration.self, from: data)
        #expect(back == .english)
        #expect(AnalyzerConfiguration.named("simple") == .simple)
        #expect(AnalyzerConfiguration.named("nope") == nil)
    }

    @Test func analyzerIsUsableFromManyThreadsAtOnce() async {
        let analyzer = english
        let expected = terms("Sanctions against Russia's oil exports")
        await withTaskGroup(of: [String].self) { group in
            for _ in 0..<16 {
                group.addTask { analyzer.analyze("Sanctions against Russia's oil exports").map(\.term) }
            }
            for await result in group { #expect(result == expected) }
        }
    }
}

import Foundation

enum JSONRoundTrip {
    static func encode<T: Encodable>(_ value: T) throws -> Data { try JSONEncoder().encode(value) }
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T { try JSONDecoder().decode(type, from: data) }
}
