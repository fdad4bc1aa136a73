import Foundation

/// Counts of what an indexing run did, per file.
public struct IndexingSummary: Sendable, Equatable, Codable {
    /// Files indexed for the first time.
    public var added = 0
    /// Files whose content changed and were re-indexed.
    public var updated = 0
    /// Files gone from disk whose documents were removed.
    public var deleted = 0
    /// Files unchanged since the last run (skipped by size and time, or by content hash).
    public var unchanged = 0
    /// Files skipped as unsupported or binary.
    public var skipped = 0
    /// Files that could not be read or parsed.
    public var failed = 0
    /// Documents written (added or replaced).
    public var documents = 0
    /// Bytes of files read.
    public var bytesRead = 0
    /// One line per failed file or per warning: `path: reason`.
    public var problems: [String] = []
    /// The files read with another encoding than plain UTF-8 (a byte-order mark aside), in the
    /// order they were read.
    public var encodings: [FileEncoding] = []

    /// The encoding one file was read with.
    public struct FileEncoding: Sendable, Equatable, Codable {
        /// The file's path relative to the indexed folder (its name, for a single file).
        public var path: String
        /// How its bytes were decoded.
        public var encoding: TextEncoding

        /// Creates a record.
        public init(path: String, encoding: TextEncoding) {
            self.path = path
            self.encoding = encoding
        }
    }

    /// Creates an empty summary.
    public init() {}
}

/// The files a run of ``FolderIndexer`` changed in the index, by absolute path.
public struct ChangedSources: Sendable, Equatable {
    /// Files indexed for the first time.
    public var added: [String] = []
    /// Files re-indexed because their content changed.
    public var updated: [String] = []
    /// Files gone from disk whose documents were removed.
    public var deleted: [String] = []

    /// Whether nothing changed.
    public var isEmpty: Bool { added.isEmpty && updated.isEmpty && deleted.isEmpty }

    /// Creates an empty record.
    public init() {}
}

/// Progress of an indexing run, reported while it works.
public struct IndexingProgress: Sendable, Equatable {
    /// Files examined so far.
    public var filesDone: Int
    /// Files to examine.
    public var filesTotal: Int
    /// Bytes of files examined so far.
    public var bytesDone: Int64
    /// Bytes of all files to examine.
    public var bytesTotal: Int64
    /// Documents read so far (written, or queued for the writer).
    public var documents: Int
}

/// Indexes folders of articles incrementally: new and changed files are (re)indexed,
/// unchanged ones skipped, files gone from disk removed.
///
/// Each document remembers its source file (absolute path), size, modification time and a
/// content hash. A file whose size and time match is unchanged; otherwise its content hash
/// decides. Document ids are paths relative to the indexed folder, except for JSON and JSON
/// Lines files, whose records carry their own ids.
///
/// Every document also gets fields derived from its file: `path` (the path relative to the
/// indexed folder, `/`-separated; every record of a JSON Lines file gets the file's path),
/// `folder` (the first component of that path; absent for files directly in the folder),
/// `ext` (the lower-cased extension without the dot; absent when there is none), `size` (the
/// file's size in bytes, an integer) and `modified` (the file's modification time, a date at
/// second precision). A document's own field with one of these names (any case) is replaced,
/// and a warning names the file.
public final class FolderIndexer {
    /// Options of a run.
    public struct Options: Sendable {
        /// Use a file's modification time as the date of documents that have none.
        public var dateFromModificationTime = false
        /// Reader limits.
        public var readerOptions = DocumentReader.Options()
        /// Folders never indexed (the index folder itself is always excluded).
        public var excluding: Set<String> = []
        /// Documents handed to the writer at once (analysis runs in parallel over a batch).
        public var batchSize = 512
        /// External commands for files of other formats, with their time and output limits.
        /// The extractors are recorded in the commit; those of earlier runs stay in force
        /// (one given here replaces the recorded one of its extension).
        public var extractors = ExtractorSettings()

        /// Default options.
        public init() {}
    }

