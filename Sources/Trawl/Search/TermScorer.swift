/// Scores one term in one field with BM25, reading its postings cursor.
final class TermScorer: Scorer {
    private var cursor: PostingsCursor
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

    /// Reads the current document's positions (none when they are damaged: the error is kept
    /// for ``throwIfCorrupt()``, so the search fails instead of silently missing matches).
    func positions(into buffer: inout [UInt32]) -> Int {
        let n = Int(cursor.freq)
        do throws(TrawlError) {
            // A damaged frequency must not size the buffer (it could ask for gigabytes).
            try cursor.checkFrequencyForPositions(n)
            if buffer.count < n { buffer = [UInt32](repeating: 0, count: n) }
            let result: Result<Int, TrawlError> = buffer.withUnsafeMutableBufferPointer { out in
                do throws(TrawlError) { return .success(try cursor.readPositions(into: out)) } catch { return .failure(error) }
            }
            return try result.get()
        } catch {
            if positionsError == nil { positionsError = error }
            return 0
        }
    }

    /// The first error met while reading positions.
    private var positionsError: TrawlError?

    /// Throws when the cursor met damaged data.
    func throwIfCorrupt() throws(TrawlError) {
        try cursor.throwIfCorrupt()
        if let positionsError { throw positionsError }
    }
}

/// The sum of its sub-scorers' scores over the union of their documents (OR), e.g. a word in
/// the title and in the body.
final class DisjunctionScorer: Scorer {
    let children: [Scorer]
    private let list: ScorerList
    private let totalMax: Float
    private let totalCost: Int

    init(_ children: [Scorer]) {
        self.children = children
        list = ScorerList(children)
        totalMax = children.reduce(0) { $0 + $1.maxScore }
        totalCost = children.reduce(0) { $0 + $1.cost }
        super.init()
    }

    override func nextDoc() -> Int {
        let current = doc
        var next = Scorer.noMoreDocs
        for i in 0..<list.count {
            let d = list.with(i) { child -> Int in child.doc <= current ? child.nextDoc() : child.doc }
            if d < next { next = d }
        }
        doc = next
        return doc
    }

    override func advance(_ target: Int) -> Int {
        var next = Scorer.noMoreDocs
        for i in 0..<list.count {
            let d = list.with(i) { child -> Int in child.doc < target ? child.advance(target) : child.doc }
            if d < next { next = d }
        }
        doc = next
        return doc
    }

    override func score() -> Float {
        var sum: Float = 0
        let current = doc
        for i in 0..<list.count {
            sum += list.with(i) { child -> Float in child.doc == current ? child.score() : 0 }
        }
        return sum
    }

    override var maxScore: Float { totalMax }

    override func advanceShallow(_ target: Int) -> Int { list.advanceShallow(target) }

    override func maxScore(upTo: Int) -> Float { list.maxScore(upTo: upTo) }

    override var cost: Int { totalCost }

    override var frequency: Float {
        var sum: Float = 0
        for child in children where child.doc == doc { sum += child.frequency }
        return sum
    }
}

/// Documents that every child matches (AND), scored by the sum of the children; children are
/// advanced rarest first (leapfrog).
final class ConjunctionScorer: Scorer {
    let children: [Scorer]
    private let list: ScorerList
    private let lead: Scorer
    private let totalMax: Float

    init(_ children: [Scorer]) {
        let sorted = children.sorted { $0.cost < $1.cost }
        self.children = sorted
        list = ScorerList(sorted)
        lead = sorted[0]
        totalMax = children.reduce(0) { $0 + $1.maxScore }
        super.init()
    }

    private func align(_ start: Int) -> Int {
        var candidate = start
        outer: while candidate != Scorer.noMoreDocs {
            for i in 1..<max(1, list.count) {
                let d = list.with(i) { other -> Int in other.doc < candidate ? other.advance(candidate) : other.doc }
                if d > candidate {
                    candidate = lead.advance(d)
                    continue outer
                }
            }
            return candidate
        }
        return Scorer.noMoreDocs
    }

    override func nextDoc() -> Int {
        doc = align(lead.nextDoc())
        return doc
    }

    override func advance(_ target: Int) -> Int {
        doc = align(lead.advance(target))
        return doc
    }

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
}

/// A required scorer whose documents are kept only when no excluded scorer matches them.
final class ExclusionScorer: Scorer {
    let required: Scorer
    let excluded: [Scorer]

    init(required: Scorer, excluded: [Scorer]) {
        self.required = required
        self.excluded = excluded
        super.init()
    }

