import Foundation

/// One commit of a watched index: what changed on disk and was indexed.
public struct IndexUpdate: Sendable, Equatable {
    /// The counts of the run that made the commit.
    public var summary: IndexingSummary
    /// The files added, re-indexed and removed, by absolute path.
    public var changes: ChangedSources
    /// The generation of the commit.
    public var generation: Int
    /// Whether this is the first pass, which reconciles the index with the folders as they are
    /// when watching starts (after a crash too).
    public var isInitialPass: Bool
}

/// Keeps an index current with folders as they change: `trawl index --watch`, and apps.
///
/// ``start()`` opens the index writer (holding the index lock until ``stop()``), runs a first
/// incremental pass of ``FolderIndexer`` (which reconciles the index with the folders,
/// whatever happened while nobody watched, a crash included) and then watches the folders.
/// Changes are batched: once the folders have been quiet for ``Settings/quietPeriod`` (or
/// changes have kept coming for ``Settings/maximumDelay``) an incremental pass runs and
/// commits. Because every pass compares the folders with the index (new, changed, gone files),
/// editors' atomic saves (a temporary file renamed over the original), renames, and moves or
/// deletions of whole folders all end with the index equal to a fresh index of the folders.
///
/// Changes are noticed with inotify on Linux (every subfolder watched, new ones as they
/// appear), and by polling the folders' file sizes and times every ``Settings/pollInterval``
/// elsewhere and whenever inotify fails (its watch limit reached, say).
///
/// Each commit that changed something is reported through ``updates`` (an `AsyncSequence`)
/// and to the optional callback given to ``init(paths:indexPath:writerOptions:options:settings:onUpdate:)``.
/// ``stop()`` finishes the pass under way (committing it), closes the writer and ends the
/// sequence; it may be called from any thread or a signal handler's queue.
///
/// A watcher can also index through a writer that someone else owns (an ``IndexService``,
/// `trawl serve --watch`): ``init(paths:indexPath:options:settings:passRunner:onUpdate:)`` takes
/// a ``PassRunner`` that lends the owner's writer for each pass. The passes, batching and
/// change sources are the same either way.
public final class FolderWatcher: @unchecked Sendable {
    /// Runs one pass of a watcher on a writer its owner holds: calls `pass` with the writer
    /// (serialized with the owner's other writes), then makes the pass's commit visible to the
    /// owner's searches. Throws when the writer is gone (the owner closed) or the pass failed.
    public typealias PassRunner = @Sendable (_ pass: (IndexWriter) throws(TrawlError) -> Void) throws(TrawlError) -> Void

    /// Timing of a watcher.
    public struct Settings: Sendable, Hashable {
        /// Seconds without a change before a batch is indexed. Default 0.3.
        public var quietPeriod: Double = 0.3
        /// The longest a batch waits while changes keep coming, in seconds. Default 2.
        public var maximumDelay: Double = 2
        /// Seconds between two looks at the folders when polling. Default 1.
        public var pollInterval: Double = 1
        /// Poll even where inotify works (tests of the fallback).
        public var forcePolling = false

        /// Default settings.
        public init() {}
    }

    /// How changes are being noticed.
    public enum Mechanism: String, Sendable {
        /// Linux inotify over every folder.
        case inotify
        /// Comparing the folders' listings at an interval.
        case polling
    }

    private let paths: [String]
    private let indexPath: String
    private let writerOptions: IndexWriterOptions
    /// Lends the owner's writer; nil when the watcher opens its own.
    private let passRunner: PassRunner?
    private let options: FolderIndexer.Options
    private let settings: Settings
    private let onUpdate: (@Sendable (IndexUpdate) -> Void)?
    private let stream: AsyncThrowingStream<IndexUpdate, any Error>
    private let continuation: AsyncThrowingStream<IndexUpdate, any Error>.Continuation
    private let stopFlag = CancellationFlag()
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var thread: Thread?
    private var currentMechanism: Mechanism?
    private var failure: TrawlError?

