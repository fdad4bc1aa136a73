import Foundation
import Testing

/// `trawl index --watch`: a change is indexed while it runs; SIGKILL loses nothing once the
/// watcher starts again (its first pass reconciles); SIGTERM stops it cleanly.
@Suite struct WatchCommandTests {
    /// A running `trawl index --watch --json`, its standard output in a file.
    final class Watching {
        let process = Process()
        let outPath: String

        init(index: String, docs: String, scratch: String) throws {
            outPath = scratch + "/watch-\(UUID().uuidString.prefix(8)).out"
            _ = FileManager.default.createFile(atPath: outPath, contents: nil)
            process.executableURL = URL(fileURLWithPath: trawlBinary)
            process.arguments = ["index", "--watch", "--json", "--index", index, docs]
            process.environment = childEnvironment([:])
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// The JSON lines printed so far.
        var updates: [[String: Any]] {
            let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
        }

        /// Waits (generously: the machine may be loaded) until an update satisfies `condition`.
        func waitFor(_ what: String, timeout: Double = 30, _ condition: ([String: Any]) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if updates.contains(where: condition) { return true }
                if !process.isRunning { break }
                usleep(50_000)
            }
            Issue.record("no update \(what) within \(timeout) s; got \(updates)")
            return false
        }
    }

    static func added(_ update: [String: Any], _ name: String) -> Bool {
        (update["added"] as? [String])?.contains { $0.hasSuffix("/" + name) } == true
    }

    static func ids(_ query: String, index: String) throws -> [String] {
        let result = trawl(["search", "--json", "--limit", "100", "--index", index, query])
        let hits = try #require(try result.jsonObject()["hits"] as? [[String: Any]], "\(result)")
        return hits.compactMap { $0["id"] as? String }.sorted()
    }

    @Test func sigkillDuringWatchLosesNothingAfterRestart() throws {
        let scratch = temporaryFolder("trawl-watch")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let docs = scratch + "/docs", index = scratch + "/index"
        try FileManager.default.createDirectory(atPath: docs, withIntermediateDirectories: true)
        try "First\nwalrus one".write(toFile: docs + "/one.txt", atomically: true, encoding: .utf8)

        let first = try Watching(index: index, docs: docs, scratch: scratch)
        guard first.waitFor("for the first pass", { $0["initial"] as? Bool == true && Self.added($0, "one.txt") }) else {
            first.process.terminate()
            return
        }
        try "Second\nwalrus two".write(toFile: docs + "/two.txt", atomically: true, encoding: .utf8)
        _ = first.waitFor("adding two.txt") { Self.added($0, "two.txt") }
        #expect(try Self.ids("walrus", index: index) == ["one.txt", "two.txt"])
        // Changes the killed watcher may or may not have committed.
        try "Third\nwalrus three".write(toFile: docs + "/three.txt", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: docs + "/one.txt")
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        #expect(first.process.terminationReason == .uncaughtSignal)

        // The restarted watcher's first pass reconciles; SIGTERM then stops it cleanly.
        let second = try Watching(index: index, docs: docs, scratch: scratch)
        _ = second.waitFor("for the restart's first pass") { $0["initial"] as? Bool == true }
        #expect(try Self.ids("walrus", index: index) == ["three.txt", "two.txt"])
        try "Fourth\nwalrus four".write(toFile: docs + "/four.txt", atomically: true, encoding: .utf8)
        _ = second.waitFor("adding four.txt") { Self.added($0, "four.txt") }
        second.process.terminate() // SIGTERM
        second.process.waitUntilExit()
        #expect(second.process.terminationReason == .exit && second.process.terminationStatus == 0)
        #expect(try Self.ids("walrus", index: index) == ["four.txt", "three.txt", "two.txt"])
        // The lock is free: a plain run finds nothing to do.
        let rerun = trawl(["index", "--json", "--index", index, docs])
        #expect(rerun.status == 0, "\(rerun)")
        #expect(try rerun.jsonObject()["unchanged"] as? Int == 3)
    }
}
