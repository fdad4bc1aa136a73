/// The members of a ZIP archive held in memory (an EPUB, Word or OpenDocument file), read
/// over its bytes with every offset and size checked, and inflated by ``RawInflate`` with a
/// cap on the bytes inflated.
///
/// The archive is read here rather than through a ZIP library because the readers of hostile
/// files must neither trap nor hang: ZIPFoundation (which the tests use to write archives)
/// traps on an in-memory archive whose directory points past its end, and waits forever on a
/// deflate stream cut short.
///
/// - The directory: the end-of-central-directory record (searched backwards over the last
///   64 KiB and 22 bytes), ZIP64 sizes and offsets when the record says so, then every
///   central directory entry (name, method, CRC-32, sizes, local header offset).
/// - A member's data starts after its local header; stored (method 0) and deflated (method 8)
///   members are read, others (and encrypted ones) are refused; the CRC-32 is checked.
///
/// The cap counts the bytes actually produced while inflating, so an archive that lies about
/// its sizes cannot get past it; reading stops as soon as the running total of all members
/// read exceeds ``DocumentReader/Options/maximumUncompressedSize``. Every failure (not a ZIP,
/// a corrupt member, a checksum mismatch, the cap) is a ``TrawlError`` naming the file.
struct ZipMembers {
    /// Archives with more members than this are refused.
    static let maximumMembers = 100_000

    /// What the central directory says of one member.
    private struct Member {
        var method: Int
        var flags: Int
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    private let bytes: [UInt8]
    private let members: [String: Member]
    private let maximumUncompressedSize: Int
    private let formatName: String
    /// Bytes inflated so far, all members added up.
    private(set) var inflatedBytes = 0

