/// The document-at-a-time iterators that execute a query over one segment.
///
/// A scorer walks the segment's matching documents in increasing order (`nextDoc`,
/// `advance`), scores the current one, and gives upper bounds of its scores — over the whole
/// segment (``maxScore``) and over a window of documents (``advanceShallow(_:)`` then
/// ``maxScore(upTo:)``) — which the top-k loops use to skip documents that cannot compete.
///
/// Scorers are final subclasses of one base class: dispatch is a virtual call per document, with
/// no protocol existentials; the per-posting work (block decoding, scoring) is inlined inside
/// ``TermScorer``.
class Scorer {
    /// The sentinel returned when the iterator is exhausted.
    static let noMoreDocs = Int(UInt32.max)

    /// The current document, −1 before the first call, ``noMoreDocs`` at the end.
    @exclusivity(unchecked) var doc = -1

    /// Moves to the next matching document (subclasses override; the base matches nothing).
    func nextDoc() -> Int { doc = Scorer.noMoreDocs; return doc }

    /// Moves to the first matching document ≥ `target` (`target` > ``doc``).
    func advance(_ target: Int) -> Int { doc = Scorer.noMoreDocs; return doc }

    /// The score of the current document.
    func score() -> Float { 0 }

    /// An upper bound of every score this scorer can produce in the segment.
    var maxScore: Float { 0 }

    /// Prepares bounds for documents from `target` on, and returns the last document of a window
    /// over which ``maxScore(upTo:)`` is meaningful (without moving ``doc``).
    func advanceShallow(_ target: Int) -> Int { Scorer.noMoreDocs }

    /// An upper bound of the scores of documents from the last shallow target up to `upTo`.
    func maxScore(upTo: Int) -> Float { maxScore }

    /// An estimate of how many documents match (for ordering conjunctions).
    var cost: Int { 0 }

    /// The frequency-like statistic of the current document (term or phrase frequency), for explain.
    var frequency: Float { 0 }

    // MARK: Two-phase iteration

    /// Whether matching has a costly second phase (reading positions): then ``nextCandidate()``
    /// and ``advanceCandidate(_:)`` stop on documents that may match, and ``confirm()`` decides.
    /// Set once by the subclass's initializer.
    ///
    /// The two-phase contract, which every scorer keeps whatever its children:
    /// - ``confirm()`` may be called on **any** scorer sitting on a candidate, two-phase or not,
    ///   at most once per candidate and before ``score()``. A one-phase scorer's candidates are
    ///   its matches, so it answers true — whatever state it keeps for a second phase (such as a
    ///   disjunction's per-child confirmations) must not be touched then.
    /// - A parent confirms a child only on the child's current candidate (`child.doc` equals the
    ///   parent's document), and reads the child's ``score()`` only after a true confirmation
    ///   (or, for a one-phase child, right after it landed there).
    /// - ``nextDoc()`` and ``advance(_:)`` return matches only: they finish through
    ///   ``settle(_:)``, which confirms candidates of a two-phase scorer and returns a one-phase
    ///   scorer's candidates as they are (they are its matches).
    ///
    /// A broken first rule once trapped a search: an exclusion over a disjunction of words
    /// (`(dog OR cat) -germ`) confirmed the one-phase disjunction, whose confirmation table
    /// exists only in two-phase mode.
    @exclusivity(unchecked) var isTwoPhase = false

    /// Moves to the next document that may match (the next match, for a one-phase scorer).
    func nextCandidate() -> Int { nextDoc() }

    /// Moves to the first document ≥ `target` that may match.
    func advanceCandidate(_ target: Int) -> Int { advance(target) }

    /// Whether the current candidate matches (call at most once per candidate, before ``score()``).
    func confirm() -> Bool { true }

    /// From candidate `start` on, the first candidate that ``confirm()`` accepts: how a scorer
    /// whose children may have a second phase finishes `nextDoc` and `advance`
    /// (`settle(nextCandidate())`). A one-phase scorer's candidate is its match: returned as is.
    @inline(__always)
    final func settle(_ start: Int) -> Int {
        guard isTwoPhase else { return start }
        var d = start
        while d != Scorer.noMoreDocs {
            doc = d
            if confirm() { return d }
            d = nextCandidate()
        }
        doc = d
        return d
    }

    // MARK: Pruning inside the scorer

    /// Tells the scorer that documents scoring at most `score` cannot enter the results, so it
    /// may drop them without finishing their evaluation (a phrase skips reading positions).
    func setMinCompetitiveScore(_ score: Float) {}

    /// Whether the scorer dropped any matching document because of the minimum competitive
    /// score (the total is then a lower bound).
    var pruned: Bool { false }
}

extension Scorer {
    /// The minimum competitive score left for one part of a sum when the others can add at most
    /// `others`, lowered by a few units in the last place so float rounding never drops a
    /// document that could still tie its way in.
    static func remainingMinimum(_ threshold: Float, minus others: Float) -> Float {
        let rest = threshold - others
        guard rest > 0 else { return 0 }
        return max(0, rest - rest.ulp * 8 - others.ulp * 8)
    }
}
