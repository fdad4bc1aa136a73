/// Collects analyzed documents in memory and writes them out as one immutable segment.
///
/// Tokens are appended to flat per-field arrays (`term << 32 | position`, 8 bytes a token);
/// at flush a counting sort by term groups them into postings, terms are sorted by bytes,
/// and the postings, positions, term dictionary, field lengths, stored documents and dates are
/// written. Memory is proportional to the tokens buffered, which ``memoryUsage`` reports so the
/// writer can flush before its RAM budget is exceeded.
final class SegmentBuilder {
    private final class FieldBuffer {
        let name: String
        let number: Int
        let hasPositions: Bool
        let terms = ByteStringTable(expectedKeys: 1 << 12)
        /// `term << 32 | position`, in document order.
        @exclusivity(unchecked) var tokens: [UInt64] = []
        /// Token end offset per document (documents without the field repeat the offset).
        @exclusivity(unchecked) var documentEnds: [UInt32] = []
        /// Token count per document.
        @exclusivity(unchecked) var lengths: [UInt32] = []

        init(name: String, number: Int, hasPositions: Bool) {
            self.name = name
            self.number = number
            self.hasPositions = hasPositions
        }

        var memoryUsage: Int { tokens.capacity * 8 + documentEnds.capacity * 8 + terms.memoryFootprint }

        /// Pads the per-document arrays up to `documentCount` documents.
        func pad(to documentCount: Int) {
            while documentEnds.count < documentCount {
                documentEnds.append(UInt32(tokens.count))
                lengths.append(0)
            }
        }
    }

    /// An untokenized field (`_id`, `_source`): whole values as terms, no positions.
    private final class KeywordBuffer {
        let name: String
        let terms = ByteStringTable(expectedKeys: 1 << 12)
        /// Documents per term, in increasing order.
        @exclusivity(unchecked) var documents: [[Int32]] = []

        init(name: String) { self.name = name }

        var memoryUsage: Int { terms.memoryFootprint + documents.count * 40 }

        func add(_ value: String, doc: Int) {
            var copy = value
            let (term, inserted) = copy.withUTF8 { terms.intern(UnsafeRawBufferPointer($0)) }
            if inserted { documents.append([Int32(doc)]) } else { documents[Int(term)].append(Int32(doc)) }
        }

        func documents(for value: String) -> [Int32] {
            var copy = value
            guard let term = copy.withUTF8({ terms.find(UnsafeRawBufferPointer($0)) }) else { return [] }
            return documents[Int(term)]
        }
    }

    @exclusivity(unchecked) private var fields: [FieldBuffer] = []
    @exclusivity(unchecked) private var fieldsByName: [String: FieldBuffer] = [:]
    @exclusivity(unchecked) private var store = DocumentStoreWriter()
    @exclusivity(unchecked) private var dates: [Int64] = []
    @exclusivity(unchecked) private var identifiers: [String] = []
    /// Buffered documents deleted before the flush (replaced or deleted by id or source).
    @exclusivity(unchecked) private var deleted: [Bool] = []
    @exclusivity(unchecked) private var deletedCount = 0
    private let ids = KeywordBuffer(name: IndexSchema.idField)
    private let sources = KeywordBuffer(name: IndexSchema.sourceField)
    private let storesBody: Bool

    /// Documents buffered (deleted ones included).
    @exclusivity(unchecked) private(set) var documentCount = 0

    /// Buffered documents not deleted.
    var liveDocumentCount: Int { documentCount - deletedCount }

    /// Creates an empty builder.
    init(storesBody: Bool) {
        self.storesBody = storesBody
        _ = field(IndexSchema.titleField)
        _ = field(IndexSchema.bodyField)
    }

    private func field(_ name: String) -> FieldBuffer {
        if let existing = fieldsByName[name] { return existing }
        let buffer = FieldBuffer(name: name, number: fields.count + 2, hasPositions: true)
        fields.append(buffer)
        fieldsByName[name] = buffer
        return buffer
    }

    /// Approximate bytes held, including the extra room a flush needs.
    var memoryUsage: Int {
        var total = store.compressedBytes + dates.capacity * 9 + identifiers.count * 40 + ids.memoryUsage + sources.memoryUsage
        for field in fields {
            total += field.memoryUsage
            total += field.tokens.count * 8 // the flush's grouped copy
        }
        return total
    }

    /// Deletes buffered documents with this id; returns whether any was live.
    @discardableResult
    func delete(id: String) -> Bool { deleteDocuments(ids.documents(for: id)) }

