import CZlib

/// The stored fields of one document, as kept in the document store.
struct StoredDocument: Sendable, Equatable {
    /// The external id.
    var id: String
    /// The title.
    var title: String
    /// The date, if any.
    var date: DocumentDate?
    /// The body; empty when the index does not store bodies.
    var body: String
    /// Extra stored fields, sorted by name.
    var fields: [(String, String)]

    static func == (a: StoredDocument, b: StoredDocument) -> Bool {
        a.id == b.id && a.title == b.title && a.date == b.date && a.body == b.body
            && a.fields.elementsEqual(b.fields, by: { $0 == $1 })
    }

    /// Builds the stored form of a document.
    init(_ document: Document, storeBody: Bool) {
        id = document.id
        title = document.title
        date = document.date
        body = storeBody ? document.body : ""
        fields = document.fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    init(id: String, title: String, date: DocumentDate?, body: String, fields: [(String, String)]) {
        self.id = id
        self.title = title
        self.date = date
        self.body = body
        self.fields = fields
    }

    /// Appends the serialized form.
    func serialize(into writer: inout ByteWriter) {
        writer.writeString(id)
        writer.writeString(title)
        if let date {
            writer.write(date.precision == .day ? UInt8(1) : UInt8(2))
            writer.write(date.secondsSinceEpoch)
        } else {
            writer.write(UInt8(0))
        }
        writer.writeString(body)
        writer.writeVInt(fields.count)
        for (name, value) in fields {
            writer.writeString(name)
            writer.writeString(value)
        }
    }

    /// Reads one serialized document.
    static func deserialize(_ reader: inout ByteReader) throws(TrawlError) -> StoredDocument {
        let id = try reader.readString()
        let title = try reader.readString()
        let kind = try reader.readByte()
        var date: DocumentDate?
        switch kind {
        case 0: date = nil
        case 1, 2: date = DocumentDate(secondsSinceEpoch: try reader.readInt64(), precision: kind == 1 ? .day : .second)
        default: throw reader.corrupt("bad date tag \(kind)")
        }
        let body = try reader.readString()
        let count = try reader.readVInt(max: reader.remaining)
        var fields: [(String, String)] = []
        fields.reserveCapacity(count)
        for _ in 0..<count {
            let name = try reader.readString()
            fields.append((name, try reader.readString()))
        }
        return StoredDocument(id: id, title: title, date: date, body: body, fields: fields)
    }
}

/// zlib compression of byte blocks.
enum BlockCompression {
    /// Compresses `input` with zlib at `level`.
    static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
        var bound = Int(compressBound(uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let status = input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                var length = uLongf(bound)
                let r = compress2(dst.baseAddress, &length, src.baseAddress, uLong(input.count), level)
                bound = Int(length)
                return r
            }
        }
        precondition(status == Z_OK, "zlib compress2 failed with a correctly sized buffer")
        output.removeSubrange(bound...)
        return output
    }

    /// Decompresses `input` that must expand to exactly `expectedLength` bytes.
    static func decompress(_ input: UnsafeRawBufferPointer, expectedLength: Int, fileName: String) throws(TrawlError) -> [UInt8] {
        guard expectedLength >= 0, expectedLength <= 1 << 30 else {
            throw TrawlError(.corruptIndex, "index file is damaged: implausible block length \(expectedLength)", path: fileName)
        }
        var output = [UInt8](repeating: 0, count: max(expectedLength, 1))
        var length = uLongf(expectedLength)
        let status = output.withUnsafeMutableBufferPointer { dst in
            uncompress(dst.baseAddress, &length, input.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(input.count))
        }
        guard status == Z_OK, Int(length) == expectedLength else {
            throw TrawlError(.corruptIndex, "index file is damaged: a compressed block does not decompress (zlib \(status))", path: fileName)
        }
        if expectedLength == 0 { output.removeAll() }
        return output
    }
}

/// Writes the document store: stored fields in zlib-compressed blocks.
///
/// ```
/// DocumentStore := Header, <Block>^BlockCount, BlockIndex, IndexOffset (UInt64), Footer
/// Block         := UncompressedLength (UInt32), CompressedLength (UInt32), zlib bytes
///                  (uncompressed: DocCount (vint), <DocLength (vint)>^DocCount, <StoredDocument>^DocCount)
/// BlockIndex    := BlockCount (vint), <FirstDocID (vint delta), BlockOffset (vint delta)>^BlockCount
/// StoredDocument:= Id, Title (strings: vint length + UTF-8), DateTag (byte: 0 none, 1 day, 2 second),
///                  [Seconds (Int64)], Body, FieldCount (vint), <Name, Value>^FieldCount
/// ```
/// A document is read with one binary search of the in-memory block index, one block
/// decompression, and a skip over the preceding lengths.
struct DocumentStoreWriter {
    /// Uncompressed bytes per block before it is compressed.
    static let blockSize = 32 * 1024

    private var pending = ByteWriter(capacity: blockSize + 4096)
    private var pendingLengths: [Int] = []
    private var pendingFirstDoc = 0
    private var blocks: [(firstDoc: Int, bytes: [UInt8])] = []
    private(set) var documentCount = 0
    /// Compressed bytes held so far (for memory accounting).
    private(set) var compressedBytes = 0

    /// Appends the next document (ids are assigned in order).
    mutating func add(_ document: StoredDocument) {
        let before = pending.count
        document.serialize(into: &pending)
        pendingLengths.append(pending.count - before)
        documentCount += 1
        if pending.count >= DocumentStoreWriter.blockSize { sealBlock() }
    }

