/// A term-proximity bonus for free-text queries of several words: documents where the query's
/// words occur close together score higher (BM25TP, after Rasolofo & Savoy 2003 and Büttcher,
/// Clarke & Lushman 2006, applied to the BM25F fields).
///
/// In each searched field (title, body), every two occurrences of *different* query words at
/// distance d ≤ ``window`` add `idf(other word) / d²` to each word's accumulator (all pairs in
/// the window, as Rasolofo & Savoy count them, not only neighbours: a query's stop words would
/// otherwise stand between its content words). Per word, the fields' accumulators
/// are weighted and length-normalized as BM25F weighs frequencies, then saturated as a BM25
/// term whose frequency is the accumulator:
///
///     acc′_t  = Σ_f  w_f · acc_{t,f} / (1 − b + b · dl_f / avgdl_f)
///     bonus   = weight · Σ_t  idf_t · acc′_t / (k1 + acc′_t)
///
/// Reading positions is the bonus's cost, so the top-k loops first try cheaper upper bounds
/// (``ProximityBonus``), each at least the bonus, and read positions only for candidates that
/// can still enter the top k with the tightest of them:
///
/// - per word, its cap `weight · idf_t`: the bonus is at most the sum of the caps of the words
///   the document holds (0 when it holds fewer than two), so block-max pruning adds a word's cap
///   to the bound of the clauses of that word (a disjunction) or all caps (a conjunction);
/// - per document, from the words' frequencies alone (``ProximityBonus/frequencyBound(doc:)``);
///   one adjacent pair already earns most of a cap, so it prunes mainly documents whose words
///   are few and of low idf.
///
/// A field that holds fewer than two of the words is not read.
///
/// Off by default (``SearchRequest/defaultProximity``): with free-text stop words and title
/// weight 3, over the seven classic test collections it raises the mean MAP from 0.414 to
/// 0.417, no collection worse, but AND and OR queries of plain words cost about 1.5× on the
/// Wikipedia sample (benchmarks/README.md).
/// It applies to queries made only of plain words searched in the default fields, OR'ed or
/// AND'ed (`crude oil prices`, `crude OR oil OR prices`), with at least two distinct words.
public struct TermProximity: Sendable, Hashable, Codable {
    /// The bonus's scale: each word gets at most `weight × idf` more (its BM25F score is below idf).
    public var weight: Float
    /// The largest distance (in positions) between two occurrences that counts.
    public var window: Int

    /// The defaults: weight 0.1, window 10, the best mean MAP of a small grid over the seven
    /// classic test collections (see benchmarks/README.md).
    public init(weight: Float = 0.1, window: Int = 10) {
        self.weight = weight
        self.window = window
    }
}

/// Computes ``TermProximity``'s bonus for one segment's documents from the positions of a
/// query's multi-field word scorers (which must sit on the document asked about).
final class ProximityBonus {
    /// An upper bound of every bonus (a few units in the last place above the sum of the caps).
    let bound: Float
    /// `2 · Σ_{d=1…window} 1/d²` (rounded up): what one occurrence can receive from another
    /// word's occurrences, per unit of that word's idf (at most one word per position, two
    /// positions at each distance).
    private let twoZeta: Float
    /// The tables the per-document loops read, as raw memory (no reference counting or bounds
    /// checks per read): the scorers, one per distinct word, unretained; per word its idf, its
    /// cap `weight · idf` (its largest bonus) and its idf when positive, else 0 (what its
    /// neighbours receive at most); per field its length codes, its 256 BM25F factors and, per
    /// word, the word's cursor index in its scorer (−1: absent).
    private let words: ScorerList<MultiFieldTermScorer>
    private let idfTable: UnsafeMutablePointer<Float>
    private let capTable: UnsafeMutablePointer<Float>
    private let positiveIdfTable: UnsafeMutablePointer<Float>
    private let lengthCodeTable: UnsafeMutablePointer<UnsafePointer<UInt8>?>
    private let factorTable: UnsafeMutablePointer<Float>
    private let cursorTable: UnsafeMutablePointer<Int>
    /// Per word: its frequency in the field being bounded (scratch of ``frequencyBound(doc:)``).
    private let frequencies: UnsafeMutablePointer<Float>
    /// Per word: the bound of its weighted accumulator (scratch of ``frequencyBound(doc:)``).
    private let estimates: UnsafeMutablePointer<Float>
    private let window: UInt32
    private let k1: Float
    /// How many fields the per-field tables hold.
    private let fieldCount: Int
    /// Position buffers: one run per word, merged into a second buffer (ping-pong), so a
    /// document's positions are merged without allocating.
    private let runs: UnsafeMutablePointer<UInt64>
    private let merged: UnsafeMutablePointer<UInt64>
    private let capacity: Int
    private let positions: UnsafeMutablePointer<UInt32>
    private let positionCapacity: Int
    /// Per word: the field's accumulator and the weighted total.
    private let fieldAccumulators: UnsafeMutablePointer<Float>
    private let totals: UnsafeMutablePointer<Float>

