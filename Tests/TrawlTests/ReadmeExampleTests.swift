import Foundation
import Testing
@testable import Trawl

/// The library example of README.md, kept compiling and working.
@Suite struct ReadmeExampleTests {
    @Test func theReadmeLibraryExampleWorks() throws {
        let folder = NSTemporaryDirectory() + "/trawl-readme-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let writer = try IndexWriter(path: folder + "/my-index")
        try writer.add([
            Document(id: "a", title: "Oil sanctions widen", date: DocumentDate(year: 2024, month: 2, day: 14),
                     body: "Importing nations widened sanctions on crude oil exports."),
            Document(id: "b", title: "Harvest report", body: "Wheat harvest beats forecasts."),
        ])
        try writer.commit()
        writer.close()

        let index = try IndexReader(path: folder + "/my-index")
        let results = try index.search("sanctions AND oil", limit: 10)
        #expect(results.hits.map(\.id) == ["a"])
        #expect(results.hits[0].snippet?.text.contains("sanctions") == true)

        let parsed = try index.queryParser().parse("sanctions AND \"crude oil\"~1")
        let counted = try index.search(SearchRequest(query: parsed, limit: 5, countTotal: true))
        #expect(counted.hits.map(\.id) == ["a"])
        #expect(counted.total == 1 && counted.totalRelation.rawValue == "eq")
        let explanation = try #require(try index.explain("sanctions AND oil", id: "a"))
        #expect(explanation.value == results.hits[0].score)
        #expect(try index.explain("sanctions AND oil", id: "nope") == nil)

        let query = Query.and([Query.term("oil"), Query.phrase("crude oil", slop: 1)])
        let page = try index.search(SearchRequest(query: query, limit: 5, sort: .dateDescending))
        #expect(page.hits.map(\.id) == ["a"])
        #expect(page.total == 1)

        try FileManager.default.createDirectory(atPath: folder + "/notes/sub", withIntermediateDirectories: true)
        try "Shopping\nmilk and bread".write(toFile: folder + "/notes/list.txt", atomically: true, encoding: .utf8)
        try "---\ntitle: Ideas\ndate: 2024-05-01\n---\n# Ideas\n\nA *search* engine.".write(
            toFile: folder + "/notes/sub/ideas.md", atomically: true, encoding: .utf8)
        let folderWriter = try IndexWriter(path: folder + "/notes-index")
        let summary = try FolderIndexer(writer: folderWriter).run(paths: [folder + "/notes"])
        #expect(summary.added == 2 && summary.failed == 0)
        folderWriter.close()
        let notes = try IndexReader(path: folder + "/notes-index")
        let ideas = try notes.search("engine")
        #expect(ideas.hits.first?.id == "sub/ideas.md")
        #expect(ideas.hits.first?.title == "Ideas")
        #expect(ideas.hits.first?.date == DocumentDate(year: 2024, month: 5, day: 1))
    }

    /// Every Swift block of README.md is, verbatim, in ReadmeSnippets.swift, which the test
    /// target compiles: a README example that stops compiling fails the build.
    @Test func everyReadmeSnippetIsCompiled() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let compiled = try String(contentsOf: root.appendingPathComponent("Tests/TrawlTests/ReadmeSnippets.swift"), encoding: .utf8)
        let compiledLines = compiled.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : String($0) }
            .joined(separator: "\n")
        let blocks = readme.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(!blocks.isEmpty)
        for block in blocks {
            let code = block.replacingOccurrences(of: "import Trawl\n\n", with: "").trimmingCharacters(in: .newlines)
            #expect(compiledLines.contains(code), "README.md has a Swift block that ReadmeSnippets.swift lacks:\n\(code.prefix(200))")
        }
    }
}
