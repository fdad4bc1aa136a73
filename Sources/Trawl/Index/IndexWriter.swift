import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Settings of an ``IndexWriter``.
public struct IndexWriterOptions: Sendable, Hashable {
    /// Memory for buffered documents before a segment is flushed (default 256 MB).
    public var ramBudget: Int = 256 << 20
    /// The analyzer of a new index; an existing index keeps the analyzer it was built with.
    public var analyzer: AnalyzerConfiguration = .english
    /// Whether a new index stores document bodies (needed for snippets). Existing indexes keep theirs.
    public var storesBody: Bool = true
    /// How many segments of one size class are merged together (log-structured merging).
    public var mergeFactor: Int = 10
    /// Seconds to wait for another writer's lock before failing.
    public var lockTimeout: Double = 0
    /// Threads used to analyze documents.
    public var threads: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    /// Whether commits fsync files and the folder (turn off only for throwaway indexes).
    public var durable: Bool = true
    /// Types for metadata fields, before any document brings them (as `--field name:type`).
    /// A field that already has another type in the index is an error: types never change.
    public var fieldTypes: [String: FieldType] = [:]

    /// Whether documents that declare no language get one detected from their text
    /// (``LanguageDetection``), analyzed in it and kept in the `lang` keyword field. `nil`
    /// (the default) keeps the index's own setting, recorded in its commits; a new index does
    /// not detect.
    public var languageDetection: Bool? = nil

    /// Default settings.
    public init() {}
}

/// Adds, replaces and deletes documents, and commits them atomically.
///
/// One writer at a time per index (a lock file enforces it). Readers opened before a commit
/// keep seeing the commit they opened; changes become visible to readers opened after
/// ``commit(userData:)`` returns. A new index exists from its first commit on, generation 1
/// (even when it holds no documents): until then no reader can open it.
///
/// ```swift
/// let writer = try IndexWriter(path: "index")
/// try writer.add([Document(id: "a.txt", title: "Oil", body: "Sanctions on oil exports")])
/// try writer.commit()
/// writer.close()
/// ```
public final class IndexWriter {
    private final class WriterSegment {
        var meta: SegmentMeta
        let reader: SegmentReader
        var live: LiveDocuments?
        var liveChanged = false

        init(meta: SegmentMeta, reader: SegmentReader) {
            self.meta = meta
            self.reader = reader
            self.live = reader.liveDocuments
        }

        var liveCount: Int { live?.liveCount ?? meta.documentCount }

        func isLive(_ doc: Int) -> Bool { live?.isLive(doc) ?? true }

        func delete(_ doc: Int) {
            if live == nil { live = LiveDocuments(allLive: meta.documentCount) }
            if live!.delete(doc) { liveChanged = true }
        }
    }

    let directory: any IndexDirectory
    private var lock: WriteLock?
    /// The options in force.
    public let options: IndexWriterOptions
    /// The analyzer configuration of the index.
    public let analyzer: AnalyzerConfiguration
    /// Whether the index stores bodies.
    public let storesBody: Bool
    /// Whether documents without a declared language get a detected one
    /// (``IndexWriterOptions/languageDetection``, recorded in the commits).
    public let detectsLanguages: Bool
    /// The process id of a dead writer whose lock was cleared when this writer opened, if any.
    public let recoveredStaleLockPid: Int32?
    private(set) var committed: CommitManifest
    /// The type of every field seen (committed, buffered, declared).
    public private(set) var schema: FieldSchema
    /// The schema file an index folder may hold: `name: type` lines, read when a writer opens.
    public static let schemaFileName = "schema.yaml"
    private var segments: [WriterSegment] = []
    private var builder: SegmentBuilder
    private var analyses: [DocumentAnalysis] = []
    private var nextSegmentNumber: Int
    private var uncommittedChanges = false

    /// Opens the index at `path` for writing, creating the folder when absent (the index
    /// itself is written by the first ``commit(userData:)``).
    public convenience init(path: String, options: IndexWriterOptions = IndexWriterOptions()) throws(TrawlError) {
        let directory = try FileSystemDirectory(path: path, create: true)
        let lock = try WriteLock(directory: directory, timeout: options.lockTimeout)
        try self.init(directory: directory, lock: lock, options: options)
    }

