import Testing
@testable import Trawl
#if canImport(Glibc)
import Glibc
#endif

/// Random query trees built with the public builder.
struct RandomQueries {
    var rng: SeededGenerator
    let analyzer: any QueryAnalyzing
    let parser: QueryParser

    static let words = [
        "sanctions", "Russia", "iran", "oil", "AND", "OR", "NOT", "and", "well-known", "U.S.A", "café", "東京都",
        "a:b", "x*y", "-minus", "+plus", "!bang", "(paren)", "quo\"te", "back\\slash", "tab\there", "two words",
        "^caret", "~tilde", "[br]", "{br}", "a&&b", "x||y", "10:30", "naïve", "Straße", "*:*", "title:", "ΣΊΣΥΦΟΣ",
        "e\u{301}t\u{301}e\u{301}", "🙂smile", "ideo\u{3000}space", " padded ", "trailing\\", "date:2024", "*star",
        "München", "über-cool", "x^2", "tail*", "\"", "\\", "-", "&", "now-1d", "TO", "[2024 TO 2025]",
    ]
    static let fields: [String?] = [nil, nil, nil, "title", "body", "author", "tags"]
    static let dates = [
        "date:2024", "date:2024-03", "date:2024-03-05", "date:>=now-30d/d", "date:<now/d", "date:>2024-06-01",
        "date:<=2024-02", "date:[2024-01-01 TO *}", "date:{* TO now+1h]", "date:2024-01-31||+1M",
        "date:[now-7d/d TO now/d]", "date:*", "date:2024-03-05T10:00:00Z", "date:[2023 TO 2024]",
        "date:2024-03-05T10:00:00+02:00", "date:now/w",
    ]
    static let boosts: [Double] = [0, 0.5, 1, 1.5, 2, 3.25, 1e-7, 100, 12345.678]

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    mutating func word() -> String {
        if chance(70) { return pick(Self.words) }
        let letters = Array("abcdefghijklmnopqrstuvwxyzÄé東-_.'")
        return String((0..<Int.random(in: 1...8, using: &rng)).map { _ in pick(letters) })
    }

    mutating func leaf() -> Query {
        let field = pick(Self.fields)
        switch Int.random(in: 0..<10, using: &rng) {
        case 0, 1, 2, 3:
            return .term(word(), field: field, analyzer: analyzer)
        case 4, 5:
            let text = (0..<Int.random(in: 2...4, using: &rng)).map { _ in word() }.joined(separator: " ")
            return .phrase(text, slop: chance(50) ? 0 : Int.random(in: 1...10, using: &rng), field: field, analyzer: analyzer)
        case 6, 7:
            var text = word()
            while analyzer.foldPrefix(text).count < 2 { text += word() }
            return .prefix(text, field: field, analyzer: analyzer)
        case 8:
            return try! parser.parse(pick(Self.dates))
        default:
            return .matchAll
        }
    }

    mutating func tree(depth: Int) -> Query {
        if depth == 0 || chance(30) { return leaf() }
        func children(_ g: inout RandomQueries) -> [Query] {
            (0..<Int.random(in: 2...4, using: &g.rng)).map { _ in g.tree(depth: depth - 1) }
        }
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return .and(children(&self))
        case 1: return .or(children(&self))
        case 2: return .not(tree(depth: depth - 1))
        case 3: return tree(depth: depth - 1).boosted(pick(Self.boosts))
        default:
            let must = chance(50) ? children(&self) : []
            let should = chance(50) ? children(&self) : []
            let mustNot = chance(40) ? children(&self) : []
            return .boolean(must: must, should: should, mustNot: mustNot)
        }
    }
}

@Suite struct QueryPropertyTests {
    typealias F = QueryFixtures

    @Test func printedTreesParseBackToEqualTrees() throws {
        var generator = RandomQueries(rng: SeededGenerator(seed: 42), analyzer: F.english, parser: F.parser)
        var orParser = F.parser
        orParser.defaultOperator = .or
        var checked = 0
        var attempts = 0
        while checked < 3_000 {
            attempts += 1
            let tree = generator.tree(depth: Int.random(in: 1...5, using: &generator.rng))
            if tree == .matchNone {
                #expect(try F.lenient.parse(tree.description) == .matchNone)
                continue
            }
            let printed = tree.description
            do {
                let parsed = try F.parser.parse(printed)
                #expect(parsed == tree, "\(printed)")
                #expect(parsed.description == printed)
                // Printouts spell their operators: the default operator does not matter.
                #expect(try orParser.parse(printed) == tree, "\(printed)")
                #expect(try F.lenient.parse(printed) == tree, "\(printed)")
            } catch {
                Issue.record("\(printed): \(error)")
            }
            checked += 1
        }
        #expect(attempts < 4_000)
    }

