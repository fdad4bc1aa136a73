/// The decode buffers of one ``PostingsCursor``: 128 doc ids, 128 frequencies and 128 position
/// deltas, tail-allocated in a single object (one allocation per cursor, none per block).
final class PostingsCursorStorage: ManagedBuffer<Void, UInt32> {
    /// Words per buffer.
    static let bufferLength = PostingsFormat.blockLength
    /// Total words: docs, freqs, positions.
    static let wordCount = 3 * bufferLength

    /// Allocates zeroed storage.
    static func make() -> PostingsCursorStorage {
        let storage = unsafeDowncast(create(minimumCapacity: wordCount) { _ in () }, to: PostingsCursorStorage.self)
        storage.withUnsafeMutablePointerToElements { $0.initialize(repeating: 0, count: wordCount) }
        return storage
    }

    /// The first word. Tail-allocated elements never move while the object lives, so the pointer
    /// stays valid as long as the cursor holds the storage.
    var words: UnsafeMutablePointer<UInt32> { withUnsafeMutablePointerToElements { $0 } }
}

/// Iterates the postings of one term straight from mapped `.post` / `.posn` bytes.
///
/// A value type meant to live on the stack (or inline in an array of cursors): all decode buffers
/// sit in one ``PostingsCursorStorage`` allocated when the cursor is created; copies share it until
/// one of them refills a buffer (copy-on-write, checked once per block).
///
/// After `init` the cursor is positioned on the term's first document (``doc``). ``next()`` and
/// ``advance(to:)`` move forward; at the end ``doc`` is ``noMoreDocs``. ``advance(to:)`` consults
/// the skip table and decodes only the block that can contain the target.
/// ``shallowAdvance(to:)`` moves only the skip pointer, for block-max impacts
/// (``blockLastDoc``, ``blockMaxFreq``, ``blockMinLengthCode``).
///
/// **Damaged files.** `init` validates the term's offsets and table sizes and throws
/// ``TrawlError/Code/corruptIndex``. Each block is validated when it is loaded (bit widths, byte
/// range, that its doc ids continue the previous block and end exactly at the skip table's last doc
/// id) — a few compares per block, none per posting. Because `next()` and `advance(to:)` must stay
/// non-throwing for the query loops, a damaged block ends the iteration instead: ``doc`` becomes
/// ``noMoreDocs`` and ``corruption`` holds the error; callers check it (or call
/// ``throwIfCorrupt()``) when they finish. Returned doc ids are strictly increasing even for damaged
/// input, and no byte outside the files' payloads is ever read. ``positions(into:)`` throws.
///
/// The buffers passed to `init` must stay mapped for the cursor's lifetime.
struct PostingsCursor {
    /// The ``doc`` value once the postings are exhausted.
    static let noMoreDocs = UInt32.max

    // MARK: Hot state

    /// The current document id, or ``noMoreDocs`` at the end.
    private(set) var doc: UInt32 = 0
    /// The index of ``doc`` in the decoded block.
    private var index = 0
    /// The number of documents in the decoded block (0 once exhausted).
    private var count = 0
    /// Decoded doc ids of the current block.
    private var docs: UnsafeMutablePointer<UInt32>
    /// Decoded frequencies of the current block.
    private var freqs: UnsafeMutablePointer<UInt32>
    /// Decoded position deltas of the current position chunk.
    private var positionDeltas: UnsafeMutablePointer<UInt32>
    private var storage: PostingsCursorStorage

    // MARK: Term and file

    private let base: UnsafeRawPointer
    /// End of the readable `.post` payload (the footer starts here).
    private let limit: Int
    /// The file name for error messages.
    let fileName: String
    /// The number of documents of the term.
    let docFreq: UInt32
    /// The total number of occurrences of the term.
    let totalTermFreq: UInt64
    /// The term's largest frequency (exact): the term-level impact for MaxScore / WAND bounds.
    let termMaxFreq: UInt32
    /// The term's smallest field-length code: with ``termMaxFreq``, the term-level impact.
    let termMinLengthCode: UInt8
    /// Skip entries: one per full block plus one for a non-empty tail; 0 for terms under 128 docs.
    private let entryCount: Int
    /// The number of full (bit-packed) blocks.
    private let fullBlocks: Int
    private let lastDocTable: Int
    private let metaTable: Int
    private let pointerTable: Int
    /// The skip entry (block) currently decoded.
    private var block = 0
    /// The block whose byte offset is ``offsetValue`` (offsets are summed forward from meta).
    private var offsetBlock = 0
    private var offsetValue: Int
    /// The block the shallow (impact) pointer is on; `entryCount` (or 1 without skip table) = past the end.
    private var shallowBlock = 0
    /// For terms without a skip table: the last doc id (the whole term is one decoded block).
    private var singleBlockLastDoc: UInt32 = 0