    /// Opens a writer over any directory (tests use ``MemoryDirectory``).
    init(directory: any IndexDirectory, lock: WriteLock?, options: IndexWriterOptions) throws(TrawlError) {
        self.directory = directory
        self.lock = lock
        self.options = options
        recoveredStaleLockPid = lock?.recoveredStalePid
        if let existing = try CommitManifest.loadLatest(from: directory) {
            committed = existing
        } else {
            committed = CommitManifest(generation: 0, analyzer: options.analyzer, storesBody: options.storesBody,
                                       segments: [], nextSegmentNumber: 1, committedAt: 0, userData: [:])
        }
        analyzer = committed.analyzer
        storesBody = committed.storesBody
        nextSegmentNumber = committed.nextSegmentNumber
        builder = SegmentBuilder(storesBody: committed.storesBody)
        for meta in committed.segments {
            segments.append(WriterSegment(meta: meta, reader: try SegmentReader(directory: directory, meta: meta)))
        }
        schema = IndexWriter.committedSchema(committed)
        var declared: [(String, FieldType)] = []
        if try directory.fileNames().contains(IndexWriter.schemaFileName) {
            let input = try directory.openInput(IndexWriter.schemaFileName)
            declared += try IndexWriter.parseSchemaFile(input.bytes, path: directory.location + "/" + IndexWriter.schemaFileName)
        }
        declared += options.fieldTypes.sorted { $0.key < $1.key }
        for (rawName, type) in declared {
            let name = FieldSchema.fieldName(rawName)
            if let existing = schema.record(name, as: type) {
                throw TrawlError(.invalidArgument, "the field `\(name)` is \(existing) in this index and cannot become \(type): a field's type never changes (rebuild the index to change it)")
            }
        }
        let recordedDetection = committed.userData[IndexSchema.languageDetectionKey] == "on"
        detectsLanguages = options.languageDetection ?? recordedDetection
        if detectsLanguages {
            if let existing = schema.record(DocumentLanguage.field, as: .keyword) {
                throw TrawlError(.invalidArgument, "the field `\(DocumentLanguage.field)` is \(existing) in this index: detected languages need it to be a keyword field")
            }
        }
        try removeUnreferencedFiles()
        // A new index: the first commit writes it, with or without documents. (No empty commit
        // is published now, so the first commit is generation 1; until it, a crash leaves no
        // manifest and the next writer starts afresh, removing the files left behind.)
        uncommittedChanges = committed.generation == 0 || detectsLanguages != recordedDetection
    }

    deinit { lock?.release() }

    /// The part of the RAM budget left for buffered documents once the analysis threads'
    /// caches and the I/O buffers are set aside (at least a quarter of the budget).
    var bufferBudget: Int {
        max(options.ramBudget / 4, options.ramBudget - max(1, options.threads) * DocumentAnalysis.memoryReserve - (16 << 20))
    }

    /// The last committed state's live document count.
    public var committedDocumentCount: Int { committed.liveDocumentCount }

    /// The metadata stored with the last commit.
    public var committedUserData: [String: String] { committed.userData }

    /// The index folder, for an index on disk (the path it was opened with); nil for an index in memory.
    public var path: String? { (directory as? FileSystemDirectory)?.path }

    /// Documents buffered or flushed since the last commit, plus live documents of committed segments.
    public var documentCount: Int {
        segments.reduce(0) { $0 + $1.liveCount } + builder.liveDocumentCount
    }

    // MARK: Adding and deleting

    /// The dates a document may have, in seconds since 1970 (about ±36 billion years): the
    /// date column stores differences between dates in 63 bits.
    public static let supportedDates: ClosedRange<Int64> = -(1 << 60)...(1 << 60)

    /// Adds documents, replacing any document with the same id. Analysis runs on
    /// ``IndexWriterOptions/threads`` threads; documents get ids in the order given.
    ///
    /// Metadata fields new to the index get their type from the first value seen
    /// (``FieldSchema``); a value that does not fit its field's type is left out and reported
    /// in the returned warnings (the document is indexed without it).
    @discardableResult
    public func add(_ documents: [Document]) throws(TrawlError) -> [FieldWarning] {
        try add([DocumentGroup(documents: documents)])
    }

