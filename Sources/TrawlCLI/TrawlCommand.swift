import ArgumentParser
import Trawl
#if canImport(Glibc)
import Glibc
#endif

/// The `trawl` command: index folders of articles and search them.
struct TrawlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trawl",
        abstract: "A full-text search engine for folders of articles.",
        discussion: """
            Exit codes: 0 success (search: hits found), 1 finished with problems (search: no hits), \
            2 usage error or bad query, 3 index missing, locked or corrupt.
            """,
        version: TrawlVersion.string,
        subcommands: [IndexCommand.self, SearchCommand.self, ExplainCommand.self, AnalyzeCommand.self, StatsCommand.self, CheckCommand.self, DeleteCommand.self, OptimizeCommand.self]
    )
}

/// Exit codes that scripts can rely on.
enum ExitStatus {
    /// Success (search: at least one hit).
    static let success: Int32 = 0
    /// Finished, with problems (index: some files failed; search: no hits).
    static let partial: Int32 = 1
    /// Usage error or bad query.
    static let usage: Int32 = 2
    /// Index missing, locked or corrupt.
    static let index: Int32 = 3

    /// The exit code for a library error.
    static func code(for error: TrawlError) -> Int32 {
        switch error.code {
        case .invalidArgument, .invalidQuery, .limitExceeded: return usage
        case .indexNotFound, .indexLocked, .corruptIndex, .incompatibleIndex: return index
        case .io, .documentUnreadable, .documentMalformed, .analysis: return partial
        }
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    var line = message
    line.append("\n")
    line.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if n <= 0 { break }
            offset += n
        }
    }
}

@main
enum TrawlMain {
    static func main() {
        do {
            var command = try TrawlCommand.parseAsRoot()
            try command.run()
        } catch let error as TrawlError {
            printError("trawl: \(error.description)")
            exit(ExitStatus.code(for: error))
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            let status = TrawlCommand.exitCode(for: error)
            if status == .success {
                TrawlCommand.exit(withError: error)
            }
            printError(TrawlCommand.fullMessage(for: error))
            exit(ExitStatus.usage)
        }
    }
}
