import ArgumentParser
import Foundation
import Trawl

/// `trawl search`: ranked search, one query or a batch from standard input.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search an index and print ranked hits with highlighted snippets.",
        discussion: """
            Query syntax: words (all required by default), AND OR NOT, +required -excluded, \
            (groups), "phrases", "near words"~5, title:word, prefix*, boosts word^2, and dates: \
            date:[2024-01-01 TO 2024-03-31], date:>=2024-06, date:2024, date:>=now-30d.

            Exit codes: 0 hits found, 1 no hits, 2 bad query or usage, 3 index missing or corrupt.

            Batch mode (--batch) opens the index once and answers JSON Lines requests from \
            standard input, {"qid":"1","q":"oil","k":10,"count":true}, one JSON line each \
            ({"qid","hits","hits_rel","ids","engine_us","results"}); a line that is not JSON is \
            taken as the query itself.

            Examples:
              trawl search 'sanctions AND oil'
              trawl search '"oil exports" date:[2024-01-01 TO 2024-12-31]' --sort -date
              trawl search --json --limit 3 'title:zurich'
            """
    )

    @OptionGroup var location: IndexLocation

    @Argument(help: "The query (omit with --batch).")
    var query: String?

    @Option(name: .long, help: "How many hits to show.")
    var limit: Int = 10

    @Option(name: .long, help: "How many of the best hits to skip (paging).")
    var offset: Int = 0

    // `.unconditional`: the value `-date` starts with a dash and must not be read as an option.
    @Option(name: .long, parsing: .unconditional, help: "Order: relevance, date (oldest first) or -date (newest first).")
    var sort: String = "relevance"

    @Flag(name: .long, help: "Count every matching document exactly (slower).")
    var count = false

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Flag(name: .long, help: "Words match when any of them occurs (default operator OR instead of AND).")
    var or = false

    @Flag(name: .long, help: "Read unparseable syntax as plain words instead of failing.")
    var lenient = false

    @Flag(name: .long, help: "Answer JSON Lines requests from standard input until it ends.")
    var batch = false

    /// Parses a query, keeping the typed error.
    static func parse(_ parser: QueryParser, _ text: String) -> Result<Query, QuerySyntaxError> {
        do throws(QuerySyntaxError) {
            return .success(try parser.parse(text))
        } catch {
            return .failure(error)
        }
    }

    func validate() throws {
        guard SearchSort(rawValue: sort) != nil else { throw ValidationError("--sort takes relevance, date or -date") }
        guard limit >= 0, limit <= 100_000 else { throw ValidationError("--limit must be between 0 and 100000") }
        guard offset >= 0, offset <= 1_000_000 else { throw ValidationError("--offset must be between 0 and 1000000") }
        if batch && query != nil { throw ValidationError("give either a QUERY or --batch, not both") }
        if !batch && query == nil { throw ValidationError("give a QUERY to search for (or --batch)") }
    }

    func run() throws {
        let reader = try IndexReader(path: location.path)
        var parser = reader.queryParser()
        parser.defaultOperator = or ? .or : .and
        parser.lenient = lenient
        if batch {
            BatchSearch(reader: reader, parser: parser).run()
            return
        }
        let text = query ?? ""
        let tree: Query
        switch SearchCommand.parse(parser, text) {
        case .success(let parsed):
            tree = parsed
        case .failure(let error):
            printError("trawl: " + error.rendered(query: text))
            throw ExitCode(ExitStatus.usage)
        }
        var request = SearchRequest(query: tree, limit: limit, offset: offset, sort: SearchSort(rawValue: sort)!, countTotal: count)
        request.snippets = true
        let results: SearchResults
        do {
            results = try reader.search(request)
        } catch let error as QuerySyntaxError {
            printError("trawl: " + error.rendered(query: text))
            throw ExitCode(ExitStatus.usage)
        }
        if json {
            print(SearchOutput.json(query: text, results: results))
        } else {
            SearchOutput.printHuman(results: results, offset: offset, colors: Terminal.colorsEnabled, width: Terminal.width)
        }
        if results.hits.isEmpty && results.total == 0 { throw ExitCode(ExitStatus.partial) }
    }
}

