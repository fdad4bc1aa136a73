import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The package root, found from this file's path (Tests/TrawlCLITests/CLITestSupport.swift).
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The `trawl` binary: next to the running test bundle when it is there (the same build
/// configuration), else `.build/debug/trawl` under the package root. `swift test` builds it.
let trawlBinary: String = {
    var candidates: [String] = []
    if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        var url = URL(fileURLWithPath: executable)
        for _ in 0..<4 {
            url.deleteLastPathComponent()
            candidates.append(url.appendingPathComponent("trawl").path)
        }
    }
    candidates.append(packageRoot + "/.build/debug/trawl")
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
}()

/// The sample articles of the README.
let samplesFolder = packageRoot + "/samples/articles"

/// A fresh temporary folder.
func temporaryFolder(_ name: String = "trawl-cli") -> String {
    let path = NSTemporaryDirectory() + "\(name)-\(getpid())-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A folder for indexes shared by several tests, removed when the test process exits.
let sharedScratch: String = {
    let folder = temporaryFolder("trawl-cli-tests")
    atexit { try? FileManager.default.removeItem(atPath: sharedScratch) }
    return folder
}()

/// The sample articles indexed once for every test that only reads them.
let sampleIndex: String = {
    let folder = sharedScratch + "/samples"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let index = folder + "/index"
    let result = trawl(["index", "--quiet", "--index", index, samplesFolder], in: folder)
    precondition(result.status == 0, "indexing the samples failed: \(result.stderr)")
    return index
}()

/// What a run of `trawl` printed and how it exited.
struct RunResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }

    /// Standard output parsed as one JSON object.
    func jsonObject() throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        return try #require(value as? [String: Any], "not a JSON object: \(stdout)")
    }
}

/// The environment of a child: this one without variables that change trawl's behavior.
func childEnvironment(_ extra: [String: String]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    for name in ["NO_COLOR", "TRAWL_INDEX", "COLUMNS", "TERM"] { environment.removeValue(forKey: name) }
    environment["TERM"] = "xterm-256color"
    environment.merge(extra) { $1 }
    return environment
}

/// Runs `trawl` with its output sent to files (not a terminal), in folder `cwd`.
func trawl(_ arguments: [String], in cwd: String? = nil, stdin: String? = nil, environment: [String: String] = [:]) -> RunResult {
    let folder = temporaryFolder("trawl-run")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let outPath = folder + "/out", errPath = folder + "/err", inPath = folder + "/in"
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    _ = FileManager.default.createFile(atPath: inPath, contents: Data((stdin ?? "").utf8))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: trawlBinary)
    process.arguments = arguments
    process.environment = childEnvironment(environment)
    process.currentDirectoryURL = URL(fileURLWithPath: cwd ?? folder)
    guard let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath),
          let input = FileHandle(forReadingAtPath: inPath) else {
        return RunResult(status: -1, stdout: "", stderr: "cannot create the output files")
    }
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    do {
        try process.run()
    } catch {
        return RunResult(status: -1, stdout: "", stderr: "cannot run \(trawlBinary): \(error)")
    }
    process.waitUntilExit()
    try? out.close()
    try? err.close()
    try? input.close()
    let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    let status = process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    return RunResult(status: status, stdout: stdout, stderr: stderr)
}

/// Runs `trawl` with standard input, output and error on a pseudo-terminal of `columns`
/// columns, and returns everything it wrote there (the terminal turns `\n` into `\r\n`).
func trawlInTerminal(_ arguments: [String], in cwd: String, columns: UInt16 = 100,
                     environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    var master: Int32 = -1, slave: Int32 = -1
    var size = winsize(ws_row: 40, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
    guard openpty(&master, &slave, nil, nil, &size) == 0 else { throw POSIXFailure("openpty", errno) }
    // Neither end may leak into children started meanwhile by other tests: the terminal only
    // reports end-of-output once every copy of the slave end is closed.
    _ = fcntl(master, F_SETFD, FD_CLOEXEC)
    _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
    defer { close(master) }
    let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: trawlBinary)
    process.arguments = arguments
    process.environment = childEnvironment(environment)
    process.currentDirectoryURL = URL(fileURLWithPath: cwd)
    process.standardInput = terminal
    process.standardOutput = terminal
    process.standardError = terminal
    do {
        try process.run()
    } catch {
        close(slave)
        throw error
    }
    close(slave)
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline {
        var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, 1000)
        if ready < 0 && errno == EINTR { continue }
        if ready == 0 { continue }
        let n = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
        if n > 0 {
            output.append(contentsOf: buffer[0..<n])
        } else if n < 0 && errno == EINTR {
            continue
        } else {
            break  // EIO: the child closed the terminal
        }
    }
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

