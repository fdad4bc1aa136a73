import NIOConcurrencyHelpers
import Testing
import Trawl
@testable import TrawlServer

/// The search gate: never more searches at once than permits, every search runs, waiters are
/// served as permits free up.
@Suite struct SearchGateTests {
    @Test(arguments: [1, 2, 3])
    func atMostPermitsRunAtOnceAndAllRun(permits: Int) async throws {
        let gate = SearchGate(permits: permits)
        let counters = NIOLockedValueBox((running: 0, most: 0, done: 0))
        try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<200 {
                group.addTask {
                    try await gate.run { () throws(OpenSearchError) -> Int in
                        counters.withLockedValue { $0.running += 1; $0.most = max($0.most, $0.running) }
                        // Hold the permit a little so that others queue behind it.
                        var x = 0
                        for i in 0..<20_000 { x &+= i ^ n }
                        counters.withLockedValue { $0.running -= 1; $0.done += 1 }
                        return x
                    }
                }
            }
            for try await _ in group {}
        }
        let final = counters.withLockedValue { $0 }
        #expect(final.done == 200)
        #expect(final.running == 0)
        #expect(final.most <= permits)
        #expect(final.most >= 1)
    }
}
