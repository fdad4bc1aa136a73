// NotesSearch: a tiny app that embeds Trawl to index a folder of notes and search it.
//
//   swift run NotesSearch index ~/notes           build or update the index
//   swift run NotesSearch search 'budget AND q3'  search with the query language
//   swift run NotesSearch recent budget 30        notes that mention a word, from the last 30 days, newest first
//
// The index lives in $NOTES_INDEX, else ./notes-index.

import Foundation
import Trawl

let usage = """
    usage: NotesSearch index FOLDER
           NotesSearch search QUERY
           NotesSearch recent WORD [DAYS]
    The index lives in $NOTES_INDEX, else ./notes-index.
    """

let indexPath = ProcessInfo.processInfo.environment["NOTES_INDEX"] ?? "notes-index"
let arguments = Array(CommandLine.arguments.dropFirst())

/// Prints a message on standard error and exits.
func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("NotesSearch: \(message)\n".utf8))
    exit(status)
}

/// Prints each hit: title, date and id, then the snippet with its highlights in [brackets].
func show(_ results: SearchResults) {
    if results.hits.isEmpty {
        print("No notes found.")
        return
    }
    for hit in results.hits {
        let date = hit.date.map { " (\($0))" } ?? ""
        print("\(hit.title.isEmpty ? hit.id : hit.title)\(date)  [\(hit.id)]")
        if let snippet = hit.snippet {
            // Highlights are UTF-8 byte ranges of the snippet text.
            var text = ""
            let bytes = Array(snippet.text.utf8)
            var at = 0
            for range in snippet.highlights {
                text += String(decoding: bytes[at..<range.lowerBound], as: UTF8.self)
                text += "[" + String(decoding: bytes[range], as: UTF8.self) + "]"
                at = range.upperBound
            }
            text += String(decoding: bytes[at...], as: UTF8.self)
            print("    \(text)")
        }
    }
    let relation = results.totalRelation == .equalTo ? "" : "at least "
    print("\(results.hits.count) of \(relation)\(results.total) notes")
}

do {
    switch arguments.first {
    case "index" where arguments.count == 2:
        // Indexing runs on a background thread; progress arrives as an async sequence.
        for try await event in FolderIndexer.events(indexing: [arguments[1]], into: indexPath) {
            switch event {
            case .progress(let progress):
                FileHandle.standardOutput.write(Data("\rIndexing \(progress.filesDone)/\(progress.filesTotal) files".utf8))
            case .finished(let summary):
                print("\rIndexed: \(summary.added) added, \(summary.updated) updated, \(summary.deleted) deleted, "
                      + "\(summary.unchanged) unchanged, \(summary.failed) failed")
                for problem in summary.problems { print("  \(problem)") }
            }
        }

    case "search" where arguments.count >= 2:
        // A reader is Sendable: open it once and share it between tasks.
        let index = try IndexReader(path: indexPath)
        show(try index.search(arguments.dropFirst().joined(separator: " "), limit: 5))

    case "recent" where arguments.count == 2 || arguments.count == 3:
        // The same kind of search, built in code instead of parsed: a word and a date range.
        guard let days = Int(arguments.count == 3 ? arguments[2] : "30"), days > 0 else { fail("DAYS must be a positive number") }
        let index = try IndexReader(path: indexPath)
        let since = DocumentDate(secondsSinceEpoch: Int64(Date().timeIntervalSince1970) - Int64(days) * 86_400)
        let query = Query.and {
            Query.term(arguments[1], analyzer: index.analyzer)
            Query.date(from: since, to: nil)
        }
        show(try index.search(SearchRequest(query: query, limit: 5, sort: .dateDescending)))

    default:
        fail(usage)
    }
} catch SearchError.query(let error) {
    fail(error.rendered(query: arguments.dropFirst().joined(separator: " ")))
} catch let error as TrawlError {
    fail(error.description, status: 1)
} catch SearchError.index(let error) {
    fail(error.description, status: 1)
} catch {
    fail("\(error)", status: 1)
}
