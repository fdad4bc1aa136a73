import Benchmark
import Trawl

/// Analysis throughput: the english pipeline over the Reuters corpus (or the synthetic one).
func registerAnalysisBenchmarks() {
    let articles = BenchmarkCorpus.reutersOrSynthetic()
    var text: [UInt8] = []
    for article in articles {
        text.append(contentsOf: article.title.utf8)
        text.append(0x0A)
        text.append(contentsOf: article.body.utf8)
        text.append(0x0A)
    }
    let corpus = text
    let megabytes = max(1, corpus.count / 1_000_000)

    for name in ["english", "simple"] {
        Benchmark("Analysis/\(name) (MB of UTF-8)",
                  configuration: .init(metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal],
                                       scalingFactor: .one, maxDuration: .seconds(20), maxIterations: 10)) { benchmark in
            let analyzer = try Analyzer(AnalyzerConfiguration.named(name)!)
            var tokens = 0
            // Warm the surface-form cache once so iterations measure the steady state.
            _ = corpus.withUnsafeBytes { raw in analyzer.forEachToken(inUTF8: raw) { _ in } }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                _ = corpus.withUnsafeBytes { raw in
                    analyzer.forEachToken(inUTF8: raw) { _ in tokens &+= 1 }
                }
            }
            benchmark.stopMeasurement()
            blackHole(tokens)
            blackHole(megabytes)
        }
    }
}
