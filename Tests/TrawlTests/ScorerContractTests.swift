import Testing
@testable import Trawl

/// The scorer contracts (``Scorer``) on the corpora where scorers go wrong most easily — no
/// match, one document, every document deleted, several segments — for a query of every
/// scorer type, each checked against the brute-force evaluator and through
/// ``AssertingScorer``s; and the asserting scorer itself, which must catch a broken scorer.
@Suite struct ScorerContractTests {
    /// A scorer that breaks the contracts on purpose: its documents go backwards and its scores
    /// exceed its bound.
    final class BrokenScorer: Scorer {
        private var documents: [Int]
        private let scoreValue: Float

        init(documents: [Int], score: Float) {
            self.documents = documents
            scoreValue = score
            super.init(twoPhase: false)
        }

        override func nextDoc() -> Int {
            doc = documents.isEmpty ? Scorer.noMoreDocs : documents.removeFirst()
            return doc
        }

        override func advance(_ target: Int) -> Int {
            repeat { _ = nextDoc() } while doc < target
            return doc
        }

        override func score() -> Float { scoreValue }
        override var maxScore: Float { 1 }
        override var cost: Int { documents.count }
    }

    @Test func theAssertingScorerCatchesBrokenScorers() {
        let backwards = ScorerContractLog()
        let scorer = AssertingScorer(BrokenScorer(documents: [5, 3], score: 0.5), log: backwards)
        _ = scorer.nextDoc()
        _ = scorer.score()
        _ = scorer.nextDoc()
        #expect(backwards.violations.contains { $0.contains("nextDoc went from 5 to 3") }, "\(backwards.violations)")

        let overBound = ScorerContractLog()
        let loud = AssertingScorer(BrokenScorer(documents: [1], score: 2), log: overBound)
        _ = loud.nextDoc()
        _ = loud.score()
        #expect(overBound.violations.contains { $0.contains("above maxScore") }, "\(overBound.violations)")

        // A caller's mistakes too: advancing backwards, scoring an exhausted scorer.
        let callers = ScorerContractLog()
        let fine = AssertingScorer(BrokenScorer(documents: [2, 4, 6], score: 0.5), log: callers)
        _ = fine.advance(4)
        _ = fine.advance(3)
        #expect(callers.violations.contains { $0.contains("advance(3) called on document 4") }, "\(callers.violations)")
        _ = fine.advance(100)
        _ = fine.score()
        #expect(callers.violations.contains { $0.contains("score() off any document") }, "\(callers.violations)")
    }

    @Test func aTwoPhaseScoreBeforeConfirmationIsCaught() throws {
        let steps: [SearchDifferential.Step] = [
            .add(Document(id: "a", body: "crude oil prices")), .add(Document(id: "b", body: "oil crude")), .commit,
        ]
        let reader = try SearchDifferential.build(steps)
        let query = try reader.queryParser().parse("\"crude oil\"")
        var plan = try QueryPlan(reader: reader, request: SearchRequest(query: query))
        let root = try #require(try plan.scorer(segment: 0))
        #expect(root.scorer.isTwoPhase)
        let log = ScorerContractLog()
        let phrase = AssertingScorer(root.scorer, log: log)
        _ = phrase.nextCandidate()
        _ = phrase.score()
        #expect(log.violations.contains { $0.contains("before confirm()") }, "\(log.violations)")
    }

    /// Cases the search fuzzer found in the asserting pass: every score 0 (a phrase `^0`), where
    /// pruning may skip any window once the top k is full, so a lower-bound total may differ with
    /// and without the wrappers while the hits may not; and a score one unit in the last place
    /// apart (the order of a sum), so scores compare within tolerance, documents where they tie.
    static let fuzzerCases: [(steps: [SearchDifferential.Step], query: String, defaultOr: Bool)] = [
        ([.add(Document(id: "d2", title: "shipping")), .add(Document(id: "d4", body: "shipping")),
          .add(Document(id: "d5", body: "ship")), .add(Document(id: "d8", body: "shipping"))],
         "-byline:ship \"shipping shipping\"~2^0", false),
        ([.add(Document(id: "d2", title: "grain crude price", body: "prices tank prices shipping grain shipping price")),
          .add(Document(id: "d4", title: "shipping oil", body: "price ship tanker crude grain price ship shipping ship tank crude crude"))],
         "(crude pri* OR grain) OR byline:\"shipping ship\"", true),
    ]