    /// The commits, in order; the sequence ends after ``stop()``, or throws the ``TrawlError``
    /// that stopped the watcher (the index cannot be opened or written). Iterate it once.
    public var updates: AsyncThrowingStream<IndexUpdate, any Error> { stream }

    /// How changes are noticed, once watching has begun (after the first pass).
    public var mechanism: Mechanism? {
        lock.lock()
        defer { lock.unlock() }
        return currentMechanism
    }

    /// A watcher of `paths` (folders or files) that keeps the index at `indexPath` current.
    ///
    /// - Parameter onUpdate: Also called with each update, on the watcher's thread.
    public init(paths: [String], indexPath: String, writerOptions: IndexWriterOptions = IndexWriterOptions(),
                options: FolderIndexer.Options = FolderIndexer.Options(), settings: Settings = Settings(),
                onUpdate: (@Sendable (IndexUpdate) -> Void)? = nil) {
        self.paths = paths
        self.indexPath = indexPath
        self.writerOptions = writerOptions
        self.passRunner = nil
        self.options = options
        self.settings = settings
        self.onUpdate = onUpdate
        (stream, continuation) = AsyncThrowingStream.makeStream(of: IndexUpdate.self, throwing: (any Error).self,
                                                                bufferingPolicy: .unbounded)
    }

    /// A watcher of `paths` (folders or files) that indexes through a writer its owner holds
    /// (the index at `indexPath`, which is never watched): each pass runs inside `passRunner`.
    ///
    /// - Parameter onUpdate: Also called with each update, on the watcher's thread.
    public init(paths: [String], indexPath: String, options: FolderIndexer.Options = FolderIndexer.Options(),
                settings: Settings = Settings(), passRunner: @escaping PassRunner,
                onUpdate: (@Sendable (IndexUpdate) -> Void)? = nil) {
        self.paths = paths
        self.indexPath = indexPath
        self.writerOptions = IndexWriterOptions()
        self.passRunner = passRunner
        self.options = options
        self.settings = settings
        self.onUpdate = onUpdate
        (stream, continuation) = AsyncThrowingStream.makeStream(of: IndexUpdate.self, throwing: (any Error).self,
                                                                bufferingPolicy: .unbounded)
    }