    private let writer: IndexWriter
    private let options: Options
    private let reader: DocumentReader
    /// The extractors in force in this run: the recorded ones with those of the options.
    private var extractors = ExtractorSettings()
    private var summary = IndexingSummary()
    /// Documents waiting for the writer, one group per file (the file's fields shared).
    private var batch: [DocumentGroup] = []
    /// The source key of the last group of ``batch``.
    private var batchGroupKey: String?
    private var batchDocuments = 0
    private var batchBytes = 0
    /// The source keys (absolute paths) of the files the last run added, re-indexed and removed,
    /// for the watcher's updates.
    private(set) var changedSources = ChangedSources()
    /// Asked before each file, as the task's cancellation is; when it returns true the run
    /// stops without committing (set by the asynchronous API of IndexingEvents.swift).
    var shouldCancel: (() -> Bool)?

    /// Creates an indexer that writes through `writer`.
    public init(writer: IndexWriter, options: Options = Options()) {
        self.writer = writer
        self.options = options
        reader = DocumentReader(options: options.readerOptions)
    }

    /// Indexes the files under `paths` (folders or single files) and commits.
    ///
    /// Problems with single files are counted and described in the summary; the run goes on.
    /// Throws only for failures of the index itself, when a path does not exist, or when the
    /// run is cancelled.
    ///
    /// When the task that calls it is cancelled, the run stops before the next file and throws
    /// ``TrawlError/Code/cancelled`` without committing: the index keeps its previous commit,
    /// and the files already read stay as uncommitted changes of the writer (discard them with
    /// ``IndexWriter/rollback()`` or ``IndexWriter/close()``). The asynchronous API
    /// (``events(indexing:into:writerOptions:options:)``) reports a stopped run as
    /// `CancellationError` instead.
    public func run(paths: [String], progress: ((IndexingProgress) -> Void)? = nil) throws(TrawlError) -> IndexingSummary {
        summary = IndexingSummary()
        changedSources = ChangedSources()
        extractors = options.extractors
        extractors.extractors = ExtractorSettings.merged(recorded: ExtractorSettings.recorded(in: writer.committedUserData),
                                                         given: options.extractors.extractors)
        var roots: [(root: String, isFolder: Bool, scan: FolderScanResult)] = []
        var excluded = options.excluding
        if let location = writer.path { excluded.insert(FolderIndexer.absolute(location)) }
        for path in paths {
            let absolute = FolderIndexer.absolute(path)
            var info = stat()
            guard stat(absolute, &info) == 0 else {
                throw TrawlError(.invalidArgument, "no such file or folder", path: path)
            }
            let isFolder = (info.st_mode & S_IFMT) == S_IFDIR
            let scanner = FolderScanner(excluding: excluded,
                                        extractedExtensions: Set(extractors.extractors.map(\.fileExtension)))
            let scan = try scanner.scan(absolute)
            roots.append((absolute, isFolder, scan))
            summary.skipped += scan.skipped.count
            for warning in scan.warnings { summary.problems.append(warning.description) }
        }
        let filesTotal = roots.reduce(0) { $0 + $1.scan.files.count }
        let bytesTotal = roots.reduce(Int64(0)) { $0 + $1.scan.files.reduce(0) { $0 + $1.size } }
        var filesDone = 0
        var bytesDone: Int64 = 0
        for (root, isFolder, scan) in roots {
            var seen: Set<String> = []
            for file in scan.files {
                if Task.isCancelled || shouldCancel?() == true {
                    throw TrawlError(.cancelled, "indexing was cancelled; the index keeps its last commit")
                }
                let key = isFolder ? root + "/" + file.relativePath : root
                seen.insert(key)
                try index(file: file, key: key)
                filesDone += 1
                bytesDone += file.size
                progress?(IndexingProgress(filesDone: filesDone, filesTotal: filesTotal, bytesDone: bytesDone,
                                           bytesTotal: bytesTotal, documents: summary.documents + batchDocuments))
            }
            if isFolder {
                for source in try writer.sources(withPrefix: root + "/") where !seen.contains(source) {
                    try flushBatch()
                    if try writer.delete(source: source) > 0 {
                        summary.deleted += 1
                        changedSources.deleted.append(source)
                    }
                }
            }
        }
        try flushBatch()
        var userData = writer.committedUserData
        var indexed = Set((userData[IndexSchema.indexedRootsKey] ?? "").split(separator: "\n").map(String.init))
        for root in roots { indexed.insert(root.root) }
        userData[IndexSchema.indexedRootsKey] = indexed.sorted().joined(separator: "\n")
        if !extractors.extractors.isEmpty {
            userData[ExtractorSettings.userDataKey] = ExtractorSettings.userDataValue(extractors.extractors)
        }
        try writer.commit(userData: userData)
        return summary
    }

