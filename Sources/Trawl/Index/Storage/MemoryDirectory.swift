/// An index folder held in memory, for tests: it can fail a chosen write operation on demand
/// (simulating a full disk) and can simulate a crash by forgetting files that were not synced.
final class MemoryDirectory: IndexDirectory, Sendable {
    /// Which operation fails next, counted over `createOutput`, every `write`, `finish`, `rename`
    /// and `syncDirectory` call.
    struct FaultPlan: Sendable {
        /// The 0-based index of the operation that fails; `nil` never fails.
        var failingOperation: Int?
    }

    private struct State {
        var files: [String: [UInt8]] = [:]
        var operations = 0
        var plan = FaultPlan()
    }

    private let state = PosixLock(State())

    var location: String { "memory" }

    /// Creates an empty in-memory folder.
    init() {}

    /// Sets which operation will fail, counting from now.
    func injectFault(atOperation index: Int?) {
        state.withLock {
            $0.operations = 0
            $0.plan = FaultPlan(failingOperation: index)
        }
    }

    /// How many operations have run since the last ``injectFault(atOperation:)``.
    var operationCount: Int { state.withLock { $0.operations } }

    /// Counts one operation and throws when it is the one chosen to fail.
    func tick(_ what: String) throws(TrawlError) {
        let fail = state.withLock { s -> Bool in
            defer { s.operations += 1 }
            return s.plan.failingOperation == s.operations
        }
        if fail { throw TrawlError(.io, "injected failure during \(what)", path: "memory", underlying: "No space left on device") }
    }

    /// Replaces a file's bytes directly (for corruption tests).
    func overwrite(_ name: String, with bytes: [UInt8]) {
        state.withLock { $0.files[name] = bytes }
    }

    /// A file's current bytes.
    func contents(of name: String) -> [UInt8]? { state.withLock { $0.files[name] } }

    func fileNames() throws(TrawlError) -> [String] { state.withLock { $0.files.keys.sorted() } }

    func fileExists(_ name: String) -> Bool { state.withLock { $0.files[name] != nil } }

    func openInput(_ name: String) throws(TrawlError) -> IndexInput {
        guard let bytes = state.withLock({ $0.files[name] }) else {
            throw TrawlError(.corruptIndex, "index file is missing", path: name)
        }
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { memory.copyMemory(from: $0) }
        return IndexInput(name: name, bytes: UnsafeRawBufferPointer(rebasing: memory[0..<bytes.count])) { _ in
            memory.deallocate()
        }
    }

    func createOutput(_ name: String) throws(TrawlError) -> any IndexOutput {
        try tick("create \(name)")
        state.withLock { $0.files[name] = [] }
        return MemoryOutput(directory: self, name: name)
    }

    func rename(_ from: String, to: String) throws(TrawlError) {
        try tick("rename \(from)")
        try state.withLock { (s: inout State) throws(TrawlError) in
            guard let bytes = s.files.removeValue(forKey: from) else {
                throw TrawlError(.io, "cannot rename a missing file", path: from)
            }
            s.files[to] = bytes
        }
    }

    func delete(_ name: String) throws(TrawlError) {
        _ = state.withLock { $0.files.removeValue(forKey: name) }
    }

    func syncDirectory() throws(TrawlError) { try tick("sync folder") }

    fileprivate func append(_ name: String, _ bytes: UnsafeRawBufferPointer) throws(TrawlError) {
        try tick("write \(name)")
        state.withLock { $0.files[name, default: []].append(contentsOf: bytes) }
    }
}

private final class MemoryOutput: IndexOutput {
    let directory: MemoryDirectory
    let name: String

    init(directory: MemoryDirectory, name: String) {
        self.directory = directory
        self.name = name
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(TrawlError) { try directory.append(name, bytes) }

    func finish(sync: Bool) throws(TrawlError) { try directory.tick("sync \(name)") }

    func abandon() {}
}
