import Foundation

/// An external command that prints the text of files with one extension
/// (`rtf=unrtf --text {}`): an index-level setting of ``FolderIndexer`` for formats Trawl does
/// not read itself, recorded in the index's commit so that later runs use it too.
///
/// The command is split into words like a shell would split it (spaces separate words; single
/// and double quotes group them; a backslash escapes the next character) but nothing is
/// interpreted: no variables, no globs, no `$(...)`. Each `{}` in a word is replaced by the
/// file's path, inside that word, so the path is always part of exactly one argument whatever
/// characters it holds. The program is found on `PATH` and spawned directly (`posix_spawn`,
/// never through a shell), with standard input from `/dev/null`. Its standard output is the
/// text (read as a plain-text file: encoding detection, title from the first line); a command
/// that runs longer than ``ExtractorSettings/timeout`` is killed, one that prints more than
/// ``ExtractorSettings/maximumOutputSize`` bytes is stopped, and one that exits with a failure
/// status fails the file with its standard error in the message.
public struct ExternalExtractor: Sendable, Hashable, CustomStringConvertible {
    /// The file-name extension it handles: lower-cased, without the dot.
    public var fileExtension: String
    /// The command as written (`unrtf --text {}`).
    public var command: String
    /// The command's words; `{}` in them stands for the file's path.
    public var arguments: [String]

    /// Parses `ext=command` (the form of `trawl index --extractor`); throws `.invalidArgument`
    /// with the reason when the extension or the command is missing or the quoting is unbalanced.
    public init(specification: String) throws(TrawlError) {
        guard let equals = specification.firstIndex(of: "=") else {
            throw TrawlError(.invalidArgument, "An extractor is written ext=command, e.g. rtf=unrtf --text {}; got \"\(specification)\".")
        }
        var ext = String(specification[..<equals]).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if ext.hasPrefix(".") { ext.removeFirst() }
        try self.init(fileExtension: ext, command: String(specification[specification.index(after: equals)...]))
    }

    /// An extractor of the files with extension `fileExtension` (without the dot, any case).
    public init(fileExtension: String, command: String) throws(TrawlError) {
        let ext = fileExtension.lowercased()
        guard !ext.isEmpty, !ext.contains("/"), !ext.contains("."), !ext.contains(where: { $0.isWhitespace }) else {
            throw TrawlError(.invalidArgument, "An extractor needs a file extension such as rtf (no dot, slash or space); got \"\(fileExtension)\".")
        }
        let words = try ExternalExtractor.words(of: command)
        guard !words.isEmpty else {
            throw TrawlError(.invalidArgument, "The extractor of .\(ext) files has no command.")
        }
        self.fileExtension = ext
        self.command = command.trimmingCharacters(in: .whitespacesAndNewlines)
        arguments = words
    }

    /// `ext=command`.
    public var description: String { "\(fileExtension)=\(command)" }

    /// The arguments for the file at `path`: each `{}` replaced by the path; when no word holds
    /// `{}`, the path is added as the last argument.
    public func arguments(forPath path: String) -> [String] {
        guard arguments.contains(where: { $0.contains("{}") }) else { return arguments + [path] }
        return arguments.map { $0.replacingOccurrences(of: "{}", with: path) }
    }

