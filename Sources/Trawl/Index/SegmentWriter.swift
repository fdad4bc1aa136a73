/// One file of a segment: the extension of its name and the kind its header declares.
struct SegmentFile: Sendable, Hashable {
    /// The extension: the file is `<segment>.<suffix>`; also its key in ``SegmentMeta/fileSizes``.
    let suffix: String
    /// The kind in the file's header.
    let kind: FileEnvelope.Kind
}

/// The table of a segment's files, in the order ``SegmentWriter`` finishes (and fsyncs) them.
/// ``SegmentWriter`` writes every row, ``SegmentReader`` opens every row; the live-documents
/// file, written by each commit that deletes documents, is not part of it.
enum SegmentFiles {
    static let termDictionary = SegmentFile(suffix: "tdic", kind: .termDictionary)
    static let postings = SegmentFile(suffix: "post", kind: .postings)
    static let positions = SegmentFile(suffix: "posn", kind: .positions)
    static let fieldLengths = SegmentFile(suffix: "norm", kind: .fieldLengths)
    static let documentStore = SegmentFile(suffix: "stor", kind: .documentStore)
    static let dates = SegmentFile(suffix: "date", kind: .dateColumn)
    static let identifiers = SegmentFile(suffix: "ids", kind: .identifiers)
    /// The metadata columns (format version 4 on; a segment of an older version has none).
    static let columns = SegmentFile(suffix: "cols", kind: .columns)
    /// Every row, in write order.
    static let all = [termDictionary, postings, positions, fieldLengths, documentStore, dates, identifiers, columns]
    /// Every file extension, in write order.
    static let extensions = all.map(\.suffix)
}

/// What a segment is written from, in the new segment's document numbering: a flush's
/// in-memory buffer (``SegmentBuilder``) or a merge's view of its source segments
/// (``SegmentMerger``), which renumbers documents and skips deleted ones.
///
/// ``SegmentWriter`` asks for each field (in field-number order) its length codes and its terms,
/// then the stored documents, the dates, the ids, the metadata columns and the documents already deleted. Postings go
/// straight from the source's own loop into a ``SegmentTermsWriter`` (a final class): nothing is
/// dispatched dynamically per posting.
protocol SegmentSource {
    associatedtype Dates: Collection<Int64>
    associatedtype Identifiers: Collection<String>

    /// Documents in the segment, deleted ones included.
    var documentCount: Int { get }
    /// The indexed fields in number order (the number is the index): their names, and whether
    /// positions and field lengths are written (text fields) or not (the keyword fields).
    var indexedFields: [(name: String, hasPositions: Bool)] { get }
    /// The length codes (``FieldLengthCode``) of a field with positions, one per document.
    func lengthCodes(ofField number: Int) -> [UInt8]
    /// Writes a field's terms to `terms`, in byte order, each with its postings in increasing
    /// document order.
    func writeTerms(ofField number: Int, to terms: SegmentTermsWriter) throws(TrawlError)
    /// What the commit records of a field: documents that have it and the sum of its lengths.
    func statistics(ofField number: Int) -> (documentCount: Int, totalLength: Int)
    /// The stored documents, in order.
    func storedDocuments() throws(TrawlError) -> DocumentStoreWriter
    /// Every document's date (``DateColumn/missing`` for none).
    func dates() -> Dates
    /// Every document's external id.
    func identifiers() -> Identifiers
    /// The metadata columns (keyword, number, date and bool fields), every one padded to
    /// ``documentCount`` documents.
    func columns() throws(TrawlError) -> [ColumnData]
    /// The documents already deleted when the segment is written (a flush's buffered
    /// deletions), or nil.
    func deletions() -> LiveDocuments?
}

/// Receives one field's terms from a ``SegmentSource``: for each term, its postings with
/// ``add(doc:freq:positions:)`` in increasing document order, then ``finishTerm(_:)``. A term
/// that received no postings (every one of its documents deleted) is left out.
final class SegmentTermsWriter {
    private let postings: PostingsWriter
    private let dictionary: TermDictionaryWriter
    private let hasPositions: Bool
    /// The field's length codes, one per document (empty without positions: the code is 1).
    private let lengthCodes: [UInt8]
    @exclusivity(unchecked) private var inTerm = false
    /// Terms written.
    @exclusivity(unchecked) private(set) var termCount = 0

    fileprivate init(postings: PostingsWriter, dictionary: TermDictionaryWriter, hasPositions: Bool, lengthCodes: [UInt8]) {
        self.postings = postings
        self.dictionary = dictionary
        self.hasPositions = hasPositions
        self.lengthCodes = lengthCodes
    }

    /// Adds one document of the current term: its number in the new segment, its frequency and
    /// (for a field with positions) exactly `freq` positions.
    @inline(__always)
    func add(doc: UInt32, freq: UInt32, positions: UnsafeBufferPointer<UInt32>) throws(TrawlError) {
        if !inTerm {
            try postings.startTerm()
            inTerm = true
        }
        try postings.add(doc: doc, freq: freq, lengthCode: hasPositions ? lengthCodes[Int(doc)] : 1, positions: positions)
    }

