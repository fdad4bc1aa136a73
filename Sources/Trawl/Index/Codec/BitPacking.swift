#if _endian(big)
#error("The bit-packed index format assumes a little-endian host (SIMD lanes are loaded as stored).")
#endif

/// Frame-of-reference bit packing of blocks of exactly 128 `UInt32` values, plus the delta helpers
/// used by the postings codec.
///
/// A block packed with bit width `b` (0...32) takes exactly `16 * b` bytes (none for `b == 0`, where
/// every value is zero). The layout is the four-lane "vertical" layout of SIMD-BP128: value `i`
/// lives in lane `i % 4`; the 32 values of each lane are packed little-endian, low bits first, into
/// consecutive 32-bit words; word `w` of lane `l` is stored as the little-endian 32-bit word
/// `4 * w + l` of the block. This lets one 16-byte load feed four values per shift, so unpacking
/// runs at SSE2 speed on any x86-64 or ARM64 machine with no over-read past the block.
///
/// The kernels (one straight-line function per width) live in the generated
/// ``BitPackingKernels``; this type validates nothing — callers check bit widths (`0...32`) and
/// that `packedByteCount(bitWidth:)` bytes are readable before calling ``unpack(from:bitWidth:into:)``.
enum BitPacking {
    /// The number of values in a packed block.
    static let blockLength = 128

    /// The largest valid bit width.
    static let maxBitWidth = 32

    /// The number of bits needed to represent `max` (0 for 0, 32 for values of 2³¹ and more).
    @inline(__always)
    static func bitWidth(for max: UInt32) -> Int {
        UInt32.bitWidth - max.leadingZeroBitCount
    }

    /// The number of bits needed to represent every one of `count` values (the width of their OR).
    @inline(__always)
    static func bitWidth(of values: UnsafePointer<UInt32>, count: Int) -> Int {
        var bits: UInt32 = 0
        for i in 0..<count { bits |= values[i] }
        return bitWidth(for: bits)
    }

    /// The size in bytes of a block of 128 values packed with `bitWidth` bits each.
    @inline(__always)
    static func packedByteCount(bitWidth: Int) -> Int { 16 &* bitWidth }

    /// Packs 128 values, keeping the low `bitWidth` bits of each, into `destination`, which must
    /// have room for ``packedByteCount(bitWidth:)`` bytes.
    static func pack(values: UnsafePointer<UInt32>, bitWidth: Int, to destination: UnsafeMutableRawPointer) {
        precondition(bitWidth >= 0 && bitWidth <= maxBitWidth, "bit width out of range")
        if bitWidth == 0 { return }
        BitPackingKernels.pack(UnsafeRawPointer(values), bitWidth: bitWidth, destination)
    }

    /// Packs 128 values, keeping the low `bitWidth` bits of each, and appends the
    /// ``packedByteCount(bitWidth:)`` bytes to `writer`.
    static func pack(values: UnsafePointer<UInt32>, bitWidth: Int, into writer: inout ByteWriter) {
        precondition(bitWidth >= 0 && bitWidth <= maxBitWidth, "bit width out of range")
        if bitWidth == 0 { return }
        let size = packedByteCount(bitWidth: bitWidth)
        withUnsafeTemporaryAllocation(byteCount: 16 * maxBitWidth, alignment: 16) { scratch in
            BitPackingKernels.pack(UnsafeRawPointer(values), bitWidth: bitWidth, scratch.baseAddress!)
            writer.write(UnsafeRawBufferPointer(rebasing: scratch[0..<size]))
        }
    }

    /// Unpacks 128 values of `bitWidth` bits (0...32, checked by the caller) from `source`, which
    /// must have ``packedByteCount(bitWidth:)`` readable bytes (no byte past them is read), into
    /// `destination` (room for 128 values; any alignment).
    @inline(__always)
    static func unpack(from source: UnsafeRawPointer, bitWidth: Int, into destination: UnsafeMutablePointer<UInt32>) {
        if bitWidth == 0 {
            destination.update(repeating: 0, count: blockLength)
        } else {
            BitPackingKernels.unpack(source, bitWidth: bitWidth, UnsafeMutableRawPointer(destination))
        }
    }

    // MARK: - Delta helpers

    /// Replaces 128 values by their running sum starting from `base`:
    /// `values[i] = base + values[0] + … + values[i]` (wrapping). Returns the last sum.
    @inline(__always)
    @discardableResult
    static func prefixSum(_ values: UnsafeMutablePointer<UInt32>, base: UInt32) -> UInt32 {
        prefixSum128(values, base: base, increment: 0)
    }

    /// Decodes 128 strictly increasing values stored as gaps minus one: `values[i]` becomes
    /// `previous + 1 + gap[0] + 1 + … + gap[i]`, i.e. `values[i] = values[i-1] + gap[i] + 1` with
    /// `values[-1] = previous` (wrapping; pass `UInt32.max` so a first value is stored as itself).
    /// Returns the last value.
    @inline(__always)
    @discardableResult
    static func prefixSumStrict(_ values: UnsafeMutablePointer<UInt32>, previous: UInt32) -> UInt32 {
        prefixSum128(values, base: previous, increment: 1)
    }

    /// The SSE2 running sum: within each 4-lane vector by two shifted adds, across vectors by a
    /// carried broadcast of the previous vector's total.
    @inline(__always)
    private static func prefixSum128(_ values: UnsafeMutablePointer<UInt32>, base: UInt32, increment: UInt32) -> UInt32 {
        let raw = UnsafeMutableRawPointer(values)
        var carry = SIMD4<UInt32>(repeating: base)
        let add = SIMD4<UInt32>(repeating: increment)
        for i in 0..<(blockLength / 4) {
            var x = raw.loadUnaligned(fromByteOffset: i &* 16, as: SIMD4<UInt32>.self) &+ add
            x = x &+ SIMD4<UInt32>(0, x[0], x[1], x[2])
            x = x &+ SIMD4<UInt32>(0, 0, x[0], x[1])
            let total = SIMD4<UInt32>(repeating: x[3])
            raw.storeBytes(of: x &+ carry, toByteOffset: i &* 16, as: SIMD4<UInt32>.self)
            carry = carry &+ total
        }
        return carry[0]
    }

    /// Replaces `count` values by their gaps: `values[i] -= values[i-1]` with `values[-1] = previous`
    /// (wrapping); the inverse of ``prefixSum(_:base:)`` for 128 values.
    static func deltaEncode(_ values: UnsafeMutablePointer<UInt32>, count: Int, previous: UInt32) {
        var last = previous
        for i in 0..<count {
            let v = values[i]
            values[i] = v &- last
            last = v
        }
    }

    /// Replaces `count` strictly increasing values by their gaps minus one:
    /// `values[i] = values[i] - values[i-1] - 1` with `values[-1] = previous` (wrapping; pass
    /// `UInt32.max` when there is no previous value); the inverse of ``prefixSumStrict(_:previous:)``.
    static func deltaEncodeStrict(_ values: UnsafeMutablePointer<UInt32>, count: Int, previous: UInt32) {
        var last = previous
        for i in 0..<count {
            let v = values[i]
            values[i] = v &- last &- 1
            last = v
        }
    }
}