    /// A bonus over `scorers` (one per distinct word; nil when fewer than two), or nil.
    init?(scorers: [MultiFieldTermScorer], fields: [String], factorTables: [[Float]],
          lengthCodes: [UnsafePointer<UInt8>?], proximity: TermProximity, k1: Float) {
        guard scorers.count >= 2, proximity.weight > 0, proximity.window > 0, !fields.isEmpty else { return nil }
        // Per word: its idf (× boost), what its neighbours receive.
        let idfs = scorers.map(\.inverseDocumentFrequency)
        let caps = idfs.map { proximity.weight * max(0, $0) }
        let sum = caps.reduce(0, +)
        bound = sum + sum.ulp * 16
        window = UInt32(min(proximity.window, Int(UInt32.max)))
        // Σ 1/d² over the window; past 2^20 terms the tail is below 1/2^20.
        let terms = min(Int(window), 1 << 20)
        var zeta = 0.0
        for d in stride(from: terms, through: 1, by: -1) { zeta += 1 / (Double(d) * Double(d)) }
        if Int(window) > terms { zeta += 1 / Double(terms) }
        twoZeta = Float(2 * zeta * (1 + 1e-6)).nextUp
        self.k1 = k1
        fieldCount = fields.count
        var indices: [[Int]] = []
        var largestRun = 1, largestField = 1
        for field in fields {
            var row: [Int] = []
            var total = 0
            for scorer in scorers {
                let i = scorer.cursorIndex(field: field) ?? -1
                row.append(i)
                if i >= 0 {
                    let m = scorer.maxFrequency(cursor: i)
                    total += m
                    largestRun = max(largestRun, m)
                }
            }
            indices.append(row)
            largestField = max(largestField, total)
        }
        capacity = largestField
        positionCapacity = largestRun
        runs = .allocate(capacity: largestField)
        merged = .allocate(capacity: largestField)
        positions = .allocate(capacity: largestRun)
        fieldAccumulators = .allocate(capacity: scorers.count)
        totals = .allocate(capacity: scorers.count)
        frequencies = .allocate(capacity: scorers.count)
        estimates = .allocate(capacity: scorers.count)
        let n = scorers.count
        words = ScorerList(scorers)
        idfTable = .allocate(capacity: n)
        capTable = .allocate(capacity: n)
        positiveIdfTable = .allocate(capacity: n)
        for t in 0..<n {
            idfTable[t] = idfs[t]
            capTable[t] = caps[t]
            positiveIdfTable[t] = max(0, idfs[t])
        }
        lengthCodeTable = .allocate(capacity: fields.count)
        factorTable = .allocate(capacity: fields.count * 256)
        cursorTable = .allocate(capacity: fields.count * n)
        for f in fields.indices {
            lengthCodeTable[f] = f < lengthCodes.count ? lengthCodes[f] : nil
            for code in 0..<256 { factorTable[f * 256 + code] = code < factorTables[f].count ? factorTables[f][code] : 0 }
            for t in 0..<n { cursorTable[f * n + t] = indices[f][t] }
        }
    }

    deinit {
        runs.deallocate()
        merged.deallocate()
        positions.deallocate()
        fieldAccumulators.deallocate()
        totals.deallocate()
        frequencies.deallocate()
        estimates.deallocate()
        idfTable.deallocate()
        capTable.deallocate()
        positiveIdfTable.deallocate()
        lengthCodeTable.deallocate()
        factorTable.deallocate()
        cursorTable.deallocate()
    }