    /// Adds groups of documents that share fields (see ``DocumentGroup``), as
    /// ``add(_:)-([Document])`` adds documents: each document gets its group's shared fields,
    /// which replace its own fields of the same names and are typed once per group (a value that
    /// does not fit is reported once, for the group's first document).
    @discardableResult
    public func add(_ groups: [DocumentGroup]) throws(TrawlError) -> [FieldWarning] {
        var documents: [Document] = []
        if groups.count == 1 {
            documents = groups[0].documents
        } else {
            documents.reserveCapacity(groups.reduce(0) { $0 + $1.documents.count })
            for group in groups { documents.append(contentsOf: group.documents) }
        }
        guard !documents.isEmpty else { return [] }
        for document in documents {
            if let date = document.date, !IndexWriter.supportedDates.contains(date.secondsSinceEpoch) {
                throw TrawlError(.invalidArgument,
                                 "document \(document.id.debugDescription) has a date \(date.secondsSinceEpoch) s from 1970, outside the supported range of ±\(IndexWriter.supportedDates.upperBound) s")
            }
        }
        var warnings: [FieldWarning] = []
        var metadata: [DocumentMetadata] = []
        metadata.reserveCapacity(documents.count)
        // A declared language is normalized to its code (`de-DE` → `de`) before typing.
        for i in documents.indices { DocumentLanguage.normalize(&documents[i]) }
        var next = 0
        for group in groups where !group.documents.isEmpty {
            let shared = schema.resolveShared(group.sharedFields, documentID: group.documents[0].id, warnings: &warnings)
            for _ in group.documents {
                metadata.append(schema.resolve(documents[next], shared: shared, warnings: &warnings))
                next += 1
            }
        }
        let analyzed = try analyzeInParallel(documents, metadata)
        for document in analyzed {
            try deleteCommitted(id: document.stored.id)
            builder.add(document)
            uncommittedChanges = true
            if builder.memoryUsage >= bufferBudget { try flush() }
        }
        return warnings
    }

    /// Adds one document, replacing any document with the same id; returns the warnings of
    /// values left out (see ``add(_:)-([Document])``).
    @discardableResult
    public func add(_ document: Document) throws(TrawlError) -> [FieldWarning] {
        try add([document])
    }

    /// The schema of a commit; an index written before fields had types has text extra fields.
    static func committedSchema(_ manifest: CommitManifest) -> FieldSchema {
        if let types = manifest.schema { return FieldSchema(types) }
        var types: [String: FieldType] = [:]
        for segment in manifest.segments {
            for field in segment.fields where field.hasPositions && IndexSchema.isIndexableExtraField(field.name) {
                types[field.name] = .text
            }
        }
        return FieldSchema(types)
    }

