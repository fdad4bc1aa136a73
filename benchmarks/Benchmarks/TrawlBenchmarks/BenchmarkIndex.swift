import Foundation
import Trawl
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The search benchmarks' indexes: each corpus is indexed once per benchmark run, in a temporary
/// folder, and opened by every benchmark process of that run.
///
/// `swift package benchmark` starts one process per benchmark, all children of one
/// `BenchmarkTool` process. The first benchmark that needs a corpus builds its index (in its
/// setup, outside the measurement) under `$TMPDIR/trawl-benchmarks/run-<tool pid>-<executable
/// stamp>/<corpus>`; the others of the same run open it. Folders of runs whose tool process is
/// gone are removed when the next run starts. A rebuilt benchmark executable never sees an
/// index of an older build (the executable's size and time are part of the folder name).
///
/// The index is built like `trawl index` builds one (default ``IndexWriterOptions``: english
/// analyzer, bodies stored, a thread per core), then optimized to one segment so that every run
/// searches the same structure.
enum BenchmarkIndex {
    /// The folder holding every run's indexes.
    static let root: String = {
        let temporary = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        return URL(fileURLWithPath: temporary).appendingPathComponent("trawl-benchmarks").path
    }()

    /// This run's folder (created, and older runs' folders cleaned up, on first use).
    static let runFolder: String = {
        let manager = FileManager.default
        try? manager.createDirectory(atPath: root, withIntermediateDirectories: true)
        removeFoldersOfFinishedRuns()
        let folder = root + "/run-\(getppid())-\(executableStamp())"
        try? manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }()

    /// Size and modification time of the running executable.
    private static func executableStamp() -> String {
        let path = Bundle.main.executablePath ?? "/proc/self/exe"
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return "0" }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let time = Int((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)
        return "\(size)-\(time)"
    }

    /// Removes `run-<pid>-…` folders whose process no longer exists.
    private static func removeFoldersOfFinishedRuns() {
        let manager = FileManager.default
        guard let entries = try? manager.contentsOfDirectory(atPath: root) else { return }
        for entry in entries where entry.hasPrefix("run-") {
            let fields = entry.split(separator: "-")
            guard fields.count >= 2, let pid = Int32(fields[1]) else { continue }
            if kill(pid, 0) == -1 && errno == ESRCH {
                try? manager.removeItem(atPath: root + "/" + entry)
            }
        }
    }

    /// Opens the index of `source`, building it first when this run has none yet.
    static func reader(for source: BenchmarkCorpus.Source) throws -> IndexReader {
        let path = runFolder + "/" + source.description
        let manager = FileManager.default
        if !manager.fileExists(atPath: path + "/.complete") {
            let started = ContinuousClock.now
            let building = path + ".building-\(getpid())"
            try? manager.removeItem(atPath: building)
            let articles = source.articles()
            try build(BenchmarkCorpus.documents(articles), at: building)
            _ = manager.createFile(atPath: building + "/.complete", contents: Data())
            do {
                try manager.moveItem(atPath: building, toPath: path)
            } catch {
                // Another process finished first; use its index.
                try? manager.removeItem(atPath: building)
            }
            let seconds = (ContinuousClock.now - started).seconds
            FileHandle.standardError.write(Data(
                "trawl-benchmarks: indexed \(source) (\(articles.count) documents) in \(String(format: "%.1f", seconds)) s at \(path)\n".utf8))
        }
        return try IndexReader(path: path)
    }

    /// Indexes `documents` into a new index at `path`: 512-document batches, one commit,
    /// then an optimize (one segment).
    static func build(_ documents: [Document], at path: String, options: IndexWriterOptions = IndexWriterOptions(),
                      optimize: Bool = true) throws {
        let writer = try IndexWriter(path: path, options: options)
        defer { writer.close() }
        var start = 0
        while start < documents.count {
            let end = min(start + 512, documents.count)
            try writer.add(Array(documents[start..<end]))
            start = end
        }
        try writer.commit()
        if optimize { try writer.optimize() }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