    /// The words of a command line: split on unquoted whitespace; quotes group and are removed;
    /// a backslash outside single quotes escapes the next character.
    static func words(of command: String) throws(TrawlError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaping = false
        for character in command {
            if escaping {
                current.append(character)
                escaping = false
                continue
            }
            if let open = quote {
                if character == open {
                    quote = nil
                } else if character == "\\" && open == "\"" {
                    escaping = true
                } else {
                    current.append(character)
                }
                continue
            }
            switch character {
            case "\\": escaping = true; inWord = true
            case "'", "\"": quote = character; inWord = true
            case _ where character.isWhitespace:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        guard quote == nil, !escaping else {
            throw TrawlError(.invalidArgument, "The extractor command \"\(command)\" has an unclosed quote or a trailing backslash.")
        }
        if inWord { words.append(current) }
        return words
    }
}

/// The external extractors of an index and their limits (``FolderIndexer/Options/extractors``).
public struct ExtractorSettings: Sendable, Hashable {
    /// The extractors, at most one per extension.
    public var extractors: [ExternalExtractor]
    /// Seconds a command may run before it is killed. Default 30.
    public var timeout: Double
    /// The most bytes of standard output kept; a command that prints more is stopped and the
    /// file fails. Default 64 MiB.
    public var maximumOutputSize: Int

    /// Creates settings.
    public init(extractors: [ExternalExtractor] = [], timeout: Double = 30, maximumOutputSize: Int = 64 << 20) {
        self.extractors = extractors
        self.timeout = timeout
        self.maximumOutputSize = maximumOutputSize
    }

    /// The extractor of files with extension `ext` (any case), if any.
    public func extractor(forExtension ext: String) -> ExternalExtractor? {
        let lowered = ext.lowercased()
        return extractors.last { $0.fileExtension == lowered }
    }

    /// The commit user-data key under which the extractors are recorded, one `ext=command` a line.
    static let userDataKey = "extractors"

    /// The extractors recorded in a commit's user data (lines that do not parse are left out).
    static func recorded(in userData: [String: String]) -> [ExternalExtractor] {
        guard let text = userData[userDataKey] else { return [] }
        return text.split(separator: "\n").compactMap { try? ExternalExtractor(specification: String($0)) }
    }

    /// `recorded` with `given` replacing those of the same extensions, sorted by extension.
    static func merged(recorded: [ExternalExtractor], given: [ExternalExtractor]) -> [ExternalExtractor] {
        var byExtension: [String: ExternalExtractor] = [:]
        for extractor in recorded { byExtension[extractor.fileExtension] = extractor }
        for extractor in given { byExtension[extractor.fileExtension] = extractor }
        return byExtension.keys.sorted().map { byExtension[$0]! }
    }

    /// The user-data value recording `extractors`.
    static func userDataValue(_ extractors: [ExternalExtractor]) -> String {
        extractors.map(\.description).joined(separator: "\n")
    }
}

/// Running one extractor on one file.
enum ExtractorProcess {
    /// What the command printed, or a `.documentUnreadable` error naming `relativePath`.
    static func run(_ extractor: ExternalExtractor, path: String, relativePath: String,
                    settings: ExtractorSettings) throws(TrawlError) -> [UInt8] {
        let arguments = extractor.arguments(forPath: path)
        func failure(_ message: String, _ stderr: [UInt8] = []) -> TrawlError {
            let shownError = TextDecoding.collapsingWhitespace(String(decoding: stderr.prefix(400), as: UTF8.self))
            return TrawlError(.documentUnreadable, "The extractor `\(extractor.command)` \(message).", path: relativePath,
                              underlying: shownError.isEmpty ? nil : shownError)
        }
        var output: [Int32] = [-1, -1]
        var errors: [Int32] = [-1, -1]
        guard pipe(&output) == 0 else { throw failure("could not start: no pipe (\(String(cString: strerror(errno))))") }
        guard pipe(&errors) == 0 else {
            close(output[0]); close(output[1])
            throw failure("could not start: no pipe (\(String(cString: strerror(errno))))")
        }
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        for fd in [output[0], output[1], errors[0], errors[1]] { posix_spawn_file_actions_addclose(&actions, fd) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a timeout kills what the command started too.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        cArguments.append(nil)
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, cArguments, environ)
        close(output[1])
        close(errors[1])
        guard spawned == 0 else {
            close(output[0]); close(errors[0])
            throw failure("could not start: \(String(cString: strerror(spawned)))")
        }
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var open = [output[0], errors[0]]
        let deadline = monotonicNanoseconds() + UInt64(max(0, settings.timeout) * 1e9)
        var stopped: String?
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !open.isEmpty, stopped == nil {
            let now = monotonicNanoseconds()
            guard now < deadline else {
                stopped = "ran longer than \(formatted(settings.timeout)) seconds and was killed"
                break
            }
            var polled = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let waitMilliseconds = Int32(min(1000, max(1, (deadline - now) / 1_000_000)))
            let ready = poll(&polled, nfds_t(polled.count), waitMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                stopped = "could not be read (\(String(cString: strerror(errno))))"
                break
            }
            for entry in polled where entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR || errno == EAGAIN { continue }
                if count <= 0 {
                    close(entry.fd)
                    open.removeAll { $0 == entry.fd }
                    continue
                }
                if entry.fd == output[0] {
                    stdout.append(contentsOf: buffer[..<count])
                    if stdout.count > settings.maximumOutputSize {
                        stopped = "printed more than the limit of \(settings.maximumOutputSize) bytes and was stopped"
                    }
                } else if stderr.count < 4096 {
                    stderr.append(contentsOf: buffer[..<min(count, 4096 - stderr.count)])
                }
            }
        }
        for fd in open { close(fd) }
        // The output is closed; the command may still run (it closed its output early).
        var status: Int32 = 0
        var reaped = false
        while stopped == nil {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { reaped = true; break }
            if result < 0 && errno != EINTR { break }
            if monotonicNanoseconds() >= deadline {
                stopped = "ran longer than \(formatted(settings.timeout)) seconds and was killed"
                break
            }
            usleep(5_000)
        }
        if stopped != nil { kill(-pid, SIGKILL) }
        if !reaped {
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        if let stopped { throw failure(stopped, stderr) }
        let exitedNormally = status & 0x7F == 0
        if !exitedNormally { throw failure("was ended by signal \(status & 0x7F)", stderr) }
        let code = (status >> 8) & 0xFF
        if code != 0 {
            throw failure(code == 127 && stdout.isEmpty && stderr.isEmpty ? "could not be run (exit status 127)" : "failed with exit status \(code)", stderr)
        }
        return stdout
    }

    private static func formatted(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