    private mutating func sealBlock() {
        guard !pendingLengths.isEmpty else { return }
        var raw = ByteWriter(capacity: pending.count + pendingLengths.count * 2 + 8)
        raw.writeVInt(pendingLengths.count)
        for length in pendingLengths { raw.writeVInt(length) }
        raw.write(contentsOf: pending.bytes)
        let compressed = BlockCompression.compress(raw.bytes)
        var block = ByteWriter(capacity: compressed.count + 8)
        block.write(UInt32(raw.count))
        block.write(UInt32(compressed.count))
        block.write(contentsOf: compressed)
        blocks.append((pendingFirstDoc, block.bytes))
        compressedBytes += block.count
        pendingFirstDoc = documentCount
        pendingLengths.removeAll(keepingCapacity: true)
        pending.removeAll()
    }

    /// Writes the file.
    mutating func write(to directory: any IndexDirectory, name: String, segmentID: SegmentID, sync: Bool) throws(TrawlError) -> Int {
        sealBlock()
        let file = try IndexFileWriter(directory: directory, name: name, kind: .documentStore, segmentID: segmentID)
        var offsets: [Int] = []
        for block in blocks {
            offsets.append(file.position)
            file.buffer.write(contentsOf: block.bytes)
            try file.flushIfNeeded()
        }
        let indexOffset = file.position
        file.buffer.writeVInt(blocks.count)
        var lastDoc = 0, lastOffset = 0
        for (i, block) in blocks.enumerated() {
            file.buffer.writeVInt(block.firstDoc - lastDoc)
            file.buffer.writeVInt(offsets[i] - lastOffset)
            lastDoc = block.firstDoc
            lastOffset = offsets[i]
        }
        file.buffer.write(UInt64(indexOffset))
        return try file.finish(sync: sync)
    }
}

/// Reads stored documents from a mapped document store.
struct DocumentStoreReader: Sendable {
    private let input: IndexInput
    private let firstDocs: [Int]
    private let offsets: [Int]
    private let payloadEnd: Int
    /// Number of documents.
    let documentCount: Int

    /// Opens a document store and loads its block index.
    init(input: IndexInput, segmentID: SegmentID, documentCount: Int) throws(TrawlError) {
        self.input = input
        self.documentCount = documentCount
        let payload = try FileEnvelope.validate(input.bytes, kind: .documentStore, segmentID: segmentID, fileName: input.name)
        var tail = ByteReader(input.bytes, offset: payload.upperBound - 8, fileName: input.name)
        let indexOffset = Int(clamping: try tail.readUInt64())
        guard indexOffset >= payload.lowerBound, indexOffset <= payload.upperBound - 8 else {
            throw tail.corrupt("block index offset out of range")
        }
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: input.bytes[0..<(payload.upperBound - 8)]), offset: indexOffset, fileName: input.name)
        let count = try reader.readVInt(max: reader.remaining)
        var firstDocs: [Int] = [], offsets: [Int] = []
        firstDocs.reserveCapacity(count)
        offsets.reserveCapacity(count)
        var doc = 0, offset = 0
        for _ in 0..<count {
            doc += try reader.readVInt(max: documentCount)
            offset += try reader.readVInt(max: indexOffset)
            guard doc <= documentCount, offset >= payload.lowerBound, offset < indexOffset else {
                throw reader.corrupt("block index entry out of range")
            }
            firstDocs.append(doc)
            offsets.append(offset)
        }
        guard (count == 0 && documentCount == 0) || firstDocs.first == 0 else {
            throw reader.corrupt("block index does not start at document 0")
        }
        self.firstDocs = firstDocs
        self.offsets = offsets
        self.payloadEnd = indexOffset
    }

    /// Reads document `docID`.
    func document(_ docID: Int) throws(TrawlError) -> StoredDocument {
        guard docID >= 0, docID < documentCount else {
            throw TrawlError(.invalidArgument, "document \(docID) is outside the segment", path: input.name)
        }
        // Last block whose first doc <= docID.
        var lo = 0, hi = firstDocs.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if firstDocs[mid] <= docID { lo = mid } else { hi = mid - 1 }
        }
        let blockEnd = lo + 1 < offsets.count ? offsets[lo + 1] : payloadEnd
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: input.bytes[0..<blockEnd]), offset: offsets[lo], fileName: input.name)
        let rawLength = Int(try reader.readUInt32())
        let compressedLength = Int(try reader.readUInt32())
        let compressed = try reader.readBytes(compressedLength)
        let raw = try BlockCompression.decompress(compressed, expectedLength: rawLength, fileName: input.name)
        return try withTypedBytes(raw) { (bytes) throws(TrawlError) -> StoredDocument in
            var block = ByteReader(bytes, fileName: input.name)
            let count = try block.readVInt(max: bytes.count)
            let index = docID - firstDocs[lo]
            guard index < count else { throw block.corrupt("document missing from its block") }
            var skip = 0
            for i in 0..<count {
                let length = try block.readVInt(max: bytes.count)
                if i < index { skip += length }
            }
            try block.seek(to: block.offset + skip)
            return try StoredDocument.deserialize(&block)
        }
    }

    /// Verifies the file's checksum.
    func verifyChecksum() throws(TrawlError) {
        try FileEnvelope.verifyChecksum(input.bytes, fileName: input.name)
    }
}
