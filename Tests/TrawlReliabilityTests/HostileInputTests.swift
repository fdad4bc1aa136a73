import Foundation
import Testing
@testable import Trawl

#if canImport(Glibc)
import Glibc
#endif

/// Creates a file whose path is given as raw bytes (names need not be UTF-8).
func writeFile(pathBytes: [UInt8], _ bytes: [UInt8]) {
    let fd = (pathBytes + [0]).withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
            open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        }
    }
    precondition(fd >= 0, "cannot create a file: \(String(cString: strerror(errno)))")
    defer { close(fd) }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

/// A folder of everything users feed an indexer by accident, plus a few good files.
struct HostileFolder {
    let root: String
    /// Files that must end up indexed, by document id.
    var indexedIDs: [String] = []
    /// Files that must be named in a problem line (failed or warned about).
    var reportedNames: [String] = []

    init(root: String) {
        self.root = root
        func put(_ name: String, _ bytes: [UInt8]) { writeFile(root + "/" + name, bytes) }
        func put(_ name: String, _ text: String) { put(name, Array(text.utf8)) }

        // Good files in every format.
        put("good/a.txt", "Oil prices\n\nCrude oil rose on Monday as exports fell.\n")
        put("good/b.md", "---\ntitle: Grain report\ndate: 2024-03-05\ntags: [grain, wheat]\n---\n# Grain\n\nWheat *harvest* was large.\n")
        put("good/c.html", "<html><head><title>Bank rates</title></head><body><p>The central bank held rates.</p></body></html>")
        put("good/d.json", #"{"id": "json-1", "title": "Tanker", "body": "A tanker left port."}"#)
        put("good/e.jsonl", "{\"id\": \"jl-1\", \"body\": \"first line\"}\n{\"id\": \"jl-2\", \"body\": \"second line\"}\n")
        indexedIDs += ["good/a.txt", "good/b.md", "good/c.html", "json-1", "jl-1", "jl-2"]

        // Invalid UTF-8 (repaired to U+FFFD), NUL bytes early (binary) and late (repaired).
        put("bad-utf8.txt", Array("Caf".utf8) + [0xE9] + Array(" na".utf8) + [0xEF, 0x76, 0x65, 0x20, 0xFF, 0xFE, 0xC3, 0x28] + Array(" oil\n".utf8))
        indexedIDs.append("bad-utf8.txt")
        put("nul-early.txt", Array("abc".utf8) + [0] + Array("def oil".utf8))
        reportedNames.append("nul-early.txt")
        put("nul-late.txt", Array(String(repeating: "oil grain ", count: 1000).utf8) + [0] + Array(" after the nul".utf8))
        indexedIDs.append("nul-late.txt")

        // Empty and whitespace-only files: no documents, no failure.
        put("empty.txt", [])
        put("blank.md", "   \n\n\t\n")

        // Binary content behind a text extension, and without an extension.
        var random = SeededGenerator(seed: 404)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }
        put("image.txt", png)
        reportedNames.append("image.txt")
        put("program", png)

        // JSON: nesting far beyond any limit, a huge array, broken lines.
        put("deep.json", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        reportedNames.append("deep.json")
        put("deep-object.json", String(repeating: "{\"a\":", count: 50_000) + "1" + String(repeating: "}", count: 50_000))
        reportedNames.append("deep-object.json")
        var huge = "["
        for i in 0..<20_000 {
            if i > 0 { huge += "," }
            huge += #"{"id": "big-\#(i)", "title": "Record \#(i)", "body": "oil grain record number \#(i)", "n": \#(i)}"#
        }
        put("huge.json", huge + "]")
        indexedIDs += ["big-0", "big-19999"]
        put("broken.jsonl", "{\"id\": \"ok-1\", \"body\": \"fine\"}\n{\"id\": \"broken\n" + String(repeating: "[", count: 10_000) + "\n{\"id\": \"ok-2\", \"body\": \"fine too\"}\n")
        indexedIDs += ["ok-1", "ok-2"]
        reportedNames.append("broken.jsonl")

        // Front matter that is not YAML, YAML nested deeply, impossible dates.
        put("not-yaml.md", "---\n: - : [\n\t{{{ \"unclosed\n  - ]\n---\nBody text about oil.\n")
        reportedNames.append("not-yaml.md")
        put("deep-yaml.md", "---\nx: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n---\nBody\n")
        put("anchors.md", "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n---\nBillion laughs.\n")
        put("bad-date.md", "---\ntitle: Leap\ndate: 2024-02-30\n---\nNo such day.\n")
        indexedIDs.append("bad-date.md")
        reportedNames.append("bad-date.md")
        put("bad-date.json", #"{"id": "bad-date-json", "date": "2023-13-45", "body": "month thirteen"}"#)
        indexedIDs.append("bad-date-json")
        reportedNames.append("bad-date.json")

        // Markup nested deeply.
        put("deep.html", String(repeating: "<div>", count: 100_000) + "deep text" + String(repeating: "</div>", count: 100_000))
        put("deep-quote.md", String(repeating: ">", count: 100_000) + " quoted oil\n" + String(repeating: "- ", count: 50_000) + "item\n")
        // One 5 MB word (longer than any term) and UTF-16 with a byte-order mark.
        put("long-word.txt", String(repeating: "x", count: 5 << 20))
        put("utf16.txt", [0xFF, 0xFE] + Array("Title\n\nwide oil".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        indexedIDs.append("utf16.txt")

        // Names with a newline and with bytes that are not UTF-8.
        put("line\nbreak.txt", "Newline\n\nA file name with a line break.\n")
        indexedIDs.append("line\nbreak.txt")
        writeFile(pathBytes: Array((root + "/caf").utf8) + [0xE9] + Array(".txt".utf8), Array("Latin-1 name\n\nbody oil\n".utf8))
        indexedIDs.append("caf%E9.txt")

        // Symbolic link loops and dangling links; a FIFO that must not block the run.
        try? FileManager.default.createDirectory(atPath: root + "/links/sub", withIntermediateDirectories: true)
        symlink(".", root + "/links/loop")
        symlink("..", root + "/links/sub/up")
        symlink("self.txt", root + "/links/self.txt")
        symlink("/nonexistent/target.txt", root + "/links/dangling.txt")
        mkfifo(root + "/pipe.txt", 0o644)
    }
}

@Suite(.serialized) struct HostileInputTests {
    /// The library indexer over the hostile folder: every bad file gets a clear per-file
    /// message, the rest is indexed, and the index is healthy.
    @Test func folderIndexerReportsEachBadFileAndIndexesTheRest() throws {
        let temp = TemporaryFolder("hostile")
        defer { temp.remove() }
        let folder = HostileFolder(root: temp.sub("docs"))
        let writer = try IndexWriter(path: temp.sub("index"))
        let started = now()
        let summary = try FolderIndexer(writer: writer).run(paths: [folder.root])
        let seconds = now() - started
        writer.close()

        let reader = try IndexReader(path: temp.sub("index"))
        for id in folder.indexedIDs {
            #expect(try reader.document(id: id) != nil, "\(id.debugDescription) was not indexed; problems: \(summary.problems)")
        }
        for name in folder.reportedNames {
            #expect(summary.problems.contains { $0.contains(name) }, "no message names \(name): \(summary.problems)")
        }
        for problem in summary.problems {
            #expect(!problem.isEmpty && problem.count < 2000, "an unhelpful problem line: \(problem.prefix(200))")
        }
        #expect(try reader.document(id: "bad-date.md")?.date == nil)
        // Not UTF-8: read in the detected charset, or repaired with U+FFFD and a warning; never silently.
        let badEncoding = try #require(summary.encodings.first { $0.path == "bad-utf8.txt" }?.encoding)
        let repaired = try reader.document(id: "bad-utf8.txt").map { ($0.title + $0.body).contains("\u{FFFD}") } == true
        #expect(badEncoding.source == .detected && !repaired
                || repaired && summary.problems.contains { $0.contains("bad-utf8.txt") }, "\(badEncoding)")
        #expect(reader.check().isHealthy)
        #expect(try reader.search("oil", limit: 50).total > 3)
        print("HostileInput: \(summary.added) files added, \(summary.failed) failed, \(summary.skipped) skipped, "
              + "\(summary.documents) documents in \(String(format: "%.1f", seconds)) s; problems:\n  "
              + summary.problems.map { String($0.prefix(160)) }.joined(separator: "\n  "))
        #expect(seconds < 120)
    }

    /// `trawl index` over the same folder: exit code 1 (some files failed), one line per bad
    /// file on standard error, the rest indexed; a second run skips what did not change.
    @Test(.enabled(if: TrawlCLI.binary != nil, Comment(rawValue: TrawlCLI.missingMessage)))
    func cliReportsBadFilesWithExitCode1() throws {
        let temp = TemporaryFolder("hostile-cli")
        defer { temp.remove() }
        let folder = HostileFolder(root: temp.sub("docs"))
        let arguments = [TrawlCLI.binary!, "index", "--index", temp.sub("index"), folder.root, "--json"]
        let first = ChildProcess.run(arguments, outputPrefix: temp.sub("first"), timeout: 300)
        #expect(first.exitCode == 1, "\(first.termination!) \(first.stderr.prefix(2000))")
        for name in folder.reportedNames {
            #expect(first.stderr.contains(name), "standard error does not name \(name)")
        }
        #expect(first.stdout.contains("\"failed\""))
        let second = ChildProcess.run(arguments, outputPrefix: temp.sub("second"), timeout: 300)
        #expect(second.exitCode == 1)
        // Nothing is re-indexed. (Files that give no documents, such as empty ones, have nothing
        // in the index to compare with, so they are read and counted as added again.)
        #expect(second.stdout.contains("\"documents\":0,"), "\(second.stdout)")
        #expect(second.stdout.contains("\"updated\":0,"), "\(second.stdout)")
        let reader = try IndexReader(path: temp.sub("index"))
        for id in folder.indexedIDs { #expect(try reader.document(id: id) != nil, "\(id.debugDescription)") }
        #expect(reader.check().isHealthy)
    }

    /// Files that cannot be opened (chmod 000) are reported and skipped. Root ignores file
    /// permissions, so this part cannot be enforced when the tests run as root.
    @Test(.enabled(if: getuid() != 0, "running as root: chmod 000 does not stop root from reading, so unreadable files cannot be tested"))
    func unreadableFilesAreReported() throws {
        let temp = TemporaryFolder("unreadable")
        defer { temp.remove() }
        writeFile(temp.sub("docs/ok.txt"), "Fine\n\nreadable")
        writeFile(temp.sub("docs/secret.txt"), "Secret\n\nunreadable")
        chmod(temp.sub("docs/secret.txt"), 0)
        try FileManager.default.createDirectory(atPath: temp.sub("docs/locked"), withIntermediateDirectories: true)
        writeFile(temp.sub("docs/locked/inner.txt"), "Inner")
        chmod(temp.sub("docs/locked"), 0)
        let writer = try IndexWriter(path: temp.sub("index"))
        let summary = try FolderIndexer(writer: writer).run(paths: [temp.sub("docs")])
        writer.close()
        #expect(summary.problems.contains { $0.contains("secret.txt") })
        #expect(summary.problems.contains { $0.contains("locked") })
        #expect(try IndexReader(path: temp.sub("index")).document(id: "ok.txt") != nil)
    }

    /// A 200 MB single-line file: indexed in bounded time and memory (measured on the child
    /// process), then searchable (snippets analyze a bounded prefix). In a debug build the CLI
    /// needs about 45 s for 200 MB, so the test uses the release CLI when it is up to date and
    /// otherwise a 50 MB file with the debug CLI.
    @Test(.enabled(if: TrawlCLI.binary != nil, Comment(rawValue: TrawlCLI.missingMessage)))
    func hugeSingleLineFile() throws {
        let temp = TemporaryFolder("huge")
        defer { temp.remove() }
        let (cli, megabytes) = TrawlCLI.releaseBinaryIfCurrent.map { ($0, 200) } ?? (TrawlCLI.binary!, 50)
        let path = temp.sub("docs/huge.txt")
        try FileManager.default.createDirectory(atPath: temp.sub("docs"), withIntermediateDirectories: true)
        var random = SeededGenerator(seed: 200)
        let words = EvolvingFolder.vocabulary
        var chunk: [UInt8] = []
        while chunk.count < 1 << 20 { chunk += Array((words.randomElement(using: &random)! + " ").utf8) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        for _ in 0..<megabytes { _ = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
        _ = "needle".withCString { write(fd, $0, 6) }
        close(fd)
        let size = megabytes << 20

        let started = now()
        let index = ChildProcess.run([cli, "index", "--index", temp.sub("index"), temp.sub("docs"), "-q"],
                                     outputPrefix: temp.sub("index"), timeout: 600)
        let indexSeconds = now() - started
        #expect(index.exitCode == 0, "\(index.termination!) \(index.stderr)")
        let indexMB = index.maxResidentKB >> 10
        // Linux reports a spawned child's peak as at least the spawning process's resident size
        // at the spawn (the pre-exec address space is the parent's), and this test runner may be
        // large while other suites run: the bound allows for that.
        var selfUsage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &selfUsage)
        let parentBytes = Int(selfUsage.ru_maxrss) << 10
        #expect(index.maxResidentKB << 10 < 10 * size + (256 << 20) + parentBytes, "indexing \(megabytes) MB used \(indexMB) MB")

        let searchStarted = now()
        let search = ChildProcess.run([cli, "search", "--index", temp.sub("index"), "needle OR \"oil price\"", "--json"],
                                      outputPrefix: temp.sub("search"), timeout: 300)
        let searchSeconds = now() - searchStarted
        #expect(search.exitCode == 0, "\(search.termination!) \(search.stderr)")
        #expect(search.stdout.contains("huge.txt"))
        #expect(searchSeconds < 60, "searching took \(searchSeconds) s")
        #expect(search.maxResidentKB << 10 < 4 * size + (256 << 20) + parentBytes, "searching used \(search.maxResidentKB >> 10) MB")
        print("HugeFile: \(megabytes) MB single line with \(cli.contains("/release/") ? "release" : "debug") CLI: "
              + "indexed in \(String(format: "%.1f", indexSeconds)) s, peak \(indexMB) MB; searched in "
              + "\(String(format: "%.2f", searchSeconds)) s, peak \(search.maxResidentKB >> 10) MB")
    }
}

extension TrawlCLI {
    /// The release CLI, when it exists and is newer than every library and CLI source file.
    static var releaseBinaryIfCurrent: String? {
        guard let debug = binary else { return nil }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let candidates = [root + "/.build/release/trawl",
                          ((debug as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent + "/release/trawl"]
        guard let release = candidates.first(where: { access($0, X_OK) == 0 }) else { return nil }
        func modified(_ path: String) -> Double {
            var info = stat()
            guard stat(path, &info) == 0 else { return 0 }
            return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        }
        let built = modified(release)
        var newest = 0.0
        for folder in ["Sources/Trawl", "Sources/TrawlCLI", "Sources/CTrawlICU"] {
            let enumerator = FileManager.default.enumerator(atPath: root + "/" + folder)
            while let name = enumerator?.nextObject() as? String { newest = max(newest, modified(root + "/" + folder + "/" + name)) }
        }
        return built >= newest ? release : nil
    }
}
