import Foundation
import Testing
@testable import Trawl

/// The fuzzy walk over a term table (the trie's top levels, then the table) against a brute-force
/// scan of every term, on seeded vocabularies dense in shared prefixes, with non-ASCII letters.
@Suite struct FuzzyTermWalkTests {
    /// Letters few enough that many terms share prefixes, and some non-ASCII ones (two- and
    /// three-byte UTF-8) so that trie nodes stop at them.
    static let letters: [Character] = Array("abcdeinorst") + ["é", "ß", "ü", "中"]

    static func word(_ random: inout SeededGenerator, length: Int) -> String {
        String((0..<length).map { _ in letters[Int(random.next() % UInt64(letters.count))] })
    }

    /// Every term of the table within `maxEdits` of `word` after its first `prefixLength`
    /// scalars (which a term must share), by brute force, as "term/edits".
    static func reference(_ table: TermTable, word: String, maxEdits: Int, prefixLength: Int) -> Set<String> {
        let scalars = word.unicodeScalars.map(\.value)
        let fixed = min(prefixLength, scalars.count)
        var found = Set<String>()
        for i in 0..<table.count {
            let bytes = table.term(i)
            if bytes.first == DocumentLanguage.tagByte { continue }
            let term = String(decoding: bytes, as: UTF8.self).unicodeScalars.map(\.value)
            guard term.count >= fixed, Array(term[0..<fixed]) == Array(scalars[0..<fixed]) else { continue }
            let d = BruteForceSearch.osaDistance(Array(term[fixed...]), Array(scalars[fixed...]), limit: maxEdits)
            if d <= maxEdits { found.insert("\(table.string(i))/\(d)") }
        }
        return found
    }

    /// A term table of a seeded vocabulary: random words, plus words that extend others (deep
    /// shared prefixes).
    static func table(round: Int, _ random: inout SeededGenerator) throws -> TermTable {
        var vocabulary: [String] = []
        for _ in 0..<600 { vocabulary.append(word(&random, length: 1 + Int(random.next() % 8))) }
        for _ in 0..<300 {
            let base = vocabulary[Int(random.next() % UInt64(vocabulary.count))]
            vocabulary.append(base + word(&random, length: 1 + Int(random.next() % 4)))
        }
        let documents = stride(from: 0, to: vocabulary.count, by: 30).map { start in
            Document(id: "\(round)-\(start)", title: "", date: nil,
                     body: vocabulary[start..<min(vocabulary.count, start + 30)].joined(separator: " "))
        }
        let reader = try memoryIndex(documents).reader
        let table = try #require(try reader.segments[0].termTable(field: "body"))
        #expect(table.count > 500)
        return table
    }

    /// Query `q` of a round: an index term, a misspelled index term or a random string.
    static func query(_ q: Int, _ table: TermTable, _ random: inout SeededGenerator) -> String {
        var query: String
        switch q % 3 {
        case 0: query = table.string(Int(random.next() % UInt64(table.count)))
        case 1: query = misspell(table.string(Int(random.next() % UInt64(table.count))), edits: 1 + Int(random.next() % 2), random: &random)
        default: query = word(&random, length: 1 + Int(random.next() % 7))
        }
        return query.isEmpty ? "a" : query
    }

    /// Every term within `maxEdits` of a prefix of `word` at least `tailFrom` scalars long (the
    /// whole word without it), or, ending in `freeLastLetter`, whose scalars but that one are,
    /// by brute force, as "term/edits" (the smallest distance).
    static func tailReference(_ table: TermTable, word: String, maxEdits: Int, tailFrom: Int?, freeLastLetter: UInt8?) -> Set<String> {
        let scalars = word.unicodeScalars.map(\.value)
        let shortest = min(tailFrom ?? scalars.count, scalars.count)
        var found = Set<String>()
        for i in 0..<table.count {
            let bytes = table.term(i)
            if bytes.isEmpty || bytes.first == DocumentLanguage.tagByte { continue }
            let term = String(decoding: bytes, as: UTF8.self).unicodeScalars.map(\.value)
            var forms = [term]
            if let freeLastLetter, term.last == UInt32(freeLastLetter) { forms.append(Array(term.dropLast())) }
            var best = maxEdits + 1
            for form in forms {
                for length in shortest...scalars.count {
                    best = min(best, BruteForceSearch.osaDistance(form, Array(scalars[0..<length]), limit: maxEdits))
                }
            }
            if best <= maxEdits { found.insert("\(table.string(i))/\(best)") }
        }
        return found
    }

