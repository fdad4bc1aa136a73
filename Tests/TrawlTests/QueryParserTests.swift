import Testing
@testable import Trawl

/// Shared fixtures for the query tests.
enum QueryFixtures {
    static let english = try! Analyzer(.english)
    /// 2024-03-05T14:30:00Z (a Tuesday).
    static let now: Int64 = 1_709_649_000
    static let parser = QueryParser(analyzer: english, fields: ["title", "body", "author", "tags"], now: now)
    /// The parser with metadata fields of every type.
    static var typedParser: QueryParser {
        var p = parser
        p.fieldTypes = ["tags": .keyword, "rating": .number, "published": .date, "draft": .bool]
        return p
    }
    static var lenient: QueryParser {
        var p = parser
        p.lenient = true
        return p
    }

    static func term(_ text: String, _ term: String, field: String? = nil) -> Query {
        .term(Query.Term(field: field, text: text, term: term))
    }

    static func phrase(_ text: String, _ terms: [(String, Int)], slop: Int = 0, field: String? = nil) -> Query {
        .phrase(Query.Phrase(field: field, text: text, terms: terms.map { Query.PhraseTerm(term: $0.0, position: $0.1) }, slop: slop))
    }

    static func and(_ must: Query..., not mustNot: [Query] = []) -> Query {
        .boolean(Query.Boolean(must: must, mustNot: mustNot))
    }

    static func or(_ should: Query..., must: [Query] = [], not mustNot: [Query] = []) -> Query {
        .boolean(Query.Boolean(must: must, should: should, mustNot: mustNot))
    }

