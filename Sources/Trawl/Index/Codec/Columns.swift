/// The metadata columns of a segment (`.cols`): one column per keyword, number, date and bool
/// field, in the segment's document numbering — what filters on numbers and dates, facet
/// counts and sorting read (Tantivy's fast fields, Lucene's doc values).
///
/// ```
/// Columns    := Header, ColumnCount (vint), Column × ColumnCount, Footer
/// Column     := Name (string), Type (byte: 1 keyword, 2 number, 3 date, 4 bool), Encoding (byte), Body
/// Encoding 0 := single-valued ordinals: Dictionary, Packed(DocCount values: ordinal + 1, 0 = none)
/// Encoding 1 := multi-valued ordinals:  Dictionary, Packed(DocCount + 1 starts), Packed(Starts[DocCount] ordinals)
/// Encoding 2 := integers: Min (Int64), Divisor (vint), Packed(DocCount values: (v − Min) / Divisor + 1, 0 = none)
/// Encoding 3 := doubles: DocCount × 8 bytes, IEEE 754 little-endian; the quiet NaN 0x7FF8_0000_0000_0001 = none
/// Dictionary := ValueCount (vint), Packed(ValueCount + 1 offsets) into FoldedBytes, FoldedLength (vint), FoldedBytes,
///               Packed(ValueCount + 1 offsets) into DisplayBytes, DisplayLength (vint), DisplayBytes
/// Packed(n)  := Width (byte, 0…64), ⌈n·Width / 64⌉ + 1 words (UInt64, little-endian; value i at bit i·Width)
/// ```
/// A dictionary holds the distinct values in byte order of their folded form (case-folded, what
/// queries match) with the spelling first seen (what results show); a document's ordinals are
/// increasing and distinct. Numbers are integers when every value of the segment is one, else
/// doubles. Dates are integers (seconds since the epoch); bools are keywords `false`/`true`.
enum Columns {
    /// The type byte of a column.
    static func typeCode(_ type: FieldType) -> UInt8 {
        switch type {
        case .text: return 0
        case .keyword: return 1
        case .number: return 2
        case .date: return 3
        case .bool: return 4
        }
    }

    static func type(code: UInt8) -> FieldType? {
        switch code {
        case 1: return .keyword
        case 2: return .number
        case 3: return .date
        case 4: return .bool
        default: return nil
        }
    }

    /// The bit pattern of a missing double.
    static let missingDoubleBits: UInt64 = 0x7FF8_0000_0000_0001
    /// A missing integer or date in memory.
    static let missingInteger = Int64.min

    /// Writes `values` bit-packed at `width` bits.
    static func writePacked<C: Collection<UInt64>>(_ values: C, width: Int, to file: IndexFileWriter) throws(TrawlError) {
        file.buffer.write(UInt8(width))
        var word: UInt64 = 0
        var used = 0
        if width > 0 {
            for code in values {
                word |= code << UInt64(used)
                if used + width >= 64 {
                    file.buffer.write(word)
                    let spill = used + width - 64
                    word = spill == 0 ? 0 : code >> UInt64(width - spill)
                    used = spill
                } else {
                    used += width
                }
                try file.flushIfNeeded()
            }
            if used > 0 { file.buffer.write(word) }
        }
        file.buffer.write(UInt64(0)) // padding: two-word reads never run past the data
    }

    /// The bits needed for values up to `maximum`.
    static func width(_ maximum: UInt64) -> Int { maximum == 0 ? 0 : 64 - maximum.leadingZeroBitCount }

    /// Writes every column of a segment.
    static func write(_ columns: [ColumnData], documentCount: Int, to file: IndexFileWriter) throws(TrawlError) {
        file.buffer.writeVInt(columns.count)
        for column in columns.sorted(by: { $0.name < $1.name }) {
            file.buffer.writeString(column.name)
            file.buffer.write(typeCode(column.type))
            switch column.values {
            case .keywords(let keywords):
                try writeKeywords(keywords, documentCount: documentCount, to: file)
            case .integers(let values):
                file.buffer.write(UInt8(2))
                try writeIntegers(values, to: file)
            case .doubles(let values) where values.allSatisfy({ $0.isNaN || ($0 == $0.rounded() && abs($0) <= 2.3e18) }):
                // Doubles that are all whole numbers are stored as integers: the encoding is a
                // function of the values alone, so a merge writes what a flush of its documents would.
                file.buffer.write(UInt8(2))
                try writeIntegers(values.map { $0.isNaN ? missingInteger : Int64($0) }, to: file)
            case .doubles(let values):
                file.buffer.write(UInt8(3))
                for v in values { file.buffer.write(v.isNaN ? missingDoubleBits : v.bitPattern) }
                try file.flushIfNeeded()
            }
        }
    }