    /// Typo mode's walk (``FuzzyExpansion/addInflected``): a term within reach of a long enough
    /// prefix of the word, and with a last i free (supply's stem suppli from suppyl).
    @Test func tailAndFreeLastLetterMatchesEqualABruteForceScan() throws {
        var random = SeededGenerator(seed: 2026)
        var freed = 0
        for round in 0..<3 {
            let table = try Self.table(round: round, &random)
            for q in 0..<45 {
                let query = Self.query(q, table, &random)
                for maxEdits in 1...2 {
                    for tailFrom in [nil, 2, 3] as [Int?] {
                        for freeLastLetter in [nil, UInt8(ascii: "i")] as [UInt8?] {
                            var matches: [FuzzyTermWalk.Match] = []
                            var automaton: LevenshteinAutomaton?
                            FuzzyTermWalk.matches(in: table, word: Array(query.utf8), maxEdits: maxEdits, into: &matches,
                                                  automaton: &automaton, tailFrom: tailFrom, freeLastLetter: freeLastLetter)
                            let got = Set(matches.map { "\(table.string(Int($0.ordinal)))/\($0.edits)" })
                            let want = Self.tailReference(table, word: query, maxEdits: maxEdits, tailFrom: tailFrom,
                                                          freeLastLetter: freeLastLetter)
                            #expect(got == want, "\(query)~\(maxEdits), tail from \(tailFrom.map(String.init) ?? "-"), free last letter \(freeLastLetter.map { String(UnicodeScalar($0)) } ?? "-"): extra \(got.subtracting(want).sorted().prefix(5)), missing \(want.subtracting(got).sorted().prefix(5))")
                            #expect(matches.count == got.count, "each term once: \(query)~\(maxEdits)")
                            if freeLastLetter != nil {
                                freed += want.count - Self.tailReference(table, word: query, maxEdits: maxEdits, tailFrom: tailFrom,
                                                                         freeLastLetter: nil).count
                            }
                        }
                    }
                }
            }
        }
        // The free last letter found terms the plain tail does not.
        #expect(freed > 100)
    }

