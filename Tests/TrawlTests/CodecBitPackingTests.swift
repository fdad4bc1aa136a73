import Testing
@testable import Trawl

/// Bit packing, delta helpers and field-length codes.
@Suite struct CodecBitPackingTests {
    /// Reads value `i` of a packed block bit by bit, following the layout as documented in
    /// `index/FORMAT-codec.md` (independent of the kernels).
    static func referenceValue(_ bytes: [UInt8], offset: Int, bitWidth b: Int, index i: Int) -> UInt32 {
        let lane = i % 4
        let slot = i / 4
        var value: UInt32 = 0
        for bit in 0..<b {
            let laneBit = slot * b + bit
            let word = laneBit / 32
            let byteInBlock = (4 * word + lane) * 4 + (laneBit % 32) / 8
            let set = bytes[offset + byteInBlock] >> UInt8(laneBit % 8) & 1
            value |= UInt32(set) << UInt32(bit)
        }
        return value
    }

    /// Every width 0...32 round-trips random and extreme values, matching the documented layout.
    @Test func everyBitWidthRoundTripsRandomValues() {
        var rng = SeededGenerator(seed: 1)
        let values = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        let decoded = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        defer { values.deallocate(); decoded.deallocate() }
        for b in 0...32 {
            let mask: UInt32 = b == 32 ? .max : (1 << UInt32(b)) - 1
            for round in 0..<20 {
                for i in 0..<128 {
                    switch round {
                    case 0: values[i] = mask
                    case 1: values[i] = i % 2 == 0 ? mask : 0
                    default: values[i] = UInt32.random(in: 0...UInt32.max, using: &rng) & mask
                    }
                }
                var writer = ByteWriter()
                let misalignment = round % 7
                for _ in 0..<misalignment { writer.write(UInt8(0xAB)) }
                BitPacking.pack(values: values, bitWidth: b, into: &writer)
                #expect(writer.count == misalignment + BitPacking.packedByteCount(bitWidth: b))
                writer.write(UInt8(0xCD)) // a sentinel that must not leak into the values
                let bytes = writer.bytes
                bytes.withUnsafeBytes { raw in
                    BitPacking.unpack(from: raw.baseAddress! + misalignment, bitWidth: b, into: decoded)
                }
                for i in 0..<128 {
                    #expect(decoded[i] == values[i], "width \(b), value \(i)")
                    if b > 0 && (i % 17 == 0 || round == 2) {
                        #expect(Self.referenceValue(bytes, offset: misalignment, bitWidth: b, index: i) == values[i])
                    }
                }
            }
        }
    }

    /// Values wider than the block width are truncated to their low bits.
    @Test func packingKeepsOnlyTheLowBits() {
        let values = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        let decoded = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        defer { values.deallocate(); decoded.deallocate() }
        for i in 0..<128 { values[i] = UInt32.max - UInt32(i) }
        for b in 1...31 {
            var writer = ByteWriter()
            BitPacking.pack(values: values, bitWidth: b, into: &writer)
            writer.bytes.withUnsafeBytes { BitPacking.unpack(from: $0.baseAddress!, bitWidth: b, into: decoded) }
            for i in 0..<128 { #expect(decoded[i] == values[i] & ((1 << UInt32(b)) - 1)) }
        }
    }

    /// `bitWidth(for:)` is the bit length.
    @Test func bitWidths() {
        #expect(BitPacking.bitWidth(for: 0) == 0)
        #expect(BitPacking.bitWidth(for: 1) == 1)
        #expect(BitPacking.bitWidth(for: 2) == 2)
        #expect(BitPacking.bitWidth(for: 255) == 8)
        #expect(BitPacking.bitWidth(for: 256) == 9)
        #expect(BitPacking.bitWidth(for: UInt32.max) == 32)
        for b in 1...32 {
            let max: UInt32 = b == 32 ? .max : (1 << UInt32(b)) - 1
            #expect(BitPacking.bitWidth(for: max) == b)
            #expect(BitPacking.bitWidth(for: max / 2 + 1) == b)
        }
    }

    /// Delta encoding and prefix sums are inverses.
    @Test func deltaHelpersInvertEachOther() {
        var rng = SeededGenerator(seed: 2)
        let values = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        let work = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        defer { values.deallocate(); work.deallocate() }
        for round in 0..<50 {
            var doc = round == 0 ? 0 : UInt32.random(in: 0..<1_000_000, using: &rng)
            let previous = round == 0 ? UInt32.max : doc &- UInt32.random(in: 1...100, using: &rng)
            for i in 0..<128 {
                values[i] = doc
                doc += UInt32.random(in: 1...1000, using: &rng)
            }
            work.update(from: values, count: 128)
            BitPacking.deltaEncodeStrict(work, count: 128, previous: previous)
            let last = BitPacking.prefixSumStrict(work, previous: previous)
            #expect(last == values[127])
            for i in 0..<128 { #expect(work[i] == values[i]) }

            work.update(from: values, count: 128)
            BitPacking.deltaEncode(work, count: 128, previous: 7)
            let end = BitPacking.prefixSum(work, base: 7)
            #expect(end == values[127])
            for i in 0..<128 { #expect(work[i] == values[i]) }
        }
    }

    /// Field-length codes: exact below 24, monotonic, ~4 significant bits, Lucene-compatible.
    @Test func fieldLengthCodesAreExactForSmallValuesAndMonotonic() {
        for v in UInt32(0)..<24 {
            #expect(FieldLengthCode.encode(v) == UInt8(v))
            #expect(FieldLengthCode.decode(UInt8(v)) == v)
        }
        var previous: UInt32 = 0
        for code in 0...255 {
            let value = FieldLengthCode.decode(UInt8(code))
            #expect(FieldLengthCode.decodeTable[code] == value)
            #expect(FieldLengthCode.encode(value) == UInt8(code), "code \(code)")
            #expect(FieldLengthCode.encodeRoundingUp(value) == UInt8(code))
            if code > 0 { #expect(value > previous) }
            previous = value
        }
        #expect(FieldLengthCode.decode(255) == FieldLengthCode.maxDecodedValue)
        #expect(FieldLengthCode.encode(.max) == 255)
        var rng = SeededGenerator(seed: 3)
        var lastCode: UInt8 = 0
        var values = (0..<20_000).map { _ in UInt32.random(in: 0...3_000_000, using: &rng) }
        values += (0..<2000).map { UInt32($0) }
        values.sort()
        for v in values {
            let down = FieldLengthCode.encode(v)
            let up = FieldLengthCode.encodeRoundingUp(v)
            #expect(down >= lastCode)
            lastCode = down
            #expect(FieldLengthCode.decode(down) <= v)
            #expect(FieldLengthCode.decode(up) >= v)
            #expect(up == down || up == down + 1)
            // About four significant bits: within 1/8 below.
            #expect(Int64(FieldLengthCode.decode(down)) * 8 >= Int64(v) * 7 - 8)
        }
        // Spot values from Lucene's SmallFloat.intToByte4.
        #expect(FieldLengthCode.encode(24) == 24)
        #expect(FieldLengthCode.encode(32) == 32)
        #expect(FieldLengthCode.decode(40) == 40)
        #expect(FieldLengthCode.decode(41) == 42)
        #expect(FieldLengthCode.encode(100) == 57)
    }
}