    /// Per clause of a disjunction: the cap of the word it scores (a little above, for rounding),
    /// 0 for a clause that is none of the words; and the caps of the words that are no clause
    /// (which any document may earn), and whether every word is a clause. A document's bonus is
    /// at most the sum of its matching clauses' caps plus that rest; when every word is a
    /// clause, a document that only one clause matches holds at most one word and earns none.
    func clauseCaps(_ clauses: [Scorer]) -> (perClause: [Float], rest: Float, wordsAreClauses: Bool) {
        var perClause = [Float](repeating: 0, count: clauses.count)
        var rest: Float = 0
        var wordsAreClauses = true
        for t in 0..<words.count {
            let cap = capTable[t]
            let padded = cap + cap * 1e-5 + cap.ulp * 16
            if let i = clauses.firstIndex(where: { $0 === words.owners[t] }) {
                perClause[i] += padded
            } else {
                rest += padded
                wordsAreClauses = false
            }
        }
        return (perClause, rest, wordsAreClauses)
    }

    /// A bound of document `doc`'s bonus from the words' frequencies, without reading positions
    /// (the words' scorers must sit on their next document at or after `doc`).
    ///
    /// In a field, word t's accumulator sums `idf_o / d²` over pairs of an occurrence of t and
    /// one of another word o at distance d ≤ window. With one word per position, at most two
    /// occurrences of o lie at each distance of an occurrence (of t or of o), so the pairs of t
    /// and o add at most `idf_o · min(tf_t · tf_o, 2ζ · min(tf_t, tf_o))`, and all other words
    /// together at most `tf_t · 2ζ · max_o idf_o` (ζ = Σ_{d=1…window} 1/d²). Weighted by the
    /// field's BM25F factor and summed over the fields, that bound Â_t gives
    /// `bonus ≤ Σ_t cap_t · Â_t / (k1 + Â_t)`; it is never above the sum of the caps of the words
    /// the document holds, and 0 when it holds fewer than two.
    func frequencyBound(doc: Int) -> Float {
        guard let held = heldCaps(doc: doc) else { return 0 }
        return frequencyBound(doc: doc, heldCaps: held)
    }

    /// The sum of the caps of the words document `doc` holds (a few units in the last place
    /// above), or nil when it holds fewer than two and so earns no bonus.
    @inline(__always)
    private func heldCaps(doc: Int) -> Float? {
        var present = 0
        var sum: Float = 0
        for t in 0..<words.count where words.with(t, { $0.doc }) == doc {
            present += 1
            sum += capTable[t]
        }
        return present >= 2 ? sum + sum.ulp * 16 : nil
    }

    /// ``frequencyBound(doc:)`` of a document holding two or more of the words, whose caps sum
    /// to `heldCaps` (``heldCaps(doc:)``).
    private func frequencyBound(doc: Int, heldCaps: Float) -> Float {
        let n = words.count
        for t in 0..<n { estimates[t] = 0 }
        var any = false
        for f in 0..<fieldCount {
            let row = cursorTable + f * n
            var held = 0
            for t in 0..<n {
                let c = row[t]
                let tf: Float = c >= 0 ? words.with(t) { $0.doc == doc ? Float($0.frequency(cursor: c)) : 0 } : 0
                frequencies[t] = tf
                if tf > 0 { held += 1 }
            }
            guard held >= 2 else { continue }
            let code = lengthCodeTable[f]?[doc] ?? 1
            let factor = factorTable[f * 256 + Int(code)]
            for t in 0..<n where frequencies[t] > 0 {
                let own = frequencies[t]
                var pairs: Float = 0
                var largestIdf: Float = 0
                for o in 0..<n where o != t && frequencies[o] > 0 {
                    let other = frequencies[o]
                    pairs += positiveIdfTable[o] * min(own * other, twoZeta * min(own, other))
                    largestIdf = max(largestIdf, positiveIdfTable[o])
                }
                estimates[t] += factor * min(pairs, own * twoZeta * largestIdf)
                any = true
            }
        }
        guard any else { return 0 }
        var sum: Float = 0
        for t in 0..<n where estimates[t] > 0 {
            // Rounding room: the bonus sums the same terms in another order.
            let accumulator = estimates[t] * (1 + 1e-3)
            sum += capTable[t] * accumulator / (k1 + accumulator)
        }
        let padded = sum + sum * 1e-4 + sum.ulp * 16
        return min(padded, heldCaps)
    }

