#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The term dictionary of a segment: for every field, its terms (byte strings in increasing byte
/// order) mapped to their ``TermPostingsInfo``. All fields share one `.tdic` file, in sections.
///
/// Terms are grouped in blocks of ``blockSize``: prefix-compressed against the previous term, with
/// the postings statistics and file offsets delta/vint-coded. Each field section ends with a sparse
/// block index — fixed-width arrays of block offsets and first terms — that readers binary-search
/// in place over the mapped file (nothing is parsed or copied when the dictionary opens, apart from
/// the small field table). A lookup is a binary search over first terms plus a scan of one block.
/// See `index/FORMAT-codec.md` for the byte layout.
enum TermDictionary {
    /// Terms per block (the last block of a field may hold fewer).
    static let blockSize = 32
    /// Field flag: the field's terms carry positions offsets.
    static let flagHasPositions: UInt8 = 0x01

    /// Compares two byte strings in unsigned lexicographic order: negative, zero or positive.
    @inline(__always)
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
            let c = memcmp(pa, pb, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }

    /// The length of the common prefix of two byte strings.
    @inline(__always)
    static func commonPrefixLength(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        var i = 0
        while i < n && a[i] == b[i] { i += 1 }
        return i
    }

    /// Appends one term's info to an entry, delta-coded against the block's running offsets.
    static func writeInfo(_ info: TermPostingsInfo, hasPositions: Bool, postings: inout UInt64,
                          positions: inout UInt64, into out: inout ByteWriter) {
        out.writeVInt(UInt64(info.docFreq))
        if info.docFreq == 1 {
            out.writeVInt(UInt64(info.singletonDoc))
            out.writeVInt(info.totalTermFreq - 1)
            out.write(info.minLengthCode)
        } else {
            let extra = info.totalTermFreq - UInt64(info.docFreq)
            out.writeVInt(extra)
            if extra > 0 { out.writeVInt(UInt64(info.maxFreq - 1)) }
            out.write(info.minLengthCode)
            out.writeVInt(info.postingsOffset - postings)
            postings = info.postingsOffset
            if info.hasSkipTable { out.writeVInt(info.skipOffset - info.postingsOffset) }
        }
        if hasPositions {
            out.writeVInt(info.positionsOffset - positions)
            positions = info.positionsOffset
        }
    }
}

// MARK: - Writer

/// Writes a `.tdic` file: for each field, ``startField(_:hasPositions:)``, then ``add(term:info:)``
/// for every term in strictly increasing byte order, then ``finishField()``; ``finish(sync:)``
/// writes the field table and footer and closes the file (``writeFieldTable()`` writes the table
/// and leaves the file to its owner, as ``SegmentWriter`` does with every file of a segment).
final class TermDictionaryWriter {
    /// The `.tdic` file (its header is already written).
    let output: IndexFileWriter

    /// What the field table records for a finished field.
    private struct FieldRecord {
        var name: String
        var flags: UInt8
        var termCount: Int
        var blockCount: Int
        var indexOffset: Int
    }

    @exclusivity(unchecked) private var fields: [FieldRecord] = []
    @exclusivity(unchecked) private var fieldName: String?
    @exclusivity(unchecked) private var hasPositions = false
    @exclusivity(unchecked) private var termCount = 0
    @exclusivity(unchecked) private var previousTerm: [UInt8] = []

    /// Entries of the block being filled (entry 0 has no term bytes: the index holds them).
    @exclusivity(unchecked) private var blockEntries = ByteWriter(capacity: 4096)
    @exclusivity(unchecked) private var blockTermCount = 0
    @exclusivity(unchecked) private var blockPostingsBase: UInt64?
    @exclusivity(unchecked) private var blockPositionsBase: UInt64 = 0
    @exclusivity(unchecked) private var runningPostings: UInt64 = 0
    @exclusivity(unchecked) private var runningPositions: UInt64 = 0

