import Benchmark
import Trawl

/// The Trawl benchmark suite. `swift package benchmark` runs it; see benchmarks/README.md.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        maxDuration: .seconds(10),
        maxIterations: 1000
    )
    registerAnalysisBenchmarks()
}
