/// Scores one term in one field with BM25, reading its postings cursor.
final class TermScorer: Scorer {
    @exclusivity(unchecked) private var cursor: PostingsCursor
    private let weight: TermWeight
    private let lengthCodes: UnsafePointer<UInt8>?
    private let termMax: Float
    let field: String
    let term: String
    let documentFrequency: Int

    init(cursor: PostingsCursor, weight: TermWeight, lengthCodes: UnsafePointer<UInt8>?, field: String, term: String) {
        self.cursor = cursor
        self.weight = weight
        self.lengthCodes = lengthCodes
        self.field = field
        self.term = term
        documentFrequency = Int(cursor.docFreq)
        termMax = weight.maxScore(maxFreq: cursor.termMaxFreq, minLengthCode: cursor.termMinLengthCode)
        super.init()
    }

    @inline(__always)
    private static func convert(_ d: UInt32) -> Int { d == PostingsCursor.noMoreDocs ? Scorer.noMoreDocs : Int(d) }

    override func nextDoc() -> Int {
        // A new cursor already sits on its first document.
        doc = TermScorer.convert(doc < 0 ? cursor.doc : cursor.next())
        return doc
    }

    override func advance(_ target: Int) -> Int {
        doc = target >= Scorer.noMoreDocs ? Scorer.noMoreDocs : TermScorer.convert(cursor.advance(to: UInt32(max(0, target))))
        return doc
    }

    // One phase: a candidate is a match (overridden so unions and conjunctions call in once).
    override func nextCandidate() -> Int { nextDoc() }
    override func advanceCandidate(_ target: Int) -> Int { advance(target) }

    @inline(__always)
    private func lengthCode(_ d: Int) -> UInt8 { lengthCodes?[d] ?? 1 }

    override func score() -> Float {
        weight.score(freq: cursor.freq, lengthCode: lengthCode(doc))
    }

    override var maxScore: Float { termMax }

    override func advanceShallow(_ target: Int) -> Int {
        let target = max(target, doc)
        guard target < Scorer.noMoreDocs else { return Scorer.noMoreDocs }
        cursor.shallowAdvance(to: UInt32(max(target, 0)))
        let last = cursor.blockLastDoc
        return last == PostingsCursor.noMoreDocs ? Scorer.noMoreDocs : Int(last)
    }

    override func maxScore(upTo: Int) -> Float {
        // Only the block holding the shallow target is known cheaply; beyond it, the term bound.
        let last = cursor.blockLastDoc
        if last != PostingsCursor.noMoreDocs && upTo <= Int(last) {
            return weight.maxScore(maxFreq: cursor.blockMaxFreq, minLengthCode: cursor.blockMinLengthCode)
        }
        return termMax
    }

    override var cost: Int { documentFrequency }

    override var frequency: Float { Float(cursor.freq) }

    /// The current document's term frequency.
    var termFrequency: UInt32 { cursor.freq }

    /// The term's largest frequency in the segment: no document has more positions.
    var maxTermFrequency: UInt32 { cursor.termMaxFreq }

    /// The BM25 constants (for explain).
    var termWeight: TermWeight { weight }

    /// The current document's length code.
    var currentLengthCode: UInt8 { lengthCode(doc) }

    /// Reads the current document's positions into `buffer` and returns how many (none when
    /// they are damaged: the error is kept for ``throwIfCorrupt()``, so the search fails instead
    /// of silently missing matches).
    func readPositions(into buffer: UnsafeMutableBufferPointer<UInt32>) -> Int {
        do throws(TrawlError) {
            // (A damaged frequency, above the term's maximum, is refused by the cursor.)
            return try cursor.readPositions(into: buffer)
        } catch {
            if positionsError == nil { positionsError = error }
            return 0
        }
    }

    /// Keeps the `targets` that are positions of the current document plus `shift` (see
    /// ``PostingsCursor/keepPositions(_:count:shift:)``); none when the positions are damaged
    /// (the error is kept for ``throwIfCorrupt()``).
    func keepPositions(_ targets: UnsafeMutablePointer<Int>, count: Int, shift: Int) -> Int {
        do throws(TrawlError) {
            return try cursor.keepPositions(targets, count: count, shift: shift)
        } catch {
            if positionsError == nil { positionsError = error }
            return 0
        }
    }