    /// Parses, failing the test on an error, and checks that the printout parses back equal.
    static func parse(_ text: String, _ parser: QueryParser = parser, sourceLocation: SourceLocation = #_sourceLocation) -> Query? {
        do {
            let query = try parser.parse(text)
            let again = try parser.parse(query.description)
            #expect(again == query, "reparse of \(query.description.prefix(200))", sourceLocation: sourceLocation)
            return query
        } catch {
            Issue.record("\(text.prefix(200)): \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// The error a strict parse raises (nil when it parses).
    static func error(_ text: String, _ parser: QueryParser = parser) -> QuerySyntaxError? {
        do {
            _ = try parser.parse(text)
            return nil
        } catch {
            return error
        }
    }
}

@Suite struct QueryParserTests {
    typealias F = QueryFixtures
    let sanctions = F.term("sanctions", "sanction")
    let russia = F.term("russia", "russia")
    let iran = F.term("iran", "iran")

    @Test func bareWordsAreAnalyzedAndRequiredByDefault() {
        #expect(F.parse("sanctions") == sanctions)
        #expect(F.parse("sanctions russia") == F.and(sanctions, russia))
        #expect(F.parse("Sanctions")?.description == "Sanctions")
        #expect(F.parse("Sanctions") == F.term("Sanctions", "sanction"))
        #expect(F.parse("sanctions russia")?.description == "sanctions AND russia")
    }

    @Test func defaultOperatorOr() throws {
        var parser = F.parser
        parser.defaultOperator = .or
        #expect(F.parse("sanctions russia", parser) == F.or(sanctions, russia))
        // Juxtaposition binds like the default operator: OR here, so AND binds tighter.
        #expect(F.parse("sanctions russia AND iran", parser) == F.or(sanctions, F.and(russia, iran)))
        // The printout spells its operators, so it means the same under either default.
        let query = F.parse("a b +c -d", parser)!
        #expect(query.description == "+c OR a OR b OR -d")
        #expect(try F.parser.parse(query.description) == query)
    }

    @Test func operatorsAndPrecedence() {
        #expect(F.parse("sanctions AND russia") == F.and(sanctions, russia))
        #expect(F.parse("sanctions && russia") == F.and(sanctions, russia))
        #expect(F.parse("sanctions OR russia") == F.or(sanctions, russia))
        #expect(F.parse("sanctions || russia") == F.or(sanctions, russia))
        // NOT > AND > OR.
        #expect(F.parse("sanctions OR russia AND iran") == F.or(sanctions, F.and(russia, iran)))
        #expect(F.parse("sanctions AND russia OR iran") == F.or(F.and(sanctions, russia), iran))
        #expect(F.parse("sanctions AND NOT russia OR iran") == F.or(F.and(sanctions, not: [russia]), iran))
        #expect(F.parse("(sanctions OR russia) AND iran") == F.and(F.or(sanctions, russia), iran))
        #expect(F.parse("sanctions AND !russia") == F.and(sanctions, not: [russia]))
        #expect(F.parse("sanctions NOT russia") == F.and(sanctions, not: [russia]))
    }

    @Test func lowerCaseKeywordsAreWords() {
        #expect(F.parse("sanctions and russia") == F.and(sanctions, F.term("and", "and"), russia))
        #expect(F.parse("not or") == F.and(F.term("not", "not"), F.term("or", "or")))
    }

    @Test func requiredAndExcluded() {
        #expect(F.parse("+sanctions -russia") == F.and(sanctions, not: [russia]))
        #expect(F.parse("sanctions -russia +iran") == F.and(sanctions, iran, not: [russia]))
        // Lucene semantics in OR chains: + makes a clause required, - excludes from the chain.
        #expect(F.parse("sanctions OR +russia OR -iran") == F.or(sanctions, must: [russia], not: [iran]))
        // Negations cancel in pairs; - wins over +.
        #expect(F.parse("--sanctions") == sanctions)
        #expect(F.parse("NOT NOT sanctions") == sanctions)
        #expect(F.parse("+-sanctions") == F.and(.matchAll, not: [sanctions]))
    }

    @Test func purelyNegativeQueriesMatchAllExcept() {
        let expected = F.and(.matchAll, not: [sanctions])
        #expect(F.parse("-sanctions") == expected)
        #expect(F.parse("NOT sanctions") == expected)
        #expect(F.parse("!sanctions") == expected)
        #expect(F.parse("*:* -sanctions") == expected)
        #expect(F.parse("-sanctions")?.description == "NOT sanctions")
        #expect(F.parse("-sanctions -russia") == F.and(.matchAll, not: [sanctions, russia]))
        // A negative group inside an OR is its own "all except".
        #expect(F.parse("iran OR (NOT sanctions)") == F.or(iran, expected))
        #expect(F.parse("*:*") == .matchAll)
        #expect(F.parse("*:*^2") == .boost(.matchAll, 2))
    }

    @Test func phrasesKeepAnalyzerPositions() {
        #expect(F.parse(#""Russian sanctions""#) == F.phrase("Russian sanctions", [("russian", 0), ("sanction", 1)]))
        #expect(F.parse(#""a  b""#)?.description == #""a  b""#)
        // A one-word phrase is a term; its text keeps what was quoted.
        #expect(F.parse(#""sanctions""#) == sanctions)
        #expect(F.parse(#"" sanctions ""#) == F.term(" sanctions ", "sanction"))
        #expect(F.parse(#"" sanctions ""#)?.description == #"" sanctions ""#)
        // Stop words leave gaps.
        var config = AnalyzerConfiguration.english
        config.stopWords = .english
        var parser = F.parser
        parser.analyzer = try! Analyzer(config)
        #expect(F.parse(#""fox and the hound""#, parser) == F.phrase("fox and the hound", [("fox", 0), ("hound", 3)]))
        #expect(F.parse(#""the fox""#, parser) == F.term("the fox", "fox"))
        // Escapes inside quotes.
        #expect(F.parse(#""say \"hi\" now""#) == F.phrase(#"say "hi" now"#, [("say", 0), ("hi", 1), ("now", 2)]))
    }

    @Test func proximity() {
        #expect(F.parse(#""russia iran"~5"#) == F.phrase("russia iran", [("russia", 0), ("iran", 1)], slop: 5))
        #expect(F.parse(#""russia iran"~0"#) == F.phrase("russia iran", [("russia", 0), ("iran", 1)]))
        #expect(F.parse(#""russia iran"~5^2"#) == .boost(F.phrase("russia iran", [("russia", 0), ("iran", 1)], slop: 5), 2))
        // Slop on a one-term phrase has nothing to do.
        #expect(F.parse(#""sanctions"~3"#) == sanctions)
    }

    @Test func fieldScoping() {
        #expect(F.parse("title:sanctions") == F.term("sanctions", "sanction", field: "title"))
        #expect(F.parse(#"title:"russia iran""#) == F.phrase("russia iran", [("russia", 0), ("iran", 1)], field: "title"))
        #expect(F.parse("title:(russia OR iran)") == F.or(F.term("russia", "russia", field: "title"), F.term("iran", "iran", field: "title")))
        #expect(F.parse("title:(russia OR iran)")?.description == "title:russia OR title:iran")
        // An inner field wins; groups inherit the scope.
        #expect(F.parse("title:(russia body:iran (x))") == F.and(F.term("russia", "russia", field: "title"),
                                                                F.term("iran", "iran", field: "body"),
                                                                F.term("x", "x", field: "title")))
        #expect(F.parse("author:smith tags:energy") == F.and(F.term("smith", "smith", field: "author"), F.term("energy", "energi", field: "tags")))
        // Whitespace after the colon is allowed; keywords after a field are words.
        #expect(F.parse("title: sanctions") == F.term("sanctions", "sanction", field: "title"))
        #expect(F.parse("title:AND") == F.term("AND", "and", field: "title"))
        // A colon after something that is not a field name is part of the word.
        #expect(F.parse("10:30") == F.phrase("10:30", [("10", 0), ("30", 1)]))
        #expect(F.parse(#"foo\:bar"#) == F.phrase("foo:bar", [("foo", 0), ("bar", 1)]))
        #expect(F.parse("title:https://example.com") == F.phrase("https://example.com", [("https", 0), ("example.com", 1)], field: "title"))
    }

    @Test func bareWordsSearchTheDefaultFieldsAsOneLeaf() {
        guard case .term(let term)? = F.parse("sanctions") else { Issue.record("not a term"); return }
        #expect(term.field == nil)
        #expect(F.parser.defaultFields == ["title", "body"])
    }

    @Test func perFieldAnalyzers() {
        var parser = F.parser
        parser.fieldAnalyzers["tags"] = try! Analyzer(.simple)
        #expect(F.parse("tags:Sanctions sanctions", parser) == F.and(F.term("Sanctions", "sanctions", field: "tags"), sanctions))
        // Bare words use the first default field's analyzer.
        parser.fieldAnalyzers["title"] = try! Analyzer(.simple)
        #expect(F.parse("Sanctions", parser) == F.term("Sanctions", "sanctions"))
    }

    @Test func prefixes() {
        let prefix = F.parse("Sanctions*")
        #expect(prefix == .prefix(Query.Prefix(field: nil, text: "Sanctions", prefix: "sanctions")))
        if case .prefix(let p)? = prefix { #expect(p.column == 1) }
        #expect(F.parse("title:Café*") == .prefix(Query.Prefix(field: "title", text: "Café", prefix: "cafe")))
        if case .boolean(let b)? = F.parse("x title:Café*"), case .prefix(let p) = b.must[1] { #expect(p.column == 9) }
        else { Issue.record("shape") }
        if case .prefix(let p)? = F.parse("ünï x (abc*)").flatMap({ if case .boolean(let b) = $0 { return b.must.last } else { return nil } }) {
            #expect(p.column == 8)
        }
        #expect(F.parse("sanct*^2") == .boost(.prefix(Query.Prefix(field: nil, text: "sanct", prefix: "sanct")), 2))
        #expect(F.parse("ÉT*") == .prefix(Query.Prefix(field: nil, text: "ÉT", prefix: "et")))
        #expect(F.parse(#"a\*"#) == F.term("a*", "a"))
        var parser = F.parser
        parser.minimumPrefixLength = 1
        #expect(F.parse("a*", parser) == .prefix(Query.Prefix(field: nil, text: "a", prefix: "a")))
    }

    @Test func boosts() {
        #expect(F.parse("sanctions^2") == .boost(sanctions, 2))
        #expect(F.parse(#""russia iran"^3"#) == .boost(F.phrase("russia iran", [("russia", 0), ("iran", 1)]), 3))
        #expect(F.parse("(russia iran)^1.5") == .boost(F.and(russia, iran), 1.5))
        #expect(F.parse("title:sanctions^2") == .boost(F.term("sanctions", "sanction", field: "title"), 2))
        #expect(F.parse("sanctions^0.25 iran^0") == F.and(.boost(sanctions, 0.25), .boost(iran, 0)))
        #expect(F.parse("sanctions^1e-3") == .boost(sanctions, 0.001))
        #expect(F.parse("(sanctions^2)^3") == .boost(.boost(sanctions, 2), 3))
        #expect(F.parse("(sanctions^2)^3")?.description == "(sanctions^2)^3")
        #expect(F.parse("sanctions^2.0")?.description == "sanctions^2")
        #expect(F.parse("-sanctions^2") == F.and(.matchAll, not: [.boost(sanctions, 2)]))
    }

    @Test func wordsWithSeveralTokensBecomePhrases() {
        #expect(F.parse("well-known") == F.phrase("well-known", [("well", 0), ("known", 1)]))
        #expect(F.parse("well-known")?.description == #""well-known""#)
        #expect(F.parse("U.S.A") == F.term("U.S.A", "u.s.a"))
        let cjk = F.parse("東京都に住んでいます")
        guard case .phrase(let phrase)? = cjk else { Issue.record("CJK is not a phrase: \(String(describing: cjk))"); return }
        #expect(phrase.terms.count >= 3)
        #expect(phrase.terms.first?.position == 0)
        #expect(phrase.slop == 0)
    }

    @Test func wordsThatAnalyzeToNothingDropOut() throws {
        #expect(F.parse("sanctions - russia") == F.and(sanctions, russia))
        #expect(F.parse("sanctions & russia") == F.and(sanctions, russia))
        #expect(F.parse("sanctions AND &") == sanctions)
        #expect(F.parse("sanctions OR (& | -)") == sanctions)
        #expect(F.parse("sanctions -&") == sanctions)
        #expect(F.parse(#"sanctions """#) == sanctions)
        #expect(F.parse("sanctions title:&") == sanctions)
        #expect(F.error("&")?.kind == .emptyQuery)
        #expect(F.error("& - (&)")?.kind == .emptyQuery)
        #expect(try F.lenient.parse("&") == .matchNone)
    }

    @Test func escapes() {
        #expect(F.parse(#"\AND"#) == F.term("AND", "and"))
        #expect(F.parse(#"\-sanctions"#) == F.term("-sanctions", "sanction"))
        #expect(F.parse(#"\(sanctions\)"#) == F.term("(sanctions)", "sanction"))
        #expect(F.parse(#"sanctions\ russia"#) == F.phrase("sanctions russia", [("sanction", 0), ("russia", 1)]))
        #expect(F.parse(#"a\&\&b"#) == F.phrase("a&&b", [("a", 0), ("b", 1)]))
        #expect(F.parse(#"x\|\|"#) == F.term("x||", "x"))
        #expect(F.parse(#"x\|\|"#)?.description == #"x\|\|"#)
    }

    @Test func matchAllAndCanonicalPrintouts() {
        let cases: [(String, String)] = [
            ("a b c", "a AND b AND c"),
            ("a OR b c", "a OR (b AND c)"),
            ("a -b", "a AND NOT b"),
            ("+a b OR c -d", "(a AND b) OR (c AND NOT d)"),
            ("a OR b OR -d", "a OR b OR -d"),
            ("a OR +b", "+b OR a"),
            ("title:(a b)^2 -author:x", "(title:a AND title:b)^2 AND NOT author:x"),
            ("date:2024-03 a", "date:2024-03 AND a"),
            ("-(a OR b)", "NOT (a OR b)"),
            (#"title:"a b"~2"#, #"title:"a b"~2"#),
        ]
        for (input, printed) in cases {
            #expect(F.parse(input)?.description == printed, "\(input)")
        }
    }

    @Test func lenientModeReadsBadSyntaxAsWords() throws {
        let lenient = F.lenient
        #expect(try lenient.parse(#"sanctions AND "russia iran"#) == F.and(sanctions, russia, iran))
        #expect(try lenient.parse("sanctions AND") == F.and(sanctions, F.term("AND", "and")))
        #expect(try lenient.parse("OR sanctions") == F.and(F.term("OR", "or"), sanctions))
        #expect(try lenient.parse("(sanctions russia") == F.and(sanctions, russia))
        #expect(try lenient.parse("sanctions) russia") == F.and(sanctions, russia))
        #expect(try lenient.parse("()") == .matchNone)
        #expect(try lenient.parse("") == .matchNone)
        #expect(try lenient.parse("titel:sanctions") == F.phrase("titel:sanctions", [("titel", 0), ("sanction", 1)]))
        #expect(try lenient.parse("date:2024-13-01") == F.phrase("date:2024-13-01", [("date", 0), ("2024", 1), ("13", 2), ("01", 3)]))
        #expect(try lenient.parse("sanctions^x") == F.and(sanctions, F.term("^x", "x")))
        #expect(try lenient.parse("*") == .matchNone)
        #expect(try lenient.parse("a*") == F.term("a", "a"))
        #expect(try lenient.parse("sanctions ~ ^ ] }") == sanctions)
        // Good syntax means the same in both modes.
        #expect(try lenient.parse("title:(a OR b) -c") == F.parse("title:(a OR b) -c"))
    }
}


@Suite struct QueryDocumentationExamples {
    typealias F = QueryFixtures

    @Test func examplesFromTheLanguageGuide() throws {
        #expect(F.parse("a&&b") == F.and(F.term("a", "a"), F.term("b", "b")))
        #expect(F.parse("a||b") == F.or(F.term("a", "a"), F.term("b", "b")))
        #expect(F.parse("date:2024-03-05T10:00:00+0200")?.description == "date:2024-03-05T10:00:00+0200")
        #expect(F.parse("date:2024^2") != nil)
        #expect(F.parse("sanctions AND (russia OR iran) -title:\"draft notes\" date:>=now-30d/d")?.description
                == #"sanctions AND (russia OR iran) AND date:>=now-30d/d AND NOT title:"draft notes""#)
        #expect(try F.lenient.parse("word~3") == F.and(F.term("word", "word"), F.term("~3", "3")))
        #expect(try F.lenient.parse("word~2") == .fuzzy(Query.Fuzzy(field: nil, text: "word", term: "word", maxEdits: 2)))
        #expect(try F.lenient.parse("https://x.org") == F.phrase("https://x.org", [("https", 0), ("x.org", 1)]))
        #expect(try F.lenient.parse(#""a b"~x"#) == F.and(F.phrase("a b", [("a", 0), ("b", 1)]), F.term("~x", "x")))
    }
}

@Suite struct FuzzyParsingTests {
    @Test func fuzzyWordsParseWithTheirDistanceFieldAndBoost() throws {
        let parser = QueryFixtures.parser
        #expect(try parser.parse("oli~1") == .fuzzy(Query.Fuzzy(field: nil, text: "oli", term: "oli", maxEdits: 1)))
        #expect(try parser.parse("Sanctions~") == .fuzzy(Query.Fuzzy(field: nil, text: "Sanctions", term: "sanction", maxEdits: 2)))
        #expect(try parser.parse("title:oli~0") == .fuzzy(Query.Fuzzy(field: "title", text: "oli", term: "oli", maxEdits: 0)))
        #expect(try parser.parse("oli~1^2") == .boost(.fuzzy(Query.Fuzzy(field: nil, text: "oli", term: "oli", maxEdits: 1)), 2))
        guard case .boolean(let b) = try parser.parse("crude (oli~1 OR gas)") else { Issue.record("shape"); return }
        #expect(b.must.count == 2)
        // The description parses back to the same tree.
        for text in ["oli~1", "title:crude~2 AND oil", "(a~1 OR b~2)^3", #"\AND~1"#] {
            let query = try parser.parse(text)
            #expect(try parser.parse(query.description) == query, "\(text) → \(query.description)")
        }
        var prefixed = parser
        prefixed.fuzzyPrefixLength = 2
        prefixed.fuzzyMaxExpansions = 7
        guard case .fuzzy(let f) = try prefixed.parse("oil~1") else { Issue.record("shape"); return }
        #expect(f.prefixLength == 2 && f.maxExpansions == 7)
    }
}
