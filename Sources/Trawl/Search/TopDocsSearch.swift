/// The top-k loops over one segment's scorer.
///
/// Documents get index-wide numbers (`base + local`) so ties break by document number across
/// segments. The collector's threshold carries from segment to segment. A document whose score
/// only ties the threshold can never enter (it has a larger number than every kept one), so
/// every bound test below is "≤ threshold → skip".
enum TopDocsSearch {
    /// Disjunctions with more clauses than this are scored exhaustively instead of with
    /// block-max MaxScore, whose per-window work grows with the number of clauses.
    static let maximumMaxScoreClauses = 512

    /// Exhaustive: every match is scored and counted (exact totals, or sorting by date). A
    /// proximity bonus is added to the matches that can still enter the top k with it.
    static func collectAll(_ scorer: Scorer, segment: SegmentReader, base: Int, proximity: ProximityBonus? = nil,
                           collector: inout TopHitsCollector) {
        var doc = scorer.nextDoc()
        while doc != Scorer.noMoreDocs {
            if segment.isLive(doc) {
                var score = scorer.score()
                if let proximity, !collector.isFull || proximity.canCompete(doc: doc, score: score, threshold: collector.threshold) {
                    score += proximity.bonus(doc: doc)
                }
                collector.collect(doc: base + doc, score: score)
            }
            doc = scorer.nextDoc()
        }
    }

    /// Block-max pruning for any scorer (a term, a conjunction, a boolean with required
    /// clauses): windows whose bound cannot beat the threshold are skipped without decoding.
    /// Returns whether any document was skipped (the count is then a lower bound).
    /// A proximity bonus's bound (the sum of its words' caps) is added to every window's bound;
    /// the bonus itself is computed only for matches whose score plus its frequency bound
    /// (``ProximityBonus/frequencyBound(doc:)``) beats the threshold.
    static func collectPruned(_ scorer: Scorer, segment: SegmentReader, base: Int, proximity: ProximityBonus? = nil,
                              collector: inout TopHitsCollector) -> Bool {
        let extra = proximity?.bound ?? 0
        var skipped = false
        var upTo = -1
        var windowMax: Float = .infinity
        var minCompetitive: Float = 0
        var doc = scorer.nextDoc()
        while doc != Scorer.noMoreDocs {
            if collector.isFull {
                if collector.threshold > minCompetitive {
                    // Scorers with a second phase drop candidates that cannot beat it.
                    minCompetitive = collector.threshold
                    scorer.setMinCompetitiveScore(extra > 0 ? Scorer.remainingMinimum(minCompetitive, minus: extra) : minCompetitive)
                }
                if doc > upTo {
                    upTo = scorer.advanceShallow(doc)
                    windowMax = scorer.maxScore(upTo: upTo) + extra
                }
                if windowMax <= collector.threshold {
                    skipped = true
                    if upTo >= Scorer.noMoreDocs - 1 { break }
                    doc = scorer.advance(upTo + 1)
                    continue
                }
            }
            if segment.isLive(doc) {
                var score = scorer.score()
                if let proximity, !collector.isFull || proximity.canCompete(doc: doc, score: score, threshold: collector.threshold) {
                    score += proximity.bonus(doc: doc)
                }
                collector.collect(doc: base + doc, score: score)
            }
            doc = scorer.nextDoc()
        }
        return skipped || scorer.pruned
    }

    /// Block-max MaxScore for a disjunction (OR) of clauses, summing the scores of the clauses
    /// that match. Per window of documents, clauses whose summed bounds cannot beat the
    /// threshold become non-essential: they are consulted only for documents found by the
    /// essential ones, and only while the document can still compete.
    ///
    /// A proximity bonus is at most the sum of the caps of the words a document holds: each
    /// clause's bound includes its word's cap (``ProximityBonus/clauseCaps(_:)``), so a document
    /// that matches one word only needs to beat the threshold less that word's cap; words that
    /// are no clause add their caps to every document's bound. The bonus itself is computed only
    /// for documents whose full score plus its frequency bound
    /// (``ProximityBonus/frequencyBound(doc:)``) beats the threshold.
    static func collectDisjunction(_ scorers: [Scorer], segment: SegmentReader, base: Int, proximity: ProximityBonus? = nil,
                                   collector: inout TopHitsCollector) -> Bool {
        if let proximity {
            return maxScore(scorers, segment: segment, base: base, bonus: proximity, collector: &collector)
        }
        return maxScore(scorers, segment: segment, base: base, bonus: NoBonus(), collector: &collector)
    }

