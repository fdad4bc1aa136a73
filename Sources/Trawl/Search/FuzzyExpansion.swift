/// A fuzzy word's expansions in one field, index-wide: the terms within its edit distance in
/// every segment (``FuzzyTermWalk`` over each segment's ``TermTable``), the nearest ones kept.
struct FuzzyExpansion {
    /// One expanded term.
    struct Term: Equatable {
        /// The term's bytes.
        var bytes: [UInt8]
        /// Its edit distance from the word.
        var edits: Int
        /// Its index-wide document frequency.
        var documentFrequency: Int
        /// Its scoring boost: ``FuzzyExpansion/similarity(edits:termLength:wordLength:)``.
        var boost: Float
        /// Per segment: the term's ordinal there, or -1 where absent.
        var ordinals: [Int32]

        /// The term as a string.
        var string: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// The kept terms, nearest first (then most frequent, then in byte order).
    var terms: [Term]
    /// How many terms were within reach before the cap.
    var matched: Int
    /// The blended document frequency: the largest among the kept terms.
    var documentFrequency: Int

    /// Lucene's fuzzy boost, `1 − edits / min(term length, word length)` in characters, kept
    /// above a small floor so that every expansion still scores: the word itself weighs 1, a
    /// typo of it less, so at equal frequency the exact term ranks first.
    static func similarity(edits: Int, termLength: Int, wordLength: Int) -> Float {
        guard edits > 0 else { return 1 }
        let shorter = max(1, min(termLength, wordLength))
        return max(0.05, 1 - Float(edits) / Float(shorter))
    }

    /// The order of the cap: fewer edits, then higher document frequency, then byte order.
    static func precedes(_ a: Term, _ b: Term) -> Bool {
        if a.edits != b.edits { return a.edits < b.edits }
        if a.documentFrequency != b.documentFrequency { return a.documentFrequency > b.documentFrequency }
        return a.bytes.lexicographicallyPrecedes(b.bytes)
    }

    /// Every term of `field` within `maxEdits` of `word` (keeping its first `prefixLength`
    /// characters) in any segment of `reader`, in no particular order, uncapped.
    ///
    /// `cache` keeps the word's automaton for the next call with the same word, distance and
    /// prefix (another field).
    static func all(reader: IndexReader, field: String, word: [UInt8], maxEdits: Int,
                    prefixLength: Int, cache: AutomatonCache? = nil) throws(TrawlError) -> [Term] {
        let segments = reader.segments
        var matches: [FuzzyTermWalk.Match] = []
        let wordLength = FuzzyTermWalk.scalars(word).count
        var result: [Term] = []
        var positions: [[UInt8]: Int] = [:]
        var automaton: LevenshteinAutomaton? = cache?.automaton
        defer { cache?.automaton = automaton }
        for (s, segment) in segments.enumerated() {
            guard let table = try segment.termTable(field: field) else { continue }
            matches.removeAll(keepingCapacity: true)
            FuzzyTermWalk.matches(in: table, word: word, maxEdits: maxEdits, prefixLength: prefixLength,
                                  into: &matches, automaton: &automaton)
            for match in matches {
                let ordinal = Int(match.ordinal)
                let df = Int(table.documentFrequencies[ordinal])
                let bytes = table.term(ordinal)
                if segments.count > 1, let at = positions[bytes] {
                    result[at].documentFrequency += df
                    result[at].ordinals[s] = match.ordinal
                    continue
                }
                var ordinals = [Int32](repeating: -1, count: segments.count)
                ordinals[s] = match.ordinal
                let length = FuzzyTermWalk.scalars(bytes).count
                if segments.count > 1 { positions[bytes] = result.count }
                result.append(Term(bytes: bytes, edits: Int(match.edits), documentFrequency: df,
                                   boost: similarity(edits: Int(match.edits), termLength: length, wordLength: wordLength),
                                   ordinals: ordinals))
            }
        }
        return result
    }

    /// Suffixes the English analyzer strips back to a stem, tried after a stem to rebuild the
    /// inflected forms a misspelled word may come from.
    static let inflections = ["", "s", "es", "e", "ed", "ing", "ings", "er", "ers", "ion", "ions", "ation", "ations",
                              "ational", "ate", "ates", "ated", "ating", "ative", "atives", "al", "als", "ally", "ly",
                              "ment", "ments", "ness", "ity", "ities", "ive", "ives", "ic", "ics", "ical", "ize", "izes",
                              "ized", "ful", "ous", "ence", "ences", "ance", "ances", "ent", "ents", "ant", "ants"]

