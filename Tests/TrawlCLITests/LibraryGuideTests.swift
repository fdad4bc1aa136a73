import Foundation
import Testing
import Trawl

/// The code of the DocC getting-started article (Sources/Trawl/Trawl.docc/GettingStarted.md)
/// and the asynchronous indexing API, run for real.
@Suite struct LibraryGuideTests {
    @Test func gettingStarted() throws {
        let folder = temporaryFolder("trawl-guide")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/notes-index"

        var options = IndexWriterOptions()
        options.analyzer = .english
        let writer = try IndexWriter(path: path, options: options)
        defer { writer.close() }
        try writer.add([
            Document(id: "2024/budget.md", title: "Budget meeting",
                     date: DocumentDate(year: 2024, month: 6, day: 3),
                     body: "We agreed on the Q3 budget and a new coffee machine.",
                     fields: ["author": "Ada"]),
            Document(id: "2024/trip.md", title: "Trip to Zürich",
                     date: DocumentDate(year: 2024, month: 7, day: 19),
                     body: "The museum reopened after three years."),
        ])
        try writer.commit()

        let index = try IndexReader(path: path)
        let results = try index.search("budget OR title:zurich", limit: 10)
        #expect(Set(results.hits.map(\.id)) == ["2024/budget.md", "2024/trip.md"])

        do {
            _ = try index.search("budget AND (coffee")
            Issue.record("the query should not parse")
        } catch SearchError.query(let error) {
            #expect(error.rendered(query: "budget AND (coffee") == """
                query error at column 12: unclosed parenthesis
                  budget AND (coffee
                             ^
                """)
        } catch {
            Issue.record("the index failed: \(error)")
        }

        let query = Query.and {
            Query.term("budget", analyzer: index.analyzer)
            Query.date(from: DocumentDate(year: 2024, month: 1, day: 1), to: nil)
        }
        var request = SearchRequest(query: query, limit: 20, sort: .dateDescending)
        request.countTotal = true
        let recent = try index.search(request)
        #expect(recent.hits.map(\.id) == ["2024/budget.md"])
        #expect(recent.totalRelation == .equalTo)

        let hit = try #require(recent.hits.first)
        #expect(hit.title == "Budget meeting")
        #expect(hit.date?.description == "2024-06-03")
        #expect(hit.fields["author"] == .strings(["Ada"])) // a keyword field: a list of values
        let snippet = try #require(hit.snippet)
        let bytes = Array(snippet.text.utf8)
        #expect(snippet.highlights.map { String(decoding: bytes[$0], as: UTF8.self) } == ["budget"])

        #expect(try index.document(id: "2024/trip.md")?.title == "Trip to Zürich")
        let existed = try writer.delete(id: "2024/trip.md")
        #expect(existed)
        try writer.commit()
        #expect(try IndexReader(path: path).search("zurich").hits.isEmpty)
        #expect(try index.search("zurich").hits.count == 1, "an open reader keeps its commit")
        writer.close()

        #expect(LibraryGuideTests.explainMissingIndex(folder + "/missing-index") == "No index yet: index some notes first.")
    }

    /// The error handling snippet of the article.
    static func explainMissingIndex(_ path: String) -> String? {
        var printed: String?
        func print(_ text: String) { printed = text }
        do {
            _ = try IndexReader(path: path)
        } catch {
            switch error.code {
            case .indexNotFound: print("No index yet: index some notes first.")
            default: print(error.message)
            }
        }
        return printed
    }

    @Test func indexingEvents() async throws {
        let folder = temporaryFolder("trawl-events")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var progress: [IndexingProgress] = []
        var summary: IndexingSummary?
        for try await event in FolderIndexer.events(indexing: [samplesFolder], into: folder + "/index") {
            switch event {
            case .progress(let update):
                #expect(summary == nil, "progress comes before the end")
                progress.append(update)
            case .finished(let result):
                summary = result
            }
        }
        #expect(summary?.added == 19)
        #expect(summary?.documents == 21)
        #expect(progress.last?.filesDone == 19)
        #expect(progress.last?.filesTotal == 19)
        #expect(progress.map(\.filesDone) == progress.map(\.filesDone).sorted())

        // The async wrapper: nothing changed since.
        let counter = Counter()
        let again = try await FolderIndexer.run(indexing: [samplesFolder], into: folder + "/index") { _ in counter.increment() }
        #expect(again.unchanged == 19)
        #expect(counter.value > 0)
        #expect(try IndexReader(path: folder + "/index").documentCount == 21)
    }

    @Test func indexingErrorsEndTheStream() async throws {
        let folder = temporaryFolder("trawl-events")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            for try await _ in FolderIndexer.events(indexing: [folder + "/no-such-folder"], into: folder + "/index") {}
            Issue.record("indexing a missing folder should fail")
        } catch let error as TrawlError {
            #expect(error.code == .invalidArgument)
        }
        // A second writer while the first holds the lock.
        let writer = try IndexWriter(path: folder + "/index")
        defer { writer.close() }
        await #expect(throws: TrawlError.self) {
            _ = try await FolderIndexer.run(indexing: [samplesFolder], into: folder + "/index")
        }
    }

    @Test func cancellationKeepsThePreviousCommit() async throws {
        let folder = temporaryFolder("trawl-events")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let index = folder + "/index"
        // Hold the lock so that the run waits for it, cancel the run meanwhile, then let it go.
        let holder = try IndexWriter(path: index)
        try holder.commit()
        var options = IndexWriterOptions()
        options.lockTimeout = 30
        let task = Task { try await FolderIndexer.run(indexing: [samplesFolder], into: index, writerOptions: options) }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        holder.close()
        // The run takes the lock, sees the cancellation before its first file, and gives up.
        try await Task.sleep(for: .milliseconds(300))
        var reopened: IndexWriter?
        for _ in 0..<300 where reopened == nil {
            reopened = try? IndexWriter(path: index)
            if reopened == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let writer = try #require(reopened)
        #expect(writer.committedDocumentCount == 0)
        writer.close()
        try await Task.sleep(for: .milliseconds(300))
        #expect(try IndexReader(path: index).documentCount == 0, "nothing was committed")
    }

    @Test func leavingTheLoopStopsTheRun() async throws {
        let folder = temporaryFolder("trawl-events")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let index = folder + "/index"
        let holder = try IndexWriter(path: index)
        try holder.commit()
        var options = IndexWriterOptions()
        options.lockTimeout = 30
        let events = FolderIndexer.events(indexing: [samplesFolder], into: index, writerOptions: options)
        do {
            // An iterator made and dropped, like a loop left with `break`.
            let iterator = events.makeAsyncIterator()
            _ = iterator
        }
        holder.close()
        try await Task.sleep(for: .milliseconds(300))
        var reopened: IndexWriter?
        for _ in 0..<300 where reopened == nil {
            reopened = try? IndexWriter(path: index)
            if reopened == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let writer = try #require(reopened)
        #expect(writer.committedDocumentCount == 0)
        writer.close()
        try await Task.sleep(for: .milliseconds(300))
        #expect(try IndexReader(path: index).documentCount == 0, "nothing was committed")
    }
}

/// A counter shared with a `@Sendable` callback.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
