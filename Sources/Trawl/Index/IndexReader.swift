import Foundation

/// A read-only, consistent view of one commit of an index.
///
/// Opening maps the commit's segment files; searches run concurrently from any number of
/// threads without locks (everything is immutable). A writer committing later does not
/// change what this reader sees; open a new reader to see new commits.
///
/// ```swift
/// let index = try IndexReader(path: "index")
/// let results = try index.search("sanctions AND oil", limit: 10)
/// for hit in results.hits { print(hit.score, hit.title, hit.snippet?.text ?? "") }
/// ```
public final class IndexReader: Sendable {
    let directory: any IndexDirectory
    let manifest: CommitManifest
    /// Bytes of the commit manifest (verified whole when it was read).
    let manifestSize: Int
    let segments: [SegmentReader]
    let bases: [Int]
    /// The analyzer the index was built with (queries use it too).
    public let analyzer: Analyzer
    let fieldStatistics: [String: FieldStatistics]
    /// The type of every field of the index (recorded in its commit).
    public let schema: FieldSchema
    /// The default language and the other languages of the documents, with their analyzers.
    let languages: IndexLanguages
    /// The terms of ``FreeTextStopWords`` under the index's analyzer (for
    /// ``SearchRequest/freeTextStopWords``).
    let freeTextStopTerms: Set<String>

    /// Index-wide statistics of one field.
    struct FieldStatistics: Sendable {
        var documentCount: Int
        var totalLength: Int
        var averageLength: Float { documentCount > 0 ? Float(totalLength) / Float(documentCount) : 1 }
    }

    /// Opens the newest commit of the index at `path`.
    public convenience init(path: String) throws(TrawlError) {
        let directory = try FileSystemDirectory(path: path, create: false)
        try self.init(directory: directory)
    }

    /// Opens the newest commit in any directory.
    init(directory: any IndexDirectory) throws(TrawlError) {
        self.directory = directory
        let (manifest, manifestSize, segments) = try IndexReader.openNewestCommit(in: directory)
        self.manifest = manifest
        self.manifestSize = manifestSize
        var bases: [Int] = []
        var base = 0
        var stats: [String: FieldStatistics] = [:]
        for segment in segments {
            bases.append(base)
            base += segment.meta.documentCount
            for field in segment.meta.fields {
                stats[field.name, default: FieldStatistics(documentCount: 0, totalLength: 0)].documentCount += field.documentCount
                stats[field.name, default: FieldStatistics(documentCount: 0, totalLength: 0)].totalLength += field.totalLength
            }
        }
        self.segments = segments
        self.bases = bases
        fieldStatistics = stats
        schema = IndexWriter.committedSchema(manifest)
        analyzer = try Analyzer(manifest.analyzer)
        languages = IndexLanguages(analyzer: manifest.analyzer, segments: segments)
        freeTextStopTerms = FreeTextStopWords.terms(analyzer: analyzer)
    }

    /// Loads the newest commit and opens its segments.
    ///
    /// A writer deletes the files of the previous commit right after it publishes a new one, so
    /// an open that lists the folder just before a commit can find a file gone. When that
    /// happens and a newer commit exists, the open raced with a writer and starts over with the
    /// newer commit; an error with no newer commit in sight is real and is thrown.
    static func openNewestCommit(in directory: any IndexDirectory) throws(TrawlError) -> (CommitManifest, Int, [SegmentReader]) {
        var attempts = 0
        while true {
            guard let generation = try CommitManifest.newestGeneration(in: directory) else {
                throw TrawlError(.indexNotFound, "no index at this location; run `trawl index FOLDER` first", path: directory.location)
            }
            do throws(TrawlError) {
                let (manifest, size) = try CommitManifest.load(generation: generation, from: directory)
                var segments: [SegmentReader] = []
                for meta in manifest.segments { segments.append(try SegmentReader(directory: directory, meta: meta)) }
                return (manifest, size, segments)
            } catch {
                attempts += 1
                if attempts < 1000, let newer = try? CommitManifest.newestGeneration(in: directory), newer > generation {
                    continue
                }
                throw error
            }
        }
    }

    /// Live (not deleted) documents.
    public var documentCount: Int { manifest.liveDocumentCount }

    /// Deleted documents not yet merged away.
    public var deletedDocumentCount: Int { manifest.segments.reduce(0) { $0 + $1.deletedCount } }

    /// The commit generation this reader sees.
    public var generation: Int { manifest.generation }

