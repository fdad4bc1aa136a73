/// A one-byte lossy code for a field's length in tokens (and for block-max term frequencies),
/// the scheme of Lucene's `SmallFloat.intToByte4` / `byte4ToInt`.
///
/// Codes 0...23 stand for themselves. Larger values `v` are stored as `24 + int4(v - 24)`, where
/// `int4` keeps the four most significant bits of its argument: three explicit mantissa bits and
/// the position of the leading one (so the relative error is below 1/8). The code is monotonic —
/// a smaller code never decodes to a larger value — so "smallest code" means "shortest field".
/// ``encode(_:)`` rounds down (the decoded length never exceeds the true one);
/// ``encodeRoundingUp(_:)`` rounds up, for upper bounds such as block-max frequencies. Code 255
/// decodes to 2,013,265,944, the largest representable value; larger inputs saturate at 255.
enum FieldLengthCode {
    /// Values below this are stored exactly as their own code.
    static let exactLimit: UInt32 = 24

    /// The largest value a code can stand for (the decoding of 255).
    static let maxDecodedValue: UInt32 = decodeComputed(255)

    /// The value of every code, indexed by code: `decodeTable[Int(code)] == decode(code)`.
    static let decodeTable: [UInt32] = (0...255).map { decodeComputed(UInt8($0)) }

    /// Encodes `value`, rounding down to the nearest representable value (saturating at 255).
    @inline(__always)
    static func encode(_ value: UInt32) -> UInt8 {
        if value < exactLimit { return UInt8(truncatingIfNeeded: value) }
        let code = UInt32(exactLimit) &+ int4(value &- exactLimit)
        return code > 255 ? 255 : UInt8(truncatingIfNeeded: code)
    }

    /// Encodes `value`, rounding up to the nearest representable value, so that
    /// `decode(encodeRoundingUp(v)) >= v` for every `v` up to ``maxDecodedValue`` (beyond it the
    /// code saturates at 255).
    @inline(__always)
    static func encodeRoundingUp(_ value: UInt32) -> UInt8 {
        let code = encode(value)
        if code < 255 && decodeComputed(code) < value { return code &+ 1 }
        return code
    }

    /// The value a code stands for (exact for codes below 24).
    @inline(__always)
    static func decode(_ code: UInt8) -> UInt32 { decodeComputed(code) }

    /// Decodes arithmetically (no table): a compare, a shift and an or.
    @inline(__always)
    private static func decodeComputed(_ code: UInt8) -> UInt32 {
        let c = UInt32(code)
        if c < exactLimit { return c }
        let i = c &- exactLimit
        let bits = i & 0x07
        let shift = i >> 3
        let value = shift == 0 ? bits : (bits | 0x08) << (shift &- 1)
        return exactLimit &+ value
    }

    /// Lucene's `longToInt4`: keeps the four most significant bits of `value` (the leading one
    /// implicit) and the position of the leading one, plus one (0 marks values below 8).
    @inline(__always)
    private static func int4(_ value: UInt32) -> UInt32 {
        let numBits = UInt32.bitWidth &- value.leadingZeroBitCount
        if numBits < 4 { return value }
        let shift = UInt32(numBits &- 4)
        return ((value >> shift) & 0x07) | ((shift &+ 1) << 3)
    }
}
