import Benchmark
import Foundation
@_spi(Benchmarks) import Trawl

/// Snippet generation per hit: the best passage of one hit's stored body with the matched
/// words marked (what `IndexReader.search` adds per returned hit when
/// `SearchRequest.snippets` is on). One snippet per iteration, cycling over the top-10 hits of
/// a term query, a disjunction and a phrase on the main corpus.
func registerSnippetBenchmarks() {
    registerHugeDocumentBenchmarks()
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

/// A search whose only hit is a 64 MB article against one whose only hit is a 4 KB article,
/// both with snippets and stored fields: the snippet of a huge body must cost within a small
/// factor of a small one's (the store keeps large bodies in chunks and a snippet reads only the
/// chunks around the best matches; before, it decompressed the whole body: ~470 ms and 200 MB
/// for a 75 MB article). Compare the two medians of one run.
func registerHugeDocumentBenchmarks() {
    for (name, word) in [("Snippets.search.hugeDocument", "zeppelin"), ("Snippets.search.smallDocument", "walrus")] {
        Benchmark(name,
                  configuration: BenchmarkSettings.configuration(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
                                                                 maxDuration: .seconds(3), maxIterations: 2_000,
                                                                 warmupIterations: 5),
                  closure: { _, reader in
                      blackHole(try reader.search(word, limit: 10))
                  },
                  setup: { () throws -> IndexReader in try HugeDocumentIndex.reader() })
    }
}

/// An index of 200 small generated articles and one of 64 MB, built once per run.
enum HugeDocumentIndex {
    /// The huge article's size in bytes.
    static let hugeBytes = 64 << 20

    /// SplitMix64: the same articles on every machine.
    static func nextRandom(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Opens the index, building it on first use.
    static func reader() throws -> IndexReader {
        let path = BenchmarkIndex.runFolder + "/huge-document"
        if !FileManager.default.fileExists(atPath: path + ".done") {
            try? FileManager.default.removeItem(atPath: path)
            let writer = try IndexWriter(path: path)
            var state: UInt64 = 7
            let vocabulary = ["market", "price", "trade", "company", "bank", "share", "rate", "growth", "report", "export",
                              "oil", "grain", "wheat", "shipping", "steel", "coffee"]
            func text(bytes: Int, rareWord: String, at fraction: Double) -> String {
                var out = ""
                out.reserveCapacity(bytes + 64)
                var inserted = false
                while out.utf8.count < bytes {
                    for _ in 0..<12 { out += vocabulary[Int(nextRandom(&state) % UInt64(vocabulary.count))] + " " }
                    if !inserted, Double(out.utf8.count) >= Double(bytes) * fraction {
                        out += rareWord + " "
                        inserted = true
                    }
                    out += "\n"
                }
                return out
            }
            try writer.add(Document(id: "huge.txt", title: "A huge report", body: text(bytes: hugeBytes, rareWord: "zeppelin", at: 0.6)))
            for i in 0..<200 {
                try writer.add(Document(id: "small\(i).txt", title: "Report \(i)",
                                        body: text(bytes: 4096, rareWord: i == 100 ? "walrus" : "", at: 0.6)))
            }
            try writer.commit()
            writer.close()
            _ = FileManager.default.createFile(atPath: path + ".done", contents: Data())
        }
        return try IndexReader(path: path)
    }
}
