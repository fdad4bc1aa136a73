import Foundation
import Testing
@testable import Trawl

/// Where the Snowball reference vocabulary lives: `<package root>/../shared/data/...`,
/// found from this file's path (`<package root>/Tests/TrawlTests/EnglishStemmerTests.swift`).
private enum ReferenceVocabulary {
    /// The folder holding `voc.txt` (input words) and `output.txt` (expected stems).
    static let folder: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/TrawlTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .deletingLastPathComponent()  // the folder beside the package root
        .appendingPathComponent("shared/data/snowball-english/english-current", isDirectory: true)

    /// Whether both reference files exist (they live outside the repository).
    static var isPresent: Bool {
        let files = FileManager.default
        return files.fileExists(atPath: folder.appendingPathComponent("voc.txt").path)
            && files.fileExists(atPath: folder.appendingPathComponent("output.txt").path)
    }

    /// The non-empty lines of one of the reference files.
    static func lines(_ name: String) throws -> [String] {
        let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true).map {
            String($0.hasSuffix("\r") ? $0.dropLast() : $0)
        }
    }
}

@Suite struct EnglishStemmerTests {
    /// Stems with the byte API, as the analyzer does.
    private func stem(_ word: String) -> String {
        var bytes = Array(word.utf8)
        EnglishStemmer.stem(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    // The reference vocabulary of Snowball's English stemmer (snowball-data, current
    // algorithm). It is kept in the shared data folder beside the project, not in the
    // repository; without it this test is skipped (and shown as skipped).
    @Test(
        "Every word of the Snowball reference vocabulary stems as the reference does",
        .enabled(if: ReferenceVocabulary.isPresent, "needs ../shared/data/snowball-english/english-current")
    )
    func referenceVocabulary() throws {
        let words = try ReferenceVocabulary.lines("voc.txt")
        let expected = try ReferenceVocabulary.lines("output.txt")
        try #require(words.count == expected.count, "voc.txt and output.txt differ in length")
        #expect(words.count == 42_649)

        var buffer: [UInt8] = []
        buffer.reserveCapacity(64)
        var failures: [String] = []
        var matched = 0
        for (word, stem) in zip(words, expected) {
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: word.utf8)
            EnglishStemmer.stem(&buffer)
            if buffer.elementsEqual(stem.utf8) {
                matched += 1
            } else if failures.count < 20 {
                failures.append("\(word) -> \(String(decoding: buffer, as: UTF8.self)) (expected \(stem))")
            }
        }
        #expect(matched == words.count, "\(words.count - matched) mismatches, first: \(failures.joined(separator: "; "))")
        print("EnglishStemmer: \(matched) of \(words.count) reference words match")
    }

    @Test func possessivesAreRemoved() {
        #expect(stem("russia's") == "russia")
        #expect(stem("russia's'") == "russia")
        #expect(stem("russia''") == "russia'")
        #expect(stem("there's") == "there")
        #expect(stem("'tis") == "tis")
        #expect(stem("'") == "'")
        #expect(stem("''") == "''")
        #expect(stem("'''") == "'")
        #expect(stem("''''''") == "''''")
    }

    @Test func shortWordsAreLeftAlone() {
        for word in ["", "a", "s", "is", "by", "at", "ed", "é"] {
            #expect(stem(word) == word)
        }
        #expect(stem("ties") == "tie")
        #expect(stem("cries") == "cri")
        #expect(stem("gas") == "gas")
        #expect(stem("gaps") == "gap")
        #expect(stem("bled") == "bled")
        #expect(stem("feed") == "feed")
    }

    @Test func yIsAVowelOnlyAfterAConsonant() {
        #expect(stem("cry") == "cri")
        #expect(stem("say") == "say")
        #expect(stem("toys") == "toy")
        #expect(stem("boys") == "boy")
        #expect(stem("buying") == "buy")
        #expect(stem("enjoying") == "enjoy")
        #expect(stem("flying") == "fli")
        #expect(stem("yes") == "yes")
        #expect(stem("youth") == "youth")
        #expect(stem("yelled") == "yell")
        #expect(stem("ying") == "ying")
        #expect(stem("yyyy") == "yyyi")
        #expect(stem("theyre") == "theyr")
    }

    @Test func exceptionalWords() {
        let cases: [(String, String)] = [
            ("skis", "ski"), ("skies", "sky"), ("sky", "sky"), ("news", "news"),
            ("gently", "gentl"), ("ugly", "ugli"), ("early", "earli"), ("only", "onli"),
            ("singly", "singl"), ("idly", "idl"), ("howe", "howe"), ("atlas", "atlas"),
            ("cosmos", "cosmos"), ("bias", "bias"), ("andes", "andes"),
            // -ing and -eed exceptions of step 1b
            ("dying", "die"), ("lying", "lie"), ("tying", "tie"), ("vying", "vie"),
            ("inning", "inning"), ("innings", "inning"), ("outing", "outing"),
            ("canning", "canning"), ("herring", "herring"), ("earring", "earring"),
            ("evening", "evening"), ("proceed", "proceed"), ("exceed", "exceed"),
            ("succeeding", "succeed"), ("agreed", "agre"),
            // fixed R1 prefixes
            ("generate", "generat"), ("generates", "generat"), ("general", "general"),
            ("generically", "generic"), ("communication", "communic"), ("arsenic", "arsenic"),
            ("university", "universiti"), ("organization", "organiz"), ("internal", "internal"),
            ("lateral", "lateral"), ("emergency", "emergenc"),
            // 2023 changes: undoubling, -ogist, past
            ("added", "add"), ("ebbing", "ebb"), ("offing", "off"), ("hopping", "hop"),
            ("geologist", "geolog"), ("oncology", "oncolog"),
            ("pasted", "paste"), ("pasting", "paste"), ("paste", "paste"),
            // a few ordinary ones
            ("hoped", "hope"), ("caresses", "caress"), ("ponies", "poni"),
            ("quickly", "quick"), ("hopelessly", "hopeless"), ("poisoning", "poison"),
        ]
        for (word, expected) in cases {
            #expect(stem(word) == expected, "\(word)")
            #expect(EnglishStemmer.stem(word) == expected, "\(word) (String API)")
        }
    }

    @Test func nonASCIICharactersAreNonVowels() {
        // Expected values are those of Snowball's own implementation.
        #expect(stem("cafés") == "café")
        #expect(stem("naïve") == "naïv")
        #expect(stem("über") == "über")
        #expect(stem("fiancée") == "fiancé")
        #expect(stem("épée") == "épée")
        #expect(stem("éies") == "éie")
        #expect(stem("éy") == "éy")
        #expect(stem("aéy") == "aéi")
    }

    @Test func arbitraryBytesNeverTrap() {
        let samples: [[UInt8]] = [
            [], [0x00], [0xFF], [0xFF, 0xFF], [0x80, 0x80, 0x80], [0xC3], [0xC3, 0xA9],
            [0xF0, 0x9F, 0x98, 0x80, 0x73], Array("ies".utf8), Array("'s".utf8),
            [0x27, 0x27, 0x27, 0x27], [0xE2, 0x80, 0x99, 0x73], [0x80, 0x69, 0x65, 0x73],
            [0xC3, 0x69, 0x6E, 0x67], [0x79, 0x80, 0x80, 0x80, 0x80, 0x79],
            Array(repeating: 0x65, count: 1000), Array(repeating: 0xBF, count: 300),
            Array("y".utf8) + Array(repeating: 0x80, count: 5) + Array("ying".utf8),
        ]
        for sample in samples {
            var bytes = sample
            EnglishStemmer.stem(&bytes)
            #expect(bytes.count <= sample.count)
        }
        // Every byte sequence of length up to 3 over a small alphabet of interesting bytes,
        // then suffixes glued to random prefixes.
        let alphabet: [UInt8] = [0x27, 0x59, 0x61, 0x65, 0x69, 0x6C, 0x73, 0x79, 0x80, 0xC3, 0xFF]
        var generator = SystemRandomNumberGenerator()
        let suffixes = ["ing", "ed", "ies", "eed", "ly", "ogist", "ational", "e", "s'", "y"]
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...8, using: &generator)
            var bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            if Bool.random(using: &generator) {
                bytes += Array(suffixes.randomElement(using: &generator)!.utf8)
            }
            let before = bytes.count
            EnglishStemmer.stem(&bytes)
            #expect(bytes.count <= before)
        }
    }

    @Test func stemmingInPlaceKeepsTheBuffer() {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        bytes.append(contentsOf: "generalizations".utf8)
        let address = bytes.withUnsafeBufferPointer { $0.baseAddress }
        let capacity = bytes.capacity
        EnglishStemmer.stem(&bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "general")
        #expect(bytes.withUnsafeBufferPointer { $0.baseAddress } == address)
        #expect(bytes.capacity == capacity)

        var empty: [UInt8] = []
        EnglishStemmer.stem(&empty)
        #expect(empty.isEmpty)
    }

    @Test func bufferAPIReturnsTheStemLength() {
        var bytes = Array("running".utf8)
        let length = bytes.withUnsafeMutableBufferPointer { EnglishStemmer.stem($0) }
        #expect(length == 3)
        #expect(String(decoding: bytes[..<length], as: UTF8.self) == "run")
        #expect(EnglishStemmer.stem(UnsafeMutableBufferPointer(start: nil, count: 0)) == 0)
    }
}