    @exclusivity(unchecked) private var blockOffsets: [UInt64] = []
    @exclusivity(unchecked) private var firstTermStarts: [UInt32] = []
    @exclusivity(unchecked) private var firstTermBytes: [UInt8] = []

    /// Creates a writer over an open `.tdic` file (kind ``FileEnvelope/Kind/termDictionary``).
    init(output: IndexFileWriter) {
        self.output = output
    }

    /// Creates the `.tdic` file `name` in `directory` and a writer over it.
    convenience init(directory: any IndexDirectory, name: String, segmentID: SegmentID) throws(TrawlError) {
        self.init(output: try IndexFileWriter(directory: directory, name: name, kind: .termDictionary, segmentID: segmentID))
    }

    /// An error for a caller mistake.
    private func misuse(_ what: String) -> TrawlError {
        TrawlError(.invalidArgument, "term dictionary writer misuse: \(what)", path: output.name)
    }

    /// Begins a field's section. Field names must be unique within the file.
    func startField(_ name: String, hasPositions: Bool) throws(TrawlError) {
        if fieldName != nil { throw misuse("startField() inside field \(fieldName!)") }
        if fields.contains(where: { $0.name == name }) { throw misuse("field \(name) written twice") }
        fieldName = name
        self.hasPositions = hasPositions
        termCount = 0
        previousTerm.removeAll(keepingCapacity: true)
        blockOffsets.removeAll(keepingCapacity: true)
        firstTermStarts.removeAll(keepingCapacity: true)
        firstTermBytes.removeAll(keepingCapacity: true)
        blockEntries.removeAll()
        blockTermCount = 0
    }

    /// Adds a term, which must sort strictly after the previous one (unsigned byte order), with
    /// the info returned by ``PostingsWriter/finishTerm()``. Offsets must not decrease from term to term.
    func add(term: UnsafeRawBufferPointer, info: TermPostingsInfo) throws(TrawlError) {
        guard fieldName != nil else { throw misuse("add() outside a field") }
        try validate(info)
        let shared: Int
        if termCount > 0 {
            let order = withTypedBytesCompare(previousTerm, term)
            if order >= 0 { throw misuse("terms are not in strictly increasing byte order") }
            shared = previousTerm.withUnsafeBytes { TermDictionary.commonPrefixLength($0, term) }
        } else {
            shared = 0
        }
        if info.docFreq > 1 && blockPostingsBase != nil && blockTermCount > 0 && info.postingsOffset < runningPostings {
            throw misuse("postings offsets decrease")
        }
        if hasPositions && blockTermCount > 0 && info.positionsOffset < runningPositions {
            throw misuse("positions offsets decrease")
        }
        if blockTermCount == 0 {
            // First term of a block: its bytes go to the block index, its info starts the block.
            blockPositionsBase = info.positionsOffset
            runningPositions = info.positionsOffset
            blockPostingsBase = nil
            firstTermStarts.append(UInt32(truncatingIfNeeded: firstTermBytes.count))
            firstTermBytes.append(contentsOf: term)
            if firstTermBytes.count > Int(UInt32.max) {
                throw TrawlError(.limitExceeded, "the block index of field \(fieldName!) exceeds 4 GiB", path: output.name)
            }
        } else {
            blockEntries.writeVInt(shared)
            blockEntries.writeVInt(term.count - shared)
            blockEntries.write(UnsafeRawBufferPointer(rebasing: term[shared...]))
        }
        if info.docFreq > 1 && blockPostingsBase == nil {
            blockPostingsBase = info.postingsOffset
            runningPostings = info.postingsOffset
        }
        TermDictionary.writeInfo(info, hasPositions: hasPositions, postings: &runningPostings,
                                 positions: &runningPositions, into: &blockEntries)
        previousTerm.removeAll(keepingCapacity: true)
        previousTerm.append(contentsOf: term)
        termCount += 1
        blockTermCount += 1
        if blockTermCount == TermDictionary.blockSize { try flushBlock() }
    }

