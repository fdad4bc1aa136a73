import Foundation
import ZIPFoundation

/// The members of a ZIP archive held in memory (an EPUB, Word or OpenDocument file), read
/// through ZIPFoundation with a cap on the bytes inflated.
///
/// The cap counts the bytes actually produced while inflating, so an archive that lies about
/// its sizes cannot get past it; reading stops as soon as the running total of all members
/// read exceeds ``DocumentReader/Options/maximumUncompressedSize``. Every failure (not a ZIP,
/// a corrupt member, a checksum mismatch, the cap) is a ``TrawlError`` naming the file.
struct ZipMembers {
    /// Archives with more members than this are refused.
    static let maximumMembers = 100_000

    private let archive: Archive
    private let entries: [String: Entry]
    private let maximumUncompressedSize: Int
    private let formatName: String
    /// Bytes inflated so far, all members added up.
    private(set) var inflatedBytes = 0

    /// Opens the archive in `bytes`.
    ///
    /// - Parameter formatName: the format's name for messages ("EPUB", "Word document").
    init(_ bytes: UnsafeBufferPointer<UInt8>, formatName: String, maximumUncompressedSize: Int,
         context: ReadContext) throws(TrawlError) {
        self.formatName = formatName
        self.maximumUncompressedSize = maximumUncompressedSize
        let data = bytes.baseAddress.map { Data(bytes: $0, count: bytes.count) } ?? Data()
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw context.error(.documentMalformed, "The \(formatName) file is not a readable ZIP archive.",
                                underlying: String(describing: error))
        }
        var entries: [String: Entry] = [:]
        var count = 0
        for entry in archive {
            count += 1
            guard count <= ZipMembers.maximumMembers else {
                throw context.error(.documentUnreadable, "The \(formatName) file has more than \(ZipMembers.maximumMembers) members, so it is not read.")
            }
            if entries[entry.path] == nil { entries[entry.path] = entry }
        }
        self.entries = entries
    }

    /// Whether the archive has a member at `path`.
    func contains(_ path: String) -> Bool { entries[path] != nil }

    /// The paths of the members.
    var paths: Dictionary<String, Entry>.Keys { entries.keys }

    /// The bytes of the member at `path`, or `nil` when there is none.
    mutating func read(_ path: String, context: ReadContext) throws(TrawlError) -> [UInt8]? {
        guard let entry = entries[path] else { return nil }
        guard entry.type == .file else { return nil }
        let remaining = maximumUncompressedSize - inflatedBytes
        if entry.uncompressedSize > UInt64(max(0, remaining)) {
            throw tooLarge(context)
        }
        var output: [UInt8] = []
        output.reserveCapacity(Int(min(entry.uncompressedSize, 16 << 20)))
        var exceeded = false
        do {
            _ = try archive.extract(entry, bufferSize: 64 * 1024, skipCRC32: false) { chunk in
                if output.count + chunk.count > remaining {
                    exceeded = true
                    throw CancellationError()
                }
                output.append(contentsOf: chunk)
            }
        } catch {
            if exceeded { throw tooLarge(context) }
            throw context.error(.documentMalformed, "The member \"\(path)\" of the \(formatName) file cannot be read: the archive is corrupt.",
                                underlying: String(describing: error))
        }
        inflatedBytes += output.count
        return output
    }

    private func tooLarge(_ context: ReadContext) -> TrawlError {
        context.error(.documentUnreadable,
                      "The \(formatName) file inflates to more than the limit of \(maximumUncompressedSize) bytes, so it is not read (a ZIP bomb, or a file too large).")
    }
}