    /// The MaxScore loop of ``collectDisjunction(_:segment:base:proximity:collector:)``, specialized
    /// per kind of bonus (generic, so the loop without one carries none of its bookkeeping).
    private static func maxScore<Bonus: DisjunctionBonus>(_ scorers: [Scorer], segment: SegmentReader, base: Int, bonus: Bonus,
                                                          collector: inout TopHitsCollector) -> Bool {
        let totalExtra = bonus.bound
        let (caps, extra, wordsAreClauses) = bonus.clauseCaps(scorers)
        var skipped = false
        let clauses = ScorerList(scorers)
        let n = clauses.count
        // Per clause: its window bound, and with its word's cap.
        var bounds = [Float](repeating: 0, count: n)
        var capped = Bonus.isActive ? [Float](repeating: 0, count: n) : []
        var order = Array(0..<n)
        // Scratch of the loop with a bonus: the essential clauses on the current document (one
        // pass over them then, not a second test of each clause's document).
        let matching: UnsafeMutablePointer<Int>? = Bonus.isActive ? .allocate(capacity: max(n, 1)) : nil
        defer { matching?.deallocate() }
        // The threshold and exhausted clauses last told to the clauses (for their own pruning).
        var propagated: (threshold: Float, exhausted: Int) = (0, 0)
        for i in 0..<n { _ = clauses.with(i) { $0.nextDoc() } }
        while true {
            var minDoc = Scorer.noMoreDocs
            var exhausted = 0
            for i in 0..<n {
                let d = clauses.with(i) { $0.doc }
                minDoc = min(minDoc, d)
                if d == Scorer.noMoreDocs { exhausted += 1 }
            }
            if minDoc == Scorer.noMoreDocs { break }
            let threshold = collector.threshold
            if collector.isFull && (threshold > propagated.threshold || exhausted > propagated.exhausted) {
                // A clause's own part of a competitive score must beat the threshold less what
                // the other clauses (and the bonus) can add (phrases then skip reading positions).
                propagated = (threshold, exhausted)
                clauses.setMinCompetitiveScore(totalExtra > 0 ? Scorer.remainingMinimum(threshold, minus: totalExtra) : threshold)
            }
            var upTo = Scorer.noMoreDocs - 1
            for i in 0..<n { upTo = min(upTo, clauses.with(i) { $0.advanceShallow(max(minDoc, $0.doc)) }) }
            for i in 0..<n {
                // A clause already past the window adds nothing to it.
                bounds[i] = clauses.with(i) { $0.doc > upTo ? 0 : $0.maxScore(upTo: upTo) }
                if Bonus.isActive { capped[i] = clauses.with(i, { $0.doc <= upTo }) ? bounds[i] + caps[i] : 0 }
            }
            order.sort { bounds[$0] < bounds[$1] }
            // Non-essential prefix: clauses whose bounds sum to at most the threshold. With a
            // bonus whose every word is a clause, a document that one clause alone matches holds
            // one word and earns no bonus: the first clause needs only its own bound at most the
            // threshold.
            var essentialStart = 0
            var prefixSum: Float = 0
            while essentialStart < n {
                let i = order[essentialStart]
                if Bonus.isActive {
                    let alone = essentialStart == 0 && wordsAreClauses
                    if (alone ? bounds[i] : prefixSum + capped[i] + extra) > threshold { break }
                    prefixSum += capped[i]
                } else {
                    if prefixSum + bounds[i] > threshold { break }
                    prefixSum += bounds[i]
                }
                essentialStart += 1
            }
            if essentialStart == n {
                skipped = true
                for i in 0..<n { clauses.with(i) { if $0.doc <= upTo { _ = $0.advance(upTo + 1) } } }
                continue
            }
            // Documents of the window that only non-essential clauses match are never visited:
            // they cannot compete, and they are not counted either (the total becomes a bound).
            for k in 0..<essentialStart where clauses.with(order[k], { $0.doc <= upTo }) { skipped = true }
            // Documents of the window matched by an essential clause.
            while true {
                var doc = Scorer.noMoreDocs
                for k in essentialStart..<n { doc = min(doc, clauses.with(order[k]) { $0.doc }) }
                if doc > upTo { break }
                var score: Float = 0
                // The caps of the matching clauses' words (their part of the bonus's bound).
                var earned: Float = 0
                // The essential clauses on the document, advanced once the bonus is settled.
                var onDocument = 0
                for k in essentialStart..<n {
                    let i = order[k]
                    if Bonus.isActive {
                        // The clause stays on the document until the bonus has read its positions.
                        clauses.with(i) { clause in
                            if clause.doc == doc {
                                score += clause.score()
                                earned += caps[i]
                                matching.unsafelyUnwrapped[onDocument] = i
                                onDocument += 1
                            }
                        }
                    } else {
                        score += clauses.with(i) { clause -> Float in
                            guard clause.doc == doc else { return 0 }
                            let s = clause.score()
                            _ = clause.nextDoc()
                            return s
                        }
                    }
                }
                var remaining = prefixSum
                var pruned = false
                var k = essentialStart - 1
                while k >= 0 {
                    if score + earned + remaining + extra <= collector.threshold { pruned = true; break }
                    let i = order[k]
                    remaining -= Bonus.isActive ? capped[i] : bounds[i]
                    let s = clauses.with(i) { clause -> Float in
                        if clause.doc < doc { _ = clause.advance(doc) }
                        return clause.doc == doc ? clause.score() : -.infinity
                    }
                    if s != -.infinity {
                        if Bonus.isActive { earned += caps[i] }
                        score += s
                    }
                    k -= 1
                }
                if Bonus.isActive {
                    if !pruned, !collector.isFull || bonus.canCompete(doc: doc, score: score, threshold: collector.threshold) {
                        score += bonus.bonus(doc: doc)
                    }
                    for m in 0..<onDocument { _ = clauses.with(matching.unsafelyUnwrapped[m]) { $0.nextDoc() } }
                }
                if pruned {
                    skipped = true
                    if segment.isLive(doc) { collector.countMatch() }
                } else if segment.isLive(doc) {
                    collector.collect(doc: base + doc, score: score)
                }
            }
            if upTo >= Scorer.noMoreDocs - 1 { break }
            for i in 0..<n { clauses.with(i) { if $0.doc <= upTo { _ = $0.advance(upTo + 1) } } }
        }
        for i in 0..<n where clauses.with(i, { $0.pruned }) { skipped = true }
        return skipped
    }
}