    /// The impacts of the block holding the last shallow target, when `upTo` lies inside it
    /// (nil: only the term-wide bound holds up to there).
    func blockWindow(upTo: Int) -> (maxFrequency: UInt32, minLengthCode: UInt8)? {
        let last = cursor.blockLastDoc
        guard last != PostingsCursor.noMoreDocs, upTo <= Int(last) else { return nil }
        return (cursor.blockMaxFreq, cursor.blockMinLengthCode)
    }

    /// The first error met while reading positions.
    @exclusivity(unchecked) private var positionsError: TrawlError?

    /// Throws when the cursor met damaged data.
    func throwIfCorrupt() throws(TrawlError) {
        try cursor.throwIfCorrupt()
        if let positionsError { throw positionsError }
    }
}

/// The sum of its sub-scorers' scores over the union of their documents (OR), e.g. a word in
/// the title and in the body. With two-phase children (phrases), candidates are the union of
/// their candidates and ``confirm()`` checks the children sitting on the document.
final class DisjunctionScorer: Scorer {
    let children: [Scorer]
    private let list: ScorerList<Scorer>
    private let totalMax: Float
    private let totalCost: Int
    /// Per child: the last document it was confirmed on (two-phase mode only).
    @exclusivity(unchecked) private var confirmedAt: [Int]
    @exclusivity(unchecked) private var minCompetitiveScore: Float = 0

    init(_ children: [Scorer]) {
        self.children = children
        list = ScorerList(children)
        totalMax = children.reduce(0) { $0 + $1.maxScore }
        totalCost = children.reduce(0) { $0 + $1.cost }
        let twoPhase = children.contains { $0.isTwoPhase }
        confirmedAt = twoPhase ? [Int](repeating: -1, count: children.count) : []
        super.init(twoPhase: twoPhase)
    }

    /// Whether child `index` matches the current document.
    func childMatches(_ index: Int) -> Bool {
        let child = children[index]
        return child.doc == doc && (!child.isTwoPhase || confirmedAt[index] == doc)
    }

    // One-phase children's candidates are their documents, so the union walks candidates either way.
    override func nextDoc() -> Int { settle(nextCandidate()) }

    override func advance(_ target: Int) -> Int { settle(advanceCandidate(target)) }

    override func nextCandidate() -> Int {
        let current = doc
        var next = Scorer.noMoreDocs
        for i in 0..<list.count {
            let d = list.with(i) { child -> Int in child.doc <= current ? child.nextCandidate() : child.doc }
            if d < next { next = d }
        }
        doc = next
        return doc
    }

    override func advanceCandidate(_ target: Int) -> Int {
        var next = Scorer.noMoreDocs
        for i in 0..<list.count {
            let d = list.with(i) { child -> Int in child.doc < target ? child.advanceCandidate(target) : child.doc }
            if d < next { next = d }
        }
        doc = next
        return doc
    }

    override func confirm() -> Bool {
        // One-phase children only: the candidate is a match, and `confirmedAt` is not kept
        // (``score()`` reads only which children sit on the document).
        guard isTwoPhase else { return true }
        // Every child on the document is confirmed (the score needs all of them).
        let current = doc
        if minCompetitiveScore > 0 {
            // Only the children on this document can add to its score.
            var present: Float = 0
            for i in 0..<list.count { present += list.with(i) { $0.doc == current ? $0.maxScore : 0 } }
            for i in 0..<list.count {
                list.with(i) { child in
                    if child.doc == current && child.isTwoPhase {
                        child.setMinCompetitiveScore(Scorer.remainingMinimum(minCompetitiveScore, minus: present - child.maxScore))
                    }
                }
            }
        }
        var any = false
        for i in 0..<list.count {
            let matches = list.with(i) { child -> Bool in child.doc == current && child.confirm() }
            if matches {
                confirmedAt[i] = current
                any = true
            }
        }
        return any
    }

    override func score() -> Float {
        var sum: Float = 0
        let current = doc
        for i in 0..<list.count {
            sum += list.with(i) { child -> Float in
                // (`confirmedAt` exists only when some child is two-phase.)
                child.doc == current && (!child.isTwoPhase || confirmedAt[i] == current) ? child.score() : 0
            }
        }
        return sum
    }

    override var maxScore: Float { totalMax }

    override func advanceShallow(_ target: Int) -> Int { list.advanceShallow(target) }

    override func maxScore(upTo: Int) -> Float { list.maxScoreOfPresent(upTo: upTo) }

    override var cost: Int { totalCost }

