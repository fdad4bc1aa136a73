import Testing
@testable import Trawl

/// Small generated documents for in-memory indexes.
func sampleDocuments(_ range: Range<Int>, seed: UInt64, prefix: String = "doc") -> [Document] {
    var random = SeededGenerator(seed: seed)
    let vocabulary = EvolvingFolder.vocabulary
    return range.map { i in
        let words = (0..<Int.random(in: 20...120, using: &random)).map { _ in vocabulary.randomElement(using: &random)! }
        let date = i % 3 == 0 ? nil : DocumentDate(secondsSinceEpoch: 1_500_000_000 + Int64(i) * 86_400, precision: .day)
        return Document(id: "\(prefix)\(i)", title: "Item \(i) " + words.prefix(3).joined(separator: " "), date: date,
                        body: words.joined(separator: " ") + " " + letterWord("fid", i) + "x",
                        fields: i % 4 == 0 ? ["author": "Writer \(i % 7)"] : [:])
    }
}

@Suite(.serialized) struct FullDiskTests {
    static func options() -> IndexWriterOptions {
        var options = IndexWriterOptions()
        options.ramBudget = 1 // flush after every add call's documents
        options.mergeFactor = 3
        options.threads = 1
        options.durable = true
        return options
    }

    /// The committed index every trial starts from: two commits, several segments, deletions.
    static func baseDirectory() throws -> MemoryDirectory {
        let directory = MemoryDirectory()
        let writer = try IndexWriter(directory: directory, lock: nil, options: options())
        try writer.add(sampleDocuments(0..<40, seed: 1))
        try writer.commit()
        try writer.add(sampleDocuments(40..<60, seed: 2))
        try writer.delete(id: "doc3")
        try writer.commit()
        writer.close()
        return directory
    }

    /// The changes whose commit is interrupted: new documents flushed as several segments,
    /// a replaced document, deletions in committed and in new segments.
    /// The changes committed without failures on a copy of `base`: how many write operations
    /// the commit performs, and the state it reaches.
    static func dryRun(_ base: MemoryDirectory) throws -> (operations: Int, state: [String: String]) {
        let dry = base.copy()
        let writer = try IndexWriter(directory: dry, lock: nil, options: options())
        try makeChanges(writer)
        dry.injectFault(atOperation: nil)
        try writer.commit()
        return (dry.operationCount, try snapshot(try IndexReader(directory: dry)))
    }

    static func makeChanges(_ writer: IndexWriter) throws {
        for batch in 0..<4 {
            try writer.add(sampleDocuments((60 + batch * 5)..<(65 + batch * 5), seed: 10 + UInt64(batch)))
        }
        try writer.add(sampleDocuments(7..<8, seed: 99))     // replaces doc7
        try writer.delete(id: "doc11")
        try writer.delete(id: "doc62")
    }

