/// Every document's external id, readable without decompressing the document store: search
/// results need ids for every hit, stored fields only for the ones shown.
///
/// ```
/// Identifiers := Header, DocCount (vint), Offsets (UInt32 × (DocCount + 1)), Bytes, Footer
/// ```
/// Id `d` is `Bytes[Offsets[d] ..< Offsets[d + 1]]` (UTF-8).
enum IdentifierColumn {
    /// Writes the ids of a segment's documents in order as the payload of `file` (kind
    /// ``FileEnvelope/Kind/identifiers``).
    static func write(_ ids: some Collection<String>, to file: IndexFileWriter) throws(TrawlError) {
        file.buffer.writeVInt(ids.count)
        var offset: UInt32 = 0
        file.buffer.write(offset)
        for id in ids {
            offset &+= UInt32(id.utf8.count)
            file.buffer.write(offset)
        }
        for id in ids {
            file.buffer.write(contentsOf: id.utf8)
            try file.flushIfNeeded()
        }
    }
}

/// Reads a mapped identifier column.
struct IdentifierColumnReader: Sendable {
    private let input: IndexInput
    private let offsetsStart: Int
    private let bytesStart: Int
    /// Number of documents.
    let documentCount: Int

    /// Opens the column and validates its offsets table.
    init(input: IndexInput, segmentID: SegmentID, documentCount: Int) throws(TrawlError) {
        self.input = input
        let payload = try FileEnvelope.validate(input.bytes, kind: .identifiers, segmentID: segmentID, fileName: input.name)
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: input.bytes[0..<payload.upperBound]), offset: payload.lowerBound, fileName: input.name)
        let count = try reader.readVInt(max: Int(Int32.max))
        guard count == documentCount else { throw reader.corrupt("identifiers cover \(count) documents, segment has \(documentCount)") }
        self.documentCount = count
        offsetsStart = reader.offset
        _ = try reader.readBytes((count + 1) * 4)
        bytesStart = reader.offset
        let last = Int(UInt32(littleEndian: input.bytes.loadUnaligned(fromByteOffset: offsetsStart + count * 4, as: UInt32.self)))
        guard last == payload.upperBound - bytesStart else { throw reader.corrupt("identifier bytes do not match the offsets") }
        // Offsets must not decrease (checked once, so lookups need no checks).
        var previous: UInt32 = 0
        for d in 0...count {
            let value = UInt32(littleEndian: input.bytes.loadUnaligned(fromByteOffset: offsetsStart + d * 4, as: UInt32.self))
            guard value >= previous else { throw reader.corrupt("identifier offsets decrease") }
            previous = value
        }
    }

    /// The external id of `doc`.
    func id(_ doc: Int) -> String {
        guard doc >= 0 && doc < documentCount else { return "" }
        let bytes = input.bytes
        let start = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offsetsStart + doc * 4, as: UInt32.self)))
        let end = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offsetsStart + doc * 4 + 4, as: UInt32.self)))
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(bytesStart + start)..<(bytesStart + end)]), as: UTF8.self)
    }
}