    override var frequency: Float {
        var sum: Float = 0
        for i in children.indices where childMatches(i) { sum += children[i].frequency }
        return sum
    }

    override func setMinCompetitiveScore(_ score: Float) {
        minCompetitiveScore = score
        list.setMinCompetitiveScore(score)
    }

    override var pruned: Bool { children.contains { $0.pruned } }
}

/// Documents that every child matches (AND), scored by the sum of the children; children are
/// advanced rarest first (leapfrog). Children with a second phase (phrases) are aligned on their
/// candidates and confirmed only once every child agrees on a document.
final class ConjunctionScorer: Scorer {
    let children: [Scorer]
    private let list: ScorerList<Scorer>
    private let lead: Scorer
    private let totalMax: Float
    /// The two-phase children, confirmed in this order.
    private let verifiers: ScorerList<Scorer>
    /// The other children, whose scores are known as soon as the children agree on a document.
    private let onePhase: ScorerList<Scorer>
    private let verifiersMax: Float
    @exclusivity(unchecked) private var minCompetitiveScore: Float = 0

    init(_ children: [Scorer]) {
        let sorted = children.sorted { $0.cost < $1.cost }
        self.children = sorted
        list = ScorerList(sorted)
        lead = sorted[0]
        totalMax = children.reduce(0) { $0 + $1.maxScore }
        let twoPhase = sorted.contains(where: \.isTwoPhase)
        // (Only conjunctions with a phrase need the split; the others allocate nothing for it.)
        verifiers = ScorerList(twoPhase ? sorted.filter(\.isTwoPhase) : [])
        onePhase = ScorerList(twoPhase ? sorted.filter { !$0.isTwoPhase } : [])
        verifiersMax = verifiers.owners.reduce(0) { $0 + $1.maxScore }
        super.init(twoPhase: twoPhase)
    }

    /// The first document ≥ `start` (the lead's candidate) on which every child has a candidate.
    private func align(_ start: Int) -> Int {
        var candidate = start
        outer: while candidate != Scorer.noMoreDocs {
            for i in 1..<max(1, list.count) {
                let d = list.with(i) { other -> Int in other.doc < candidate ? other.advanceCandidate(candidate) : other.doc }
                if d > candidate {
                    candidate = lead.advanceCandidate(d)
                    continue outer
                }
            }
            return candidate
        }
        return Scorer.noMoreDocs
    }

    override func nextCandidate() -> Int {
        doc = align(lead.nextCandidate())
        return doc
    }

    override func advanceCandidate(_ target: Int) -> Int {
        doc = align(lead.advanceCandidate(target))
        return doc
    }

    override func confirm() -> Bool {
        if minCompetitiveScore > 0 {
            // What the one-phase children score here tightens what the others must reach: a
            // phrase that cannot make up the difference is not read.
            var known: Float = 0
            for i in 0..<onePhase.count { known += onePhase.with(i) { $0.score() } }
            for i in 0..<verifiers.count {
                verifiers.with(i) { verifier in
                    verifier.setMinCompetitiveScore(Scorer.remainingMinimum(minCompetitiveScore,
                                                                             minus: known + verifiersMax - verifier.maxScore))
                }
            }
        }
        for i in 0..<verifiers.count where !verifiers.with(i, { $0.confirm() }) { return false }
        return true
    }

    override func nextDoc() -> Int { settle(nextCandidate()) }

    override func advance(_ target: Int) -> Int { settle(advanceCandidate(target)) }

    override func score() -> Float {
        var sum: Float = 0
        for i in 0..<list.count { sum += list.with(i) { $0.score() } }
        return sum
    }

    override var maxScore: Float { totalMax }

    override func advanceShallow(_ target: Int) -> Int { list.advanceShallow(target) }

    override func maxScore(upTo: Int) -> Float { list.maxScore(upTo: upTo) }

    override var cost: Int { lead.cost }

    override var frequency: Float { children.reduce(0) { $0 + $1.frequency } }

    override func setMinCompetitiveScore(_ score: Float) {
        minCompetitiveScore = score
        list.setMinCompetitiveScore(score)
    }

    override var pruned: Bool { children.contains { $0.pruned } }
}

/// A required scorer plus optional ones that only add to the score.
final class RequiredOptionalScorer: Scorer {
    let required: Scorer
    let optional: Scorer

    init(required: Scorer, optional: Scorer) {
        self.required = required
        self.optional = optional
        super.init(twoPhase: required.isTwoPhase)
    }