    /// Writes integers (``missingInteger`` for none): minimum, divisor, packed codes. The date
    /// column (``DateColumn``) is written the same way.
    static func writeIntegers(_ values: [Int64], to file: IndexFileWriter) throws(TrawlError) {
        let present = values.lazy.filter { $0 != missingInteger }
        let minimum = present.min() ?? 0
        func delta(_ v: Int64) -> UInt64 { UInt64(bitPattern: v &- minimum) }
        var divisor: UInt64 = 86_400
        for v in present where delta(v) % divisor != 0 { divisor = 1; break }
        var maximum: UInt64 = 0
        for v in present { maximum = max(maximum, delta(v) / divisor + 1) }
        // Integers are kept within ±2^61 (``FieldSchema`` stores larger ones as doubles), so
        // codes fit in 63 bits.
        file.buffer.write(minimum)
        file.buffer.writeVInt(divisor)
        try writePacked(values.lazy.map { $0 == missingInteger ? 0 : delta($0) / divisor + 1 }, width: width(maximum), to: file)
    }

    private static func writeKeywords(_ keywords: KeywordValues, documentCount: Int, to file: IndexFileWriter) throws(TrawlError) {
        // Ordinals sorted by folded bytes.
        let count = keywords.folded.count
        var order = Array(0..<count)
        order.sort { a, b in keywords.folded[a].lexicographicallyPrecedes(keywords.folded[b]) }
        var newOrdinal = [UInt32](repeating: 0, count: count)
        for (rank, old) in order.enumerated() { newOrdinal[old] = UInt32(rank) }
        var multi = false
        for doc in 0..<documentCount where keywords.starts[doc + 1] - keywords.starts[doc] > 1 { multi = true; break }
        file.buffer.write(UInt8(multi ? 1 : 0))
        file.buffer.writeVInt(count)
        for text in [order.map { keywords.folded[$0] }, order.map { Array(keywords.display[$0].utf8) }] {
            var offsets: [UInt64] = [0]
            var total: UInt64 = 0
            for bytes in text { total += UInt64(bytes.count); offsets.append(total) }
            try writePacked(offsets, width: width(total), to: file)
            file.buffer.writeVInt(total)
            for bytes in text { file.buffer.write(contentsOf: bytes); try file.flushIfNeeded() }
        }
        // Each document's ordinals, renumbered, sorted and distinct.
        var starts: [UInt64] = [0]
        starts.reserveCapacity(documentCount + 1)
        var ordinals: [UInt64] = []
        ordinals.reserveCapacity(keywords.ordinals.count)
        var scratch: [UInt32] = []
        for doc in 0..<documentCount {
            scratch.removeAll(keepingCapacity: true)
            for i in Int(keywords.starts[doc])..<Int(keywords.starts[doc + 1]) { scratch.append(newOrdinal[Int(keywords.ordinals[i])]) }
            scratch.sort()
            var last: UInt32? = nil
            for o in scratch where o != last { ordinals.append(UInt64(o)); last = o }
            starts.append(UInt64(ordinals.count))
        }
        if multi {
            try writePacked(starts, width: width(UInt64(ordinals.count)), to: file)
            try writePacked(ordinals, width: width(UInt64(max(count, 1) - 1)), to: file)
        } else {
            var codes = [UInt64](repeating: 0, count: documentCount)
            for doc in 0..<documentCount where starts[doc + 1] > starts[doc] { codes[doc] = ordinals[Int(starts[doc])] + 1 }
            try writePacked(codes, width: width(UInt64(count)), to: file)
        }
    }
}

/// One column's values in memory, in a new segment's numbering (what a flush or a merge hands
/// the segment writer).
struct ColumnData {
    /// The field's name.
    var name: String
    /// The field's type (keyword, number, date or bool).
    var type: FieldType
    /// The values.
    var values: ColumnValues
}

/// The values of one column in memory.
enum ColumnValues {
    /// Keyword or bool values: a dictionary and each document's ordinals.
    case keywords(KeywordValues)
    /// Integers or dates, ``Columns/missingInteger`` for none.
    case integers([Int64])
    /// Doubles, NaN for none.
    case doubles([Double])
}