    /// Whether document `doc`, scoring `score` without the bonus, can beat `threshold` with it:
    /// by the global bound, then by the caps of the words it holds (none when fewer than two),
    /// then by ``frequencyBound(doc:)``, each cheaper than the next.
    @inline(__always)
    func canCompete(doc: Int, score: Float, threshold: Float) -> Bool {
        guard score + bound > threshold else { return false }
        guard let held = heldCaps(doc: doc) else { return score > threshold }
        guard score + held > threshold else { return false }
        return score + frequencyBound(doc: doc, heldCaps: held) > threshold
    }

    /// The bonus of document `doc`: the words whose scorers sit on it are the ones it holds.
    func bonus(doc: Int) -> Float {
        let n = words.count
        var present = 0
        for t in 0..<n where words.with(t, { $0.doc }) == doc { present += 1 }
        guard present >= 2 else { return 0 }
        for t in 0..<n { totals[t] = 0 }
        var any = false
        let buffer = UnsafeMutableBufferPointer(start: positions, count: positionCapacity)
        for f in 0..<fieldCount {
            let row = cursorTable + f * n
            // A field that holds fewer than two of the words adds nothing: its positions are
            // not read.
            var holding = 0
            for t in 0..<n where row[t] >= 0 && words.with(t, { $0.doc == doc && $0.isOnDocument(cursor: row[t]) }) {
                holding += 1
            }
            guard holding >= 2 else { continue }
            // Merge the words' positions in this field (each run is already in order), from one
            // buffer into the other and back (ping-pong): `merged` ends up holding them.
            var merged = self.merged
            var spare = self.runs
            var count = 0
            var held = 0
            for t in 0..<n {
                let c = row[t]
                let read = c < 0 ? 0 : words.with(t) { scorer in
                    scorer.doc == doc && scorer.isOnDocument(cursor: c) ? scorer.readPositions(cursor: c, into: buffer) : 0
                }
                guard read > 0, count + read <= capacity else { continue }
                held += 1
                // Merge the new run (tagged with the word) with what is in `merged`.
                var i = 0, j = 0, out = 0
                let tag = UInt64(t)
                while i < count && j < read {
                    let next = UInt64(positions[j]) << 32 | tag
                    if merged[i] <= next { spare[out] = merged[i]; i += 1 } else { spare[out] = next; j += 1 }
                    out += 1
                }
                while i < count { spare[out] = merged[i]; i += 1; out += 1 }
                while j < read { spare[out] = UInt64(positions[j]) << 32 | tag; j += 1; out += 1 }
                count = out
                swap(&merged, &spare)
            }
            guard held >= 2 else { continue }
            for t in 0..<n { fieldAccumulators[t] = 0 }
            var touched = false
            for k in 1..<count {
                let current = merged[k]
                let b = Int(current & 0xFFFF_FFFF)
                let position = UInt32(truncatingIfNeeded: current >> 32)
                var j = k - 1
                while j >= 0 {
                    let earlier = merged[j]
                    let distance = position &- UInt32(truncatingIfNeeded: earlier >> 32)
                    if distance > window { break }
                    let a = Int(earlier & 0xFFFF_FFFF)
                    if a != b && distance >= 1 {
                        let d = Float(distance)
                        let inverse = 1 / (d * d)
                        fieldAccumulators[a] += idfTable[b] * inverse
                        fieldAccumulators[b] += idfTable[a] * inverse
                        touched = true
                    }
                    j -= 1
                }
            }
            guard touched else { continue }
            let code = lengthCodeTable[f]?[doc] ?? 1
            let factor = factorTable[f * 256 + Int(code)]
            for t in 0..<n { totals[t] += factor * fieldAccumulators[t] }
            any = true
        }
        guard any else { return 0 }
        var bonus: Float = 0
        for t in 0..<n where totals[t] > 0 {
            bonus += capTable[t] * totals[t] / (k1 + totals[t])
        }
        return min(bonus, bound)
    }

    /// Per word present in the document: its weighted accumulator (after ``bonus(doc:)``), for
    /// explanations.
    func accumulators(doc: Int) -> [(term: String, accumulator: Float, cap: Float)] {
        (0..<words.count).compactMap { t in
            let scorer = words.owners[t]
            return scorer.doc == doc && totals[t] > 0 ? (scorer.term, totals[t], capTable[t]) : nil
        }
    }

    /// The scale's k1.
    var saturation: Float { k1 }
}