    override func nextDoc() -> Int { doc = required.nextDoc(); return doc }
    override func advance(_ target: Int) -> Int { doc = required.advance(target); return doc }
    override func nextCandidate() -> Int { doc = required.nextCandidate(); return doc }
    override func advanceCandidate(_ target: Int) -> Int { doc = required.advanceCandidate(target); return doc }
    override func confirm() -> Bool { required.confirm() }

    override func setMinCompetitiveScore(_ score: Float) {
        required.setMinCompetitiveScore(Scorer.remainingMinimum(score, minus: optional.maxScore))
    }

    override var pruned: Bool { required.pruned || optional.pruned }

    override func score() -> Float {
        var sum = required.score()
        var d = optional.doc
        if d < doc { d = optional.advance(doc) }
        if d == doc { sum += optional.score() }
        return sum
    }

    override var maxScore: Float { required.maxScore + optional.maxScore }

    override func advanceShallow(_ target: Int) -> Int {
        min(required.advanceShallow(target), optional.advanceShallow(target))
    }

    override func maxScore(upTo: Int) -> Float { required.maxScore(upTo: upTo) + optional.maxScore(upTo: upTo) }
    override var cost: Int { required.cost }
    override var frequency: Float { required.frequency }
}

/// Multiplies a scorer's scores by a constant.
final class BoostScorer: Scorer {
    let inner: Scorer
    let factor: Float

    init(_ inner: Scorer, factor: Float) {
        self.inner = inner
        self.factor = factor
        super.init(twoPhase: inner.isTwoPhase)
    }

    override func nextDoc() -> Int { doc = inner.nextDoc(); return doc }
    override func advance(_ target: Int) -> Int { doc = inner.advance(target); return doc }
    override func nextCandidate() -> Int { doc = inner.nextCandidate(); return doc }
    override func advanceCandidate(_ target: Int) -> Int { doc = inner.advanceCandidate(target); return doc }
    override func confirm() -> Bool { inner.confirm() }

    override func setMinCompetitiveScore(_ score: Float) {
        // A factor of 0 or less makes every score equal: nothing can be dropped by bound.
        if factor > 0 { inner.setMinCompetitiveScore(score / factor * (1 - 4 * Float.ulpOfOne)) }
    }

    override var pruned: Bool { inner.pruned }
    override func score() -> Float { inner.score() * factor }
    override var maxScore: Float { inner.maxScore * factor }
    override func advanceShallow(_ target: Int) -> Int { inner.advanceShallow(target) }
    override func maxScore(upTo: Int) -> Float { inner.maxScore(upTo: upTo) * factor }
    override var cost: Int { inner.cost }
    override var frequency: Float { inner.frequency }
}

/// A set of documents `0..<limit` kept as a bitmap, walked in increasing order.
struct DocumentBitmap {
    let words: [UInt64]
    let limit: Int
    /// How many documents the set holds.
    let count: Int

    init(words: [UInt64], limit: Int) {
        self.words = words
        self.limit = limit
        count = words.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    /// The first document of the set ≥ `target`, or ``Scorer/noMoreDocs``.
    @inline(__always)
    func first(atOrAfter target: Int) -> Int {
        var t = max(target, 0)
        while t < limit {
            let w = t >> 6
            let bits = words[w] >> UInt64(t & 63)
            if bits != 0 {
                let doc = t + bits.trailingZeroBitCount
                return doc < limit ? doc : Scorer.noMoreDocs
            }
            t = (w + 1) << 6
        }
        return Scorer.noMoreDocs
    }
}

/// A sorted list of documents with one constant score (date ranges, match-all), iterated from
/// a bitmap.
final class DocumentSetScorer: Scorer {
    private let documents: DocumentBitmap
    private let constant: Float

    /// Creates a scorer over the set bits of `words` (documents `0..<limit`).
    init(words: [UInt64], limit: Int, score: Float) {
        documents = DocumentBitmap(words: words, limit: limit)
        constant = score
        super.init()
    }

    override func nextDoc() -> Int { advance(doc + 1) }

    override func advance(_ target: Int) -> Int {
        doc = documents.first(atOrAfter: target)
        return doc
    }

