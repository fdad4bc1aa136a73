/// An open, immutable segment: its files mapped, its term dictionary index loaded.
///
/// Thread-safe to share: every member is immutable; cursors are values created per search.
final class SegmentReader: Sendable {
    /// The segment's description from the commit.
    let meta: SegmentMeta
    /// The segment id (checked against every file header).
    let segmentID: SegmentID
    /// Term dictionary of every field.
    let dictionary: TermDictionaryReader
    private let dictionaryInput: IndexInput
    /// Mapped postings.
    let postings: IndexInput
    /// Mapped positions.
    let positions: IndexInput
    /// Field lengths.
    let fieldLengths: FieldLengthsReader
    /// Stored documents.
    let store: DocumentStoreReader
    /// Dates.
    let dates: DateColumnReader
    /// External ids, readable without the document store.
    let identifiers: IdentifierColumnReader
    /// The metadata columns (none in a segment of format version 2 or 3).
    let columns: ColumnsReader
    /// Live documents, or nil when nothing is deleted.
    let liveDocuments: LiveDocuments?
    /// Field metadata by name.
    let fieldsByName: [String: FieldMeta]
    /// Every mapped file of the segment (data files, then the live-documents file if any): what
    /// ``verifyChecksums()`` verifies, byte for byte what searches read.
    let inputs: [IndexInput]
    /// The folder's location, for messages.
    private let location: String
    /// Per field: its terms decoded into a ``TermTable``, built on first use.
    private let termTables = PosixLock<[String: TermTable]>([:])

    /// Opens a segment's files (every row of ``SegmentFiles``) and validates their headers.
    init(directory: any IndexDirectory, meta: SegmentMeta) throws(TrawlError) {
        self.meta = meta
        let id = try meta.segmentID
        segmentID = id
        location = directory.location
        // Opens a file of the table and checks its framing and the kind in its header.
        func open(_ file: SegmentFile) throws(TrawlError) -> IndexInput {
            let input = try directory.openInput(meta.fileName(file))
            _ = try FileEnvelope.validate(input.bytes, kind: file.kind, segmentID: id, fileName: input.name)
            return input
        }
        dictionaryInput = try open(SegmentFiles.termDictionary)
        dictionary = try TermDictionaryReader(bytes: dictionaryInput.bytes, segmentID: id,
                                              fileName: dictionaryInput.name, owner: dictionaryInput)
        postings = try open(SegmentFiles.postings)
        positions = try open(SegmentFiles.positions)
        let lengthsInput = try open(SegmentFiles.fieldLengths)
        fieldLengths = try FieldLengthsReader(input: lengthsInput, segmentID: id, documentCount: meta.documentCount)
        let storeInput = try open(SegmentFiles.documentStore)
        store = try DocumentStoreReader(input: storeInput, segmentID: id, documentCount: meta.documentCount)
        let datesInput = try open(SegmentFiles.dates)
        dates = try DateColumnReader(input: datesInput, segmentID: id, documentCount: meta.documentCount)
        let identifiersInput = try open(SegmentFiles.identifiers)
        identifiers = try IdentifierColumnReader(input: identifiersInput, segmentID: id, documentCount: meta.documentCount)
        var inputs = [dictionaryInput, postings, positions, lengthsInput, storeInput, datesInput, identifiersInput]
        if meta.fileSizes[SegmentFiles.columns.suffix] != nil {
            let columnsInput = try open(SegmentFiles.columns)
            columns = try ColumnsReader(input: columnsInput, segmentID: id, documentCount: meta.documentCount)
            inputs.append(columnsInput)
        } else {
            columns = .empty
        }
        if let liveName = meta.liveDocumentsFile {
            let liveInput = try directory.openInput(liveName)
            let live = try LiveDocuments.read(liveInput, segmentID: id, documentCount: meta.documentCount)
            guard live.deletedCount == meta.deletedCount else {
                throw TrawlError(.corruptIndex, "index file is damaged: deleted count differs from the commit", path: liveName)
            }
            liveDocuments = live
            inputs.append(liveInput)
        } else {
            liveDocuments = nil
        }
        self.inputs = inputs
        var byName: [String: FieldMeta] = [:]
        for field in meta.fields { byName[field.name] = field }
        fieldsByName = byName
    }

