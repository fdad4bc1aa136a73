import CTrawlZlib

/// Raw deflate streams (ZIP members) inflated with zlib, over a bounded input and with a cap
/// on the output.
enum RawInflate {
    /// Why inflating stopped short.
    enum Failure: Error {
        /// The output would exceed the cap.
        case tooLarge
        /// The stream is damaged or ends before its last block.
        case corrupt(String)
    }

    /// Inflates the raw deflate stream in `input`, producing at most `limit` bytes.
    ///
    /// Linear in the input and the output: the input is never read past its end, so a
    /// truncated stream is reported instead of waiting for more.
    static func inflate(_ input: UnsafeRawBufferPointer, limit: Int) -> Result<[UInt8], Failure> {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return .failure(.corrupt("zlib could not start"))
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, max(4096, input.count * 4)))
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var offset = 0
        while true {
            let chunk = min(input.count - offset, Int(UInt32.max >> 1))
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.advanced(by: offset).assumingMemoryBound(to: Bytef.self))
            stream.avail_in = UInt32(chunk)
            let before = stream.avail_in
            let result: Int32 = buffer.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                return CTrawlZlib.inflate(&stream, Z_NO_FLUSH)
            }
            offset += Int(before - stream.avail_in)
            let produced = buffer.count - Int(stream.avail_out)
            if output.count + produced > limit { return .failure(.tooLarge) }
            output.append(contentsOf: buffer[0..<produced])
            switch result {
            case Z_STREAM_END:
                return .success(output)
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: the input ended before the stream did.
                if produced == 0 { return .failure(.corrupt("the compressed data ends too early")) }
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "error \(result)"
                return .failure(.corrupt(message))
            }
        }
    }

    /// The CRC-32 of the bytes.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { Checksum.crc32($0) }
    }
}
