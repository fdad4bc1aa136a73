import Benchmark
import Foundation
import Trawl

/// One query of the ranking-loop benchmarks, in the words of each corpus.
struct QueryShape: Sendable {
    /// The benchmark name suffix (`or2.pruned`): letters, digits and dots only, because the
    /// benchmark tool names threshold files after benchmarks.
    var name: String
    /// The query on Reuters-21578.
    var reuters: String
    /// The query on the synthetic corpus; `{r}` is the synthetic word of Zipf rank r.
    var synthetic: String
    var sort: SearchSort = .relevance
    /// `true` scores and counts every match (no pruning); `false` lets block-max pruning skip.
    var countTotal = false
    var snippets = false
    /// Facets counted over every match.
    var facets: [FacetRequest] = []
    /// Sort by field values (instead of `sort`).
    var sortFields: [SortField] = []
    /// Whether the shape runs on Reuters too (the metadata shapes need the synthetic corpus's fields).
    var onReuters = true
    /// Whether typos are tolerated (``SearchRequest/typoTolerance``).
    var typos = false

    /// The query text for a corpus.
    func text(for source: BenchmarkCorpus.Source) -> String {
        if source.isReuters { return reuters }
        var out = synthetic
        while let open = out.firstIndex(of: "{"), let close = out[open...].firstIndex(of: "}") {
            let rank = Int(out[out.index(after: open)..<close])!
            out.replaceSubrange(open...close, with: BenchmarkCorpus.syntheticWord(rank: rank))
        }
        return out
    }

    /// The request for a corpus, parsed with the index's parser: top 10.
    func request(for source: BenchmarkCorpus.Source, reader: IndexReader) throws -> SearchRequest {
        var request = SearchRequest(query: try reader.queryParser().parse(text(for: source)), limit: 10, sort: sort,
                                    countTotal: countTotal)
        request.snippets = snippets
        request.facets = facets
        request.sortFields = sortFields
        if typos { request.typoTolerance = TypoTolerance() }
        return request
    }

    /// The ranking-loop queries. Synthetic ranks: 1 and 10 are in nearly every article, 30 in
    /// half, 300 in 7 %, 1000 in 2 % (of 206 words each).
    static let all: [QueryShape] = {
        var shapes: [QueryShape] = []
        let disjunctions = [
            ("or2", "oil OR prices", "{30} OR {300}"),
            ("or3", "oil OR prices OR opec", "{30} OR {300} OR {1000}"),
            ("or5", "oil OR prices OR opec OR said OR market", "{30} OR {300} OR {1000} OR {1} OR {10}"),
        ]
        for (name, reuters, synthetic) in disjunctions {
            shapes.append(QueryShape(name: name + ".pruned", reuters: reuters, synthetic: synthetic))
            shapes.append(QueryShape(name: name + ".exhaustive", reuters: reuters, synthetic: synthetic, countTotal: true))
        }
        shapes.append(QueryShape(name: "and2", reuters: "oil AND prices", synthetic: "{30} AND {300}"))
        shapes.append(QueryShape(name: "and3", reuters: "said AND company AND shares", synthetic: "{1} AND {10} AND {30}"))
        shapes.append(QueryShape(name: "phrase", reuters: "\"crude oil\"", synthetic: "\"{3} {10}\""))
        shapes.append(QueryShape(name: "sloppyPhrase", reuters: "\"oil prices\"~5", synthetic: "\"{10} {30}\"~5"))
        shapes.append(QueryShape(name: "dateFiltered", reuters: "oil AND date:[1987-03-01 TO 1987-03-31]",
                                 synthetic: "{30} AND date:[2024-03-01 TO 2024-03-07]"))
        shapes.append(QueryShape(name: "dateSorted", reuters: "oil", synthetic: "{30}", sort: .dateDescending))
        return shapes
    }()

    /// Typo tolerance: a fuzzy word (expanded by the Levenshtein automaton, 50 terms at most)
    /// and a typo-tolerant search-box query whose misspelled word matches nothing as written.
    static let typoShapes: [QueryShape] = [
        QueryShape(name: "fuzzy", reuters: "crude AND prics~2", synthetic: "{30} AND {300}x~1"),
        QueryShape(name: "typos", reuters: "crude oil pricse", synthetic: "{30} {300}x", typos: true),
    ]

