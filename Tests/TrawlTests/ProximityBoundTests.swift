import Foundation
import Testing
@testable import Trawl

/// The bounds the top-k loops use to skip the term-proximity bonus (``ProximityBonus``) never
/// fall below the bonus itself: random documents with many close repetitions of few words,
/// random queries, weights, windows and field weights.
@Suite struct ProximityBoundTests {
    static let vocabulary = ["oil", "gas", "coal", "wind", "sun", "tide", "fuel"]

    /// A random corpus: short titles, bodies of up to 60 words of a seven-word vocabulary (so
    /// words repeat and sit next to each other), and a few two-word documents where the bound is
    /// tight (one occurrence each at distance 1).
    static func corpus(_ random: inout DifferentialRandom) -> [SearchDifferential.Step] {
        var steps: [SearchDifferential.Step] = []
        for i in 0..<80 {
            let titleLength = random.below(4)
            let bodyLength = random.chance(15) ? 2 : 1 + random.below(60)
            let title = (0..<titleLength).map { _ in random.pick(vocabulary) }.joined(separator: " ")
            let body = (0..<bodyLength).map { _ in random.pick(vocabulary) }.joined(separator: " ")
            steps.append(.add(Document(id: "d\(i)", title: title, body: body)))
            if random.chance(5) { steps.append(.commit) }
        }
        steps.append(.commit)
        return steps
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func frequencyAndClauseBoundsAreNeverBelowTheBonus(seed: UInt64) throws {
        var random = DifferentialRandom(seed: seed)
        let reader = try SearchDifferential.build(Self.corpus(&random))
        var checked = 0
        var tighter = 0
        var clauseChecked = 0
        for _ in 0..<25 {
            var pool = Self.vocabulary
            var words: [String] = []
            for _ in 0..<(2 + random.below(3)) { words.append(pool.remove(at: random.below(pool.count))) }
            let or = random.chance(60)
            let text = words.joined(separator: or ? " OR " : " AND ")
            var request = SearchRequest(query: try reader.queryParser().parse(text), limit: 10)
            request.proximity = TermProximity(weight: random.pick([0.1, 0.5, 1, 3]), window: random.pick([1, 2, 5, 10, 1000]))
            if random.chance(50) { request.fieldWeights = ["title": random.pick([0.5, 2, 5])] }
            var plan = try QueryPlan(reader: reader, request: request)
            for s in reader.segments.indices {
                guard let root = try plan.scorer(segment: s), let proximity = root.proximity else { continue }
                let clauseCaps = root.disjunctionClauses.map { proximity.clauseCaps($0) }
                var doc = root.scorer.nextDoc()
                while doc != Scorer.noMoreDocs {
                    let bound = proximity.frequencyBound(doc: doc)
                    let bonus = proximity.bonus(doc: doc)
                    #expect(bonus <= bound, "\(text) segment \(s) doc \(doc): bonus \(bonus) > bound \(bound)")
                    #expect(bound <= proximity.bound)
                    checked += 1
                    if bound < proximity.bound * 0.99 { tighter += 1 }
                    if let clauses = root.disjunctionClauses, let (caps, rest, wordsAreClauses) = clauseCaps {
                        var sum = rest
                        var matching = 0
                        for (i, clause) in clauses.enumerated() where clause.doc == doc { sum += caps[i]; matching += 1 }
                        #expect(bonus <= sum, "\(text) doc \(doc): bonus \(bonus) > clause caps \(sum)")
                        if wordsAreClauses && matching < 2 { #expect(bonus == 0) }
                        clauseChecked += 1
                    }
                    doc = root.scorer.nextDoc()
                }
            }
        }
        // The checks saw real work: many documents, some where the frequency bound is below the
        // sum of all caps (else it would prune nothing).
        #expect(checked > 200)
        #expect(tighter > 20)
        #expect(clauseChecked > 50)
    }
}
