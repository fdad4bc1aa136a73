import Benchmark
import Foundation
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
    registerLanguageAnalysisBenchmarks()
}

/// Analysis throughput per language: `Analysis.language.<name>` for every Snowball language
/// analyzer (`german`, `russian`, …) over its reference vocabulary in
/// `../shared/data/snowball-languages/<name>/voc.txt.zst` (words a line, read as one text),
/// registered only where that data is present. Every word is new to a fresh analyzer, so each
/// iteration measures the whole chain at first sight: word breaking, folding and the
/// language's Snowball stemmer. Reports `MB/s` of UTF-8 input.
func registerLanguageAnalysisBenchmarks() {
    guard let data = BenchmarkCorpus.dataFolder else { return }
    for configuration in AnalyzerConfiguration.languages {
        let path = "\(data)/snowball-languages/\(configuration.name)/voc.txt.zst"
        guard FileManager.default.fileExists(atPath: path) else { continue }
        Benchmark("Analysis.language.\(configuration.name)",
                  configuration: BenchmarkSettings.configuration(
                      metrics: [.wallClock, .cpuTotal, TrawlMetric.megabytesPerSecond],
                      maxDuration: .seconds(20), maxIterations: 10),
                  closure: { benchmark, text in
                      guard let analyzer = try? Analyzer(configuration) else { return }
                      var tokens = 0
                      benchmark.startMeasurement()
                      let (_, seconds) = timed {
                          text.withUnsafeBytes { raw in
                              _ = analyzer.forEachToken(inUTF8: raw) { _ in tokens &+= 1 }
                          }
                      }
                      benchmark.stopMeasurement()
                      blackHole(tokens)
                      benchmark.measurement(TrawlMetric.megabytesPerSecond, Int(Double(text.count) / seconds / 1e6))
                  },
                  setup: { () throws -> [UInt8] in
                      guard let data = BenchmarkCorpus.readZstd(path) else { return [] }
                      return [UInt8](data)
                  })
    }
}
