import Foundation

/// The benchmark corpora: Reuters-21578 from the shared data folder when it is present,
/// otherwise a seeded synthetic corpus with Zipfian word frequencies.
enum BenchmarkCorpus {
    /// One article of a corpus.
    struct Article {
        var id: String
        var title: String
        var date: String?
        var body: String
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
        guard let folder = dataFolder,
              let data = readZstd(folder + "/reuters21578/reuters21578.jsonl.zst") else { return nil }
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

    /// A seeded synthetic corpus of `count` articles with Zipfian word frequencies.
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
            return Article(id: String(i), title: title, date: "2024-03-\(day < 10 ? "0" : "")\(day)", body: body)
        }
    }

    /// Reuters when available, otherwise the synthetic corpus.
    static func reutersOrSynthetic() -> [Article] {
        reuters() ?? synthetic(count: 20_000)
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
