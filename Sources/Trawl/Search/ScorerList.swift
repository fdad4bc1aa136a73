/// A fixed list of scorers read without reference counting in hot loops.
///
/// Arrays of class references cost a retain and a release on every element read; the scorer
/// loops read children once or more per document. The list keeps the scorers alive through
/// ``owners`` and hands out unmanaged references that are valid as long as the list lives.
struct ScorerList<Element: Scorer> {
    /// The scorers, kept alive by this array.
    let owners: [Element]
    private let references: [Unmanaged<Element>]

    /// Creates a list.
    init(_ scorers: [Element]) {
        owners = scorers
        references = scorers.map { Unmanaged.passUnretained($0) }
    }

    /// How many scorers.
    @inline(__always) var count: Int { references.count }

    /// Calls `body` with scorer `index`, without retaining it.
    @inline(__always)
    func with<R>(_ index: Int, _ body: (Element) -> R) -> R {
        references[index]._withUnsafeGuaranteedRef(body)
    }

    /// The end of the window over which every scorer's bound holds (the smallest block end).
    @inline(__always)
    func advanceShallow(_ target: Int) -> Int {
        var end = Scorer.noMoreDocs
        for i in 0..<count { end = min(end, with(i) { $0.advanceShallow(target) }) }
        return end
    }

    /// The sum of the bounds up to `upTo` of the scorers that can still match there: a scorer
    /// already past `upTo` adds nothing (a union's bound; a conjunction needs every child).
    @inline(__always)
    func maxScoreOfPresent(upTo: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count {
            sum += with(i) { $0.doc > upTo ? 0 : $0.maxScore(upTo: upTo) }
        }
        return sum
    }

    /// Tells each scorer of a sum the minimum its own part must beat: `threshold` less what the
    /// others can add (a scorer already exhausted adds nothing).
    func setMinCompetitiveScore(_ threshold: Float) {
        var sum: Float = 0
        for i in 0..<count { sum += with(i) { $0.doc == Scorer.noMoreDocs ? 0 : $0.maxScore } }
        for i in 0..<count {
            with(i) { scorer in
                let own = scorer.doc == Scorer.noMoreDocs ? 0 : scorer.maxScore
                scorer.setMinCompetitiveScore(Scorer.remainingMinimum(threshold, minus: sum - own))
            }
        }
    }

    /// The sum of the scorers' bounds up to `upTo`.
    @inline(__always)
    func maxScore(upTo: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count { sum += with(i) { $0.maxScore(upTo: upTo) } }
        return sum
    }
}