    private func index(file: ScannedFile, key: String) throws(TrawlError) {
        let previous = try writer.storedFields(source: key)
        if let previous, previous[IndexSchema.sourceSizeField] == String(file.size),
           previous[IndexSchema.sourceModifiedField] == String(file.modificationTimeNanoseconds) {
            summary.unchanged += 1
            return
        }
        if file.format == .jsonLines {
            try indexJSONLines(file, key: key, previous: previous)
            return
        }
        let bytes: [UInt8]
        let result: DocumentReadResult
        do throws(TrawlError) {
            guard file.size <= Int64(options.readerOptions.maximumFileSize) else {
                throw TrawlError(.documentUnreadable, "file too large (\(file.size) bytes; the limit is \(options.readerOptions.maximumFileSize))", path: file.relativePath)
            }
            bytes = try FolderIndexer.readAll(file.pathBytes, displayPath: file.relativePath)
            summary.bytesRead += bytes.count
            if let previous, previous[IndexSchema.sourceHashField] == FolderIndexer.contentHash(bytes) {
                summary.unchanged += 1
                return
            }
            if let extractor = extractor(for: file) {
                let text = try ExtractorProcess.run(extractor, path: String(decoding: file.pathBytes, as: UTF8.self),
                                                    relativePath: file.relativePath, settings: extractors)
                result = try reader.read(contentsOf: text, relativePath: file.relativePath, format: .text)
            } else {
                result = try reader.read(contentsOf: bytes, relativePath: file.relativePath, format: file.format)
            }
        } catch {
            summary.failed += 1
            summary.problems.append(error.description)
            return
        }
        for warning in result.warnings { summary.problems.append(warning.description) }
        if !result.encoding.isPlainUTF8 {
            summary.encodings.append(IndexingSummary.FileEncoding(path: file.relativePath, encoding: result.encoding))
        }
        try replace(previous: previous, key: key)
        var derived = DerivedFields(file: file, key: key, hash: FolderIndexer.contentHash(bytes))
        for document in result.documents { try enqueue(document, file: file, key: key, derived: &derived) }
    }

    /// The extractor of a file's extension, if one is in force.
    private func extractor(for file: ScannedFile) -> ExternalExtractor? {
        guard !extractors.extractors.isEmpty, let name = file.relativePath.split(separator: "/").last,
              let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return extractors.extractor(forExtension: String(name[name.index(after: dot)...]))
    }

    /// Counts the file as added or updated, removing the old documents of an updated one.
    private func replace(previous: [String: String]?, key: String) throws(TrawlError) {
        if previous != nil {
            try flushBatch()
            try writer.delete(source: key)
            summary.updated += 1
            changedSources.updated.append(key)
        } else {
            summary.added += 1
            changedSources.added.append(key)
        }
    }

    /// The fields every document of one file gets (see ``FolderIndexer``), made once per file.
    struct DerivedFields {
        /// The derived fields (path, folder, ext, size, modified) and the reserved ones that
        /// record the file (`_source`, its size, modification time and content hash).
        let shared: [String: FieldValue]
        /// Whether the file was already warned about a field the derived ones replaced.
        var warned = false

        init(file: ScannedFile, key: String, hash: String) {
            var shared = Dictionary(uniqueKeysWithValues: DerivedFields.values(of: file).map { ($0.name, $0.value) })
            shared[IndexSchema.sourceField] = .string(key)
            shared[IndexSchema.sourceSizeField] = .string(String(file.size))
            shared[IndexSchema.sourceModifiedField] = .string(String(file.modificationTimeNanoseconds))
            shared[IndexSchema.sourceHashField] = .string(hash)
            self.shared = shared
        }