    /// Reads the directory of the archive in `bytes`.
    ///
    /// - Parameter formatName: the format's name for messages ("EPUB", "Word document").
    init(_ bytes: UnsafeBufferPointer<UInt8>, formatName: String, maximumUncompressedSize: Int,
         context: ReadContext) throws(TrawlError) {
        self.formatName = formatName
        self.maximumUncompressedSize = maximumUncompressedSize
        self.bytes = Array(bytes)
        let notZIP = context.error(.documentMalformed, "The \(formatName) file is not a readable ZIP archive.")
        let b = self.bytes
        func u16(_ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
        func signature(_ at: Int, _ third: UInt8, _ fourth: UInt8) -> Bool {
            at >= 0 && at + 4 <= b.count && b[at] == 0x50 && b[at + 1] == 0x4B && b[at + 2] == third && b[at + 3] == fourth
        }
        // The end-of-central-directory record.
        var end = b.count - 22
        let lowest = max(0, b.count - 22 - 65_535)
        while end >= lowest, !signature(end, 0x05, 0x06) { end -= 1 }
        guard end >= lowest else { throw notZIP }
        var count = u16(end + 10)
        var directorySize = UInt64(u32(end + 12))
        var directoryOffset = UInt64(u32(end + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the locator just before the record points at the ZIP64 record.
            let locator = end - 20
            guard signature(locator, 0x06, 0x07) else { throw notZIP }
            let recordOffset = u64(locator + 8)
            guard b.count >= 56, recordOffset <= UInt64(b.count - 56), signature(Int(recordOffset), 0x06, 0x06) else { throw notZIP }
            let record = Int(recordOffset)
            let total = u64(record + 32)
            guard total <= UInt64(ZipMembers.maximumMembers) else {
                throw context.error(.documentUnreadable, "The \(formatName) file has more than \(ZipMembers.maximumMembers) members, so it is not read.")
            }
            count = Int(total)
            directorySize = u64(record + 40)
            directoryOffset = u64(record + 48)
        }
        guard count <= ZipMembers.maximumMembers else {
            throw context.error(.documentUnreadable, "The \(formatName) file has more than \(ZipMembers.maximumMembers) members, so it is not read.")
        }
        guard directoryOffset <= UInt64(b.count), directorySize <= UInt64(b.count) - directoryOffset else { throw notZIP }
        var members: [String: Member] = [:]
        var at = Int(directoryOffset)
        let directoryEnd = at + Int(directorySize)
        for _ in 0..<count {
            guard at + 46 <= directoryEnd, signature(at, 0x01, 0x02) else { throw notZIP }
            let nameLength = u16(at + 28), extraLength = u16(at + 30), commentLength = u16(at + 32)
            let next = at + 46 + nameLength + extraLength + commentLength
            guard next <= directoryEnd else { throw notZIP }
            var member = Member(method: u16(at + 10), flags: u16(at + 8), crc32: UInt32(u32(at + 16)),
                                compressedSize: u32(at + 20), uncompressedSize: u32(at + 24), localHeaderOffset: u32(at + 42))
            // ZIP64 extended information replaces the fields saturated at 0xFFFFFFFF, in order.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = u16(extra), size = u16(extra + 2)
                guard extra + 4 + size <= extraEnd else { break }
                if id == 0x0001 {
                    var field = extra + 4
                    func take(_ value: inout Int) {
                        guard value == 0xFFFF_FFFF, field + 8 <= extra + 4 + size else { return }
                        value = Int(clamping: u64(field))
                        field += 8
                    }
                    take(&member.uncompressedSize)
                    take(&member.compressedSize)
                    take(&member.localHeaderOffset)
                }
                extra += 4 + size
            }
            let name = String(decoding: b[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            if members[name] == nil { members[name] = member }
            at = next
        }
        self.members = members
    }

    /// Whether the archive has a member at `path`.
    func contains(_ path: String) -> Bool { members[path] != nil }

    /// The paths of the members.
    var paths: [String] { Array(members.keys) }

    /// The bytes of the member at `path`, or `nil` when there is none (or it is a folder).
    mutating func read(_ path: String, context: ReadContext) throws(TrawlError) -> [UInt8]? {
        guard let member = members[path], !path.hasSuffix("/") else { return nil }
        let name = formatName
        func corrupt(_ reason: String) -> TrawlError {
            context.error(.documentMalformed, "The member \"\(path)\" of the \(name) file cannot be read: \(reason).")
        }
        guard member.flags & 1 == 0 else { throw corrupt("it is encrypted") }
        let remaining = max(0, maximumUncompressedSize - inflatedBytes)
        let header = member.localHeaderOffset
        guard header >= 0, header <= bytes.count - 30, bytes[header] == 0x50, bytes[header + 1] == 0x4B,
              bytes[header + 2] == 0x03, bytes[header + 3] == 0x04 else {
            throw corrupt("the archive is corrupt (no local header)")
        }
        let start = header + 30 + (Int(bytes[header + 26]) | Int(bytes[header + 27]) << 8)
            + (Int(bytes[header + 28]) | Int(bytes[header + 29]) << 8)
        guard start <= bytes.count, member.compressedSize >= 0, member.compressedSize <= bytes.count - start else {
            throw corrupt("the archive is corrupt (the data runs past the end of the file)")
        }
        let end = start + member.compressedSize
        let output: [UInt8]
        switch member.method {
        case 8:
            let result = bytes.withUnsafeBytes { raw in
                RawInflate.inflate(UnsafeRawBufferPointer(rebasing: raw[start..<end]), limit: remaining)
            }
            switch result {
            case .success(let inflated): output = inflated
            case .failure(.tooLarge): throw tooLarge(context)
            case .failure(.corrupt(let reason)): throw corrupt("the archive is corrupt (\(reason))")
            }
        case 0:
            guard end - start <= remaining else { throw tooLarge(context) }
            output = Array(bytes[start..<end])
        default:
            throw corrupt("it uses the compression method \(member.method), which is not supported (only stored and deflated members are)")
        }
        guard RawInflate.crc32(output) == member.crc32 else { throw corrupt("the archive is corrupt (checksum mismatch)") }
        inflatedBytes += output.count
        return output
    }

    private func tooLarge(_ context: ReadContext) -> TrawlError {
        context.error(.documentUnreadable,
                      "The \(formatName) file inflates to more than the limit of \(maximumUncompressedSize) bytes, so it is not read (a ZIP bomb, or a file too large).")
    }
}
