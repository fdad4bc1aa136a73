import Foundation
import Trawl

/// The benchmark corpora: Reuters-21578 from the shared data folder when it is present,
/// otherwise a seeded synthetic corpus with Zipfian word frequencies.
///
/// Nothing is loaded when benchmarks are registered (every benchmark runs in its own process,
/// and listing them must stay fast): each benchmark loads what it needs in its setup.
enum BenchmarkCorpus {
    /// One article of a corpus.
    struct Article {
        var id: String
        var title: String
        var date: String?
        var body: String
        /// Whether the article gets generated metadata (`tags`, `rating`): synthetic articles do.
        var metadata = false
    }

    /// Which corpus a benchmark runs on.
    enum Source: Hashable, CustomStringConvertible {
        /// Reuters-21578 when the shared data is present, otherwise `synthetic(20_000)`.
        /// `TRAWL_BENCH_CORPUS=synthetic` forces the synthetic corpus.
        case main
        /// Reuters-21578 (only where ``BenchmarkCorpus/reutersPath`` exists).
        case reuters
        /// The seeded synthetic corpus with this many articles (always available, identical on
        /// every machine: the allocation thresholds are recorded on it).
        case synthetic(Int)
        /// The Wikipedia sample (30,539 articles, 412 MB; only where
        /// ``BenchmarkCorpus/wikipediaPaths`` exist), for the benchmarks a large dictionary matters to.
        case wikipedia

        /// The concrete corpus (`main` becomes `reuters` or `synthetic(20_000)`; `wikipedia`
        /// without its files becomes `synthetic(20_000)`).
        var resolved: Source {
            switch self {
            case .main: return BenchmarkCorpus.reutersPath != nil ? .reuters : .synthetic(20_000)
            case .wikipedia: return BenchmarkCorpus.wikipediaPaths != nil ? .wikipedia : .synthetic(20_000)
            default: return self
            }
        }

        /// Whether this is (resolves to) Reuters.
        var isReuters: Bool { resolved == .reuters }

        /// A short name: `reuters21578` or `synthetic-20000`.
        var description: String {
            switch resolved {
            case .synthetic(let count): return "synthetic-\(count)"
            case .wikipedia: return "wikipedia-en-2015-sample"
            default: return "reuters21578"
            }
        }

        /// The articles (Reuters is decompressed and parsed; the synthetic corpus generated).
        func articles() -> [Article] {
            switch resolved {
            case .synthetic(let count): return BenchmarkCorpus.synthetic(count: count)
            case .wikipedia: return BenchmarkCorpus.wikipedia() ?? BenchmarkCorpus.synthetic(count: 20_000)
            default: return BenchmarkCorpus.reuters() ?? BenchmarkCorpus.synthetic(count: 20_000)
            }
        }
    }

    /// The shared data folder (beside the project), if present. `TRAWL_DATA` overrides it.
    static var dataFolder: String? {
        if let explicit = ProcessInfo.processInfo.environment["TRAWL_DATA"] { return explicit }
        let candidates = ["../../shared/data", "../shared/data"]
        let cwd = FileManager.default.currentDirectoryPath
        for candidate in candidates {
            let path = URL(fileURLWithPath: cwd).appendingPathComponent(candidate).standardized.path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    /// The compressed Reuters file, when it and the `zstd` tool are present and
    /// `TRAWL_BENCH_CORPUS=synthetic` is not set.
    static var reutersPath: String? {
        let environment = ProcessInfo.processInfo.environment
        if environment["TRAWL_BENCH_CORPUS"] == "synthetic" { return nil }
        guard let folder = dataFolder else { return nil }
        let path = folder + "/reuters21578/reuters21578.jsonl.zst"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let hasZstd = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/zstd")
        }
        return hasZstd ? path : nil
    }

    /// The two compressed parts of the Wikipedia sample, when they and `zstd` are present (and
    /// `TRAWL_BENCH_CORPUS=synthetic` is not set).
    static var wikipediaPaths: [String]? {
        guard let reuters = reutersPath else { return nil }  // the same conditions: data folder, zstd
        let folder = URL(fileURLWithPath: reuters).deletingLastPathComponent().deletingLastPathComponent().path
            + "/wikipedia-en-2015-sample"
        let paths = [1, 2].map { "\(folder)/wikipedia-en-2015-sample.part\($0).jsonl.zst" }
        return paths.allSatisfy { FileManager.default.fileExists(atPath: $0) } ? paths : nil
    }

    /// Decompresses a `.jsonl.zst` file with the `zstd` tool, or returns nil.
    static func readZstd(_ path: String) -> Data? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["zstd", "-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? data : nil
    }

    /// Reuters-21578 articles, or nil when the shared data is absent.
    static func reuters() -> [Article]? {
        guard let path = reutersPath, let data = readZstd(path) else { return nil }
        return articles(jsonLines: data)
    }

    /// The Wikipedia sample's articles, or nil when its files are absent.
    static func wikipedia() -> [Article]? {
        guard let paths = wikipediaPaths else { return nil }
        var articles: [Article] = []
        for path in paths {
            guard let data = readZstd(path) else { return nil }
            articles += self.articles(jsonLines: data)
        }
        return articles
    }

    /// The articles of a JSON Lines corpus (`id`, `title`, `date`, `body` members).
    static func articles(jsonLines data: Data) -> [Article] {
        var articles: [Article] = []
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else { continue }
            articles.append(Article(id: object["id"] as? String ?? "",
                                    title: object["title"] as? String ?? "",
                                    date: object["date"] as? String,
                                    body: object["body"] as? String ?? ""))
        }
        return articles
    }

