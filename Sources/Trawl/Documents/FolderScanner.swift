#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that ``FolderScanner`` found and that Trawl can read.
public struct ScannedFile: Sendable, Hashable {
    /// The path relative to the scanned root, with `/` between components: the document id of
    /// text, Markdown and HTML files. Bytes of the file name that are not valid UTF-8 are
    /// written as `%XX` (uppercase hex), so the text stays unique and printable.
    public var relativePath: String
    /// The exact file-system path (root + relative path) as bytes, for opening the file even
    /// when its name is not valid UTF-8.
    public var pathBytes: [UInt8]
    /// The size in bytes.
    public var size: Int64
    /// The modification time, in nanoseconds since 1970-01-01T00:00:00Z.
    public var modificationTimeNanoseconds: Int64
    /// How the file will be read: from its extension, or sniffed from its first bytes when it
    /// has none.
    public var format: DocumentFormat

    /// The file-system path for display (invalid UTF-8 repaired to U+FFFD).
    public var path: String { String(decoding: pathBytes, as: UTF8.self) }

    /// Creates a scanned file.
    public init(relativePath: String, pathBytes: [UInt8], size: Int64, modificationTimeNanoseconds: Int64,
                format: DocumentFormat) {
        self.relativePath = relativePath
        self.pathBytes = pathBytes
        self.size = size
        self.modificationTimeNanoseconds = modificationTimeNanoseconds
        self.format = format
    }
}

/// A file that ``FolderScanner`` found but left out.
public struct SkippedFile: Sendable, Hashable {
    /// Why a file was left out.
    public enum Reason: String, Sendable, Hashable, Codable {
        /// The extension is not one Trawl reads (images, archives, programs, ...).
        case unsupportedType
        /// The file has no extension and its first bytes are binary.
        case binaryContent
        /// Not a regular file or folder (a socket, a FIFO, a device).
        case notRegularFile
        /// A symbolic link whose target does not exist.
        case brokenSymbolicLink
        /// A symbolic link to a folder that was already scanned (a loop or a second way in).
        case repeatedFolder
        /// The file could not be opened to look at its content.
        case unreadable
    }

    /// The path relative to the scanned root (invalid UTF-8 written as `%XX`).
    public var relativePath: String
    /// Why it was left out.
    public var reason: Reason

    /// Creates a skipped-file record.
    public init(relativePath: String, reason: Reason) {
        self.relativePath = relativePath
        self.reason = reason
    }
}

/// What a scan found.
public struct FolderScanResult: Sendable, Equatable {
    /// The files to read, sorted by the bytes of their relative paths.
    public var files: [ScannedFile]
    /// The files left out, sorted the same way.
    public var skipped: [SkippedFile]
    /// Problems that did not stop the scan (a folder that cannot be read), as `.io` errors
    /// naming the folder.
    public var warnings: [TrawlError]

    /// Creates a result.
    public init(files: [ScannedFile] = [], skipped: [SkippedFile] = [], warnings: [TrawlError] = []) {
        self.files = files
        self.skipped = skipped
        self.warnings = warnings
    }
}