    /// Drops the mapped pages of the postings, positions and dictionary from resident memory.
    func releasePages() {
        postings.releasePages()
        positions.releasePages()
        dictionaryInput.releasePages()
    }

    /// Number of documents (deleted included).
    var documentCount: Int { meta.documentCount }

    /// Whether a document is live.
    @inline(__always)
    func isLive(_ doc: Int) -> Bool { liveDocuments?.isLive(doc) ?? true }

    /// The postings info of a term in a field.
    func termInfo(field: String, term: UnsafeRawBufferPointer) throws(TrawlError) -> TermPostingsInfo? {
        guard let terms = dictionary.terms(forField: field) else { return nil }
        return try terms.lookup(term)
    }

    /// The terms of `field` as a flat ``TermTable`` (decoded on first use, then kept), or `nil`
    /// when the segment has no such field.
    func termTable(field: String) throws(TrawlError) -> TermTable? {
        if let table = termTables.withLock({ $0[field] }) { return table }
        guard let terms = dictionary.terms(forField: field) else { return nil }
        // Decoded outside the lock: two threads may both decode; the first one stored wins.
        let table = try TermTable(terms)
        return termTables.withLock { tables in
            if let existing = tables[field] { return existing }
            tables[field] = table
            return table
        }
    }

    /// A cursor over a term's postings.
    func cursor(field: String, info: TermPostingsInfo) throws(TrawlError) -> PostingsCursor {
        let hasPositions = fieldsByName[field]?.hasPositions ?? false
        let cursor = try PostingsCursor(postings: postings.bytes, positions: hasPositions ? positions.bytes : nil,
                                        info: info, fileName: postings.name)
        // Damaged postings (or a damaged dictionary entry) must not yield documents past the
        // segment's end: callers index per-document arrays with them.
        guard Int(cursor.termLastDoc) < documentCount else {
            throw TrawlError(.corruptIndex, "index file is damaged: a posting list names document \(cursor.termLastDoc) of a segment with \(documentCount)",
                             path: postings.name)
        }
        return cursor
    }

    /// The live document with external id `id`, if any.
    func document(withID id: String) throws(TrawlError) -> Int? {
        try documents(inKeywordField: IndexSchema.idField, value: id).first
    }

    /// The live documents whose untokenized field (`_id`, `_source`) equals `value`.
    func documents(inKeywordField field: String, value: String) throws(TrawlError) -> [Int] {
        let info = try withTypedUTF8(value) { (bytes) throws(TrawlError) in
            try termInfo(field: field, term: bytes)
        }
        guard let info else { return [] }
        var cursor = try self.cursor(field: field, info: info)
        var result: [Int] = []
        var doc = cursor.doc
        while doc != PostingsCursor.noMoreDocs {
            if isLive(Int(doc)) { result.append(Int(doc)) }
            doc = cursor.next()
        }
        try cursor.throwIfCorrupt()
        return result
    }

    /// Calls `body` with each value of an untokenized field that starts with `prefix`.
    func forEachKeyword(field: String, prefix: String, _ body: (String) -> Void) throws(TrawlError) {
        guard let terms = dictionary.terms(forField: field) else { return }
        var iterator = terms.terms(withPrefix: Array(prefix.utf8), limit: Int.max)
        while try iterator.next() {
            body(String(decoding: iterator.term, as: UTF8.self))
        }
    }

    /// Verifies the checksum of every file of the segment, over the mapped bytes that searches
    /// read (so it also works after a writer has deleted the files of an older commit).
    func verifyChecksums() throws(TrawlError) {
        for input in inputs {
            try FileEnvelope.verifyChecksum(input.bytes, fileName: location + "/" + input.name)
        }
    }
}
