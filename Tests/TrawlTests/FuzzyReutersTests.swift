import Foundation
import Testing
@testable import Trawl

/// One Reuters index shared by the typo-tolerance tests (built on first use, in memory, in
/// several segments so that expansions and statistics are merged across them).
struct ReutersFixture: Sendable {
    let documents: [Document]
    let reader: IndexReader
    let analyzer: Analyzer

    static var available: Bool { SearchReferenceTests.available }

    static let shared: ReutersFixture? = {
        guard available else { return nil }
        return try? ReutersFixture()
    }()

    init() throws {
        let bytes = try DocumentsTestSupport.decompress(SearchReferenceTests.reutersFile)
        documents = try DocumentReader().read(contentsOf: bytes, relativePath: "reuters.jsonl", format: .jsonLines).documents
        analyzer = try Analyzer(.english)
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        options.ramBudget = 16 << 20
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        try writer.add(documents)
        try writer.commit()
        reader = try IndexReader(directory: directory)
    }

    /// Every term of `field` in any segment with its index-wide document frequency, read
    /// through the dictionary's own iterator (not the term table the walk uses).
    func dictionary(_ field: String) throws -> [(term: [UInt8], scalars: [UInt32], documentFrequency: Int)] {
        var frequencies: [[UInt8]: Int] = [:]
        for segment in reader.segments {
            guard var iterator = segment.dictionary.terms(forField: field)?.makeIterator() else { continue }
            while try iterator.next() { frequencies[iterator.term, default: 0] += Int(iterator.info.docFreq) }
        }
        return frequencies.map { ($0.key, Array(String(decoding: $0.key, as: UTF8.self).unicodeScalars.map(\.value)), $0.value) }
            .sorted { $0.term.lexicographicallyPrecedes($1.term) }
    }
}

/// Seeded misspellings: `edits` random insertions, deletions, substitutions or transpositions
/// of neighbours (letters a–z).
func misspell(_ word: String, edits: Int, random: inout SeededGenerator) -> String {
    var chars = Array(word)
    let letters = Array("abcdefghijklmnopqrstuvwxyz")
    for _ in 0..<edits {
        let kind = Int(random.next() % 4)
        let at = Int(random.next() % UInt64(max(1, chars.count)))
        switch kind {
        case 0: chars.insert(letters[Int(random.next() % 26)], at: at)
        case 1 where chars.count > 2: chars.remove(at: at)
        case 3 where chars.count > 1 && at + 1 < chars.count: chars.swapAt(at, at + 1)
        default: chars[at] = letters[Int(random.next() % 26)]
        }
    }
    return String(chars)
}

