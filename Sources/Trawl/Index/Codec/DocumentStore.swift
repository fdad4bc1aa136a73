import CTrawlZlib

/// The stored fields of one document, as kept in the document store.
struct StoredDocument: Sendable, Equatable {
    /// The external id.
    var id: String
    /// The title.
    var title: String
    /// The date, if any.
    var date: DocumentDate?
    /// The body; empty when the index does not store bodies, and when a body stored in chunks
    /// was read with ``DocumentStoreReader/BodyReading/deferred``.
    var body: String
    /// Extra stored fields, sorted by name.
    var fields: [(String, String)]
    /// The line of the source file the body starts on (``Document/bodyLine``).
    var bodyLine: Int? = nil
    /// For a large body stored in chunks, where each chunk starts; empty for a body stored whole.
    var bodyChunks: [BodyChunk] = []
    /// The body's length in UTF-8 bytes (also known when the body was not read).
    var bodyLength: Int = 0

    static func == (a: StoredDocument, b: StoredDocument) -> Bool {
        a.id == b.id && a.title == b.title && a.date == b.date && a.body == b.body
            && a.fields.elementsEqual(b.fields, by: { $0 == $1 }) && a.bodyLine == b.bodyLine
            && a.bodyChunks.map(\.start) == b.bodyChunks.map(\.start)
    }