    /// Adds a term given as a byte array (see ``add(term:info:)``).
    func add(term: [UInt8], info: TermPostingsInfo) throws(TrawlError) {
        try withTypedBytes(term) { (raw) throws(TrawlError) in try add(term: raw, info: info) }
    }

    /// Compares the previous term with a new one.
    private func withTypedBytesCompare(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Int {
        a.withUnsafeBytes { TermDictionary.compare($0, b) }
    }

    /// Rejects infos that the entry encoding cannot represent exactly.
    private func validate(_ info: TermPostingsInfo) throws(TrawlError) {
        if info.docFreq == 0 || info.docFreq == UInt32.max { throw misuse("document frequency \(info.docFreq)") }
        if info.totalTermFreq < UInt64(info.docFreq) { throw misuse("total term frequency below document frequency") }
        if info.maxFreq == 0 { throw misuse("max frequency 0") }
        if info.docFreq == 1 {
            if info.totalTermFreq != UInt64(info.maxFreq) { throw misuse("single-document term with max frequency ≠ total") }
            if info.singletonDoc == UInt32.max { throw misuse("reserved document id") }
        } else {
            if info.totalTermFreq == UInt64(info.docFreq) && info.maxFreq != 1 { throw misuse("max frequency must be 1") }
            if info.hasSkipTable && info.skipOffset < info.postingsOffset { throw misuse("skip offset before postings") }
        }
    }

    /// Writes the block being filled.
    private func flushBlock() throws(TrawlError) {
        if blockTermCount == 0 { return }
        blockOffsets.append(UInt64(output.position))
        output.buffer.writeVInt(blockTermCount)
        output.buffer.writeVInt(blockPostingsBase ?? 0)
        if hasPositions { output.buffer.writeVInt(blockPositionsBase) }
        output.buffer.write(contentsOf: blockEntries.bytes)
        blockEntries.removeAll()
        blockTermCount = 0
        try output.flushIfNeeded()
    }

    /// Ends the current field: writes its last block and its block index.
    func finishField() throws(TrawlError) {
        guard let name = fieldName else { throw misuse("finishField() outside a field") }
        try flushBlock()
        let indexOffset = output.position
        for offset in blockOffsets { output.buffer.write(offset) }
        for start in firstTermStarts { output.buffer.write(start) }
        output.buffer.write(UInt32(truncatingIfNeeded: firstTermBytes.count))
        output.buffer.write(contentsOf: firstTermBytes)
        try output.flushIfNeeded()
        fields.append(FieldRecord(name: name, flags: hasPositions ? TermDictionary.flagHasPositions : 0,
                                  termCount: termCount, blockCount: blockOffsets.count, indexOffset: indexOffset))
        fieldName = nil
    }

    /// Finishes an open field, writes the field table and footer, and closes the file. Returns the file size.
    @discardableResult
    func finish(sync: Bool = true) throws(TrawlError) -> Int {
        try writeFieldTable()
        return try output.finish(sync: sync)
    }

    /// Finishes an open field and writes the field table: the payload is complete, the file is
    /// left open for its owner to finish.
    func writeFieldTable() throws(TrawlError) {
        if fieldName != nil { try finishField() }
        let tableOffset = output.position
        output.buffer.writeVInt(fields.count)
        for field in fields {
            output.buffer.writeString(field.name)
            output.buffer.write(field.flags)
            output.buffer.writeVInt(field.termCount)
            output.buffer.writeVInt(field.blockCount)
            output.buffer.writeVInt(field.indexOffset)
        }
        output.buffer.write(UInt64(tableOffset))
    }
}

// MARK: - Reader

/// A `.tdic` file opened over mapped bytes: the field table is parsed, everything else is read in
/// place on demand.
final class TermDictionaryReader: @unchecked Sendable {
    /// The file name for error messages.
    let fileName: String
    /// The field names in file order.
    let fieldNames: [String]
    private let fields: [String: FieldTerms]
    /// Keeps the mapping alive.
    private let owner: AnyObject?