    static let corpus = [
        "sanctions", "sanctions russia", #"sanctions AND "russia iran""#, "title:sanctions^2 OR body:(oil gas)",
        #""words near"~5"#, "sanction* -draft", "+required -excluded maybe", "a && b || !c", "(a OR b) AND (c OR d)",
        "date:[2024-01-01 TO 2024-03-31]", "date:{2024-01-01 TO *]", "date:>=2024-06-01", "date:2024-03",
        "date:now-30d/d", "date:[now-1M/M TO now/M}", "date:2024-01-01||+1M/d", "date:2024-03-05T10:00:00Z",
        "NOT foo", "-foo", "*:* -foo", "well-known U.S.A", "東京都に住んでいます", "author:smith tags:(energy OR oil)",
        #"title:"a phrase"~2^3"#, "(group)^1.5", #"foo\:bar \(x\)"#, "café* naïve", "a OR b AND c NOT d",
        "date:(2023 OR 2024) sanctions", "x^0.5 y^2 z^1e-3", "title:(a (b body:c))", #""unclosed"#, "(((a)))",
    ]
    static let pieces = [
        "\"", "(", ")", "[", "]", "{", "}", ":", "*", "^", "~", "\\", "+", "-", "!", "&&", "||", " AND ", " OR ",
        " NOT ", " TO ", "date:", "title:", "now-1d", "/d", "||+1M", "2024-13-01", "2", "0.5", " ", "  ", "\t",
        "\n", "é", "東", "\u{301}", "🙂", "\u{3000}", "a", "Z", "word", "*:*", ">=", "<", "&", "|", "\u{0}", "\u{FFFD}",
    ]

    /// Applies 1–4 random edits (insert, delete, replace, duplicate) to a byte string.
    static func mutate(_ base: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = base
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0, 1:
                bytes.insert(contentsOf: Array(pieces[Int.random(in: 0..<pieces.count, using: &rng)].utf8), at: at)
            case 2:
                if at < bytes.count { bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...3, using: &rng))) }
            case 3:
                if at < bytes.count {
                    bytes.replaceSubrange(at..<(at + 1), with: Array(pieces[Int.random(in: 0..<pieces.count, using: &rng)].utf8))
                }
            default:
                if at < bytes.count {
                    let end = min(bytes.count, at + Int.random(in: 1...8, using: &rng))
                    bytes.insert(contentsOf: bytes[at..<end], at: at)
                }
            }
        }
        return bytes
    }

    /// Runs `count` mutated or random queries through strict parsing (every success must print
    /// and reparse equal) and every fourth through lenient parsing (which must never fail
    /// except on limits, and never need its safety net). Returns (parsed, errors).
    static func hammer(seed: UInt64, count: Int, parser: QueryParser) -> (Int, Int, [String]) {
        var rng = SeededGenerator(seed: seed)
        let corpus = Self.corpus.map { Array($0.utf8) }
        var parsed = 0, errors = 0
        var problems: [String] = []
        for k in 0..<count {
            let bytes: [UInt8]
            if k % 10 == 0 {
                var random: [UInt8] = []
                for _ in 0..<Int.random(in: 0...12, using: &rng) {
                    random.append(contentsOf: pieces[Int.random(in: 0..<pieces.count, using: &rng)].utf8)
                }
                bytes = random
            } else {
                bytes = mutate(corpus[Int.random(in: 0..<corpus.count, using: &rng)], &rng)
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let query = try parser.parse(text)
                parsed += 1
                if k % 2 == 0 {
                    let again = try? parser.parse(query.description)
                    if again != query && problems.count < 20 { problems.append("reparse: \(text) → \(query)") }
                }
            } catch {
                errors += 1
                if error.column < 1 || error.column > text.count + 1, problems.count < 20 {
                    problems.append("column \(error.column): \(text)")
                }
            }
            if k % 4 == 0 {
                do {
                    _ = try parser.parseStrictOrLenient(text, lenient: true)
                } catch {
                    if problems.count < 20 { problems.append("lenient: \(text) → \(error)") }
                }
            }
        }
        return (parsed, errors, problems)
    }

    @Test func aMillionMutatedQueriesParseOrFailCleanly() async {
        let parser = F.parser
        let total = 1_000_000
        let tasks = 4
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        let start = Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        let results = await withTaskGroup(of: (Int, Int, [String]).self) { group in
            for task in 0..<tasks {
                group.addTask { Self.hammer(seed: UInt64(task) &* 7919 &+ 1, count: total / tasks, parser: parser) }
            }
            var all: [(Int, Int, [String])] = []
            for await result in group { all.append(result) }
            return all
        }
        clock_gettime(CLOCK_MONOTONIC, &t)
        let elapsed = Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 - start
        let parsed = results.map(\.0).reduce(0, +)
        let errors = results.map(\.1).reduce(0, +)
        let problems = results.flatMap(\.2)
        #expect(parsed + errors == total)
        #expect(parsed > total / 10)
        #expect(errors > total / 10)
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
        print("robustness: \(total) queries in \(elapsed) s: \(parsed) parsed, \(errors) errors")
    }
}
