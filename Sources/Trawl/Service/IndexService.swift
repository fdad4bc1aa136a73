import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// When a write becomes visible to searches: OpenSearch's `refresh` URL parameter.
public enum RefreshPolicy: String, Sendable, Equatable {
    /// Visible at the next periodic refresh (`refresh=false`, the default).
    case none = "false"
    /// Committed and visible before the answer (`refresh=true`, or `refresh` without a value):
    /// an acknowledged write then survives a crash.
    case immediate = "true"
    /// The answer waits for the next periodic refresh (`refresh=wait_for`).
    case waitFor = "wait_for"

    /// The policy of a `refresh` parameter's value (nil when the parameter is absent).
    public init(parameter: String?) throws(OpenSearchError) {
        guard let parameter else { self = .none; return }
        switch parameter {
        case "", "true": self = .immediate
        case "false": self = .none
        case "wait_for": self = .waitFor
        default:
            throw OpenSearchError(status: 400, type: "illegal_argument_exception",
                                  reason: "Unknown value for refresh: [\(parameter)]; use true, false or wait_for")
        }
    }
}

/// How an ``IndexService`` writes and refreshes.
public struct IndexServiceOptions: Sendable {
    /// Seconds between periodic refreshes (OpenSearch's `refresh_interval`, 1 s); 0 or less
    /// turns them off (writes then become visible at a `refresh=true`, `_refresh` or shutdown).
    public var refreshInterval: Double = 1
    /// The writer's options (threads, RAM budget, analyzer of a new index).
    public var writer = IndexWriterOptions()
    /// The most actions one `_bulk` request may hold.
    public var maximumBulkActions = 100_000
    /// Folders (or files) kept indexed as they change, through the service's writer
    /// (`trawl serve --watch`); none by default. Their documents share the index with those
    /// written through the API.
    public var watchedPaths: [String] = []
    /// How the watched folders are indexed.
    public var folderIndexing = FolderIndexer.Options()
    /// The timing of the folder watcher.
    public var watchSettings = FolderWatcher.Settings()
    /// How every search the service answers ranks (OpenSearch `_search`, the native `/search`
    /// and the search page; `trawl serve --near`, `--weights` ...): the library's default
    /// ranking unless set.
    public var ranking = SearchRanking()

    /// The defaults.
    public init() {}
}

/// One index served over an OpenSearch-compatible API, independent of HTTP: it owns the index's
/// only `IndexWriter`, applies every write on one serial queue (so callers never block on disk
/// I/O), refreshes periodically (a commit and a new reader snapshot, which makes writes visible
/// and durable), and answers document requests with OpenSearch's response bodies.
///
/// Reads (`reader`) are a lock-protected snapshot swap: searches never wait for writes.
/// A `GET` of a document is real time, as in OpenSearch: documents written since the last
/// refresh are answered from the writes themselves. A document's `_version` and `_seq_no` are
/// stored with it (the reserved fields ``versionField`` and ``sequenceField``) and the next
/// sequence number with each commit, so both carry on across restarts.
public final class IndexService: @unchecked Sendable {
    /// The index name: the folder's name.
    public let name: String
    /// The index folder.
    public let path: String
    /// The options.
    public let options: IndexServiceOptions

    // Confined to `queue`.
    private var writer: IndexWriter?
    private var pending: [String: Document?] = [:]
    /// The `_version` and `_seq_no` of the documents written (or deleted) since the start.
    private var versions: [String: (version: Int, sequence: Int)] = [:]
    private var nextSequenceNumber = 0
    private var dirty = false
    private var refreshWaiters: [CheckedContinuation<Void, Never>] = []
    private var timer: DispatchSourceTimer?

    private let queue: DispatchQueue
    private let snapshot: PosixLock<IndexReader>
    /// Set once in `init`, only read afterwards.
    private var folderWatcher: FolderWatcher?

    /// The watcher of ``IndexServiceOptions/watchedPaths`` (nil when none are watched): its
    /// ``FolderWatcher/updates`` report each commit of folder changes.
    public var watcher: FolderWatcher? { folderWatcher }

