/// Documents where a phrase's terms occur at the right relative positions, scored with BM25 over
/// the phrase frequency.
///
/// Two-phase: the conjunction of the terms proposes candidates (``nextCandidate()``), positions
/// confirm them (``confirm()``), so an enclosing conjunction or exclusion can reject a candidate
/// before any position is read. With a slop, a match is any choice of one occurrence per term
/// whose normalized positions (position − offset in the phrase) span at most `slop`; it counts
/// `1 / (1 + span)` towards the frequency, as Lucene's sloppy phrase does.
///
/// Bounds: an exact phrase occurs at most as often as its least frequent term, so a candidate
/// whose best possible score cannot beat the top-k threshold (``setMinCompetitiveScore(_:)``) is
/// dropped without reading positions; a sloppy phrase's frequency is bounded by the sum of its
/// terms' frequencies (every occurrence starts at most one match). Block bounds combine the
/// terms' block impacts the same way.
final class PhraseScorer: Scorer {
    private let termList: ScorerList<TermScorer>
    /// Each term's offset in the phrase.
    private let offsets: [Int]
    private let largestOffset: Int
    private let slop: Int
    private let approximation: ConjunctionScorer
    private let weight: TermWeight
    private let lengthCodes: UnsafePointer<UInt8>?
    private let bound: Float
    /// Position buffers with room for the largest frequencies, so reading positions never
    /// reallocates (a query's allocations must not grow with its posting lists), in one
    /// allocation: a sloppy phrase reads every term's positions, one buffer per term; an exact
    /// phrase reads only its least frequent term's (the others are compared as they decode),
    /// which fits in the smallest capacity, so all its terms share one buffer of that size.
    private let positionStorage: UnsafeMutablePointer<UInt32>
    /// Per term: its buffer's start in ``positionStorage``, its capacity, positions read for the
    /// current document, and the order positions are read in (an exact phrase: smallest
    /// frequency in the document first) or, for a sloppy phrase, the next position to consider;
    /// then the surviving match starts of an exact phrase, shifted to be non-negative. One
    /// allocation of `4 × terms + smallest capacity` integers.
    private let integers: UnsafeMutablePointer<Int>
    private let starts: UnsafeMutablePointer<Int>
    private let capacities: UnsafeMutablePointer<Int>
    private let counts: UnsafeMutablePointer<Int>
    private let order: UnsafeMutablePointer<Int>
    private let anchors: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private var minCompetitiveScore: Float = 0
    @exclusivity(unchecked) private var prunedCandidates = false
    @exclusivity(unchecked) private(set) var phraseFrequency: Float = 0
    /// The field searched.
    let field: String

    init(terms: [TermScorer], offsets: [Int], slop: Int, weight: TermWeight, lengthCodes: UnsafePointer<UInt8>?,
         field: String, maxFreq: UInt32, minLengthCode: UInt8) {
        termList = ScorerList(terms)
        self.offsets = offsets
        largestOffset = offsets.max() ?? 0
        self.slop = slop
        self.weight = weight
        self.lengthCodes = lengthCodes
        self.field = field
        approximation = ConjunctionScorer(terms)
        let n = terms.count
        let sizes = terms.map { max(16, Int($0.maxTermFrequency)) }
        let smallest = sizes.min() ?? 16
        integers = .allocate(capacity: 4 * n + smallest)
        integers.initialize(repeating: 0, count: 4 * n + smallest)
        starts = integers
        capacities = integers + n
        counts = integers + 2 * n
        order = integers + 3 * n
        anchors = integers + 4 * n
        var total = 0
        for i in 0..<n {
            starts[i] = slop == 0 ? 0 : total
            capacities[i] = slop == 0 ? smallest : sizes[i]
            total += slop == 0 ? 0 : sizes[i]
        }
        if slop == 0 { total = smallest }
        positionStorage = .allocate(capacity: max(1, total))
        bound = weight.maxScore(maxFreq: maxFreq, minLengthCode: minLengthCode)
        super.init(twoPhase: true)
    }

    deinit {
        positionStorage.deallocate()
        integers.deallocate()
    }

    /// Term `i`'s position buffer.
    @inline(__always)
    private func buffer(_ i: Int) -> UnsafeMutablePointer<UInt32> { positionStorage + starts[i] }

    /// The largest phrase frequency a sloppy phrase can reach: every occurrence of every term
    /// starts at most one match. An exact phrase's is its smallest term maximum instead.
    static func sloppyFrequencyBound(_ termMaxima: [UInt32]) -> UInt32 {
        var sum: UInt64 = 0
        for m in termMaxima { sum += UInt64(m) }
        return UInt32(min(sum, UInt64(UInt32.max)))
    }

    // MARK: Iteration

    override func nextCandidate() -> Int { doc = approximation.nextDoc(); return doc }
    override func advanceCandidate(_ target: Int) -> Int { doc = approximation.advance(target); return doc }