/// Rendering of search results.
enum SearchOutput {
    static func hitJSON(_ hit: SearchHit) -> JSONOutput {
        var members: [(String, JSONOutput)] = [
            ("id", .string(hit.id)), ("score", .double(Double((hit.score * 10_000).rounded() / 10_000))),
            ("title", .string(hit.title)), ("date", hit.date.map { .string($0.description) } ?? .null),
        ]
        if let snippet = hit.snippet {
            members.append(("snippet", .string(snippet.text)))
            members.append(("highlights", .array(snippet.highlights.map { .array([.int($0.lowerBound), .int($0.upperBound)]) })))
        } else {
            members.append(("snippet", .null))
            members.append(("highlights", .array([])))
        }
        if !hit.fields.isEmpty {
            members.append(("fields", .object(hit.fields.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        return .object(members)
    }

    static func json(query: String, results: SearchResults) -> String {
        JSONOutput.object([
            ("query", .string(query)), ("total", .int(results.total)),
            ("total_relation", .string(results.totalRelation.rawValue)),
            ("took_ms", .double(Double(results.tookMicroseconds) / 1000)),
            ("hits", .array(results.hits.map(hitJSON))),
        ]).rendered()
    }

    static func printHuman(results: SearchResults, offset: Int, colors: Bool, width: Int) {
        let totalText = results.totalRelation == .equalTo ? "\(results.total)" : "at least \(results.total)"
        let ms = String(format: "%.2f", Double(results.tookMicroseconds) / 1000)
        if results.hits.isEmpty {
            print("No hits (\(totalText) matching, \(ms) ms)")
            return
        }
        for (i, hit) in results.hits.enumerated() {
            let rank = "\(offset + i + 1)."
            let title = hit.title.isEmpty ? "(untitled)" : hit.title
            print(Terminal.style(rank, "2", enabled: colors) + " " + Terminal.style(truncate(title, width - rank.count - 1), "1", enabled: colors))
            var meta = [hit.id]
            if let date = hit.date { meta.insert(date.description, at: 0) }
            meta.append("score \(String(format: "%.3f", hit.score))")
            print("   " + Terminal.style(truncate(meta.joined(separator: " · "), width - 3), "36", enabled: colors))
            if let snippet = hit.snippet {
                for line in wrap(highlighted(snippet, colors: colors), width: width - 3) { print("   " + line) }
            }
            print("")
        }
        print("\(results.hits.count) of \(totalText) hits, \(ms) ms")
    }

    /// The snippet with its highlights in bold yellow (colors) or between «» (no colors).
    static func highlighted(_ snippet: Snippet, colors: Bool) -> [(text: String, marked: Bool)] {
        let bytes = Array(snippet.text.utf8)
        var parts: [(String, Bool)] = []
        var at = 0
        for range in snippet.highlights where range.lowerBound >= at && range.upperBound <= bytes.count {
            if range.lowerBound > at { parts.append((String(decoding: bytes[at..<range.lowerBound], as: UTF8.self), false)) }
            parts.append((String(decoding: bytes[range], as: UTF8.self), true))
            at = range.upperBound
        }
        if at < bytes.count { parts.append((String(decoding: bytes[at...], as: UTF8.self), false)) }
        return parts
    }

    /// Word-wraps marked text to `width` columns, styling marked words.
    static func wrap(_ parts: [(text: String, marked: Bool)], width: Int) -> [String] {
        let colors = Terminal.colorsEnabled
        var lines: [String] = []
        var line = ""
        var column = 0
        for (text, marked) in parts {
            for (i, word) in text.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
                if i > 0 {
                    if column > 0 { line += " "; column += 1 }
                }
                if word.isEmpty { continue }
                if column + word.count > width && column > 0 {
                    lines.append(line.trimmingTrailingSpaces())
                    line = ""
                    column = 0
                }
                let shown = marked ? (colors ? Terminal.style(String(word), "1;33", enabled: true) : "«\(word)»") : String(word)
                line += shown
                column += word.count + (marked && !colors ? 2 : 0)
            }
        }
        if !line.isEmpty { lines.append(line.trimmingTrailingSpaces()) }
        return lines
    }

    static func truncate(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(1, width - 1))) + "…"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}

/// The batch loop: one JSON request per line in, one JSON line per request out, flushed.
struct BatchSearch {
    let reader: IndexReader
    let parser: QueryParser

    func run() {
        while let line = readLine(strippingNewline: true) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            print(answer(line))
            fflush(nil)
        }
    }

    func answer(_ line: String) -> String {
        var qid: JSONOutput = .null
        var text = line
        var k = 10
        var count = false
        var snippets = false
        if line.first == "{", let data = line.data(using: .utf8),
           let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
            if let id = object["qid"] as? String { qid = .string(id) } else if let id = object["qid"] as? Int { qid = .int(id) }
            text = object["q"] as? String ?? ""
            if let value = object["k"] as? Int { k = max(0, min(value, 100_000)) }
            count = object["count"] as? Bool ?? false
            snippets = object["snippets"] as? Bool ?? false
        }
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let tree = try SearchCommand.parse(parser, text).get()
            var request = SearchRequest(query: tree, limit: k, countTotal: count)
            request.snippets = snippets
            let results = try reader.search(request)
            let micros = Int((DispatchTime.now().uptimeNanoseconds - started) / 1000)
            return JSONOutput.object([
                ("qid", qid), ("hits", .int(results.total)), ("hits_rel", .string(results.totalRelation.rawValue)),
                ("ids", .array(results.hits.map { .string($0.id) })), ("engine_us", .int(micros)),
                ("results", .array(results.hits.map(SearchOutput.hitJSON))),
            ]).rendered()
        } catch let error as QuerySyntaxError {
            return JSONOutput.object([("qid", qid), ("error", .string(error.description))]).rendered()
        } catch {
            return JSONOutput.object([("qid", qid), ("error", .string("\(error)"))]).rendered()
        }
    }
}
