import Foundation
import Testing
@testable import Trawl

@Suite(.serialized) struct HostileQueryTests {
    /// A five-letter term `zz???` for each number below 17,576.
    static func term(_ n: Int) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        return "zz" + String([letters[n / 676 % 26], letters[n / 26 % 26], letters[n % 26]])
    }

    /// 3,000 documents whose every title and body term starts with `zz`: terms drawn from
    /// 12,000 five-letter words, one unique word per document, and `zzoil`, `zzprice` in every body.
    static let index: IndexReader = {
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.threads = 2
        options.durable = false
        options.ramBudget = 4 << 20
        let writer = try! IndexWriter(directory: directory, lock: nil, options: options)
        var random = SeededGenerator(seed: 5)
        var documents: [Document] = []
        for i in 0..<3000 {
            var words = (0..<15).map { _ in term(Int.random(in: 0..<12_000, using: &random)) }
            words += [term(12_000 + i), "zzoil", "zzprice"]
            words.shuffle(using: &random)
            documents.append(Document(id: "q\(i)", title: term(12_000 + i) + " " + words[0],
                                      date: DocumentDate(secondsSinceEpoch: Int64(i) * 86_400, precision: .day),
                                      body: words.joined(separator: " ")))
        }
        try! writer.add(documents)
        try! writer.commit()
        writer.close()
        return try! IndexReader(directory: directory)
    }()

    enum Outcome { case answered(Int), rejected(String) }

    /// Runs a query; it must answer or fail with a typed error, within `seconds`.
    @discardableResult
    func run(_ label: String, _ query: String, limit: Int = 10, offset: Int = 0, sort: SearchSort = .relevance,
             operator: QueryParser.Operator = .and, lenient: Bool = false, count: Bool = true, seconds: Double = 60) -> Outcome {
        let started = now()
        let outcome: Outcome
        do throws(SearchError) {
            let results = try Self.index.search(query, limit: limit, offset: offset, sort: sort, countTotal: count,
                                                defaultOperator: `operator`, lenient: lenient)
            #expect(results.hits.count <= max(0, min(limit, 100_000)), "\(label): more hits than the limit")
            outcome = .answered(results.total)
        } catch {
            switch error {
            case .query(let error): #expect(!error.description.isEmpty)
            case .index(let error): #expect([.invalidQuery, .limitExceeded].contains(error.code), "\(label): \(error)")
            case .invalidRequest(let message): Issue.record("\(label): a plain query made an invalid request: \(message)")
            }
            outcome = .rejected(error.description)
        }
        let elapsed = now() - started
        #expect(elapsed < seconds, "\(label) took \(String(format: "%.1f", elapsed)) s")
        let shown: String
        switch outcome {
        case .answered(let total): shown = "answered, \(total) hits"
        case .rejected(let message): shown = "rejected: \(message.prefix(110))"
        }
        print("HostileQuery \(label): \(shown) (\(String(format: "%.2f", elapsed)) s)")
        return outcome
    }

    func words(_ count: Int, seed: UInt64) -> [String] {
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Self.term(Int.random(in: 0..<12_000, using: &random)) }
    }

    @Test func tenThousandTerms() {
        let terms = words(10_000, seed: 1)
        let query = terms.joined(separator: " ")
        #expect(query.utf8.count < 65_536)
        run("10,000 terms, AND", query)
        if case .answered(let total) = run("10,000 terms, OR", query, operator: .or) { #expect(total > 2_900) }
        run("10,000 terms, OR, not counted", query, operator: .or, count: false)
        run("10,000 terms, OR, by date", query, sort: .dateDescending, operator: .or)
        run("10,001 terms", query + " oil", operator: .or)
        run("10,000-term phrase", "\"" + terms.joined(separator: " ") + "\"")
        run("10,000-term phrase, slop", "\"" + terms.prefix(5_000).joined(separator: " ") + "\"~100000")
        run("5,000 exclusions", "zzoil " + terms.prefix(5_000).map { "-" + $0 }.joined(separator: " "))
        run("10,000 field clauses", terms.map { "body:" + $0 }.joined(separator: " OR ").prefix(65_000).description, operator: .or)
        run("65,532 bytes", String(repeating: "zzoil ", count: 10_922))
        run("65,539 bytes", String(repeating: "zzoil ", count: 10_923) + "x")
        run("one 60,000-letter word", String(repeating: "a", count: 60_000))
    }

    @Test func deepNesting() {
        let deep = String(repeating: "(", count: 100_000) + "zzoil" + String(repeating: ")", count: 100_000)
        guard case .rejected = run("100,000 nested parentheses", deep) else {
            Issue.record("100,000 nested parentheses were accepted")
            return
        }
        run("100,000 nested parentheses, lenient", deep, lenient: true)
        run("100,000 unclosed parentheses", String(repeating: "(", count: 100_000))
        run("100,000 closing parentheses, lenient", String(repeating: ")", count: 100_000), lenient: true)
        run("30,000 nested parentheses", String(repeating: "(", count: 30_000) + "zzoil" + String(repeating: ")", count: 30_000))
        run("256 nested parentheses", String(repeating: "(", count: 256) + "zzoil" + String(repeating: ")", count: 256))
        run("20,000 NOTs", String(repeating: "NOT ", count: 15_000) + "zzoil")
        run("30,000 minus signs", String(repeating: "-", count: 30_000) + "zzoil")
        run("2,000 ANDs", Array(repeating: "zzoil", count: 2_000).joined(separator: " AND "))
        run("nested groups of ORs", (0..<200).map { "(t\($0)x OR " }.joined() + "zzoil" + String(repeating: ")", count: 200))
        run("20,000 quotes", String(repeating: "\"", count: 20_001))
        run("boosts", "oil^99999999999999999999 price^1e308 t^-1 (oil)^0")
    }

    @Test func prefixesMatchingEverything() {
        // `zz*` matches every term of the title and body fields (over 18,000): more than the
        // default expansion limit of 4,096 terms.
        guard case .rejected(let message) = run("zz* (every term)", "zz*") else {
            Issue.record("a prefix of every term was accepted under the 4,096-term limit")
            return
        }
        #expect(message.contains("zz"))
        run("zza* OR zzb*", "zza* OR zzb*", operator: .or)
        run("z* (too short)", "z*")
        run("z* lenient", "z*", lenient: true)
        run("prefix in a phrase", "\"zzoil zz*\"")
        run("1,000 prefixes", (0..<1000).map { Self.term($0 * 12) + "*" }.joined(separator: " "), operator: .or)
        // With the limit lifted, every term is expanded, still in bounded time.
        var parser = Self.index.queryParser()
        parser.defaultOperator = .or
        let started = now()
        do {
            var request = SearchRequest(query: try parser.parse("zz*"), limit: 10, countTotal: true)
            request.prefixExpansionLimit = Int.max
            let results = try Self.index.search(request)
            #expect(results.total == 3000)
        } catch {
            Issue.record("an unlimited expansion failed: \(error)")
        }
        let elapsed = now() - started
        print("HostileQuery zz* with no expansion limit: \(String(format: "%.2f", elapsed)) s")
        #expect(elapsed < 30)
    }

    @Test func hugeLimitsAndOffsets() {
        for (limit, offset) in [(Int.max, 0), (0, Int.max), (Int.max, Int.max), (-1, -1), (Int.min, Int.min), (100_000, 1_000_000),
                                (1, 2_999), (10, 3_000)] {
            for sort in SearchSort.allCases {
                run("limit \(limit) offset \(offset) \(sort)", "zzoil OR zzprice", limit: limit, offset: offset, sort: sort, operator: .or)
            }
        }
        if case .answered(let total) = run("match everything, all hits", "zzoil", limit: Int.max) { #expect(total == 3000) }
        var request = SearchRequest(query: .matchAll, limit: Int.max, offset: Int.max, sort: .dateAscending, countTotal: true)
        request.prefixExpansionLimit = Int.min
        request.fieldWeights = ["title": .infinity, "body": .nan]
        #expect((try? Self.index.search(request)) != nil)
    }

    @Test(.enabled(if: TrawlCLI.binary != nil, Comment(rawValue: TrawlCLI.missingMessage)))
    func cliRejectsHostileArguments() throws {
        let temp = TemporaryFolder("query-cli")
        defer { temp.remove() }
        writeFile(temp.sub("docs/a.txt"), "Oil\n\nOil prices rose.")
        let cli = TrawlCLI.binary!
        let index = ChildProcess.run([cli, "index", "--index", temp.sub("index"), temp.sub("docs"), "-q"], outputPrefix: temp.sub("i"))
        #expect(index.exitCode == 0)
        let cases: [([String], Int32)] = [
            (["oil", "--limit", "99999999999999999999999"], 2), (["oil", "--limit", "-5"], 2), (["oil", "--offset", "2000000"], 2),
            ([String(repeating: "(", count: 50_000) + "oil" + String(repeating: ")", count: 50_000)], 2),
            ([String(repeating: "(", count: 300) + "oil" + String(repeating: ")", count: 300)], 2),
            (["o*"], 2), (["oil", "--limit", "100000", "--offset", "1000000"], 0), (["oil", "--sort", "sideways"], 2),
            (["oil"], 0), (["nothingmatches"], 1), ([""], 2),
        ]
        for (i, (arguments, expected)) in cases.enumerated() {
            let run = ChildProcess.run([cli, "search", "--index", temp.sub("index")] + arguments, outputPrefix: temp.sub("s\(i)"), timeout: 60)
            #expect(run.exitCode == expected, "\(arguments.map { $0.prefix(40) }): \(run.termination!) \(run.stderr.prefix(300))")
            if expected == 2 { #expect(!run.stderr.isEmpty) }
        }
    }
}