/// What the MaxScore loop adds to a document's summed clause scores: nothing (``NoBonus``) or a
/// term-proximity bonus (``ProximityBonus``). The loop is generic over it, so each kind gets its
/// own specialized copy and the plain one none of the bonus's bookkeeping.
protocol DisjunctionBonus {
    /// Whether there is a bonus at all (false: every other member is never asked).
    static var isActive: Bool { get }
    /// An upper bound of every document's bonus.
    var bound: Float { get }
    /// Per clause, the part of the bound its match brings (empty without a bonus); the part no
    /// clause brings; whether a document matching a single clause earns nothing.
    func clauseCaps(_ clauses: [Scorer]) -> (perClause: [Float], rest: Float, wordsAreClauses: Bool)
    /// Whether document `doc`, scoring `score` without the bonus, can beat `threshold` with it.
    func canCompete(doc: Int, score: Float, threshold: Float) -> Bool
    /// The bonus of document `doc` (the clauses still sit on it).
    func bonus(doc: Int) -> Float
}

/// No bonus: the plain MaxScore loop.
struct NoBonus: DisjunctionBonus {
    static var isActive: Bool { false }
    var bound: Float { 0 }
    func clauseCaps(_ clauses: [Scorer]) -> (perClause: [Float], rest: Float, wordsAreClauses: Bool) {
        ([], 0, false)
    }
    func canCompete(doc: Int, score: Float, threshold: Float) -> Bool { true }
    func bonus(doc: Int) -> Float { 0 }
}

extension ProximityBonus: DisjunctionBonus {
    static var isActive: Bool { true }
}
