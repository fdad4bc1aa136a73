import Foundation
import Testing
@testable import Trawl

private typealias S = DocumentsTestSupport

/// `trawl serve --watch`: an ``IndexService`` whose folder watcher indexes through the
/// service's own writer, while documents keep arriving through the API.
@Suite struct ServiceFolderWatchTests {
    /// Polls (up to `timeout` seconds: the machine may be loaded, and a test task may wait
    /// long for a thread while the whole suite runs in parallel) until `condition` holds;
    /// records an issue naming `step` otherwise. The condition is checked once more after the
    /// last sleep, however late the task resumes.
    static func eventually(_ step: String, timeout: Double = 60,
                           _ condition: () throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if (try? condition()) == true { return }
            if Date() >= deadline { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(step): not seen within \(timeout) s")
    }

    static func ids(_ service: IndexService, _ query: String) throws -> [String] {
        try service.reader.search(query).hits.map(\.id).sorted()
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test(arguments: [false, true])
    func watchedFolderAndAPIWritesShareTheIndex(forcePolling: Bool) async throws {
        try await S.withTemporaryFolderAsync { root in
            let docs = root + "/docs", index = root + "/index"
            try FileManager.default.createDirectory(atPath: docs + "/sub", withIntermediateDirectories: true)
            try Self.write("# Alpha\n\nwalrus tusk\n", to: docs + "/a.md")
            try Self.write("narwhal horn\n", to: docs + "/sub/b.txt")
            var options = IndexServiceOptions()
            options.refreshInterval = 3600 // only the watcher's passes and refresh=true make writes visible
            options.writer.threads = 1
            options.watchedPaths = [docs]
            options.watchSettings.forcePolling = forcePolling
            options.watchSettings.pollInterval = 0.2
            let service = try IndexService(path: index, options: options)
            let watcher = try #require(service.watcher)

            // The first pass: the folder's files, ids are their paths.
            try await Self.eventually("first pass") {
                try Self.ids(service, "walrus") == ["a.md"] && Self.ids(service, "narwhal") == ["sub/b.txt"]
            }
            #expect(watcher.mechanism == (forcePolling ? .polling : .inotify))

            // An API write with refresh=true is searchable at once, next to the folder's documents.
            let created = try await service.index(id: "api-1", source: try JSON.parse(#"{"title": "Api", "body": "okapi stripes"}"#),
                                                  refresh: .immediate)
            #expect(created.status == 201)
            #expect(try Self.ids(service, "okapi") == ["api-1"])
            #expect(try Self.ids(service, "walrus") == ["a.md"])

            // An edit: the new words are found, the old ones gone.
            try Self.write("# Alpha\n\nwalrus ivory\n", to: docs + "/a.md")
            try await Self.eventually("edit") {
                try Self.ids(service, "ivory") == ["a.md"] && Self.ids(service, "tusk").isEmpty
            }

            // A buffered API write (no refresh) becomes visible with the watcher's next commit.
            let buffered = try await service.index(id: "api-2", source: try JSON.parse(#"{"title": "Buffered", "body": "quagga"}"#))
            #expect(buffered.status == 201)
            #expect(try Self.ids(service, "quagga").isEmpty)
            try Self.write("dugong seagrass\n", to: docs + "/c.txt")
            try await Self.eventually("create") {
                try Self.ids(service, "dugong") == ["c.txt"] && Self.ids(service, "quagga") == ["api-2"]
            }

            // A delete removes the file's document, and only it.
            try FileManager.default.removeItem(atPath: docs + "/sub/b.txt")
            try await Self.eventually("delete") { try Self.ids(service, "narwhal").isEmpty }
            #expect(try Self.ids(service, "okapi") == ["api-1"])
            let fetched = try await service.get(id: "api-1")
            #expect(fetched.status == 200)

            // API deletes still work while watching.
            let deleted = try await service.delete(id: "api-2", refresh: .immediate)
            #expect(deleted.status == 200)
            #expect(try Self.ids(service, "quagga").isEmpty)

            // Shutdown stops the watcher (its updates end) and releases the index.
            await service.close()
            var updates: [IndexUpdate] = []
            for try await update in watcher.updates { updates.append(update) }
            #expect(updates.first?.isInitialPass == true)
            #expect(updates.first?.summary.added == 2)
            #expect(updates.dropFirst().allSatisfy { !$0.isInitialPass })
            let late = try JSON.parse(#"{"title": "Late"}"#)
            do {
                _ = try await service.index(id: "late", source: late)
                Issue.record("a write after close was accepted")
            } catch let error as OpenSearchError {
                #expect(error.status == 503)
            }

            // The index holds exactly a fresh index of the folder plus the API's document.
            var expected = try FolderWatcherTests.freshContents(of: docs, scratch: root)
            expected["api-1"] = "Api\nokapi stripes"
            #expect(try FolderWatcherTests.contents(ofIndexAt: index) == expected)
            let writer = try IndexWriter(path: index) // the lock was released
            writer.close()
        }
    }
}
