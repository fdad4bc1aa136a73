import ArgumentParser
import Foundation
import Trawl

/// `trawl suggest`: completes the last word of a partial query from the index's terms.
struct SuggestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "Complete the last word of a partial query from the index's terms.",
        discussion: """
            Completions are the indexed terms (folded and stemmed) of the title and body fields \
            that start with the last word, most frequent first. With --restrict, only documents \
            matching the words before it count.
            Examples:
              trawl suggest 'crude oi'
              trawl suggest --restrict --json 'crude oil sanc'
            """
    )

    @OptionGroup var location: IndexLocation

    @Argument(help: ArgumentHelp("The partial query, e.g. 'crude oil sanc'.", valueName: "partial"))
    var partial: String

    @Option(name: .long, help: ArgumentHelp("How many completions to show (default 10).", valueName: "n"))
    var limit = 10

    @Flag(name: .long, help: "Count only the documents that match the words before the last one.")
    var restrict = false

    @Flag(name: .long, help: "Print one JSON object (see docs/json-output.md).")
    var json = false

    func validate() throws {
        guard limit >= 1, limit <= 1_000 else { throw ValidationError("--limit must be between 1 and 1000") }
    }

    func run() throws {
        let reader = try IndexReader(path: location.path)
        let completions: [Completion]
        do throws(SearchError) {
            completions = try reader.complete(partial, limit: limit, restricted: restrict)
        } catch {
            switch error {
            case .query(let error): throw CLIFailure.query(error, text: partial)
            case .index(let error): throw error
            case .invalidRequest(let message): throw CLIFailure(message: message, status: ExitStatus.usage, code: "invalidRequest")
            }
        }
        if json {
            let items: [JSONOutput] = completions.map {
                .object([("query", .string($0.query)), ("term", .string($0.term)), ("documents", .int($0.documentFrequency))])
            }
            print(JSONOutput.object([("partial", .string(partial)), ("completions", .array(items))]).rendered())
        } else {
            for completion in completions { print("\(completion.query)\t\(completion.documentFrequency)") }
        }
        if completions.isEmpty { throw ExitCode(ExitStatus.partial) }
    }
}