/// A failed system call.
struct POSIXFailure: Error, CustomStringConvertible {
    var call: String
    var code: Int32
    init(_ call: String, _ code: Int32) {
        self.call = call
        self.code = code
    }
    var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
}

/// ANSI color and style sequences (SGR: `ESC [ … m`), not cursor movements like `ESC [ K`.
func containsColor(_ text: String) -> Bool {
    text.range(of: "\u{1B}\\[[0-9;]*m", options: .regularExpression) != nil
}

// MARK: JSON schemas

/// The JSON type of a field.
indirect enum JSONType: Sendable, CustomStringConvertible {
    case string, integer, number, bool, array(JSONType), object, null
    /// A map whose values all have one type.
    case map(JSONType)
    /// A value of either type (typically `.nullable`).
    case either(JSONType, JSONType)
    /// An object with exactly these keys.
    case record([String: JSONType])

    static func nullable(_ type: JSONType) -> JSONType { .either(type, .null) }

    var description: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .number: "number"
        case .bool: "bool"
        case .array(let element): "array of \(element)"
        case .object: "object"
        case .null: "null"
        case .map(let value): "object of \(value)"
        case .either(let a, let b): "\(a) or \(b)"
        case .record(let fields): "object {\(fields.keys.sorted().joined(separator: ", "))}"
        }
    }

    /// The problems of `value` against this type (empty when it conforms).
    func problems(_ value: Any, at path: String) -> [String] {
        let number = value as? NSNumber
        let isBool = number.map { String(cString: $0.objCType) == "c" } ?? false
        switch self {
        case .string:
            return value is String ? [] : ["\(path): expected a string, got \(value)"]
        case .integer:
            guard let number, !isBool, !"fd".contains(String(cString: number.objCType)) else {
                return ["\(path): expected an integer, got \(value)"]
            }
            return []
        case .number:
            return number != nil && !isBool ? [] : ["\(path): expected a number, got \(value)"]
        case .bool:
            return isBool ? [] : ["\(path): expected true or false, got \(value)"]
        case .null:
            return value is NSNull ? [] : ["\(path): expected null, got \(value)"]
        case .array(let element):
            guard let array = value as? [Any] else { return ["\(path): expected an array, got \(value)"] }
            return array.enumerated().flatMap { element.problems($0.element, at: "\(path)[\($0.offset)]") }
        case .object:
            return value is [String: Any] ? [] : ["\(path): expected an object, got \(value)"]
        case .map(let type):
            guard let object = value as? [String: Any] else { return ["\(path): expected an object, got \(value)"] }
            return object.flatMap { type.problems($0.value, at: "\(path).\($0.key)") }
        case .either(let a, let b):
            let first = a.problems(value, at: path)
            return first.isEmpty || b.problems(value, at: path).isEmpty ? [] : ["\(path): expected \(self), got \(value)"]
        case .record(let fields):
            guard let object = value as? [String: Any] else { return ["\(path): expected an object, got \(value)"] }
            var problems: [String] = []
            for key in Set(object.keys).subtracting(fields.keys).sorted() { problems.append("\(path).\(key): not in the schema") }
            for (key, type) in fields.sorted(by: { $0.key < $1.key }) {
                guard let member = object[key] else {
                    problems.append("\(path).\(key): missing")
                    continue
                }
                problems += type.problems(member, at: "\(path).\(key)")
            }
            return problems
        }
    }
}

/// Expects `value` to conform to `schema`, reporting every difference.
func expectConforms(_ value: Any, to schema: JSONType, sourceLocation: SourceLocation = #_sourceLocation) {
    let problems = schema.problems(value, at: "$")
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))", sourceLocation: sourceLocation)
}