    override func confirm() -> Bool {
        phraseFrequency = computeFrequency()
        return phraseFrequency > 0
    }

    override func nextDoc() -> Int { settle(nextCandidate()) }
    override func advance(_ target: Int) -> Int { settle(advanceCandidate(target)) }

    override func score() -> Float {
        let tf = phraseFrequency
        let code = lengthCodes?[doc] ?? 1
        return weight.weight * tf / (tf + weight.normalization[Int(code)])
    }

    override var maxScore: Float { bound }
    override var cost: Int { approximation.cost }
    override var frequency: Float { phraseFrequency }

    override func setMinCompetitiveScore(_ score: Float) { minCompetitiveScore = score }
    override var pruned: Bool { prunedCandidates }

    override func advanceShallow(_ target: Int) -> Int { termList.advanceShallow(target) }

    override func maxScore(upTo: Int) -> Float {
        var frequency: UInt32 = slop == 0 ? .max : 0
        var code: UInt8 = 0
        for i in 0..<termList.count {
            let window = termList.with(i) { $0.blockWindow(upTo: upTo) }
            guard let window else { return bound }
            frequency = slop == 0 ? min(frequency, window.maxFrequency) : frequency &+ min(window.maxFrequency, UInt32.max - frequency)
            code = max(code, window.minLengthCode)
        }
        return min(bound, weight.maxScore(maxFreq: frequency, minLengthCode: code))
    }

    /// The terms' BM25 constants (for explain).
    var termWeight: TermWeight { weight }

    // MARK: Positions

    private func computeFrequency() -> Float {
        // Term frequencies first: they bound the phrase frequency before any position is read.
        var smallest = UInt32.max
        var sum: UInt64 = 0
        for i in 0..<termList.count {
            let tf = termList.with(i) { $0.termFrequency }
            smallest = min(smallest, tf)
            sum &+= UInt64(tf)
        }
        if smallest == 0 { return 0 }
        if minCompetitiveScore > 0 {
            let most = slop == 0 ? smallest : UInt32(min(sum, UInt64(UInt32.max)))
            let code = lengthCodes?[doc] ?? 1
            if weight.score(freq: most, lengthCode: code) <= minCompetitiveScore {
                prunedCandidates = true
                return 0
            }
        }
        return slop == 0 ? exactFrequency() : sloppyFrequency()
    }

    /// Reads term `i`'s positions of the current document into its buffer; 0 when they are
    /// damaged (the term scorer keeps the error for the search to throw).
    @inline(__always)
    private func readPositions(_ i: Int) -> Int {
        let count = termList.with(i) { $0.readPositions(into: UnsafeMutableBufferPointer(start: buffer(i), count: capacities[i])) }
        counts[i] = count
        return count
    }

    /// Occurrences where every term sits exactly at its offset from the first. Terms are read
    /// from the least frequent in the document on, and reading stops as soon as no start
    /// survives, so a frequent word's positions are often never decoded.
    private func exactFrequency() -> Float {
        let n = termList.count
        // The terms by frequency in this document (insertion sort).
        for i in 0..<n {
            let frequency = termList.with(i) { $0.termFrequency }
            var j = i - 1
            while j >= 0 && termList.with(order[j], { $0.termFrequency }) > frequency {
                order[j + 1] = order[j]
                j -= 1
            }
            order[j + 1] = i
        }
        let first = order[0]
        var survivors = readPositions(first)
        if survivors == 0 { return 0 }
        // A start is stored as position + (largest offset − offset), never negative.
        let firstShift = largestOffset - offsets[first]
        let firstPositions = buffer(first)
        for k in 0..<survivors { anchors[k] = Int(firstPositions[k]) + firstShift }
        for r in 1..<max(1, n) {
            // The starts this word confirms: decoded and compared in one pass over its positions,
            // which stops at the last start.
            let term = order[r]
            let shift = largestOffset &- offsets[term]
            survivors = termList.with(term) { $0.keepPositions(anchors, count: survivors, shift: shift) }
            if survivors == 0 { return 0 }
        }
        return Float(survivors)
    }

    /// Lucene-style sloppy frequency over normalized positions.
    private func sloppyFrequency() -> Float {
        let n = termList.count
        for i in 0..<n {
            if readPositions(i) == 0 { return 0 }
            order[i] = 0 // the read cursor of each term
        }
        var frequency: Float = 0
        while true {
            var low = Int.max, high = Int.min, lowTerm = 0
            for i in 0..<n {
                let q = Int(buffer(i)[order[i]]) - offsets[i]
                if q < low { low = q; lowTerm = i }
                if q > high { high = q }
            }
            let span = high - low
            if span <= slop { frequency += 1 / Float(1 + span) }
            order[lowTerm] += 1
            if order[lowTerm] == counts[lowTerm] { break }
        }
        return frequency
    }
}
