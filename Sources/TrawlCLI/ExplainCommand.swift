import ArgumentParser
import Foundation
import Trawl

/// `trawl explain`: why a document has its score.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show how a document's score for a query is computed (idf, tf, lengths, weights).",
        discussion: """
            Exit codes: 0 the document matches, 1 it does not match, 2 bad query, 3 index missing \
            or no document with that id.
            Example:
              trawl explain 'sanctions AND oil' world/tanker-operators-fined.html
            """
    )

    @OptionGroup var location: IndexLocation

    @Argument(help: "The query.")
    var query: String

    @Argument(help: "The id of the document to explain.")
    var id: String

    @Option(name: .long, help: ArgumentHelp("Analyze the query's words in this language only (a code such as de); e.g. --language de.", valueName: "code"))
    var language: String?

    @Flag(name: .long, help: "Print the explanation as JSON.")
    var json = false

    @Flag(name: .long, help: "Words match when any of them occurs (default operator OR instead of AND), as with trawl search --or.")
    var or = false

    @OptionGroup(title: "Ranking (as trawl search ranks)") var rankingOptions: RankingOptions

    func run() throws {
        let session = SearchSession(reader: try IndexReader(path: location.path), defaultOperator: or ? .or : .and,
                                    ranking: try rankingOptions.ranking(), language: language)
        let found: Explanation?
        do throws(SearchError) {
            found = try session.reader.explain(try session.request(query, limit: 1), id: id)
        } catch {
            switch error {
            case .query(let error): throw CLIFailure.query(error, text: query)
            case .index(let error): throw error
            case .invalidRequest(let message): throw CLIFailure(message: message, status: ExitStatus.usage, code: "invalidRequest")
            }
        }
        guard let explanation = found else {
            printError("trawl: no document with id '\(id)' in \(location.path)")
            throw ExitCode(ExitStatus.index)
        }
        if json {
            print(ExplainCommand.json(explanation).rendered())
        } else {
            print(explanation.description, terminator: "")
        }
        if explanation.value == 0 && explanation.details.isEmpty { throw ExitCode(ExitStatus.partial) }
    }

    static func json(_ node: Explanation) -> JSONOutput {
        .object([("value", .double(Double(node.value))), ("description", .string(node.summary)),
                 ("details", .array(node.details.map(json)))])
    }
}
