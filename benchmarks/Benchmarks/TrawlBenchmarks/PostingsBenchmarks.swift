import Benchmark
@_spi(Benchmarks) import Trawl

/// Postings decoding and skipping, on one long seeded posting list (see
/// `BenchmarkPostingList`): 4 million documents, doc-id gaps 1…8 (mean 4.5), frequencies
/// mostly 1 — about 5 bits per posting, the shape of a common word.
///
/// - `Postings.decode`: every doc id and frequency with `next()`; reports `ints/s` (two
///   integers per posting).
/// - `Postings.advance.strideN`: `advance(to:)` to every N-th doc id. Stride 64 (~14
///   postings) mostly stays inside the decoded block; 4096 (~910 postings, ~7 blocks) and
///   262144 (~58,000 postings) find the block through the skip table and decode only that one.
///   Reports `advances/s`.
func registerPostingsBenchmarks() {
    let documentCount = 4_000_000
    let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .mallocCountTotal]

    Benchmark("Postings.decode",
              configuration: BenchmarkSettings.configuration(metrics: metrics + [TrawlMetric.integersPerSecond],
                                                             maxDuration: .seconds(5), maxIterations: 200),
              closure: { benchmark, list in
                  benchmark.startMeasurement()
                  let (checksum, seconds) = timed { list.decodeAll() }
                  benchmark.stopMeasurement()
                  blackHole(checksum)
                  benchmark.measurement(TrawlMetric.integersPerSecond, Int(Double(2 * list.documentCount) / seconds))
              },
              setup: { try BenchmarkPostingList(documentCount: documentCount) })

    for stride in [64, 4096, 262_144] {
        Benchmark("Postings.advance.stride\(stride)",
                  configuration: BenchmarkSettings.configuration(metrics: metrics + [TrawlMetric.advancesPerSecond],
                                                                 maxDuration: .seconds(5), maxIterations: 2000),
                  closure: { benchmark, list in
                      benchmark.startMeasurement()
                      let (result, seconds) = timed { list.advanceAll(stride: stride) }
                      benchmark.stopMeasurement()
                      blackHole(result.checksum)
                      benchmark.measurement(TrawlMetric.advancesPerSecond, Int(Double(result.advances) / seconds))
                  },
                  setup: { try BenchmarkPostingList(documentCount: documentCount) })
    }
}