    /// Builds the stored form of a document; `bodyChunks` come from the analysis of a large body
    /// (``BodyChunking``).
    init(_ document: Document, storeBody: Bool, bodyChunks: [BodyChunk] = []) {
        self.init(document, fields: document.fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value.description) },
                  storeBody: storeBody, bodyChunks: bodyChunks)
    }

    /// The stored form of `document` with `fields` (sorted by name) as its stored fields.
    init(_ document: Document, fields: [(String, String)], storeBody: Bool, bodyChunks: [BodyChunk] = []) {
        id = document.id
        title = document.title
        date = document.date
        body = storeBody ? document.body : ""
        bodyLength = body.utf8.count
        self.fields = fields
        bodyLine = storeBody ? document.bodyLine : nil
        self.bodyChunks = storeBody ? bodyChunks : []
    }

    init(id: String, title: String, date: DocumentDate?, body: String, fields: [(String, String)],
         bodyLine: Int? = nil, bodyChunks: [BodyChunk] = [], bodyLength: Int? = nil) {
        self.id = id
        self.title = title
        self.date = date
        self.body = body
        self.fields = fields
        self.bodyLine = bodyLine
        self.bodyChunks = bodyChunks
        self.bodyLength = bodyLength ?? body.utf8.count
    }

    /// Flag bits of the byte after the title (bits 0–1 are the date kind).
    private static let hasBodyLine: UInt8 = 1 << 2
    private static let chunkedBody: UInt8 = 1 << 3

    /// Appends the serialized form; a chunked body's chunks are frames `firstFrame...`.
    func serialize(into writer: inout ByteWriter, firstFrame: Int) {
        writer.writeString(id)
        writer.writeString(title)
        var flags: UInt8 = date == nil ? 0 : date?.precision == .day ? 1 : 2
        if bodyLine != nil { flags |= StoredDocument.hasBodyLine }
        if !bodyChunks.isEmpty { flags |= StoredDocument.chunkedBody }
        writer.write(flags)
        if let date { writer.write(date.secondsSinceEpoch) }
        if let bodyLine { writer.writeVInt(bodyLine) }
        if bodyChunks.isEmpty {
            writer.writeString(body)
        } else {
            writer.writeVInt(bodyLength)
            writer.writeVInt(bodyChunks.count)
            writer.writeVInt(firstFrame)
            for (i, chunk) in bodyChunks.enumerated() {
                let end = i + 1 < bodyChunks.count ? bodyChunks[i + 1].start : bodyLength
                writer.writeVInt(end - chunk.start)
                writer.writeVInt(chunk.firstPosition)
                writer.writeVInt(chunk.linesBefore)
            }
        }
        writer.writeVInt(fields.count)
        for (name, value) in fields {
            writer.writeString(name)
            writer.writeString(value)
        }
    }

    /// Reads one serialized document; a chunked body is left empty, its chunks carrying their
    /// frame numbers (checked against `frameCount`).
    static func deserialize(_ reader: inout ByteReader, frameCount: Int) throws(TrawlError) -> StoredDocument {
        let id = try reader.readString()
        let title = try reader.readString()
        let flags = try reader.readByte()
        guard flags & ~(3 | hasBodyLine | chunkedBody) == 0 else { throw reader.corrupt("bad document flags \(flags)") }
        var date: DocumentDate?
        switch flags & 3 {
        case 0: date = nil
        case 1, 2: date = DocumentDate(secondsSinceEpoch: try reader.readInt64(), precision: flags & 3 == 1 ? .day : .second)
        default: throw reader.corrupt("bad date tag \(flags & 3)")
        }
        let bodyLine = flags & hasBodyLine != 0 ? try reader.readVInt(max: Int(Int32.max)) : nil
        var body = ""
        var chunks: [BodyChunk] = []
        var bodyLength: Int?
        if flags & chunkedBody != 0 {
            let length = try reader.readVInt(max: Int(Int32.max))
            let count = try reader.readVInt(max: length)
            let firstFrame = try reader.readVInt(max: frameCount)
            guard count > 0, firstFrame + count <= frameCount else { throw reader.corrupt("body chunks outside the store's frames") }
            chunks.reserveCapacity(count)
            var start = 0
            for i in 0..<count {
                let chunkLength = try reader.readVInt(max: length - start)
                chunks.append(BodyChunk(start: start, length: chunkLength, firstPosition: try reader.readVInt(max: Int(Int32.max)),
                                        linesBefore: try reader.readVInt(max: length), frame: firstFrame + i))
                start += chunkLength
            }
            guard start == length else { throw reader.corrupt("body chunks do not add up to the body") }
            bodyLength = length
        } else {
            body = try reader.readString()
        }
        let count = try reader.readVInt(max: reader.remaining)
        var fields: [(String, String)] = []
        fields.reserveCapacity(count)
        for _ in 0..<count {
            let name = try reader.readString()
            fields.append((name, try reader.readString()))
        }
        return StoredDocument(id: id, title: title, date: date, body: body, fields: fields, bodyLine: bodyLine,
                              bodyChunks: chunks, bodyLength: bodyLength)
    }
}

/// One chunk of a large stored body.
struct BodyChunk: Sendable, Equatable {
    /// The chunk's first byte in the body.
    var start: Int
    /// The chunk's length in bytes (set when read from a store).
    var length: Int = 0
    /// The position of the first indexed word that starts in the chunk (the previous chunk's
    /// value when it has none), so a match position leads to its chunk.
    var firstPosition: Int
    /// Line feeds in the body before the chunk.
    var linesBefore: Int
    /// The store frame holding the chunk (set when read from a store).
    var frame: Int = -1
}

/// Cuts large bodies into chunks so a snippet reads and analyzes a bounded window of them.
enum BodyChunking {
    /// Bodies longer than this many UTF-8 bytes are stored in chunks.
    static let threshold = 64 * 1024
    /// The target chunk length in bytes.
    static let chunkLength = 16 * 1024

    /// Where the chunks of `body` start (empty when it is stored whole): about every
    /// ``chunkLength`` bytes, just after a space or line break when one is near, otherwise
    /// at a character boundary.
    static func starts(of body: UnsafeRawBufferPointer) -> [Int] {
        guard body.count > threshold else { return [] }
        var starts = [0]
        var at = chunkLength
        while at < body.count - chunkLength / 4 {
            var cut = at
            let searchEnd = min(body.count, at + 1024)
            while cut < searchEnd, !TextDecoding.isSpace(body[cut]) { cut += 1 }
            if cut < searchEnd {
                cut += 1
            } else {
                cut = at
                while cut < body.count, body[cut] & 0xC0 == 0x80 { cut += 1 }
            }
            guard cut < body.count else { break }
            starts.append(cut)
            at = cut + chunkLength
        }
        return starts
    }