        /// The derived fields: path, folder, ext, size, modified.
        static func values(of file: ScannedFile) -> [(name: String, value: FieldValue)] {
            let path = file.relativePath
            var values: [(name: String, value: FieldValue)] = [("path", .string(path))]
            let components = path.split(separator: "/", omittingEmptySubsequences: true)
            if components.count > 1 { values.append(("folder", .string(String(components[0])))) }
            if let name = components.last, let dot = name.lastIndex(of: "."), dot != name.startIndex {
                let ext = name[name.index(after: dot)...].lowercased()
                if !ext.isEmpty { values.append(("ext", .string(ext))) }
            }
            values.append(("size", .integer(file.size)))
            let nanoseconds = file.modificationTimeNanoseconds
            let seconds = nanoseconds / 1_000_000_000 - (nanoseconds % 1_000_000_000 < 0 ? 1 : 0)
            values.append(("modified", .date(DocumentDate(secondsSinceEpoch: seconds, precision: .second))))
            return values
        }
    }

    /// The fields derived from a file, by name.
    static func derivedFields(of file: ScannedFile) -> [String: FieldValue] {
        Dictionary(uniqueKeysWithValues: DerivedFields.values(of: file).map { ($0.name, $0.value) })
    }

    /// The names of the fields derived from the file, which replace a document's own fields
    /// of the same name (compared without case).
    static let derivedFieldNames: Set<String> = ["path", "folder", "ext", "size", "modified"]

    private func enqueue(_ document: Document, file: ScannedFile, key: String,
                         derived: inout DerivedFields) throws(TrawlError) {
        var document = document
        if !document.fields.isEmpty {
            let replaced = document.fields.keys.filter { FolderIndexer.derivedFieldNames.contains($0.lowercased()) }
            if !replaced.isEmpty {
                for name in replaced { document.fields.removeValue(forKey: name) }
                if !derived.warned {
                    derived.warned = true
                    let names = replaced.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
                    let warning = TrawlError(.documentMalformed,
                                             "The document's own \(names) \(replaced.count == 1 ? "field was" : "fields were") ignored: the name is taken by a field derived from the file.",
                                             path: file.relativePath)
                    summary.problems.append(warning.description)
                }
            }
        }
        if document.date == nil && options.dateFromModificationTime {
            document.date = DocumentDate(secondsSinceEpoch: file.modificationTimeNanoseconds / 1_000_000_000)
        }
        batchBytes += document.body.utf8.count + document.title.utf8.count
        if batchGroupKey != key || batch.isEmpty {
            batch.append(DocumentGroup(documents: [], sharedFields: derived.shared))
            batchGroupKey = key
        }
        batch[batch.count - 1].documents.append(document)
        batchDocuments += 1
        if batchDocuments >= options.batchSize || batchBytes >= 16 << 20 { try flushBatch() }
    }

    /// JSON Lines files of any size: hashed in one streaming pass, then parsed in chunks of
    /// whole lines whose documents go to the writer as they come (memory stays bounded).
    private func indexJSONLines(_ file: ScannedFile, key: String, previous: [String: String]?) throws(TrawlError) {
        let hash: String
        do throws(TrawlError) {
            var crc: UInt32 = 0
            var total = 0
            try FolderIndexer.forEachChunk(file.pathBytes, displayPath: file.relativePath) { chunk in
                crc = Checksum.crc32(chunk, initial: crc)
                total += chunk.count
            }
            hash = "\(String(crc, radix: 16)):\(total)"
            summary.bytesRead += total
        } catch {
            summary.failed += 1
            summary.problems.append(error.description)
            return
        }
        if let previous, previous[IndexSchema.sourceHashField] == hash {
            summary.unchanged += 1
            return
        }
        try replace(previous: previous, key: key)
        var pending: [UInt8] = []
        var failure: TrawlError?
        var chunks = JSONLinesChunks(reader: reader, derived: DerivedFields(file: file, key: key, hash: hash))
        var first = true
        try FolderIndexer.forEachChunk(file.pathBytes, displayPath: file.relativePath) { chunk in
            guard failure == nil else { return }
            if first {
                first = false
                // UTF-16 and UTF-32 cannot be cut at 0x0A bytes: such a file is read whole.
                if let mark = EncodingDetection.byteOrderMark(chunk.bindMemory(to: UInt8.self)), mark.name != "UTF-8" {
                    chunks.whole = true
                }
            }
            pending.append(contentsOf: chunk)
            guard !chunks.whole, let lastNewline = pending.lastIndex(of: 0x0A) else { return }
            do throws(TrawlError) {
                try parseLines(Array(pending[0...lastNewline]), file: file, key: key, chunks: &chunks)
            } catch {
                failure = error
            }
            pending.removeFirst(lastNewline + 1)
        }
        if let failure { throw failure }
        if !pending.isEmpty { try parseLines(pending, file: file, key: key, chunks: &chunks) }
        if let encoding = chunks.encoding, !encoding.isPlainUTF8 {
            summary.encodings.append(IndexingSummary.FileEncoding(path: file.relativePath, encoding: encoding))
        }
    }

