/// Scores one word over several fields with BM25F: the field frequencies are weighted,
/// length-normalized per field, summed into one pseudo-frequency, and saturated once:
///
///     tf′ = Σ_f  w_f · tf_f / (1 − b + b · dl_f / avgdl_f)
///     score = idf · tf′ / (k1 + tf′)
///
/// (Robertson, Zaragoza & Taylor, "Simple BM25 extension to multiple weighted fields", 2004.)
/// A word found in the title and the body is one piece of evidence seen twice, not two; summing
/// per-field BM25 scores would count it twice. With one field of weight 1 this is exactly BM25.
/// The idf uses the larger of the fields' document frequencies (the union is not stored).
final class MultiFieldTermScorer: Scorer {
    @exclusivity(unchecked) private var cursors: [PostingsCursor]
    /// Per field: `w_f / (1 − b + b · dl / avgdl)` for each length code.
    private let factors: [[Float]]
    private let lengthCodes: [UnsafePointer<UInt8>?]
    private let idf: Float
    private let k1: Float
    private let bound: Float
    private let totalCost: Int
    @exclusivity(unchecked) private var shallowEnd = -1
    /// The fields searched (for explain).
    let fields: [String]
    /// The BM25F factor tables (for explain).
    var fieldFactors: [[Float]] { factors }
    /// The analyzed term.
    let term: String

    /// Creates a scorer over one cursor per field.
    init(cursors: [PostingsCursor], fields: [String], factors: [[Float]], lengthCodes: [UnsafePointer<UInt8>?],
         idf: Float, k1: Float, term: String) {
        self.cursors = cursors
        self.fields = fields
        self.factors = factors
        self.lengthCodes = lengthCodes
        self.idf = idf
        self.k1 = k1
        self.term = term
        totalCost = cursors.reduce(0) { $0 + Int($1.docFreq) }
        var maxTf: Float = 0
        for (i, cursor) in cursors.enumerated() {
            maxTf += Float(cursor.termMaxFreq) * factors[i][Int(cursor.termMinLengthCode)]
        }
        bound = idf * maxTf / (k1 + maxTf)
        super.init()
    }

    @inline(__always)
    private static func convert(_ d: UInt32) -> Int { d == PostingsCursor.noMoreDocs ? Scorer.noMoreDocs : Int(d) }

    override func nextDoc() -> Int {
        var next = Scorer.noMoreDocs
        if doc < 0 {
            for i in cursors.indices { next = min(next, MultiFieldTermScorer.convert(cursors[i].doc)) }
        } else {
            let current = UInt32(truncatingIfNeeded: doc)
            for i in cursors.indices {
                var d = cursors[i].doc
                if d == current { d = cursors[i].next() }
                next = min(next, MultiFieldTermScorer.convert(d))
            }
        }
        doc = next
        return doc
    }

    override func advance(_ target: Int) -> Int {
        guard target < Scorer.noMoreDocs else { doc = Scorer.noMoreDocs; return doc }
        var next = Scorer.noMoreDocs
        let t = UInt32(max(0, target))
        for i in cursors.indices {
            var d = cursors[i].doc
            if d < t { d = cursors[i].advance(to: t) }
            next = min(next, MultiFieldTermScorer.convert(d))
        }
        doc = next
        return doc
    }

    // One phase: a candidate is a match (overridden so unions and conjunctions call in once).
    override func nextCandidate() -> Int { nextDoc() }
    override func advanceCandidate(_ target: Int) -> Int { advance(target) }

    /// The weighted, normalized pseudo-frequency of the current document.
    var pseudoFrequency: Float {
        var tf: Float = 0
        let current = UInt32(truncatingIfNeeded: doc)
        for i in cursors.indices where cursors[i].doc == current {
            let code = lengthCodes[i]?[doc] ?? 1
            tf += Float(cursors[i].freq) * factors[i][Int(code)]
        }
        return tf
    }

    override func score() -> Float {
        let tf = pseudoFrequency
        return idf * tf / (k1 + tf)
    }

    override var maxScore: Float { bound }

    override func advanceShallow(_ target: Int) -> Int {
        let t = UInt32(max(0, max(target, doc)))
        guard Int(t) < Scorer.noMoreDocs else { return Scorer.noMoreDocs }
        var end = Scorer.noMoreDocs
        for i in cursors.indices {
            cursors[i].shallowAdvance(to: t)
            end = min(end, MultiFieldTermScorer.convert(cursors[i].blockLastDoc))
        }
        shallowEnd = end
        return end
    }

    override func maxScore(upTo: Int) -> Float {
        guard upTo <= shallowEnd else { return bound }
        var tf: Float = 0
        for i in cursors.indices {
            tf += Float(cursors[i].blockMaxFreq) * factors[i][Int(cursors[i].blockMinLengthCode)]
        }
        return idf * tf / (k1 + tf)
    }

    override var cost: Int { totalCost }

    override var frequency: Float { pseudoFrequency }

    /// Per field: whether the current document has the term, its frequency and length code.
    func fieldDetails() -> [(field: String, freq: UInt32, lengthCode: UInt8)] {
        let current = UInt32(truncatingIfNeeded: doc)
        return cursors.indices.compactMap { i in
            cursors[i].doc == current ? (fields[i], cursors[i].freq, lengthCodes[i]?[doc] ?? 1) : nil
        }
    }

    /// The idf used.
    var inverseDocumentFrequency: Float { idf }

    /// The first damaged-positions error met by ``readPositions(field:into:)``.
    private var positionsError: TrawlError?

    /// The index of `field` among this scorer's cursors, or nil when the word is not in it.
    func cursorIndex(field: String) -> Int? { fields.firstIndex(of: field) }

    /// The largest frequency of the word in the field of cursor `i` (how much room its
    /// positions need).
    func maxFrequency(cursor i: Int) -> Int { Int(cursors[i].termMaxFreq) }

    /// The word's frequency in the field of cursor `i` of the current document (0 when the
    /// field does not hold it there).
    @inline(__always)
    func frequency(cursor i: Int) -> UInt32 {
        cursors[i].doc == UInt32(truncatingIfNeeded: doc) ? cursors[i].freq : 0
    }

    /// Whether the field of cursor `i` holds the word in the current document.
    @inline(__always)
    func isOnDocument(cursor i: Int) -> Bool { cursors[i].doc == UInt32(truncatingIfNeeded: doc) }

    /// Reads the current document's positions in the field of cursor `i` into `buffer` and
    /// returns how many (none when they are damaged: the error is kept for
    /// ``throwIfCorrupt()``, so the search fails instead of silently scoring less).
    func readPositions(cursor i: Int, into buffer: UnsafeMutableBufferPointer<UInt32>) -> Int {
        do throws(TrawlError) {
            return try cursors[i].readPositions(into: buffer)
        } catch {
            if positionsError == nil { positionsError = error }
            return 0
        }
    }

    /// Throws when a cursor met damaged data.
    func throwIfCorrupt() throws(TrawlError) {
        if let positionsError { throw positionsError }
        for cursor in cursors { try cursor.throwIfCorrupt() }
    }
}
