import Benchmark
import Foundation
@_spi(Benchmarks) import Trawl

/// Snippet generation per hit: the best passage of one hit's stored body with the matched
/// words marked (what `IndexReader.search` adds per returned hit when
/// `SearchRequest.snippets` is on). One snippet per iteration, cycling over the top-10 hits of
/// a term query, a disjunction and a phrase on the main corpus.
func registerSnippetBenchmarks() {
    Benchmark("Snippets.perHit",
              configuration: BenchmarkSettings.configuration(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
                                                             maxDuration: .seconds(3), maxIterations: 20_000,
                                                             warmupIterations: 10),
              closure: { benchmark, hits in
                  let (builder, body) = hits[benchmark.currentIteration % hits.count]
                  blackHole(builder.snippet(for: body))
              },
              setup: { () throws -> [(BenchmarkSnippets, String)] in
                  let source = BenchmarkCorpus.Source.main
                  let reader = try BenchmarkIndex.reader(for: source)
                  let queries = source.isReuters
                      ? ["oil", "oil OR prices", "\"crude oil\""]
                      : ["{30}", "{30} OR {300}", "\"{3} {10}\""].map {
                          QueryShape(name: "", reuters: "", synthetic: $0).text(for: source)
                      }
                  var hits: [(BenchmarkSnippets, String)] = []
                  for text in queries {
                      let query = try reader.queryParser().parse(text)
                      var request = SearchRequest(query: query, limit: 10)
                      request.snippets = false
                      let builder = BenchmarkSnippets(analyzer: reader.analyzer, query: query)
                      for hit in try reader.search(request).hits {
                          if let body = try reader.document(id: hit.id)?.body, !body.isEmpty { hits.append((builder, body)) }
                      }
                  }
                  guard !hits.isEmpty else { throw BenchmarkSetupError("no hits with a stored body for the snippet benchmark") }
                  return hits
              })
}