@Suite(.serialized) struct FuzzyReutersTests {
    /// For 500 seeded dictionary words and a misspelling of each (1 or 2 random edits), the
    /// expansion sets of `word~1` and `word~2` equal a brute-force OSA scan of every term of the
    /// body field (before the cap), and the hits of the capped query equal the union of the
    /// kept terms' documents.
    @Test(.enabled(if: ReutersFixture.available, "needs ../shared/data/reuters21578 and zstd"))
    func expansionsAndHitsEqualABruteForceScanOnReuters() throws {
        let fixture = try #require(ReutersFixture.shared)
        let reader = fixture.reader
        let field = "body"
        let dictionary = try fixture.dictionary(field)
        #expect(dictionary.count > 10_000)
        var frequencyOf: [[UInt8]: Int] = [:]
        for entry in dictionary { frequencyOf[entry.term] = entry.documentFrequency }
        // Terms by length in scalars, so the reference only compares lengths within reach.
        var byLength: [Int: [Int]] = [:]
        for (i, entry) in dictionary.enumerated() { byLength[entry.scalars.count, default: []].append(i) }
        let candidates = dictionary.indices.filter { i in
            let s = dictionary[i].scalars
            return s.count >= 4 && s.count <= 12 && s.allSatisfy { $0 >= 0x61 && $0 <= 0x7A }
        }
        var random = SeededGenerator(seed: 15)
        var words: [String] = []
        for _ in 0..<500 {
            let word = String(decoding: dictionary[candidates[Int(random.next() % UInt64(candidates.count))]].term, as: UTF8.self)
            words.append(word)
            words.append(misspell(word, edits: 1 + Int(random.next() % 2), random: &random))
        }
        // Every term's scalars, flat, and a table for the distance (no allocation per pair).
        var flat: [UInt32] = []
        var starts: [Int] = [0]
        for entry in dictionary {
            flat.append(contentsOf: entry.scalars)
            starts.append(flat.count)
        }
        let longest = dictionary.reduce(0) { max($0, $1.scalars.count) }
        let scratch = UnsafeMutablePointer<Int>.allocate(capacity: (longest + 1) * 40)
        defer { scratch.deallocate() }
        var checkedHits = 0
        for (n, word) in words.enumerated() {
            let scalars = Array(word.unicodeScalars.map(\.value))
            // The reference: every term within 2 edits, with its distance.
            var reference: [(index: Int, edits: Int)] = []
            scalars.withUnsafeBufferPointer { word in
                flat.withUnsafeBufferPointer { all in
                    for length in max(0, scalars.count - 2)...(scalars.count + 2) {
                        for i in byLength[length] ?? [] {
                            let term = UnsafeBufferPointer(rebasing: all[starts[i]..<starts[i + 1]])
                            let d = BruteForceSearch.osaDistance(term, word, limit: 2, scratch: scratch)
                            if d <= 2 { reference.append((i, d)) }
                        }
                    }
                }
            }
            for k in 1...2 {
                let expected = Set(reference.filter { $0.edits <= k }.map { "\(String(decoding: dictionary[$0.index].term, as: UTF8.self))/\($0.edits)" })
                let found = try FuzzyExpansion.all(reader: reader, field: field, word: Array(word.utf8), maxEdits: k, prefixLength: 0)
                let got = Set(found.map { "\($0.string)/\($0.edits)" })
                #expect(got == expected, "expansions of \(word)~\(k)")
                #expect(found.count == got.count, "each term once: \(word)~\(k)")
                for term in found {
                    #expect(term.documentFrequency == frequencyOf[term.bytes], "document frequency of \(term.string)")
                }
                // Hits, for the misspellings (every other word): the union of the documents of
                // the kept terms (nearest, then most frequent, then byte order; 50 at most).
                guard n % 2 == 1 else { continue }
                let kept = reference.filter { $0.edits <= k }.sorted { a, b in
                    a.edits != b.edits ? a.edits < b.edits
                        : dictionary[a.index].documentFrequency != dictionary[b.index].documentFrequency
                        ? dictionary[a.index].documentFrequency > dictionary[b.index].documentFrequency
                        : dictionary[a.index].term.lexicographicallyPrecedes(dictionary[b.index].term)
                }.prefix(Query.Fuzzy.defaultMaxExpansions)
                var expectedIDs = Set<String>()
                for entry in kept {
                    for segment in reader.segments {
                        guard let info = try segment.dictionary.terms(forField: field)?.lookup(dictionary[entry.index].term) else { continue }
                        var cursor = try segment.cursor(field: field, info: info)
                        var doc = cursor.doc
                        while doc != PostingsCursor.noMoreDocs {
                            if segment.isLive(Int(doc)) { expectedIDs.insert(segment.identifiers.id(Int(doc))) }
                            doc = cursor.next()
                        }
                    }
                }
                let query = Query.fuzzy(Query.Fuzzy(field: field, text: word, term: word, maxEdits: k))
                var request = SearchRequest(query: query, limit: max(1, expectedIDs.count + 1), countTotal: true)
                request.snippets = false
                request.loadStoredFields = false
                let results = try reader.search(request)
                #expect(results.total == expectedIDs.count, "total of \(word)~\(k)")
                #expect(Set(results.hits.map(\.id)) == expectedIDs, "hits of \(word)~\(k)")
                checkedHits += 1
            }
        }
        #expect(checkedHits == 1_000) // 500 misspellings, at distances 1 and 2
    }

    /// An in-memory index of untitled documents (id: body), in the order given.
    static func untitled(_ bodies: KeyValuePairs<String, String>) throws -> IndexReader {
        try memoryIndex(bodies.map { Document(id: $0.key, title: "", date: nil, body: $0.value) }).reader
    }

    /// The exact term never ranks below a typo of it at equal frequency: a document holding the
    /// word itself outscores one holding a typo as often, in a field of the same length.
    @Test func theExactTermOutranksItsTyposAtEqualFrequency() throws {
        let reader = try Self.untitled(["typo": "markte news today", "exact": "market news today",
                                        "other": "nothing here at all"])
        let results = try reader.search("market~1", limit: 10)
        #expect(results.hits.map(\.id) == ["exact", "typo"])
        #expect(results.hits[0].score > results.hits[1].score)
        let typo = try reader.search("markte~1", limit: 10)
        #expect(typo.hits.map(\.id) == ["typo", "exact"])
    }

