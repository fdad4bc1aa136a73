import Foundation
import Testing
@testable import Trawl

/// The Snowball stemmers of the linked libstemmer (2.2.0 on Debian 12) against the reference
/// stems of the same Snowball version, on the vocabularies in
/// `../shared/data/snowball-languages/` (outside the repository; skipped when absent).
@Suite struct SnowballStemmerTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/data/snowball-languages", isDirectory: true)

    static var languages: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/voc.txt.zst").path) }.sorted()
    }

    /// The lines of a zstd file (empty lines kept; the last newline ends the last line).
    static func lines(_ path: String) throws -> [Substring] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["zstd", "-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    @Test(.enabled(if: !SnowballStemmerTests.languages.isEmpty, "needs ../shared/data/snowball-languages"))
    func everyLanguageStemsItsReferenceVocabularyAsSnowball220Does() throws {
        var report: [String] = []
        var checked = 0
        for language in Self.languages {
            let stemmer = try #require(SnowballStemmer(algorithm: language), "libstemmer has no \(language)")
            // Each language's configuration names that stemmer.
            #expect(AnalyzerConfiguration.named(language)?.stemmer.snowballAlgorithm == language)
            let words = try Self.lines(Self.folder.appendingPathComponent("\(language)/voc.txt.zst").path)
            let expected = try Self.lines(Self.folder.appendingPathComponent("\(language)/output-2.2.0.txt.zst").path)
            try #require(words.count == expected.count && words.count > 1_000, "\(language): \(words.count) words, \(expected.count) stems")
            var word: [UInt8] = [], scratch: [UInt8] = []
            var mismatches: [String] = []
            for (input, stem) in zip(words, expected) {
                word.removeAll(keepingCapacity: true)
                word.append(contentsOf: input.utf8)
                stemmer.stem(&word, scratch: &scratch)
                if !word.elementsEqual(stem.utf8) {
                    mismatches.append("\(input) → \(String(decoding: word, as: UTF8.self)) (expected \(stem))")
                }
            }
            report.append("\(language) \(words.count - mismatches.count)/\(words.count)")
            #expect(mismatches.isEmpty, "\(language): \(mismatches.count) of \(words.count) differ, e.g. \(mismatches.prefix(5))")
            checked += 1
        }
        #expect(checked == 25)
        print("Snowball stemmers against Snowball 2.2.0: " + report.joined(separator: ", "))
    }

    @Test func theLinkedLibraryHasEveryStemmerOfTheConfiguration() {
        let offered = Set(SnowballStemmer.algorithms)
        for stemmer in AnalyzerConfiguration.Stemmer.allCases {
            guard let algorithm = stemmer.snowballAlgorithm else { continue }
            #expect(offered.contains(algorithm), "libstemmer lacks \(algorithm)")
        }
    }

    /// Analyzers of a language stem inflected forms to one term, accents folded after stemming,
    /// and keep words of other scripts apart.
    @Test func languageAnalyzersStemThenFoldAccents() throws {
        func terms(_ analyzer: String, _ text: String) throws -> [String] {
            try Analyzer(#require(AnalyzerConfiguration.named(analyzer))).terms(text)
        }
        #expect(try terms("german", "Häuser Haus Hauses") == ["haus", "haus", "haus"])
        #expect(try terms("french", "élégantes élégant") == ["eleg", "eleg"])
        #expect(try terms("spanish", "canciones canción") == ["cancion", "cancion"])
        #expect(try terms("russian", "красивые красивый") == ["красив", "красив"])
        // Without accent folding after stemming the German umlaut would stay: "häus" ≠ "haus".
        #expect(try terms("german", "Mädchen") == ["madch"])
        // Hindi keeps its vowel signs (accent folding would strip the combining marks).
        let hindi = try terms("hindi", "किताबें")
        #expect(hindi.count == 1 && hindi[0].unicodeScalars.contains { $0.properties.generalCategory == .spacingMark || $0.properties.generalCategory == .nonspacingMark })
    }

    /// An index built with a language analyzer records it, and its queries are analyzed alike:
    /// an inflected form finds the other forms, phrases match.
    @Test func anIndexOfALanguageFindsInflectedForms() throws {
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        options.analyzer = try #require(AnalyzerConfiguration.named("german"))
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        try writer.add([
            Document(id: "haus", title: "Das alte Haus", body: "Das Haus am See wurde renoviert."),
            Document(id: "bäcker", title: "Bäckerei", body: "Die Bäcker backen frische Brötchen."),
            Document(id: "other", title: "Wetter", body: "Morgen regnet es."),
        ])
        try writer.commit()
        writer.close()
        let reader = try IndexReader(directory: directory)
        #expect(reader.analyzer.configuration.name == "german")
        #expect(try reader.search("Häuser").hits.map(\.id) == ["haus"])
        #expect(try reader.search("bäcker").hits.map(\.id) == ["bäcker"])
        #expect(try reader.search("baecker").hits.isEmpty) // no transliteration
        #expect(try reader.search("\"frische brötchen\"").hits.map(\.id) == ["bäcker"])
        #expect(try reader.search("Wetters").hits.map(\.id) == ["other"])
    }
}
