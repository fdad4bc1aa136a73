/// Streams the postings of one field's terms, in term order, into a `.post` file and (when the
/// field indexes positions) a `.posn` file. The layout is described in `index/FORMAT-codec.md`.
///
/// For each term: ``startTerm()``, one ``add(doc:freq:lengthCode:positions:)`` per document in
/// increasing document order, then ``finishTerm()``, which returns the ``TermPostingsInfo`` to store
/// in the term dictionary. Documents are buffered 128 at a time and written as bit-packed blocks;
/// the remainder of a term (fewer than 128 documents) is written as variable-length integers,
/// followed by the term's skip table when it has a full block. Position deltas stream the same way
/// in chunks of 128. Nothing is allocated per posting. ``finish(sync:)`` closes both files.
final class PostingsWriter {
    /// The `.post` file.
    let postings: IndexFileWriter
    /// The `.posn` file, or `nil` when the field stores no positions.
    let positions: IndexFileWriter?

    /// One row of a term's skip table, kept until the term ends.
    private struct SkipEntry {
        var lastDoc: UInt32
        var docBits: UInt8
        var freqBits: UInt8
        var maxFreqCode: UInt8
        var minLengthCode: UInt8
        var positionChunkOffset: UInt32
        var positionIndex: UInt8
        var positionChunkNumber: Int
    }

    /// Documents of the block being filled (absolute ids).
    private let docBuffer: UnsafeMutablePointer<UInt32>
    /// Frequencies of the block being filled.
    private let freqBuffer: UnsafeMutablePointer<UInt32>
    /// Scratch for gaps / freq − 1 while packing.
    private let scratch: UnsafeMutablePointer<UInt32>
    /// Position deltas of the chunk being filled.
    private let positionBuffer: UnsafeMutablePointer<UInt32>
    @exclusivity(unchecked) private var bufferCount = 0
    @exclusivity(unchecked) private var positionCount = 0

    @exclusivity(unchecked) private var inTerm = false
    @exclusivity(unchecked) private var previousDoc: UInt32 = .max // "none" while the term is empty
    @exclusivity(unchecked) private var docFreq: UInt64 = 0
    @exclusivity(unchecked) private var totalTermFreq: UInt64 = 0
    @exclusivity(unchecked) private var termMaxFreq: UInt32 = 0
    @exclusivity(unchecked) private var termMinLengthCode: UInt8 = .max
    @exclusivity(unchecked) private var blockMaxFreq: UInt32 = 0
    @exclusivity(unchecked) private var blockMinLengthCode: UInt8 = .max
    @exclusivity(unchecked) private var termPostingsStart = 0
    @exclusivity(unchecked) private var skipEntries: [SkipEntry] = []
    /// Where the current block's first position lives: chunk offset, index, chunk number.
    @exclusivity(unchecked) private var blockPositionStart: (offset: UInt32, index: UInt8, chunk: Int) = (0, 0, 0)

    @exclusivity(unchecked) private var termPositionsStart = 0
    /// Bytes of the current term already emitted to `.posn`.
    @exclusivity(unchecked) private var termPositionBytes = 0
    /// The last packed chunk, held back until we know whether it is the term's last.
    @exclusivity(unchecked) private var pendingChunk = ByteWriter(capacity: 1 + 16 * BitPacking.maxBitWidth)
    /// The bit width of every packed chunk of the current term (written after the skip table).
    @exclusivity(unchecked) private var chunkWidths: [UInt8] = []
    /// The current term's packed position chunks so far.
    private var packedChunks: Int { chunkWidths.count }

    /// Creates a writer over files whose headers are already written (``IndexFileWriter`` does that).
    init(postings: IndexFileWriter, positions: IndexFileWriter?) {
        self.postings = postings
        self.positions = positions
        let n = PostingsFormat.blockLength
        docBuffer = .allocate(capacity: n)
        freqBuffer = .allocate(capacity: n)
        scratch = .allocate(capacity: n)
        positionBuffer = .allocate(capacity: n)
        docBuffer.initialize(repeating: 0, count: n)
        freqBuffer.initialize(repeating: 0, count: n)
        scratch.initialize(repeating: 0, count: n)
        positionBuffer.initialize(repeating: 0, count: n)
    }

    deinit {
        docBuffer.deallocate()
        freqBuffer.deallocate()
        scratch.deallocate()
        positionBuffer.deallocate()
    }

    /// An error for a caller mistake.
    private func misuse(_ what: String) -> TrawlError {
        TrawlError(.invalidArgument, "postings writer misuse: \(what)", path: postings.name)
    }

    /// Begins a term. Terms must be written in the order the term dictionary stores them.
    func startTerm() throws(TrawlError) {
        if inTerm { throw misuse("startTerm() called twice without finishTerm()") }
        inTerm = true
        previousDoc = .max
        docFreq = 0
        totalTermFreq = 0
        termMaxFreq = 0
        termMinLengthCode = .max
        blockMaxFreq = 0
        blockMinLengthCode = .max
        bufferCount = 0
        positionCount = 0
        chunkWidths.removeAll(keepingCapacity: true)
        skipEntries.removeAll(keepingCapacity: true)
        termPostingsStart = postings.position
        termPositionsStart = positions?.position ?? 0
        termPositionBytes = 0
        pendingChunk.removeAll()
    }