    private func skipExcluded(_ start: Int) -> Int {
        var candidate = start
        while candidate != Scorer.noMoreDocs {
            var hit = false
            for scorer in excluded {
                var d = scorer.doc
                if d < candidate { d = scorer.advance(candidate) }
                if d == candidate { hit = true; break }
            }
            if !hit { return candidate }
            candidate = required.nextDoc()
        }
        return Scorer.noMoreDocs
    }

    override func nextDoc() -> Int { doc = skipExcluded(required.nextDoc()); return doc }
    override func advance(_ target: Int) -> Int { doc = skipExcluded(required.advance(target)); return doc }
    override func score() -> Float { required.score() }
    override var maxScore: Float { required.maxScore }
    override func advanceShallow(_ target: Int) -> Int { required.advanceShallow(target) }
    override func maxScore(upTo: Int) -> Float { required.maxScore(upTo: upTo) }
    override var cost: Int { required.cost }
    override var frequency: Float { required.frequency }
}

/// A required scorer plus optional ones that only add to the score.
final class RequiredOptionalScorer: Scorer {
    let required: Scorer
    let optional: Scorer

    init(required: Scorer, optional: Scorer) {
        self.required = required
        self.optional = optional
        super.init()
    }

    override func nextDoc() -> Int { doc = required.nextDoc(); return doc }
    override func advance(_ target: Int) -> Int { doc = required.advance(target); return doc }

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
        super.init()
    }

    override func nextDoc() -> Int { doc = inner.nextDoc(); return doc }
    override func advance(_ target: Int) -> Int { doc = inner.advance(target); return doc }
    override func score() -> Float { inner.score() * factor }
    override var maxScore: Float { inner.maxScore * factor }
    override func advanceShallow(_ target: Int) -> Int { inner.advanceShallow(target) }
    override func maxScore(upTo: Int) -> Float { inner.maxScore(upTo: upTo) * factor }
    override var cost: Int { inner.cost }
    override var frequency: Float { inner.frequency }
}

/// A sorted list of documents with one constant score (prefix expansions, date ranges,
/// match-all), iterated from a bitmap.
final class DocumentSetScorer: Scorer {
    private let words: [UInt64]
    private let limit: Int
    private let constant: Float
    private let count: Int

    /// Creates a scorer over the set bits of `words` (documents `0..<limit`).
    init(words: [UInt64], limit: Int, score: Float) {
        self.words = words
        self.limit = limit
        constant = score
        count = words.reduce(0) { $0 + $1.nonzeroBitCount }
        super.init()
    }

    override func nextDoc() -> Int { advance(doc + 1) }

    override func advance(_ target: Int) -> Int {
        var t = target
        while t < limit {
            let w = t >> 6
            let bits = words[w] >> UInt64(t & 63)
            if bits != 0 {
                doc = t + bits.trailingZeroBitCount
                if doc >= limit { break }
                return doc
            }
            t = (w + 1) << 6
        }
        doc = Scorer.noMoreDocs
        return doc
    }

    override func score() -> Float { constant }
    override var maxScore: Float { constant }
    override var cost: Int { count }
    override var frequency: Float { 1 }
}

/// Documents of an inner scorer whose date lies in a range (a filter: it does not score).
final class DateFilterScorer: Scorer {
    let inner: Scorer
    private let dates: DateColumnReader
    private let lower: Int64
    private let upper: Int64

    init(inner: Scorer, dates: DateColumnReader, lower: Int64?, upper: Int64?) {
        self.inner = inner
        self.dates = dates
        self.lower = lower ?? (Int64.min + 1)
        self.upper = upper ?? Int64.max
        super.init()
    }

    @inline(__always)
    private func accepts(_ d: Int) -> Bool {
        let v = dates.value(d)
        return v != DateColumn.missing && v >= lower && v <= upper
    }

    private func filter(_ start: Int) -> Int {
        var d = start
        while d != Scorer.noMoreDocs && !accepts(d) { d = inner.nextDoc() }
        return d
    }

    override func nextDoc() -> Int { doc = filter(inner.nextDoc()); return doc }
    override func advance(_ target: Int) -> Int { doc = filter(inner.advance(target)); return doc }
    override func score() -> Float { inner.score() }
    override var maxScore: Float { inner.maxScore }
    override func advanceShallow(_ target: Int) -> Int { inner.advanceShallow(target) }
    override func maxScore(upTo: Int) -> Float { inner.maxScore(upTo: upTo) }
    override var cost: Int { inner.cost }
    override var frequency: Float { inner.frequency }
}

/// Never matches.
final class EmptyScorer: Scorer {
    override func nextDoc() -> Int { doc = Scorer.noMoreDocs; return doc }
    override func advance(_ target: Int) -> Int { doc = Scorer.noMoreDocs; return doc }
}
