// A benchmark hook, `@_spi(Benchmarks)`: see BenchmarkPostingList.swift for what the hooks are.

/// The snippet builder of `IndexReader.search` (``SearchRequest/snippets``) on its own: the
/// best ~160-byte passage of a body for a query, with the matched words marked.
///
/// Build one per query (it collects the query's terms and phrases), then call
/// ``snippet(for:)`` per hit. Cost per hit: one analysis pass over the body plus a scan of the
/// matches.
@_spi(Benchmarks)
public struct BenchmarkSnippets: Sendable {
    private let builder: SnippetBuilder

    /// Prepares the snippets of `query` (parsed with the index's analyzer) under `analyzer`.
    public init(analyzer: Analyzer, query: Query) {
        builder = SnippetBuilder(analyzer: analyzer, query: query)
    }

    /// The snippet of one hit's body.
    public func snippet(for body: String) -> Snippet {
        builder.snippet(for: body)
    }
}