    /// The chunks starting at `starts`, with first positions from `firstPositions` (the
    /// position of the first token at or after each start, −1 for none) and line counts.
    static func chunks(of body: UnsafeRawBufferPointer, starts: [Int], firstPositions: [Int]) -> [BodyChunk] {
        var chunks: [BodyChunk] = []
        chunks.reserveCapacity(starts.count)
        var lines = 0, counted = 0, lastPosition = 0
        for (i, start) in starts.enumerated() {
            if start > counted {
                lines += TextDecoding.lineFeeds(in: body, counted..<start)
                counted = start
            }
            if firstPositions[i] >= 0 { lastPosition = firstPositions[i] }
            chunks.append(BodyChunk(start: start, firstPosition: lastPosition, linesBefore: lines))
        }
        return chunks
    }
}

/// zlib compression of byte blocks.
enum BlockCompression {
    /// Compresses `input` with zlib at `level`.
    static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
        var bound = Int(compressBound(uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let status = input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                var length = uLongf(bound)
                let r = compress2(dst.baseAddress, &length, src.baseAddress, uLong(input.count), level)
                bound = Int(length)
                return r
            }
        }
        precondition(status == Z_OK, "zlib compress2 failed with a correctly sized buffer")
        output.removeSubrange(bound...)
        return output
    }

    /// Decompresses `input` that must expand to exactly `expectedLength` bytes.
    static func decompress(_ input: UnsafeRawBufferPointer, expectedLength: Int, fileName: String) throws(TrawlError) -> [UInt8] {
        guard expectedLength >= 0, expectedLength <= 1 << 30 else {
            throw TrawlError(.corruptIndex, "index file is damaged: implausible block length \(expectedLength)", path: fileName)
        }
        var output = [UInt8](repeating: 0, count: max(expectedLength, 1))
        var length = uLongf(expectedLength)
        let status = output.withUnsafeMutableBufferPointer { dst in
            uncompress(dst.baseAddress, &length, input.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(input.count))
        }
        guard status == Z_OK, Int(length) == expectedLength else {
            throw TrawlError(.corruptIndex, "index file is damaged: a compressed block does not decompress (zlib \(status))", path: fileName)
        }
        if expectedLength == 0 { output.removeAll() }
        return output
    }
}

