// Hooks for the benchmark package (`benchmarks/`), which cannot see internal declarations.
// They live in this folder, apart from the code they wrap, so that nothing else depends on them.
//
// Everything here is `@_spi(Benchmarks)`: invisible to a plain `import Trawl`, visible to
// `@_spi(Benchmarks) import Trawl`. It is not API: it may change with any commit. It wraps the
// internal codec and snippet code in a few coarse calls so that a benchmark measures the
// internal loop itself (the calls below run whole loops inside this module, where they are
// optimized together with the codec) rather than a cross-module call per posting.
//
// - ``BenchmarkPostingList`` (this file): one long posting list in memory, decoded with `next()`
//   or walked with `advance(to:)` over its skip data.
// - ``BenchmarkSnippets`` (BenchmarkSnippets.swift): the snippet builder that
//   `IndexReader.search` runs per returned hit.
//
// Search itself is benchmarked through the public API (`IndexWriter`, `IndexReader`,
// `SearchRequest`, `QueryParser`).

/// One term's posting list, written into an in-memory segment by the real ``SegmentWriter`` and
/// read back through ``SegmentReader`` and ``PostingsCursor`` (bit-packed blocks of 128 doc ids
/// and frequencies, a skip table, a variable-length tail).
///
/// The list is seeded and deterministic: doc-id gaps uniform in `1...maxGap`, frequencies 1 for
/// three quarters of the documents and 2...6 otherwise (the shape of a common word in text).
///
/// ```swift
/// let list = try BenchmarkPostingList(documentCount: 4_000_000)
/// let checksum = list.decodeAll()          // 2 × 4M integers decoded
/// let (advances, _) = list.advanceAll(stride: 1024)
/// ```
@_spi(Benchmarks)
public final class BenchmarkPostingList: Sendable {
    /// The number of documents (postings) in the list.
    public let documentCount: Int
    /// The largest document id.
    public let lastDocument: Int
    /// The size of the encoded postings, skip table included, in bytes.
    public let encodedByteCount: Int
    private let reader: SegmentReader
    private let info: TermPostingsInfo
    private static let field = "list"

    /// Writes the list. Cost: one pass of the segment writer over `documentCount` postings, and
    /// the segment's per-document files (empty documents up to the last doc id).
    ///
    /// - Parameters:
    ///   - documentCount: postings to write (at least 2).
    ///   - maxGap: the largest gap between consecutive doc ids (at least 1); the mean gap is
    ///     `(1 + maxGap) / 2`.
    ///   - seed: the seed of the gaps and frequencies.
    public init(documentCount: Int, maxGap: Int = 8, seed: UInt64 = 42) throws(TrawlError) {
        precondition(documentCount >= 2 && maxGap >= 1, "need at least 2 documents and a positive gap")
        precondition(UInt64(documentCount) * UInt64(maxGap) < UInt64(Int32.max), "doc ids would overflow a segment")
        var random = SeededGenerator(seed: seed)
        var list = PostingListsSegment.PostingList(term: Array(Self.field.utf8))
        list.docs.reserveCapacity(documentCount)
        list.freqs.reserveCapacity(documentCount)
        var doc: UInt32 = 0
        for _ in 0..<documentCount {
            let r = random.next()
            list.docs.append(doc)
            list.freqs.append(r & 3 == 0 ? 2 + UInt32((r >> 2) % 5) : 1)
            doc += 1 + UInt32((r >> 16) % UInt64(maxGap))
        }
        let last = list.docs[documentCount - 1]
        let segment = PostingListsSegment(fields: [.init(name: Self.field, hasPositions: false, lists: [list])],
                                          documentCount: Int(last) + 1)
        let reader = try segment.write(to: MemoryDirectory(), name: "bench")
        guard let info = try withTypedUTF8(Self.field, { (term) throws(TrawlError) in
            try reader.termInfo(field: Self.field, term: term)
        }) else {
            throw TrawlError(.corruptIndex, "the benchmark's posting list is missing")
        }
        self.reader = reader
        self.info = info
        self.documentCount = documentCount
        lastDocument = Int(last)
        encodedByteCount = reader.postings.bytes.count - FileEnvelope.headerSize - FileEnvelope.footerSize
    }

