import ArgumentParser
import Foundation
import Trawl

/// `trawl index`: builds or updates an index from folders and files.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index folders of articles (.txt, .md, .html, .json, .jsonl, .eml, .mbox, Maildir, .epub, .docx, .odt, .pdf), incrementally.",
        discussion: """
            New and changed files are (re)indexed, unchanged files skipped, and files that are \
            gone from a folder removed from the index. Ends with a summary line; problems with \
            single files are listed on standard error and the run goes on (exit code 1). \
            Every message of an mbox is a document; so is every file in the cur/ and new/ \
            folders of a Maildir.
            Examples:
              trawl index ~/notes
              trawl index --index /tmp/reuters reuters21578.jsonl
              trawl index --json samples/articles
              trawl index --verbose --encoding windows-1252 old-notes
            """
    )

    @OptionGroup var location: IndexLocation

    @Argument(help: ArgumentHelp("Folders or files to index; e.g. ~/notes or reuters.jsonl.", valueName: "path"),
              completion: .file())
    var paths: [String]

    @Option(name: .long, help: ArgumentHelp("Memory for buffered documents before a segment is written; e.g. --ram-budget 512.", valueName: "MB"))
    var ramBudget: Int = 256

    @Flag(name: .long, help: "Date files that have no date of their own by their modification time.")
    var dateFromMtime = false

    @Option(name: .long, help: ArgumentHelp("The analyzer of a new index: english (default), simple, or a language of the Snowball stemmers (german, french, spanish, russian and more); e.g. --analyzer german (an existing index keeps its own).", valueName: "name"),
            completion: .list(AnalyzerConfiguration.builtIn.keys.sorted()))
    var analyzer: String = "english"

    @Option(name: .long, help: ArgumentHelp("The language of documents that declare none (front matter lang, <html lang>, a JSON lang member): a code gives a new index that default language and its analyzer (--language de is --analyzer german); auto detects each such document's language with CLD2 (recorded in the index, kept by later runs); off stops detecting; e.g. --language auto.", valueName: "code|auto|off"))
    var language: String?

    @Flag(name: .long, inversion: .prefixedNo, help: "Store document bodies in a new index (needed for snippets; --no-store-body saves space).")
    var storeBody = true

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for another writer to finish; e.g. --wait 30.", valueName: "seconds"))
    var wait: Double = 0

    @Option(name: .long, help: ArgumentHelp("Indexing threads (default: one per core); e.g. --threads 2.", valueName: "n"))
    var threads: Int?

    // Test hooks (hidden): a RAM budget in KB so small folders flush often, and the merge factor.
    @Option(name: .long, help: .hidden)
    var ramBudgetKb: Int?

    @Option(name: .long, help: .hidden)
    var mergeFactor: Int?

    @Flag(name: .shortAndLong, help: "No progress line and no summary, only problems (on standard error).")
    var quiet = false

    @Flag(name: .long, help: "Print the summary as one JSON object (no progress line).")
    var json = false

    @Flag(name: .long, help: "Merge the index into one segment after indexing (slower build, faster searches); e.g. for a bulk build.")
    var optimize = false

    @Option(name: .long, help: ArgumentHelp("Read files that are not valid UTF-8 in this encoding instead of detecting it; e.g. --encoding windows-1252.", valueName: "name"))
    var encoding: String?

    @Option(name: .long, help: ArgumentHelp("Give a metadata field its type before any document brings it: text, keyword, number, date or bool (repeatable); e.g. --field rating:number --field series:keyword. Types never change once an index has them; a schema.yaml of `name: type` lines in the index folder does the same.", valueName: "name:type"))
    var field: [String] = []

    @Option(name: .long, help: ArgumentHelp("Read files of an extension with a command that prints their text (repeatable; {} is the file's path, passed as one argument, never through a shell); recorded in the index for later runs; e.g. --extractor 'rtf=unrtf --text {}'.", valueName: "ext=command"))
    var extractor: [String] = []

    @Option(name: .long, help: ArgumentHelp("Seconds an extractor command may run on one file before it is killed; e.g. --extractor-timeout 60.", valueName: "seconds"))
    var extractorTimeout: Double = 30

    @Flag(name: .long, help: "Keep watching the folders after the first pass and index their changes as they happen (within about a second); Ctrl-C or SIGTERM stops after committing.")
    var watch = false

    @Flag(name: .shortAndLong, help: "Also list, on standard error, each file that was not plain UTF-8 and the encoding it was read with.")
    var verbose = false

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one folder or file to index, e.g. `trawl index ~/notes`") }
        guard ramBudget >= 16 && ramBudget <= 1 << 20 else { throw ValidationError("--ram-budget must be between 16 and 1048576 MB") }
        guard AnalyzerConfiguration.named(analyzer) != nil else {
            throw ValidationError("unknown analyzer '\(analyzer)'; choose one of: \(AnalyzerConfiguration.builtIn.keys.sorted().joined(separator: ", "))")
        }
        if let language, language != "auto", language != "off" {
            guard let code = DocumentLanguage.code(declared: language), DocumentLanguage.stemmers[code] != nil else {
                throw ValidationError("--language takes auto, off or the code of a language with a Snowball stemmer (\(DocumentLanguage.stemmers.keys.sorted().joined(separator: ", "))); got '\(language)'")
            }
        }
        guard wait.isFinite, wait >= 0, wait <= 86_400 else { throw ValidationError("--wait must be between 0 and 86400 seconds") }
        if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads must be between 1 and 1024") }
        if let ramBudgetKb, ramBudgetKb < 1 { throw ValidationError("--ram-budget-kb must be at least 1") }
        if let mergeFactor, mergeFactor < 2 { throw ValidationError("--merge-factor must be at least 2") }
        for declaration in field where FieldSchema.parseDeclaration(declaration) == nil {
            throw ValidationError("--field takes name:type with a type among text, keyword, number, date, bool; got '\(declaration)'")
        }
        for specification in extractor {
            do { _ = try ExternalExtractor(specification: specification) } catch { throw ValidationError("--extractor: \(error.message)") }
        }
        guard extractorTimeout.isFinite, extractorTimeout > 0, extractorTimeout <= 86_400 else {
            throw ValidationError("--extractor-timeout must be between 0 and 86400 seconds")
        }
        if let encoding, TextEncoding.standardName(encoding) == nil {
            throw ValidationError("unknown encoding '\(encoding)'; give a charset name such as UTF-8, ISO-8859-1, windows-1252, Shift_JIS or KOI8-R")
        }
    }

    func run() throws {
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw CLIFailure(message: "no such file or folder: \(path); check the path and try again", status: ExitStatus.usage, code: "usage")
            }
        }
        var options = IndexWriterOptions()
        options.ramBudget = ramBudget << 20
        options.analyzer = AnalyzerConfiguration.named(analyzer)!
        options.storesBody = storeBody
        switch language {
        case nil: break
        case "auto": options.languageDetection = true
        case "off": options.languageDetection = false
        case let code?:
            if let code = DocumentLanguage.code(declared: code) {
                options.analyzer = DocumentLanguage.configuration(for: code, like: options.analyzer)
            }
        }
        options.lockTimeout = wait
        if let threads { options.threads = threads }
        for declaration in field {
            let (name, type) = FieldSchema.parseDeclaration(declaration)!
            options.fieldTypes[name] = type
        }
        if let ramBudgetKb { options.ramBudget = ramBudgetKb << 10 }
        if let mergeFactor { options.mergeFactor = mergeFactor }
        if watch {
            try runWatching(writerOptions: options)
            return
        }
        let started = monotonicSeconds()
        let writer = try IndexWriter(path: location.writerPath, options: options)
        defer { writer.close() }
        if let pid = writer.recoveredStaleLockPid {
            printError("trawl: cleared a stale lock left by process \(pid), which ended without releasing it")
        }
        var indexerOptions = FolderIndexer.Options()
        indexerOptions.dateFromModificationTime = dateFromMtime
        indexerOptions.readerOptions.encoding = encoding
        indexerOptions.extractors.extractors = try extractor.map { try ExternalExtractor(specification: $0) }
        indexerOptions.extractors.timeout = extractorTimeout
        let indexer = FolderIndexer(writer: writer, options: indexerOptions)
        let progress = !quiet && !json && Terminal.stdoutIsTerminal ? ProgressLine(started: started) : nil
        Interruption.install(clearingLine: progress != nil)
        progress?.showScanning()
        let summary = try indexer.run(paths: paths) { update in progress?.show(update) }
        if optimize { try writer.optimize() }
        progress?.clear()
        let seconds = monotonicSeconds() - started
        if verbose {
            for file in summary.encodings { printError("\(file.path): decoded as \(file.encoding)") }
        }
        for problem in summary.problems { printError("trawl: \(problem)") }
        let files = summary.added + summary.updated + summary.unchanged + summary.failed
        if json {
            print(JSONOutput.object([
                ("files", .int(files)),
                ("added", .int(summary.added)), ("updated", .int(summary.updated)), ("deleted", .int(summary.deleted)),
                ("unchanged", .int(summary.unchanged)), ("skipped", .int(summary.skipped)), ("failed", .int(summary.failed)),
                ("documents", .int(summary.documents)), ("bytes_read", .int(summary.bytesRead)),
                ("index_documents", .int(writer.committedDocumentCount)),
                ("seconds", .double((seconds * 1000).rounded() / 1000)), ("index", .string(location.writerPath)),
                ("problems", .array(summary.problems.map { .string($0) })),
                ("encodings", .array(summary.encodings.map { file in
                    .object([
                        ("path", .string(file.path)), ("encoding", .string(file.encoding.name)),
                        ("source", .string(file.encoding.source.rawValue)),
                        ("confidence", file.encoding.confidence.map { .int($0) } ?? .null),
                        ("replacements", .int(file.encoding.replacements)),
                    ])
                })),
            ]).rendered())
        } else if !quiet {
            print(IndexCommand.summaryLine(summary, files: files, seconds: seconds, indexDocuments: writer.committedDocumentCount,
                                           index: location.writerPath, colors: Terminal.colorsEnabled))
        }
        if summary.failed > 0 { throw ExitCode(ExitStatus.partial) }
    }

    /// The options of the folder indexer, from the command line.
    private func indexerOptions() throws -> FolderIndexer.Options {
        var indexerOptions = FolderIndexer.Options()
        indexerOptions.dateFromModificationTime = dateFromMtime
        indexerOptions.readerOptions.encoding = encoding
        indexerOptions.extractors.extractors = try extractor.map { try ExternalExtractor(specification: $0) }
        indexerOptions.extractors.timeout = extractorTimeout
        return indexerOptions
    }

    /// `--watch`: a first pass, then the folders' changes, one line (or JSON object) per commit,
    /// until SIGINT or SIGTERM, which stop the watcher after it commits.
    private func runWatching(writerOptions: IndexWriterOptions) throws {
        let json = json, quiet = quiet, index = location.writerPath, colors = Terminal.colorsEnabled
        let watcher = FolderWatcher(paths: paths, indexPath: index, writerOptions: writerOptions,
                                    options: try indexerOptions()) { update in
            for problem in update.summary.problems { printError("trawl: \(problem)") }
            let summary = update.summary
            if json {
                print(JSONOutput.object([
                    ("generation", .int(update.generation)), ("initial", .bool(update.isInitialPass)),
                    ("added", .array(update.changes.added.map { .string($0) })),
                    ("updated", .array(update.changes.updated.map { .string($0) })),
                    ("deleted", .array(update.changes.deleted.map { .string($0) })),
                    ("failed", .int(summary.failed)), ("documents", .int(summary.documents)),
                ]).rendered())
            } else if !quiet {
                var counts: [String] = []
                for (count, label) in [(summary.added, "added"), (summary.updated, "updated"), (summary.deleted, "deleted"),
                                       (summary.failed, "failed")] where count > 0 {
                    counts.append("\(count) \(label)")
                }
                let what = update.isInitialPass ? "First pass" : "Changes"
                print(Terminal.style(what, "1", enabled: colors) + ": " + (counts.isEmpty ? "nothing changed" : counts.joined(separator: ", "))
                      + " (commit \(update.generation), \(displayPath(index)))")
            }
            fflush(nil)
        }
        // SIGINT and SIGTERM stop the watcher, which commits what it has seen first.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        var sources: [DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { watcher.stop() }
            source.resume()
            sources.append(source)
        }
        if !quiet && !json { printError("trawl: watching \(paths.joined(separator: ", ")); Ctrl-C stops") }
        watcher.start()
        try watcher.wait()
        withExtendedLifetime(sources) {}
        if !quiet && !json { printError("trawl: stopped watching; the index is committed") }
    }

    /// `Indexed 14 files in 0.11 s: 14 added; 14 documents in ./index` (zero counts left out), or
    /// `Nothing changed (14 files checked in 0.01 s); 14 documents in ./index`.
    static func summaryLine(_ summary: IndexingSummary, files: Int, seconds: Double, indexDocuments: Int,
                            index: String, colors: Bool) -> String {
        if summary.added + summary.updated + summary.deleted + summary.failed == 0 {
            // Nothing changed: say so first, and how much was checked.
            return "Nothing changed (\(files) file\(files == 1 ? "" : "s") checked in \(String(format: "%.2f", seconds)) s)"
                + "; \(indexDocuments) document\(indexDocuments == 1 ? "" : "s") in \(displayPath(index))"
        }
        var counts: [String] = []
        for (count, label) in [(summary.added, "added"), (summary.updated, "updated"), (summary.deleted, "deleted"),
                               (summary.unchanged, "unchanged"), (summary.skipped, "skipped")] where count > 0 {
            counts.append("\(count) \(label)")
        }
        if summary.failed > 0 { counts.append(Terminal.style("\(summary.failed) failed", "31", enabled: colors)) }
        let rate = seconds > 0 && summary.bytesRead > 0 ? ", \(formatBytes(Int(Double(summary.bytesRead) / seconds)))/s" : ""
        return Terminal.style("Indexed", "1", enabled: colors)
            + " \(files) file\(files == 1 ? "" : "s") in \(String(format: "%.2f", seconds)) s\(rate): "
            + counts.joined(separator: ", ")
            + "; \(indexDocuments) document\(indexDocuments == 1 ? "" : "s") in \(displayPath(index))"
    }
}