    // MARK: Positions

    private let positionsBase: UnsafeRawPointer?
    private let positionsLimit: Int
    private let positionsStart: Int
    /// Byte offset of the chunk in `positionDeltas` (-1: none yet).
    private var chunkStart = -1
    private var chunkIsTail = false
    private var chunkDecoded = false
    private var chunkCount = 0
    /// Index in the chunk of the next position to read.
    private var chunkIndex = 0
    private var nextChunkStart = 0
    private var nextChunkIsTail = false
    /// The term's number of the current chunk (the tail's is ``packedChunkCount``).
    private var chunkNumber = 0
    /// Where the bit widths of the term's packed chunks are in `.post` (-1: no table; the term has
    /// no skip table, and skips hop from chunk header to chunk header).
    private var widthTable = -1
    /// The term's packed position chunks: ⌊totalTermFreq / 128⌋.
    private var packedChunkCount = 0
    /// The block and in-block doc index whose first position is at `chunkIndex` (-1: not synced).
    private var syncBlock = -1
    private var syncDoc = 0
    /// Positions of the last document read that were left unread (a ``keepPositions`` scan
    /// stopped at its last target); the next read skips them.
    private var unreadPositions = 0

    /// The error that ended the iteration early, if a block turned out to be damaged.
    private(set) var corruption: TrawlError?

    // MARK: Opening

    /// Opens the postings of one term.
    ///
    /// - Parameters:
    ///   - postings: the whole mapped `.post` file (header and footer included); offsets in `info`
    ///     are absolute. Its envelope should have been validated when the file was opened.
    ///   - positions: the whole mapped `.posn` file when positions will be read (the field must have
    ///     been written with positions), or `nil`.
    ///   - info: the term's entry from the term dictionary.
    ///   - fileName: the `.post` file name for error messages.
    init(postings: UnsafeRawBufferPointer, positions: UnsafeRawBufferPointer?, info: TermPostingsInfo,
         fileName: String) throws(TrawlError) {
        self.fileName = fileName
        storage = PostingsCursorStorage.make()
        let words = storage.words
        docs = words
        freqs = words + PostingsCursorStorage.bufferLength
        positionDeltas = words + 2 * PostingsCursorStorage.bufferLength
        docFreq = info.docFreq
        totalTermFreq = info.totalTermFreq
        termMaxFreq = info.maxFreq
        termMinLengthCode = info.minLengthCode

        /// An error for a damaged term entry or file, raised while opening.
        func damaged(_ what: String) -> TrawlError {
            TrawlError(.corruptIndex, "index file is damaged: \(what)", path: fileName)
        }
        guard let postingsBase = postings.baseAddress,
              postings.count >= FileEnvelope.headerSize + FileEnvelope.footerSize else {
            throw damaged("postings file too short")
        }
        base = postingsBase
        limit = postings.count - FileEnvelope.footerSize
        if let positions {
            guard let positionsAddress = positions.baseAddress,
                  positions.count >= FileEnvelope.headerSize + FileEnvelope.footerSize else {
                throw damaged("positions file too short")
            }
            positionsBase = positionsAddress
            positionsLimit = positions.count - FileEnvelope.footerSize
            guard info.positionsOffset >= UInt64(FileEnvelope.headerSize),
                  info.positionsOffset <= UInt64(positionsLimit) else {
                throw damaged("positions offset \(info.positionsOffset) outside the positions file")
            }
            positionsStart = Int(info.positionsOffset)
            // Every 128 positions take at least one byte (a chunk header), so a term cannot have
            // more positions than that: a damaged count is refused before anything is sized by it.
            let room = UInt64(positionsLimit - positionsStart) &* UInt64(PostingsFormat.blockLength)
            guard info.totalTermFreq <= room &+ UInt64(PostingsFormat.blockLength) else {
                throw damaged("term frequency \(info.totalTermFreq) does not fit in the positions file")
            }
        } else {
            positionsBase = nil
            positionsLimit = 0
            positionsStart = 0
        }
        guard info.docFreq > 0, info.docFreq < PostingsCursor.noMoreDocs,
              info.totalTermFreq >= UInt64(info.docFreq) else {
            throw damaged("term statistics are inconsistent (docFreq \(info.docFreq), totalTermFreq \(info.totalTermFreq))")
        }
        entryCount = PostingsFormat.skipEntryCount(docFreq: info.docFreq)
        fullBlocks = Int(info.docFreq) / PostingsFormat.blockLength
        let tableSize = PostingsFormat.skipTableSize(entries: entryCount, hasPositions: positions != nil)
        lastDocTable = Int(truncatingIfNeeded: info.skipOffset)
        metaTable = lastDocTable &+ entryCount * PostingsFormat.lastDocEntrySize
        pointerTable = metaTable &+ entryCount * PostingsFormat.metaEntrySize
        offsetValue = Int(truncatingIfNeeded: info.postingsOffset)

        if info.docFreq == 1 {
            // Pulsed: the document is in the dictionary entry.
            guard info.singletonDoc != PostingsCursor.noMoreDocs, info.totalTermFreq <= UInt64(UInt32.max) else {
                throw damaged("single-document term entry is out of range")
            }
            docs[0] = info.singletonDoc
            freqs[0] = UInt32(info.totalTermFreq)
            count = 1
            doc = info.singletonDoc
            singleBlockLastDoc = info.singletonDoc
            return
        }
        guard info.postingsOffset >= UInt64(FileEnvelope.headerSize), info.postingsOffset <= UInt64(limit) else {
            throw damaged("postings offset \(info.postingsOffset) outside the file")
        }
        if entryCount == 0 {
            guard decodeTail(at: offsetValue, count: Int(info.docFreq), firstAllowed: 0) != nil else {
                throw corruption ?? damaged("postings of a term cannot be decoded")
            }
            count = Int(info.docFreq)
            doc = docs[0]
            singleBlockLastDoc = docs[count - 1]
            return
        }
        guard info.skipOffset >= UInt64(FileEnvelope.headerSize), info.skipOffset <= UInt64(limit),
              tableSize <= limit - lastDocTable else {
            throw damaged("skip table at \(info.skipOffset) does not fit in the file")
        }
        if positions != nil {
            // The chunk width table follows the position pointers (its size was bounded above by
            // the positions file: a chunk takes at least a byte).
            let chunks = Int(truncatingIfNeeded: info.totalTermFreq / UInt64(PostingsFormat.blockLength))
            guard chunks <= limit - lastDocTable - tableSize else {
                throw damaged("position chunk widths of a term do not fit in the file")
            }
            packedChunkCount = chunks
            widthTable = lastDocTable &+ tableSize
        }
        guard loadBlock(0) else { throw corruption ?? damaged("first block cannot be decoded") }
    }