    /// Decodes the whole list with `next()`, reading every doc id and frequency (two integers
    /// per posting), and returns a checksum of them. Cost: ``documentCount`` postings; one
    /// allocation (the cursor's decode buffers).
    @inline(never)
    public func decodeAll() -> UInt64 {
        guard var cursor = try? reader.cursor(field: Self.field, info: info) else { return 0 }
        var sum: UInt64 = 0
        var d = cursor.doc
        while d != PostingsCursor.noMoreDocs {
            sum &+= UInt64(d) &+ UInt64(cursor.freq) << 32
            d = cursor.next()
        }
        return sum
    }

    /// Walks the list with `advance(to:)` to the targets `stride`, `2 × stride`, … up to
    /// ``lastDocument``, reading the frequency at each stop; returns how many advances ran and a
    /// checksum. A stride larger than 128 mean gaps jumps over whole blocks through the skip
    /// table (binary or galloping search over the blocks' last doc ids) and decodes only the block
    /// that holds the target. Cost: `lastDocument / stride` advances.
    @inline(never)
    public func advanceAll(stride: Int) -> (advances: Int, checksum: UInt64) {
        precondition(stride >= 1, "stride must be positive")
        guard var cursor = try? reader.cursor(field: Self.field, info: info) else { return (0, 0) }
        var sum: UInt64 = 0
        var advances = 0
        var target = stride
        while target <= lastDocument {
            let d = cursor.advance(to: UInt32(target))
            if d == PostingsCursor.noMoreDocs { break }
            sum &+= UInt64(d) &+ UInt64(cursor.freq)
            advances &+= 1
            target &+= stride
        }
        return (advances, sum)
    }
}

/// A segment holding only given posting lists, written by ``SegmentWriter`` like any other and
/// read back through ``SegmentReader``: for the postings benchmarks and the codec tests. Every
/// document is empty (no id, no date, nothing stored); a field with positions has the given
/// length codes, one per document.
struct PostingListsSegment: SegmentSource {
    /// One term's postings.
    struct PostingList {
        /// The term's bytes.
        var term: [UInt8]
        /// The documents, increasing.
        var docs: [UInt32] = []
        /// The frequency in each document.
        var freqs: [UInt32] = []
        /// The positions in each document, `freq` of them (fields with positions only).
        var positions: [[UInt32]] = []
    }

    /// One field.
    struct Field {
        /// The field's name.
        var name: String
        /// Whether positions and field lengths are written.
        var hasPositions: Bool
        /// The length code of every document (fields with positions only).
        var lengthCodes: [UInt8] = []
        /// The posting lists, in the terms' byte order.
        var lists: [PostingList]
    }

    /// The fields, in number order.
    let fields: [Field]
    let documentCount: Int

    var indexedFields: [(name: String, hasPositions: Bool)] { fields.map { ($0.name, $0.hasPositions) } }

    func columns() -> [ColumnData] { [] }

    func lengthCodes(ofField number: Int) -> [UInt8] { fields[number].lengthCodes }

    func writeTerms(ofField number: Int, to terms: SegmentTermsWriter) throws(TrawlError) {
        let field = fields[number]
        let none: [UInt32] = []
        for list in field.lists {
            for i in list.docs.indices {
                let positions = field.hasPositions ? list.positions[i] : none
                try terms.add(doc: list.docs[i], freq: list.freqs[i], positions: positions, count: positions.count)
            }
            try terms.finishTerm(list.term)
        }
    }

    func statistics(ofField number: Int) -> (documentCount: Int, totalLength: Int) {
        let codes = fields[number].lengthCodes
        return (codes.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }, codes.reduce(0) { $0 + Int(FieldLengthCode.decode($1)) })
    }

    func storedDocuments() -> DocumentStoreWriter {
        var store = DocumentStoreWriter()
        let empty = StoredDocument(id: "", title: "", date: nil, body: "", fields: [])
        for _ in 0..<documentCount { store.add(empty) }
        return store
    }

    func dates() -> Repeated<Int64> { repeatElement(DateColumn.missing, count: documentCount) }

    func identifiers() -> Repeated<String> { repeatElement("", count: documentCount) }

    func deletions() -> LiveDocuments? { nil }

    /// Writes the segment as `name` and opens it.
    func write(to directory: any IndexDirectory, name: String) throws(TrawlError) -> SegmentReader {
        let meta = try SegmentWriter.write(self, to: directory, name: name, storesBody: false, sync: false)
        return try SegmentReader(directory: directory, meta: meta)
    }
}
