import Foundation
@testable import Trawl

/// Helpers shared by the Documents* test suites.
enum DocumentsTestSupport {
    /// Reads `text` as a file of `format` with the given relative path.
    static func read(_ text: String, _ format: DocumentFormat, path: String = "doc",
                     options: DocumentReader.Options = .init()) throws(TrawlError) -> DocumentReadResult {
        try DocumentReader(options: options).read(contentsOf: Array(text.utf8), relativePath: path, format: format)
    }

    /// Reads raw bytes.
    static func read(bytes: [UInt8], _ format: DocumentFormat, path: String = "doc") throws(TrawlError) -> DocumentReadResult {
        try DocumentReader().read(contentsOf: bytes, relativePath: path, format: format)
    }

    /// The only document of a result (a test failure when there is not exactly one).
    static func single(_ result: DocumentReadResult) -> Document? {
        result.documents.count == 1 ? result.documents[0] : nil
    }

    /// Runs `body` with a new empty folder that is removed afterwards.
    static func withTemporaryFolder<R>(_ body: (String) throws -> R) throws -> R {
        var template = Array((NSTemporaryDirectory() + "/trawl-documents-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else { throw TrawlError(.io, "mkdtemp failed") }
        let path = String(cString: created)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    /// Writes a file (creating folders) under `root`.
    static func write(_ text: String, to relative: String, in root: String) throws {
        try write(bytes: Array(text.utf8), to: relative, in: root)
    }

    static func write(bytes: [UInt8], to relative: String, in root: String) throws {
        let url = URL(fileURLWithPath: root).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// Creates a file whose path is given as raw bytes (names that are not UTF-8).
    static func write(bytes: [UInt8], toRawPath path: [UInt8]) -> Bool {
        let fd = (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            }
        }
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) } == bytes.count
    }

    /// `<package root>/../shared/data`, where the shared test collections live.
    static let sharedDataFolder: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data")

    /// The path of `zstd`, when installed.
    static let zstdPath: String? = ["/usr/bin/zstd", "/usr/local/bin/zstd", "/bin/zstd"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The decompressed bytes of a `.zst` file, through the `zstd` program.
    static func decompress(_ url: URL) throws -> [UInt8] {
        guard let zstdPath else { throw TrawlError(.io, "zstd is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: zstdPath)
        process.arguments = ["-dc", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TrawlError(.io, "zstd failed") }
        return [UInt8](data)
    }
}