    /// Typo mode finds a word whose stem ends in a letter the stemmer changed (supply → suppli,
    /// treasury → treasuri) when the typo sits next to it: no prefix of `suppyl` is within one
    /// edit of `suppli`, but all of it but its last letter is. "Did you mean" proposes the word.
    @Test func typoModeFindsStemsWithAChangedLastLetter() throws {
        let reader = try Self.untitled(["supply": "nissan may supply parts to mexican ford",
                                        "treasury": "french treasury to repay francs",
                                        "other": "supper party at the treasure house"])
        for (typed, intended) in [("suppyl parts", "supply"), ("treasruy repay", "treasury"), ("sharpyl", nil)] {
            var request = SearchRequest(query: try reader.queryParser(defaultOperator: .and, lenient: true).parse(typed), limit: 10)
            #expect(try reader.search(request).hits.isEmpty, "\(typed) as typed")
            request.typoTolerance = TypoTolerance()
            let hits = try reader.search(request).hits.map(\.id)
            if let intended { #expect(hits == [intended], "\(typed) with typos") } else { #expect(hits.isEmpty) }
        }
        var asked = SearchRequest(query: try reader.queryParser(defaultOperator: .and, lenient: true).parse("suppyl parts"), limit: 10)
        asked.suggestionText = "suppyl parts"
        #expect(try reader.search(asked).suggestion?.query == "supply parts")
    }
}

/// Seeded search-box queries from Reuters titles: up to four consecutive title words (letters
/// only, three or more), one word of five or more letters misspelled by as many random edits as
/// typo mode tolerates for its length (1, or 1–2 from nine letters). Only queries whose
/// correct spelling finds the article in plain search's top 10 are kept (`findable`): the
/// measure is what typos cost, not how specific a title's words are.
struct TitleQuery {
    var id: String
    var intended: String
    var misspelled: String

