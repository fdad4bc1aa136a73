/// Which documents of a segment are live (not deleted): a bitmap, one bit per document.
///
/// ```
/// LiveDocuments := Header, DocCount (vint), DeletedCount (vint), <Word (UInt64)>^ceil(DocCount/64), Footer
/// ```
/// Bit `d` set means document `d` is live. Written as a new generation (`<segment>_<gen>.live`)
/// at the commit that deletes documents; a segment without deletions has no such file.
struct LiveDocuments: Sendable, Equatable {
    private(set) var words: [UInt64]
    /// Number of documents covered.
    let documentCount: Int
    /// Number of deleted documents.
    private(set) var deletedCount: Int

    /// All documents live.
    init(allLive documentCount: Int) {
        self.documentCount = documentCount
        deletedCount = 0
        words = [UInt64](repeating: ~0, count: (documentCount + 63) / 64)
        if documentCount % 64 != 0, !words.isEmpty {
            words[words.count - 1] = (UInt64(1) << UInt64(documentCount % 64)) - 1
        }
    }

    /// Whether `doc` is live.
    @inline(__always)
    func isLive(_ doc: Int) -> Bool {
        words[doc >> 6] & (UInt64(1) << UInt64(doc & 63)) != 0
    }

    /// Marks `doc` deleted; returns whether it was live before.
    @discardableResult
    mutating func delete(_ doc: Int) -> Bool {
        let mask = UInt64(1) << UInt64(doc & 63)
        guard words[doc >> 6] & mask != 0 else { return false }
        words[doc >> 6] &= ~mask
        deletedCount += 1
        return true
    }

    /// Number of live documents.
    var liveCount: Int { documentCount - deletedCount }

    /// Writes a live-documents file.
    func write(to directory: any IndexDirectory, name: String, segmentID: SegmentID, sync: Bool) throws(TrawlError) {
        let file = try IndexFileWriter(directory: directory, name: name, kind: .liveDocuments, segmentID: segmentID)
        file.buffer.writeVInt(documentCount)
        file.buffer.writeVInt(deletedCount)
        for word in words { file.buffer.write(word) }
        try file.finish(sync: sync)
    }

    /// Reads and fully validates a live-documents file (checksum and counts).
    static func read(_ input: IndexInput, segmentID: SegmentID, documentCount: Int) throws(TrawlError) -> LiveDocuments {
        let payload = try FileEnvelope.validate(input.bytes, kind: .liveDocuments, segmentID: segmentID, fileName: input.name)
        try FileEnvelope.verifyChecksum(input.bytes, fileName: input.name)
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: input.bytes[0..<payload.upperBound]), offset: payload.lowerBound, fileName: input.name)
        let count = try reader.readVInt(max: Int(Int32.max))
        guard count == documentCount else { throw reader.corrupt("live documents cover \(count) documents, segment has \(documentCount)") }
        let deleted = try reader.readVInt(max: count)
        var live = LiveDocuments(allLive: count)
        var actualDeleted = 0
        for i in 0..<live.words.count {
            var word = try reader.readUInt64()
            if i == live.words.count - 1 && count % 64 != 0 { word &= (UInt64(1) << UInt64(count % 64)) - 1 }
            live.words[i] = word
            actualDeleted += 64 - word.nonzeroBitCount
        }
        if count % 64 != 0 { actualDeleted -= 64 - count % 64 }
        guard actualDeleted == deleted else { throw reader.corrupt("deleted count does not match the bitmap") }
        live.deletedCount = deleted
        return live
    }
}