/// Keyword values in memory: the distinct values in any order, and per document a run of
/// ordinals (`ordinals[starts[d]..<starts[d + 1]]`).
struct KeywordValues {
    /// Each value's folded bytes.
    var folded: [[UInt8]] = []
    /// Each value's display spelling.
    var display: [String] = []
    /// Document starts into ``ordinals`` (document count + 1 entries).
    var starts: [UInt32] = [0]
    /// Ordinals, document after document.
    var ordinals: [UInt32] = []
}

/// A bit-packed array inside a mapped file.
struct PackedReader: Sendable {
    /// Byte offset of the first word.
    let offset: Int
    /// Bits per value.
    let width: Int
    let mask: UInt64

    /// Reads the width at the reader's position and skips `count` values.
    init(_ reader: inout ByteReader, count: Int) throws(TrawlError) {
        width = Int(try reader.readByte())
        guard width <= 64 else { throw reader.corrupt("bad bit width \(width)") }
        mask = width == 64 ? ~0 : (UInt64(1) << UInt64(width)) - 1
        offset = reader.offset
        let (bits, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow else { throw reader.corrupt("packed array too large") }
        let words = width == 0 ? 1 : (bits + 63) / 64 + 1
        guard reader.remaining >= words * 8 else { throw reader.corrupt("packed array truncated") }
        try reader.seek(to: reader.offset + words * 8)
    }

    /// Value `i` (no bounds check: callers keep `i` below the count given at init).
    @inline(__always)
    func get(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        if width == 0 { return 0 }
        let bit = i &* width
        let at = offset &+ (bit >> 6) &* 8
        let shift = UInt64(bit & 63)
        var value = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) >> shift
        if shift != 0 && Int(shift) &+ width > 64 {
            value |= UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at &+ 8, as: UInt64.self)) << (64 &- shift)
        }
        return value & mask
    }
}

/// A keyword or bool column of a segment.
struct KeywordColumnReader: Sendable {
    /// The field's type (keyword or bool).
    let type: FieldType
    /// Distinct values.
    let valueCount: Int
    /// Whether any document has more than one value.
    let isMultiValued: Bool
    private let foldedOffsets: PackedReader
    private let foldedBase: Int
    private let displayOffsets: PackedReader
    private let displayBase: Int
    /// Single-valued: ordinal + 1 per document. Multi-valued: starts.
    let codes: PackedReader
    /// Multi-valued: the ordinals.
    let ordinals: PackedReader
    private let input: IndexInput
    private let documentCount: Int

    init(_ reader: inout ByteReader, type: FieldType, multi: Bool, input: IndexInput, documentCount: Int) throws(TrawlError) {
        self.type = type
        self.input = input
        self.documentCount = documentCount
        isMultiValued = multi
        valueCount = try reader.readVInt(max: Int(Int32.max))
        var bases: [Int] = []
        var offsets: [PackedReader] = []
        for _ in 0..<2 {
            let packed = try PackedReader(&reader, count: valueCount + 1)
            let length = try reader.readVInt(max: reader.remaining)
            bases.append(reader.offset)
            offsets.append(packed)
            guard packed.get(reader.buffer, valueCount) == UInt64(length) else { throw reader.corrupt("keyword dictionary offsets do not end at its length") }
            var previous: UInt64 = 0
            for i in 0...valueCount {
                let o = packed.get(reader.buffer, i)
                guard o >= previous, o <= UInt64(length) else { throw reader.corrupt("keyword dictionary offsets out of order") }
                previous = o
            }
            try reader.seek(to: reader.offset + length)
        }
        foldedOffsets = offsets[0]
        foldedBase = bases[0]
        displayOffsets = offsets[1]
        displayBase = bases[1]
        if multi {
            codes = try PackedReader(&reader, count: documentCount + 1)
            let total = Int(codes.get(reader.buffer, documentCount))
            var previous: UInt64 = 0
            for doc in 0...documentCount {
                let s = codes.get(reader.buffer, doc)
                guard s >= previous, s <= UInt64(total) else { throw reader.corrupt("keyword column starts out of order") }
                previous = s
            }
            ordinals = try PackedReader(&reader, count: total)
            // Checked one by one only when the bit width can hold an ordinal out of range.
            if ordinals.mask >= UInt64(valueCount) {
                for i in 0..<total where ordinals.get(reader.buffer, i) >= UInt64(valueCount) {
                    throw reader.corrupt("keyword ordinal out of range")
                }
            }
        } else {
            codes = try PackedReader(&reader, count: documentCount)
            if codes.mask > UInt64(valueCount) {
                for doc in 0..<documentCount where codes.get(reader.buffer, doc) > UInt64(valueCount) {
                    throw reader.corrupt("keyword ordinal out of range")
                }
            }
            ordinals = codes
        }
    }