/// A live progress line on a terminal: files, throughput and an estimate of the time left.
final class ProgressLine {
    private let started: Double
    private var lastShown = 0.0

    init(started: Double) { self.started = started }

    func showScanning() {
        write("Indexing…")
    }

    func show(_ progress: IndexingProgress) {
        let now = monotonicSeconds()
        guard now - lastShown >= 0.1 || progress.filesDone == progress.filesTotal else { return }
        lastShown = now
        let elapsed = max(now - started, 0.001)
        let percent = progress.bytesTotal > 0 ? Int(100 * Double(progress.bytesDone) / Double(progress.bytesTotal))
            : (progress.filesTotal > 0 ? 100 * progress.filesDone / progress.filesTotal : 100)
        var line = "Indexing \(progress.filesDone)/\(progress.filesTotal) files (\(percent)%), "
            + "\(String(format: "%.1f", Double(progress.bytesDone) / 1e6 / elapsed)) MB/s, "
            + "\(Int(Double(progress.documents) / elapsed)) docs/s"
        if progress.bytesTotal > 0 && progress.bytesDone > 0 && progress.bytesDone < progress.bytesTotal {
            let remaining = elapsed * Double(progress.bytesTotal - progress.bytesDone) / Double(progress.bytesDone)
            line += ", ETA \(ProgressLine.duration(remaining))"
        }
        if progress.filesDone == progress.filesTotal { line += "; committing…" }
        write(line)
    }

    /// `42 s`, `3m 05s`, `1h 02m`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60)m \(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h \(String(format: "%02d", s % 3600 / 60))m"
    }

    private func write(_ text: String) {
        let line = Terminal.truncate(text, toWidth: Terminal.width - 1)
        FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    func clear() {
        FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
    }
}

/// Ctrl-C while indexing: clear the progress line and say that the index keeps its last commit.
enum Interruption {
    static func install(clearingLine: Bool) {
        if clearingLine {
            signal(SIGINT, handleOnTerminal)
            signal(SIGTERM, handleOnTerminal)
        } else {
            signal(SIGINT, handle)
            signal(SIGTERM, handle)
        }
    }
}

private func handleOnTerminal(_ signal: Int32) {
    let clear: StaticString = "\r\u{1B}[K"
    _ = write(1, clear.utf8Start, clear.utf8CodeUnitCount)
    handle(signal)
}

private func handle(_ signal: Int32) {
    let message: StaticString = "trawl: interrupted; the index keeps its last commit (run the same command again to finish)\n"
    _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
    _exit(128 + signal)  // 130 for Ctrl-C
}
