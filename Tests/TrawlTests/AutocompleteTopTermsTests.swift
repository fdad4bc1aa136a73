import Testing
@testable import Trawl

/// Completions against a brute-force prefix scan on generated corpora, in one segment (the
/// single-table pass) and in several (the merge of the segments' term ranges), for limits below
/// and above the number of candidates.
@Suite struct AutocompleteTopTermsTests {
    /// A seeded corpus over a small alphabet, so prefixes share many terms and frequencies tie
    /// often; titles and bodies draw from different word lists so the fields' frequencies differ.
    static func corpus(seed: UInt64) -> [Document] {
        var random = SeededGenerator(seed: seed)
        func word() -> String {
            let length = 2 + Int(random.next() % 5)
            return String((0..<length).map { _ in Character(Unicode.Scalar(UInt8(0x61 + random.next() % 4))) })
        }
        return (0..<300).map { n in
            let title = (0..<(1 + Int(random.next() % 3))).map { _ in word() }.joined(separator: " ")
            let body = (0..<(3 + Int(random.next() % 12))).map { _ in word() }.joined(separator: " ")
            return Document(id: "d\(n)", title: title, body: body)
        }
    }

    /// Indexes `documents` with the simple analyzer (no stemming, so terms are the words), with
    /// a commit every `batch` documents.
    static func reader(_ documents: [Document], batch: Int) throws -> IndexReader {
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        options.analyzer = .simple
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        var start = 0
        while start < documents.count {
            try writer.add(Array(documents[start..<min(documents.count, start + batch)]))
            try writer.commit()
            start += batch
        }
        return try IndexReader(directory: directory)
    }

    /// The brute-force ranking: every word of each field counted once per document, the larger
    /// of the two fields' document frequencies, ties in byte order.
    static func expected(_ documents: [Document], prefix: String, limit: Int) -> [(String, Int)] {
        var title: [String: Int] = [:], body: [String: Int] = [:]
        for document in documents {
            for word in Set(document.title.split(separator: " ").map(String.init)) { title[word, default: 0] += 1 }
            for word in Set(document.body.split(separator: " ").map(String.init)) { body[word, default: 0] += 1 }
        }
        var ranked: [String: Int] = [:]
        for (word, df) in title where word.hasPrefix(prefix) { ranked[word] = max(ranked[word] ?? 0, df) }
        for (word, df) in body where word.hasPrefix(prefix) { ranked[word] = max(ranked[word] ?? 0, df) }
        return ranked.sorted { $0.value != $1.value ? $0.value > $1.value : Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .prefix(limit).map { ($0.key, $0.value) }
    }

    @Test(arguments: [300, 37, 1])
    func completionsEqualABruteForceScan(batch: Int) throws {
        let documents = Self.corpus(seed: 7)
        let reader = try Self.reader(documents, batch: batch)
        if batch == 300 { #expect(reader.segments.count == 1) } else { #expect(reader.segments.count > 1) }
        for prefix in ["a", "b", "ab", "ca", "dd", "abc", "bad", "cc", "z"] {
            for limit in [1, 3, 10, 500] {
                let got = try reader.complete("x " + prefix, limit: limit)
                let want = Self.expected(documents, prefix: prefix, limit: limit)
                #expect(got.map(\.term) == want.map(\.0), "prefix \(prefix), limit \(limit), commits of \(batch)")
                #expect(got.map(\.documentFrequency) == want.map(\.1), "prefix \(prefix), limit \(limit), commits of \(batch)")
            }
        }
    }

    /// Restricted completions: for each term with the prefix, the documents that match the
    /// earlier word and hold the term in title or body, by that count (prefixes with fewer
    /// terms than the candidate cap, so every term is a candidate).
    @Test(arguments: [300, 37])
    func restrictedCompletionsEqualABruteForceCount(batch: Int) throws {
        let documents = Self.corpus(seed: 11)
        let reader = try Self.reader(documents, batch: batch)
        let words = documents.map { Set(($0.title + " " + $0.body).split(separator: " ").map(String.init)) }
        for earlier in ["ab", "ca", "dab", "bbb"] {
            for prefix in ["abc", "cab", "dd", "bad", "ccc"] {
                let vocabulary = Set(words.flatMap { $0 }.filter { $0.hasPrefix(prefix) })
                #expect(vocabulary.count <= IndexReader.restrictedCandidates)
                var counts: [String: Int] = [:]
                for bag in words where bag.contains(earlier) {
                    for word in bag where word.hasPrefix(prefix) { counts[word, default: 0] += 1 }
                }
                for limit in [1, 4, 50] {
                    let want = counts.sorted { $0.value != $1.value ? $0.value > $1.value : Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
                        .prefix(limit)
                    let got = try reader.complete(earlier + " " + prefix, limit: limit, restricted: true)
                    #expect(got.map(\.term) == want.map(\.key), "\(earlier) \(prefix), limit \(limit), commits of \(batch)")
                    #expect(got.map(\.documentFrequency) == want.map(\.value), "\(earlier) \(prefix), limit \(limit)")
                    #expect(got.allSatisfy { $0.query == earlier + " " + $0.term })
                }
            }
        }
    }
}