    /// The word of Zipf rank `rank` (1 = most frequent) in the synthetic corpus.
    static func syntheticWord(rank: Int) -> String { SplitMix64.word(index: rank - 1) }

    /// A seeded synthetic corpus of `count` articles with Zipfian word frequencies.
    ///
    /// The vocabulary is 20,000 pronounceable pseudo-words; word `r` (``syntheticWord(rank:)``)
    /// is drawn with probability ∝ 1/r. Articles have a 6-word title and a `wordsPerArticle`-word
    /// body, and dates 2024-03-01 … 2024-03-28 in turn. The first `n` articles of two corpora
    /// of different sizes are the same, so posting lists grow in proportion to `count`.
    static func synthetic(count: Int, wordsPerArticle: Int = 200, seed: UInt64 = 42) -> [Article] {
        var rng = SplitMix64(seed: seed)
        let vocabulary = (0..<20_000).map { SplitMix64.word(index: $0) }
        // Zipf: precomputed cumulative weights 1/rank.
        var cumulative: [Double] = []
        var total = 0.0
        for rank in 1...vocabulary.count {
            total += 1.0 / Double(rank)
            cumulative.append(total)
        }
        func draw() -> String {
            let x = rng.nextDouble() * total
            var lo = 0, hi = cumulative.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] < x { lo = mid + 1 } else { hi = mid }
            }
            return vocabulary[lo]
        }
        return (0..<count).map { i in
            let title = (0..<6).map { _ in draw() }.joined(separator: " ")
            let body = (0..<wordsPerArticle).map { _ in draw() }.joined(separator: " ")
            let day = 1 + i % 28
            return Article(id: String(i), title: title, date: "2024-03-\(day < 10 ? "0" : "")\(day)", body: body, metadata: true)
        }
    }

    /// The articles as documents to index (`YYYY-MM-DD` dates become day-precision dates).
    static func documents(_ articles: [Article]) -> [Document] {
        articles.map { article in
            var date: DocumentDate?
            if let text = article.date, text.utf8.count == 10 {
                let parts = text.split(separator: "-").compactMap { Int($0) }
                if parts.count == 3 { date = DocumentDate(year: parts[0], month: parts[1], day: parts[2]) }
            }
            // Metadata for the filter, facet and sort benchmarks (Reuters articles have none).
            var fields: [String: FieldValue] = [:]
            if article.metadata, let number = Int(article.id) {
                fields["tags"] = .strings(["t\(number % 50)", "t\((number * 7 + 3) % 50)"])
                fields["rating"] = .integer(Int64(number % 5 + 1))
            }
            return Document(id: article.id, title: article.title, date: date, body: article.body, fields: fields)
        }
    }

    /// The articles as a JSON Lines file image (`{"id","title","date","body"}` per line), the
    /// input format of `trawl index`.
    static func jsonLines(_ articles: [Article]) throws -> Data {
        var out = Data()
        for article in articles {
            var object: [String: Any] = ["id": article.id, "title": article.title, "body": article.body]
            object["date"] = article.date ?? NSNull()
            out.append(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// The UTF-8 size of the articles' titles and bodies (what the analysis and indexing
    /// throughputs are measured against).
    static func textBytes(_ articles: [Article]) -> Int {
        articles.reduce(0) { $0 + $1.title.utf8.count + $1.body.utf8.count }
    }
}

/// A small seeded random generator (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A pronounceable pseudo-word for a vocabulary index.
    static func word(index: Int) -> String {
        let consonants = Array("bcdfghjklmnprstvwz")
        let vowels = Array("aeiou")
        var n = index + 1
        var out = ""
        while n > 0 {
            out.append(consonants[n % consonants.count])
            n /= consonants.count
            out.append(vowels[n % vowels.count])
            n /= vowels.count
        }
        return out
    }
}
