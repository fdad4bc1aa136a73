import Benchmark
import Trawl

/// The Trawl benchmark suite. `swift package benchmark` runs it; see benchmarks/README.md.
///
/// Names use only letters, digits and dots (`Search.or2.pruned`): the benchmark tool names
/// threshold files after benchmarks and does not escape `/` or spaces when reading them back.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        maxDuration: .seconds(10),
        maxIterations: 1000
    )
    registerPostingsBenchmarks()
    registerSearchBenchmarks()
    registerAutocompleteBenchmarks()
    registerSnippetBenchmarks()
    registerAnalysisBenchmarks()
    registerIndexingBenchmarks()
}
