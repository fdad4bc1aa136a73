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
    static let missing = Int64.min

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
    private let dataOffset: Int
    private let minimum: Int64
    private let divisor: Int64
    private let width: Int
    private let mask: UInt64
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
        minimum = try reader.readInt64()
        let divisorValue = try reader.readVInt()
        guard divisorValue >= 1, divisorValue <= 86_400 else { throw reader.corrupt("bad date divisor") }
        divisor = Int64(divisorValue)
        width = Int(try reader.readByte())
        guard width <= 63 else { throw reader.corrupt("bad date bit width \(width)") }
        mask = width == 0 ? 0 : (UInt64(1) << UInt64(width)) - 1
        // The largest code must decode without overflowing (`value` relies on it).
        if width > 0 {
            let (span, spanOverflow) = Int64(mask - 1).multipliedReportingOverflow(by: divisor)
            let (_, sumOverflow) = minimum.addingReportingOverflow(span)
            if spanOverflow || sumOverflow { throw reader.corrupt("date values out of range") }
        }
        dataOffset = reader.offset
        let words = (count * width + 63) / 64 + 1
        guard reader.remaining >= words * 8 else { throw reader.corrupt("date column truncated") }
        // Compute the range once (cheap: one pass at open).
        var low = Int64.max, high = Int64.min
        for doc in 0..<count {
            let v = DateColumnReader.value(input.bytes, dataOffset, width, mask, minimum, divisor, doc)
            if v != DateColumn.missing {
                low = min(low, v)
                high = max(high, v)
            }
        }
        range = low <= high ? low...high : nil
    }

    @inline(__always)
    private static func value(_ bytes: UnsafeRawBufferPointer, _ dataOffset: Int, _ width: Int, _ mask: UInt64,
                              _ minimum: Int64, _ divisor: Int64, _ doc: Int) -> Int64 {
        if width == 0 { return DateColumn.missing }
        let bit = doc * width
        let wordIndex = bit >> 6
        let shift = UInt64(bit & 63)
        let lo = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: dataOffset + wordIndex * 8, as: UInt64.self))
        var code = lo >> shift
        if shift != 0 && Int(shift) + width > 64 {
            let hi = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: dataOffset + wordIndex * 8 + 8, as: UInt64.self))
            code |= hi << (64 - shift)
        }
        code &= mask
        return code == 0 ? DateColumn.missing : minimum + Int64(code - 1) * divisor
    }

    /// The date of `doc` in seconds since the epoch, or ``DateColumn/missing``.
    @inline(__always)
    func value(_ doc: Int) -> Int64 {
        DateColumnReader.value(input.bytes, dataOffset, width, mask, minimum, divisor, doc)
    }

    /// Verifies the file's checksum.
    func verifyChecksum() throws(TrawlError) {
        try FileEnvelope.verifyChecksum(input.bytes, fileName: input.name)
    }
}
