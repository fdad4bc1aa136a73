import Benchmark
import Foundation

/// Benchmark configurations, with the run-wide overrides from the environment.
///
/// `swift package benchmark` has no command-line option for the iteration count, so the suite
/// reads two variables (the tool passes its environment to every benchmark process):
///
/// - `TRAWL_BENCH_MAX_ITERATIONS=n` caps every benchmark at `n` measured iterations;
/// - `TRAWL_BENCH_MAX_SECONDS=s` caps every benchmark at `s` seconds.
///
/// `benchmarks/ci-check.sh` sets them to check the allocation thresholds in seconds.
enum BenchmarkSettings {
    /// The iteration cap from `TRAWL_BENCH_MAX_ITERATIONS`.
    static let iterationCap: Int? = ProcessInfo.processInfo.environment["TRAWL_BENCH_MAX_ITERATIONS"].flatMap { Int($0) }

    /// The duration cap from `TRAWL_BENCH_MAX_SECONDS`.
    static let secondsCap: Int? = ProcessInfo.processInfo.environment["TRAWL_BENCH_MAX_SECONDS"].flatMap { Int($0) }

    /// A configuration with the caps applied.
    static func configuration(metrics: [BenchmarkMetric], maxDuration: Duration, maxIterations: Int,
                              warmupIterations: Int = 1,
                              thresholds: [BenchmarkMetric: BenchmarkThresholds]? = nil) -> Benchmark.Configuration {
        var duration = maxDuration
        var iterations = maxIterations
        if let cap = secondsCap { duration = min(duration, .seconds(max(1, cap))) }
        if let cap = iterationCap { iterations = min(iterations, max(1, cap)) }
        return Benchmark.Configuration(metrics: metrics, warmupIterations: warmupIterations, scalingFactor: .one,
                                       maxDuration: duration, maxIterations: iterations, thresholds: thresholds)
    }
}

/// Custom metrics reported by the suite (per iteration; larger is better).
enum TrawlMetric {
    /// Postings integers decoded per second (doc ids and frequencies, two per posting).
    static let integersPerSecond = BenchmarkMetric.custom("ints/s", polarity: .prefersLarger, useScalingFactor: false)
    /// `advance(to:)` calls per second.
    static let advancesPerSecond = BenchmarkMetric.custom("advances/s", polarity: .prefersLarger, useScalingFactor: false)
    /// Megabytes (10⁶ bytes) of UTF-8 text per second.
    static let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
    /// Documents per second.
    static let documentsPerSecond = BenchmarkMetric.custom("docs/s", polarity: .prefersLarger, useScalingFactor: false)
}

/// Times `body` and returns its result with the elapsed seconds.
@inline(__always)
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try body()
    return (value, (clock.now - start).seconds)
}