    /// Metadata stored with the commit.
    public var userData: [String: String] { manifest.userData }

    /// The absolute paths of the folders and files indexed into this index with
    /// ``FolderIndexer`` (recorded in every commit it makes), sorted; empty for an index built
    /// only through the API.
    public var indexedRoots: [String] {
        (manifest.userData[IndexSchema.indexedRootsKey] ?? "").split(separator: "\n").map(String.init).sorted()
    }

    /// The fields the index knows: text fields with words, and every typed metadata field.
    public var fieldNames: [String] {
        Set(fieldStatistics.keys.filter { !$0.hasPrefix("_") }).union(schema.types.keys).sorted()
    }

    /// Whether `field` is a keyword or bool field (matched whole, scored 0).
    func isColumnField(_ field: String) -> Bool {
        let type = schema[field]
        return type == .keyword || type == .bool
    }

    /// The segment and local document of an index-wide document number.
    func locate(_ doc: Int) -> (segment: Int, local: Int)? {
        guard doc >= 0 else { return nil }
        var lo = 0, hi = bases.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if bases[mid] <= doc { lo = mid } else { hi = mid - 1 }
        }
        guard lo < segments.count, doc - bases[lo] < segments[lo].documentCount else { return nil }
        return (lo, doc - bases[lo])
    }

    /// The index-wide number of the live document with this id.
    func documentNumber(id: String) throws(TrawlError) -> Int? {
        for (i, segment) in segments.enumerated().reversed() {
            if let doc = try segment.document(withID: id) { return bases[i] + doc }
        }
        return nil
    }

    /// The stored document with this id, if it exists.
    public func document(id: String) throws(TrawlError) -> StoredFields? {
        guard let number = try documentNumber(id: id), let (s, local) = locate(number) else { return nil }
        return StoredFields(try segments[s].store.document(local), segment: segments[s], doc: local)
    }

    /// The reserved (`_`-prefixed) stored fields of the live document with this id, which
    /// ``StoredFields`` leaves out; nil when no live document has it.
    public func reservedFields(ofDocument id: String) throws(TrawlError) -> [String: String]? {
        guard let number = try documentNumber(id: id), let (s, local) = locate(number) else { return nil }
        let fields = try segments[s].store.document(local, body: .deferred).fields.filter { $0.0.hasPrefix("_") }
        return Dictionary(fields) { first, _ in first }
    }
}

/// A document as stored in the index.
public struct StoredFields: Sendable, Equatable {
    /// The external id.
    public var id: String
    /// The title.
    public var title: String
    /// The date, if any.
    public var date: DocumentDate?
    /// The body (empty when the index does not store bodies).
    public var body: String
    /// Metadata fields (internal bookkeeping fields excluded): text fields as strings, keyword
    /// fields as lists of values, numbers, dates and bools as such.
    public var fields: [String: FieldValue]

    /// The stored form alone (text fields only).
    init(_ stored: StoredDocument) {
        id = stored.id
        title = stored.title
        date = stored.date
        body = stored.body
        var extra: [String: FieldValue] = [:]
        for (name, value) in stored.fields where !name.hasPrefix("_") { extra[name] = .string(value) }
        fields = extra
    }

    /// The stored form with the values of the segment's columns for document `doc`.
    init(_ stored: StoredDocument, segment: SegmentReader, doc: Int) {
        self.init(stored)
        StoredFields.addColumnValues(segment: segment, doc: doc, to: &fields)
    }

    /// Adds document `doc`'s values in the segment's columns to `values`, keeping a value
    /// already there (a stored field of the same name). The dictionary grows at most once: a
    /// hit's fields cost one allocation, not one per doubling.
    static func addColumnValues(segment: SegmentReader, doc: Int, to values: inout [String: FieldValue]) {
        let columns = segment.columns
        let most = values.count + columns.keywords.count + columns.numerics.count
        guard most > values.count else { return }
        values.reserveCapacity(most)
        for (name, column) in columns.keywords where values[name] == nil {
            let ordinals = column.ordinals(of: doc)
            guard !ordinals.isEmpty else { continue }
            if column.type == .bool {
                values[name] = .bool(column.foldedString(ordinals[0]) == "true")
            } else {
                values[name] = .strings(ordinals.map(column.display))
            }
        }
        for (name, column) in columns.numerics where values[name] == nil {
            if let value = column.value(doc) { values[name] = value }
        }
    }
}