    /// The smallest OSA distance (at most `maxEdits`) between `word` and an inflected form of
    /// `stem` that the analyzer maps back to `stem`, or nil when none is within reach.
    static func inflectedDistance(stem: String, word: [UInt32], maxEdits: Int, analyzer: any QueryAnalyzing) -> Int? {
        nearestInflection(stem: stem, word: word, maxEdits: maxEdits, analyzer: analyzer)?.edits
    }

    /// The inflected form of `stem` (one the analyzer maps back to it) nearest `word`, within
    /// `maxEdits`, with its distance; nil when none is within reach.
    static func nearestInflection(stem: String, word: [UInt32], maxEdits: Int,
                                  analyzer: any QueryAnalyzing) -> (form: String, edits: Int)? {
        var forms: [String] = []
        let last = stem.last
        let stemLength = stem.unicodeScalars.count
        // Only forms whose length is within reach of the word's.
        @inline(__always) func fits(_ extra: Int) -> Bool { abs(stemLength + extra - word.count) <= maxEdits }
        for suffix in inflections {
            let length = suffix.utf8.count
            if fits(length) { forms.append(stem + suffix) }
            if let last, fits(length + 1), !suffix.isEmpty, "aeiou".contains(suffix.first!), !"aeiouy".contains(last) {
                forms.append(stem + String(last) + suffix) // a doubled consonant: trapped, running
            }
        }
        if stem.hasSuffix("e") {
            // The stem keeps an e that a suffix drops: trade → trading.
            let base = String(stem.dropLast())
            for suffix in inflections where fits(suffix.utf8.count - 1) && suffix.first.map({ "aeiou".contains($0) }) == true {
                forms.append(base + suffix)
            }
        }
        if stem.hasSuffix("i") {
            let base = String(stem.dropLast())
            for suffix in ["y", "ies", "ied", "ying"] where fits(suffix.utf8.count - 1) { forms.append(base + suffix) }
        }
        var best: (form: String, edits: Int)?
        for form in forms {
            let scalars = form.unicodeScalars.map(\.value)
            let d = osa(scalars, word, limit: maxEdits)
            // Nearest first; at equal distance, the length nearest the word's (estimzts: estimates, not estims).
            guard d <= maxEdits, best.map({ d < $0.edits || (d == $0.edits
                && abs(scalars.count - word.count) < abs($0.form.unicodeScalars.count - word.count)) }) ?? true else { continue }
            let tokens = analyzer.analyze(form)
            if tokens.count == 1 && tokens[0].term == stem { best = (form, d) }
        }
        return best
    }

    /// The optimal-string-alignment distance of two short scalar strings, `limit + 1` beyond `limit`.
    static func osa(_ a: [UInt32], _ b: [UInt32], limit: Int) -> Int {
        let n = a.count, m = b.count
        if abs(n - m) > limit { return limit + 1 }
        if n == 0 || m == 0 { return min(max(n, m), limit + 1) }
        let width = m + 1
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: (n + 1) * width) { d -> Int in
            for j in 0...m { d[j] = j }
            for i in 1...n {
                d[i * width] = i
                var rowMin = i
                for j in 1...m {
                    var v = min(d[(i - 1) * width + j] + 1, d[i * width + j - 1] + 1,
                                d[(i - 1) * width + j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                    if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                        v = min(v, d[(i - 2) * width + j - 2] + 1)
                    }
                    d[i * width + j] = v
                    rowMin = min(rowMin, v)
                }
                if rowMin > limit { return limit + 1 }
            }
            return min(d[n * width + m], limit + 1)
        }
    }

