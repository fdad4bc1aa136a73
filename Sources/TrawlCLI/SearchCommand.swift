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
            (groups), "phrases", "near words"~5, title:word, prefix*, fuzzy words oli~1 (up to 2 \
            edits; word~ is word~2), boosts word^2, and dates: \
            date:[2024-01-01 TO 2024-03-31], date:>=2024-06, date:2024, date:>=now-30d.
            Exit codes: 0 hits found, 1 no hits, 2 bad query or usage, 3 index missing, locked \
            or damaged.
            Batch mode (--batch) opens the index once and answers JSON Lines requests from \
            standard input, {"qid":"1","q":"oil","k":10,"count":true}, one JSON line each \
            ({"qid","hits","hits_rel","ids","engine_us","results"}); a line that is not JSON is \
            taken as the query itself.
            Metadata fields: tags:energy, author:"Jane Doe", tags:(energy OR shipping) match whole \
            values; words:>1000, rating:[3 TO 5], published:>=now-1y filter numbers and dates; \
            _exists_:author. Facets count matches per value: --facets tags,author:5,year, \
            date:month, words:500..1000..5000 (ranges between breakpoints).
            Examples:
              trawl search 'sanctions AND oil'
              trawl search '"oil exports" date:[2024-01-01 TO 2024-12-31]' --sort -date
              trawl search 'oil' --facets tags,year --sort -rating,date
              trawl search --json --limit 3 'title:zurich'
              trawl search --typos 'crude oil santcions'
            A query that finds fewer than 3 documents and has words that are not in the index \
            gets a correction: Did you mean: crude oil sanctions?
            """
    )

    @OptionGroup var location: IndexLocation

    @Argument(help: ArgumentHelp("The query, e.g. 'sanctions AND oil' (omit with --batch).", valueName: "query"))
    var query: String?

    @Option(name: .long, help: ArgumentHelp("How many hits to show; e.g. --limit 20 (--limit 0 only counts the matches).", valueName: "n"))
    var limit: Int = 10

    @Option(name: .long, help: ArgumentHelp("How many of the best hits to skip (paging); e.g. --offset 10 for page 2.", valueName: "n"))
    var offset: Int = 0

    @Option(name: .long, parsing: .unconditional,
            help: ArgumentHelp("Order: relevance, or fields of the index (keyword, number, date, bool), a - for descending, relevance breaking ties; e.g. --sort -date or --sort -rating,date.", valueName: "order"),
            completion: .list(["relevance", "date", "-date"]))
    var sort: String = "relevance"

    @Option(name: .long, parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Count the matches per value of fields, exactly: tags, tags:20 (top 20), year or date:month (dates), words:500..1000 (number ranges); comma-separated, e.g. --facets tags,author,year.", valueName: "fields"))
    var facets: [String] = []

    @Flag(name: .long, help: "Count every matching document exactly (slower); otherwise matches are counted exactly up to 1,000 and shown as 1,000+ beyond.")
    var count = false

    @Flag(name: .long, help: "Print one JSON object (see docs/json-output.md).")
    var json = false

    @Flag(name: .long, help: "Words match when any of them occurs (default operator OR instead of AND); e.g. --or 'cafe bistro'.")
    var or = false

    @Option(name: .long, help: ArgumentHelp("Analyze the query's words in this language only (a code such as de); by default they are analyzed in every language of the index's documents; e.g. --language de.", valueName: "code"))
    var language: String?

    @OptionGroup(title: "Ranking") var rankingOptions: RankingOptions

    @Flag(name: .long, help: "Read unparseable syntax as plain words instead of failing; e.g. --lenient 'AT&T (2024'.")
    var lenient = false

    @Flag(name: .long, help: "Tolerate typos as a search box does (implies --lenient): words of 5+ characters match within 1 edit, of 9+ within 2; exact matches first; e.g. --typos 'crude oil santcions'.")
    var typos = false

    @Flag(name: .long, help: "Answer JSON Lines requests from standard input until it ends; e.g. echo '{\"q\":\"oil\"}' | trawl search --batch.")
    var batch = false

    func validate() throws {
        guard sort.contains(where: { !$0.isWhitespace }) else { throw ValidationError("--sort takes relevance or field names, e.g. -date or -rating,date") }
        guard limit >= 0, limit <= 100_000 else { throw ValidationError("--limit must be between 0 and 100000") }
        guard offset >= 0, offset <= 1_000_000 else { throw ValidationError("--offset must be between 0 and 1000000") }
        if batch && query != nil { throw ValidationError("give either a QUERY or --batch, not both") }
        if !batch && query == nil { throw ValidationError("give a QUERY to search for (or --batch)") }
    }

    func run() throws {
        let session = SearchSession(reader: try IndexReader(path: location.path), defaultOperator: or ? .or : .and,
                                    lenient: lenient || typos, ranking: try rankingOptions.ranking(), language: language)
        if batch {
            BatchSearch(session: session).run()
            return
        }
        let text = query ?? ""
        let results: SearchResults
        do throws(SearchError) {
            var request = try session.request(text, limit: limit, offset: offset, countTotal: count)
            request.snippets = true
            request.sortFields = try SearchCommand.sortFields(sort, schema: session.reader.schema)
            request.facets = try SearchCommand.facetRequests(facets, schema: session.reader.schema)
            if typos { request.typoTolerance = TypoTolerance() }
            request.suggestionText = text
            results = try session.reader.search(request)
        } catch {
            switch error {
            case .query(let error): throw CLIFailure.query(error, text: text)
            case .index(let error): throw error
            case .invalidRequest(let message): throw CLIFailure(message: message, status: ExitStatus.usage, code: "invalidRequest")
            }
        }
        if json {
            print(SearchOutput.json(query: text, results: results))
        } else {
            SearchOutput.printHuman(results: results, offset: offset, limit: limit, colors: Terminal.colorsEnabled, width: Terminal.width)
        }
        // Exit 1 when nothing matches (a page past the last hit, or `--limit 0`, still found some).
        if results.total == 0 { throw ExitCode(ExitStatus.partial) }
    }
}

extension SearchCommand {
    /// The sort keys of `--sort` (empty for relevance).
    static func sortFields(_ text: String, schema: FieldSchema) throws(SearchError) -> [SortField] {
        try SortField.parse(text, schema: schema).get()
    }

    /// The facets of every `--facets` option (each a comma-separated list).
    static func facetRequests(_ options: [String], schema: FieldSchema) throws(SearchError) -> [FacetRequest] {
        var requests: [FacetRequest] = []
        for option in options {
            for part in option.split(separator: ",") where part.contains(where: { !$0.isWhitespace }) {
                requests.append(try FacetRequest.parse(String(part), schema: schema).get())
            }
        }
        return requests
    }
}

/// The rendering of `trawl search`'s results: JSON, and text for people.
extension SearchOutput {
    static func json(query: String, results: SearchResults) -> String {
        results.json(query: query).rendered()
    }

    /// `{"tags": [{"value": "energy", "count": 12}, …], …}`; number ranges add `from` and `to`.
    static func facetsJSON(_ facets: [FacetResult]) -> JSONOutput { FacetResult.json(facets) }

    /// The facets as people read them, one line each: `tags: energy 12 · shipping 5 (+3 more)`.
    static func printFacets(_ facets: [FacetResult], colors: Bool, width: Int) {
        guard !facets.isEmpty else { return }
        for facet in facets {
            var line = facet.buckets.filter { $0.count > 0 || facet.isRanges }.map { "\($0.value) \(NumberText.grouped($0.count))" }.joined(separator: " · ")
            if line.isEmpty { line = "(no values)" }
            if facet.otherCount > 0 { line += " (+\(NumberText.grouped(facet.otherCount)) in other values)" }
            print(Terminal.style(facet.name + ":", "1", enabled: colors) + " " + line)
        }
    }

    /// The total as people read it: `45 hits`, `1 hit`, `1,000+ hits` (a lower bound).
    static func totalText(_ results: SearchResults) -> String {
        let exact = results.totalRelation == .equalTo
        let number = NumberText.grouped(results.total) + (exact ? "" : "+")
        return number + (exact && results.total == 1 ? " hit" : " hits")
    }

    static func printHuman(results: SearchResults, offset: Int, limit: Int, colors: Bool, width: Int) {
        let ms = String(format: "%.2f", Double(results.tookMicroseconds) / 1000)
        if let suggestion = results.suggestion {
            print("Did you mean: " + Terminal.style(suggestion.query, "1", enabled: colors) + "?")
        }
        if results.hits.isEmpty {
            if limit == 0 && results.total > 0 {
                // `--limit 0`: a count.
                print("\(totalText(results)) (\(ms) ms)")
            } else if results.total > 0 {
                print("No hits on this page: \(totalText(results)) in all, fewer than --offset \(offset) + 1 (\(ms) ms)")
            } else {
                print("No hits (\(ms) ms)")
            }
            if results.total > 0 { printFacets(results.facets, colors: colors, width: width) }
            return
        }
        // Ranks right-aligned; the date, path and snippet lines start under the title.
        let indent = String(offset + results.hits.count).count + 2
        let pad = String(repeating: " ", count: indent)
        for (i, hit) in results.hits.enumerated() {
            let rank = "\(offset + i + 1)."
            let title = hit.title.isEmpty ? "(untitled)" : hit.title
            print(String(repeating: " ", count: indent - 1 - rank.count) + Terminal.style(rank, "2", enabled: colors) + " "
                  + Terminal.style(Terminal.truncate(title, toWidth: width - indent), "1", enabled: colors))
            // Date · id · score; a long id is cut so that the line fits.
            let date = hit.date.map { String($0.description.prefix(10)) + " · " } ?? ""
            let score = " · score \(String(format: "%.3f", hit.score))"
            let room = max(12, width - indent - Terminal.displayWidth(date) - Terminal.displayWidth(score))
            let meta = Terminal.truncate(date + Terminal.truncate(hit.id, toWidth: room) + score, toWidth: width - indent)
            print(pad + Terminal.style(meta, "36", enabled: colors))
            if let path = hit.path {
                // `path:line`, as compilers and grep print it, so editors open the file there.
                let location = path + (hit.line.map { ":\($0)" } ?? "") + (hit.page.map { " · page \($0)" } ?? "")
                print(pad + Terminal.style(Terminal.truncate(location, toWidth: width - indent), "2", enabled: colors))
            }
            if let snippet = hit.snippet {
                for line in wrap(highlighted(snippet), width: width - indent, colors: colors) { print(pad + line) }
            }
            print("")
        }
        let range = offset == 0 ? NumberText.grouped(results.hits.count) : "\(NumberText.grouped(offset + 1))–\(NumberText.grouped(offset + results.hits.count))"
        print(Terminal.style("\(range) of \(totalText(results)), \(ms) ms", "2", enabled: colors))
        if !results.facets.isEmpty {
            print("")
            printFacets(results.facets, colors: colors, width: width)
        }
    }

    /// The snippet cut into plain and highlighted parts.
    static func highlighted(_ snippet: Snippet) -> [(text: String, marked: Bool)] {
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

    /// Word-wraps marked text to `width` columns; marked words in bold yellow (colors) or between «».
    static func wrap(_ parts: [(text: String, marked: Bool)], width: Int, colors: Bool) -> [String] {
        var lines: [String] = []
        var line = ""
        var column = 0
        for (text, marked) in parts {
            let flat = text.map { $0.isNewline || $0 == "\t" ? " " : $0 }
            for (i, word) in String(flat).split(separator: " ", omittingEmptySubsequences: false).enumerated() {
                if i > 0 {
                    if column > 0 { line += " "; column += 1 }
                }
                if word.isEmpty { continue }
                let wordWidth = Terminal.displayWidth(word) + (marked && !colors ? 2 : 0)
                if column + wordWidth > width && column > 0 {
                    lines.append(line.trimmingTrailingSpaces())
                    line = ""
                    column = 0
                }
                line += marked ? (colors ? Terminal.style(String(word), "1;33", enabled: true) : "«\(word)»") : String(word)
                column += wordWidth
            }
        }
        if !line.isEmpty { lines.append(line.trimmingTrailingSpaces()) }
        return lines
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