    /// Opens a mapped `.tdic` file, checking its envelope (not its checksum).
    convenience init(input: IndexInput, segmentID: SegmentID) throws(TrawlError) {
        try self.init(bytes: input.bytes, segmentID: segmentID, fileName: input.name, owner: input)
    }

    /// Opens `.tdic` bytes that stay valid while `owner` (or the caller) keeps them alive.
    init(bytes: UnsafeRawBufferPointer, segmentID: SegmentID, fileName: String, owner: AnyObject? = nil) throws(TrawlError) {
        self.fileName = fileName
        self.owner = owner
        let payload = try FileEnvelope.validate(bytes, kind: .termDictionary, segmentID: segmentID, fileName: fileName)
        guard payload.count >= 8 else {
            throw TrawlError(.corruptIndex, "index file is damaged: term dictionary too short", path: fileName)
        }
        let payloadEnd = payload.upperBound
        var tail = ByteReader(bytes, offset: payloadEnd - 8, fileName: fileName)
        let tableOffset = try tail.readUInt64()
        guard tableOffset >= UInt64(payload.lowerBound), tableOffset <= UInt64(payloadEnd - 8) else {
            throw tail.corrupt("field table offset \(tableOffset) outside the file")
        }
        let tableBytes = UnsafeRawBufferPointer(rebasing: bytes[0..<(payloadEnd - 8)])
        var reader = ByteReader(tableBytes, offset: Int(tableOffset), fileName: fileName)
        let fieldCount = try reader.readVInt(max: reader.remaining)
        var names: [String] = []
        var map: [String: FieldTerms] = [:]
        for _ in 0..<fieldCount {
            let name = try reader.readString()
            let flags = try reader.readByte()
            let termCount = try reader.readVInt(max: Int.max >> 8)
            let blockCount = try reader.readVInt(max: payload.count)
            let indexOffset = try reader.readVInt(max: payloadEnd)
            guard map[name] == nil else { throw reader.corrupt("field \(name) appears twice") }
            guard termCount >= blockCount, termCount <= blockCount * TermDictionary.blockSize else {
                throw reader.corrupt("field \(name) has \(termCount) terms in \(blockCount) blocks")
            }
            let field = try FieldTerms(name: name, flags: flags, termCount: termCount, blockCount: blockCount,
                                       indexOffset: indexOffset, bytes: bytes, payload: payload,
                                       fileName: fileName, owner: owner)
            names.append(name)
            map[name] = field
        }
        fieldNames = names
        fields = map
    }

    /// The terms of a field, or `nil` when the field has no section in this file.
    func terms(forField name: String) -> FieldTerms? { fields[name] }
}

/// The terms of one field, read in place from the mapped `.tdic` bytes.
struct FieldTerms: @unchecked Sendable {
    /// The field name.
    let name: String
    /// Whether the field's infos carry positions offsets.
    let hasPositions: Bool
    /// The number of terms.
    let termCount: Int
    /// The number of blocks.
    let blockCount: Int
    /// The file name for error messages.
    let fileName: String
    private let bytes: UnsafeRawBufferPointer
    private let payloadStart: Int
    private let payloadEnd: Int
    private let blockOffsetsAt: Int
    private let firstTermStartsAt: Int
    private let firstTermBytesAt: Int
    private let firstTermBytesCount: Int
    private let owner: AnyObject?

