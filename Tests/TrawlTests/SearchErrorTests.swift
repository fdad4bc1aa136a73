import Testing
@testable import Trawl

/// Searching and explaining throw ``SearchError``: the query's ``QuerySyntaxError`` as a case,
/// whether the parser or the executor found it.
@Suite struct SearchErrorTests {
    static func reader() throws -> IndexReader {
        try SearchDifferential.build((0..<6).map {
            .add(Document(id: "d\($0)", title: "sanctions \($0)", body: "sanctioned sanctity sanctuary sanct\($0)x"))
        })
    }

    static func searchError(_ body: () throws(SearchError) -> Void) -> SearchError? {
        do throws(SearchError) {
            try body()
            return nil
        } catch {
            return error
        }
    }

    @Test func aQueryThatDoesNotParseIsAQueryError() throws {
        let reader = try Self.reader()
        let error = Self.searchError { () throws(SearchError) in _ = try reader.search("sanctions AND (oil") }
        guard case .query(let syntax) = error else {
            Issue.record("expected a query error, got \(String(describing: error))")
            return
        }
        #expect(syntax.kind == .unclosedParenthesis && syntax.column == 15)
        #expect(error?.description == syntax.description)
        let explained = Self.searchError { () throws(SearchError) in _ = try reader.explain("title:", id: "d1") }
        guard case .query(let missing) = explained else {
            Issue.record("expected a query error, got \(String(describing: explained))")
            return
        }
        #expect(missing.kind == .missingValue)
    }

    @Test func aPrefixTooBroadIsAQueryErrorWithItsColumn() throws {
        let reader = try Self.reader()
        var request = SearchRequest(query: try reader.queryParser().parse("d1 OR sanct*"))
        request.prefixExpansionLimit = 3
        let error = Self.searchError { () throws(SearchError) in _ = try reader.search(request) }
        guard case .query(let broad) = error else {
            Issue.record("expected a query error, got \(String(describing: error))")
            return
        }
        #expect(broad.kind == .prefixTooBroad && broad.isLimit)
        #expect(broad.column == 7 && broad.text == "sanct*")
        #expect(broad.message.hasPrefix("prefix `sanct*` matches "))
        // Under the default limit the prefix searches.
        #expect(try reader.search("sanct*").total == 6)
    }
}