    /// Opens (or creates) the index at `path` for writing, starts the periodic refresh and, when
    /// ``IndexServiceOptions/watchedPaths`` are given, a ``FolderWatcher`` whose passes run on
    /// the service's writer queue (between API writes; each is searchable once it commits).
    /// Throws `indexLocked` when another writer holds it.
    public init(path: String, options: IndexServiceOptions = IndexServiceOptions()) throws(TrawlError) {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.path = trimmed
        self.name = trimmed.split(separator: "/").last.map(String.init) ?? trimmed
        self.options = options
        let writer = try IndexWriter(path: trimmed, options: options.writer)
        try writer.commit()
        self.writer = writer
        nextSequenceNumber = writer.committedUserData[IndexService.sequenceUserData].flatMap { Int($0) } ?? 0
        snapshot = PosixLock(try IndexReader(path: trimmed))
        queue = DispatchQueue(label: "trawl.index-service.\(name)")
        if options.refreshInterval > 0 {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            let interval = DispatchTimeInterval.milliseconds(max(1, Int(options.refreshInterval * 1000)))
            timer.schedule(deadline: .now() + interval, repeating: interval)
            timer.setEventHandler { [weak self] in self?.periodicRefresh() }
            self.timer = timer
            timer.resume()
        }
        if !options.watchedPaths.isEmpty {
            let watcher = FolderWatcher(paths: options.watchedPaths, indexPath: trimmed, options: options.folderIndexing,
                                        settings: options.watchSettings) { [weak self] pass throws(TrawlError) in
                guard let self else { throw TrawlError(.io, "the index service is closed") }
                try self.runWatcherPass(pass)
            }
            folderWatcher = watcher
            watcher.start()
        }
    }

    /// Runs one pass of the folder watcher on the writer queue, then makes it searchable.
    private func runWatcherPass(_ pass: (IndexWriter) throws(TrawlError) -> Void) throws(TrawlError) {
        let outcome: Result<Void, TrawlError> = queue.sync {
            guard let writer = self.writer else {
                return .failure(TrawlError(.io, "the index is closed: the server is shutting down"))
            }
            let before = writer.committed.generation
            do throws(TrawlError) {
                try pass(writer)
            } catch {
                return .failure(error)
            }
            if writer.committed.generation != before || self.dirty {
                // The pass committed (the API's buffered writes too): swap in a new snapshot.
                // Should that fail, the periodic refresh tries again.
                self.dirty = true
                try? self.refreshNow(force: true)
            }
            return .success(())
        }
        try outcome.get()
    }

    /// The newest refreshed snapshot, for searches.
    public var reader: IndexReader { snapshot.withLock { $0 } }

    /// The search API over the current snapshot.
    public var openSearch: OpenSearchIndex { OpenSearchIndex(name: name, reader: reader, ranking: options.ranking) }

    // MARK: Documents

    /// `PUT/POST /{index}/_doc/{id}` (or `POST /{index}/_doc` with `id` nil: an id is
    /// generated; `PUT /{index}/_create/{id}` with `create`): indexes `source`, replacing any
    /// document with this id. Returns the status and body.
    public func index(id: String?, source: JSON, create: Bool = false, condition: WriteCondition? = nil,
                      refresh: RefreshPolicy = .none) async throws(OpenSearchError) -> (status: Int, body: JSON) {
        let id = id ?? IndexService.generatedID()
        let document = try OpenSearchDocuments.document(id: id, source: source)
        let answer = try await onQueue { () throws(OpenSearchError) in
            try self.requireOpen()
            let result = try self.applyIndex(document, create: create, condition: condition)
            try self.finish(refresh)
            return result
        }
        await waitIfNeeded(refresh)
        return answer
    }

    /// `GET /{index}/_doc/{id}`: the document with `_source`, or `found: false` and 404.
    public func get(id: String) async throws(OpenSearchError) -> (status: Int, body: JSON) {
        try OpenSearchDocuments.validate(id: id)
        return try await onQueue { () throws(OpenSearchError) in
            guard let source = try self.currentSource(id: id) else {
                return (404, .object([("_index", .string(self.name)), ("_id", .string(id)), ("found", .bool(false))]))
            }
            let current = try self.currentVersion(id, existed: true)
            return (200, .object([
                ("_index", .string(self.name)), ("_id", .string(id)), ("_version", .int(current.version)),
                ("_seq_no", .int(current.sequence)), ("_primary_term", .int(1)), ("found", .bool(true)),
                ("_source", source),
            ]))
        }
    }

