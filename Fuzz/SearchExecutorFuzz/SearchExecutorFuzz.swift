// libFuzzer entry point for the search executor: the input bytes drive the random draws of
// SearchDifferential (Tests/TrawlTests/SearchDifferential.swift, compiled into this target with
// BruteForceSearch.swift by `Fuzz/build.sh SearchExecutorFuzz`), which builds a small corpus over
// several commits with deletions and checks eight random queries against the brute-force
// evaluator. A difference is shrunk, printed and turned into a crash so libFuzzer keeps the input;
// a trap in the engine is a crash by itself. Set TRAWL_FUZZ_VERBOSE=1 to print each case before
// it runs (to see what a crashing input builds).
import Foundation
@testable import Trawl

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var random = DifferentialRandom(bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    let steps = SearchDifferential.corpus(&random)
    let queries = (0..<8).map { _ in SearchDifferential.queryCase(&random) }
    if ProcessInfo.processInfo.environment["TRAWL_FUZZ_VERBOSE"] != nil {
        print("corpus:\n" + steps.map { "  \($0)" }.joined(separator: "\n"))
        print("queries:\n" + queries.map { "  \($0)" }.joined(separator: "\n"))
    }
    if let failure = SearchDifferential.firstFailure(steps, queries: queries) {
        fatalError("search differs from the brute-force evaluator:\n\(SearchDifferential.shrink(failure))")
    }
    return 0
}
