#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only bytes of one index file, memory-mapped (or held in memory for tests).
///
/// The bytes stay valid for the lifetime of the object; readers keep a reference to it.
final class IndexInput: @unchecked Sendable {
    /// The file name inside the index folder.
    let name: String
    /// The file's bytes.
    let bytes: UnsafeRawBufferPointer
    private let release: (UnsafeRawBufferPointer) -> Void
    private let mapped: Bool

    init(name: String, bytes: UnsafeRawBufferPointer, mapped: Bool = false,
         release: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.name = name
        self.bytes = bytes
        self.mapped = mapped
        self.release = release
    }

    /// Drops the pages of a mapped file from this process's resident memory (they stay in the
    /// page cache and are mapped in again on the next read). Merges call it so that reading
    /// whole segments does not count towards the writer's memory.
    func releasePages() {
        guard mapped, let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base), bytes.count, MADV_DONTNEED)
    }

    deinit { release(bytes) }
}

/// A file being written; bytes are appended and the file is made durable by ``finish(sync:)``.
protocol IndexOutput: AnyObject {
    /// Appends bytes.
    func write(_ bytes: UnsafeRawBufferPointer) throws(TrawlError)
    /// Flushes, optionally fsyncs, and closes the file.
    func finish(sync: Bool) throws(TrawlError)
    /// Closes the file without making it durable (after a failure); never throws.
    func abandon()
}

extension IndexOutput {
    /// Appends a byte array.
    func write(_ bytes: [UInt8]) throws(TrawlError) {
        try withTypedBytes(bytes) { (raw) throws(TrawlError) in try write(raw) }
    }
}

/// Where index files live: a flat folder of immutable files plus an atomic rename.
///
/// The file system implementation (``FileSystemDirectory``) memory-maps files for reading;
/// the in-memory one (``MemoryDirectory``) serves tests and can fail writes on demand.
protocol IndexDirectory: AnyObject, Sendable {
    /// A description of the location, for messages.
    var location: String { get }
    /// The names of the files in the folder.
    func fileNames() throws(TrawlError) -> [String]
    /// Whether a file exists.
    func fileExists(_ name: String) -> Bool
    /// Opens a file for reading.
    func openInput(_ name: String) throws(TrawlError) -> IndexInput
    /// Creates (or truncates) a file for writing.
    func createOutput(_ name: String) throws(TrawlError) -> any IndexOutput
    /// Atomically renames a file, replacing any file with the new name.
    func rename(_ from: String, to: String) throws(TrawlError)
    /// Deletes a file; a missing file is not an error.
    func delete(_ name: String) throws(TrawlError)
    /// Makes renames and creations in the folder durable (fsync of the directory).
    func syncDirectory() throws(TrawlError)
}

extension IndexDirectory {
    /// Writes a whole file and makes it durable.
    func writeFile(_ name: String, _ bytes: [UInt8], sync: Bool = true) throws(TrawlError) {
        let output = try createOutput(name)
        do throws(TrawlError) {
            try output.write(bytes)
            try output.finish(sync: sync)
        } catch {
            output.abandon()
            throw error
        }
    }
}

/// A folder on disk; files are read through `mmap`.
final class FileSystemDirectory: IndexDirectory, @unchecked Sendable {
    /// The folder path.
    let path: String

    var location: String { path }