    /// `DELETE /{index}/_doc/{id}`: `result` `deleted` (200) or `not_found` (404).
    public func delete(id: String, condition: WriteCondition? = nil, refresh: RefreshPolicy = .none) async throws(OpenSearchError) -> (status: Int, body: JSON) {
        try OpenSearchDocuments.validate(id: id)
        let answer = try await onQueue { () throws(OpenSearchError) in
            try self.requireOpen()
            let result = try self.applyDelete(id: id, condition: condition)
            try self.finish(refresh)
            return result
        }
        await waitIfNeeded(refresh)
        return answer
    }

    /// `POST /{index}/_update/{id}`: `body` holds `doc` (merged into the document),
    /// `doc_as_upsert` or `upsert` (the document when there is none). Scripts are unsupported.
    public func update(id: String, body: JSON, condition: WriteCondition? = nil, refresh: RefreshPolicy = .none) async throws(OpenSearchError) -> (status: Int, body: JSON) {
        try OpenSearchDocuments.validate(id: id)
        let answer = try await onQueue { () throws(OpenSearchError) in
            try self.requireOpen()
            let result = try self.applyUpdate(id: id, body: body, condition: condition)
            try self.finish(refresh)
            return result
        }
        await waitIfNeeded(refresh)
        return answer
    }

    /// `POST /_bulk` and `POST /{index}/_bulk`: NDJSON actions (`index`, `create`, `update`,
    /// `delete`), each answered in `items` with its status or error; `errors` tells whether any
    /// failed. `defaultIndex` is the index of the URL. A malformed action line fails the whole
    /// request (400); a malformed document fails its item.
    public func bulk(_ body: [UInt8], defaultIndex: String?, refresh: RefreshPolicy = .none) async throws(OpenSearchError) -> JSON {
        let started = monotonicMicroseconds()
        let actions = try BulkRequest.parse(body, maximumActions: options.maximumBulkActions)
        let items = try await onQueue { () throws(OpenSearchError) in
            try self.requireOpen()
            let items = try self.applyBulk(actions, defaultIndex: defaultIndex)
            try self.finish(refresh)
            return items
        }
        await waitIfNeeded(refresh)
        let errors = items.contains { item in
            item.objectMembers?.first?.1["error"] != nil
        }
        return .object([
            ("took", .int((monotonicMicroseconds() - started) / 1000)), ("errors", .bool(errors)), ("items", .array(items)),
        ])
    }

    /// `POST /{index}/_refresh`: commits and swaps in a new snapshot.
    public func refresh() async throws(OpenSearchError) {
        try await onQueue { () throws(OpenSearchError) in
            try self.requireOpen()
            try self.refreshNow(force: false)
        }
    }

    /// `POST /{index}/_forcemerge`: merges every segment into one, then refreshes.
    public func forceMerge() async throws(OpenSearchError) {
        try await onQueue { () throws(OpenSearchError) in
            try self.requireOpen()
            do throws(TrawlError) {
                try self.writer?.optimize()
            } catch {
                throw IndexService.internalError(error)
            }
            try self.refreshNow(force: true)
        }
    }

    /// `PUT /{index}` with `mappings`: declares the field types of an index that holds no
    /// documents yet (the writer is reopened with them and they are committed). An index with
    /// documents answers `resource_already_exists_exception`.
    public func create(fieldTypes: [String: FieldType]) async throws(OpenSearchError) {
        try await onQueue { () throws(OpenSearchError) in
            try self.requireOpen()
            guard let writer = self.writer else { return }
            if writer.documentCount > 0 || writer.committedDocumentCount > 0 || !self.pending.isEmpty {
                throw OpenSearchError(status: 400, type: "resource_already_exists_exception",
                                      reason: "index [\(self.name)] already exists")
            }
            for (field, type) in fieldTypes {
                if let existing = writer.schema[field], existing != type {
                    throw OpenSearchError(status: 400, type: "illegal_argument_exception",
                                          reason: "mapper [\(field)] cannot be changed from type [\(existing)] to [\(type)]")
                }
            }
            do throws(TrawlError) {
                writer.close()
                self.writer = nil
                var writerOptions = self.options.writer
                writerOptions.fieldTypes.merge(fieldTypes) { _, new in new }
                let reopened = try IndexWriter(path: self.path, options: writerOptions)
                self.writer = reopened
                var userData = reopened.committedUserData
                userData["mappings"] = fieldTypes.keys.sorted().joined(separator: ",")
                try reopened.commit(userData: userData)
                let reader = try IndexReader(path: self.path)
                self.snapshot.withLock { $0 = reader }
            } catch {
                throw IndexService.internalError(error)
            }
        }
    }

