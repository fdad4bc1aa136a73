import Foundation
import Testing
@testable import Trawl

private typealias S = DocumentsTestSupport

/// The watcher drives a folder through creates, edits, atomic saves, renames, folder moves and
/// deletes; after each step the watched index must equal a fresh index of the folder.
@Suite struct FolderWatcherTests {
    /// Every live document of an index: id → title and body.
    static func contents(ofIndexAt path: String) throws -> [String: String] {
        let reader = try IndexReader(path: path)
        var request = SearchRequest(query: .matchAll, limit: 100_000)
        request.snippets = false
        let hits = try reader.search(request).hits
        var result: [String: String] = [:]
        for hit in hits {
            let stored = try #require(try reader.document(id: hit.id))
            result[hit.id] = stored.title + "\n" + stored.body
        }
        return result
    }

    /// A fresh index of `folder`, built in a new folder, and its contents.
    static func freshContents(of folder: String, scratch: String) throws -> [String: String] {
        let path = scratch + "/fresh-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = IndexWriterOptions()
        options.durable = false
        let writer = try IndexWriter(path: path, options: options)
        _ = try FolderIndexer(writer: writer).run(paths: [folder])
        writer.close()
        return try contents(ofIndexAt: path)
    }

    /// Waits (up to `timeout` seconds: the machine may be loaded) until the watched index
    /// equals a fresh index of the folder; records an issue naming `step` otherwise.
    static func expectConverges(_ step: String, docs: String, index: String, scratch: String,
                                timeout: Double = 20) throws {
        let expected = try freshContents(of: docs, scratch: scratch)
        let deadline = Date().addingTimeInterval(timeout)
        var actual: [String: String] = [:]
        repeat {
            actual = (try? contents(ofIndexAt: index)) ?? [:]
            if actual == expected { return }
            usleep(100_000)
        } while Date() < deadline
        Issue.record("after \(step): the watched index has \(actual.keys.sorted()), a fresh one \(expected.keys.sorted())")
    }

