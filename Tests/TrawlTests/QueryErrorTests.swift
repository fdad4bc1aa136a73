import Testing
@testable import Trawl
#if canImport(Glibc)
import Glibc
#endif

@Suite struct QueryErrorTests {
    typealias F = QueryFixtures

    func expectError(_ input: String, _ kind: QuerySyntaxError.Kind, column: Int, text: String? = nil,
                     message: String? = nil, parser: QueryParser = QueryFixtures.parser,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = F.error(input, parser) else {
            Issue.record("\(input.prefix(80)) parsed without an error", sourceLocation: sourceLocation)
            return
        }
        let shown = input.count > 80 ? String(input.prefix(80)) + "…" : input
        #expect(error.kind == kind, "\(shown): \(error)", sourceLocation: sourceLocation)
        #expect(error.column == column, "\(shown): \(error)", sourceLocation: sourceLocation)
        if let text { #expect(error.text == text, "\(shown)", sourceLocation: sourceLocation) }
        if let message { #expect(error.message == message, "\(shown)", sourceLocation: sourceLocation) }
    }

    @Test func renderingWithACaret() {
        let query = #"sanctions AND "russia iran"#
        let error = F.error(query)!
        #expect(error.kind == .unclosedQuote)
        #expect(error.column == 15)
        #expect(error.text == #""russia iran"#)
        #expect(error.message == "unclosed quote")
        #expect("trawl: " + error.rendered(query: query) == """
            trawl: query error at column 15: unclosed quote
              sanctions AND "russia iran
                            ^
            """)
        #expect(error.description == "query error at column 15: unclosed quote")
        #expect(error.trawlError.code == .invalidQuery)
    }

    @Test func columnsCountCharactersNotBytes() {
        expectError(#"café "x"#, .unclosedQuote, column: 6)
        expectError("cafe\u{301} \"x", .unclosedQuote, column: 6) // e + combining acute is one character
        expectError(#"東京 "x"#, .unclosedQuote, column: 4)
        expectError("🇺🇦 🙂 (x", .unclosedParenthesis, column: 5)
        // Wide characters take two cells in the caret line.
        let query = #"東京 "x"#
        #expect(F.error(query)!.rendered(query: query) == """
            query error at column 4: unclosed quote
              東京 "x
                   ^
            """)
        // Tabs and newlines show as spaces so the caret stays aligned.
        let multiline = "a\tb\n(c"
        #expect(F.error(multiline)!.rendered(query: multiline) == """
            query error at column 5: unclosed parenthesis
              a b (c
                  ^
            """)
    }

    @Test func longQueriesRenderAWindow() {
        let query = String(repeating: "word ", count: 60) + "\"open" + String(repeating: " more", count: 40)
        let error = F.error(query)!
        #expect(error.column == 301)
        let lines = error.rendered(query: query).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("  …"))
        #expect(lines[1].hasSuffix("…"))
        let caret = lines[2].count - 1
        #expect(Array(lines[1])[caret] == "\"")
    }

    @Test func unclosedAndUnexpectedParentheses() {
        expectError("(a OR (b c)", .unclosedParenthesis, column: 1, text: "(", message: "unclosed parenthesis")
        expectError("a (b (c", .unclosedParenthesis, column: 6)
        expectError("a b)", .unexpectedClosingParenthesis, column: 4, text: ")", message: "unexpected `)`: no group is open")
        expectError(")", .unexpectedClosingParenthesis, column: 1)
    }

    @Test func danglingOperators() {
        expectError("a AND", .danglingOperator, column: 3, text: "AND", message: "`AND` needs a clause after it")
        expectError("OR b", .danglingOperator, column: 1, text: "OR", message: "`OR` needs a clause before it")
        expectError("a AND OR b", .danglingOperator, column: 7, text: "OR", message: "`OR` cannot follow `AND`")
        expectError("a NOT", .danglingOperator, column: 3, text: "NOT", message: "`NOT` needs a clause after it")
        expectError("a !", .danglingOperator, column: 3, text: "!")
        expectError("(a AND)", .danglingOperator, column: 4)
        expectError("a &&", .danglingOperator, column: 3, text: "&&")
        expectError("|| a", .danglingOperator, column: 1, text: "||")
        expectError("NOT AND b", .danglingOperator, column: 5, message: "`AND` cannot follow `NOT`")
        expectError("a AND NOT", .danglingOperator, column: 7)
    }

    @Test func emptyGroupsAndQueries() {
        expectError("()", .emptyGroup, column: 1, text: "()", message: "empty group `()`")
        expectError("a ( )", .emptyGroup, column: 3, text: "( )")
        expectError("title:()", .emptyGroup, column: 7)
        expectError("", .emptyQuery, column: 1, message: "empty query")
        expectError(" \u{3000}\t", .emptyQuery, column: 1, message: "empty query")
        expectError("& -", .emptyQuery, column: 1, message: "the query has no words to search for")
    }

    @Test func unknownFieldsSuggestTheClosest() {
        expectError("titel:x", .unknownField, column: 1, text: "titel", message: "unknown field `titel`; did you mean `title`?")
        expectError("x AND autor:y", .unknownField, column: 7, message: "unknown field `autor`; did you mean `author`?")
        expectError("Body:y", .unknownField, column: 1, message: "unknown field `Body`; did you mean `body`?")
        expectError("dates:2024", .unknownField, column: 1, message: "unknown field `dates`; did you mean `date`?")
        expectError("colour:red", .unknownField, column: 1,
                    message: "unknown field `colour` (known fields: author, body, date, tags, title)")
        expectError("https://example.com", .unknownField, column: 1)
    }

    @Test func slopAndBoostErrors() {
        expectError(#""a b"~x"#, .invalidSlop, column: 6, text: "~x")
        expectError(#""a b"~"#, .invalidSlop, column: 6, text: "~")
        expectError(#""a b"~1.5"#, .invalidSlop, column: 6)
        expectError(#""a b"~9999999999"#, .invalidSlop, column: 6)
        expectError("a^x", .invalidBoost, column: 2, text: "^x")
        expectError("a^", .invalidBoost, column: 2)
        expectError("a^-1", .invalidBoost, column: 2)
        expectError("(a b)^z", .invalidBoost, column: 6)
        expectError("a^1e999", .invalidBoost, column: 2)
        expectError("word~3", .invalidFuzzy, column: 5, text: "~3")
        expectError("word~x", .invalidFuzzy, column: 5)
        expectError("well-known~1", .invalidFuzzy, column: 1)
        expectError("word*~1", .unsupportedSyntax, column: 6)
        expectError(#""crude oli~1""#, .unsupportedSyntax, column: 11)
        expectError("(a b)~2", .unexpectedCharacter, column: 6)
    }

    @Test func prefixErrors() {
        expectError("*", .invalidPrefix, column: 1,
                    message: "`*` alone is not a query: use a prefix such as sanction*, or *:* for every document")
        expectError("a*", .invalidPrefix, column: 1, text: "a*", message: "the prefix `a*` is too short: use at least 2 characters")
        expectError("x s*ction", .invalidPrefix, column: 4, message: "`*` can only end a word (prefix search such as sanction*)")
        expectError("*foo", .invalidPrefix, column: 1)
        expectError("title:*", .invalidPrefix, column: 7)
        let broad = QuerySyntaxError.prefixTooBroad(prefix: "sa", count: 12_000, limit: 1_000, column: 7)
        #expect(broad.kind == .prefixTooBroad)
        #expect(broad.column == 7)
        #expect(broad.text == "sa*")
        #expect(broad.message == "prefix `sa*` matches 12000 terms, more than the limit of 1000; use a longer prefix")
        #expect(broad.isLimit)
        #expect(broad.trawlError.code == .limitExceeded)
        #expect(broad.rendered(query: "title:sa*") == """
            query error at column 7: prefix `sa*` matches 12000 terms, more than the limit of 1000; use a longer prefix
              title:sa*
                    ^
            """)
    }

    @Test func strayCharacters() {
        expectError("a ^2", .unexpectedCharacter, column: 3, message: "`^` must follow a word, phrase or group")
        expectError("a ~", .unexpectedCharacter, column: 3, message: "`~` must follow a phrase")
        expectError("a ]", .unexpectedCharacter, column: 3, message: "`]` closes no range")
        expectError(#"a\"#, .unexpectedCharacter, column: 2, message: "`\\` at the end of the query escapes nothing")
        expectError("title:", .missingValue, column: 1, text: "title:", message: "`title:` needs a word, phrase or group after it")
        expectError("(title:)", .missingValue, column: 2)
        expectError("title:&&", .missingValue, column: 1)
    }

    @Test func everyKindIsCovered() {
        // Each kind has at least one input above (prefixTooBroad is raised by the executor).
        let raised: Set<QuerySyntaxError.Kind> = [
            F.error("")!.kind, F.error(#"""#)!.kind, F.error("(")!.kind, F.error(")")!.kind, F.error("AND")!.kind,
            F.error("()")!.kind, F.error("title:")!.kind, F.error("x:y")!.kind, F.error("date:2024-13")!.kind,
            F.error("date:[2024")!.kind, F.error("date:[2025 TO 2024]")!.kind, F.error(#""a b"~x"#)!.kind,
            F.error("a^x")!.kind, F.error("*")!.kind, F.error("a~3")!.kind, F.error("ab*~1")!.kind, F.error("a ^")!.kind,
            F.error(String(repeating: "(", count: 300))!.kind, F.error(String(repeating: "a ", count: 40_000))!.kind,
            F.error(String(repeating: "a ", count: 10_001))!.kind,
            QuerySyntaxError.prefixTooBroad(prefix: "a", count: 2, limit: 1, column: 1).kind,
            F.error("rating:abc", F.typedParser)!.kind,
        ]
        #expect(raised == Set(QuerySyntaxError.Kind.allCases))
    }

    func seconds(_ body: () -> Void) -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        let start = Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        body()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 - start
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "(", count: 100_000) + "a" + String(repeating: ")", count: 100_000)
        // The length limit speaks first...
        expectError(deep, .queryTooLong, column: 65_537, message: "the query is longer than 65536 bytes")
        // ...and with it raised, the nesting limit, at the 257th parenthesis.
        var parser = F.parser
        parser.limits.maximumLength = 1 << 20
        var elapsed = seconds {
            expectError(deep, .nestingTooDeep, column: 257, message: "parentheses nest deeper than 256 levels", parser: parser)
        }
        #expect(elapsed < 1)
        parser.lenient = true
        elapsed = seconds {
            expectError(deep, .nestingTooDeep, column: 257, parser: parser)
        }
        #expect(elapsed < 1)
        // 256 levels are fine, and the printout parses back.
        let ok = String(repeating: "(", count: 256) + "a b" + String(repeating: ")", count: 256)
        #expect(F.parse(ok) == F.and(F.term("a", "a"), F.term("b", "b")))
        let nested = String(repeating: "(a OR ", count: 200) + "b" + String(repeating: ")", count: 200)
        #expect(F.parse(nested) != nil)
        var shallow = F.parser
        shallow.limits.maximumDepth = 2
        expectError("((a) ((b)))", .nestingTooDeep, column: 7, parser: shallow)
        // Many modifiers do not nest.
        #expect(F.parse(String(repeating: "-", count: 10_000) + "a") == F.term("a", "a"))
        #expect(F.parse(String(repeating: "NOT ", count: 10_001) + "a") == F.and(.matchAll, not: [F.term("a", "a")]))
    }

    @Test func manyTermsAndTheClauseLimit() {
        let words = (0..<10_000).map { "w\($0)" }
        // The printout (with AND between words) is longer than the input: raise the length
        // limit so that the reparse in F.parse succeeds.
        var long = F.parser
        long.limits.maximumLength = 1 << 20
        var query: Query?
        let elapsed = seconds { query = F.parse(words.joined(separator: " "), long) }
        #expect(elapsed < 5)
        guard case .boolean(let b)? = query else { Issue.record("not a boolean"); return }
        #expect(b.must.count == 10_000)
        #expect(b.must.last == F.term("w9999", "w9999"))
        let or = F.parse(words.joined(separator: " OR "), long)
        if case .boolean(let b)? = or { #expect(b.should.count == 10_000) } else { Issue.record("not a boolean") }
        let tooMany = (0..<10_001).map { "w\($0)" }.joined(separator: " ")
        expectError(tooMany, .tooManyClauses, column: tooMany.count - 5, message: "the query has more than 10000 clauses")
        var parser = F.parser
        parser.limits.maximumClauses = 3
        expectError("a (b c) d", .tooManyClauses, column: 9, parser: parser)
        parser.lenient = true
        expectError("a (b c) d", .tooManyClauses, column: 9, parser: parser)
        #expect(F.error(tooMany)?.isLimit == true)
        #expect(F.error(tooMany)?.trawlError.code == .limitExceeded)
    }

    @Test func lengthLimit() {
        var parser = F.parser
        parser.limits.maximumLength = 10
        expectError("abcdefghijk", .queryTooLong, column: 11, parser: parser)
        expectError("ééééééé", .queryTooLong, column: 6, parser: parser)
        #expect(F.parse("abcdefghij", parser) != nil)
    }
}