    /// The mapped bytes of the file (for ``PackedReader/get(_:_:)`` in loops).
    var bytes: UnsafeRawBufferPointer { input.bytes }

    /// The folded bytes of value `ordinal`.
    func folded(_ ordinal: Int) -> UnsafeRawBufferPointer {
        let bytes = input.bytes
        let start = Int(foldedOffsets.get(bytes, ordinal)), end = Int(foldedOffsets.get(bytes, ordinal + 1))
        return UnsafeRawBufferPointer(rebasing: bytes[(foldedBase + start)..<(foldedBase + end)])
    }

    /// The folded form of value `ordinal`, as text.
    func foldedString(_ ordinal: Int) -> String { String(decoding: folded(ordinal), as: UTF8.self) }

    /// The spelling of value `ordinal` that results show.
    func display(_ ordinal: Int) -> String {
        let bytes = input.bytes
        let start = Int(displayOffsets.get(bytes, ordinal)), end = Int(displayOffsets.get(bytes, ordinal + 1))
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(displayBase + start)..<(displayBase + end)]), as: UTF8.self)
    }

    /// The ordinal of a folded value, or nil when no document of the segment has it.
    func ordinal(ofFolded value: String) -> Int? {
        var copy = value
        return copy.withUTF8 { key -> Int? in
            let target = UnsafeRawBufferPointer(key)
            var low = 0, high = valueCount
            while low < high {
                let mid = (low + high) / 2
                if folded(mid).lexicographicallyPrecedes(target) { low = mid + 1 } else { high = mid }
            }
            return low < valueCount && folded(low).elementsEqual(target) ? low : nil
        }
    }

    /// The range of `doc`'s values among ``ordinals`` (multi-valued), or of its one value.
    @inline(__always)
    func valueRange(_ doc: Int, _ bytes: UnsafeRawBufferPointer) -> Range<Int> {
        if isMultiValued { return Int(codes.get(bytes, doc))..<Int(codes.get(bytes, doc + 1)) }
        return codes.get(bytes, doc) == 0 ? 0..<0 : doc..<(doc + 1)
    }

    /// The ordinal at position `i` of a ``valueRange(_:_:)``.
    @inline(__always)
    func ordinal(at i: Int, _ bytes: UnsafeRawBufferPointer) -> Int {
        isMultiValued ? Int(ordinals.get(bytes, i)) : Int(codes.get(bytes, i)) - 1
    }

    /// `doc`'s ordinals, increasing.
    func ordinals(of doc: Int) -> [Int] {
        let bytes = input.bytes
        return valueRange(doc, bytes).map { ordinal(at: $0, bytes) }
    }
}

/// The integer encoding of a column (``Columns/writeIntegers(_:to:)``): the minimum, a common
/// divisor, then bit-packed codes (0 = no value, else `minimum + (code - 1) * divisor`). The
/// date column of a segment and its integer and date metadata columns share it.
struct IntegerColumnCodes: Sendable {
    private let minimum: Int64
    private let divisor: Int64
    private let packed: PackedReader

    /// Reads the minimum, the divisor and the packed codes' header at the reader's position,
    /// checking that the largest code decodes without overflow.
    init(_ reader: inout ByteReader, count: Int) throws(TrawlError) {
        minimum = try reader.readInt64()
        let d = try reader.readVInt()
        guard d >= 1, d <= 86_400 else { throw reader.corrupt("bad column divisor") }
        divisor = Int64(d)
        let packed = try PackedReader(&reader, count: count)
        self.packed = packed
        if packed.width > 0 {
            let (span, spanOverflow) = Int64(truncatingIfNeeded: packed.mask &- 1).multipliedReportingOverflow(by: divisor)
            let (_, sumOverflow) = minimum.addingReportingOverflow(span)
            if packed.width >= 64 || spanOverflow || sumOverflow { throw reader.corrupt("column values out of range") }
        }
    }

    /// Whether the values are whole days (the divisor is 86,400 seconds).
    var isDays: Bool { divisor == 86_400 }

    /// `doc`'s value, or ``Columns/missingInteger``.
    @inline(__always)
    func value(_ bytes: UnsafeRawBufferPointer, _ doc: Int) -> Int64 {
        let code = packed.get(bytes, doc)
        return code == 0 ? Columns.missingInteger : minimum &+ Int64(code &- 1) &* divisor
    }
}

/// A number or date column of a segment.
struct NumericColumnReader: Sendable {
    /// The field's type (number or date).
    let type: FieldType
    /// Whether the values are integers (else doubles).
    let isInteger: Bool
    private let codes: IntegerColumnCodes?
    private let doublesOffset: Int
    private let input: IndexInput

