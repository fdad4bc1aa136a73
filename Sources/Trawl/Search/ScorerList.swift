/// A fixed list of scorers read without reference counting in hot loops.
///
/// Arrays of class references cost a retain and a release on every element read; the scorer
/// loops read children once or more per document. The list keeps the scorers alive through
/// ``owners`` and hands out unmanaged references that are valid as long as the list lives.
struct ScorerList {
    /// The scorers, kept alive by this array.
    let owners: [Scorer]
    private let references: [Unmanaged<Scorer>]

    /// Creates a list.
    init(_ scorers: [Scorer]) {
        owners = scorers
        references = scorers.map { Unmanaged.passUnretained($0) }
    }

    /// How many scorers.
    @inline(__always) var count: Int { references.count }

    /// Calls `body` with scorer `index`, without retaining it.
    @inline(__always)
    func with<R>(_ index: Int, _ body: (Scorer) -> R) -> R {
        references[index]._withUnsafeGuaranteedRef(body)
    }
}
