import Foundation
import Synchronization
import Testing
@testable import Trawl

/// Collects failures from worker threads (Swift Testing issues are recorded on the test's thread).
final class FailureLog: Sendable {
    private let entries = PosixLock<[String]>([])

    func record(_ message: String) {
        entries.withLock { if $0.count < 50 { $0.append(message) } }
    }

    var all: [String] { entries.withLock { $0 } }
}

@Suite(.serialized) struct ConcurrencyTests {
    static func markerWord(_ commit: Int) -> String { letterWord("mark", commit) + "x" }

    /// Checks that everything a reader answers agrees with the one commit it opened: the
    /// document count recorded by the writer in the commit's user data, a word that every
    /// document holds, and the commit's marker document (exactly one per commit).
    static func verify(_ reader: IndexReader, _ failures: FailureLog, _ who: String) -> Bool {
        let commit = Int(reader.userData["commit"] ?? "0") ?? -1
        let count = Int(reader.userData["count"] ?? "0") ?? -1
        let where_ = "\(who), generation \(reader.generation), commit \(commit)"
        if reader.documentCount != count {
            failures.record("\(where_): documentCount \(reader.documentCount), the commit holds \(count)")
            return false
        }
        do {
            let all = try reader.search("allx", limit: 3, countTotal: true)
            if all.total != count { failures.record("\(where_): 'allx' matches \(all.total), expected \(count)") }
            if commit > 0 {
                let marker = try reader.search(markerWord(commit), limit: 5, countTotal: true)
                if marker.total != 1 || marker.hits.first?.id != "marker-\(commit)" {
                    failures.record("\(where_): its marker finds \(marker.hits.map(\.id))")
                }
            }
            if commit > 1 {
                let previous = try reader.search(markerWord(commit - 1), limit: 5, countTotal: true)
                if previous.total != 0 { failures.record("\(where_): the previous commit's marker is still live") }
            }
            let phrase = try reader.search("\"allx common\"", limit: 10)
            if count > 0 && phrase.hits.isEmpty { failures.record("\(where_): the phrase finds nothing") }
            _ = try reader.search("comm*", limit: 10, sort: .dateDescending)
            if reader.statistics().documents != count { failures.record("\(where_): statistics disagree") }
        } catch {
            failures.record("\(where_): search failed: \(error)")
            return false
        }
        return true
    }

    /// Eight threads open readers and search while one writer adds, replaces, deletes, merges,
    /// optimizes and commits in a loop: every reader sees exactly one commit. Run it under
    /// ThreadSanitizer with `scripts/sanitizers.sh`.
    @Test func searchersSeeOneConsistentCommitWhileAWriterCommits() throws {
        let temp = TemporaryFolder("concurrency")
        defer { temp.remove() }
        let path = temp.sub("index")
        let sanitized = ProcessInfo.processInfo.environment["TRAWL_SANITIZER"] != nil
        let commits = sanitized ? 16 : 40
        var options = IndexWriterOptions()
        options.ramBudget = 1 << 20
        options.mergeFactor = 3
        options.threads = 2
        options.durable = false
        let writer = try IndexWriter(path: path, options: options)
        // An empty first commit, so the readers have an index to open from the start.
        try writer.commit()

        let failures = FailureLog()
        let done = Atomic<Bool>(false)
        let opened = Atomic<Int>(0)
        let searches = Atomic<Int>(0)
        let generationsSeen = PosixLock<Set<Int>>([])
        let shared = PosixLock<IndexReader?>(nil)

        var threads: [Thread] = []
        let finished = DispatchGroup()
        for t in 0..<8 {
            finished.enter()
            let thread = Thread {
                defer { finished.leave() }
                var kept: IndexReader?
                var iteration = 0
                while !done.load(ordering: .acquiring) || iteration < 2 {
                    iteration += 1
                    // A fresh reader most of the time; sometimes keep an old one across commits,
                    // or search the reader shared by all threads.
                    let reader: IndexReader
                    if iteration % 5 == 0, let old = kept {
                        reader = old
                    } else if iteration % 3 == 0, let common = shared.withLock({ $0 }) {
                        reader = common
                    } else {
                        do {
                            reader = try IndexReader(path: path)
                            opened.add(1, ordering: .relaxed)
                        } catch {
                            failures.record("thread \(t): opening a reader failed: \(error)")
                            continue
                        }
                        if t == 0 { shared.withLock { $0 = reader } }
                        kept = reader
                    }
                    if ConcurrencyTests.verify(reader, failures, "thread \(t)") {
                        searches.add(1, ordering: .relaxed)
                        generationsSeen.withLock { _ = $0.insert(reader.generation) }
                    }
                }
            }
            thread.stackSize = 4 << 20
            threads.append(thread)
        }
        for thread in threads { thread.start() }

        var random = SeededGenerator(seed: 0xC0C0)
        var live: Set<String> = []
        var next = 0
        for commit in 1...commits {
            var batch: [Document] = []
            for _ in 0..<Int.random(in: 8...30, using: &random) {
                let id = "d\(next)"
                next += 1
                let words = (0..<Int.random(in: 10...60, using: &random)).map { _ in EvolvingFolder.vocabulary.randomElement(using: &random)! }
                batch.append(Document(id: id, title: "Doc \(id)", date: DocumentDate(secondsSinceEpoch: Int64(next) * 3600),
                                      body: "allx common " + words.joined(separator: " ")))
                live.insert(id)
            }
            // Replace a few existing documents (same id, new text).
            for id in live.sorted().shuffled(using: &random).prefix(3) {
                batch.append(Document(id: id, title: "Doc \(id) v\(commit)", body: "allx common replaced"))
            }
            try writer.add(batch)
            for id in live.sorted().shuffled(using: &random).prefix(Int.random(in: 0...6, using: &random)) {
                try writer.delete(id: id)
                live.remove(id)
            }
            try writer.add(Document(id: "marker-\(commit)", title: "Marker", body: "allx common " + Self.markerWord(commit)))
            try writer.delete(id: "marker-\(commit - 1)")
            try writer.commit(userData: ["commit": "\(commit)", "count": "\(live.count + 1)"])
            if commit % 7 == 0 { try writer.optimize() }
        }
        done.store(true, ordering: .releasing)
        finished.wait()
        writer.close()

        let final = try IndexReader(path: path)
        #expect(final.documentCount == live.count + 1)
        #expect(final.check().isHealthy)
        let seen = generationsSeen.withLock { $0.count }
        print("Concurrency: \(commits) commits, \(opened.load(ordering: .relaxed)) readers opened, "
              + "\(searches.load(ordering: .relaxed)) consistent verifications, \(seen) generations observed, "
              + "\(failures.all.count) failures")
        #expect(failures.all.isEmpty, "\(failures.all.joined(separator: "\n"))")
        #expect(seen > 3)
    }
}
