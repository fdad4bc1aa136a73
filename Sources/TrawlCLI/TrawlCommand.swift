import ArgumentParser
import Foundation
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
            Every command that opens an index takes --index DIR (default: $TRAWL_INDEX, else \
            ./index) and prints JSON with --json. Colors appear only on a terminal, never \
            with NO_COLOR set.
            Exit codes: 0 success (search: hits found); 1 finished with problems (index: some \
            files failed; search: no hits; delete: an id was missing); 2 usage error, bad path \
            or bad query; 3 index missing, locked, damaged or incompatible; 4 a file could not \
            be read or written (permissions, disk full); 130 interrupted.
            Examples:
              trawl index samples/articles
              trawl search 'sanctions AND oil'
              trawl search --json '"oil exports"' | jq '.hits[].title'
              trawl --generate-completion-script zsh > ~/.zfunc/_trawl
            """,
        version: TrawlVersion.string,
        subcommands: TrawlCommand.commands
    )
}

extension TrawlCommand {
    /// The subcommands; `serve` exists where the server target is built (not in sanitizer builds).
    static var commands: [any ParsableCommand.Type] {
        var commands: [any ParsableCommand.Type] = [IndexCommand.self, SearchCommand.self, ExplainCommand.self, AnalyzeCommand.self,
                                                    StatsCommand.self, SuggestCommand.self, CheckCommand.self, DeleteCommand.self,
                                                    OptimizeCommand.self, ExportCommand.self]
        #if canImport(TrawlServer)
        commands.append(ServeCommand.self)
        #endif
        return commands
    }
}

/// Exit codes that scripts can rely on (documented in docs/cli.md).
enum ExitStatus {
    /// Success (search: at least one hit).
    static let success: Int32 = 0
    /// Finished, with problems (index: some files failed; search: no hits; delete: an id was missing).
    static let partial: Int32 = 1
    /// Usage error, bad path or bad query.
    static let usage: Int32 = 2
    /// Index missing, locked, damaged or incompatible.
    static let index: Int32 = 3
    /// A file could not be read or written (permissions, disk full), or the system failed.
    static let io: Int32 = 4
    /// Interrupted (Ctrl-C).
    static let interrupted: Int32 = 130

    /// The exit code for a library error.
    static func code(for error: TrawlError) -> Int32 {
        switch error.code {
        case .invalidArgument, .invalidQuery, .limitExceeded: return usage
        case .indexNotFound, .indexLocked, .corruptIndex, .incompatibleIndex: return index
        case .documentUnreadable, .documentMalformed: return partial
        case .io, .analysis: return io
        case .cancelled: return interrupted
        }
    }
}

/// A failure the CLI reports itself: a message for standard error, an exit code, and the
/// fields of the `{"error": ...}` object printed on standard output under `--json`.
struct CLIFailure: Error {
    /// What happened and what to do (may span lines, like a query error with its caret).
    var message: String
    /// The exit code.
    var status: Int32
    /// A stable, machine-readable name (`usage`, `invalidQuery`, or a ``TrawlError/Code``).
    var code: String
    /// Extra JSON members (`column` of a query error).
    var details: [(String, JSONOutput)] = []

    /// A bad query, rendered with a caret under the column.
    static func query(_ error: QuerySyntaxError, text: String) -> CLIFailure {
        CLIFailure(message: error.rendered(query: text), status: ExitStatus.usage,
                   code: error.isLimit ? TrawlError.Code.limitExceeded.rawValue : TrawlError.Code.invalidQuery.rawValue,
                   details: [("column", .int(error.column)), ("kind", .string(error.kind.rawValue))])
    }

    /// A library error, with a hint at what to do where the library message has none.
    static func library(_ error: TrawlError) -> CLIFailure {
        var text: String
        switch error.code {
        case .indexNotFound:
            let path = error.path ?? IndexLocation.defaultPath
            let option = path == IndexLocation.defaultPath ? "" : "--index \(path) "
            text = "no index at \(displayPath(path)); run `trawl index \(option)FOLDER` first"
        case .indexLocked:
            text = error.description + ", or pass --wait SECONDS"
        case .corruptIndex:
            text = error.description + "; run `trawl check` for details, and rebuild the index (delete the folder, run `trawl index FOLDER`)"
        case .incompatibleIndex:
            text = error.description + "; rebuild the index (delete the folder, run `trawl index FOLDER`)"
        case .io:
            text = error.description + "; check the path, its permissions and the free disk space"
        default:
            text = error.description
        }
        return CLIFailure(message: text, status: ExitStatus.code(for: error), code: error.code.rawValue)
    }
}

/// A path as shown to people: relative paths start with `./`.
func displayPath(_ path: String) -> String {
    if path.hasPrefix("/") || path.hasPrefix(".") || path.hasPrefix("~") { return path }
    return "./" + path
}

/// `text` with its first word in lower case (`The file …` → `the file …`), unless the word is
/// an acronym (`ICU`, `JSON`).
func lowercasingFirstWord(_ text: String) -> String {
    guard let first = text.first, first.isUppercase, text.dropFirst().first?.isLowercase == true else { return text }
    return first.lowercased() + text.dropFirst()
}

/// Writes a line to standard error. Messages after the `trawl: ` prefix start in lower case,
/// however the library worded them (`trawl: the file is not valid JSON …`); an acronym (`ICU`)
/// keeps its case.
func printError(_ message: String) {
    let prefix = "trawl: "
    var line = message.hasPrefix(prefix) ? prefix + lowercasingFirstWord(String(message.dropFirst(prefix.count))) : message
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
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try TrawlCommand.parseAsRoot(try QueryArguments.protectingQueries(arguments))
            try command.run()
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            if !(error is CLIFailure) && !(error is TrawlError) && TrawlCommand.exitCode(for: error) == .success {
                TrawlCommand.exit(withError: error)  // --help, --version, completion scripts
            }
            let failure = describe(error, arguments: arguments)
            printError(failure.message.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                .map { $0.offset == 0 ? "trawl: " + $0.element : String($0.element) }.joined(separator: "\n"))
            if arguments.prefix(while: { $0 != "--" }).contains("--json") {
                print(JSONOutput.object([("error", .object([
                    ("code", .string(failure.code)), ("message", .string(failure.message)),
                    ("exit_code", .int(Int(failure.status))),
                ] + failure.details))]).rendered())
            }
            exit(failure.status)
        }
    }

    /// The failure to report for any error thrown while parsing or running.
    static func describe(_ error: any Error, arguments: [String]) -> CLIFailure {
        if let failure = error as? CLIFailure { return failure }
        if let error = error as? TrawlError { return .library(error) }
        if let error = error as? SearchError {
            switch error {
            case .query(let error): return .query(error, text: error.text)
            case .index(let error): return .library(error)
            case .invalidRequest(let message): return CLIFailure(message: message, status: ExitStatus.usage, code: "invalidRequest")
            }
        }
        // An argument-parser error: bad option, bad value, missing argument, unknown command.
        let names = TrawlCommand.configuration.subcommands.compactMap { $0.configuration.commandName }
        let command = arguments.first.flatMap { $0.hasPrefix("-") ? nil : $0 }
        if let command, !names.contains(command), command != "help" {
            var text = "unknown command '\(command)'"
            if let guess = EditDistance.closest(to: command, in: names, bound: { _ in 2 }) { text += "; did you mean `trawl \(guess)`?" } else {
                text += "; run `trawl --help` to see the commands"
            }
            return CLIFailure(message: text, status: ExitStatus.usage, code: "usage")
        }
        var text = lowercasingFirstWord(TrawlCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments")
        while text.hasSuffix(".") { text.removeLast() }
        let help = command.map { "trawl \($0) --help" } ?? "trawl --help"
        // `trawl search sanctions AND oil`: the words of an unquoted query became extra arguments.
        if command == "search" || command == "explain", text.contains("unexpected argument") {
            let words = QueryArguments.positionals(Array(arguments.dropFirst()))
            return CLIFailure(message: "\(text); quote a query of several words: trawl \(command!) "
                                  + QueryArguments.shellQuoted(words.joined(separator: " ")),
                              status: ExitStatus.usage, code: "usage")
        }
        if !text.contains(";") && !text.hasSuffix("?") { text += "; see `\(help)`" }
        return CLIFailure(message: text, status: ExitStatus.usage, code: "usage")
    }
}
