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

    /// A word's automaton kept between the fields it is expanded in.
    final class AutomatonCache {
        var automaton: LevenshteinAutomaton?
        init() {}
    }

    /// The expansions of a fuzzy leaf in `field`, at most `fuzzy.maxExpansions` of them.
    init(reader: IndexReader, field: String, fuzzy: Query.Fuzzy, cache: AutomatonCache? = nil) throws(TrawlError) {
        var all = try FuzzyExpansion.all(reader: reader, field: field, word: Array(fuzzy.term.utf8),
                                         maxEdits: fuzzy.maxEdits, prefixLength: fuzzy.prefixLength, cache: cache)
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
final class FuzzyScorer: Scorer {
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
    private let documents: DocumentBitmap
    private let scores: [Float]
    private let scoreMax: Float

    /// Creates a scorer over the set bits of `words` (documents `0..<limit`), scored by `scores`.
    init(label: String, fields: [Field], words: [UInt64], limit: Int, scores: [Float], maxScore: Float) {
        precondition(scores.count >= limit)
        self.label = label
        self.fields = fields
        documents = DocumentBitmap(words: words, limit: limit)
        self.scores = scores
        scoreMax = maxScore
        super.init()
    }

    override func nextDoc() -> Int { advance(doc + 1) }

    override func advance(_ target: Int) -> Int {
        doc = documents.first(atOrAfter: target)
        return doc
    }

    override func score() -> Float { scores[doc] }
    override var maxScore: Float { scoreMax }
    override var cost: Int { documents.count }
    override var frequency: Float { 1 }
}