/// Writes the document store: stored fields in zlib-compressed blocks, and large bodies in
/// separately compressed chunks (frames).
///
/// ```
/// DocumentStore := Header, <Block>^BlockCount, <Frame>^FrameCount, BlockIndex, FrameIndex,
///                  IndexOffset (UInt64, where BlockIndex starts), Footer
/// Block         := UncompressedLength (UInt32), CompressedLength (UInt32), zlib bytes
///                  (uncompressed: DocCount (vint), <DocLength (vint)>^DocCount, <StoredDocument>^DocCount)
/// Frame         := UncompressedLength (UInt32), CompressedLength (UInt32), zlib bytes (one body chunk)
/// BlockIndex    := BlockCount (vint), <FirstDocID (vint delta), BlockOffset (vint delta)>^BlockCount
/// FrameIndex    := FrameCount (vint), <FrameOffset (vint delta from the previous frame, the
///                  first from 0)>^FrameCount        (absent in format 2: no frames)
/// StoredDocument:= Id, Title (strings: vint length + UTF-8), Flags (byte), [Seconds (Int64)],
///                  [BodyLine (vint)], Body, FieldCount (vint), <Name, Value>^FieldCount
/// Flags         := bits 0–1 the date kind (0 none, 1 day, 2 second; Seconds follows unless 0),
///                  bit 2 BodyLine follows, bit 3 the body is chunked; other bits zero
/// Body          := String (not chunked)
///                | BodyLength (vint), ChunkCount (vint), FirstFrame (vint),
///                  <ChunkLength (vint), FirstPosition (vint), LinesBefore (vint)>^ChunkCount
/// ```
/// A document is read with one binary search of the in-memory block index and its block
/// inflated only as far as the document's end (``PrefixInflater``): the lengths, then the
/// documents up to it. A body longer than
/// ``BodyChunking/threshold`` is cut into chunks of about ``BodyChunking/chunkLength`` bytes,
/// each its own frame (chunk `i` is frame `FirstFrame + i`); `FirstPosition` is the position
/// of the chunk's first indexed word, so a snippet decompresses and analyzes only the chunks
/// around a match, whatever the body's size.
struct DocumentStoreWriter {
    /// Uncompressed bytes per block before it is compressed. A hit's snippet inflates its block
    /// up to the document, so smaller blocks read less per hit. On Reuters, 16 KiB against
    /// 32 KiB: the store 6 % larger (the whole index 3 %), snippet searches 1.4× faster.
    static let blockSize = 16 * 1024

    private var pending = ByteWriter(capacity: blockSize + 4096)
    private var pendingLengths: [Int] = []
    private var pendingFirstDoc = 0
    private var blocks: [(firstDoc: Int, bytes: [UInt8])] = []
    private var frames: [[UInt8]] = []
    private(set) var documentCount = 0
    /// Compressed bytes held so far (for memory accounting).
    private(set) var compressedBytes = 0

    /// Appends the next document (ids are assigned in order).
    mutating func add(_ document: StoredDocument) {
        let firstFrame = frames.count
        if !document.bodyChunks.isEmpty {
            var body = document.body
            body.withUTF8 { bytes in
                for (i, chunk) in document.bodyChunks.enumerated() {
                    let end = i + 1 < document.bodyChunks.count ? document.bodyChunks[i + 1].start : bytes.count
                    let frame = DocumentStoreWriter.frame(Array(bytes[chunk.start..<end]))
                    compressedBytes += frame.count
                    frames.append(frame)
                }
            }
        }
        let before = pending.count
        document.serialize(into: &pending, firstFrame: firstFrame)
        pendingLengths.append(pending.count - before)
        documentCount += 1
        if pending.count >= DocumentStoreWriter.blockSize { sealBlock() }
    }

    /// Lengths and zlib bytes of `raw`.
    private static func frame(_ raw: [UInt8]) -> [UInt8] {
        let compressed = BlockCompression.compress(raw)
        var block = ByteWriter(capacity: compressed.count + 8)
        block.write(UInt32(raw.count))
        block.write(UInt32(compressed.count))
        block.write(contentsOf: compressed)
        return block.bytes
    }

    private mutating func sealBlock() {
        guard !pendingLengths.isEmpty else { return }
        var raw = ByteWriter(capacity: pending.count + pendingLengths.count * 2 + 8)
        raw.writeVInt(pendingLengths.count)
        for length in pendingLengths { raw.writeVInt(length) }
        raw.write(contentsOf: pending.bytes)
        let block = DocumentStoreWriter.frame(raw.bytes)
        blocks.append((pendingFirstDoc, block))
        compressedBytes += block.count
        pendingFirstDoc = documentCount
        pendingLengths.removeAll(keepingCapacity: true)
        pending.removeAll()
    }

