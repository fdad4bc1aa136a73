import Testing
@testable import Trawl

@Suite struct QueryBuilderTests {
    typealias F = QueryFixtures

    @Test func leavesAnalyzeLikeTheParser() {
        #expect(Query.term("sanctions") == F.term("sanctions", "sanction"))
        #expect(Query.term("Sanctions", field: "title") == F.term("Sanctions", "sanction", field: "title"))
        #expect(Query.term("well-known") == F.parse("well-known"))
        #expect(Query.term("&") == .matchNone)
        #expect(Query.phrase("russia iran", slop: 2) == F.parse(#""russia iran"~2"#))
        #expect(Query.phrase("sanctions", slop: 2) == F.term("sanctions", "sanction"))
        #expect(Query.prefix("Sanct") == F.parse("Sanct*"))
        #expect(Query.term("Sanctions", analyzer: try! Analyzer(.simple)) == F.term("Sanctions", "sanctions"))
    }

    @Test func combinatorsNormalizeLikeTheParser() {
        let a = Query.term("a"), b = Query.term("b"), c = Query.term("c")
        #expect(Query.and([a, b]) == F.parse("a b"))
        #expect(Query.and([a]) == a)
        #expect(Query.and([]) == .matchNone)
        #expect(Query.and([a, .matchNone]) == a)
        #expect(Query.or([a, b, c]) == F.parse("a OR b OR c"))
        #expect(Query.or([.matchNone]) == .matchNone)
        #expect(Query.not(a) == F.parse("-a"))
        #expect(Query.and([a, .not(b)]) == F.parse("a -b"))
        #expect(Query.and([.not(a), .not(b)]) == F.parse("-a -b"))
        #expect(Query.or([a, .not(b)]) == F.parse("a OR (NOT b)"))
        #expect(Query.boolean(must: [a], should: [b], mustNot: [c]) == F.parse("+a OR b OR -c"))
        #expect(Query.boolean(must: [a]) == a)
        #expect(Query.boolean(should: [a]) == a)
        #expect(Query.boolean(mustNot: [a]) == F.parse("NOT a"))
        #expect(Query.boolean() == .matchNone)
        #expect(a.boosted(2) == F.parse("a^2"))
        #expect(Query.matchNone.boosted(2) == .matchNone)
    }

    @Test func resultBuilder() {
        let includeDraft = false
        let query = Query.and {
            Query.term("sanctions")
            Query.or([.phrase("russia iran", slop: 2), .prefix("oligarch", field: "title")])
            Query.not(.term("draft", field: "tags"))
            Query.date(from: DocumentDate(year: 2024, month: 1, day: 1), to: nil)
            if includeDraft { Query.term("draft") }
            for word in ["oil", "gas"] { Query.term(word) }
        }
        #expect(query.description == #"sanctions AND ("russia iran"~2 OR title:oligarch*) AND date:[2024-01-01 TO *] AND oil AND gas AND NOT tags:draft"#)
        #expect(query == F.parse(query.description))
        let either = Query.or {
            Query.term("a")
            if includeDraft { Query.term("b") } else { Query.term("c") }
        }
        #expect(either == F.parse("a OR c"))
    }

    @Test func matchNonePrintsAsAnEmptyPhrase() throws {
        #expect(Query.matchNone.description == #""""#)
        #expect(try F.lenient.parse(Query.matchNone.description) == .matchNone)
        #expect(F.error(Query.matchNone.description)?.kind == .emptyQuery)
    }

    @Test func prefixColumnsAreNotPartOfEquality() {
        let parsed = F.parse("x sanct*")
        guard case .boolean(let b)? = parsed, case .prefix(let prefix) = b.must[1] else { Issue.record("shape"); return }
        #expect(prefix.column == 3)
        #expect(Query.prefix(prefix) == Query.prefix("sanct"))
        #expect(Query.prefix(prefix).hashValue == Query.prefix("sanct").hashValue)
    }
}
