import Foundation
import Testing
@testable import Trawl

@Suite struct IncrementalIndexingTests {
    let root = NSTemporaryDirectory() + "/trawl-incremental-\(UUID().uuidString)"

    func write(_ text: String, _ relative: String) throws {
        let url = URL(fileURLWithPath: root + "/docs/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: false, encoding: .utf8)
    }

    func setModificationTime(_ relative: String, secondsAgo: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -secondsAgo)],
                                              ofItemAtPath: root + "/docs/" + relative)
    }

    func run() throws -> IndexingSummary {
        var options = IndexWriterOptions()
        options.durable = false
        let writer = try IndexWriter(path: root + "/index", options: options)
        defer { writer.close() }
        return try FolderIndexer(writer: writer).run(paths: [root + "/docs"])
    }

    func ids() throws -> Set<String> {
        let reader = try IndexReader(path: root + "/index")
        let all = try reader.search(SearchRequest(query: .matchAll, limit: 1000, countTotal: true))
        return Set(all.hits.map(\.id))
    }

    /// The writer's public API by source (the `_source` field), which incremental indexing is built on.
    @Test func theWriterFindsComparesAndDeletesDocumentsBySource() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = IndexWriterOptions()
        options.durable = false
        let writer = try IndexWriter(path: root + "/index", options: options)
        defer { writer.close() }
        #expect(writer.path == root + "/index")
        func document(_ id: String, from source: String) -> Document {
            Document(id: id, body: "text", fields: ["_source": .string(source), "_source_hash": .string("hash-" + id), "note": "ann"])
        }
        try writer.add([document("a1", from: "/n/a.jsonl"), document("a2", from: "/n/a.jsonl"),
                        document("b", from: "/n/sub/b.txt"), document("c", from: "/other/c.txt")])
        try writer.commit()
        #expect(try writer.sources(withPrefix: "/n/") == ["/n/a.jsonl", "/n/sub/b.txt"])
        let fields = try writer.storedFields(source: "/n/sub/b.txt")
        #expect(fields?["_source_hash"] == "hash-b" && fields?["note"] == "ann")
        #expect(try writer.storedFields(source: "/n/missing.txt") == nil)
        #expect(try writer.delete(source: "/n/a.jsonl") == 2)
        #expect(try writer.sources(withPrefix: "/n/") == ["/n/sub/b.txt"])
        #expect(try writer.storedFields(source: "/n/a.jsonl") == nil)
        #expect(try writer.delete(source: "/n/a.jsonl") == 0)
        #expect(try IndexWriter(directory: MemoryDirectory(), lock: nil, options: options).path == nil)
    }

    /// A run whose task is cancelled stops with `cancelled` (not an invalid argument) and
    /// leaves the index at its previous commit.
    @Test func aCancelledRunReportsCancellationAndCommitsNothing() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write("Alpha\nApples.", "a.txt")
        _ = try run()
        try write("Beta\nBananas.", "b.txt")
        let root = self.root
        let code = try await Task { () throws -> TrawlError.Code? in
            withUnsafeCurrentTask { $0?.cancel() }
            var options = IndexWriterOptions()
            options.durable = false
            let writer = try IndexWriter(path: root + "/index", options: options)
            defer { writer.close() }
            do throws(TrawlError) {
                _ = try FolderIndexer(writer: writer).run(paths: [root + "/docs"])
                return nil
            } catch {
                return error.code
            }
        }.value
        #expect(code == .cancelled)
        #expect(try ids() == ["a.txt"])
        #expect(try run().added == 1, "the next run indexes what the cancelled one did not commit")
    }

    @Test func editTouchDeleteRenameAndAdd() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write("Alpha\nThe first note about apples.", "a.txt")
        try write("---\ntitle: Beta\n---\nBananas are yellow.", "sub/b.md")
        try write("<html><head><title>Gamma</title></head><body><p>Grapes.</p></body></html>", "sub/c.html")
        try write("{\"id\":\"j1\",\"title\":\"J one\",\"body\":\"juniper\"}\n{\"id\":\"j2\",\"title\":\"J two\",\"body\":\"jasmine\"}\n", "data.jsonl")
        try write("\u{0}\u{1}\u{2}binary", "junk.bin")
        var summary = try run()
        #expect(summary.added == 4)
        #expect(summary.skipped == 1)
        #expect(try ids() == ["a.txt", "sub/b.md", "sub/c.html", "j1", "j2"])

        // Nothing changed: everything is skipped by size and time.
        summary = try run()
        #expect(summary.unchanged == 4 && summary.added == 0 && summary.updated == 0 && summary.documents == 0)

        // Touch without change: the content hash says unchanged.
        try setModificationTime("a.txt", secondsAgo: 5)
        summary = try run()
        #expect(summary.unchanged == 4 && summary.updated == 0)

        // Edit one file, delete another, rename a third, shrink the JSON Lines file, add one.
        try write("Alpha\nThe first note, now about apricots.", "a.txt")
        try setModificationTime("a.txt", secondsAgo: 1)
        try FileManager.default.removeItem(atPath: root + "/docs/sub/c.html")
        try FileManager.default.moveItem(atPath: root + "/docs/sub/b.md", toPath: root + "/docs/b-renamed.md")
        try write("{\"id\":\"j1\",\"title\":\"J one\",\"body\":\"juniper berries\"}\n", "data.jsonl")
        try write("Delta\nDates and durians.", "d.txt")
        summary = try run()
        #expect(summary.updated == 2)   // a.txt, data.jsonl
        #expect(summary.added == 2)     // b-renamed.md, d.txt
        #expect(summary.deleted == 2)   // sub/c.html, sub/b.md
        #expect(summary.failed == 0)
        #expect(try ids() == ["a.txt", "b-renamed.md", "j1", "d.txt"])

        let reader = try IndexReader(path: root + "/index")
        #expect(try reader.search("apricots").hits.map(\.id) == ["a.txt"])
        #expect(try reader.search("apples").hits.isEmpty)
        #expect(try reader.search("jasmine").hits.isEmpty)
        #expect(try reader.search("bananas").hits.map(\.id) == ["b-renamed.md"])
        #expect(reader.check().isHealthy)
    }

    @Test func unreadableAndMalformedFilesAreReportedWhileTheRestIsIndexed() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write("Good\nA good file.", "good.txt")
        try write("{\"id\": \"x\", \"title\": ", "broken.json")
        try write("---\ntitle: [unclosed\n---\nbody", "bad-front-matter.md")
        let summary = try run()
        #expect(summary.added == 1)
        #expect(summary.failed == 2)
        #expect(summary.problems.count >= 2)
        #expect(summary.problems.contains { $0.contains("broken.json") })
        #expect(try ids() == ["good.txt"])
    }
}
