import Foundation
import Testing
@testable import Trawl

/// Reads the real collections in `<package root>/../shared/data` when they are there.
@Suite struct DocumentsCorpusTests {
    typealias S = DocumentsTestSupport

    static let reuters = S.sharedDataFolder.appendingPathComponent("reuters21578/reuters21578.jsonl.zst")
    static var reutersAvailable: Bool {
        S.zstdPath != nil && FileManager.default.fileExists(atPath: reuters.path)
    }

    @Test(.enabled(if: reutersAvailable, "needs ../shared/data/reuters21578 and zstd"))
    func reuters21578() throws {
        let bytes = try S.decompress(Self.reuters)
        let result = try DocumentReader().read(contentsOf: bytes, relativePath: "reuters21578.jsonl", format: .jsonLines)
        #expect(result.warnings.isEmpty)
        let docs = result.documents
        #expect(docs.count == 21_578)
        #expect(Set(docs.map(\.id)).count == 21_578)
        #expect(docs.map(\.id) == (1...21_578).map(String.init))

        let first = try #require(docs.first)
        #expect(first.title == "BAHIA COCOA REVIEW")
        #expect(first.date == DocumentDate(year: 1987, month: 2, day: 26))
        #expect(first.body.hasPrefix("SALVADOR, Feb 26 - Showers continued throughout the week in\nthe Bahia cocoa zone"))
        #expect(first.fields.isEmpty)

        // Every document has a date in the collection's range; 737 have no title.
        let low = try #require(DocumentDate(year: 1987, month: 2, day: 26))
        let high = try #require(DocumentDate(year: 1987, month: 10, day: 20))
        #expect(docs.allSatisfy { $0.date.map { $0 >= low && $0 <= high } ?? false })
        #expect(docs.filter { $0.title.isEmpty }.count == 737)
        #expect(docs.filter { $0.body.isEmpty }.count == 1_799)
        // The one non-ASCII character (doc 17980, ü).
        #expect(docs[17_979].body.contains("ü") || docs[17_979].title.contains("ü"))
    }

    /// Parse speed of the JSON Lines reader on the real collections (prints MB/s). Run with
    /// `TRAWL_BENCHMARK=1 swift test -c release --filter DocumentsCorpusTests/jsonLinesSpeed`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TRAWL_BENCHMARK"] != nil && reutersAvailable))
    func jsonLinesSpeed() throws {
        let files = [
            Self.reuters,
            S.sharedDataFolder.appendingPathComponent("wikipedia-en-2015-sample/wikipedia-en-2015-sample.part1.jsonl.zst"),
        ].filter { FileManager.default.fileExists(atPath: $0.path) }
        let reader = DocumentReader()
        for file in files {
            let bytes = try S.decompress(file)
            var best = Duration.seconds(1_000)
            var count = 0
            for _ in 0..<5 {
                let clock = ContinuousClock()
                let start = clock.now
                let result = try reader.read(contentsOf: bytes, relativePath: file.lastPathComponent, format: .jsonLines)
                best = min(best, clock.now - start)
                count = result.documents.count
            }
            let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
            let megabytes = Double(bytes.count) / 1e6
            print("JSONL \(file.lastPathComponent): \(count) documents, \(String(format: "%.1f", megabytes)) MB in \(String(format: "%.3f", seconds)) s = \(String(format: "%.0f", megabytes / seconds)) MB/s")
        }
    }
}
