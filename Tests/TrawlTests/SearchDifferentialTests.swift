import Foundation
import Testing
@testable import Trawl
#if canImport(Glibc)
import Glibc
#endif

/// Prints the case being checked when the process traps (a crash cannot be caught, shrunk or
/// recorded as an issue): a signal handler writes the last case, rendered beforehand, to
/// standard error, then hands the signal back to the runtime's own handler.
enum DifferentialCrashReport {
    nonisolated(unsafe) private static var message: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var previous: [Int32: sigaction] = [:]
    private static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT]
    private static let lock = NSLock()

    /// Sets the text printed on a trap (nil: nothing).
    static func set(_ text: String?) {
        lock.lock()
        defer { lock.unlock() }
        let old = message
        message = text.map { strdup($0) }
        free(old)
    }

    /// Installs the handler once.
    static func install() {
        lock.lock()
        defer { lock.unlock() }
        guard previous.isEmpty else { return }
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                if let message = DifferentialCrashReport.message {
                    let header = "\n== the differential search check trapped on this case:\n"
                    _ = header.withCString { write(2, $0, strlen($0)) }
                    _ = write(2, message, strlen(message))
                    _ = write(2, "\n", 1)
                }
                // Back to the runtime's handler (its backtrace), which runs when the trap repeats.
                if var old = DifferentialCrashReport.previous[signal] { sigaction(signal, &old, nil) }
                if signal == SIGABRT { raise(signal) }
            }
            var old = sigaction()
            sigaction(signal, &action, &old)
            previous[signal] = old
        }
    }
}

/// The search executor against a brute-force evaluator (``SearchDifferential``): seeded random
/// corpora and query trees. `TRAWL_DIFFERENTIAL_CORPORA`, `TRAWL_DIFFERENTIAL_QUERIES` and
/// `TRAWL_DIFFERENTIAL_SEED` lengthen or vary the run (docs/reliability.md has a soak command).
@Suite struct SearchDifferentialTests {
    static func setting(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? fallback
    }

    /// The crash of issue 20: an exclusion over a disjunction of one-phase clauses.
    @Test func exclusionOverADisjunctionOfWords() throws {
        let steps: [SearchDifferential.Step] = [
            .add(Document(id: "1", title: "germ", body: "x")),
            .add(Document(id: "2", title: "dog cat", body: "y")),
            .commit,
        ]
        let reader = try SearchDifferential.build(steps)
        let results = try reader.search("(dog OR cat) -germ")
        #expect(results.hits.map(\.id) == ["2"])
        let counted = try reader.search("(dog OR cat) -germ", countTotal: true)
        #expect(counted.hits.map(\.id) == ["2"])
        #expect(counted.total == 1)
        let query = SearchDifferential.QueryCase(query: .leaf("(dog OR cat) -germ"), defaultOr: false, offset: 0, pageSize: 2)
        #expect(SearchDifferential.firstFailure(steps, queries: [query]) == nil)
    }

    /// Shrinking keeps a failure and makes it smaller: a difference planted in the reference
    /// (a query whose parse is refused) shrinks to one leaf and at most one document.
    @Test func shrinkingFindsASmallCase() throws {
        var random = DifferentialRandom(seed: 7)
        let steps = SearchDifferential.corpus(&random)
        let big = DifferentialQuery.group([.leaf("oil"), .prefixed("-", .leaf("grain")), .leaf("a*")], joiners: [" ", " OR "])
        let query = SearchDifferential.QueryCase(query: big, defaultOr: true, offset: 3, pageSize: 2)
        let failure = try #require(SearchDifferential.firstFailure(steps, queries: [query]))
        #expect(failure.problem.contains("does not parse"))
        let shrunk = SearchDifferential.shrink(failure)
        #expect(shrunk.query.query.size == 1)
        #expect(shrunk.steps.count <= 1)
    }

    /// Random corpora × random queries: zero differences.
    @Test func randomQueriesMatchTheBruteForceEvaluator() throws {
        let corpora = Self.setting("TRAWL_DIFFERENTIAL_CORPORA", 200)
        let queries = Self.setting("TRAWL_DIFFERENTIAL_QUERIES", 50)
        let seed = UInt64(Self.setting("TRAWL_DIFFERENTIAL_SEED", 20))
        let started = Date()
        var checked = 0, segmentsSeen = 0, deletionsSeen = 0
        DifferentialCrashReport.install()
        defer { DifferentialCrashReport.set(nil) }
        for index in 0..<corpora {
            let (steps, cases) = SearchDifferential.generate(seed: seed, index: index, queries: queries)
            DifferentialCrashReport.set("seed \(seed), corpus \(index) (TRAWL_DIFFERENTIAL_SEED=\(seed)); "
                + "queries:\n" + cases.map { "  \($0)" }.joined(separator: "\n") + "\ncorpus:\n"
                + steps.map { "  \($0)" }.joined(separator: "\n"))
            if let failure = SearchDifferential.firstFailure(steps, queries: cases) {
                let shrunk = SearchDifferential.shrink(failure)
                Issue.record("seed \(seed), corpus \(index): \(shrunk)")
                return
            }
            let reader = try SearchDifferential.build(steps)
            segmentsSeen += reader.segments.count > 1 ? 1 : 0
            deletionsSeen += reader.deletedDocumentCount > 0 ? 1 : 0
            checked += cases.count
        }
        print("differential search check: \(corpora) corpora (\(segmentsSeen) with several segments, \(deletionsSeen) with deletions), \(checked) queries, seed \(seed), \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(checked == corpora * queries)
        #expect(segmentsSeen > corpora / 4)
        #expect(deletionsSeen > corpora / 10)
    }
}
