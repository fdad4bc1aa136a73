/// The header and footer that wrap every index file.
///
/// ```
/// File   := Header, Payload, Footer
/// Header := Magic "TRWL" (4 bytes), Kind (4 ASCII bytes), FormatVersion (UInt32),
///           SegmentID (16 bytes; zero for files that belong to no segment)
/// Footer := FooterMagic "LWRT" (4 bytes), CRC32 (UInt32 of every byte before it)
/// ```
/// All integers little-endian. Opening a file checks the header and footer framing; the small
/// files (commit manifest, live documents, field lengths, dates) are also verified whole at
/// open, the large ones (term dictionary, postings, positions, document store) by `trawl check`
/// and before every merge. See `docs/reliability.md`.
enum FileEnvelope {
    /// The magic bytes that start every index file.
    static let magic: UInt32 = 0x4C57_5254 // "TRWL" little-endian
    /// The magic bytes that start every footer.
    static let footerMagic: UInt32 = 0x5452_574C // "LWRT" little-endian
    /// The on-disk format version written by this build. Version 3 added chunked bodies to the
    /// document store (``DocumentStoreWriter``); version 4 added the metadata columns file
    /// (``Columns``) and fields without positions for keyword values; every other file is as
    /// in version 2.
    static let formatVersion: UInt32 = 4
    /// The versions this build reads; any other is rejected with "rebuild the index".
    static let readableVersions: ClosedRange<UInt32> = 2...4
    /// Header size in bytes.
    static let headerSize = 28
    /// Footer size in bytes.
    static let footerSize = 8

    /// The kinds of index file, as four ASCII letters in the header.
    enum Kind: String, CaseIterable, Sendable {
        case termDictionary = "TDIC"
        case postings = "POST"
        case positions = "POSN"
        case fieldLengths = "NORM"
        case documentStore = "STOR"
        case dateColumn = "DATE"
        case liveDocuments = "LIVE"
        case segmentInfo = "SEGI"
        case identifiers = "IDEN"
        case columns = "COLS"
        case manifest = "MANI"

        var tag: UInt32 {
            var value: UInt32 = 0
            for (i, b) in rawValue.utf8.enumerated() { value |= UInt32(b) << (8 * UInt32(i)) }
            return value
        }
    }

    /// Appends a header to `writer`.
    static func writeHeader(_ writer: inout ByteWriter, kind: Kind, segmentID: SegmentID) {
        writer.write(magic)
        writer.write(kind.tag)
        writer.write(formatVersion)
        writer.write(segmentID.high)
        writer.write(segmentID.low)
    }

    /// Appends the footer: magic and the CRC-32 of everything already in `writer`.
    static func writeFooter(_ writer: inout ByteWriter) {
        writer.write(footerMagic)
        let crc = Checksum.crc32(writer.bytes)
        writer.write(crc)
    }

    /// Validates the header and footer framing (not the checksum) and returns the payload range.
    static func validate(_ bytes: UnsafeRawBufferPointer, kind: Kind, segmentID: SegmentID,
                         fileName: String) throws(TrawlError) -> Range<Int> {
        guard bytes.count >= headerSize + footerSize else {
            throw TrawlError(.corruptIndex, "index file is damaged: too short (\(bytes.count) bytes)", path: fileName)
        }
        var reader = ByteReader(bytes, fileName: fileName)
        guard try reader.readUInt32() == magic else {
            throw TrawlError(.corruptIndex, "index file is damaged: not a Trawl index file (bad magic)", path: fileName)
        }
        let tag = try reader.readUInt32()
        guard tag == kind.tag else {
            throw TrawlError(.corruptIndex, "index file is damaged: expected a \(kind.rawValue) file", path: fileName)
        }
        let version = try reader.readUInt32()
        guard readableVersions.contains(version) else {
            throw TrawlError(.incompatibleIndex,
                             "index format version \(version) is not supported by this build (version \(formatVersion)); rebuild the index",
                             path: fileName)
        }
        let high = try reader.readUInt64()
        let low = try reader.readUInt64()
        guard SegmentID(high: high, low: low) == segmentID else {
            throw TrawlError(.corruptIndex, "index file is damaged: it belongs to another segment", path: fileName)
        }
        var footer = ByteReader(bytes, offset: bytes.count - footerSize, fileName: fileName)
        guard try footer.readUInt32() == footerMagic else {
            throw TrawlError(.corruptIndex, "index file is damaged: footer missing (truncated?)", path: fileName)
        }
        return headerSize..<(bytes.count - footerSize)
    }

    /// Verifies the footer checksum over the whole file.
    static func verifyChecksum(_ bytes: UnsafeRawBufferPointer, fileName: String) throws(TrawlError) {
        guard bytes.count >= headerSize + footerSize else {
            throw TrawlError(.corruptIndex, "index file is damaged: too short (\(bytes.count) bytes)", path: fileName)
        }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self))
        let actual = Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 4)]))
        guard stored == actual else {
            throw TrawlError(.corruptIndex, "index file is damaged: checksum mismatch", path: fileName)
        }
    }
}

/// A 128-bit random identifier that ties a segment's files together.
struct SegmentID: Hashable, Sendable, CustomStringConvertible {
    /// The high 64 bits.
    var high: UInt64
    /// The low 64 bits.
    var low: UInt64

    /// The all-zero id, for files that belong to no segment.
    static let none = SegmentID(high: 0, low: 0)

    /// A new random id.
    static func random() -> SegmentID {
        var generator = SystemRandomNumberGenerator()
        return SegmentID(high: generator.next(), low: generator.next())
    }

    /// 32 lowercase hex digits.
    var description: String {
        func hex(_ v: UInt64) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }
        return hex(high) + hex(low)
    }
}