    /// Writes the store as the payload of `file` (kind ``FileEnvelope/Kind/documentStore``).
    mutating func write(to file: IndexFileWriter) throws(TrawlError) {
        sealBlock()
        var offsets: [Int] = []
        for block in blocks {
            offsets.append(file.position)
            file.buffer.write(contentsOf: block.bytes)
            try file.flushIfNeeded()
        }
        var frameOffsets: [Int] = []
        frameOffsets.reserveCapacity(frames.count)
        for frame in frames {
            frameOffsets.append(file.position)
            file.buffer.write(contentsOf: frame)
            try file.flushIfNeeded()
        }
        let indexOffset = file.position
        file.buffer.writeVInt(blocks.count)
        var lastDoc = 0, lastOffset = 0
        for (i, block) in blocks.enumerated() {
            file.buffer.writeVInt(block.firstDoc - lastDoc)
            file.buffer.writeVInt(offsets[i] - lastOffset)
            lastDoc = block.firstDoc
            lastOffset = offsets[i]
        }
        file.buffer.writeVInt(frameOffsets.count)
        lastOffset = 0
        for offset in frameOffsets {
            file.buffer.writeVInt(offset - lastOffset)
            lastOffset = offset
        }
        file.buffer.write(UInt64(indexOffset))
    }
}

/// A zlib stream inflated only as far as a reader needs: the output buffer has the block's
/// full length, and ``inflate(upTo:)`` runs zlib until that many bytes are out.
final class PrefixInflater {
    private var stream = z_stream()
    private let buffer: UnsafeMutableRawBufferPointer
    private let fileName: String
    private var started = false
    private let rawLength: Int
    /// Bytes inflated so far.
    private(set) var produced = 0

    /// Prepares to inflate `compressed`, which must expand to exactly `rawLength` bytes.
    init(_ compressed: UnsafeRawBufferPointer, rawLength: Int, fileName: String) throws(TrawlError) {
        // Deflate expands at most about 1,032 times: a larger length is damage, not data.
        guard rawLength >= 0, rawLength <= 1 << 30, rawLength <= compressed.count &* 1032 &+ 64,
              compressed.count <= Int(UInt32.max) else {
            throw TrawlError(.corruptIndex, "index file is damaged: implausible block length \(rawLength)", path: fileName)
        }
        // The zlib header (two bytes: deflate, no preset dictionary) is checked here and the
        // deflate data after it inflated raw: the Adler-32 trailer is never reached by a
        // prefix, so it is not computed either.
        guard compressed.count >= 2, compressed[0] & 0x0F == 8, compressed[1] & 0x20 == 0,
              (Int(compressed[0]) << 8 | Int(compressed[1])) % 31 == 0 else {
            throw TrawlError(.corruptIndex, "index file is damaged: a compressed block has no zlib header", path: fileName)
        }
        // From here on the instance is whole: a throw runs `deinit`, which frees the buffer.
        buffer = .allocate(byteCount: max(rawLength, 1), alignment: 8)
        self.rawLength = rawLength
        self.fileName = fileName
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TrawlError(.corruptIndex, "zlib could not start", path: fileName)
        }
        started = true
        stream.next_in = UnsafeMutablePointer(mutating: compressed.baseAddress?.advanced(by: 2).assumingMemoryBound(to: Bytef.self))
        stream.avail_in = UInt32(compressed.count - 2)
        stream.next_out = buffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = 0
    }

    deinit {
        if started { inflateEnd(&stream) }
        buffer.deallocate()
    }

    /// Inflates until at least `end` bytes (at most the block's length) are out.
    func inflate(upTo end: Int) throws(TrawlError) {
        let target = min(end, rawLength)
        while produced < target {
            stream.next_out = buffer.baseAddress?.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
            stream.avail_out = UInt32(target - produced)
            let status = CTrawlZlib.inflate(&stream, Z_SYNC_FLUSH)
            let made = (target - produced) - Int(stream.avail_out)
            produced += made
            switch status {
            case Z_OK:
                continue  // progress was made
            case Z_STREAM_END where produced == rawLength:
                return
            default:  // no progress possible, a damaged stream, or one shorter than its block
                throw TrawlError(.corruptIndex, "index file is damaged: a compressed block does not decompress (zlib \(status))", path: fileName)
            }
        }
    }

    /// The first `end` inflated bytes (valid while the inflater lives).
    func output(upTo end: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<min(end, produced)])
    }
}