@Suite struct EnglishStopWordsTests {
    /// Looks up `word` through the byte API.
    private func isStopWord(_ word: String) -> Bool {
        var copy = word
        return copy.withUTF8 { EnglishStopWords.contains($0) }
    }

    @Test func theListHasThirtyThreeDistinctWords() {
        #expect(EnglishStopWords.words.count == 33)
        let all = EnglishStopWords.words.map { $0.description }
        #expect(Set(all).count == 33)
        for word in all {
            #expect(isStopWord(word), "\(word)")
            #expect(EnglishStopWords.contains(word), "\(word)")
        }
    }

    @Test func stopWords() {
        for word in ["a", "an", "and", "the", "of", "to", "is", "it", "there", "their", "with", "into", "such"] {
            #expect(isStopWord(word), "\(word)")
            #expect(EnglishStopWords.contains(word), "\(word)")
        }
    }

    @Test func otherWordsAreNotStopWords() {
        for word in ["", "b", "i", "he", "she", "theirs", "thee", "th", "an'", "The", "A", "search",
                     "withe", "wit", "tho", "ass", "thereof", "é", "aa", "to\u{0}"] {
            #expect(!isStopWord(word), "\(word)")
            #expect(!EnglishStopWords.contains(word), "\(word)")
        }
    }
}
