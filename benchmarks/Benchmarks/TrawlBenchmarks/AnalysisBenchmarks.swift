import Benchmark
import Trawl

/// Analysis throughput: the `english` and `simple` pipelines (UAX #29 words, case folding;
/// english also folds accents and stems) over the titles and bodies of the main corpus
/// (Reuters, or the synthetic one), one pass per iteration. Reports `MB/s` of UTF-8 input.
func registerAnalysisBenchmarks() {
    for name in ["english", "simple"] {
        Benchmark("Analysis.\(name)",
                  configuration: BenchmarkSettings.configuration(
                      metrics: [.wallClock, .cpuTotal, .mallocCountTotal, TrawlMetric.megabytesPerSecond],
                      maxDuration: .seconds(20), maxIterations: 10),
                  closure: { benchmark, state in
                      var tokens = 0
                      benchmark.startMeasurement()
                      let (_, seconds) = timed {
                          state.text.withUnsafeBytes { raw in
                              _ = state.analyzer.forEachToken(inUTF8: raw) { _ in tokens &+= 1 }
                          }
                      }
                      benchmark.stopMeasurement()
                      blackHole(tokens)
                      benchmark.measurement(TrawlMetric.megabytesPerSecond, Int(Double(state.text.count) / seconds / 1e6))
                  },
                  setup: { () throws -> (analyzer: Analyzer, text: [UInt8]) in
                      var text: [UInt8] = []
                      for article in BenchmarkCorpus.Source.main.articles() {
                          text.append(contentsOf: article.title.utf8)
                          text.append(0x0A)
                          text.append(contentsOf: article.body.utf8)
                          text.append(0x0A)
                      }
                      let analyzer = try Analyzer(AnalyzerConfiguration.named(name)!)
                      // Warm the surface-form cache once so iterations measure the steady state.
                      _ = text.withUnsafeBytes { raw in analyzer.forEachToken(inUTF8: raw) { _ in } }
                      return (analyzer, text)
                  })
    }
}