    /// Adds to `terms` the stems whose inflected forms are within `maxEdits` of the folded,
    /// unstemmed `surface` (``inflectedDistance(stem:word:maxEdits:analyzer:)``), found among
    /// the terms within reach of a long enough prefix of it (the stemmer strips at most a few
    /// letters, and may turn the last letter it keeps into an i: supply → suppli, so all of a
    /// term ending in i but that i may do); a term already there keeps its smaller distance.
    static func addInflected(reader: IndexReader, field: String, surface: String, maxEdits: Int,
                             to terms: inout [Term], cache: AutomatonCache?) throws(TrawlError) {
        let word = surface.unicodeScalars.map(\.value)
        guard word.count >= 3 else { return }
        let segments = reader.segments
        var automaton: LevenshteinAutomaton? = cache?.automaton
        defer { cache?.automaton = automaton }
        var matches: [FuzzyTermWalk.Match] = []
        var index: [[UInt8]: Int] = [:]
        for (i, term) in terms.enumerated() { index[term.bytes] = i }
        var verdicts: [[UInt8]: Int?] = [:]
        for (s, segment) in segments.enumerated() {
            guard let table = try segment.termTable(field: field) else { continue }
            matches.removeAll(keepingCapacity: true)
            FuzzyTermWalk.matches(in: table, word: Array(surface.utf8), maxEdits: maxEdits,
                                  into: &matches, automaton: &automaton, tailFrom: max(3, word.count - 6),
                                  freeLastLetter: UInt8(ascii: "i"))
            for match in matches {
                let ordinal = Int(match.ordinal)
                let bytes = table.term(ordinal)
                let df = Int(table.documentFrequencies[ordinal])
                if let at = index[bytes] {
                    if terms[at].ordinals[s] < 0 {
                        // Kept from an earlier segment: add this one's share.
                        terms[at].ordinals[s] = match.ordinal
                        terms[at].documentFrequency += df
                    }
                    continue
                }
                let verdict: Int?
                if let known = verdicts[bytes] {
                    verdict = known
                } else {
                    verdict = inflectedDistance(stem: String(decoding: bytes, as: UTF8.self), word: word,
                                                maxEdits: maxEdits, analyzer: reader.analyzer)
                    verdicts[bytes] = verdict
                }
                guard let edits = verdict else { continue }
                var ordinals = [Int32](repeating: -1, count: segments.count)
                ordinals[s] = match.ordinal
                index[bytes] = terms.count
                terms.append(Term(bytes: bytes, edits: edits, documentFrequency: df,
                                  boost: similarity(edits: edits, termLength: bytes.count, wordLength: word.count),
                                  ordinals: ordinals))
            }
        }
    }

    /// A word's automaton kept between the fields it is expanded in.
    final class AutomatonCache {
        var automaton: LevenshteinAutomaton?
        init() {}
    }

    /// The expansions of a fuzzy leaf in `field`, at most `fuzzy.maxExpansions` of them.
    init(reader: IndexReader, field: String, fuzzy: Query.Fuzzy, cache: AutomatonCache? = nil,
         surfaceCache: AutomatonCache? = nil) throws(TrawlError) {
        var all = try FuzzyExpansion.all(reader: reader, field: field, word: Array(fuzzy.term.utf8),
                                         maxEdits: fuzzy.maxEdits, prefixLength: fuzzy.prefixLength, cache: cache)
        if let surface = fuzzy.surface, fuzzy.maxEdits > 0 {
            try FuzzyExpansion.addInflected(reader: reader, field: field, surface: surface, maxEdits: fuzzy.maxEdits,
                                            to: &all, cache: surfaceCache)
        }
        matched = all.count
        all.sort(by: FuzzyExpansion.precedes)
        if all.count > fuzzy.maxExpansions { all.removeSubrange(fuzzy.maxExpansions...) }
        terms = all
        documentFrequency = all.reduce(0) { max($0, $1.documentFrequency) }
    }
}

/// A fuzzy word (`oli~1`): the documents holding any of its kept expansions in a searched field,
/// from a bitmap, each with a score computed beforehand — per field, the sum over the expansions
/// present of `boost × BM25(tf, blended idf)`, the blended idf coming from the largest document
/// frequency among the expansions (Lucene's top-terms blended rewrite).
final class FuzzyScorer: ScoredBitmapScorer {
    /// One searched field where the word has expansions in the segment (for explain).
    struct Field {
        var field: String
        /// The BM25 constants: the blended idf, the field weight and the query boost.
        var weight: TermWeight
        /// The field's expansions (index-wide) and, per expansion, its postings here (nil where absent).
        var expansion: FuzzyExpansion
        var infos: [TermPostingsInfo?]
    }

    /// The leaf as written (`oli~1`), for explain.
    let label: String
    let fields: [Field]

    /// Creates a scorer over the set bits of `words` (documents `0..<limit`), scored by `scores`
    /// (``ScoredBitmapScorer/init(words:limit:scores:maxScore:)``).
    init(label: String, fields: [Field], words: [UInt64], limit: Int, scores: [Float], maxScore: Float) {
        self.label = label
        self.fields = fields
        super.init(words: words, limit: limit, scores: scores, maxScore: maxScore)
    }
}