    /// `DELETE /{index}`: removes every document and the field types (mappings) at once, with
    /// one commit; the index folder stays and is served on, empty, so `PUT /{index}` can declare
    /// new mappings. Refused (400) while the service watches folders, whose files would come
    /// back with the next change.
    public func deleteIndex() async throws(OpenSearchError) {
        try await onQueue { () throws(OpenSearchError) in
            try self.requireOpen()
            guard let writer = self.writer else { return }
            if self.folderWatcher != nil {
                throw OpenSearchError(status: 400, type: "illegal_argument_exception",
                                      reason: "index [\(self.name)] is fed by the folders it watches (--watch); stop watching them to delete it")
            }
            do throws(TrawlError) {
                // Reopened with the service's own options, without the types a `PUT /{index}`
                // declared, so that the empty index keeps none of them.
                writer.close()
                self.writer = nil
                let reopened = try IndexWriter(path: self.path, options: self.options.writer)
                self.writer = reopened
                reopened.deleteAll()
                var userData = reopened.committedUserData
                userData["mappings"] = nil
                try reopened.commit(userData: userData)
                let reader = try IndexReader(path: self.path)
                self.snapshot.withLock { $0 = reader }
            } catch {
                throw IndexService.internalError(error)
            }
            self.pending.removeAll()
            self.versions.removeAll()
            self.dirty = false
            self.resumeWaiters()
        }
    }