/// Finds the files to index under a root folder.
///
/// - Walks the folder recursively without recursion in the call stack (any depth).
/// - Leaves out hidden files and folders (names starting with `.`) silently, and whatever is
///   named in `excluding` (compared by device and inode, so any spelling of the path works).
/// - Symbolic links to files are read as files under the link's name. Symbolic links to
///   folders are followed, but every folder is scanned at most once: folders are remembered by
///   device and inode, so a link loop or a second link to the same folder is skipped (reported
///   as ``SkippedFile/Reason-swift.enum/repeatedFolder``).
/// - File names may hold any bytes (newlines, invalid UTF-8): files are opened by their exact
///   bytes (``ScannedFile/pathBytes``), and ``ScannedFile/relativePath`` escapes invalid UTF-8.
/// - A folder that cannot be read is a warning and the scan goes on; a root that cannot be
///   read is an `.io` error.
/// - Files with an unsupported extension are listed in ``FolderScanResult/skipped``; files
///   without an extension are sniffed (binary ones are skipped).
/// - A folder with `cur`, `new` and `tmp` subfolders is a Maildir: every file in its `cur`
///   and `new` folders is a mail message (``DocumentFormat/email``), whatever its name, and
///   `tmp` (messages still being delivered) is left out. Maildir++ subfolders (`.Sent`) are
///   hidden names, left out like any other.
/// - A root that is a file gives that file, its relative path being its name.
/// - The order is deterministic: sorted by the bytes of the relative paths.
public struct FolderScanner: Sendable {
    /// Paths to leave out (such as the index folder), absolute or relative to the current
    /// directory. Paths that do not exist are ignored.
    public var excluding: Set<String>
    /// Extensions (lower-cased, without the dot) of files read by an external extractor
    /// (``ExternalExtractor``): such files are listed (as ``DocumentFormat/text``, the format
    /// of the extractor's output) whatever Trawl would otherwise do with them.
    public var extractedExtensions: Set<String> = []

    /// Creates a scanner.
    public init(excluding: Set<String> = [], extractedExtensions: Set<String> = []) {
        self.excluding = excluding
        self.extractedExtensions = extractedExtensions
    }