    /// Deletes buffered documents read from this source; returns whether any was live.
    @discardableResult
    func delete(source: String) -> Bool { deleteDocuments(sources.documents(for: source)) }

    private func deleteDocuments(_ docs: [Int32]) -> Bool {
        var any = false
        for doc in docs where !deleted[Int(doc)] {
            deleted[Int(doc)] = true
            deletedCount += 1
            any = true
        }
        return any
    }

    /// Adds an analyzed document, replacing a buffered one with the same id.
    func add(_ document: AnalyzedDocument) {
        let doc = documentCount
        delete(id: document.stored.id)
        ids.add(document.stored.id, doc: doc)
        if let source = document.source { sources.add(source, doc: doc) }
        for analyzed in document.fields {
            let buffer = field(analyzed.name)
            buffer.pad(to: doc)
            var ordinals = [Int32](repeating: 0, count: analyzed.termEnds.count)
            analyzed.termBytes.withUnsafeBytes { bytes in
                var start = 0
                for i in 0..<analyzed.termEnds.count {
                    let end = Int(analyzed.termEnds[i])
                    ordinals[i] = buffer.terms.intern(UnsafeRawBufferPointer(rebasing: bytes[start..<end])).id
                    start = end
                }
            }
            for token in analyzed.tokens {
                let ordinal = UInt64(UInt32(bitPattern: ordinals[Int(token >> 32)]))
                buffer.tokens.append(ordinal << 32 | (token & 0xFFFF_FFFF))
            }
            buffer.documentEnds.append(UInt32(buffer.tokens.count))
            buffer.lengths.append(UInt32(analyzed.tokens.count))
        }
        store.add(document.stored)
        identifiers.append(document.stored.id)
        dates.append(document.date)
        deleted.append(false)
        documentCount += 1
    }
}

extension SegmentBuilder {
    /// Writes the buffered documents as segment `name` and returns its description.
    ///
    /// Every file is written, fsynced (when `sync`) and closed before this returns; the segment
    /// becomes part of the index only when a commit manifest names it.
    func flush(to directory: any IndexDirectory, name: String, sync: Bool) throws(TrawlError) -> SegmentMeta {
        let segmentID = SegmentID.random()
        var meta = SegmentMeta(name: name, id: segmentID.description, documentCount: documentCount,
                               deletedCount: 0, deleteGeneration: 0, fields: [], fileSizes: [:], storesBody: storesBody)
        for field in fields { field.pad(to: documentCount) }

        let postingsFile = try IndexFileWriter(directory: directory, name: meta.fileName(SegmentFiles.postings), kind: .postings, segmentID: segmentID)
        let positionsFile = try IndexFileWriter(directory: directory, name: meta.fileName(SegmentFiles.positions), kind: .positions, segmentID: segmentID)
        let dictionaryFile = try IndexFileWriter(directory: directory, name: meta.fileName(SegmentFiles.termDictionary), kind: .termDictionary, segmentID: segmentID)
        let dictionary = TermDictionaryWriter(output: dictionaryFile)
        let withPositions = PostingsWriter(postings: postingsFile, positions: positionsFile)
        let withoutPositions = PostingsWriter(postings: postingsFile, positions: nil)

        // Keyword fields: whole values as terms, no positions.
        for (number, keyword) in [ids, sources].enumerated() {
            try dictionary.startField(keyword.name, hasPositions: false)
            var order = (0..<keyword.terms.count).map { Int32($0) }
            sortTerms(&order, keyword.terms)
            var documentsWithField = 0
            for term in order {
                try withoutPositions.startTerm()
                for doc in keyword.documents[Int(term)] {
                    try withoutPositions.add(doc: UInt32(doc), freq: 1, lengthCode: 1,
                                             positions: UnsafeBufferPointer(start: nil, count: 0))
                    documentsWithField += 1
                }
                try dictionary.add(term: keyword.terms.key(term), info: try withoutPositions.finishTerm())
            }
            try dictionary.finishField()
            meta.fields.append(FieldMeta(name: keyword.name, number: number, documentCount: documentsWithField,
                                         totalLength: documentsWithField, termCount: order.count, hasPositions: false))
        }

        var lengthSections: [(number: Int, codes: [UInt8])] = []
        for field in fields {
            let codes = field.lengths.map { FieldLengthCode.encode($0) }
            lengthSections.append((field.number, codes))
            try dictionary.startField(field.name, hasPositions: true)
            try writePostings(of: field, codes: codes, writer: withPositions, dictionary: dictionary)
            try dictionary.finishField()
            meta.fields.append(FieldMeta(name: field.name, number: field.number,
                                         documentCount: field.lengths.reduce(0) { $0 + ($1 > 0 ? 1 : 0) },
                                         totalLength: field.lengths.reduce(0) { $0 + Int($1) },
                                         termCount: field.terms.count, hasPositions: true))
        }
        meta.fileSizes[SegmentFiles.termDictionary] = try dictionary.finish(sync: sync)
        meta.fileSizes[SegmentFiles.postings] = try postingsFile.finish(sync: sync)
        meta.fileSizes[SegmentFiles.positions] = try positionsFile.finish(sync: sync)
        meta.fileSizes[SegmentFiles.fieldLengths] = try FieldLengthsFile.write(
            lengthSections, to: directory, name: meta.fileName(SegmentFiles.fieldLengths), segmentID: segmentID, sync: sync)
        meta.fileSizes[SegmentFiles.documentStore] = try store.write(
            to: directory, name: meta.fileName(SegmentFiles.documentStore), segmentID: segmentID, sync: sync)
        meta.fileSizes[SegmentFiles.dates] = try DateColumn.write(
            dates, to: directory, name: meta.fileName(SegmentFiles.dates), segmentID: segmentID, sync: sync)
        meta.fileSizes[SegmentFiles.identifiers] = try IdentifierColumn.write(
            identifiers, to: directory, name: meta.fileName(SegmentFiles.identifiers), segmentID: segmentID, sync: sync)

        if deletedCount > 0 {
            var live = LiveDocuments(allLive: documentCount)
            for doc in 0..<documentCount where deleted[doc] { live.delete(doc) }
            meta.deleteGeneration = 1
            meta.deletedCount = live.deletedCount
            try live.write(to: directory, name: meta.liveDocumentsFile!, segmentID: segmentID, sync: sync)
        }
        return meta
    }

