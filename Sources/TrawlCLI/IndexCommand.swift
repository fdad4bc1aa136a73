import ArgumentParser
import Foundation
import Trawl

/// `trawl index`: builds or updates an index from folders and files.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index folders of articles (.txt, .md, .html, .json, .jsonl), incrementally.",
        discussion: """
            New and changed files are (re)indexed, unchanged files skipped, and files that are \
            gone from a folder removed from the index. Ends with a summary line; problems with \
            single files are listed on standard error and the run goes on (exit code 1).

            Examples:
              trawl index ~/notes
              trawl index --index /tmp/reuters reuters21578.jsonl
              trawl index --json samples/articles
            """
    )

    @OptionGroup var location: IndexLocation

    @Argument(help: "Folders or files to index.")
    var paths: [String]

    @Option(name: .long, help: ArgumentHelp("Memory for buffered documents, in MB, before a segment is written.", valueName: "MB"))
    var ramBudget: Int = 256

    @Flag(name: .long, help: "Date files that have no date of their own by their modification time.")
    var dateFromMtime = false

    @Option(name: .long, help: "The analyzer of a new index: english or simple (an existing index keeps its own).")
    var analyzer: String = "english"

    @Flag(name: .long, inversion: .prefixedNo, help: "Store document bodies in a new index (needed for snippets).")
    var storeBody = true

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for another writer to finish.", valueName: "seconds"))
    var wait: Double = 0

    @Option(name: .long, help: ArgumentHelp("Indexing threads (default: one per core).", valueName: "n"))
    var threads: Int?

    // Test hooks (hidden): a RAM budget in KB so small folders flush often, and the merge factor.
    @Option(name: .long, help: .hidden)
    var ramBudgetKb: Int?

    @Option(name: .long, help: .hidden)
    var mergeFactor: Int?

    @Flag(name: .shortAndLong, help: "No progress line.")
    var quiet = false

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one folder or file to index") }
        guard ramBudget >= 16 && ramBudget <= 1 << 20 else { throw ValidationError("--ram-budget must be between 16 and 1048576 MB") }
        guard AnalyzerConfiguration.named(analyzer) != nil else { throw ValidationError("unknown analyzer '\(analyzer)'; choose english or simple") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let ramBudgetKb, ramBudgetKb < 1 { throw ValidationError("--ram-budget-kb must be at least 1") }
        if let mergeFactor, mergeFactor < 2 { throw ValidationError("--merge-factor must be at least 2") }
    }

    func run() throws {
        var options = IndexWriterOptions()
        options.ramBudget = ramBudget << 20
        options.analyzer = AnalyzerConfiguration.named(analyzer)!
        options.storesBody = storeBody
        options.lockTimeout = wait
        if let threads { options.threads = threads }
        if let ramBudgetKb { options.ramBudget = ramBudgetKb << 10 }
        if let mergeFactor { options.mergeFactor = mergeFactor }
        let started = monotonicSeconds()
        let writer = try IndexWriter(path: location.path, options: options)
        defer { writer.close() }
        if let pid = writer.recoveredStaleLockPid {
            printError("trawl: cleared a stale lock left by process \(pid), which ended without releasing it")
        }
        var indexerOptions = FolderIndexer.Options()
        indexerOptions.dateFromModificationTime = dateFromMtime
        let indexer = FolderIndexer(writer: writer, options: indexerOptions)
        let progress = !quiet && !json && Terminal.stdoutIsTerminal ? ProgressLine(started: started) : nil
        let summary = try indexer.run(paths: paths) { update in progress?.show(update) }
        progress?.clear()
        let seconds = monotonicSeconds() - started
        for problem in summary.problems { printError("trawl: \(problem)") }
        if json {
            print(JSONOutput.object([
                ("added", .int(summary.added)), ("updated", .int(summary.updated)), ("deleted", .int(summary.deleted)),
                ("unchanged", .int(summary.unchanged)), ("skipped", .int(summary.skipped)), ("failed", .int(summary.failed)),
                ("documents", .int(summary.documents)), ("bytes_read", .int(summary.bytesRead)),
                ("index_documents", .int(writer.committedDocumentCount)),
                ("seconds", .double((seconds * 1000).rounded() / 1000)), ("index", .string(location.path)),
                ("problems", .array(summary.problems.map { .string($0) })),
            ]).rendered())
        } else {
            let files = summary.added + summary.updated + summary.unchanged + summary.failed
            print("Indexed \(files) file\(files == 1 ? "" : "s") in \(String(format: "%.2f", seconds)) s: "
                  + "\(summary.added) added, \(summary.updated) updated, \(summary.deleted) deleted, "
                  + "\(summary.unchanged) unchanged, \(summary.skipped) skipped, \(summary.failed) failed "
                  + "(\(summary.documents) documents written, \(writer.committedDocumentCount) in the index at \(location.path))")
        }
        if summary.failed > 0 { throw ExitCode(ExitStatus.partial) }
    }
}

/// A live progress line on a terminal: files, throughput and an estimate of the time left.
final class ProgressLine {
    private let started: Double
    private var lastShown = 0.0

    init(started: Double) { self.started = started }

    func show(_ progress: IndexingProgress) {
        let now = monotonicSeconds()
        guard now - lastShown >= 0.1 || progress.filesDone == progress.filesTotal else { return }
        lastShown = now
        let elapsed = max(now - started, 0.001)
        let megabytes = Double(progress.bytesDone) / 1e6
        let rate = megabytes / elapsed
        var line = "\(progress.filesDone)/\(progress.filesTotal) files, \(String(format: "%.1f", rate)) MB/s, "
            + "\(Int(Double(progress.documents) / elapsed)) docs/s"
        if progress.bytesTotal > 0 && progress.bytesDone > 0 && progress.bytesDone < progress.bytesTotal {
            let remaining = elapsed * Double(progress.bytesTotal - progress.bytesDone) / Double(progress.bytesDone)
            line += ", ETA \(Int(remaining.rounded())) s"
        }
        let width = Terminal.width - 1
        if line.count > width { line = String(line.prefix(width)) }
        FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    func clear() {
        FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
    }
}