    /// Opens (and with `create`, creates) a folder.
    init(path: String, create: Bool) throws(TrawlError) {
        self.path = path
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw TrawlError(.invalidArgument, "index location exists and is not a folder", path: path)
            }
        } else if create {
            try FileSystemDirectory.makeDirectories(path)
        } else {
            throw TrawlError(.indexNotFound, "no index at this location; run `trawl index FOLDER` first", path: path)
        }
    }

    private static func makeDirectories(_ path: String) throws(TrawlError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw TrawlError(.io, "cannot create the index folder", path: path, underlying: errnoString())
            }
        }
    }

    func fullPath(_ name: String) -> String { path + "/" + name }

    func fileNames() throws(TrawlError) -> [String] {
        guard let dir = opendir(path) else {
            throw TrawlError(.io, "cannot list the index folder", path: path, underlying: errnoString())
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                let bytes = raw.prefix { $0 != 0 }
                return String(decoding: bytes, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    func fileExists(_ name: String) -> Bool {
        var info = stat()
        return stat(fullPath(name), &info) == 0
    }

    func openInput(_ name: String) throws(TrawlError) -> IndexInput {
        let file = fullPath(name)
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code: TrawlError.Code = errno == ENOENT ? .corruptIndex : .io
            throw TrawlError(code, errno == ENOENT ? "index file is missing" : "cannot open index file",
                             path: file, underlying: errnoString())
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw TrawlError(.io, "cannot read index file", path: file, underlying: errnoString())
        }
        let size = Int(info.st_size)
        if size == 0 {
            return IndexInput(name: name, bytes: UnsafeRawBufferPointer(start: nil, count: 0), release: { _ in })
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            throw TrawlError(.io, "cannot map index file", path: file, underlying: errnoString())
        }
        return IndexInput(name: name, bytes: UnsafeRawBufferPointer(start: base, count: size), mapped: true) { bytes in
            munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        }
    }

    func createOutput(_ name: String) throws(TrawlError) -> any IndexOutput {
        let file = fullPath(name)
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TrawlError(.io, "cannot create index file", path: file, underlying: errnoString())
        }
        return FileOutput(fd: fd, path: file)
    }

    func rename(_ from: String, to: String) throws(TrawlError) {
        guard Glibc.rename(fullPath(from), fullPath(to)) == 0 else {
            throw TrawlError(.io, "cannot rename index file to \(to)", path: fullPath(from), underlying: errnoString())
        }
    }

    func delete(_ name: String) throws(TrawlError) {
        if unlink(fullPath(name)) != 0 && errno != ENOENT {
            throw TrawlError(.io, "cannot delete index file", path: fullPath(name), underlying: errnoString())
        }
    }

    func syncDirectory() throws(TrawlError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw TrawlError(.io, "cannot open the index folder", path: path, underlying: errnoString()) }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw TrawlError(.io, "cannot sync the index folder", path: path, underlying: errnoString())
        }
    }
}

/// An output file with a write buffer.
private final class FileOutput: IndexOutput {
    private var fd: Int32
    private let path: String
    private var buffer: [UInt8] = []
    private static let bufferSize = 1 << 20

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        buffer.reserveCapacity(FileOutput.bufferSize)
    }

    deinit { if fd >= 0 { close(fd) } }

    func write(_ bytes: UnsafeRawBufferPointer) throws(TrawlError) {
        if buffer.count + bytes.count > FileOutput.bufferSize {
            try flush()
            if bytes.count >= FileOutput.bufferSize {
                try writeAll(bytes)
                return
            }
        }
        buffer.append(contentsOf: bytes)
    }

    private func flush() throws(TrawlError) {
        if buffer.isEmpty { return }
        try withTypedBytes(buffer) { (raw) throws(TrawlError) in try writeAll(raw) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(TrawlError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw TrawlError(.io, "cannot write index file", path: path, underlying: errnoString())
            }
            offset += n
        }
    }

    func finish(sync: Bool) throws(TrawlError) {
        try flush()
        if sync && fsync(fd) != 0 {
            throw TrawlError(.io, "cannot sync index file", path: path, underlying: errnoString())
        }
        let result = close(fd)
        fd = -1
        if result != 0 { throw TrawlError(.io, "cannot close index file", path: path, underlying: errnoString()) }
    }

    func abandon() {
        if fd >= 0 { close(fd) }
        fd = -1
    }
}

/// The text of the current `errno`.
func errnoString() -> String {
    String(cString: strerror(errno))
}
