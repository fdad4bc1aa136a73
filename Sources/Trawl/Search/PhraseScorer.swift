/// Documents where a phrase's terms occur at the right relative positions, scored with BM25 over
/// the phrase frequency.
///
/// Two-phase: the conjunction of the terms proposes documents, positions confirm them. With a
/// slop, a match is any choice of one occurrence per term whose normalized positions
/// (position − offset in the phrase) span at most `slop`; it counts `1 / (1 + span)` towards the
/// frequency, as Lucene's sloppy phrase does.
final class PhraseScorer: Scorer {
    private let terms: [TermScorer]
    private let offsets: [Int]
    private let slop: Int
    private let approximation: ConjunctionScorer
    private let weight: TermWeight
    private let lengthCodes: UnsafePointer<UInt8>?
    private let bound: Float
    private var positions: [[UInt32]]
    private var counts: [Int]
    private var cursorsAt: [Int]
    private(set) var phraseFrequency: Float = 0
    /// The field searched.
    let field: String

    init(terms: [TermScorer], offsets: [Int], slop: Int, weight: TermWeight, lengthCodes: UnsafePointer<UInt8>?,
         field: String, maxFreq: UInt32, minLengthCode: UInt8) {
        self.terms = terms
        self.offsets = offsets
        self.slop = slop
        self.weight = weight
        self.lengthCodes = lengthCodes
        self.field = field
        approximation = ConjunctionScorer(terms)
        // Room for the most positions any document has, so reading positions never reallocates
        // (a query's allocations must not grow with the length of its posting lists).
        positions = terms.map { [UInt32](repeating: 0, count: max(16, Int($0.maxTermFrequency))) }
        counts = [Int](repeating: 0, count: terms.count)
        cursorsAt = [Int](repeating: 0, count: terms.count)
        bound = weight.maxScore(maxFreq: maxFreq, minLengthCode: minLengthCode)
        super.init()
    }

    private func confirm(_ start: Int) -> Int {
        var d = start
        while d != Scorer.noMoreDocs {
            phraseFrequency = computeFrequency()
            if phraseFrequency > 0 { return d }
            d = approximation.nextDoc()
        }
        return Scorer.noMoreDocs
    }

    override func nextDoc() -> Int { doc = confirm(approximation.nextDoc()); return doc }
    override func advance(_ target: Int) -> Int { doc = confirm(approximation.advance(target)); return doc }

    override func score() -> Float {
        let tf = phraseFrequency
        let code = lengthCodes?[doc] ?? 1
        return weight.weight * tf / (tf + weight.normalization[Int(code)])
    }

    override var maxScore: Float { bound }
    override var cost: Int { approximation.cost }
    override var frequency: Float { phraseFrequency }

    /// The BM25 constants (for explain).
    var termWeight: TermWeight { weight }

    private func computeFrequency() -> Float {
        for i in terms.indices {
            counts[i] = terms[i].positions(into: &positions[i])
            if counts[i] == 0 { return 0 }
        }
        return slop == 0 ? exactFrequency() : sloppyFrequency()
    }

    /// Occurrences where every term sits exactly at its offset from the first.
    private func exactFrequency() -> Float {
        for i in cursorsAt.indices { cursorsAt[i] = 0 }
        var matches = 0
        outer: for k in 0..<counts[0] {
            let anchor = Int(positions[0][k]) - offsets[0]
            for i in 1..<terms.count {
                let wanted = anchor + offsets[i]
                while cursorsAt[i] < counts[i] && Int(positions[i][cursorsAt[i]]) < wanted { cursorsAt[i] += 1 }
                if cursorsAt[i] == counts[i] { break outer }
                if Int(positions[i][cursorsAt[i]]) != wanted { continue outer }
            }
            matches += 1
        }
        return Float(matches)
    }

    /// Lucene-style sloppy frequency over normalized positions.
    private func sloppyFrequency() -> Float {
        for i in cursorsAt.indices { cursorsAt[i] = 0 }
        var frequency: Float = 0
        while true {
            var low = Int.max, high = Int.min, lowTerm = 0
            for i in terms.indices {
                let q = Int(positions[i][cursorsAt[i]]) - offsets[i]
                if q < low { low = q; lowTerm = i }
                if q > high { high = q }
            }
            let span = high - low
            if span <= slop { frequency += 1 / Float(1 + span) }
            cursorsAt[lowTerm] += 1
            if cursorsAt[lowTerm] == counts[lowTerm] { break }
        }
        return frequency
    }
}