    /// A write failure (full disk) injected at every operation of one commit — its final
    /// flush, live-document files, merges and manifest publication — leaves the previous
    /// commit readable and healthy, never exposes a half-written manifest, reports the error,
    /// and both a retry on the same writer and a new writer afterwards succeed.
    @Test func writeFailureAtEveryOperationOfACommit() throws {
        let base = try Self.baseDirectory()
        let baseReader = try IndexReader(directory: base)
        let baseState = try snapshot(baseReader)
        let baseGeneration = baseReader.generation

        // Dry run: how many operations the commit performs, and the state it reaches.
        let (operations, newState) = try Self.dryRun(base)
        #expect(newState != baseState)
        #expect(operations > 40, "the commit under test should flush, merge and publish (\(operations) operations)")

        var failures: [String: Int] = [:]
        var sawNewCommitAfterFailure = 0
        for operation in 0..<operations {
            // 1. The failure.
            let directory = base.copy()
            let writer = try IndexWriter(directory: directory, lock: nil, options: Self.options())
            try Self.makeChanges(writer)
            directory.injectFault(atOperation: operation)
            var thrown: TrawlError?
            do { try writer.commit() } catch { thrown = error }
            guard let error = thrown else {
                Issue.record("operation \(operation): the commit succeeded despite the injected failure")
                continue
            }
            #expect(error.code == .io && error.description.contains("No space left on device"), "\(error)")
            let what = error.message.replacingOccurrences(of: "injected failure during ", with: "")
            failures[String(what.prefix { $0 != " " }), default: 0] += 1

            // 2. Readers see the previous commit (or, when only the final folder sync failed
            //    after the atomic rename, the complete new one), never a partial manifest.
            directory.injectFault(atOperation: nil)
            let reader = try IndexReader(directory: directory)
            let state = try snapshot(reader)
            if reader.generation == baseGeneration {
                #expect(state == baseState, "operation \(operation) (\(error.message)): the previous commit changed")
            } else {
                sawNewCommitAfterFailure += 1
                #expect(error.message.contains("sync folder"), "operation \(operation): a new commit became visible after \(error.message)")
                #expect(state == newState)
            }
            #expect(reader.check().isHealthy, "operation \(operation): \(reader.check().problems)")

            writer.close()

            // 3. A new writer opened afterwards cleans up and works.
            let next = try IndexWriter(directory: directory, lock: nil, options: Self.options())
            let clean = try IndexReader(directory: directory)
            let present = Set(try directory.fileNames())
            #expect(present == clean.manifest.referencedFiles,
                    "operation \(operation): leftovers after a new writer opened: \(present.subtracting(clean.manifest.referencedFiles).sorted())")
            try Self.makeChanges(next)
            try next.commit()
            let final = try IndexReader(directory: directory)
            #expect(try snapshot(final) == newState, "operation \(operation): the new writer did not reach the new state")
            #expect(final.check().isHealthy)
            next.close()
        }
        print("FullDisk: \(operations) operations in the commit, each failed once; failures by kind: "
              + failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
              + "; new commit visible after a failed final folder sync: \(sawNewCommitAfterFailure)")
    }

    /// The writer that hit the failure retries the commit once space is back: nothing is lost.
    @Test func retryingTheFailedCommitOnTheSameWriter() throws {
        let base = try Self.baseDirectory()
        let (operations, newState) = try Self.dryRun(base)

        for operation in stride(from: 0, to: operations, by: 1) {
            let directory = base.copy()
            let writer = try IndexWriter(directory: directory, lock: nil, options: Self.options())
            try Self.makeChanges(writer)
            directory.injectFault(atOperation: operation)
            #expect(throws: TrawlError.self) { try writer.commit() }
            directory.injectFault(atOperation: nil)
            try writer.commit()
            let reader = try IndexReader(directory: directory)
            #expect(try snapshot(reader) == newState, "operation \(operation): the retried commit lost changes")
            #expect(reader.check().isHealthy, "operation \(operation): \(reader.check().problems)")
            let present = Set(try directory.fileNames())
            #expect(present == reader.manifest.referencedFiles,
                    "operation \(operation): stray files after the retried commit: \(present.subtracting(reader.manifest.referencedFiles).sorted())")
        }
    }

    /// A failure while documents are added (a flush inside `add`) is reported and leaves the
    /// committed index untouched; a new writer afterwards works.
    @Test func writeFailureDuringFlushesOfAdd() throws {
        let base = try Self.baseDirectory()
        let baseState = try snapshot(try IndexReader(directory: base))
        for operation in 0..<40 {
            let directory = base.copy()
            let writer = try IndexWriter(directory: directory, lock: nil, options: Self.options())
            directory.injectFault(atOperation: operation)
            do {
                for batch in 0..<4 {
                    try writer.add(sampleDocuments((60 + batch * 5)..<(65 + batch * 5), seed: 10 + UInt64(batch)))
                }
            } catch {
                #expect(error.code == .io)
            }
            directory.injectFault(atOperation: nil)
            writer.close()
            #expect(try snapshot(try IndexReader(directory: directory)) == baseState)
            let next = try IndexWriter(directory: directory, lock: nil, options: Self.options())
            try next.add(sampleDocuments(100..<103, seed: 5))
            try next.commit()
            let reader = try IndexReader(directory: directory)
            #expect(reader.documentCount == baseState.count + 3)
            #expect(reader.check().isHealthy)
        }
    }
}
