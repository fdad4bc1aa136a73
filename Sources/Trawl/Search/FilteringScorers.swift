/// The documents of an inner scorer that pass a cheap check (``accepts(_:)``), made on the
/// inner scorer's candidates before their second phase (a phrase's positions); it adds nothing
/// to the score. Subclasses give the check.
class FilteringScorer: Scorer {
    /// The scorer whose documents are filtered.
    let inner: Scorer

    init(inner: Scorer) {
        self.inner = inner
        super.init(twoPhase: inner.isTwoPhase)
    }

    /// Whether document `doc` (a candidate of ``inner``) is kept (subclasses override).
    func accepts(_ doc: Int) -> Bool { true }

    private func filter(_ start: Int) -> Int {
        var d = start
        while d != Scorer.noMoreDocs && !accepts(d) { d = inner.nextCandidate() }
        return d
    }

    final override func nextCandidate() -> Int { doc = filter(inner.nextCandidate()); return doc }
    final override func advanceCandidate(_ target: Int) -> Int { doc = filter(inner.advanceCandidate(target)); return doc }
    final override func confirm() -> Bool { inner.confirm() }
    final override func nextDoc() -> Int { settle(nextCandidate()) }
    final override func advance(_ target: Int) -> Int { settle(advanceCandidate(target)) }
    final override func score() -> Float { inner.score() }
    final override var maxScore: Float { inner.maxScore }
    final override func advanceShallow(_ target: Int) -> Int { inner.advanceShallow(target) }
    final override func maxScore(upTo: Int) -> Float { inner.maxScore(upTo: upTo) }
    final override var cost: Int { inner.cost }
    final override var frequency: Float { inner.frequency }
    final override func setMinCompetitiveScore(_ score: Float) { inner.setMinCompetitiveScore(score) }
    final override var pruned: Bool { inner.pruned }
}

/// A required scorer whose documents are kept only when no excluded scorer matches them.
final class ExclusionScorer: FilteringScorer {
    /// The excluded scorers (NOT clauses), fully matched (a phrase is confirmed).
    let excluded: [Scorer]
    private let excludedList: ScorerList<Scorer>

    /// The scorer whose documents are kept.
    var required: Scorer { inner }

    init(required: Scorer, excluded: [Scorer]) {
        self.excluded = excluded
        excludedList = ScorerList(excluded)
        super.init(inner: required)
    }

    override func accepts(_ candidate: Int) -> Bool {
        for i in 0..<excludedList.count {
            let d = excludedList.with(i) { scorer -> Int in scorer.doc < candidate ? scorer.advance(candidate) : scorer.doc }
            if d == candidate { return false }
        }
        return true
    }
}

/// Documents of an inner scorer whose date lies in a range (a filter: it does not score).
final class DateFilterScorer: FilteringScorer {
    private let dates: DateColumnReader
    private let lower: Int64
    private let upper: Int64

    init(inner: Scorer, dates: DateColumnReader, lower: Int64?, upper: Int64?) {
        self.dates = dates
        self.lower = lower ?? (Int64.min + 1)
        self.upper = upper ?? Int64.max
        super.init(inner: inner)
    }

    override func accepts(_ doc: Int) -> Bool {
        let v = dates.value(doc)
        return v != DateColumn.missing && v >= lower && v <= upper
    }
}