    @Test(arguments: fuzzerCases.indices)
    func fuzzerCasesAgreeWithAndWithoutWrappers(_ index: Int) throws {
        let (steps, text, defaultOr) = Self.fuzzerCases[index]
        let reader = try SearchDifferential.build(steps)
        let reference = try SearchDifferential.reference(reader)
        let queryCase = SearchDifferential.QueryCase(query: .leaf(text), defaultOr: defaultOr, offset: 0, pageSize: 3)
        let problem = try SearchDifferential.check(queryCase, reader: reader, reference: reference)
        #expect(problem == nil, "`\(text)`: \(problem ?? "")")
    }

    /// One query per scorer type (and their combinations), with paging and date sorting.
    static let queries = [
        "oil", "crude oil", "oil OR grain", "\"crude oil\"", "\"crude oil\"~3", "cru*", "title:oil",
        "oil -grain", "oil OR -grain", "+oil grain", "oil^3 OR grain", "(oil OR grain) AND (crude OR wheat)",
        "oil AND date:[2020-01-01 TO 2023-12-31]", "date:[2021-01-01 TO *]", "*:*", "*:* -oil",
        "(\"crude oil\" OR wheat*) -title:grain", "nothingmatches", "oil AND nothingmatches",
    ]

    static func document(_ id: String, _ title: String, _ body: String, year: Int?) -> SearchDifferential.Step {
        .add(Document(id: id, title: title, date: year.flatMap { DocumentDate(year: $0, month: 6, day: 1) }, body: body))
    }

    static let corpora: [(name: String, steps: [SearchDifferential.Step])] = [
        ("no document matches", [document("a", "Tea", "green tea leaves", year: 2020), .commit]),
        ("one document", [document("a", "Oil", "crude oil and grain prices", year: 2022), .commit]),
        ("every document deleted", [
            document("a", "Oil", "crude oil", year: 2021), document("b", "Grain", "grain and oil", year: 2022), .commit,
            .delete("a"), .delete("b"), .commit,
        ]),
        ("several segments with deletions", [
            document("a", "Oil", "crude oil prices rise", year: 2019), document("b", "Grain", "wheat and grain", year: 2021), .commit,
            document("c", "Crude", "crude oil crude oil", year: nil), document("d", "Mixed", "oil grain wheat crude", year: 2023), .commit,
            .delete("b"), document("e", "Oil again", "oil", year: 2022), .commit,
        ]),
        ("merged after deletions", [
            document("a", "Oil", "crude oil prices rise", year: 2019), document("b", "Grain", "wheat and grain", year: 2021), .commit,
            document("c", "Crude", "crude oil crude oil", year: nil), .delete("a"), .commit, .optimize,
        ]),
    ]

    @Test(arguments: corpora.indices)
    func everyScorerKeepsTheContracts(_ corpus: Int) throws {
        let (name, steps) = Self.corpora[corpus]
        let reader = try SearchDifferential.build(steps)
        let reference = try SearchDifferential.reference(reader)
        for text in Self.queries {
            for (offset, pageSize) in [(0, 10), (1, 2)] {
                let queryCase = SearchDifferential.QueryCase(query: .leaf(text), defaultOr: false, offset: offset, pageSize: pageSize)
                let problem = try SearchDifferential.check(queryCase, reader: reader, reference: reference)
                #expect(problem == nil, "\(name): `\(text)`: \(problem ?? "")")
            }
        }
    }
}