    /// Adds one document of the current term.
    ///
    /// - Parameters:
    ///   - doc: the document id; strictly greater than the previous one and below `UInt32.max`.
    ///   - freq: the number of occurrences in the document (at least 1).
    ///   - lengthCode: the document's field-length code (``FieldLengthCode``), for block-max impacts.
    ///   - positions: the word positions, non-decreasing, exactly `freq` of them when the field
    ///     stores positions (ignored otherwise).
    func add(doc: UInt32, freq: UInt32, lengthCode: UInt8, positions docPositions: UnsafeBufferPointer<UInt32>) throws(TrawlError) {
        if !inTerm { throw misuse("add() outside a term") }
        if doc == PostingsCursor.noMoreDocs { throw misuse("document id \(doc) is reserved") }
        if docFreq > 0 && doc <= previousDoc { throw misuse("document \(doc) is not after \(previousDoc)") }
        if freq == 0 { throw misuse("frequency 0 for document \(doc)") }
        if positions != nil {
            if docPositions.count != Int(freq) {
                throw misuse("document \(doc) has frequency \(freq) but \(docPositions.count) positions")
            }
            for i in docPositions.indices.dropFirst() where docPositions[i] < docPositions[i - 1] {
                throw misuse("positions of document \(doc) decrease")
            }
        }
        if bufferCount == 0 {
            let offset = termPositionBytes + pendingChunk.count
            if offset > Int(UInt32.max) {
                throw TrawlError(.limitExceeded, "a term's positions exceed 4 GiB in one segment", path: positions?.name)
            }
            blockPositionStart = (UInt32(offset), UInt8(positionCount), packedChunks)
        }
        docBuffer[bufferCount] = doc
        freqBuffer[bufferCount] = freq
        bufferCount += 1
        previousDoc = doc
        docFreq += 1
        totalTermFreq += UInt64(freq)
        if freq > blockMaxFreq { blockMaxFreq = freq }
        if lengthCode < blockMinLengthCode { blockMinLengthCode = lengthCode }

        if positions != nil {
            var last: UInt32 = 0
            for p in docPositions {
                positionBuffer[positionCount] = p &- last
                last = p
                positionCount += 1
                if positionCount == PostingsFormat.blockLength { try flushPositionChunk() }
            }
        }
        if bufferCount == PostingsFormat.blockLength { try flushBlock() }
    }

    /// Adds one document given its positions as an array (see ``add(doc:freq:lengthCode:positions:)``).
    func add(doc: UInt32, freq: UInt32, lengthCode: UInt8, positions docPositions: [UInt32] = []) throws(TrawlError) {
        let result: Result<Void, TrawlError> = docPositions.withUnsafeBufferPointer { buffer in
            do throws(TrawlError) {
                try add(doc: doc, freq: freq, lengthCode: lengthCode, positions: buffer)
                return .success(())
            } catch { return .failure(error) }
        }
        try result.get()
    }

    /// Writes the 128 buffered documents as a packed block and records its skip entry.
    private func flushBlock() throws(TrawlError) {
        let n = PostingsFormat.blockLength
        let previous = skipEntries.last?.lastDoc ?? .max
        var orGaps: UInt32 = 0
        var last = previous
        for i in 0..<n {
            let gap = docBuffer[i] &- last &- 1
            scratch[i] = gap
            orGaps |= gap
            last = docBuffer[i]
        }
        let docBits = BitPacking.bitWidth(for: orGaps)
        BitPacking.pack(values: scratch, bitWidth: docBits, into: &postings.buffer)
        var orFreqs: UInt32 = 0
        for i in 0..<n {
            let f = freqBuffer[i] &- 1
            scratch[i] = f
            orFreqs |= f
        }
        let freqBits = BitPacking.bitWidth(for: orFreqs)
        BitPacking.pack(values: scratch, bitWidth: freqBits, into: &postings.buffer)
        try postings.flushIfNeeded()
        recordSkipEntry(lastDoc: docBuffer[n - 1], docBits: docBits, freqBits: freqBits)
        bufferCount = 0
    }

    /// Appends the skip entry of the block just completed and folds its impacts into the term's.
    private func recordSkipEntry(lastDoc: UInt32, docBits: Int, freqBits: Int) {
        skipEntries.append(SkipEntry(
            lastDoc: lastDoc, docBits: UInt8(docBits), freqBits: UInt8(freqBits),
            maxFreqCode: FieldLengthCode.encodeRoundingUp(blockMaxFreq), minLengthCode: blockMinLengthCode,
            positionChunkOffset: blockPositionStart.offset, positionIndex: blockPositionStart.index,
            positionChunkNumber: blockPositionStart.chunk))
        foldBlockImpacts()
    }