    override func score() -> Float { constant }
    override var maxScore: Float { constant }
    override var cost: Int { documents.count }
    override var frequency: Float { 1 }
}

/// A prefix (`sanction*`): the documents holding any of its expansions in a searched field,
/// from a bitmap, each with a score computed beforehand (``QueryPlan`` sums the expansions'
/// frequencies per field and scores the sum with BM25 as one term's).
final class PrefixScorer: ScoredBitmapScorer {
    /// One searched field where the prefix has expansions in the segment (for explain).
    struct Field {
        var field: String
        /// The BM25 constants: the blended idf, the field weight and the boost.
        var weight: TermWeight
        /// The largest index-wide document frequency among the expansions.
        var documentFrequency: Int
        /// The prefix's distinct expansions in the field, index-wide.
        var expansions: Int
        /// The expansions' postings in this segment.
        var infos: [TermPostingsInfo]
    }

    let prefix: String
    let fields: [Field]

    /// Creates a scorer over the set bits of `words` (documents `0..<limit`), scored by
    /// `scores` (``ScoredBitmapScorer/init(words:limit:scores:maxScore:)``).
    init(prefix: String, fields: [Field], words: [UInt64], limit: Int, scores: [Float], maxScore: Float) {
        self.prefix = prefix
        self.fields = fields
        super.init(words: words, limit: limit, scores: scores, maxScore: maxScore)
    }
}

/// The documents of a bitmap, each with a precomputed score: what the expansions of a prefix
/// (``PrefixScorer``) or a fuzzy word (``FuzzyScorer``) become in a segment.
///
/// The largest score of every window of ``windowSize`` documents is kept as well, after the
/// documents' scores in the same array (``storage(limit:)``, ``fillWindowMaxima(_:limit:)``),
/// so the top-k loops skip the windows that cannot beat their threshold
/// (``advanceShallow(_:)``, ``maxScore(upTo:)``) instead of visiting every match.
class ScoredBitmapScorer: Scorer {
    /// Documents per window of score maxima (a power of two).
    static let windowSize = 256
    private static let windowShift = 8
    private let documents: DocumentBitmap
    /// The documents' scores (`0..<limit`), then each window's largest.
    private let scores: [Float]
    private let scoreMax: Float
    private let windows: Int
    /// The window of the last shallow target.
    @exclusivity(unchecked) private var shallowWindow = 0

    /// How many windows `limit` documents make.
    static func windowCount(limit: Int) -> Int { (limit + windowSize - 1) >> windowShift }

    /// How many floats the score array of a segment of `limit` documents holds: one per
    /// document, then one per window.
    static func storage(limit: Int) -> Int { limit + windowCount(limit: limit) }

    /// Writes each window's largest score after the documents' scores, and returns the largest.
    static func fillWindowMaxima(_ scores: inout [Float], limit: Int) -> Float {
        let windows = windowCount(limit: limit)
        precondition(scores.count >= limit + windows)
        var best: Float = 0
        scores.withUnsafeMutableBufferPointer { all in
            for w in 0..<windows {
                let start = w << windowShift
                let end = min(limit, start + windowSize)
                var m: Float = 0
                for d in start..<end where all[d] > m { m = all[d] }
                all[limit + w] = m
                if m > best { best = m }
            }
        }
        return best
    }

    /// A scorer over the set bits of `words` (documents `0..<limit`), scored by `scores` (one
    /// per document of the segment, 0 outside the set, then the windows' maxima written by
    /// ``fillWindowMaxima(_:limit:)``, whose result is `maxScore`).
    init(words: [UInt64], limit: Int, scores: [Float], maxScore: Float) {
        precondition(scores.count >= ScoredBitmapScorer.storage(limit: limit))
        documents = DocumentBitmap(words: words, limit: limit)
        self.scores = scores
        windows = ScoredBitmapScorer.windowCount(limit: limit)
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

    override func advanceShallow(_ target: Int) -> Int {
        let target = max(target, doc, 0)
        guard target < documents.limit else { return Scorer.noMoreDocs }
        shallowWindow = target >> ScoredBitmapScorer.windowShift
        return min(documents.limit, (shallowWindow + 1) << ScoredBitmapScorer.windowShift) - 1
    }

    override func maxScore(upTo: Int) -> Float {
        guard upTo >= 0 else { return 0 }
        let last = min(upTo >> ScoredBitmapScorer.windowShift, windows - 1)
        guard shallowWindow <= last else { return 0 }
        let base = documents.limit
        var m: Float = 0
        for w in shallowWindow...last where scores[base + w] > m { m = scores[base + w] }
        return m
    }

    override var cost: Int { documents.count }
    override var frequency: Float { 1 }
}

