import Foundation

/// The events of an indexing run as an asynchronous sequence; see
/// ``FolderIndexer/events(indexing:into:writerOptions:options:)``.
///
/// The run starts when the sequence is created, on a thread of its own. The sequence can be
/// iterated once. When its iterator goes away before the end (a `break` out of the loop) or
/// the iterating task is cancelled, the run stops after the current file without committing.
public struct IndexingEvents: AsyncSequence, Sendable {
    /// Progress, then the summary.
    public typealias Element = IndexingEvent

    let stream: AsyncThrowingStream<IndexingEvent, any Error>
    let stop: CancellationFlag

    /// The iterator; dropping it before the end stops the run.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<IndexingEvent, any Error>.AsyncIterator
        let stopper: StopOnRelease

        /// The next event, or `nil` after ``IndexingEvent/finished(_:)``.
        ///
        /// - Throws: The ``TrawlError`` that ended the run, or `CancellationError`.
        public mutating func next() async throws -> IndexingEvent? {
            try await base.next()
        }
    }

    /// Makes the iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), stopper: StopOnRelease(stop))
    }
}

/// What an indexing run reports while it works, for apps that observe it asynchronously.
///
/// A run started with ``FolderIndexer/events(indexing:into:writerOptions:options:)`` yields
/// any number of ``progress(_:)`` events and then exactly one ``finished(_:)`` event, unless it
/// fails (the sequence throws the ``TrawlError``) or is stopped (the index keeps its previous
/// commit).
public enum IndexingEvent: Sendable, Equatable {
    /// A file was examined: counts so far and totals.
    case progress(IndexingProgress)
    /// The run committed; the last event of the stream.
    case finished(IndexingSummary)
}

extension FolderIndexer {
    /// Indexes `paths` into the index at `indexPath` on a background thread and reports the
    /// run as an asynchronous sequence of events.
    ///
    /// The index is created when absent. The writer takes the index lock for the whole run;
    /// a second writer fails with ``TrawlError/Code/indexLocked`` (or waits up to
    /// ``IndexWriterOptions/lockTimeout``). Progress events that the consumer does not keep
    /// up with are coalesced: only the newest are kept, and the final
    /// ``IndexingEvent/finished(_:)`` event is never dropped.
    ///
    /// Leaving the loop early (or cancelling the task that iterates) stops the run after the
    /// current file and discards its uncommitted changes; the index keeps its previous commit.
    ///
    /// ```swift
    /// for try await event in FolderIndexer.events(indexing: ["notes"], into: "notes-index") {
    ///     switch event {
    ///     case .progress(let p): print("\(p.filesDone)/\(p.filesTotal)")
    ///     case .finished(let summary): print("\(summary.added) added")
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - paths: Folders or single files to index.
    ///   - indexPath: The index folder.
    ///   - writerOptions: Settings of the writer (analyzer of a new index, memory, threads).
    ///   - options: Settings of the run.
    /// - Returns: The events of the run, which throw a ``TrawlError`` when the run fails.
    public static func events(indexing paths: [String], into indexPath: String,
                              writerOptions: IndexWriterOptions = IndexWriterOptions(),
                              options: Options = Options()) -> IndexingEvents {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: IndexingEvent.self, throwing: (any Error).self,
                                                                    bufferingPolicy: .bufferingNewest(32))
        let cancelled = CancellationFlag()
        continuation.onTermination = { termination in
            if case .cancelled = termination { cancelled.set() }
        }
        let thread = Thread {
            do throws(TrawlError) {
                let writer = try IndexWriter(path: indexPath, options: writerOptions)
                let indexer = FolderIndexer(writer: writer, options: options)
                indexer.shouldCancel = { cancelled.isSet }
                let summary: IndexingSummary
                do throws(TrawlError) {
                    summary = try indexer.run(paths: paths) { continuation.yield(.progress($0)) }
                } catch {
                    try? writer.rollback()
                    writer.close()
                    throw error
                }
                // The lock is free by the time the consumer sees the end.
                writer.close()
                continuation.yield(.finished(summary))
                continuation.finish()
            } catch {
                continuation.finish(throwing: cancelled.isSet ? CancellationError() : error)
            }
        }
        thread.name = "Trawl indexing"
        thread.stackSize = 8 << 20
        thread.start()
        return IndexingEvents(stream: stream, stop: cancelled)
    }

    /// Indexes `paths` into the index at `indexPath` without blocking the caller's thread,
    /// and returns what the run did.
    ///
    /// ```swift
    /// let summary = try await FolderIndexer.run(indexing: ["notes"], into: "notes-index") { progress in
    ///     print("\(progress.filesDone) of \(progress.filesTotal) files")
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - paths: Folders or single files to index.
    ///   - indexPath: The index folder (created when absent).
    ///   - writerOptions: Settings of the writer.
    ///   - options: Settings of the run.
    ///   - progress: Called with the progress as files are done (progress that arrives faster than
    ///     it is handled is coalesced).
    /// - Returns: The summary of the run.
    /// - Throws: A ``TrawlError`` when the run fails, `CancellationError` when the task was cancelled.
    public static func run(indexing paths: [String], into indexPath: String,
                           writerOptions: IndexWriterOptions = IndexWriterOptions(), options: Options = Options(),
                           progress: (@Sendable (IndexingProgress) -> Void)? = nil) async throws -> IndexingSummary {
        for try await event in events(indexing: paths, into: indexPath, writerOptions: writerOptions, options: options) {
            switch event {
            case .progress(let update): progress?(update)
            case .finished(let summary): return summary
            }
        }
        throw CancellationError()
    }
}

/// Sets a flag when the last copy of an iterator goes away.
final class StopOnRelease: Sendable {
    private let flag: CancellationFlag

    init(_ flag: CancellationFlag) { self.flag = flag }

    deinit { flag.set() }
}

/// A flag set once from any thread.
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }
}
