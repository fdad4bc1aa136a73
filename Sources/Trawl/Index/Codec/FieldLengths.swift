/// Per-document field lengths as 1-byte codes (``FieldLengthCode``), for BM25 length normalization.
///
/// ```
/// FieldLengths := Header, FieldCount (vint), <FieldNumber (vint), DocCount (vint), Codes (DocCount bytes)>^FieldCount, Footer
/// ```
enum FieldLengthsFile {
    /// Writes one code array per field number as the payload of `file` (kind
    /// ``FileEnvelope/Kind/fieldLengths``).
    static func write(_ fields: [(number: Int, codes: [UInt8])], to file: IndexFileWriter) throws(TrawlError) {
        file.buffer.writeVInt(fields.count)
        for field in fields {
            file.buffer.writeVInt(field.number)
            file.buffer.writeVInt(field.codes.count)
            file.buffer.write(contentsOf: field.codes)
            try file.flushIfNeeded()
        }
    }
}

/// Reads a mapped field-lengths file: a pointer to each field's code bytes.
struct FieldLengthsReader: Sendable {
    private let input: IndexInput
    private let sections: [Int: Int]
    /// Number of documents.
    let documentCount: Int

    /// Opens the file, verifies its checksum and checks every section's size.
    init(input: IndexInput, segmentID: SegmentID, documentCount: Int) throws(TrawlError) {
        self.input = input
        self.documentCount = documentCount
        let payload = try FileEnvelope.validate(input.bytes, kind: .fieldLengths, segmentID: segmentID, fileName: input.name)
        // One byte per document and field: cheap to verify whole, and damage here would only
        // skew scores silently.
        try FileEnvelope.verifyChecksum(input.bytes, fileName: input.name)
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: input.bytes[0..<payload.upperBound]), offset: payload.lowerBound, fileName: input.name)
        let count = try reader.readVInt(max: 1 << 16)
        var sections: [Int: Int] = [:]
        for _ in 0..<count {
            let number = try reader.readVInt(max: 1 << 16)
            let docs = try reader.readVInt(max: Int(Int32.max))
            guard docs == documentCount else { throw reader.corrupt("field lengths cover \(docs) documents, segment has \(documentCount)") }
            sections[number] = reader.offset
            _ = try reader.readBytes(docs)
        }
        self.sections = sections
    }

    /// The length codes of a field, one byte per document, or nil when the field has none.
    func codes(field number: Int) -> UnsafePointer<UInt8>? {
        guard let offset = sections[number], let base = input.bytes.baseAddress else { return nil }
        return (base + offset).assumingMemoryBound(to: UInt8.self)
    }

    /// Verifies the file's checksum.
    func verifyChecksum() throws(TrawlError) {
        try FileEnvelope.verifyChecksum(input.bytes, fileName: input.name)
    }
}
