/// The document-at-a-time iterators that execute a query over one segment.
///
/// A scorer keeps four contracts, each in its own section below:
///
/// 1. **Iteration** — ``nextDoc()``, ``advance(_:)``, ``doc``, ``cost``: matching documents in
///    strictly increasing order; `advance(t)` is called with `t` past ``doc`` and returns the
///    first match at or after `t`; ``noMoreDocs`` ends it and nothing is asked after that.
/// 2. **Two-phase matching** — ``isTwoPhase``, ``nextCandidate()``, ``advanceCandidate(_:)``,
///    ``confirm()``: a scorer whose matching has a costly second phase (reading positions)
///    stops on candidates first and confirms them on demand (rules on ``isTwoPhase``).
/// 3. **Score bounds** — ``score()``, ``maxScore``, ``advanceShallow(_:)``,
///    ``maxScore(upTo:)``, ``setMinCompetitiveScore(_:)``, ``pruned``: scores are finite,
///    non-negative and within the bounds, which the top-k loops (``TopDocsSearch``) use to skip
///    documents that cannot compete.
/// 4. **Explanation** — ``frequency``: the statistic `explain` reports for the current match.
///
/// The tests wrap every node of every search tree of the differential check in an asserting
/// scorer that verifies these contracts between each parent and child
/// (``SearchRequest/scorerWrapper``). A subclass must implement the iteration and bound
/// members (the base traps if one is forgotten: a programming error the first test finds, never
/// reachable from a query); the two-phase members default to one-phase behaviour.
///
/// Scorers are final subclasses of one base class: dispatch is a virtual call per document, with
/// no protocol existentials; the per-posting work (block decoding, scoring) is inlined inside
/// ``TermScorer``.
class Scorer {
    /// The sentinel returned when the iterator is exhausted.
    static let noMoreDocs = Int(UInt32.max)

    /// The current document, −1 before the first call, ``noMoreDocs`` at the end.
    @exclusivity(unchecked) var doc = -1

    /// Creates a scorer; `twoPhase` says whether matching has a second phase (see
    /// ``isTwoPhase``), fixed for the scorer's life.
    init(twoPhase: Bool = false) {
        isTwoPhase = twoPhase
    }

    // MARK: Iteration (every scorer implements these)

    /// Moves to the next matching document and returns it (``noMoreDocs`` at the end). Never
    /// called again once it returned ``noMoreDocs``.
    func nextDoc() -> Int { Scorer.mustOverride("nextDoc()", self) }

    /// Moves to the first matching document ≥ `target` and returns it; `target` > ``doc``.
    func advance(_ target: Int) -> Int { Scorer.mustOverride("advance(_:)", self) }

    /// The score of the current document: finite, ≥ 0, at most ``maxScore`` (and at most
    /// ``maxScore(upTo:)`` inside the announced window). Called only on a match.
    func score() -> Float { Scorer.mustOverride("score()", self) }

    /// An estimate of how many documents match (for ordering conjunctions).
    var cost: Int { Scorer.mustOverride("cost", self) }

    /// A scorer class that forgot a method of its contract: a programming error, caught by the
    /// first test that builds one (no query input can reach it).
    static func mustOverride(_ member: String, _ scorer: Scorer) -> Never {
        preconditionFailure("\(type(of: scorer)) must implement \(member)")
    }

    // MARK: Score bounds

    /// An upper bound of every score this scorer can produce in the segment.
    var maxScore: Float { Scorer.mustOverride("maxScore", self) }

    /// Prepares bounds for documents from `target` on, and returns the last document of a window
    /// over which ``maxScore(upTo:)`` is meaningful (without moving ``doc``).
    func advanceShallow(_ target: Int) -> Int { Scorer.noMoreDocs }

    /// An upper bound of the scores of documents from the last shallow target up to `upTo`.
    func maxScore(upTo: Int) -> Float { maxScore }

    // MARK: Explanation

    /// The frequency-like statistic of the current document (term or phrase frequency), for
    /// explain; 1 for scorers without one.
    var frequency: Float { 1 }

    // MARK: Two-phase iteration

    /// Whether matching has a costly second phase (reading positions): then ``nextCandidate()``
    /// and ``advanceCandidate(_:)`` stop on documents that may match, and ``confirm()`` decides.
    /// Fixed at initialization (``init(twoPhase:)``).
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
    final let isTwoPhase: Bool

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
