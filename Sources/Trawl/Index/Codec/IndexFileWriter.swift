/// Writes one index file as a stream: header, payload, footer with a running CRC-32.
///
/// Payload bytes go into ``buffer`` (a ``ByteWriter``) and are flushed to the output once the
/// buffer passes a threshold, so files larger than memory (merges of big segments) stream to disk.
/// ``position`` is the absolute offset in the file of the next byte written, which is what
/// other structures record as pointers into this file.
final class IndexFileWriter {
    /// The file's name inside the index folder.
    let name: String
    /// Bytes not yet flushed. Append to it directly, then call ``flushIfNeeded()``.
    @exclusivity(unchecked) var buffer = ByteWriter(capacity: 1 << 16)
    private let output: any IndexOutput
    @exclusivity(unchecked) private var flushedBytes = 0
    @exclusivity(unchecked) private var crc: UInt32 = 0
    @exclusivity(unchecked) private var finished = false
    private static let flushThreshold = 1 << 20

    /// Creates the file and writes its header.
    init(directory: any IndexDirectory, name: String, kind: FileEnvelope.Kind, segmentID: SegmentID) throws(TrawlError) {
        self.name = name
        self.output = try directory.createOutput(name)
        FileEnvelope.writeHeader(&buffer, kind: kind, segmentID: segmentID)
    }

    deinit { if !finished { output.abandon() } }

    /// The absolute file offset of the next byte.
    var position: Int { flushedBytes + buffer.count }

    /// Flushes the buffer when it has grown past the threshold.
    @inline(__always) func flushIfNeeded() throws(TrawlError) {
        if buffer.count >= IndexFileWriter.flushThreshold { try flush() }
    }

    private func flush() throws(TrawlError) {
        if buffer.count == 0 { return }
        let bytes = buffer.bytes
        crc = Checksum.crc32(bytes, initial: crc)
        try output.write(bytes)
        flushedBytes += bytes.count
        buffer.removeAll()
    }

    /// Writes the footer, flushes, fsyncs (when `sync`) and closes. Returns the file size.
    @discardableResult
    func finish(sync: Bool = true) throws(TrawlError) -> Int {
        buffer.write(FileEnvelope.footerMagic)
        crc = Checksum.crc32(buffer.bytes, initial: crc)
        buffer.write(crc)
        try flush()
        try output.finish(sync: sync)
        finished = true
        return flushedBytes
    }
}