    /// The state of reading one JSON Lines file in chunks: once one chunk needed another
    /// encoding than UTF-8, the following chunks are read with the same one.
    private struct JSONLinesChunks {
        var reader: DocumentReader
        var derived: DerivedFields
        var whole = false
        var encoding: TextEncoding?

        mutating func record(_ found: TextEncoding) {
            guard let known = encoding, !known.isPlainUTF8 else {
                encoding = found
                if !found.isPlainUTF8, found.source == .detected || found.source == .declared {
                    reader.options.encoding = found.name
                }
                return
            }
            if !found.isPlainUTF8 { encoding?.replacements += found.replacements }
        }
    }

    private func parseLines(_ lines: [UInt8], file: ScannedFile, key: String,
                            chunks: inout JSONLinesChunks) throws(TrawlError) {
        let part: DocumentReadResult
        do throws(TrawlError) {
            part = try chunks.reader.read(contentsOf: lines, relativePath: file.relativePath, format: .jsonLines)
        } catch {
            summary.problems.append(error.description)
            return
        }
        chunks.record(part.encoding)
        for warning in part.warnings { summary.problems.append(warning.description) }
        for document in part.documents { try enqueue(document, file: file, key: key, derived: &chunks.derived) }
    }

    /// Files and fields already warned about a value that did not fit (one warning each).
    private var warnedFields: Set<String> = []

    private func flushBatch() throws(TrawlError) {
        guard !batch.isEmpty else { return }
        let warnings = try writer.add(batch)
        if !warnings.isEmpty {
            // Values that do not fit their field's type: one line per file and field.
            var sources: [String: String] = [:]
            for group in batch {
                let source = group.sharedFields[IndexSchema.sourceField]?.description
                for document in group.documents { sources[document.id] = source }
            }
            for warning in warnings {
                let source = sources[warning.documentID] ?? warning.documentID
                guard warnedFields.insert(source + "\u{0}" + warning.field).inserted else { continue }
                summary.problems.append(TrawlError(.documentMalformed, "document \(warning.documentID): \(warning.message)", path: source).description)
            }
        }
        summary.documents += batchDocuments
        batch.removeAll(keepingCapacity: true)
        batchGroupKey = nil
        batchDocuments = 0
        batchBytes = 0
    }

    static func absolute(_ path: String) -> String {
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        if realpath(path, &resolved) != nil {
            return String(decoding: resolved.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        if path.hasPrefix("/") { return path }
        return FileManager.default.currentDirectoryPath + "/" + path
    }

    /// Calls `body` with successive chunks of a file (8 MB at most each). The path is given as
    /// its exact bytes: file names need not be valid UTF-8.
    static func forEachChunk(_ path: [UInt8], displayPath: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(TrawlError) {
        let handle = (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { fopen($0, "rb") }
        }
        guard let handle else {
            throw TrawlError(.documentUnreadable, "cannot open the file", path: displayPath, underlying: errnoString())
        }
        defer { fclose(handle) }
        var chunk = [UInt8](repeating: 0, count: 8 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            if n == 0 {
                if ferror(handle) != 0 {
                    throw TrawlError(.documentUnreadable, "cannot read the file", path: displayPath, underlying: errnoString())
                }
                return
            }
            chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// Reads a whole file.
    static func readAll(_ path: [UInt8], displayPath: String) throws(TrawlError) -> [UInt8] {
        var result: [UInt8] = []
        try forEachChunk(path, displayPath: displayPath) { result.append(contentsOf: $0) }
        return result
    }

    static func contentHash(_ bytes: [UInt8]) -> String {
        "\(String(Checksum.crc32(bytes), radix: 16)):\(bytes.count)"
    }
}