/// Reads stored documents from a mapped document store.
struct DocumentStoreReader: Sendable {
    /// How much of a chunked body ``document(_:body:)`` reads.
    enum BodyReading {
        /// The whole body, every chunk decompressed.
        case whole
        /// Nothing of a chunked body (its chunks are read one by one with ``chunk(_:)``); a body
        /// stored whole is read whole.
        case deferred
    }

    private let input: IndexInput
    private let firstDocs: [Int]
    private let offsets: [Int]
    private let frameOffsets: [Int]
    private let payloadEnd: Int
    /// Number of documents.
    let documentCount: Int

    /// Opens a document store and loads its block and frame indexes.
    init(input: IndexInput, segmentID: SegmentID, documentCount: Int) throws(TrawlError) {
        self.input = input
        self.documentCount = documentCount
        let payload = try FileEnvelope.validate(input.bytes, kind: .documentStore, segmentID: segmentID, fileName: input.name)
        var tail = ByteReader(input.bytes, offset: payload.upperBound - 8, fileName: input.name)
        let indexOffset = Int(clamping: try tail.readUInt64())
        guard indexOffset >= payload.lowerBound, indexOffset <= payload.upperBound - 8 else {
            throw tail.corrupt("block index offset out of range")
        }
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: input.bytes[0..<(payload.upperBound - 8)]), offset: indexOffset, fileName: input.name)
        let count = try reader.readVInt(max: reader.remaining)
        var firstDocs: [Int] = [], offsets: [Int] = []
        firstDocs.reserveCapacity(count)
        offsets.reserveCapacity(count)
        var doc = 0, offset = 0
        for _ in 0..<count {
            doc += try reader.readVInt(max: documentCount)
            offset += try reader.readVInt(max: indexOffset)
            guard doc <= documentCount, offset >= payload.lowerBound, offset < indexOffset else {
                throw reader.corrupt("block index entry out of range")
            }
            firstDocs.append(doc)
            offsets.append(offset)
        }
        guard (count == 0 && documentCount == 0) || firstDocs.first == 0 else {
            throw reader.corrupt("block index does not start at document 0")
        }
        // Format 2 stores end here; format 3 adds the frame index.
        var frameOffsets: [Int] = []
        if reader.remaining > 0 {
            let frameCount = try reader.readVInt(max: reader.remaining)
            frameOffsets.reserveCapacity(frameCount)
            offset = 0
            for _ in 0..<frameCount {
                offset += try reader.readVInt(max: indexOffset)
                guard offset >= (offsets.last ?? payload.lowerBound), offset < indexOffset,
                      offset >= (frameOffsets.last ?? 0) else {
                    throw reader.corrupt("frame index entry out of range")
                }
                frameOffsets.append(offset)
            }
        }
        self.firstDocs = firstDocs
        self.offsets = offsets
        self.frameOffsets = frameOffsets
        self.payloadEnd = indexOffset
    }

    /// Reads and decompresses the block or frame at `offset`, which ends by `end`.
    private func decompressed(at offset: Int, end: Int) throws(TrawlError) -> [UInt8] {
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: input.bytes[0..<end]), offset: offset, fileName: input.name)
        let rawLength = Int(try reader.readUInt32())
        let compressedLength = Int(try reader.readUInt32())
        let compressed = try reader.readBytes(compressedLength)
        return try BlockCompression.decompress(compressed, expectedLength: rawLength, fileName: input.name)
    }

    /// Reads document `docID`.
    func document(_ docID: Int, body: BodyReading = .whole) throws(TrawlError) -> StoredDocument {
        guard docID >= 0, docID < documentCount else {
            throw TrawlError(.invalidArgument, "document \(docID) is outside the segment", path: input.name)
        }
        // Last block whose first doc <= docID.
        var lo = 0, hi = firstDocs.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if firstDocs[mid] <= docID { lo = mid } else { hi = mid - 1 }
        }
        let blockEnd = lo + 1 < offsets.count ? offsets[lo + 1] : frameOffsets.first ?? payloadEnd
        var header = ByteReader(UnsafeRawBufferPointer(rebasing: input.bytes[0..<blockEnd]), offset: offsets[lo], fileName: input.name)
        let rawLength = Int(try header.readUInt32())
        let compressedLength = Int(try header.readUInt32())
        let compressed = try header.readBytes(compressedLength)
        // Inflate only as far as the document ends: the lengths first, then up to the
        // document (on average half the block; the block's own checksum is not reached, the
        // file's is checked by `trawl check`).
        let block = try PrefixInflater(compressed, rawLength: rawLength, fileName: input.name)
        let index = docID - firstDocs[lo]
        var lengthsEnd = min(rawLength, 64)
        var documentStart = 0, documentEnd = 0
        // The lengths, read again from the start each time more bytes are out; a length cut
        // off by the end of the bytes so far asks for more (unless the block is all out).
        parsing: while true {
            try block.inflate(upTo: lengthsEnd)
            var lengths = ByteReader(block.output(upTo: lengthsEnd), fileName: input.name)
            let complete = lengthsEnd == rawLength
            guard complete || lengths.holdsCompleteVInt() else { lengthsEnd = min(rawLength, lengthsEnd * 4); continue }
            let count = try lengths.readVInt(max: rawLength)
            guard index < count else { throw lengths.corrupt("document missing from its block") }
            var skip = 0, length = 0
            for i in 0..<count {
                guard complete || lengths.holdsCompleteVInt() else { lengthsEnd = min(rawLength, lengthsEnd * 4); continue parsing }
                let next = try lengths.readVInt(max: rawLength)
                if i < index { skip += next } else if i == index { length = next }
            }
            documentStart = lengths.offset + skip
            documentEnd = documentStart + length
            break
        }
        guard documentEnd <= rawLength else {
            throw TrawlError(.corruptIndex, "index file is damaged: a document runs past its block", path: input.name)
        }
        try block.inflate(upTo: documentEnd)
        var reader = ByteReader(block.output(upTo: documentEnd), offset: documentStart, fileName: input.name)
        var document = try StoredDocument.deserialize(&reader, frameCount: frameOffsets.count)
        withExtendedLifetime(block) {}
        if body == .whole, !document.bodyChunks.isEmpty {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(document.bodyLength)
            for chunk in document.bodyChunks { bytes.append(contentsOf: try self.chunk(chunk)) }
            document.body = String(decoding: bytes, as: UTF8.self)
        }
        return document
    }

    /// The bytes of one chunk of a chunked body (read with ``BodyReading/deferred``).
    func chunk(_ chunk: BodyChunk) throws(TrawlError) -> [UInt8] {
        guard chunk.frame >= 0, chunk.frame < frameOffsets.count else {
            throw TrawlError(.corruptIndex, "index file is damaged: body chunk \(chunk.frame) missing", path: input.name)
        }
        let end = chunk.frame + 1 < frameOffsets.count ? frameOffsets[chunk.frame + 1] : payloadEnd
        let bytes = try decompressed(at: frameOffsets[chunk.frame], end: end)
        guard bytes.count == chunk.length else {
            throw TrawlError(.corruptIndex, "index file is damaged: body chunk \(chunk.frame) has the wrong length", path: input.name)
        }
        return bytes
    }

    /// Verifies the file's checksum.
    func verifyChecksum() throws(TrawlError) {
        try FileEnvelope.verifyChecksum(input.bytes, fileName: input.name)
    }
}
