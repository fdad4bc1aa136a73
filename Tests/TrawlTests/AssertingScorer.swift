import Foundation
@testable import Trawl

/// Contract violations seen by ``AssertingScorer``s, shared by every scorer of a search.
final class ScorerContractLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []

    /// Records a violation.
    func record(_ what: String) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count < 20 { entries.append(what) }
    }

    /// The violations recorded so far (at most 20).
    var violations: [String] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }
}

/// Wraps a scorer and checks that it and its callers keep the scorer contracts written on
/// ``Scorer`` (as Lucene's `AssertingScorer` does in its tests):
///
/// - **Iteration:** documents come in strictly increasing order; `advance(t)` is called with
///   `t` past the current document and returns a document at or after `t`; nothing is asked of
///   an exhausted scorer.
/// - **Two-phase matching:** `confirm()` only on a candidate, at most once per candidate; a
///   two-phase scorer's score only after its candidate was confirmed (or after `nextDoc` /
///   `advance`, which return matches only).
/// - **Score bounds:** every score is finite, non-negative and within `maxScore`, and within
///   `maxScore(upTo:)` for the window announced by the last `advanceShallow`.
///
/// Used by the differential search check over every generated query: the search tree is built
/// with every node wrapped (``SearchRequest/scorerWrapper``), so the contracts are checked
/// between every parent and child, and the results must equal the unwrapped search's.
final class AssertingScorer: Scorer {
    private let inner: Scorer
    private let log: ScorerContractLog
    private let name: String
    /// Whether the current document is a candidate not yet confirmed (nil: a match).
    private var pendingConfirmation: Bool? = nil
    private var confirmedDoc = -1
    /// The window of the last `advanceShallow` and the bound given for it, if asked.
    private var shallowTarget = -1
    private var windowEnd = -1
    private var windowBounds: [(upTo: Int, bound: Float)] = []

    init(_ inner: Scorer, log: ScorerContractLog) {
        self.inner = inner
        self.log = log
        name = String(describing: type(of: inner))
        super.init(twoPhase: inner.isTwoPhase)
        doc = inner.doc
    }

    private func fail(_ what: String) { log.record("\(name): \(what)") }

    private func moved(_ result: Int, from previous: Int, by call: String, target: Int? = nil) -> Int {
        if result != Scorer.noMoreDocs {
            if result <= previous { fail("\(call) went from \(previous) to \(result)") }
            if let target, result < target { fail("\(call)(\(target)) returned \(result)") }
        }
        if result != inner.doc { fail("\(call) returned \(result) but sits on \(inner.doc)") }
        doc = result
        return result
    }

    private func checkCanMove(_ call: String) {
        if doc == Scorer.noMoreDocs { fail("\(call) on an exhausted scorer") }
    }

    override func nextDoc() -> Int {
        checkCanMove("nextDoc")
        let previous = doc
        pendingConfirmation = nil
        return moved(inner.nextDoc(), from: previous, by: "nextDoc")
    }

    override func advance(_ target: Int) -> Int {
        checkCanMove("advance")
        if target <= doc { fail("advance(\(target)) called on document \(doc)") }
        let previous = doc
        pendingConfirmation = nil
        return moved(inner.advance(target), from: previous, by: "advance", target: target)
    }

    override func nextCandidate() -> Int {
        checkCanMove("nextCandidate")
        let previous = doc
        let result = moved(inner.nextCandidate(), from: previous, by: "nextCandidate")
        pendingConfirmation = isTwoPhase ? true : nil
        return result
    }

    override func advanceCandidate(_ target: Int) -> Int {
        checkCanMove("advanceCandidate")
        if target <= doc { fail("advanceCandidate(\(target)) called on document \(doc)") }
        let previous = doc
        let result = moved(inner.advanceCandidate(target), from: previous, by: "advanceCandidate", target: target)
        pendingConfirmation = isTwoPhase ? true : nil
        return result
    }

    override func confirm() -> Bool {
        if doc < 0 || doc == Scorer.noMoreDocs { fail("confirm() off any candidate (document \(doc))") }
        if confirmedDoc == doc && isTwoPhase { fail("confirm() twice on document \(doc)") }
        confirmedDoc = doc
        let matches = inner.confirm()
        if !isTwoPhase && !matches { fail("a one-phase scorer rejected its candidate \(doc)") }
        pendingConfirmation = matches ? nil : false
        return matches
    }

    override func score() -> Float {
        if doc < 0 || doc == Scorer.noMoreDocs { fail("score() off any document (\(doc))") }
        if let pending = pendingConfirmation {
            fail(pending ? "score() of candidate \(doc) before confirm()" : "score() of rejected candidate \(doc)")
        }
        let score = inner.score()
        if !score.isFinite || score < 0 { fail("score \(score) of document \(doc)") }
        let bound = inner.maxScore
        if score > bound * (1 + 1e-5) + 1e-6 { fail("score \(score) of document \(doc) above maxScore \(bound)") }
        if doc >= shallowTarget {
            for window in windowBounds where doc <= window.upTo {
                if score > window.bound * (1 + 1e-5) + 1e-6 {
                    fail("score \(score) of document \(doc) above maxScore(upTo: \(window.upTo)) = \(window.bound)")
                }
            }
        }
        return score
    }

    override var maxScore: Float { inner.maxScore }

    override func advanceShallow(_ target: Int) -> Int {
        let end = inner.advanceShallow(target)
        if end < target { fail("advanceShallow(\(target)) returned \(end)") }
        if inner.doc != doc { fail("advanceShallow moved the scorer from \(doc) to \(inner.doc)") }
        shallowTarget = target
        windowEnd = end
        windowBounds.removeAll(keepingCapacity: true)
        return end
    }

    override func maxScore(upTo: Int) -> Float {
        let bound = inner.maxScore(upTo: upTo)
        if bound > inner.maxScore * (1 + 1e-5) + 1e-6 { fail("maxScore(upTo: \(upTo)) = \(bound) above maxScore \(inner.maxScore)") }
        // Only a window the last shallow advance announced is meaningful.
        if shallowTarget >= 0 && upTo <= windowEnd { windowBounds.append((upTo, bound)) }
        return bound
    }

    override var cost: Int { inner.cost }
    override var frequency: Float { inner.frequency }
    override func setMinCompetitiveScore(_ score: Float) { inner.setMinCompetitiveScore(score) }
    override var pruned: Bool { inner.pruned }
}
