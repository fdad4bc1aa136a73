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

/// One term's posting list, written with the real ``PostingsWriter`` into memory and read back
/// with ``PostingsCursor`` (bit-packed blocks of 128 doc ids and frequencies, a skip table, a
/// variable-length tail).
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
    private let reader: PostingsReader
    private let info: TermPostingsInfo

    /// Writes the list. Cost: one pass of the postings writer over `documentCount` postings.
    ///
    /// - Parameters:
    ///   - documentCount: postings to write (at least 2).
    ///   - maxGap: the largest gap between consecutive doc ids (at least 1); the mean gap is
    ///     `(1 + maxGap) / 2`.
    ///   - seed: the seed of the gaps and frequencies.
    public init(documentCount: Int, maxGap: Int = 8, seed: UInt64 = 42) throws(TrawlError) {
        precondition(documentCount >= 2 && maxGap >= 1, "need at least 2 documents and a positive gap")
        precondition(UInt64(documentCount) * UInt64(maxGap) < UInt64(UInt32.max), "doc ids would overflow")
        let directory = MemoryDirectory()
        let file = try IndexFileWriter(directory: directory, name: "bench.post", kind: .postings, segmentID: .none)
        let writer = PostingsWriter(postings: file, positions: nil)
        var random = SeededGenerator(seed: seed)
        try writer.startTerm()
        var doc: UInt32 = 0
        var last: UInt32 = 0
        for _ in 0..<documentCount {
            let r = random.next()
            let freq: UInt32 = r & 3 == 0 ? 2 + UInt32((r >> 2) % 5) : 1
            try writer.add(doc: doc, freq: freq, lengthCode: UInt8(truncatingIfNeeded: r >> 8))
            last = doc
            doc += 1 + UInt32((r >> 16) % UInt64(maxGap))
        }
        info = try writer.finishTerm()
        try writer.finish(sync: false)
        let input = try directory.openInput("bench.post")
        reader = try PostingsReader(postings: input, positions: nil, segmentID: .none)
        self.documentCount = documentCount
        lastDocument = Int(last)
        encodedByteCount = input.bytes.count - FileEnvelope.headerSize - FileEnvelope.footerSize
    }

    /// Decodes the whole list with `next()`, reading every doc id and frequency (two integers
    /// per posting), and returns a checksum of them. Cost: ``documentCount`` postings; one
    /// allocation (the cursor's decode buffers).
    @inline(never)
    public func decodeAll() -> UInt64 {
        guard var cursor = try? reader.cursor(info) else { return 0 }
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
        guard var cursor = try? reader.cursor(info) else { return (0, 0) }
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
