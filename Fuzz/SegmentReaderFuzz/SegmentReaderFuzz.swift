// libFuzzer entry point for the segment readers: every index file kind (commit manifest, term
// dictionary, postings, positions, field lengths, document store, dates, live documents) is
// mutated by the fuzz input, then the index is opened, checked, searched and merged. Built by
// `Fuzz/build.sh SegmentReaderFuzz` against the whole library compiled with -enable-testing,
// together with Tests/TrawlReliabilityTests/SegmentFuzzInput.swift (the input format and the
// steps, shared with the regression tests that replay findings).
@testable import Trawl

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    SegmentFuzzInput.run(UnsafeBufferPointer(start: data, count: size)) { fatalError($0) }
    return 0
}

extension MemoryDirectory {
    /// A copy with the same files.
    func copy() -> MemoryDirectory {
        let copy = MemoryDirectory()
        for name in (try? fileNames()) ?? [] { copy.overwrite(name, with: contents(of: name) ?? []) }
        return copy
    }
}