    /// Reads a schema file: one `name: type` a line (YAML mapping syntax; `#` comments).
    static func parseSchemaFile(_ bytes: UnsafeRawBufferPointer, path: String) throws(TrawlError) -> [(String, FieldType)] {
        var result: [(String, FieldType)] = []
        let text = String(decoding: bytes, as: UTF8.self)
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let trimmed = String(line).trimmingSpaces
            if trimmed.isEmpty { continue }
            guard let declaration = FieldSchema.parseDeclaration(trimmed) else {
                throw TrawlError(.invalidArgument, "line \(number + 1) is not `name: type` with a type among \(FieldType.allCases.map(\.rawValue).joined(separator: ", "))", path: path)
            }
            result.append(declaration)
        }
        return result
    }

    /// Deletes the document with this id; returns whether one existed.
    @discardableResult
    public func delete(id: String) throws(TrawlError) -> Bool {
        let inBuffer = builder.delete(id: id)
        let inSegments = try deleteCommitted(id: id)
        if inBuffer || inSegments { uncommittedChanges = true }
        return inBuffer || inSegments
    }

    /// Removes every document, buffered and committed, and the field types learnt from them
    /// (those of ``IndexWriterOptions/fieldTypes`` stay); the analyzer and body storage stay.
    /// The next ``commit(userData:)`` publishes the empty index atomically: until then, and
    /// after a crash before it, readers see the last commit.
    public func deleteAll() {
        builder = SegmentBuilder(storesBody: storesBody)
        segments = []
        schema = FieldSchema([:])
        for (name, type) in options.fieldTypes { schema.record(FieldSchema.fieldName(name), as: type) }
        uncommittedChanges = true
    }

    // MARK: Documents by source

    // A document's source is the value of its `_source` field: ``FolderIndexer`` sets it to the
    // absolute path of the file the document was read from (``SearchHit/path``). The writer
    // indexes it as one untokenized key, so that every document of one file can be found,
    // compared and deleted together, which is what incremental indexing needs.

    /// Deletes every document whose source (its `_source` field, the file it was read from) is
    /// `source`, buffered documents included; returns how many were live.
    @discardableResult
    public func delete(source: String) throws(TrawlError) -> Int {
        var count = builder.delete(source: source) ? 1 : 0
        for segment in segments {
            for doc in try segment.reader.documents(inKeywordField: IndexSchema.sourceField, value: source) where segment.isLive(doc) {
                segment.delete(doc)
                count += 1
            }
        }
        if count > 0 { uncommittedChanges = true }
        return count
    }

    /// The stored extra fields of one live document read from `source`, the reserved
    /// `_`-prefixed ones included (``FolderIndexer`` records the file's size, modification time
    /// and content hash there to tell whether the file changed); nil when no live document has
    /// this source.
    ///
    /// Looks at the committed segments and those flushed since; documents still buffered in
    /// memory (see ``documentCount``) are not seen.
    public func storedFields(source: String) throws(TrawlError) -> [String: String]? {
        for segment in segments.reversed() {
            for doc in try segment.reader.documents(inKeywordField: IndexSchema.sourceField, value: source) where segment.isLive(doc) {
                return Dictionary(try segment.reader.store.document(doc, body: .deferred).fields) { first, _ in first }
            }
        }
        return nil
    }

    /// The sources (see ``delete(source:)``) that start with `prefix` and still have live
    /// documents, sorted: with `prefix` a folder's absolute path and a `/`, the files of that
    /// folder the index holds documents of.
    ///
    /// Looks at the committed segments and those flushed since; documents still buffered in
    /// memory (see ``documentCount``) are not seen.
    public func sources(withPrefix prefix: String) throws(TrawlError) -> [String] {
        var result: Set<String> = []
        for segment in segments {
            var found: [String] = []
            try segment.reader.forEachKeyword(field: IndexSchema.sourceField, prefix: prefix) { found.append($0) }
            for source in found where result.contains(source) == false {
                let live = try segment.reader.documents(inKeywordField: IndexSchema.sourceField, value: source)
                if live.contains(where: { segment.isLive($0) }) { result.insert(source) }
            }
        }
        return result.sorted()
    }

    @discardableResult
    private func deleteCommitted(id: String) throws(TrawlError) -> Bool {
        var deleted = false
        for segment in segments {
            if let doc = try segment.reader.document(withID: id), segment.isLive(doc) {
                segment.delete(doc)
                deleted = true
            }
        }
        return deleted
    }

    private func analyzeInParallel(_ documents: [Document], _ metadata: [DocumentMetadata]) throws(TrawlError) -> [AnalyzedDocument] {
        let threads = max(1, min(options.threads, documents.count))
        while analyses.count < threads {
            analyses.append(try DocumentAnalysis(configuration: analyzer, storeBody: storesBody, detectsLanguages: detectsLanguages))
        }
        if threads == 1 { return documents.indices.map { analyses[0].analyze(documents[$0], metadata: metadata[$0]) } }
        let results = UnsafeMutableBufferPointer<AnalyzedDocument?>.allocate(capacity: documents.count)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        nonisolated(unsafe) let output = results
        let workers = analyses
        let input = documents
        let resolved = metadata
        let stride = 16
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            let analysis = workers[worker]
            var start = worker * stride
            while start < input.count {
                for i in start..<min(start + stride, input.count) {
                    output[i] = analysis.analyze(input[i], metadata: resolved[i])
                }
                start += threads * stride
            }
        }
        return results.map { $0! }
    }

    // MARK: Flushing, merging, committing

    /// Writes the buffered documents as a new segment (not yet committed).
    private func flush() throws(TrawlError) {
        guard builder.documentCount > 0 else { return }
        let name = "s" + String(nextSegmentNumber, radix: 36)
        nextSegmentNumber += 1
        let meta = try builder.flush(to: directory, name: name, sync: options.durable)
        builder = SegmentBuilder(storesBody: storesBody)
        segments.append(WriterSegment(meta: meta, reader: try SegmentReader(directory: directory, meta: meta)))
    }

    /// Makes every change since the last commit durable and visible, atomically.
    ///
    /// Buffered documents are flushed, deletions written as new live-document generations,
    /// small segments merged, and a new commit manifest published with an atomic rename.
    /// A crash at any point leaves the previous commit intact.
    public func commit(userData: [String: String]? = nil) throws(TrawlError) {
        var userData = userData ?? committed.userData
        if detectsLanguages {
            userData[IndexSchema.languageDetectionKey] = "on"
        } else {
            userData.removeValue(forKey: IndexSchema.languageDetectionKey)
        }
        if !uncommittedChanges && userData == committed.userData { return }
        try flush()
        var generation = committed.generation + 1
        if generation < 1 { generation = 1 }
        for segment in segments where segment.liveChanged {
            guard let live = segment.live else { continue }
            segment.meta.deleteGeneration += 1
            segment.meta.deletedCount = live.deletedCount
            try live.write(to: directory, name: segment.meta.liveDocumentsFile!, segmentID: segment.reader.segmentID,
                           sync: options.durable)
            segment.liveChanged = false
        }
        segments.removeAll { $0.liveCount == 0 }
        try applyMergePolicy()
        let manifest = CommitManifest(generation: generation, analyzer: analyzer, storesBody: storesBody,
                                      segments: segments.map(\.meta), nextSegmentNumber: nextSegmentNumber,
                                      committedAt: Int64(time(nil)), userData: userData,
                                      schema: schema.types)
        try manifest.publish(to: directory, sync: options.durable)
        committed = manifest
        uncommittedChanges = false
        try? removeUnreferencedFiles()
    }

    /// Merges every segment into one (and drops deleted documents), then commits.
    public func optimize() throws(TrawlError) {
        try flush()
        if segments.count > 1 || segments.contains(where: { $0.liveCount < $0.meta.documentCount }) {
            try merge(segments)
            uncommittedChanges = true
        }
        try commit()
    }

    /// Discards every change since the last commit.
    public func rollback() throws(TrawlError) {
        builder = SegmentBuilder(storesBody: storesBody)
        segments = []
        for meta in committed.segments {
            segments.append(WriterSegment(meta: meta, reader: try SegmentReader(directory: directory, meta: meta)))
        }
        nextSegmentNumber = max(nextSegmentNumber, committed.nextSegmentNumber)
        schema = IndexWriter.committedSchema(committed)
        for (name, type) in options.fieldTypes { schema.record(FieldSchema.fieldName(name), as: type) }
        // (A new index still has its first commit to write.)
        uncommittedChanges = committed.generation == 0
        try? removeUnreferencedFiles()
    }

    /// Releases the lock. Uncommitted changes are discarded.
    public func close() {
        builder = SegmentBuilder(storesBody: storesBody)
        lock?.release()
        lock = nil
    }

    /// Log-structured merging: segments are grouped by size class (⌊log_f(live docs)⌋); any
    /// class holding `mergeFactor` segments is merged into one, repeatedly, so the number of
    /// segments stays logarithmic in the number of documents.
    private func applyMergePolicy() throws(TrawlError) {
        let factor = max(2, options.mergeFactor)
        while true {
            var classes: [Int: [WriterSegment]] = [:]
            for segment in segments {
                var level = 0
                var size = max(1, segment.liveCount)
                while size >= factor { size /= factor; level += 1 }
                classes[level, default: []].append(segment)
            }
            guard let (_, group) = classes.sorted(by: { $0.key < $1.key }).first(where: { $0.value.count >= factor }) else { return }
            try merge(Array(group.prefix(factor)))
        }
    }

    /// Merges `group` into one new segment that takes the place of the first of them.
    private func merge(_ group: [WriterSegment]) throws(TrawlError) {
        guard !group.isEmpty else { return }
        let name = "s" + String(nextSegmentNumber, radix: 36)
        nextSegmentNumber += 1
        let merged = try SegmentMerger.merge(group.map { ($0.reader, $0.live) }, into: directory, name: name,
                                             storesBody: storesBody, sync: options.durable)
        let ids = Set(group.map { ObjectIdentifier($0) })
        let position = segments.firstIndex { ids.contains(ObjectIdentifier($0)) } ?? segments.count
        segments.removeAll { ids.contains(ObjectIdentifier($0)) }
        if merged.documentCount > 0 {
            let segment = WriterSegment(meta: merged, reader: try SegmentReader(directory: directory, meta: merged))
            segments.insert(segment, at: min(position, segments.count))
        }
    }

    /// Deletes files that the last commit does not reference (left by crashes, merges,
    /// old deletion generations). Only names this writer could have made are touched.
    private func removeUnreferencedFiles() throws(TrawlError) {
        var keep = committed.referencedFiles
        for segment in segments {
            keep.formUnion(segment.meta.files)
            if let live = segment.meta.liveDocumentsFile { keep.insert(live) }
        }
        for name in try directory.fileNames() where !keep.contains(name) && IndexWriter.isIndexFileName(name) {
            try? directory.delete(name)
        }
    }

    /// Whether a file name has a form that Trawl writes into an index folder.
    static func isIndexFileName(_ name: String) -> Bool {
        if name.hasPrefix("commit_") { return true }
        guard name.hasPrefix("s") else { return false }
        if name.hasSuffix(".live") || name.hasSuffix(".tmp") { return true }
        guard let dot = name.lastIndex(of: ".") else { return false }
        return SegmentFiles.extensions.contains(String(name[name.index(after: dot)...]))
    }
}
