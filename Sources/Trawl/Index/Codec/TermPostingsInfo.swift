/// What the term dictionary stores for one term: its statistics, where its postings live in the
/// `.post` and `.posn` files, and its term-level impact (upper bound) for dynamic pruning.
///
/// Written by ``PostingsWriter/finishTerm()``, stored by ``TermDictionaryWriter`` and handed to
/// ``PostingsCursor`` to read the postings back. Terms in a single document (`docFreq == 1`) are
/// "pulsed": their document id is kept here (``singletonDoc``) and nothing is written to `.post`.
struct TermPostingsInfo: Equatable, Hashable, Sendable {
    /// The number of documents containing the term (at least 1).
    var docFreq: UInt32
    /// The number of occurrences of the term over all documents (the sum of its frequencies).
    var totalTermFreq: UInt64
    /// The absolute `.post` offset of the term's first block (or of its vint tail when it has fewer
    /// than 128 documents); 0 and unused when `docFreq == 1`.
    var postingsOffset: UInt64
    /// The absolute `.post` offset of the term's skip table (`docFreq >= 128` only; 0 otherwise).
    var skipOffset: UInt64
    /// The absolute `.posn` offset of the term's positions (0 when the field has no positions).
    var positionsOffset: UInt64
    /// The only document of a term with `docFreq == 1` (0 otherwise).
    var singletonDoc: UInt32
    /// The largest frequency of the term in any document (exact).
    var maxFreq: UInt32
    /// The smallest field-length code (``FieldLengthCode``) among the term's documents.
    var minLengthCode: UInt8

    /// Creates an info value; unspecified fields are zero.
    init(docFreq: UInt32, totalTermFreq: UInt64, postingsOffset: UInt64 = 0, skipOffset: UInt64 = 0,
         positionsOffset: UInt64 = 0, singletonDoc: UInt32 = 0, maxFreq: UInt32, minLengthCode: UInt8) {
        self.docFreq = docFreq
        self.totalTermFreq = totalTermFreq
        self.postingsOffset = postingsOffset
        self.skipOffset = skipOffset
        self.positionsOffset = positionsOffset
        self.singletonDoc = singletonDoc
        self.maxFreq = maxFreq
        self.minLengthCode = minLengthCode
    }

    /// Whether the term has a skip table (it has at least one full block of 128 documents).
    var hasSkipTable: Bool { docFreq >= UInt32(PostingsFormat.blockLength) }
}

/// Constants and layout arithmetic shared by ``PostingsWriter`` and ``PostingsCursor``; the format
/// itself is described in `index/FORMAT-codec.md`.
enum PostingsFormat {
    /// Documents per packed block, and positions per packed position chunk.
    static let blockLength = 128
    /// Bytes per skip entry in the `LastDoc` array.
    static let lastDocEntrySize = 4
    /// Bytes per skip entry in the `BlockMeta` array: doc bits, freq bits, max-freq code, min length code.
    static let metaEntrySize = 4
    /// Bytes per skip entry in the `PosPointer` array: a 32-bit chunk offset, an index byte and a
    /// 32-bit chunk number.
    static let positionPointerSize = 9
    /// In a `PosPointer` index byte: set when the chunk is the vint tail.
    static let pointerTailFlag: UInt8 = 0x80
    /// In a packed position chunk header: set on the last packed chunk of a term.
    static let chunkLastFlag: UInt8 = 0x80
    /// In a packed position chunk header: the bit width.
    static let chunkWidthMask: UInt8 = 0x3F

    /// The number of skip entries of a term with `docFreq` documents: one per full block plus one
    /// for a non-empty tail, or none when there is no full block.
    @inline(__always)
    static func skipEntryCount(docFreq: UInt32) -> Int {
        docFreq < UInt32(blockLength) ? 0 : (Int(docFreq) + blockLength - 1) / blockLength
    }

    /// The size in bytes of a term's skip table.
    @inline(__always)
    static func skipTableSize(entries: Int, hasPositions: Bool) -> Int {
        entries * (lastDocEntrySize + metaEntrySize + (hasPositions ? positionPointerSize : 0))
    }
}
