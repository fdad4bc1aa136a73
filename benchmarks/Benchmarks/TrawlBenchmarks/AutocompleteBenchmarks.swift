import Benchmark
import Foundation
import Trawl

/// Autocomplete (`IndexReader.complete`, what `trawl suggest` calls): one completion of a
/// partial query per iteration, cycling through `AutocompleteRun.partials`, the ten most
/// frequent completions. `Autocomplete.reuters` and `Autocomplete.wikipedia` complete from the
/// whole dictionary; the `.restricted` variants count only the documents that match the words
/// typed before the last one (the partials with one word are then plain completions).
/// The Wikipedia sample's dictionary is the large one (its index takes a minute to build on the
/// first run); without the shared data both fall back to the synthetic 20,000 articles.
func registerAutocompleteBenchmarks() {
    let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .mallocCountTotal, .throughput]
    for (name, source) in [("reuters", BenchmarkCorpus.Source.main), ("wikipedia", .wikipedia)] {
        for restricted in [false, true] {
            Benchmark("Autocomplete.\(name)\(restricted ? ".restricted" : "")",
                      configuration: BenchmarkSettings.configuration(metrics: metrics, maxDuration: .seconds(3),
                                                                     maxIterations: 20_000, warmupIterations: 20),
                      closure: { _, run in run.next() },
                      setup: { try AutocompleteRun(reader: BenchmarkIndex.reader(for: source), restricted: restricted) })
        }
    }
}

/// The partial queries of the autocomplete benchmarks and the reader they complete from.
final class AutocompleteRun: @unchecked Sendable {
    /// Short and long prefixes, alone and after other words, as a search box sends them.
    static let partials = ["th", "pres", "ex", "gol", "oi", "phil", "musi", "ca", "interest ra", "crude oil sanc",
                           "world w", "the uni", "bank of eng", "new yo"]

    let reader: IndexReader
    let restricted: Bool
    private var position = 0

    init(reader: IndexReader, restricted: Bool) throws {
        self.reader = reader
        self.restricted = restricted
        for partial in Self.partials where try reader.complete(partial, limit: 10, restricted: restricted).isEmpty {
            FileHandle.standardError.write(Data("autocomplete: no completion of '\(partial)'\n".utf8))
        }
    }

    /// Completes the next partial query.
    @inline(__always)
    func next() {
        let partial = Self.partials[position]
        position = position + 1 == Self.partials.count ? 0 : position + 1
        do {
            blackHole(try reader.complete(partial, limit: 10, restricted: restricted))
        } catch {
            fatalError("autocomplete failed: \(error)")
        }
    }
}