    /// Folds the current block's max frequency and min length code into the term's and resets them.
    private func foldBlockImpacts() {
        if blockMaxFreq > termMaxFreq { termMaxFreq = blockMaxFreq }
        if blockMinLengthCode < termMinLengthCode { termMinLengthCode = blockMinLengthCode }
        blockMaxFreq = 0
        blockMinLengthCode = .max
    }

    /// Packs the 128 buffered position deltas into the pending chunk, emitting the previous one.
    private func flushPositionChunk() throws(TrawlError) {
        guard let positions else { return }
        emitPendingChunk(last: false, into: positions)
        let bits = BitPacking.bitWidth(of: positionBuffer, count: PostingsFormat.blockLength)
        pendingChunk.write(UInt8(bits))
        BitPacking.pack(values: positionBuffer, bitWidth: bits, into: &pendingChunk)
        chunkWidths.append(UInt8(bits))
        positionCount = 0
        try positions.flushIfNeeded()
    }

    /// Writes the held-back packed chunk, marking it as the term's last packed chunk when `last`.
    private func emitPendingChunk(last: Bool, into positions: IndexFileWriter) {
        let size = pendingChunk.count
        if size == 0 { return }
        pendingChunk.bytes.withUnsafeBytes { raw in
            positions.buffer.write(raw[0] | (last ? PostingsFormat.chunkLastFlag : 0))
            positions.buffer.write(UnsafeRawBufferPointer(rebasing: raw[1...]))
        }
        termPositionBytes += size
        pendingChunk.removeAll()
    }

    /// Ends the current term and returns what the term dictionary must store for it.
    func finishTerm() throws(TrawlError) -> TermPostingsInfo {
        if !inTerm { throw misuse("finishTerm() without startTerm()") }
        if docFreq == 0 { throw misuse("a term must have at least one document") }
        if docFreq >= UInt64(UInt32.max) { throw misuse("too many documents for one term") }
        inTerm = false
        let hasSkip = docFreq >= UInt64(PostingsFormat.blockLength)
        var info = TermPostingsInfo(docFreq: UInt32(docFreq), totalTermFreq: totalTermFreq,
                                    maxFreq: 0, minLengthCode: 0)

        // Positions: the held-back chunk is the last packed one; the rest is the vint tail.
        if let positions {
            info.positionsOffset = UInt64(termPositionsStart)
            emitPendingChunk(last: true, into: positions)
            for i in 0..<positionCount { positions.buffer.writeVInt(UInt64(positionBuffer[i])) }
            try positions.flushIfNeeded()
        }

        if docFreq == 1 {
            // Pulsing: the single document lives in the dictionary entry, nothing goes to `.post`.
            foldBlockImpacts()
            info.singletonDoc = docBuffer[0]
        } else {
            info.postingsOffset = UInt64(termPostingsStart)
            if bufferCount > 0 {
                var last = skipEntries.last?.lastDoc ?? .max
                for i in 0..<bufferCount {
                    let gap = UInt64(docBuffer[i] &- last &- 1)
                    let freq = freqBuffer[i]
                    if freq == 1 {
                        postings.buffer.writeVInt(gap << 1 | 1)
                    } else {
                        postings.buffer.writeVInt(gap << 1)
                        postings.buffer.writeVInt(UInt64(freq - 2))
                    }
                    last = docBuffer[i]
                }
                if hasSkip {
                    recordSkipEntry(lastDoc: docBuffer[bufferCount - 1], docBits: 0, freqBits: 0)
                } else {
                    foldBlockImpacts()
                }
            }
            if hasSkip {
                info.skipOffset = UInt64(postings.position)
                writeSkipTable()
            }
            try postings.flushIfNeeded()
        }
        info.maxFreq = termMaxFreq
        info.minLengthCode = termMinLengthCode
        bufferCount = 0
        return info
    }

    /// Writes the skip table: all last doc ids, then all block metadata, then (with positions)
    /// all position pointers and the bit widths of the term's packed position chunks.
    private func writeSkipTable() {
        for entry in skipEntries { postings.buffer.write(entry.lastDoc) }
        for entry in skipEntries {
            postings.buffer.write(entry.docBits)
            postings.buffer.write(entry.freqBits)
            postings.buffer.write(entry.maxFreqCode)
            postings.buffer.write(entry.minLengthCode)
        }
        if positions != nil {
            for entry in skipEntries {
                postings.buffer.write(entry.positionChunkOffset)
                // A pointer into the chunk that was never packed points into the vint tail.
                let tail = entry.positionChunkNumber == packedChunks
                postings.buffer.write(entry.positionIndex | (tail ? PostingsFormat.pointerTailFlag : 0))
                postings.buffer.write(UInt32(truncatingIfNeeded: entry.positionChunkNumber))
            }
            // Skipping positions then adds up chunk sizes from here instead of hopping from chunk
            // header to chunk header through `.posn`.
            chunkWidths.withUnsafeBytes { postings.buffer.write($0) }
        }
    }

    /// Writes the footers and closes both files. No term may be open.
    func finish(sync: Bool = true) throws(TrawlError) {
        if inTerm { throw misuse("finish() inside a term") }
        try postings.finish(sync: sync)
        try positions?.finish(sync: sync)
    }
}
