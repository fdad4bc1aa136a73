/// One date per document, bit-packed, for range filters and date sorting.
///
/// ```
/// DateColumn := Header, DocCount (vint), Min (Int64), BitWidth (byte), Packed, Footer
/// Packed     := DocCount values of BitWidth bits, little-endian bit order, padded to 8 bytes;
///               value 0 = no date, otherwise seconds = Min + value − 1
/// ```
/// Day-precision corpora have values that are multiples of 86,400; the column stores a
/// common divisor to keep them narrow: `Divisor (vint)` follows `Min`.
enum DateColumn {
    /// The value used in memory for a document without a date.
    static let missing = Columns.missingInteger

    /// Checks `values` (``missing`` for no date); `write(to:)` then writes the column. Dates too
    /// far apart are refused here, before any file is created.
    struct Encoder<Values: Collection<Int64>> {
        private let values: Values

        /// Checks the values of the column that will be `fileName`.
        init(_ values: Values, fileName: String) throws(TrawlError) {
            let present = values.filter { $0 != missing }
            let minimum = present.min() ?? 0
            // Differences from the minimum are taken as UInt64: they cannot overflow there, however
            // far apart the dates are.
            func delta(_ v: Int64) -> UInt64 { UInt64(bitPattern: v &- minimum) }
            var divisor: Int64 = 86_400
            for v in present where delta(v) % UInt64(divisor) != 0 { divisor = 1; break }
            let maxDelta = present.map { delta($0) / UInt64(divisor) }.max() ?? 0
            guard maxDelta < UInt64(Int64.max) - 1 else {
                throw TrawlError(.invalidArgument, "document dates span too wide a range to be stored", path: fileName)
            }
            self.values = values
        }

        /// Writes the column's payload to `file` (kind ``FileEnvelope/Kind/dateColumn``): the
        /// document count, then the values as an integer column of ``Columns`` (minimum,
        /// divisor, packed codes), the encoding the metadata columns share.
        func write(to file: IndexFileWriter) throws(TrawlError) {
            file.buffer.writeVInt(values.count)
            try Columns.writeIntegers(Array(values), to: file)
        }
    }
}

/// Reads a mapped date column.
struct DateColumnReader: Sendable {
    private let input: IndexInput
    private let codes: IntegerColumnCodes
    /// Number of documents.
    let documentCount: Int
    /// The smallest and largest date present, if any.
    let range: ClosedRange<Int64>?

    /// Opens a date column, verifies its checksum and validates its size.
    init(input: IndexInput, segmentID: SegmentID, documentCount: Int) throws(TrawlError) {
        self.input = input
        let payload = try FileEnvelope.validate(input.bytes, kind: .dateColumn, segmentID: segmentID, fileName: input.name)
        // Opening reads every value anyway (for the range); verifying the checksum costs the same
        // and keeps damaged dates from filtering or sorting silently.
        try FileEnvelope.verifyChecksum(input.bytes, fileName: input.name)
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: input.bytes[0..<payload.upperBound]), offset: payload.lowerBound, fileName: input.name)
        let count = try reader.readVInt(max: Int(Int32.max))
        guard count == documentCount else { throw reader.corrupt("date column has \(count) documents, segment has \(documentCount)") }
        self.documentCount = count
        codes = try IntegerColumnCodes(&reader, count: count)
        // Compute the range once (cheap: one pass at open).
        var low = Int64.max, high = Int64.min
        let bytes = input.bytes
        for doc in 0..<count {
            let v = codes.value(bytes, doc)
            if v != DateColumn.missing {
                low = min(low, v)
                high = max(high, v)
            }
        }
        range = low <= high ? low...high : nil
    }

    /// The date of `doc` in seconds since the epoch, or ``DateColumn/missing``.
    @inline(__always)
    func value(_ doc: Int) -> Int64 {
        codes.value(input.bytes, doc)
    }

    /// Verifies the file's checksum.
    func verifyChecksum() throws(TrawlError) {
        try FileEnvelope.verifyChecksum(input.bytes, fileName: input.name)
    }
}