    // MARK: Raw reads

    /// The `LastDoc` of skip entry `entry`.
    @inline(__always)
    private func lastDoc(_ entry: Int) -> UInt32 {
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: lastDocTable &+ entry &* 4, as: UInt32.self))
    }

    /// The 4 metadata bytes of a skip entry: doc bits, freq bits, max-freq code, min length code.
    @inline(__always)
    private func meta(_ entry: Int) -> UInt32 {
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: metaTable &+ entry &* 4, as: UInt32.self))
    }

    // MARK: Iteration

    /// The current document's frequency (undefined, but safe to read, once exhausted).
    var freq: UInt32 {
        @inline(__always) get { freqs[index] }
    }

    /// Moves to the next document and returns it (``noMoreDocs`` at the end).
    @inline(__always)
    mutating func next() -> UInt32 {
        let i = index &+ 1
        if i < count {
            index = i
            doc = docs[i]
            return doc
        }
        return nextBlock()
    }

    /// Loads the following block, or ends the iteration.
    @inline(never)
    private mutating func nextBlock() -> UInt32 {
        if count == 0 { return PostingsCursor.noMoreDocs }
        let k = block &+ 1
        if k >= entryCount { return exhaust() }
        guard loadBlock(k) else { return PostingsCursor.noMoreDocs }
        return doc
    }

    /// The term's last document id (its greatest), from the skip table or the decoded tail:
    /// every document the cursor returns is at most this, so one comparison with the segment's
    /// document count bounds them all.
    var termLastDoc: UInt32 {
        entryCount == 0 ? singleBlockLastDoc : lastDoc(entryCount &- 1)
    }

    /// Walks to the end from the current document (included), counting documents and summing
    /// their frequencies: for count-only queries, and for `trawl check`, which compares the result
    /// with the dictionary's `docFreq` and `totalTermFreq`. Check ``corruption`` afterwards.
    mutating func drain() -> (docCount: Int, freqSum: UInt64) {
        var docCount = 0
        var freqSum: UInt64 = 0
        var d = doc
        while d != PostingsCursor.noMoreDocs {
            docCount &+= 1
            freqSum &+= UInt64(freq)
            d = next()
        }
        return (docCount, freqSum)
    }

    /// Moves to the first document at or after `target` and returns it (``noMoreDocs`` if none).
    /// Does not move when the current document is already at or after `target`.
    @inline(__always)
    mutating func advance(to target: UInt32) -> UInt32 {
        if target <= doc { return doc }
        if count > 0 && target <= docs[count &- 1] {
            var i = index &+ 1
            while docs[i] < target { i &+= 1 }
            index = i
            doc = docs[i]
            return doc
        }
        return advanceBlock(to: target)
    }

    /// Finds the block that can contain `target` through the skip table, decodes it, and scans it.
    @inline(never)
    private mutating func advanceBlock(to target: UInt32) -> UInt32 {
        if count == 0 { return PostingsCursor.noMoreDocs }
        if entryCount == 0 { return exhaust() }
        var start = block &+ 1
        if shallowBlock > start && shallowBlock <= entryCount && lastDoc(shallowBlock &- 1) < target {
            start = shallowBlock
        }
        let k = findEntry(from: start, target: target)
        if k >= entryCount { return exhaust() }
        guard loadBlock(k) else { return PostingsCursor.noMoreDocs }
        // The loaded block ends at lastDoc(k) >= target, so the scan stops inside it.
        var i = 0
        while docs[i] < target { i &+= 1 }
        index = i
        doc = docs[i]
        return doc
    }

    /// The first skip entry at or after `start` whose last doc id is at least `target`, or
    /// `entryCount`: a short linear scan, then galloping and a binary search.
    @inline(__always)
    private func findEntry(from start: Int, target: UInt32) -> Int {
        var k = start
        let stop = min(entryCount, start &+ 4)
        while k < stop {
            if lastDoc(k) >= target { return k }
            k &+= 1
        }
        if k >= entryCount { return entryCount }
        // Every entry before k is below target. Gallop.
        var low = k
        var step = 4
        var high: Int
        while true {
            high = low &+ step
            if high >= entryCount { high = entryCount; break }
            if lastDoc(high) >= target { break }
            low = high &+ 1
            step &<<= 1
        }
        // The answer is in low...high (high may be entryCount: none).
        while low < high {
            let mid = (low &+ high) >> 1
            if lastDoc(mid) >= target { high = mid } else { low = mid &+ 1 }
        }
        return low
    }

    /// Ends the iteration.
    private mutating func exhaust() -> UInt32 {
        doc = PostingsCursor.noMoreDocs
        count = 0
        index = 0
        return doc
    }

    /// Ends the iteration because of damaged data.
    private mutating func fail(_ what: String) -> Bool {
        corruption = TrawlError(.corruptIndex, "index file is damaged: \(what)", path: fileName)
        _ = exhaust()
        return false
    }

    /// Throws the error that ended the iteration early, if any.
    func throwIfCorrupt() throws(TrawlError) {
        if let corruption { throw corruption }
    }

    // MARK: Block decoding

    /// Makes sure no other copy of this cursor shares the decode buffers before they are refilled.
    @inline(__always)
    private mutating func makeStorageUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            let fresh = PostingsCursorStorage.make()
            fresh.words.update(from: storage.words, count: PostingsCursorStorage.wordCount)
            storage = fresh
            docs = fresh.words
            freqs = docs + PostingsCursorStorage.bufferLength
            positionDeltas = docs + 2 * PostingsCursorStorage.bufferLength
        }
    }

    /// Decodes skip entry `k` (a full block or the tail) and positions the cursor on its first doc.
    /// Returns `false` (with ``corruption`` set and the cursor exhausted) when the block is damaged.
    private mutating func loadBlock(_ k: Int) -> Bool {
        makeStorageUnique()
        if offsetBlock < k { sumBlockSizes(upTo: min(k, fullBlocks)) }
        if offsetValue > limit { return fail("block \(k) starts past the end of the file") }
        // Doc ids must continue after the previous block, and after what was already returned.
        let previous: UInt32 = k == 0 ? .max : lastDoc(k &- 1)
        if k > 0 {
            if count > 0 && previous < docs[count &- 1] { return fail("skip table of a term is not increasing") }
        }
        let expectedLast = lastDoc(k)
        if expectedLast == PostingsCursor.noMoreDocs || (k > 0 && expectedLast <= previous) {
            return fail("skip table of a term is not increasing")
        }
        if k < fullBlocks {
            let m = meta(k)
            let docBits = Int(m & 0xFF)
            let freqBits = Int((m >> 8) & 0xFF)
            if docBits > BitPacking.maxBitWidth || freqBits > BitPacking.maxBitWidth {
                return fail("bit width out of range in block \(k)")
            }
            let docBytes = BitPacking.packedByteCount(bitWidth: docBits)
            let size = docBytes &+ BitPacking.packedByteCount(bitWidth: freqBits)
            if size > limit &- offsetValue { return fail("block \(k) extends past the end of the file") }
            let start = base + offsetValue
            BitPacking.unpack(from: start, bitWidth: docBits, into: docs)
            if docBits <= 24 {
                // 128 gaps below 2^24 cannot wrap past 2^32, so checking the last value suffices.
                let last = BitPacking.prefixSumStrict(docs, previous: previous)
                if last != expectedLast { return fail("block \(k) does not match its skip entry") }
            } else {
                var next: UInt64 = k == 0 ? 0 : UInt64(previous) &+ 1
                for i in 0..<PostingsFormat.blockLength {
                    next &+= UInt64(docs[i])
                    docs[i] = UInt32(truncatingIfNeeded: next)
                    next &+= 1
                }
                if next &- 1 != UInt64(expectedLast) { return fail("block \(k) does not match its skip entry") }
            }
            BitPacking.unpack(from: start + docBytes, bitWidth: freqBits, into: freqs)
            let raw = UnsafeMutableRawPointer(freqs)
            let one = SIMD4<UInt32>(repeating: 1)
            for i in 0..<(PostingsFormat.blockLength / 4) {
                let v = raw.loadUnaligned(fromByteOffset: i &* 16, as: SIMD4<UInt32>.self)
                raw.storeBytes(of: v &+ one, toByteOffset: i &* 16, as: SIMD4<UInt32>.self)
            }
            count = PostingsFormat.blockLength
        } else {
            let n = Int(docFreq) &- fullBlocks &* PostingsFormat.blockLength
            let firstAllowed: UInt64 = k == 0 ? 0 : UInt64(previous) &+ 1
            guard decodeTail(at: offsetValue, count: n, firstAllowed: firstAllowed) != nil else { return false }
            if docs[n &- 1] != expectedLast { return fail("tail of a term does not match its skip entry") }
            count = n
        }
        block = k
        index = 0
        doc = docs[0]
        return true
    }

    /// Moves ``offsetBlock`` forward to `target`, adding the sizes of the blocks passed over
    /// (16 × (doc bits + freq bits) bytes each), four skip entries at a time.
    private mutating func sumBlockSizes(upTo target: Int) {
        var entry = offsetBlock
        var offset = offsetValue
        let low = SIMD4<UInt32>(repeating: 0xFF)
        while target &- entry >= 4 {
            // Lanes hold at most 510 per entry; flush well before they could overflow.
            let stop = entry &+ min((target &- entry) & ~3, 1 << 20)
            var sums = SIMD4<UInt32>(repeating: 0)
            while entry < stop {
                let m = base.loadUnaligned(fromByteOffset: metaTable &+ entry &* 4, as: SIMD4<UInt32>.self)
                sums &+= (m & low) &+ ((m &>> 8) & low)
                entry &+= 4
            }
            offset &+= 16 &* Int(sums.wrappedSum())
        }
        while entry < target {
            let m = meta(entry)
            offset &+= 16 &* (Int(m & 0xFF) &+ Int((m >> 8) & 0xFF))
            entry &+= 1
        }
        offsetBlock = entry
        offsetValue = offset
    }

    /// Decodes `n` (< 128) vint-coded postings at `offset` into the buffers; doc ids start at
    /// `firstAllowed` or later. Returns the end offset, or `nil` with ``corruption`` set.
    private mutating func decodeTail(at offset: Int, count n: Int, firstAllowed: UInt64) -> Int? {
        var p = offset
        var next = firstAllowed
        let maxDoc = UInt64(PostingsCursor.noMoreDocs)
        for i in 0..<n {
            guard let v = readVarint(base, &p, limit) else {
                _ = fail("truncated or malformed postings tail"); return nil
            }
            next &+= v >> 1
            if next >= maxDoc || v >> 1 >= maxDoc { _ = fail("document id out of range in a postings tail"); return nil }
            docs[i] = UInt32(truncatingIfNeeded: next)
            next &+= 1
            if v & 1 != 0 {
                freqs[i] = 1
            } else {
                guard let f = readVarint(base, &p, limit), f <= UInt64(UInt32.max - 2) else {
                    _ = fail("frequency out of range in a postings tail"); return nil
                }
                freqs[i] = UInt32(truncatingIfNeeded: f) &+ 2
            }
        }
        return p
    }

    // MARK: Block-max impacts

    /// Moves the impact pointer (not the document) to the block that contains `target`, the
    /// first block whose last doc id is at least `target`. Only the skip table is read. Targets
    /// should not decrease; the pointer never moves backwards.
    mutating func shallowAdvance(to target: UInt32) {
        if entryCount == 0 {
            if target > singleBlockLastDoc { shallowBlock = 1 }
            return
        }
        if shallowBlock >= entryCount || lastDoc(shallowBlock) >= target { return }
        shallowBlock = findEntry(from: shallowBlock &+ 1, target: target)
    }

    /// The last doc id covered by the impact pointer's block (``noMoreDocs`` past the end): the
    /// block-max values below hold for every document up to it.
    var blockLastDoc: UInt32 {
        if entryCount == 0 { return shallowBlock == 0 ? singleBlockLastDoc : PostingsCursor.noMoreDocs }
        return shallowBlock < entryCount ? lastDoc(shallowBlock) : PostingsCursor.noMoreDocs
    }

    /// An upper bound of the frequencies in the impact pointer's block: exact up to 23, otherwise
    /// rounded up to a ``FieldLengthCode`` value (within 1/8). 0 past the end.
    var blockMaxFreq: UInt32 {
        if entryCount == 0 { return shallowBlock == 0 ? termMaxFreq : 0 }
        guard shallowBlock < entryCount else { return 0 }
        return min(FieldLengthCode.decode(UInt8(truncatingIfNeeded: meta(shallowBlock) >> 16)), termMaxFreq)
    }

    /// The smallest field-length code of the documents in the impact pointer's block (255 past the end).
    var blockMinLengthCode: UInt8 {
        if entryCount == 0 { return shallowBlock == 0 ? termMinLengthCode : .max }
        guard shallowBlock < entryCount else { return .max }
        return max(UInt8(truncatingIfNeeded: meta(shallowBlock) >> 24), termMinLengthCode)
    }

    // MARK: Positions

    /// Replaces the contents of `buffer` with the current document's ``freq`` positions, in
    /// increasing order. Reuses the array's capacity (no allocation once it is large enough).
    /// Throws when the cursor was opened without positions or the positions data is damaged.
    mutating func positions(into buffer: inout [UInt32]) throws(TrawlError) {
        let n = doc == PostingsCursor.noMoreDocs ? 0 : Int(freq)
        try checkFrequencyForPositions(n)
        if buffer.count != n {
            if buffer.count > n {
                buffer.removeLast(buffer.count - n)
            } else {
                buffer.append(contentsOf: repeatElement(0, count: n - buffer.count))
            }
        }
        if n == 0 { return }
        let result: Result<Int, TrawlError> = buffer.withUnsafeMutableBufferPointer { out in
            do throws(TrawlError) { return .success(try readPositions(into: out)) } catch { return .failure(error) }
        }
        _ = try result.get()
    }

    /// Throws when `frequency` positions cannot belong to this term (more than its largest or its
    /// total term frequency): check before sizing a buffer by a frequency read from a damaged file.
    @inline(__always)
    func checkFrequencyForPositions(_ frequency: Int) throws(TrawlError) {
        if frequency > 0 && (UInt64(frequency) > totalTermFreq || frequency > Int(termMaxFreq)) {
            throw TrawlError(.corruptIndex, "index file is damaged: a document's term frequency \(frequency) exceeds the term's maximum \(termMaxFreq) or total \(totalTermFreq)",
                             path: fileName)
        }
    }

    /// The current document's frequency, checked (and at most `capacity`), with the position
    /// stream moved to its first position: what reading its positions starts with (0 once
    /// exhausted).
    @inline(__always)
    private mutating func startPositions(capacity: Int) throws(TrawlError) -> Int {
        guard positionsBase != nil else {
            throw TrawlError(.invalidArgument, "positions were not opened for this postings cursor", path: fileName)
        }
        if count == 0 { return 0 }
        let f = Int(freqs[index])
        try checkFrequencyForPositions(f)
        guard f <= capacity else {
            throw TrawlError(.invalidArgument, "position buffer too small (\(capacity) for \(f))", path: fileName)
        }
        if syncBlock != block || syncDoc > index { try seekPositions(toBlock: block) }
        var skip = unreadPositions
        for i in syncDoc..<index { skip &+= Int(freqs[i]) }
        unreadPositions = 0
        try skipPositions(skip)
        return f
    }

    /// Writes the current document's positions into `destination` (which needs room for ``freq``
    /// values) and returns how many were written (0 once exhausted).
    mutating func readPositions(into destination: UnsafeMutableBufferPointer<UInt32>) throws(TrawlError) -> Int {
        let f = try startPositions(capacity: destination.count)
        guard f > 0, let out = destination.baseAddress else { return 0 }
        // Prefix sums of the deltas, a chunk's run at a time (locals keep the loop in registers).
        var position: UInt32 = 0
        var j = 0
        while j < f {
            if chunkIndex == chunkCount { try loadNextChunk(decode: true) }
            let start = chunkIndex
            let run = min(f &- j, chunkCount &- start)
            let deltas = positionDeltas + start
            let target = out + j
            for r in 0..<run {
                position &+= deltas[r]
                target[r] = position
            }
            j &+= run
            chunkIndex = start &+ run
        }
        syncDoc = index &+ 1
        return f
    }

    /// Keeps, of the increasing `targets[0..<count]`, those equal to `position + shift` for some
    /// position of the current document, moved to the front in order; returns how many. The
    /// positions are decoded and compared in one pass, which stops at the last target.
    mutating func keepPositions(_ targets: UnsafeMutablePointer<Int>, count targetCount: Int,
                                shift: Int) throws(TrawlError) -> Int {
        if targetCount == 0 { return 0 }
        let f = try startPositions(capacity: .max)
        if f == 0 { return 0 }
        var position: UInt32 = 0
        var j = 0
        var k = 0
        var kept = 0
        var wanted = targets[0]
        scan: while j < f {
            if chunkIndex == chunkCount { try loadNextChunk(decode: true) }
            let start = chunkIndex
            let run = min(f &- j, chunkCount &- start)
            let deltas = positionDeltas + start
            var r = 0
            while r < run {
                position &+= deltas[r]
                r &+= 1
                let value = Int(position) &+ shift
                if value < wanted { continue }
                // Targets below this position are not positions of the document.
                while wanted < value {
                    k &+= 1
                    if k == targetCount { break }
                    wanted = targets[k]
                }
                if k == targetCount { break }
                if wanted == value {
                    targets[kept] = value
                    kept &+= 1
                    k &+= 1
                    if k == targetCount { break }
                    wanted = targets[k]
                }
            }
            j &+= r
            chunkIndex = start &+ r
            if k == targetCount { break scan }
        }
        unreadPositions = f &- j
        syncDoc = index &+ 1
        return kept
    }

    /// Positions the position stream at the first position of block `k`.
    private mutating func seekPositions(toBlock k: Int) throws(TrawlError) {
        var start = positionsStart
        var isTail = totalTermFreq < UInt64(PostingsFormat.blockLength)
        var upto = 0
        var number = 0
        if entryCount > 0 {
            let at = pointerTable &+ k &* PostingsFormat.positionPointerSize
            let relative = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt32.self))
            let flags = base.load(fromByteOffset: at &+ 4, as: UInt8.self)
            number = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: at &+ 5, as: UInt32.self)))
            start = positionsStart &+ Int(relative)
            isTail = flags & PostingsFormat.pointerTailFlag != 0
            upto = Int(flags & 0x7F)
        }
        if start != chunkStart || isTail != chunkIsTail || !chunkDecoded || number != chunkNumber {
            try loadChunk(at: start, isTail: isTail, decode: true, number: number)
        }
        if upto >= chunkCount { throw positionsDamaged("position pointer past its chunk") }
        chunkIndex = upto
        syncBlock = k
        syncDoc = 0
        unreadPositions = 0
    }

    /// Skips `n` positions, jumping over whole packed chunks without decoding them.
    private mutating func skipPositions(_ n: Int) throws(TrawlError) {
        var left = n
        while left > 0 {
            let available = chunkCount &- chunkIndex
            if left < available {
                chunkIndex &+= left
                break
            }
            left &-= available
            if widthTable >= 0 && left >= PostingsFormat.blockLength && !chunkIsTail && !nextChunkIsTail {
                // Jump straight to the chunk the skip ends in: the sizes of the chunks passed over
                // come from the width table, without touching `.posn`.
                let first = chunkNumber &+ 1
                let target = first &+ left / PostingsFormat.blockLength
                if target > packedChunkCount { throw positionsDamaged("positions run past the end of a term") }
                var start = nextChunkStart
                for c in first..<target {
                    let bits = Int(base.load(fromByteOffset: widthTable &+ c, as: UInt8.self))
                    if bits > BitPacking.maxBitWidth { throw positionsDamaged("bad position chunk width") }
                    start &+= 1 &+ BitPacking.packedByteCount(bitWidth: bits)
                }
                try loadChunk(at: start, isTail: target == packedChunkCount, decode: true, number: target)
                let landing = left % PostingsFormat.blockLength
                if landing >= chunkCount { throw positionsDamaged("positions run past the end of a term") }
                chunkIndex = landing
                return
            }
            // Decode the next chunk only if the skip ends inside it.
            try loadNextChunk(decode: left < PostingsFormat.blockLength || nextChunkIsTail)
        }
        if !chunkDecoded {
            let landing = chunkIndex
            try loadChunk(at: chunkStart, isTail: chunkIsTail, decode: true, number: chunkNumber)
            chunkIndex = landing
        }
    }

    /// Moves to the chunk after the current one.
    private mutating func loadNextChunk(decode: Bool) throws(TrawlError) {
        if chunkIsTail { throw positionsDamaged("positions run past the end of a term") }
        try loadChunk(at: nextChunkStart, isTail: nextChunkIsTail, decode: decode, number: chunkNumber &+ 1)
    }

    /// Reads the header of chunk `number` at `start` (and decodes the chunk when `decode`).
    private mutating func loadChunk(at start: Int, isTail: Bool, decode: Bool, number: Int) throws(TrawlError) {
        guard let positionsBase else { return }
        makeStorageUnique()
        if start < positionsStart || start >= positionsLimit { throw positionsDamaged("position chunk outside the file") }
        if widthTable >= 0 && (isTail ? number != packedChunkCount : number >= packedChunkCount) {
            throw positionsDamaged("position chunk \(number) out of sequence")
        }
        chunkNumber = number
        if isTail {
            let n = Int(totalTermFreq % UInt64(PostingsFormat.blockLength))
            if n == 0 { throw positionsDamaged("missing position tail") }
            var p = start
            for i in 0..<n {
                guard let v = readVarint(positionsBase, &p, positionsLimit), v <= UInt64(UInt32.max) else {
                    throw positionsDamaged("truncated or malformed position tail")
                }
                positionDeltas[i] = UInt32(truncatingIfNeeded: v)
            }
            chunkCount = n
            nextChunkStart = p
            nextChunkIsTail = false
            chunkDecoded = true
        } else {
            let header = positionsBase.load(fromByteOffset: start, as: UInt8.self)
            let bits = Int(header & PostingsFormat.chunkWidthMask)
            if bits > BitPacking.maxBitWidth || header & 0x40 != 0 { throw positionsDamaged("bad position chunk header") }
            if widthTable >= 0 && Int(base.load(fromByteOffset: widthTable &+ number, as: UInt8.self)) != bits {
                throw positionsDamaged("position chunk \(number) disagrees with the width table")
            }
            let size = BitPacking.packedByteCount(bitWidth: bits)
            if size > positionsLimit &- start &- 1 { throw positionsDamaged("position chunk extends past the end of the file") }
            if decode { BitPacking.unpack(from: positionsBase + (start &+ 1), bitWidth: bits, into: positionDeltas) }
            chunkCount = PostingsFormat.blockLength
            nextChunkStart = start &+ 1 &+ size
            nextChunkIsTail = header & PostingsFormat.chunkLastFlag != 0
            chunkDecoded = decode
        }
        chunkStart = start
        chunkIsTail = isTail
        chunkIndex = 0
    }

    /// An error for damaged positions data; the position stream must be re-synced afterwards.
    private mutating func positionsDamaged(_ what: String) -> TrawlError {
        syncBlock = -1
        unreadPositions = 0
        chunkStart = -1
        chunkDecoded = false
        chunkCount = 0
        chunkIndex = 0
        return TrawlError(.corruptIndex, "index file is damaged: \(what)", path: fileName)
    }
}

/// Reads an unsigned LEB128 integer at `offset` without reading at or past `end`; `nil` when it is
/// truncated or longer than 64 bits.
@inline(__always)
func readVarint(_ base: UnsafeRawPointer, _ offset: inout Int, _ end: Int) -> UInt64? {
    var p = offset
    guard p < end else { return nil }
    var byte = base.load(fromByteOffset: p, as: UInt8.self)
    p &+= 1
    if byte < 0x80 {
        offset = p
        return UInt64(byte)
    }
    var result = UInt64(byte & 0x7F)
    var shift: UInt64 = 7
    while true {
        guard p < end else { return nil }
        byte = base.load(fromByteOffset: p, as: UInt8.self)
        p &+= 1
        if shift == 63 && byte > 1 { return nil }
        result |= UInt64(byte & 0x7F) << shift
        if byte < 0x80 {
            offset = p
            return result
        }
        shift &+= 7
        if shift > 63 { return nil }
    }
}