    static func make(_ fixture: ReutersFixture, count: Int, seed: UInt64,
                     findable: (_ query: String, _ id: String) -> Bool) -> [TitleQuery] {
        var random = SeededGenerator(seed: seed)
        let tolerance = TypoTolerance()
        var result: [TitleQuery] = []
        var attempts = 0
        while result.count < count && attempts < 100 * count {
            attempts += 1
            let document = fixture.documents[Int(random.next() % UInt64(fixture.documents.count))]
            let words = document.title.lowercased().split { !($0 >= "a" && $0 <= "z") }.map(String.init).filter { $0.count >= 3 }
            guard words.count >= 2 else { continue }
            let length = min(words.count, 2 + Int(random.next() % 3))
            let start = Int(random.next() % UInt64(words.count - length + 1))
            var chosen = Array(words[start..<(start + length)])
            let long = chosen.indices.filter { chosen[$0].count >= tolerance.oneTypoLength }
            guard !long.isEmpty else { continue }
            let at = long[Int(random.next() % UInt64(long.count))]
            let word = chosen[at]
            let edits = tolerance.maxEdits(forLength: word.count) == 2 ? 1 + Int(random.next() % 2) : 1
            let typo = misspell(word, edits: edits, random: &random)
            guard typo != word, fixture.analyzer.analyze(typo).map(\.term) != fixture.analyzer.analyze(word).map(\.term) else { continue }
            let intended = chosen.joined(separator: " ")
            guard findable(intended, document.id) else { continue }
            chosen[at] = typo
            result.append(TitleQuery(id: document.id, intended: intended, misspelled: chosen.joined(separator: " ")))
        }
        return result
    }
}

@Suite(.serialized) struct TypoModeReutersTests {
    /// On 200 seeded misspelled title queries, typo mode finds the intended article in the top
    /// 10 for at least 90 %; on the same queries spelled correctly, the top 10 is plain search's.
    /// "Did you mean" proposes the intended query for at least 80 % of the misspelled ones, and
    /// nothing for the correct ones (all their words are in the index).
    @Test(.enabled(if: ReutersFixture.available, "needs ../shared/data/reuters21578 and zstd"))
    func misspelledTitleQueriesFindTheirArticleAndCorrectOnesAreUnchanged() throws {
        let fixture = try #require(ReutersFixture.shared)
        let reader = fixture.reader
        let parser = reader.queryParser(defaultOperator: .and, lenient: true)
        let queries = TitleQuery.make(fixture, count: 200, seed: 1987) { text, id in
            guard let query = try? parser.parse(text) else { return false }
            var request = SearchRequest(query: query, limit: 10)
            request.snippets = false
            request.loadStoredFields = false
            return (try? reader.search(request))?.hits.contains { $0.id == id } ?? false
        }
        #expect(queries.count == 200)
        var found = 0, suggested = 0
        var misses: [String] = [], wrongSuggestions: [String] = []
        for q in queries {
            // Did you mean: the intended query, for most; never a suggestion for the correct one.
            var plainMisspelled = SearchRequest(query: try parser.parse(q.misspelled), limit: 10)
            plainMisspelled.suggestionText = q.misspelled
            plainMisspelled.snippets = false
            plainMisspelled.loadStoredFields = false
            let suggestion = try reader.search(plainMisspelled).suggestion
            if suggestion?.query.lowercased() == q.intended { suggested += 1 } else { wrongSuggestions.append("\(q.misspelled) → \(suggestion?.query ?? "-") (\(q.intended))") }
            if let suggestion {
                let check = try reader.search(suggestion.query, limit: 0, countTotal: true, lenient: true)
                #expect(check.total >= suggestion.total, "the suggestion's total for \(q.misspelled)")
            }
            var request = SearchRequest(query: try parser.parse(q.misspelled), limit: 10)
            request.typoTolerance = TypoTolerance()
            request.snippets = false
            request.loadStoredFields = false
            let results = try reader.search(request)
            if results.hits.contains(where: { $0.id == q.id }) { found += 1 } else { misses.append("\(q.misspelled) (\(q.intended))") }
            // Correctly spelled: the same top 10 as plain search.
            var plain = SearchRequest(query: try parser.parse(q.intended), limit: 10)
            var asked = plain
            asked.suggestionText = q.intended
            asked.suggestionThreshold = Int.max
            #expect(try reader.search(asked).suggestion == nil, "no suggestion for \(q.intended)")
            plain.snippets = false
            plain.loadStoredFields = false
            var tolerant = plain
            tolerant.typoTolerance = TypoTolerance()
            let expected = try reader.search(plain).hits
            let got = try reader.search(tolerant).hits
            #expect(Array(got.prefix(expected.count)).map(\.id) == expected.map(\.id), "top 10 of \(q.intended)")
            #expect(zip(got, expected).allSatisfy { $0.score == $1.score }, "scores of \(q.intended)")
        }
        print("typo mode: \(found)/\(queries.count) intended articles in the top 10; missed: \(misses.prefix(30))")
        #expect(found * 100 >= 90 * queries.count, "typo mode found \(found) of \(queries.count)")
        print("did you mean: \(suggested)/\(queries.count) suggestions equal the intended query; others: \(wrongSuggestions.prefix(30))")
        #expect(suggested * 100 >= 80 * queries.count, "did you mean: \(suggested) of \(queries.count)")
    }
}

@Suite(.serialized) struct AutocompleteReutersTests {
    /// For 100 seeded prefixes of dictionary terms, the completions equal a brute-force scan of
    /// both default fields' terms with the prefix, by document frequency (the larger of the two
    /// fields'), ties in byte order.
    @Test(.enabled(if: ReutersFixture.available, "needs ../shared/data/reuters21578 and zstd"))
    func completionsEqualABruteForcePrefixScan() throws {
        let fixture = try #require(ReutersFixture.shared)
        var frequencies: [[UInt8]: Int] = [:]
        for field in ["title", "body"] {
            for entry in try fixture.dictionary(field) { frequencies[entry.term] = max(frequencies[entry.term] ?? 0, entry.documentFrequency) }
        }
        let terms = frequencies.keys.filter { $0.count >= 4 && $0.allSatisfy { $0 >= 0x61 && $0 <= 0x7A } }.sorted { $0.lexicographicallyPrecedes($1) }
        var random = SeededGenerator(seed: 42)
        for _ in 0..<100 {
            let term = terms[Int(random.next() % UInt64(terms.count))]
            let prefix = Array(term.prefix(1 + Int(random.next() % 4)))
            let expected = frequencies.filter { $0.key.starts(with: prefix) }
                .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key) }
                .prefix(10).map { (String(decoding: $0.key, as: UTF8.self), $0.value) }
            let text = "crude " + String(decoding: prefix, as: UTF8.self)
            let got = try fixture.reader.complete(text, limit: 10)
            #expect(got.map(\.term) == expected.map(\.0), "completions of \(text)")
            #expect(got.map(\.documentFrequency) == expected.map(\.1), "frequencies for \(text)")
            #expect(got.allSatisfy { $0.query == "crude " + $0.term })
        }
        // Restricted: every completion occurs in a document matching the earlier words.
        let restricted = try fixture.reader.complete("crude oil pri", limit: 5, restricted: true)
        #expect(!restricted.isEmpty)
        for completion in restricted {
            let total = try fixture.reader.search("crude oil \(completion.term)", limit: 0, countTotal: true).total
            #expect(total == completion.documentFrequency, "documents of \(completion.query)")
        }
    }
}