    /// The metadata shapes (synthetic corpus only: `tags` has 50 values, two per article;
    /// `rating` is 1…5): a keyword filter, a number filter, a sort by a number field, and facets
    /// counted over every match of a word in half the articles.
    static let metadata: [QueryShape] = {
        var shapes: [QueryShape] = []
        shapes.append(QueryShape(name: "keywordFiltered", reuters: "", synthetic: "{30} AND tags:t7", onReuters: false))
        shapes.append(QueryShape(name: "numberFiltered", reuters: "", synthetic: "{30} AND rating:[2 TO 3]", onReuters: false))
        shapes.append(QueryShape(name: "fieldSorted", reuters: "", synthetic: "{30}",
                                 sortFields: [SortField(field: "rating", descending: true), SortField(field: "date")], onReuters: false))
        shapes.append(QueryShape(name: "facets", reuters: "", synthetic: "{30}",
                                 facets: [FacetRequest(field: "tags", grouping: .values(limit: 10)),
                                          FacetRequest(field: "rating", grouping: .ranges([.init(from: nil, to: 3), .init(from: 3, to: nil)]))],
                                 onReuters: false))
        shapes.append(QueryShape(name: "facetsBaseline", reuters: "", synthetic: "{30}", countTotal: true, onReuters: false))
        return shapes
    }()

    /// The end-to-end variant: `or2.pruned` with snippets for the 10 hits.
    static let withSnippets = QueryShape(name: "or2.snippets", reuters: "oil OR prices", synthetic: "{30} OR {300}",
                                         snippets: true)
}

/// A prepared search: an open index and a parsed request.
struct PreparedSearch {
    let reader: IndexReader
    let request: SearchRequest

    init(_ shape: QueryShape, on source: BenchmarkCorpus.Source) throws {
        reader = try BenchmarkIndex.reader(for: source)
        request = try shape.request(for: source, reader: reader)
        let results = try reader.search(request)
        if results.hits.count < 10 {
            throw BenchmarkSetupError("\(shape.name): \"\(shape.text(for: source))\" finds only \(results.hits.count) hits on \(source)")
        }
        if ProcessInfo.processInfo.environment["TRAWL_BENCH_VERBOSE"] != nil {
            FileHandle.standardError.write(Data(
                "\(shape.name) on \(source): \(shape.text(for: source)) → \(results.total) (\(results.totalRelation.rawValue))\n".utf8))
        }
    }

    /// Runs the search once.
    @inline(__always)
    func run() {
        do {
            blackHole(try reader.search(request))
        } catch {
            fatalError("search failed: \(error)")
        }
    }
}

/// A setup failure with a message.
struct BenchmarkSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The ranking loop through the public API: `IndexReader.search(SearchRequest)` for the top
/// 10, one query per iteration (so `mallocCountTotal` is allocations per query), on the main
/// corpus (Reuters, or the synthetic 20,000 articles). Snippets are off except in
/// `Search.or2.snippets`; the hits' stored fields are read.
///
/// `Alloc.<shape>.2k` / `.20k` run the same shapes on the synthetic corpus with 2,000 and
/// 20,000 articles and measure allocations only. Their thresholds are committed under
/// `Thresholds/`; equal counts for 2k and 20k show that a query allocates a bounded number of
/// times, independent of the length of its posting lists.
func registerSearchBenchmarks() {
    let searchMetrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .mallocCountTotal, .throughput]
    for shape in QueryShape.all + [QueryShape.withSnippets] + QueryShape.metadata + QueryShape.typoShapes {
        Benchmark("Search.\(shape.name)",
                  configuration: BenchmarkSettings.configuration(metrics: searchMetrics, maxDuration: .seconds(3),
                                                                 maxIterations: 20_000, warmupIterations: 10),
                  closure: { _, search in search.run() },
                  setup: { try PreparedSearch(shape, on: shape.onReuters ? .main : .synthetic(20_000)) })
    }

    // Allocation counts are nearly exact: a change of more than 2 allocations per query fails
    // the check (the runtime's own bookkeeping moves the count by one now and then).
    let exact: [BenchmarkMetric: BenchmarkThresholds] = [.mallocCountTotal: .init(absolute: [.p90: 2])]
    // Typo mode allocates per candidate word it tries (the words within reach of each typed
    // word, at most the expansion cap), so its count follows the dictionary's neighbourhood of
    // those words, not the posting lists: benchmarks/ci-check.sh holds it to its own threshold
    // on each corpus instead of asking the two to agree.
    for shape in QueryShape.all + QueryShape.metadata + QueryShape.typoShapes {
        for (label, count) in [("2k", 2_000), ("20k", 20_000)] {
            Benchmark("Alloc.\(shape.name).\(label)",
                      configuration: BenchmarkSettings.configuration(metrics: [.mallocCountTotal], maxDuration: .seconds(2),
                                                                     maxIterations: 200, warmupIterations: 3,
                                                                     thresholds: exact),
                      closure: { _, search in search.run() },
                      setup: { try PreparedSearch(shape, on: .synthetic(count)) })
        }
    }
}