    /// Adds one document of the current term with the first `count` positions of `positions`.
    @inline(__always)
    func add(doc: UInt32, freq: UInt32, positions: [UInt32], count: Int) throws(TrawlError) {
        try positions.withUnsafeBufferPointer { (buffer) throws(TrawlError) in
            try add(doc: doc, freq: freq, positions: UnsafeBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// Ends the current term and records it in the term dictionary (unless it has no postings).
    func finishTerm(_ term: UnsafeRawBufferPointer) throws(TrawlError) {
        guard inTerm else { return }
        inTerm = false
        try dictionary.add(term: term, info: try postings.finishTerm())
        termCount += 1
    }

    /// Ends the current term, given as a byte array (see ``finishTerm(_:)``).
    func finishTerm(_ term: [UInt8]) throws(TrawlError) {
        try withTypedBytes(term) { (raw) throws(TrawlError) in try finishTerm(raw) }
    }
}

/// Writes one segment from a ``SegmentSource``: creates every file of ``SegmentFiles``, writes
/// the fields' terms and postings, field lengths, stored documents, dates and ids in that order,
/// finishes and fsyncs the files in table order, and returns the segment's description (its
/// field table and file sizes). Flushes and merges both write through it.
struct SegmentWriter {
    private let directory: any IndexDirectory
    private let sync: Bool
    private let segmentID: SegmentID
    private var meta: SegmentMeta

    private init(directory: any IndexDirectory, name: String, documentCount: Int, storesBody: Bool, sync: Bool) {
        self.directory = directory
        self.sync = sync
        segmentID = SegmentID.random()
        meta = SegmentMeta(name: name, id: segmentID.description, documentCount: documentCount, deletedCount: 0,
                           deleteGeneration: 0, fields: [], fileSizes: [:], storesBody: storesBody)
    }

    /// Writes `source` as segment `name` and returns its description.
    ///
    /// Every file is written, fsynced (when `sync`) and closed before this returns; the segment
    /// becomes part of the index only when a commit manifest names it.
    static func write<Source: SegmentSource>(_ source: Source, to directory: any IndexDirectory, name: String,
                                             storesBody: Bool, sync: Bool) throws(TrawlError) -> SegmentMeta {
        var writer = SegmentWriter(directory: directory, name: name, documentCount: source.documentCount,
                                   storesBody: storesBody, sync: sync)
        try writer.write(source)
        return writer.meta
    }

    /// Creates a file of the table, its header written.
    private func create(_ file: SegmentFile) throws(TrawlError) -> IndexFileWriter {
        try IndexFileWriter(directory: directory, name: meta.fileName(file), kind: file.kind, segmentID: segmentID)
    }

    /// Writes a file's footer, fsyncs (when `sync`) and closes it, and records its size.
    private mutating func finish(_ output: IndexFileWriter, as file: SegmentFile) throws(TrawlError) {
        meta.fileSizes[file.suffix] = try output.finish(sync: sync)
    }

    private mutating func write<Source: SegmentSource>(_ source: Source) throws(TrawlError) {
        let postingsFile = try create(SegmentFiles.postings)
        let positionsFile = try create(SegmentFiles.positions)
        let dictionaryFile = try create(SegmentFiles.termDictionary)
        let dictionary = TermDictionaryWriter(output: dictionaryFile)
        let withPositions = PostingsWriter(postings: postingsFile, positions: positionsFile)
        let withoutPositions = PostingsWriter(postings: postingsFile, positions: nil)
        var lengthSections: [(number: Int, codes: [UInt8])] = []
        for (number, field) in source.indexedFields.enumerated() {
            let codes = field.hasPositions ? source.lengthCodes(ofField: number) : []
            if field.hasPositions { lengthSections.append((number, codes)) }
            try dictionary.startField(field.name, hasPositions: field.hasPositions)
            let terms = SegmentTermsWriter(postings: field.hasPositions ? withPositions : withoutPositions,
                                           dictionary: dictionary, hasPositions: field.hasPositions, lengthCodes: codes)
            try source.writeTerms(ofField: number, to: terms)
            try dictionary.finishField()
            let statistics = source.statistics(ofField: number)
            meta.fields.append(FieldMeta(name: field.name, number: number, documentCount: statistics.documentCount,
                                         totalLength: statistics.totalLength, termCount: terms.termCount,
                                         hasPositions: field.hasPositions))
        }
        try dictionary.writeFieldTable()
        try finish(dictionaryFile, as: SegmentFiles.termDictionary)
        try finish(postingsFile, as: SegmentFiles.postings)
        try finish(positionsFile, as: SegmentFiles.positions)

        let lengthsFile = try create(SegmentFiles.fieldLengths)
        try FieldLengthsFile.write(lengthSections, to: lengthsFile)
        try finish(lengthsFile, as: SegmentFiles.fieldLengths)

        var store = try source.storedDocuments()
        let storeFile = try create(SegmentFiles.documentStore)
        try store.write(to: storeFile)
        try finish(storeFile, as: SegmentFiles.documentStore)

        let dates = try DateColumn.Encoder(source.dates(), fileName: meta.fileName(SegmentFiles.dates))
        let datesFile = try create(SegmentFiles.dates)
        try dates.write(to: datesFile)
        try finish(datesFile, as: SegmentFiles.dates)

        let identifiersFile = try create(SegmentFiles.identifiers)
        try IdentifierColumn.write(source.identifiers(), to: identifiersFile)
        try finish(identifiersFile, as: SegmentFiles.identifiers)

        let columnsFile = try create(SegmentFiles.columns)
        try Columns.write(try source.columns(), documentCount: source.documentCount, to: columnsFile)
        try finish(columnsFile, as: SegmentFiles.columns)

        if let live = source.deletions(), live.deletedCount > 0 {
            meta.deleteGeneration = 1
            meta.deletedCount = live.deletedCount
            try live.write(to: directory, name: meta.liveDocumentsFile!, segmentID: segmentID, sync: sync)
        }
    }
}