    /// Sorts term ordinals by their bytes.
    private func sortTerms(_ ordinals: inout [Int32], _ table: ByteStringTable) {
        ordinals.sort { a, b in TermDictionary.compare(table.key(a), table.key(b)) < 0 }
    }

    /// Groups a field's tokens by term (counting sort) and writes each term's postings.
    private func writePostings(of field: FieldBuffer, codes: [UInt8], writer: PostingsWriter,
                               dictionary: TermDictionaryWriter) throws(TrawlError) {
        let termCount = field.terms.count
        guard termCount > 0 else { return }
        // Counting sort: starts[t] is where term t's occurrences begin in `grouped`.
        var starts = [Int](repeating: 0, count: termCount + 1)
        for token in field.tokens { starts[Int(token >> 32) + 1] += 1 }
        for t in 0..<termCount { starts[t + 1] += starts[t] }
        var fill = starts
        var grouped = [UInt64](repeating: 0, count: field.tokens.count)
        field.tokens.withUnsafeBufferPointer { tokens in
            grouped.withUnsafeMutableBufferPointer { out in
                var begin = 0
                for doc in 0..<field.documentEnds.count {
                    let end = Int(field.documentEnds[doc])
                    for i in begin..<end {
                        let token = tokens[i]
                        let term = Int(token >> 32)
                        out[fill[term]] = UInt64(doc) << 32 | (token & 0xFFFF_FFFF)
                        fill[term] += 1
                    }
                    begin = end
                }
            }
        }
        fill = []
        var order = (0..<termCount).map { Int32($0) }
        sortTerms(&order, field.terms)
        var positions = [UInt32](repeating: 0, count: 64)
        for term in order {
            try writer.startTerm()
            var i = starts[Int(term)]
            let end = starts[Int(term) + 1]
            while i < end {
                let doc = UInt32(grouped[i] >> 32)
                var count = 0
                while i < end && UInt32(grouped[i] >> 32) == doc {
                    if count == positions.count { positions.append(contentsOf: repeatElement(0, count: count)) }
                    positions[count] = UInt32(truncatingIfNeeded: grouped[i])
                    count += 1
                    i += 1
                }
                let result: Result<Void, TrawlError> = positions.withUnsafeBufferPointer { buffer in
                    do throws(TrawlError) {
                        try writer.add(doc: doc, freq: UInt32(count), lengthCode: codes[Int(doc)],
                                       positions: UnsafeBufferPointer(rebasing: buffer[0..<count]))
                        return .success(())
                    } catch { return .failure(error) }
                }
                try result.get()
            }
            try dictionary.add(term: field.terms.key(term), info: try writer.finishTerm())
        }
    }
}