    /// Stops the periodic refresh, commits every buffered write and releases the index
    /// (graceful shutdown). Later writes answer 503.
    public func close() async {
        if let watcher = folderWatcher {
            // The watcher's last pass needs the queue: stop it before the writer closes.
            watcher.stop()
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async {
                    try? watcher.wait()
                    continuation.resume()
                }
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.timer?.cancel()
                self.timer = nil
                if let writer = self.writer {
                    try? self.refreshNow(force: false)
                    writer.close()
                    self.writer = nil
                }
                for waiter in self.refreshWaiters { waiter.resume() }
                self.refreshWaiters = []
                continuation.resume()
            }
        }
    }

    // MARK: Applying writes (on the queue)

    private func requireOpen() throws(OpenSearchError) {
        guard writer != nil else {
            throw OpenSearchError(status: 503, type: "index_closed_exception", reason: "index [\(name)] is closed: the server is shutting down")
        }
    }

    private func currentSource(id: String) throws(OpenSearchError) -> JSON? {
        if let change = pending[id] { return change.map(OpenSearchDocuments.source(of:)) }
        do throws(TrawlError) {
            return try reader.document(id: id).map(OpenSearchDocuments.source(of:))
        } catch {
            throw IndexService.internalError(error)
        }
    }

    private func exists(id: String) throws(OpenSearchError) -> Bool {
        if let change = pending[id] { return change != nil }
        do throws(TrawlError) {
            return try reader.documentNumber(id: id) != nil
        } catch {
            throw IndexService.internalError(error)
        }
    }

    /// The reserved stored field holding a document's `_version`.
    public static let versionField = "_version"
    /// The reserved stored field holding a document's `_seq_no`.
    public static let sequenceField = "_seq_no"
    /// The commit metadata key holding the next sequence number.
    static let sequenceUserData = "next_seq_no"

    /// The `_version` and `_seq_no` of document `id` as last written: from this run's writes,
    /// else from the fields stored with it (a document written without them, by `trawl index`
    /// say, is version 1, sequence 0); (0, -1) when it does not exist.
    private func currentVersion(_ id: String, existed: Bool) throws(OpenSearchError) -> (version: Int, sequence: Int) {
        if let known = versions[id] { return known }
        guard existed else { return (0, -1) }
        do throws(TrawlError) {
            let fields = try reader.reservedFields(ofDocument: id) ?? [:]
            return (fields[IndexService.versionField].flatMap { Int($0) } ?? 1, fields[IndexService.sequenceField].flatMap { Int($0) } ?? 0)
        } catch {
            throw IndexService.internalError(error)
        }
    }

    /// The next version of `id` and the next sequence number (taken: numbers never repeat,
    /// even for a write that then fails). Recorded in ``versions`` by the caller once the
    /// write succeeds.
    private func nextVersion(_ id: String, existed: Bool) throws(OpenSearchError) -> (version: Int, sequence: Int) {
        let next = (version: try currentVersion(id, existed: existed).version + 1, sequence: nextSequenceNumber)
        nextSequenceNumber += 1
        return next
    }

    /// ``nextVersion(_:existed:)`` of `document`, stored in it as its reserved fields.
    private func stamp(_ document: inout Document, existed: Bool) throws(OpenSearchError) -> (version: Int, sequence: Int) {
        let next = try nextVersion(document.id, existed: existed)
        document.fields[IndexService.versionField] = .string(String(next.version))
        document.fields[IndexService.sequenceField] = .string(String(next.sequence))
        return next
    }

    private func writeResult(_ id: String, result: String, version: Int, sequence: Int, status: Int) -> JSON {
        .object([
            ("_index", .string(name)), ("_id", .string(id)), ("_version", .int(version)), ("result", .string(result)),
            ("_shards", .object([("total", .int(1)), ("successful", .int(1)), ("failed", .int(0))])),
            ("_seq_no", .int(sequence)), ("_primary_term", .int(1)), ("status", .int(status)),
        ])
    }

    private func conflict(_ id: String) -> OpenSearchError {
        OpenSearchError(status: 409, type: "version_conflict_engine_exception",
                        reason: "[\(id)]: version conflict, document already exists (current version [\((try? currentVersion(id, existed: true).version) ?? 1)])")
    }

    /// A 409 unless document `id` is at the version `condition` requires.
    private func check(_ condition: WriteCondition?, id: String, existed: Bool) throws(OpenSearchError) {
        guard let condition else { return }
        guard existed else {
            throw OpenSearchError(status: 409, type: "version_conflict_engine_exception",
                                  reason: "[\(id)]: version conflict, required seqNo [\(condition.sequenceNumber)], primary term [\(condition.primaryTerm)] but no document was found")
        }
        let current = try currentVersion(id, existed: true)
        if current.sequence != condition.sequenceNumber || condition.primaryTerm != 1 {
            throw OpenSearchError(status: 409, type: "version_conflict_engine_exception",
                                  reason: "[\(id)]: version conflict, required seqNo [\(condition.sequenceNumber)], primary term [\(condition.primaryTerm)]. current document has seqNo [\(current.sequence)] and primary term [1]")
        }
    }

    private func applyIndex(_ document: Document, create: Bool, condition: WriteCondition? = nil) throws(OpenSearchError) -> (status: Int, body: JSON) {
        let existed = try exists(id: document.id)
        if create && existed { throw conflict(document.id) }
        try check(condition, id: document.id, existed: existed)
        var document = document
        let (version, sequence) = try stamp(&document, existed: existed)
        do throws(TrawlError) {
            try writer?.add(document)
        } catch {
            throw IndexService.writeError(error)
        }
        pending[document.id] = .some(document)
        dirty = true
        versions[document.id] = (version, sequence)
        let status = existed ? 200 : 201
        return (status, writeResult(document.id, result: existed ? "updated" : "created", version: version, sequence: sequence, status: status))
    }

    private func applyDelete(id: String, condition: WriteCondition? = nil) throws(OpenSearchError) -> (status: Int, body: JSON) {
        let existed = try exists(id: id)
        try check(condition, id: id, existed: existed)
        if existed {
            do throws(TrawlError) {
                try writer?.delete(id: id)
            } catch {
                throw IndexService.writeError(error)
            }
            pending[id] = .some(nil)
            dirty = true
        }
        let (version, sequence) = try nextVersion(id, existed: existed)
        versions[id] = (version, sequence)  // kept in memory: the document is gone
        let status = existed ? 200 : 404
        return (status, writeResult(id, result: existed ? "deleted" : "not_found", version: version, sequence: sequence, status: status))
    }

    private func applyUpdate(id: String, body: JSON, condition: WriteCondition? = nil) throws(OpenSearchError) -> (status: Int, body: JSON) {
        guard let members = body.objectMembers else {
            throw OpenSearchError(status: 400, type: "parsing_exception", reason: "the update body must be a JSON object")
        }
        if condition != nil { try check(condition, id: id, existed: try exists(id: id)) }
        var partial: JSON?
        var upsert: JSON?
        var docAsUpsert = false
        for (key, value) in members {
            switch key {
            case "doc":
                guard value.objectMembers != nil else {
                    throw OpenSearchError(status: 400, type: "parsing_exception", reason: "[doc] must be an object")
                }
                partial = value
            case "upsert":
                guard value.objectMembers != nil else {
                    throw OpenSearchError(status: 400, type: "parsing_exception", reason: "[upsert] must be an object")
                }
                upsert = value
            case "doc_as_upsert":
                guard case .bool(let flag) = value else {
                    throw OpenSearchError(status: 400, type: "parsing_exception", reason: "[doc_as_upsert] must be true or false")
                }
                docAsUpsert = flag
            case "detect_noop", "_source": continue
            case "script", "scripted_upsert":
                throw OpenSearchError(status: 400, type: "illegal_argument_exception", reason: "[\(key)] is not supported: update with a partial [doc]")
            default:
                throw OpenSearchError(status: 400, type: "parsing_exception", reason: "[update] unknown field [\(key)]")
            }
        }
        guard let partial else {
            throw OpenSearchError(status: 400, type: "action_request_validation_exception",
                                  reason: "Validation Failed: 1: script or doc is missing;")
        }
        guard let current = try currentSource(id: id) else {
            if let document = docAsUpsert ? partial : upsert {
                return try applyIndex(try OpenSearchDocuments.document(id: id, source: document), create: false)
            }
            throw OpenSearchError(status: 404, type: "document_missing_exception", reason: "[\(id)]: document missing")
        }
        let merged = OpenSearchDocuments.merged(current, with: partial)
        let document = try OpenSearchDocuments.document(id: id, source: merged)
        if OpenSearchDocuments.source(of: document) == current {
            let known = try currentVersion(id, existed: true)
            return (200, writeResult(id, result: "noop", version: known.version, sequence: known.sequence, status: 200))
        }
        return try applyIndex(document, create: false)
    }

    private func applyBulk(_ actions: [BulkRequest.Action], defaultIndex: String?) throws(OpenSearchError) -> [JSON] {
        var items: [JSON] = []
        items.reserveCapacity(actions.count)
        // Consecutive `index` actions go to the writer together (its analysis runs in parallel).
        var batch: [Document] = []
        var batchIDs: Set<String> = []
        var batchItems: [(item: Int, existed: Bool, version: Int, sequence: Int)] = []
        func flushBatch() throws(OpenSearchError) {
            guard !batch.isEmpty else { return }
            do throws(TrawlError) {
                try writer?.add(batch)
            } catch {
                let failure = IndexService.writeError(error)
                for (k, entry) in batchItems.enumerated() {
                    items[entry.item] = failedItem("index", id: batch[k].id, index: name, error: failure)
                }
                batch = []; batchIDs = []; batchItems = []
                return
            }
            for (k, entry) in batchItems.enumerated() {
                let document = batch[k]
                pending[document.id] = .some(document)
                dirty = true
                versions[document.id] = (entry.version, entry.sequence)
                let status = entry.existed ? 200 : 201
                items[entry.item] = .object([("index", writeResult(document.id, result: entry.existed ? "updated" : "created",
                                                                   version: entry.version, sequence: entry.sequence, status: status))])
            }
            batch = []; batchIDs = []; batchItems = []
        }
        for action in actions {
            let kind = action.kind.rawValue
            let index = action.index ?? defaultIndex
            let id = action.id
            guard let index else {
                try flushBatch()
                items.append(failedItem(kind, id: id, index: nil, error: OpenSearchError(
                    status: 400, type: "action_request_validation_exception", reason: "Validation Failed: 1: index is missing;")))
                continue
            }
            guard index == name else {
                try flushBatch()
                items.append(failedItem(kind, id: id, index: index, error: OpenSearchError(
                    status: 404, type: "index_not_found_exception", reason: "no such index [\(index)]: this server holds [\(name)]")))
                continue
            }
            if let problem = action.problem {
                try flushBatch()
                items.append(failedItem(kind, id: id, index: index, error: problem))
                continue
            }
            do throws(OpenSearchError) {
                switch action.kind {
                case .index where action.condition == nil && !(id.map(batchIDs.contains) ?? false):
                    let documentID = id ?? IndexService.generatedID()
                    var document = try OpenSearchDocuments.document(id: documentID, source: action.source ?? .null)
                    let existed = try exists(id: documentID)
                    let (version, sequence) = try stamp(&document, existed: existed)
                    batch.append(document)
                    batchIDs.insert(documentID)
                    batchItems.append((items.count, existed, version, sequence))
                    items.append(.null)
                case .index, .create:
                    try flushBatch()
                    let documentID = id ?? IndexService.generatedID()
                    let document = try OpenSearchDocuments.document(id: documentID, source: action.source ?? .null)
                    items.append(.object([(kind, try applyIndex(document, create: action.kind == .create, condition: action.condition).body)]))
                case .update:
                    try flushBatch()
                    guard let id else { throw OpenSearchError(status: 400, type: "action_request_validation_exception", reason: "Validation Failed: 1: id is missing;") }
                    try OpenSearchDocuments.validate(id: id)
                    items.append(.object([(kind, try applyUpdate(id: id, body: action.source ?? .null, condition: action.condition).body)]))
                case .delete:
                    try flushBatch()
                    guard let id else { throw OpenSearchError(status: 400, type: "action_request_validation_exception", reason: "Validation Failed: 1: id is missing;") }
                    try OpenSearchDocuments.validate(id: id)
                    items.append(.object([(kind, try applyDelete(id: id, condition: action.condition).body)]))
                }
            } catch {
                try flushBatch()
                items.append(failedItem(kind, id: id, index: index, error: error))
            }
        }
        try flushBatch()
        return items
    }

    private func failedItem(_ kind: String, id: String?, index: String?, error: OpenSearchError) -> JSON {
        var members: [(String, JSON)] = []
        if let index { members.append(("_index", .string(index))) }
        members.append(("_id", id.map { .string($0) } ?? .null))
        members.append(("status", .int(error.status)))
        members.append(("error", .object([("type", .string(error.type)), ("reason", .string(error.reason))])))
        return .object([(kind, .object(members))])
    }

    // MARK: Refreshing (on the queue)

    private func finish(_ refresh: RefreshPolicy) throws(OpenSearchError) {
        switch refresh {
        case .immediate: try refreshNow(force: false)
        case .waitFor where options.refreshInterval <= 0: try refreshNow(force: false)
        default: break
        }
    }

    private func waitIfNeeded(_ refresh: RefreshPolicy) async {
        guard refresh == .waitFor, options.refreshInterval > 0 else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                if self.dirty && self.writer != nil {
                    self.refreshWaiters.append(continuation)
                } else {
                    continuation.resume()
                }
            }
        }
    }

    private func periodicRefresh() {
        guard dirty else { return }
        do throws(OpenSearchError) {
            try refreshNow(force: false)
        } catch {
            // The writes stay buffered; the next refresh tries again.
        }
    }

    /// Commits the buffered writes and swaps in a snapshot of the new commit.
    private func refreshNow(force: Bool) throws(OpenSearchError) {
        guard let writer else { return }
        guard dirty || force else {
            resumeWaiters()
            return
        }
        do throws(TrawlError) {
            var userData = writer.committedUserData
            userData[IndexService.sequenceUserData] = String(nextSequenceNumber)
            try writer.commit(userData: userData)
            let reader = try IndexReader(path: path)
            snapshot.withLock { $0 = reader }
        } catch {
            throw IndexService.internalError(error)
        }
        pending.removeAll(keepingCapacity: true)
        dirty = false
        resumeWaiters()
    }

    private func resumeWaiters() {
        let waiters = refreshWaiters
        refreshWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Helpers

    private func onQueue<R: Sendable>(_ body: @escaping @Sendable () throws(OpenSearchError) -> R) async throws(OpenSearchError) -> R {
        let result: Result<R, OpenSearchError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(OpenSearchError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// A library error met while writing: a bad value is the request's fault (400), anything
    /// else the server's (500).
    static func writeError(_ error: TrawlError) -> OpenSearchError {
        switch error.code {
        case .invalidArgument, .documentMalformed, .limitExceeded:
            return OpenSearchError(status: 400, type: "mapper_parsing_exception", reason: error.description)
        default:
            return internalError(error)
        }
    }

    static func internalError(_ error: TrawlError) -> OpenSearchError {
        OpenSearchError(status: 500, type: "exception", reason: error.description)
    }

    /// A new document id: 20 characters of URL-safe base64 from 120 random bits.
    static func generatedID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt64(64)))] })
    }
}

/// Microseconds of the monotonic clock.
func monotonicMicroseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int(now.tv_sec) * 1_000_000 + Int(now.tv_nsec) / 1000
}
