import Benchmark
import Foundation
import Trawl

/// End-to-end indexing of the main corpus into a new folder under `$TMPDIR`, one whole index
/// per iteration (default ``IndexWriterOptions``: english analyzer, bodies stored, a thread per
/// core, durable commits):
///
/// - `Indexing.documents`: in-memory `Document`s through `IndexWriter.add` in batches of 512,
///   then one `commit()` — analysis, segment writing, fsync.
/// - `Indexing.jsonl`: a JSON Lines file through `FolderIndexer` (what `trawl index FILE.jsonl`
///   runs): reading and parsing the file as well.
///
/// Both report `docs/s` and `MB/s`, where MB counts the UTF-8 bytes of titles and bodies
/// (the same bytes for both, so the two rates compare).
func registerIndexingBenchmarks() {
    struct Corpus {
        var documents: [Document]
        var jsonl: String
        var textBytes: Int
    }
    let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident,
                                      TrawlMetric.documentsPerSecond, TrawlMetric.megabytesPerSecond]
    let setup: () throws -> Corpus = {
        let articles = BenchmarkCorpus.Source.main.articles()
        let jsonl = BenchmarkIndex.runFolder + "/corpus-\(BenchmarkCorpus.Source.main)-\(getpid()).jsonl"
        try BenchmarkCorpus.jsonLines(articles).write(to: URL(fileURLWithPath: jsonl))
        return Corpus(documents: BenchmarkCorpus.documents(articles), jsonl: jsonl,
                      textBytes: BenchmarkCorpus.textBytes(articles))
    }

    /// A fresh, absent folder for one iteration's index.
    func freshFolder(_ label: String) -> String {
        let path = BenchmarkIndex.runFolder + "/indexing-\(label)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    /// Measures `index` (which builds an index in the folder it is given and returns how many
    /// documents it indexed) and reports the throughputs.
    func measure(_ benchmark: Benchmark, _ corpus: Corpus, _ label: String, _ index: (String) throws -> Int) {
        let folder = freshFolder(label)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        benchmark.startMeasurement()
        let (documents, seconds) = timed { () -> Int in
            do {
                return try index(folder)
            } catch {
                fatalError("indexing failed: \(error)")
            }
        }
        benchmark.stopMeasurement()
        benchmark.measurement(TrawlMetric.documentsPerSecond, Int(Double(documents) / seconds))
        benchmark.measurement(TrawlMetric.megabytesPerSecond, Int(Double(corpus.textBytes) / seconds / 1e6))
    }

    Benchmark("Indexing.documents",
              configuration: BenchmarkSettings.configuration(metrics: metrics, maxDuration: .seconds(60), maxIterations: 5,
                                                             warmupIterations: 0),
              closure: { benchmark, corpus in
                  measure(benchmark, corpus, "documents") { folder in
                      try BenchmarkIndex.build(corpus.documents, at: folder, optimize: false)
                      return corpus.documents.count
                  }
              },
              setup: setup)

    Benchmark("Indexing.jsonl",
              configuration: BenchmarkSettings.configuration(metrics: metrics, maxDuration: .seconds(60), maxIterations: 5,
                                                             warmupIterations: 0),
              closure: { benchmark, corpus in
                  measure(benchmark, corpus, "jsonl") { folder in
                      let writer = try IndexWriter(path: folder)
                      defer { writer.close() }
                      return try FolderIndexer(writer: writer).run(paths: [corpus.jsonl]).documents
                  }
              },
              setup: setup,
              teardown: {
                  let path = BenchmarkIndex.runFolder + "/corpus-\(BenchmarkCorpus.Source.main)-\(getpid()).jsonl"
                  try? FileManager.default.removeItem(atPath: path)
              })
}
