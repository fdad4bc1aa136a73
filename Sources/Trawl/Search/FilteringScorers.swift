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

/// A test on one document's column values: what a filter clause (`date:>=2024`,
/// `words:>1000`, `_exists_:author`) checks. Built once per segment and query; ``accepts(_:)``
/// is one switch and one or two loads from a mapped column.
enum ColumnPredicate {
    /// The document date within `lower...upper` (seconds).
    case date(DateColumnReader, lower: Int64, upper: Int64)
    /// An integer (or date) column value within `lower...upper`.
    case integers(NumericColumnReader, lower: Int64, upper: Int64)
    /// A double column value within the range.
    case doubles(NumericColumnReader, Query.NumberRange)
    /// At least one keyword value.
    case hasKeyword(KeywordColumnReader)
    /// A non-empty text field (its length code is not 0).
    case hasText(UnsafePointer<UInt8>)
    /// Every document (a number range open at both ends on a column every document has).
    case always

    @inline(__always)
    func accepts(_ doc: Int) -> Bool {
        switch self {
        case .date(let column, let lower, let upper):
            let v = column.value(doc)
            return v != DateColumn.missing && v >= lower && v <= upper
        case .integers(let column, let lower, let upper):
            let v = column.integer(doc, column.bytes)
            return v != Columns.missingInteger && v >= lower && v <= upper
        case .doubles(let column, let range):
            return range.contains(column.double(doc, column.bytes))
        case .hasKeyword(let column):
            return !column.valueRange(doc, column.bytes).isEmpty
        case .hasText(let codes):
            return codes[doc] != 0
        case .always:
            return true
        }
    }

    /// The integer bounds of a number range over an integer column (empty when none fits).
    static func integerBounds(_ range: Query.NumberRange) -> (Int64, Int64) {
        var lower = Int64.min + 1, upper = Int64.max
        if let l = range.lower {
            let bound = range.lowerInclusive ? l.rounded(.up) : l.rounded(.down) + 1
            lower = bound >= 9.2e18 ? Int64.max : bound <= -9.2e18 ? Int64.min + 1 : Int64(bound)
        }
        if let u = range.upper {
            let bound = range.upperInclusive ? u.rounded(.down) : u.rounded(.up) - 1
            upper = bound >= 9.2e18 ? Int64.max : bound <= -9.2e18 ? Int64.min : Int64(bound)
        }
        return (lower, upper)
    }
}

/// Documents of an inner scorer whose column values pass a test (a filter: it does not score).
final class ColumnFilterScorer: FilteringScorer {
    /// The test.
    let predicate: ColumnPredicate
    /// The clause it filters by, for explanations.
    let clause: Query

    init(inner: Scorer, predicate: ColumnPredicate, clause: Query) {
        self.predicate = predicate
        self.clause = clause
        super.init(inner: inner)
    }

    override func accepts(_ doc: Int) -> Bool { predicate.accepts(doc) }
}