    static func atomicSave(_ text: String, to relative: String, in root: String) throws {
        let url = URL(fileURLWithPath: root).appendingPathComponent(relative)
        let temporary = url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".swp")
        try Data(text.utf8).write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else { throw TrawlError(.io, "rename failed") }
    }

    func drive(forcePolling: Bool) throws {
        try S.withTemporaryFolder { root in
            let docs = root + "/docs", index = root + "/index"
            try S.write("Alpha\nfirst words", to: "alpha.txt", in: docs)
            try S.write("# Beta\nsecond words", to: "notes/beta.md", in: docs)
            var writerOptions = IndexWriterOptions()
            writerOptions.durable = false
            var settings = FolderWatcher.Settings()
            settings.forcePolling = forcePolling
            settings.pollInterval = 0.2
            let collected = UpdateLog()
            let watcher = FolderWatcher(paths: [docs], indexPath: index, writerOptions: writerOptions, settings: settings) {
                collected.append($0)
            }
            watcher.start()
            defer {
                watcher.stop()
                try? watcher.wait()
            }
            func converges(_ step: String) throws { try Self.expectConverges(step, docs: docs, index: index, scratch: root) }
            try converges("the first pass")
            #expect(collected.updates.first?.isInitialPass == true)
            #expect(collected.updates.first?.changes.added.count == 2)

            try S.write("Gamma\nthird words", to: "gamma.txt", in: docs)
            try converges("a create")
            try S.write("Alpha\nfirst words, edited", to: "alpha.txt", in: docs)
            try converges("an edit")
            try Self.atomicSave("# Beta\nsaved atomically", to: "notes/beta.md", in: docs)
            try converges("an atomic save")
            #expect(try Self.contents(ofIndexAt: index)["notes/beta.md"]?.contains("saved atomically") == true)
            #expect(rename(docs + "/gamma.txt", docs + "/delta.txt") == 0)
            try converges("a rename")
            // New folders (and folders inside them) are watched as they appear.
            try S.write("Deep\ndeep words", to: "a/b/c/deep.txt", in: docs)
            try converges("a new nested folder")
            try S.write("Deeper\ndeeper words", to: "a/b/c/deeper.txt", in: docs)
            try converges("a file in the new nested folder")
            #expect(rename(docs + "/a", docs + "/notes/moved") == 0)
            try converges("a folder move")
            try S.write("Later\nlater words", to: "notes/moved/b/later.txt", in: docs)
            try converges("a file in the moved folder")
            try FileManager.default.removeItem(atPath: docs + "/notes")
            try converges("a folder delete")
            try FileManager.default.removeItem(atPath: docs + "/alpha.txt")
            try converges("a delete")
            #expect(watcher.mechanism == (forcePolling ? .polling : .inotify))
            // Every update after the first changed something and says what.
            for update in collected.updates.dropFirst() { #expect(!update.changes.isEmpty) }
            // The update is reported just after its commit, which the index may show first.
            let deadline = Date().addingTimeInterval(20)
            while !collected.updates.contains(where: { $0.changes.deleted.contains { $0.hasSuffix("docs/alpha.txt") } }),
                  Date() < deadline { usleep(50_000) }
            #expect(collected.updates.contains { $0.changes.deleted.contains { $0.hasSuffix("docs/alpha.txt") } })
        }
    }

    @Test func watchedIndexFollowsTheFolderWithInotify() throws {
        try drive(forcePolling: false)
    }

    @Test func watchedIndexFollowsTheFolderByPolling() throws {
        try drive(forcePolling: true)
    }

    @Test func updatesAreAnAsyncSequenceThatEndsOnStop() async throws {
        try await S.withTemporaryFolderAsync { root in
            let docs = root + "/docs"
            try S.write("One\nsome words", to: "one.txt", in: docs)
            var writerOptions = IndexWriterOptions()
            writerOptions.durable = false
            let watcher = FolderWatcher(paths: [docs], indexPath: root + "/index", writerOptions: writerOptions)
            watcher.start()
            var iterator = watcher.updates.makeAsyncIterator()
            let first = try #require(try await iterator.next())
            #expect(first.isInitialPass && first.changes.added == [FolderIndexer.absolute(docs) + "/one.txt"])
            try S.write("Two\nmore words", to: "two.txt", in: docs)
            let second = try #require(try await iterator.next())
            #expect(!second.isInitialPass && second.changes.added == [FolderIndexer.absolute(docs) + "/two.txt"])
            #expect(second.generation > first.generation)
            watcher.stop()
            #expect(try await iterator.next() == nil)
            try watcher.wait()
            // The lock is free again.
            let writer = try IndexWriter(path: root + "/index", options: writerOptions)
            writer.close()
        }
    }

    @Test func aSecondWatcherOfTheSameIndexFailsWithTheLock() throws {
        try S.withTemporaryFolder { root in
            try S.write("One\nsome words", to: "one.txt", in: root + "/docs")
            var writerOptions = IndexWriterOptions()
            writerOptions.durable = false
            let writer = try IndexWriter(path: root + "/index", options: writerOptions)
            defer { writer.close() }
            let watcher = FolderWatcher(paths: [root + "/docs"], indexPath: root + "/index", writerOptions: writerOptions)
            watcher.start()
            do throws(TrawlError) {
                try watcher.wait()
                Issue.record("the watcher must fail while another writer holds the lock")
            } catch {
                #expect(error.code == .indexLocked)
            }
        }
    }
}

/// Updates collected from the watcher's thread.
final class UpdateLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [IndexUpdate] = []

    func append(_ update: IndexUpdate) {
        lock.lock()
        list.append(update)
        lock.unlock()
    }

    var updates: [IndexUpdate] {
        lock.lock()
        defer { lock.unlock() }
        return list
    }
}

extension DocumentsTestSupport {
    /// ``withTemporaryFolder(_:)`` for asynchronous bodies.
    static func withTemporaryFolderAsync<R>(_ body: (String) async throws -> R) async throws -> R {
        var template = Array((NSTemporaryDirectory() + "/trawl-documents-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else { throw TrawlError(.io, "mkdtemp failed") }
        let path = String(cString: created)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }
}