    private struct FileID: Hashable {
        var device: UInt64
        var inode: UInt64
        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// Scans `root`, a folder or a single file.
    public func scan(_ root: String) throws(TrawlError) -> FolderScanResult {
        var rootBytes = Array(root.utf8)
        while rootBytes.count > 1, rootBytes.last == 0x2F { rootBytes.removeLast() }
        guard !rootBytes.isEmpty else {
            throw TrawlError(.invalidArgument, "The folder to scan has an empty path.")
        }
        var rootInfo = stat()
        guard Self.statFollowing(rootBytes, &rootInfo) else {
            let code = errno
            let message = code == ENOENT ? "The folder to scan does not exist." : "The folder to scan cannot be read."
            throw TrawlError(.io, message, path: root, underlying: String(cString: strerror(code)))
        }
        var excludedIDs = Set<FileID>()
        for path in excluding {
            var info = stat()
            if Self.statFollowing(Array(path.utf8), &info) { excludedIDs.insert(FileID(info)) }
        }

        var files: [(key: [UInt8], file: ScannedFile)] = []
        var skipped: [(key: [UInt8], file: SkippedFile)] = []
        var warnings: [TrawlError] = []

        let type = rootInfo.st_mode & S_IFMT
        if type == S_IFREG {
            let name = Array(rootBytes.split(separator: 0x2F).last ?? rootBytes[...])
            let relative = Self.displayPath(name)
            switch classify(name: name, info: rootInfo, open: { Self.openFile(rootBytes) }) {
            case .success(let format):
                files.append((name, ScannedFile(relativePath: relative, pathBytes: rootBytes, size: Int64(rootInfo.st_size),
                                                modificationTimeNanoseconds: Self.modificationTime(rootInfo), format: format)))
            case .failure(let reason):
                skipped.append((name, SkippedFile(relativePath: relative, reason: reason)))
            }
            return FolderScanResult(files: files.map(\.file), skipped: skipped.map(\.file), warnings: warnings)
        }
        guard type == S_IFDIR else {
            throw TrawlError(.invalidArgument, "The path to scan is neither a folder nor a regular file.", path: root)
        }

        var visited: Set<FileID> = [FileID(rootInfo)]
        var pending: [[UInt8]] = [[]] // relative folder paths still to read
        var maildirMessageFolders: Set<[UInt8]> = [] // the `cur` and `new` folders of Maildirs
        while let folder = pending.popLast() {
            let isMaildirMessageFolder = maildirMessageFolders.contains(folder)
            let folderPath = folder.isEmpty ? rootBytes : rootBytes + [0x2F] + folder
            guard let directory = Self.withCString(folderPath, { opendir($0) }) else {
                let code = errno
                if folder.isEmpty {
                    throw TrawlError(.io, "The folder to scan cannot be read.", path: root,
                                     underlying: String(cString: strerror(code)))
                }
                warnings.append(TrawlError(.io, "A folder could not be read, so its files were left out.",
                                           path: Self.displayPath(folder), underlying: String(cString: strerror(code))))
                continue
            }
            defer { closedir(directory) }
            let descriptor = dirfd(directory)
            var names: [[UInt8]] = []
            while true {
                errno = 0
                guard let entry = readdir(directory) else { break }
                let name: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    let length = raw.firstIndex(of: 0) ?? raw.count
                    return Array(raw[..<length])
                }
                // `.`, `..` and hidden names.
                if name.first == 0x2E || name.isEmpty { continue }
                names.append(name)
            }
            names.sort { $0.lexicographicallyPrecedes($1) }

            var subfolders: [[UInt8]] = []
            for name in names {
                let relative = folder.isEmpty ? name : folder + [0x2F] + name
                var info = stat()
                let found = Self.withCString(name) { fstatat(descriptor, $0, &info, AT_SYMLINK_NOFOLLOW) } == 0
                guard found else { continue } // vanished since it was listed
                if (info.st_mode & S_IFMT) == S_IFLNK {
                    let followed = Self.withCString(name) { fstatat(descriptor, $0, &info, 0) } == 0
                    guard followed else {
                        skipped.append((relative, SkippedFile(relativePath: Self.displayPath(relative), reason: .brokenSymbolicLink)))
                        continue
                    }
                }
                let id = FileID(info)
                if excludedIDs.contains(id) { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    if visited.contains(id) {
                        skipped.append((relative, SkippedFile(relativePath: Self.displayPath(relative), reason: .repeatedFolder)))
                    } else {
                        visited.insert(id)
                        subfolders.append(relative)
                    }
                case S_IFREG:
                    let result = isMaildirMessageFolder ? .success(.email) : classify(name: name, info: info, open: {
                        Self.withCString(name) { openat(descriptor, $0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
                    })
                    switch result {
                    case .success(let format):
                        files.append((relative, ScannedFile(
                            relativePath: Self.displayPath(relative), pathBytes: rootBytes + [0x2F] + relative,
                            size: Int64(info.st_size), modificationTimeNanoseconds: Self.modificationTime(info),
                            format: format)))
                    case .failure(let reason):
                        if reason == .unreadable {
                            warnings.append(TrawlError(.io, "A file could not be opened to look at its content.",
                                                       path: Self.displayPath(relative)))
                        }
                        skipped.append((relative, SkippedFile(relativePath: Self.displayPath(relative), reason: reason)))
                    }
                default:
                    skipped.append((relative, SkippedFile(relativePath: Self.displayPath(relative), reason: .notRegularFile)))
                }
            }
            // A Maildir: its `cur` and `new` folders hold one message per file (whatever the
            // names), and `tmp` holds messages still being delivered.
            let maildirNames: [[UInt8]] = [Array("cur".utf8), Array("new".utf8), Array("tmp".utf8)]
            let subfolderNames = Set(subfolders.map { Array($0.split(separator: 0x2F).last ?? []) })
            if maildirNames.allSatisfy(subfolderNames.contains) {
                let prefix = folder.isEmpty ? [] : folder + [0x2F]
                maildirMessageFolders.insert(prefix + maildirNames[0])
                maildirMessageFolders.insert(prefix + maildirNames[1])
                subfolders.removeAll { $0 == prefix + maildirNames[2] }
            }
            // Depth first, in name order.
            pending.append(contentsOf: subfolders.reversed())
        }

        files.sort { $0.key.lexicographicallyPrecedes($1.key) }
        skipped.sort { $0.key.lexicographicallyPrecedes($1.key) }
        return FolderScanResult(files: files.map(\.file), skipped: skipped.map(\.file), warnings: warnings)
    }

    private enum Classification {
        case success(DocumentFormat)
        case failure(SkippedFile.Reason)
    }

    /// The format of a regular file, from its extension or (without one) its first bytes.
    private func classify(name: [UInt8], info: stat, open: () -> Int32) -> Classification {
        if let dot = name.lastIndex(of: 0x2E), dot != name.startIndex, dot != name.index(before: name.endIndex) {
            let ext = String(decoding: name[(dot + 1)...], as: UTF8.self)
            if !extractedExtensions.isEmpty, extractedExtensions.contains(ext.lowercased()) { return .success(.text) }
            if let format = DocumentFormat(pathExtension: ext) { return .success(format) }
            return .failure(.unsupportedType)
        }
        if info.st_size == 0 { return .success(.text) }
        let fd = open()
        guard fd >= 0 else { return .failure(.unreadable) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: TextDecoding.sniffLength)
        var filled = 0
        while filled < buffer.count {
            let count = buffer.withUnsafeMutableBytes { raw in
                Self.readBytes(fd, raw.baseAddress! + filled, raw.count - filled)
            }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            filled += count
        }
        let format = buffer[..<filled].withUnsafeBytes { DocumentFormat(sniffing: $0) }
        guard let format else { return .failure(.binaryContent) }
        return .success(format)
    }

    // MARK: POSIX helpers

    private static func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count, body)
        }
    }

    private static func statFollowing(_ path: [UInt8], _ info: inout stat) -> Bool {
        withCString(path) { fstatat(AT_FDCWD, $0, &info, 0) == 0 }
    }

    private static func openFile(_ path: [UInt8]) -> Int32 {
        withCString(path) { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
    }

    private static func readBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(fd, buffer, count)
        #else
        Darwin.read(fd, buffer, count)
        #endif
    }

    private static func modificationTime(_ info: stat) -> Int64 {
        #if canImport(Darwin)
        Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        #else
        Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        #endif
    }

    /// The bytes as text, each byte that is not part of valid UTF-8 written as `%XX`.
    static func displayPath(_ bytes: [UInt8]) -> String {
        if let valid = String(validating: bytes, as: UTF8.self) { return valid }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 8)
        let hex = Array("0123456789ABCDEF".utf8)
        var i = 0
        while i < bytes.count {
            let length = validSequenceLength(bytes, at: i)
            if length > 0 {
                output.append(contentsOf: bytes[i..<(i + length)])
                i += length
            } else {
                output.append(0x25)
                output.append(hex[Int(bytes[i] >> 4)])
                output.append(hex[Int(bytes[i] & 0x0F)])
                i += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The length of the valid UTF-8 sequence at `i`, or 0 when there is none.
    private static func validSequenceLength(_ b: [UInt8], at i: Int) -> Int {
        func continuation(_ k: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool { k < b.count && range.contains(b[k]) }
        switch b[i] {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return continuation(i + 1) ? 2 : 0
        case 0xE0: return continuation(i + 1, 0xA0...0xBF) && continuation(i + 2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return continuation(i + 1) && continuation(i + 2) ? 3 : 0
        case 0xED: return continuation(i + 1, 0x80...0x9F) && continuation(i + 2) ? 3 : 0
        case 0xF0: return continuation(i + 1, 0x90...0xBF) && continuation(i + 2) && continuation(i + 3) ? 4 : 0
        case 0xF1...0xF3: return continuation(i + 1) && continuation(i + 2) && continuation(i + 3) ? 4 : 0
        case 0xF4: return continuation(i + 1, 0x80...0x8F) && continuation(i + 2) && continuation(i + 3) ? 4 : 0
        default: return 0
        }
    }
}
