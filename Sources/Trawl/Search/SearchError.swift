/// Why a search or an explanation failed: the query, or the index.
///
/// ``IndexReader``'s `search` and `explain` methods throw it, typed. A query error is a ``QuerySyntaxError`` whether the parser found it (an
/// unclosed quote) or the executor did (a prefix that expands to more terms than
/// ``SearchRequest/prefixExpansionLimit``): either way it carries the kind and the column, and
/// ``QuerySyntaxError/rendered(query:)`` draws a caret under the problem.
///
/// ```swift
/// do {
///     let results = try index.search("sanctions AND (oil")
///     print(results.total)
/// } catch SearchError.query(let error) {
///     print(error.rendered(query: "sanctions AND (oil"))  // the query, with a caret under the column
/// } catch {
///     print(error)                                        // the index: damaged or unreadable data
/// }
/// ```
public enum SearchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The query is malformed or exceeds a limit (its length, nesting, clauses, or a prefix's
    /// expansions).
    case query(QuerySyntaxError)
    /// The index could not be read: damaged data (``TrawlError/Code/corruptIndex``), a failed
    /// read (``TrawlError/Code/io``).
    case index(TrawlError)
    /// The request asks for something the index cannot do: a facet or sort on an unknown or
    /// text field, a malformed facet or sort option.
    case invalidRequest(String)

    /// The description of the query error or of the index error.
    public var description: String {
        switch self {
        case .query(let error): return error.description
        case .index(let error): return error.description
        case .invalidRequest(let message): return message
        }
    }
}

extension SearchError {
    /// Runs `body`, whose failures are the index's: the bridge from code that throws
    /// ``TrawlError`` to the searching methods that throw ``SearchError``.
    @inline(__always)
    static func reading<R>(_ body: () throws(TrawlError) -> R) throws(SearchError) -> R {
        do throws(TrawlError) {
            return try body()
        } catch {
            throw .index(error)
        }
    }

    /// Parses `text` with `parser`; a syntax error is a ``query(_:)`` error.
    static func parse(_ text: String, with parser: QueryParser) throws(SearchError) -> Query {
        do throws(QuerySyntaxError) {
            return try parser.parse(text)
        } catch {
            throw .query(error)
        }
    }
}