    /// Locates a field's block index and checks that its arrays fit in the file.
    fileprivate init(name: String, flags: UInt8, termCount: Int, blockCount: Int, indexOffset: Int,
                     bytes: UnsafeRawBufferPointer, payload: Range<Int>, fileName: String, owner: AnyObject?) throws(TrawlError) {
        self.name = name
        self.hasPositions = flags & TermDictionary.flagHasPositions != 0
        self.termCount = termCount
        self.blockCount = blockCount
        self.fileName = fileName
        self.bytes = bytes
        self.owner = owner
        payloadStart = payload.lowerBound
        payloadEnd = payload.upperBound
        blockOffsetsAt = indexOffset
        firstTermStartsAt = indexOffset + 8 * blockCount
        firstTermBytesAt = firstTermStartsAt + 4 * (blockCount + 1)
        guard flags & ~TermDictionary.flagHasPositions == 0, indexOffset >= payloadStart,
              firstTermBytesAt <= payloadEnd else {
            throw TrawlError(.corruptIndex, "index file is damaged: block index of field \(name) does not fit", path: fileName)
        }
        firstTermBytesCount = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: firstTermStartsAt + 4 * blockCount, as: UInt32.self)))
        guard firstTermBytesCount <= payloadEnd - firstTermBytesAt else {
            throw TrawlError(.corruptIndex, "index file is damaged: first terms of field \(name) do not fit", path: fileName)
        }
    }

    /// An error for damaged data in this field's section.
    private func damaged(_ what: String) -> TrawlError {
        TrawlError(.corruptIndex, "index file is damaged: \(what) in field \(name)", path: fileName)
    }

    /// The first term of block `i`, validated against the first-term area.
    fileprivate func firstTerm(_ i: Int) throws(TrawlError) -> UnsafeRawBufferPointer {
        let at = firstTermStartsAt + 4 * i
        let start = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
        let end = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self)))
        guard start <= end, end <= firstTermBytesCount else { throw damaged("block index entry \(i) is out of range") }
        return UnsafeRawBufferPointer(rebasing: bytes[(firstTermBytesAt + start)..<(firstTermBytesAt + end)])
    }

    /// A reader positioned after the header of block `i`, with its running offsets.
    fileprivate func openBlock(_ i: Int) throws(TrawlError) -> BlockReader {
        let offset = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: blockOffsetsAt + 8 * i, as: UInt64.self))
        guard offset >= UInt64(payloadStart), offset < UInt64(payloadEnd), let base = bytes.baseAddress else {
            throw damaged("block \(i) offset out of range")
        }
        var position = Int(offset)
        guard let count = readVarint(base, &position, payloadEnd), count >= 1,
              count <= UInt64(TermDictionary.blockSize),
              let postingsBase = readVarint(base, &position, payloadEnd) else {
            throw damaged("block \(i) header is malformed")
        }
        var positionsBase: UInt64 = 0
        if hasPositions {
            guard let value = readVarint(base, &position, payloadEnd) else { throw damaged("block \(i) header is malformed") }
            positionsBase = value
        }
        return BlockReader(base: base, position: position, end: payloadEnd, remaining: Int(count),
                           postings: postingsBase, positions: positionsBase, hasPositions: hasPositions)
    }

    /// The error for a malformed term block entry.
    fileprivate func malformedEntry() -> TrawlError { damaged("malformed term block entry") }

    /// The last block whose first term is at most `term`, or `nil` when `term` sorts before every term.
    fileprivate func findBlock(_ term: UnsafeRawBufferPointer) throws(TrawlError) -> Int? {
        var low = 0
        var high = blockCount // answer in low-1 ..< high
        while low < high {
            let mid = (low + high) >> 1
            if TermDictionary.compare(try firstTerm(mid), term) <= 0 { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : low - 1
    }

    /// The info of `term`, or `nil` when the field does not contain it.
    func lookup(_ term: UnsafeRawBufferPointer) throws(TrawlError) -> TermPostingsInfo? {
        guard let blockIndex = try findBlock(term) else { return nil }
        let first = try firstTerm(blockIndex)
        var block = try openBlock(blockIndex)
        if TermDictionary.compare(first, term) == 0 {
            guard let info = block.readInfo() else { throw malformedEntry() }
            return info
        }
        guard block.skipInfo() else { throw malformedEntry() }
        // Invariant: the previous term < term, sharing `matched` leading bytes with it.
        var matched = TermDictionary.commonPrefixLength(first, term)
        var previousLength = first.count
        while block.remaining > 0 {
            guard let (shared, suffix) = block.readTerm(previousLength: previousLength) else { throw malformedEntry() }
            previousLength = shared &+ suffix.count
            var below = true
            if shared < matched {
                return nil // this term's byte at `shared` is above `term`'s
            } else if shared == matched {
                let rest = UnsafeRawBufferPointer(rebasing: term[matched...])
                let common = TermDictionary.commonPrefixLength(suffix, rest)
                if common == suffix.count {
                    if common == rest.count {
                        guard let info = block.readInfo() else { throw malformedEntry() }
                        return info
                    }
                    matched &+= common // a proper prefix of `term`: still below
                } else if common == rest.count || suffix[common] > rest[common] {
                    below = false
                } else {
                    matched &+= common
                }
            } // shared > matched: same byte as the previous term where that one was below `term`
            if !below { return nil }
            guard block.skipInfo() else { throw malformedEntry() }
        }
        return nil
    }

    /// The info of the term of rank `ordinal` (from 0, in term order): every block but the
    /// last holds ``TermDictionary/blockSize`` terms, so it is the block's entry
    /// `ordinal % blockSize`, found without comparing terms.
    func info(ordinal: Int) throws(TrawlError) -> TermPostingsInfo {
        guard ordinal >= 0, ordinal < termCount else { throw damaged("term ordinal \(ordinal) out of range") }
        let blockIndex = ordinal / TermDictionary.blockSize
        let entry = ordinal % TermDictionary.blockSize
        var previousLength = try firstTerm(blockIndex).count
        var block = try openBlock(blockIndex)
        if entry > 0 {
            guard block.skipInfo() else { throw malformedEntry() }
            for e in 1...entry {
                guard block.remaining > 0, let (shared, suffix) = block.readTerm(previousLength: previousLength) else {
                    throw malformedEntry()
                }
                previousLength = shared &+ suffix.count
                if e < entry { guard block.skipInfo() else { throw malformedEntry() } }
            }
        }
        guard block.remaining > 0 else { throw malformedEntry() }
        guard let info = block.readInfo() else { throw malformedEntry() }
        return info
    }

    /// The info of `term` given as a byte array.
    func lookup(_ term: [UInt8]) throws(TrawlError) -> TermPostingsInfo? {
        try withTypedBytes(term) { (raw) throws(TrawlError) in try lookup(raw) }
    }

    /// The info of `term` given as a string (its UTF-8 bytes).
    func lookup(_ term: String) throws(TrawlError) -> TermPostingsInfo? {
        try lookup(Array(term.utf8))
    }

    /// An iterator over every term of the field, in order.
    func makeIterator() -> TermIterator {
        TermIterator(field: self, prefix: nil, limit: Int.max)
    }

    /// An iterator over the terms that start with `prefix`, in order; its `next()` throws
    /// ``TrawlError/Code/limitExceeded`` when it reaches a term beyond the first `limit` matches.
    func terms(withPrefix prefix: [UInt8], limit: Int) -> TermIterator {
        TermIterator(field: self, prefix: prefix, limit: limit)
    }

    /// All terms starting with `prefix` and their infos, in order; throws
    /// ``TrawlError/Code/limitExceeded`` when more than `limit` terms match.
    func prefixTerms(_ prefix: [UInt8], limit: Int) throws(TrawlError) -> [(term: [UInt8], info: TermPostingsInfo)] {
        var iterator = terms(withPrefix: prefix, limit: limit)
        var result: [(term: [UInt8], info: TermPostingsInfo)] = []
        while try iterator.next() { result.append((iterator.term, iterator.info)) }
        return result
    }
}

/// Sequential reader of one term block straight from the mapped bytes. Every read is bounded by
/// `end` (the payload end); a malformed entry makes a method return `nil`, and the caller turns
/// that into a ``TrawlError/Code/corruptIndex`` error naming the file.
struct BlockReader {
    /// The file's first byte.
    let base: UnsafeRawPointer
    /// The next byte to read.
    var position: Int
    /// The end of the readable payload.
    let end: Int
    /// Entries whose info has not been read yet.
    var remaining: Int
    /// The running postings offset.
    var postings: UInt64
    /// The running positions offset.
    var positions: UInt64
    /// Whether infos carry positions offsets.
    let hasPositions: Bool

    /// Reads a bounded vint.
    @inline(__always)
    private mutating func vint() -> UInt64? { readVarint(base, &position, end) }

    /// Reads a bounded byte.
    @inline(__always)
    private mutating func byte() -> UInt8? {
        guard position < end else { return nil }
        let value = base.load(fromByteOffset: position, as: UInt8.self)
        position &+= 1
        return value
    }

    /// Reads the prefix length and suffix of the next entry (after entry 0); the prefix length
    /// must not exceed `previousLength`.
    @inline(__always)
    mutating func readTerm(previousLength: Int) -> (shared: Int, suffix: UnsafeRawBufferPointer)? {
        guard let shared = vint(), shared <= UInt64(previousLength), let length = vint(),
              length <= UInt64(end &- position) else { return nil }
        let suffix = UnsafeRawBufferPointer(start: base + position, count: Int(length))
        position &+= Int(length)
        return (Int(shared), suffix)
    }

    /// Adds a delta to a running offset, failing on overflow past `Int.max`.
    @inline(__always)
    private static func add(_ running: inout UInt64, _ delta: UInt64) -> Bool {
        let (sum, overflow) = running.addingReportingOverflow(delta)
        if overflow || sum > UInt64(Int.max) { return false }
        running = sum
        return true
    }

    /// Reads the current entry's info, written by
    /// ``TermDictionary/writeInfo(_:hasPositions:postings:positions:into:)``.
    mutating func readInfo() -> TermPostingsInfo? {
        remaining &-= 1
        guard let docFreq = vint(), docFreq >= 1, docFreq < UInt64(UInt32.max) else { return nil }
        var info: TermPostingsInfo
        if docFreq == 1 {
            guard let doc = vint(), doc < UInt64(UInt32.max), let freqMinusOne = vint(),
                  freqMinusOne < UInt64(UInt32.max), let code = byte() else { return nil }
            info = TermPostingsInfo(docFreq: 1, totalTermFreq: freqMinusOne &+ 1, singletonDoc: UInt32(doc),
                                    maxFreq: UInt32(freqMinusOne &+ 1), minLengthCode: code)
        } else {
            guard let extra = vint() else { return nil }
            let (ttf, overflow) = extra.addingReportingOverflow(docFreq)
            if overflow { return nil }
            var maxFreq: UInt64 = 1
            if extra > 0 {
                guard let m = vint(), m < UInt64(UInt32.max) else { return nil }
                maxFreq = m &+ 1
            }
            guard let code = byte(), let delta = vint(), Self.add(&postings, delta) else { return nil }
            info = TermPostingsInfo(docFreq: UInt32(docFreq), totalTermFreq: ttf, postingsOffset: postings,
                                    maxFreq: UInt32(maxFreq), minLengthCode: code)
            if info.hasSkipTable {
                var skip = postings
                guard let skipDelta = vint(), Self.add(&skip, skipDelta) else { return nil }
                info.skipOffset = skip
            }
        }
        if hasPositions {
            guard let delta = vint(), Self.add(&positions, delta) else { return nil }
            info.positionsOffset = positions
        }
        return info
    }

    /// Skips the current entry's info, keeping the running offsets up to date (cheaper than
    /// ``readInfo()`` for entries a lookup passes over).
    @inline(__always)
    mutating func skipInfo() -> Bool {
        remaining &-= 1
        guard let docFreq = vint() else { return false }
        if docFreq == 1 {
            guard vint() != nil, vint() != nil, byte() != nil else { return false }
        } else {
            guard let extra = vint() else { return false }
            if extra > 0 { guard vint() != nil else { return false } }
            guard byte() != nil, let delta = vint(), Self.add(&postings, delta) else { return false }
            if docFreq >= UInt64(PostingsFormat.blockLength) { guard vint() != nil else { return false } }
        }
        if hasPositions {
            guard let delta = vint(), Self.add(&positions, delta) else { return false }
        }
        return true
    }
}

/// Iterates a field's terms in order (all of them, or those with a prefix), reconstructing each
/// term into a reused byte array. Also checks that terms strictly increase, so it doubles as the
/// dictionary check of `trawl check`.
struct TermIterator {
    private let field: FieldTerms
    private let prefix: [UInt8]?
    private let limit: Int
    /// The current term's bytes (valid after `next()` returned `true`).
    private(set) var term: [UInt8] = []
    /// The current term's info (valid after `next()` returned `true`).
    private(set) var info = TermPostingsInfo(docFreq: 0, totalTermFreq: 0, maxFreq: 0, minLengthCode: 0)
    private var blockIndex: Int
    private var block: BlockReader?
    private var matches = 0
    private var done = false
    private var started = false

    /// Creates an iterator; with a prefix, it starts at the block that can hold the first match.
    fileprivate init(field: FieldTerms, prefix: [UInt8]?, limit: Int) {
        self.field = field
        self.prefix = prefix
        self.limit = limit
        blockIndex = -1
    }

    /// Moves to the next term; `false` at the end.
    mutating func next() throws(TrawlError) -> Bool {
        if done { return false }
        do throws(TrawlError) {
            return try step()
        } catch {
            done = true
            throw error
        }
    }

    /// One move of ``next()``: opens blocks as needed and applies the prefix filter and limit.
    private mutating func step() throws(TrawlError) -> Bool {
        if !started {
            started = true
            if let prefix, !prefix.isEmpty {
                let found = try withTypedBytes(prefix) { (raw) throws(TrawlError) in try field.findBlock(raw) }
                blockIndex = (found ?? 0) - 1
            }
        }
        while true {
            if block == nil || block!.remaining == 0 {
                blockIndex += 1
                if blockIndex >= field.blockCount {
                    done = true
                    return false
                }
                let first = try field.firstTerm(blockIndex)
                if block != nil && term.withUnsafeBytes({ TermDictionary.compare($0, first) }) >= 0 {
                    throw TrawlError(.corruptIndex, "index file is damaged: terms out of order in field \(field.name)", path: field.fileName)
                }
                term.removeAll(keepingCapacity: true)
                term.append(contentsOf: first)
                var opened = try field.openBlock(blockIndex)
                guard let firstInfo = opened.readInfo() else { throw field.malformedEntry() }
                info = firstInfo
                block = opened
            } else {
                guard let (shared, suffix) = block!.readTerm(previousLength: term.count) else {
                    throw field.malformedEntry()
                }
                // Strictly increasing: the first differing byte must grow, or the term must extend.
                let increasing: Bool
                if suffix.isEmpty {
                    increasing = false
                } else if shared < term.count {
                    increasing = suffix[0] > term[shared]
                } else {
                    increasing = true
                }
                if !increasing {
                    throw TrawlError(.corruptIndex, "index file is damaged: terms out of order in field \(field.name)", path: field.fileName)
                }
                term.removeSubrange(shared...)
                term.append(contentsOf: suffix)
                guard let entryInfo = block!.readInfo() else { throw field.malformedEntry() }
                info = entryInfo
            }
            guard let prefix else { return true }
            let position = term.withUnsafeBytes { t in prefix.withUnsafeBytes { p in TermDictionary.compare(t, p) } }
            if position < 0 { continue }
            if term.count < prefix.count || !term.starts(with: prefix) {
                done = true
                return false
            }
            matches += 1
            if matches > limit {
                done = true
                throw TrawlError(.limitExceeded, "more than \(limit) terms start with the given prefix in field \(field.name)")
            }
            return true
        }
    }
}