    /// Starts watching on a thread of its own: the first pass, then the changes.
    public func start() {
        lock.lock()
        defer { lock.unlock() }
        guard thread == nil else { return }
        let thread = Thread { [self] in
            self.runLoop()
            self.finished.signal()
        }
        thread.name = "Trawl folder watcher"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// Stops watching: the pass under way commits, the writer closes, ``updates`` ends.
    /// Returns at once; ``wait()`` blocks until it is done.
    public func stop() {
        stopFlag.set()
    }

    /// Blocks until the watcher has stopped (after ``stop()`` or a failure); throws the
    /// failure that stopped it, if any.
    public func wait() throws(TrawlError) {
        lock.lock()
        let started = thread != nil
        lock.unlock()
        guard started else { return }
        finished.wait()
        finished.signal() // later waits return at once
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
    }

    // MARK: The watcher's thread

    private func runLoop() {
        do throws(TrawlError) {
            // Passes run on the watcher's own writer, or on the owner's through its runner.
            let runPass: ((IndexWriter) throws(TrawlError) -> Void) throws(TrawlError) -> Void
            var ownWriter: IndexWriter?
            if let passRunner {
                runPass = passRunner
            } else {
                let writer = try IndexWriter(path: indexPath, options: writerOptions)
                ownWriter = writer
                runPass = { body throws(TrawlError) in try body(writer) }
            }
            defer { ownWriter?.close() }
            try pass(runPass, initial: true)
            let absoluteRoots = paths.map(FolderIndexer.absolute)
            var excluded = options.excluding
            excluded.insert(FolderIndexer.absolute(indexPath))
            var source: any ChangeSource
            if !settings.forcePolling, let inotify = InotifyChangeSource(roots: absoluteRoots, excluding: excluded) {
                source = inotify
            } else {
                source = PollingChangeSource(roots: absoluteRoots, excluding: excluded)
            }
            setMechanism(source.mechanism)
            var firstChange: Double?
            var lastChange: Double = 0
            while !stopFlag.isSet {
                let changed = source.waitForChanges(timeout: source.mechanism == .polling ? settings.pollInterval : 0.1)
                if source.failed {
                    // inotify gave up (its queue overflowed, a watch could not be added): poll.
                    source = PollingChangeSource(roots: absoluteRoots, excluding: excluded)
                    setMechanism(.polling)
                    firstChange = firstChange ?? now()
                    lastChange = now()
                }
                if changed {
                    firstChange = firstChange ?? now()
                    lastChange = now()
                }
                guard let first = firstChange else { continue }
                let time = now()
                if time - lastChange >= settings.quietPeriod || time - first >= settings.maximumDelay {
                    firstChange = nil
                    try pass(runPass, initial: false)
                }
            }
            // Changes seen but not yet indexed are indexed before stopping.
            if firstChange != nil { try pass(runPass, initial: false) }
            continuation.finish()
        } catch {
            lock.lock()
            failure = error
            lock.unlock()
            continuation.finish(throwing: error)
        }
    }

    private func pass(_ runPass: ((IndexWriter) throws(TrawlError) -> Void) throws(TrawlError) -> Void,
                      initial: Bool) throws(TrawlError) {
        // Paths that vanished (a watched folder deleted) are left out of this pass.
        let present = paths.filter { access($0, F_OK) == 0 }
        guard !present.isEmpty else { return }
        var made: IndexUpdate?
        try runPass { writer throws(TrawlError) in
            let indexer = FolderIndexer(writer: writer, options: options)
            let summary = try indexer.run(paths: present)
            let changes = indexer.changedSources
            guard initial || !changes.isEmpty || summary.failed > 0 else { return }
            made = IndexUpdate(summary: summary, changes: changes, generation: writer.committed.generation,
                               isInitialPass: initial)
        }
        guard let update = made else { return }
        onUpdate?(update)
        continuation.yield(update)
    }

    private func setMechanism(_ mechanism: Mechanism) {
        lock.lock()
        currentMechanism = mechanism
        lock.unlock()
    }

    private func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}

/// Something that tells when watched folders may have changed.
protocol ChangeSource {
    var mechanism: FolderWatcher.Mechanism { get }
    /// Whether the source stopped working (the watcher then polls).
    var failed: Bool { get }
    /// Waits up to `timeout` seconds; true when something changed.
    mutating func waitForChanges(timeout: Double) -> Bool
}

/// Polling: the sizes, times and inodes of every file under the roots, compared at each look.
struct PollingChangeSource: ChangeSource {
    let roots: [String]
    let excluding: Set<String>
    private var signature: [String: [Int64]] = [:]
    var mechanism: FolderWatcher.Mechanism { .polling }
    var failed: Bool { false }

    init(roots: [String], excluding: Set<String>) {
        self.roots = roots
        self.excluding = excluding
        signature = look()
    }

    mutating func waitForChanges(timeout: Double) -> Bool {
        usleep(UInt32(max(0.01, timeout) * 1e6))
        let current = look()
        defer { signature = current }
        return current != signature
    }