    init(_ reader: inout ByteReader, type: FieldType, encoding: UInt8, input: IndexInput, documentCount: Int) throws(TrawlError) {
        self.type = type
        self.input = input
        if encoding == 2 {
            isInteger = true
            codes = try IntegerColumnCodes(&reader, count: documentCount)
            doublesOffset = 0
        } else {
            isInteger = false
            codes = nil
            doublesOffset = reader.offset
            guard reader.remaining >= documentCount * 8 else { throw reader.corrupt("double column truncated") }
            try reader.seek(to: reader.offset + documentCount * 8)
        }
    }

    /// The mapped bytes of the file.
    var bytes: UnsafeRawBufferPointer { input.bytes }

    /// `doc`'s value as an integer, or ``Columns/missingInteger`` (integer columns only).
    @inline(__always)
    func integer(_ doc: Int, _ bytes: UnsafeRawBufferPointer) -> Int64 {
        codes!.value(bytes, doc)
    }

    /// `doc`'s value, NaN when it has none.
    @inline(__always)
    func double(_ doc: Int, _ bytes: UnsafeRawBufferPointer) -> Double {
        if isInteger {
            let v = integer(doc, bytes)
            return v == Columns.missingInteger ? .nan : Double(v)
        }
        let bits = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: doublesOffset &+ doc &* 8, as: UInt64.self))
        return Double(bitPattern: bits)
    }

    /// `doc`'s value as a ``FieldValue`` (integer, double or date), nil when it has none.
    func value(_ doc: Int) -> FieldValue? {
        let bytes = input.bytes
        if isInteger {
            let v = integer(doc, bytes)
            if v == Columns.missingInteger { return nil }
            if type == .date { return .date(DocumentDate(secondsSinceEpoch: v, precision: v % 86_400 == 0 && codes!.isDays ? .day : .second)) }
            return .integer(v)
        }
        let d = double(doc, bytes)
        if d.isNaN { return nil }
        // A whole number reads as an integer whichever encoding its segment has.
        if d == d.rounded(), abs(d) <= 2.3e18 { return .integer(Int64(d)) }
        return .double(d)
    }
}

/// The columns of one segment, by field name.
struct ColumnsReader: Sendable {
    /// Keyword and bool columns.
    let keywords: [String: KeywordColumnReader]
    /// Number and date columns.
    let numerics: [String: NumericColumnReader]

    /// No columns (a segment written before format version 4).
    static let empty = ColumnsReader(keywords: [:], numerics: [:])

    private init(keywords: [String: KeywordColumnReader], numerics: [String: NumericColumnReader]) {
        self.keywords = keywords
        self.numerics = numerics
    }

    /// Opens a mapped columns file, verifying its checksum (it is read whole at open).
    init(input: IndexInput, segmentID: SegmentID, documentCount: Int) throws(TrawlError) {
        let payload = try FileEnvelope.validate(input.bytes, kind: .columns, segmentID: segmentID, fileName: input.name)
        try FileEnvelope.verifyChecksum(input.bytes, fileName: input.name)
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: input.bytes[0..<payload.upperBound]), offset: payload.lowerBound, fileName: input.name)
        let count = try reader.readVInt(max: 1 << 16)
        var keywords: [String: KeywordColumnReader] = [:]
        var numerics: [String: NumericColumnReader] = [:]
        for _ in 0..<count {
            let name = try reader.readString()
            guard let type = Columns.type(code: try reader.readByte()) else { throw reader.corrupt("unknown column type") }
            let encoding = try reader.readByte()
            switch (type, encoding) {
            case (.keyword, 0), (.keyword, 1), (.bool, 0), (.bool, 1):
                keywords[name] = try KeywordColumnReader(&reader, type: type, multi: encoding == 1, input: input, documentCount: documentCount)
            case (.number, 2), (.number, 3), (.date, 2):
                numerics[name] = try NumericColumnReader(&reader, type: type, encoding: encoding, input: input, documentCount: documentCount)
            default:
                throw reader.corrupt("column \(name.debugDescription) has encoding \(encoding), which does not fit its type")
            }
        }
        guard reader.isAtEnd else { throw reader.corrupt("trailing bytes after the columns") }
        self.keywords = keywords
        self.numerics = numerics
    }

    /// The type of a column, if the segment has it.
    func type(of name: String) -> FieldType? { keywords[name]?.type ?? numerics[name]?.type }

    /// Every column's name.
    var names: [String] { Array(keywords.keys) + Array(numerics.keys) }
}
