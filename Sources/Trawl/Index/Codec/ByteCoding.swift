import CTrawlZlib

/// A growable little-endian byte buffer used to serialize every index structure.
///
/// Writers append fixed-width integers, variable-length integers and raw bytes; the buffer is
/// later handed to an ``IndexOutput`` or kept in memory.
struct ByteWriter: Sendable {
    /// The bytes written so far.
    private(set) var bytes: [UInt8]

    /// Creates an empty buffer with room for `capacity` bytes.
    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The number of bytes written so far.
    var count: Int { bytes.count }

    /// Removes all bytes, keeping the capacity.
    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    /// Appends one byte.
    @inline(__always) mutating func write(_ value: UInt8) { bytes.append(value) }

    /// Appends a 16-bit little-endian integer.
    @inline(__always) mutating func write(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    /// Appends a 32-bit little-endian integer.
    @inline(__always) mutating func write(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a 64-bit little-endian integer.
    @inline(__always) mutating func write(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a signed 64-bit little-endian integer.
    @inline(__always) mutating func write(_ value: Int64) { write(UInt64(bitPattern: value)) }

    /// Appends an unsigned LEB128 variable-length integer (7 bits a byte, high bit = more).
    @inline(__always) mutating func writeVInt(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Appends a variable-length integer from an `Int` (which must not be negative).
    @inline(__always) mutating func writeVInt(_ value: Int) { writeVInt(UInt64(value)) }

    /// Appends raw bytes.
    mutating func write<C: Collection>(contentsOf data: C) where C.Element == UInt8 {
        bytes.append(contentsOf: data)
    }

    /// Appends raw bytes from a buffer.
    mutating func write(_ data: UnsafeRawBufferPointer) { bytes.append(contentsOf: data) }

    /// Appends a length-prefixed byte string (vint length, then the bytes).
    mutating func writeBytesWithLength<C: Collection>(_ data: C) where C.Element == UInt8 {
        writeVInt(data.count)
        bytes.append(contentsOf: data)
    }

    /// Appends a length-prefixed UTF-8 string.
    mutating func writeString(_ string: String) {
        var s = string
        s.withUTF8 { writeBytesWithLength($0) }
    }

    /// Overwrites a 32-bit little-endian integer at `offset` (for back-patched lengths).
    mutating func patch(_ value: UInt32, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for i in 0..<4 { bytes[offset + i] = raw[i] }
        }
    }
}

/// A bounds-checked little-endian reader over mapped bytes.
///
/// Every read checks the remaining length and throws ``TrawlError/Code/corruptIndex`` naming the
/// file instead of reading past the end, so a damaged file is reported, never trusted.
struct ByteReader {
    /// The bytes being read.
    let buffer: UnsafeRawBufferPointer
    /// The read position, as an offset into ``buffer``.
    var offset: Int
    /// The file name used in error messages.
    let fileName: String

    /// Creates a reader at `offset`.
    init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0, fileName: String) {
        self.buffer = buffer
        self.offset = offset
        self.fileName = fileName
    }

    /// Bytes left to read.
    var remaining: Int { buffer.count - offset }

    /// Whether the reader is at the end.
    var isAtEnd: Bool { offset >= buffer.count }

    /// An error for a structural problem at the current offset.
    func corrupt(_ what: String) -> TrawlError {
        TrawlError(.corruptIndex, "index file is damaged: \(what) at byte \(offset)", path: fileName)
    }

    @inline(__always) private func need(_ n: Int) throws(TrawlError) {
        if n < 0 || n > buffer.count - offset { throw corrupt("unexpected end of data") }
    }

    /// Reads one byte.
    @inline(__always) mutating func readByte() throws(TrawlError) -> UInt8 {
        try need(1)
        let v = buffer[offset]
        offset += 1
        return v
    }

    /// Reads a 16-bit little-endian integer.
    @inline(__always) mutating func readUInt16() throws(TrawlError) -> UInt16 {
        try need(2)
        let v = buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        offset += 2
        return UInt16(littleEndian: v)
    }

    /// Reads a 32-bit little-endian integer.
    @inline(__always) mutating func readUInt32() throws(TrawlError) -> UInt32 {
        try need(4)
        let v = buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset += 4
        return UInt32(littleEndian: v)
    }

    /// Reads a 64-bit little-endian integer.
    @inline(__always) mutating func readUInt64() throws(TrawlError) -> UInt64 {
        try need(8)
        let v = buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset += 8
        return UInt64(littleEndian: v)
    }

    /// Reads a signed 64-bit little-endian integer.
    @inline(__always) mutating func readInt64() throws(TrawlError) -> Int64 {
        Int64(bitPattern: try readUInt64())
    }

    /// Reads an unsigned LEB128 variable-length integer of at most 10 bytes.
    @inline(__always) mutating func readVInt() throws(TrawlError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try readByte()
            if shift == 63 && b > 1 { throw corrupt("variable-length integer overflows") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw corrupt("variable-length integer too long") }
        }
    }

    /// Whether the bytes from the current offset hold a whole variable-length integer (a byte
    /// below 0x80 ends it): for readers of a buffer that is still being filled.
    func holdsCompleteVInt() -> Bool {
        var i = offset
        while i < buffer.count {
            if buffer[i] < 0x80 { return true }
            i += 1
        }
        return false
    }

    /// Reads a variable-length integer that must fit `limit` (inclusive) and returns it as `Int`.
    @inline(__always) mutating func readVInt(max limit: Int) throws(TrawlError) -> Int {
        let v = try readVInt()
        if v > UInt64(limit) { throw corrupt("value \(v) out of range (at most \(limit))") }
        return Int(v)
    }

    /// Reads `count` raw bytes as a sub-buffer (no copy).
    mutating func readBytes(_ count: Int) throws(TrawlError) -> UnsafeRawBufferPointer {
        try need(count)
        let slice = UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + count)])
        offset += count
        return slice
    }

    /// Reads a length-prefixed byte string (no copy).
    mutating func readBytesWithLength() throws(TrawlError) -> UnsafeRawBufferPointer {
        let n = try readVInt(max: remaining)
        return try readBytes(n)
    }

    /// Reads a length-prefixed UTF-8 string (repairing ill-formed UTF-8).
    mutating func readString() throws(TrawlError) -> String {
        String(decoding: try readBytesWithLength(), as: UTF8.self)
    }

    /// Moves to an absolute offset inside the buffer.
    mutating func seek(to position: Int) throws(TrawlError) {
        if position < 0 || position > buffer.count { throw corrupt("offset \(position) outside the file") }
        offset = position
    }
}

/// CRC-32 (the zlib/IEEE polynomial), computed with zlib.
enum Checksum {
    /// The CRC-32 of `bytes`, continuing from `initial`.
    static func crc32(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        var crc = UInt(initial)
        var base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var left = bytes.count
        while left > 0, let pointer = base {
            let chunk = min(left, Int(UInt32.max >> 1))
            crc = CTrawlZlib.crc32(crc, pointer, UInt32(chunk))
            base = pointer + chunk
            left -= chunk
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// The CRC-32 of a byte array.
    static func crc32(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { crc32($0, initial: initial) }
    }
}