    private func look() -> [String: [Int64]] {
        var result: [String: [Int64]] = [:]
        let scanner = FolderScanner(excluding: excluding)
        for root in roots {
            guard let scan = try? scanner.scan(root) else {
                result[root] = [-1]
                continue
            }
            for file in scan.files {
                result[root + "/" + file.relativePath] = [file.size, file.modificationTimeNanoseconds]
            }
            for file in scan.skipped { result[root + "/skipped/" + file.relativePath] = [0] }
        }
        return result
    }
}

#if os(Linux)
/// inotify over every folder under the roots; new folders are watched as they appear.
final class InotifyChangeSource: ChangeSource {
    private let fd: Int32
    private let roots: [String]
    private let excluding: Set<String>
    private var folders: [Int32: String] = [:]
    private(set) var failed = false
    var mechanism: FolderWatcher.Mechanism { .inotify }

    private static let mask: UInt32 = UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM
        | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) | UInt32(IN_ONLYDIR)

    /// Nil when inotify cannot be used (no support, or too few watches for the folders).
    init?(roots: [String], excluding: Set<String>) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        self.fd = fd
        self.roots = roots
        self.excluding = excluding
        for root in roots {
            // A single file is watched through its folder.
            var info = stat()
            let isFolder = stat(root, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            guard addTree(isFolder ? root : (root as NSString).deletingLastPathComponent) else { return nil }
        }
    }

    deinit { close(fd) }

    /// Watches every folder under the roots again (after a folder moved: the paths changed).
    private func rebuild() -> Bool {
        for wd in folders.keys { inotify_rm_watch(fd, wd) }
        folders = [:]
        for root in roots {
            var info = stat()
            let isFolder = stat(root, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            if !addTree(isFolder ? root : (root as NSString).deletingLastPathComponent) { return false }
        }
        return true
    }

    /// Watches `folder` and every folder under it; false when a watch cannot be added.
    private func addTree(_ folder: String) -> Bool {
        var pending = [folder]
        while let current = pending.popLast() {
            if excluding.contains(current) { continue }
            let wd = inotify_add_watch(fd, current, InotifyChangeSource.mask)
            if wd < 0 {
                if errno == ENOENT || errno == ENOTDIR || errno == EACCES { continue }
                return false // ENOSPC: the watch limit
            }
            folders[wd] = current
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: current) else { continue }
            for name in entries where !name.hasPrefix(".") {
                let child = current + "/" + name
                var info = stat()
                if lstat(child, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { pending.append(child) }
            }
        }
        return true
    }

    func waitForChanges(timeout: Double) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, Int32(max(1, timeout * 1000)))
        guard ready > 0 else { return false }
        var changed = false
        var moved = false
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            var offset = 0
            while offset + 16 <= count {
                let (wd, mask, length) = buffer.withUnsafeBytes { raw in
                    (raw.loadUnaligned(fromByteOffset: offset, as: Int32.self),
                     raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                     Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
                }
                let nameBytes = buffer[(offset + 16)..<min(count, offset + 16 + length)]
                let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                offset += 16 + length
                changed = true
                if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    failed = true
                    continue
                }
                if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0, let folder = folders[wd], roots.contains(folder) {
                    // A watched root went away: only polling notices it coming back.
                    failed = true
                    continue
                }
                if mask & UInt32(IN_IGNORED) != 0 {
                    folders.removeValue(forKey: wd)
                    continue
                }
                if mask & UInt32(IN_ISDIR) != 0, mask & UInt32(IN_MOVED_FROM | IN_MOVED_TO) != 0 {
                    moved = true // watched paths changed: watch everything again below
                } else if mask & UInt32(IN_ISDIR) != 0, mask & UInt32(IN_CREATE) != 0, let parent = folders[wd] {
                    // A new folder: watch it and what it already holds.
                    if !addTree(parent + "/" + name) { failed = true }
                }
            }
        }
        if moved, !rebuild() { failed = true }
        return changed
    }
}
#else
/// inotify exists on Linux only; elsewhere the watcher polls.
final class InotifyChangeSource: ChangeSource {
    init?(roots: [String], excluding: Set<String>) { return nil }
    var mechanism: FolderWatcher.Mechanism { .inotify }
    var failed: Bool { true }
    func waitForChanges(timeout: Double) -> Bool { false }
}
#endif
