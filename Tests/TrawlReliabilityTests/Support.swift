import Foundation
import Testing
@testable import Trawl

#if canImport(Glibc)
import Glibc
#endif

/// Monotonic seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A temporary folder, removed by ``remove()``.
struct TemporaryFolder {
    let path: String

    init(_ label: String) {
        var template = Array("/tmp/trawl-reliability-\(label)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func sub(_ name: String) -> String { path + "/" + name }

    func remove() { removeTree(path) }
}

/// Removes a file tree (restoring permissions first, so chmod 000 folders go too).
func removeTree(_ path: String) {
    _ = try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    if let names = try? FileManager.default.contentsOfDirectory(atPath: path) {
        for name in names {
            let child = path + "/" + name
            var info = stat()
            if lstat(child, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { removeTree(child) } else { unlink(child) }
        }
    }
    rmdir(path)
    unlink(path)
}

/// Writes bytes to a path (creating parent folders).
func writeFile(_ path: String, _ bytes: [UInt8]) {
    let folder = (path as NSString).deletingLastPathComponent
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    precondition(fd >= 0, "cannot create \(path): \(String(cString: strerror(errno)))")
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
        precondition(n > 0, "cannot write \(path)")
        offset += n
    }
}

func writeFile(_ path: String, _ text: String) { writeFile(path, Array(text.utf8)) }

func readFile(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { [UInt8]($0) }
}

/// The names in a folder (not recursive).
func listFolder(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}

// MARK: The CLI binary

/// Locates the `trawl` binary that `swift build` / `swift test` put next to the test bundle.
enum TrawlCLI {
    /// The binary, or nil (the tests that need it are then skipped with a message).
    static let binary: String? = {
        var candidates: [String] = []
        // The test runner lives in .build/<triple>/debug/ next to the products.
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 {
            let exe = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var folder = (exe as NSString).deletingLastPathComponent
            if folder.hasSuffix(".xctest/Contents/MacOS") { folder = ((folder as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent }
            candidates.append(folder + "/trawl")
            candidates.append((folder as NSString).deletingLastPathComponent + "/trawl")
        }
        // The package root, from this file's path.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        candidates.append(root + "/.build/debug/trawl")
        return candidates.first { access($0, X_OK) == 0 }
    }()

    static let missingMessage = "the trawl binary was not found next to the test bundle (run `swift build` first); CLI tests skipped"
}

// MARK: Child processes

/// A child process started with `posix_spawn`, its output going to files.
final class ChildProcess {
    enum Termination: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        var description: String {
            switch self {
            case .exited(let code): return "exit \(code)"
            case .signaled(let signal): return "signal \(signal)"
            }
        }
    }

    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String
    private(set) var termination: Termination?
    /// Peak resident memory of the child in KB (from `wait4`).
    private(set) var maxResidentKB = 0

    /// Starts `arguments[0]` with the rest as arguments; output goes to `<outputPrefix>.out/.err`.
    init(_ arguments: [String], outputPrefix: String, environment: [String: String] = [:]) {
        stdoutPath = outputPrefix + ".out"
        stderrPath = outputPrefix + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var env = ProcessInfo.processInfo.environment
        env["TRAWL_INDEX"] = nil
        env["NO_COLOR"] = "1"
        for (key, value) in environment { env[key] = value }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, arguments[0], &actions, nil, argv, envp)
        precondition(status == 0, "posix_spawn \(arguments[0]) failed: \(String(cString: strerror(status)))")
        pid = child
    }

    /// Runs to completion (killing the child after `timeout` seconds).
    @discardableResult
    static func run(_ arguments: [String], outputPrefix: String, timeout: Double = 120,
                    environment: [String: String] = [:]) -> ChildProcess {
        let process = ChildProcess(arguments, outputPrefix: outputPrefix, environment: environment)
        process.wait(timeout: timeout)
        return process
    }

    /// Whether the child has ended (reaps it when it has).
    func poll() -> Bool {
        if termination != nil { return true }
        var status: Int32 = 0
        var usage = rusage()
        let r = wait4(pid, &status, WNOHANG, &usage)
        if r == pid {
            record(status, usage)
            return true
        }
        return false
    }

    /// Waits for the child; kills it with SIGKILL after `timeout` seconds.
    func wait(timeout: Double = 120) {
        let deadline = now() + timeout
        var pause: UInt32 = 200
        while !poll() {
            if now() > deadline {
                kill(pid, SIGKILL)
                waitBlocking()
                return
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    /// Sends SIGKILL and reaps. A child that already ended is reported as it ended.
    func killAndWait() {
        guard termination == nil else { return }
        kill(pid, SIGKILL)
        waitBlocking()
    }

    func signal(_ signal: Int32) { kill(pid, signal) }

    private func waitBlocking() {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        record(status, usage)
    }

    private func record(_ status: Int32, _ usage: rusage) {
        if status & 0x7F == 0 {
            termination = .exited((status >> 8) & 0xFF)
        } else {
            termination = .signaled(status & 0x7F)
        }
        maxResidentKB = Int(usage.ru_maxrss)
    }

    var exitCode: Int32? {
        if case .exited(let code) = termination { return code }
        return nil
    }

    var stdout: String { String(decoding: readFile(stdoutPath) ?? [], as: UTF8.self) }
    var stderr: String { String(decoding: readFile(stderrPath) ?? [], as: UTF8.self) }
}

// MARK: Index snapshots

/// What an index holds, as `id → fingerprint`; the fingerprint covers the stored source hash,
/// title and body, so two snapshots are equal only when every document's content is.
func snapshot(_ reader: IndexReader) throws -> [String: String] {
    var result: [String: String] = [:]
    for segment in reader.segments {
        for doc in 0..<segment.documentCount where segment.isLive(doc) {
            let stored = try segment.store.document(doc)
            let hash = stored.fields.first { $0.0 == IndexSchema.sourceHashField }?.1 ?? "-"
            let fingerprint = "\(hash)|\(contentChecksum(title: stored.title, body: stored.body))"
            #expect(result[stored.id] == nil, "document \(stored.id) is live twice")
            result[stored.id] = fingerprint
        }
    }
    return result
}

func contentChecksum(title: String, body: String) -> String {
    String(Checksum.crc32(Array((title + "\u{0}" + body).utf8)), radix: 16)
}

/// The files a commit references plus the lock file: what a clean index folder holds.
func expectedFiles(of reader: IndexReader) -> Set<String> {
    var files = reader.manifest.referencedFiles
    files.insert("write.lock")
    return files
}

extension MemoryDirectory {
    /// A copy with the same files.
    func copy() -> MemoryDirectory {
        let copy = MemoryDirectory()
        for name in (try? fileNames()) ?? [] { copy.overwrite(name, with: contents(of: name) ?? []) }
        return copy
    }
}

/// A short word made of letters only (the analyzer keeps it as one term), unique per number.
func letterWord(_ prefix: String, _ number: Int) -> String {
    var n = number
    var word = prefix
    repeat {
        word.append(Character(UnicodeScalar(UInt8(97 + n % 26))))
        n /= 26
    } while n > 0
    return word
}