    @Test func matchesEqualABruteForceScan() throws {
        var random = SeededGenerator(seed: 2015)
        for round in 0..<4 {
            let table = try Self.table(round: round, &random)
            var checked = 0
            for q in 0..<60 {
                let query = Self.query(q, table, &random)
                for maxEdits in 0...2 {
                    for prefixLength in [0, 1] {
                        var matches: [FuzzyTermWalk.Match] = []
                        var automaton: LevenshteinAutomaton?
                        FuzzyTermWalk.matches(in: table, word: Array(query.utf8), maxEdits: maxEdits, prefixLength: prefixLength,
                                              into: &matches, automaton: &automaton)
                        let got = matches.map { "\(table.string(Int($0.ordinal)))/\($0.edits)" }
                        #expect(Set(got) == Self.reference(table, word: query, maxEdits: maxEdits, prefixLength: prefixLength),
                                "\(query)~\(maxEdits), prefix \(prefixLength)")
                        #expect(got.count == Set(got).count, "each term once: \(query)~\(maxEdits)")
                        // In term order, as the walk over the table alone gave them.
                        #expect(matches.map(\.ordinal) == matches.map(\.ordinal).sorted(), "term order: \(query)~\(maxEdits)")
                        checked += 1
                    }
                }
            }
            #expect(checked == 360)
        }
    }

    /// The trie's nodes: each node's terms share its prefix, its exact term is its prefix, and
    /// its children partition its ASCII continuations in order.
    @Test func trieNodesCoverTheirTerms() throws {
        var random = SeededGenerator(seed: 7)
        let words = (0..<800).map { _ in Self.word(&random, length: 1 + Int(random.next() % 7)) }
        let documents = stride(from: 0, to: words.count, by: 40).map { start in
            Document(id: "\(start)", title: "", date: nil, body: words[start..<min(words.count, start + 40)].joined(separator: " "))
        }
        let reader = try memoryIndex(documents).reader
        let table = try #require(try reader.segments[0].termTable(field: "body"))
        let trie = table.trie
        var prefixes: [[UInt8]] = [[]]
        var low: [Int] = [0]
        for n in 0..<trie.labels.count {
            let prefix = prefixes[n]
            let high = Int(trie.high[n])
            for i in low[n]..<high { #expect(table.term(i).starts(with: prefix)) }
            if trie.exact[n] >= 0 { #expect(table.term(Int(trie.exact[n])) == prefix) }
            var expected = low[n] + (trie.exact[n] >= 0 ? 1 : 0)
            for child in Int(trie.firstChild[n])..<Int(trie.firstChild[n + 1]) {
                prefixes.append(prefix + [trie.labels[child]])
                low.append(expected)
                #expect(trie.labels[child] < 0x80)
                expected = Int(trie.high[child])
            }
            #expect(Int(trie.rest[n]) == expected, "node \(n)")
            #expect(expected <= high)
        }
        #expect(trie.labels.count > 100)
    }
}

/// Fuzzy words and prefixes score from bitmaps with per-window maxima: the pruned top k (block-max
/// skipping windows that cannot compete) equals the exhaustive evaluation's, alone and inside
/// conjunctions and disjunctions, and the scorers keep their contracts.
@Suite struct ScoredBitmapPruningTests {
    @Test func prunedTopKEqualsTheExhaustiveOne() throws {
        var random = SeededGenerator(seed: 99)
        let letters = Array("abcdeo")
        func word() -> String { String((0..<(3 + Int(random.next() % 4))).map { _ in letters[Int(random.next() % UInt64(letters.count))] }) }
        let vocabulary = (0..<400).map { _ in word() }
        // More documents than a few windows of 256, of varied lengths (varied scores).
        var documents: [Document] = []
        for i in 0..<1_500 {
            let length = 3 + Int(random.next() % 60)
            let body = (0..<length).map { _ in vocabulary[Int(random.next() % UInt64(vocabulary.count))] }.joined(separator: " ")
            let title = random.next() % 4 == 0 ? vocabulary[Int(random.next() % UInt64(vocabulary.count))] : ""
            documents.append(Document(id: "d\(i)", title: title, date: nil, body: body))
        }
        let reader = try memoryIndex(documents).reader
        var checked = 0, skipped = 0
        for q in 0..<60 {
            let a = vocabulary[Int(random.next() % UInt64(vocabulary.count))]
            let b = vocabulary[Int(random.next() % UInt64(vocabulary.count))]
            let shapes = ["\(a)~1", "\(a)~2", "\(a.prefix(2))*", "\(a.prefix(3))*", "\(a)~1 AND \(b.prefix(2))*",
                          "\(a)~2 OR \(b)~1", "\(a.prefix(2))* OR \(b)", "\(a)~1 AND \(b)"]
            let text = shapes[q % shapes.count]
            let query = try reader.queryParser().parse(text)
            for limit in [1, 10] {
                var exhaustive = SearchRequest(query: query, limit: limit, countTotal: true)
                exhaustive.snippets = false
                exhaustive.loadStoredFields = false
                var pruned = exhaustive
                pruned.countTotal = false
                pruned.totalHitsThreshold = 0
                let want = try reader.search(exhaustive)
                let log = ScorerContractLog()
                pruned.scorerWrapper = { AssertingScorer($0, log: log) }
                let got = try reader.search(pruned)
                #expect(log.violations.isEmpty, "\(text): \(log.violations.prefix(3))")
                #expect(got.hits.map(\.score) == want.hits.map(\.score), "scores of \(text), top \(limit)")
                // The same documents, except where scores tie.
                let wantScores = Dictionary(want.hits.map { ($0.id, $0.score) }, uniquingKeysWith: { x, _ in x })
                for (g, w) in zip(got.hits, want.hits) where g.id != w.id {
                    #expect(wantScores[g.id] == nil || wantScores[g.id] == w.score, "\(text): \(g.id) where \(w.id) was expected")
                }
                #expect(got.total <= want.total)
                if got.totalRelation == .greaterThanOrEqualTo { skipped += 1 }
                checked += 1
            }
        }
        #expect(checked == 120)
        // The windows' bounds did skip documents (the pruned path ran).
        #expect(skipped > 20)
    }
}
