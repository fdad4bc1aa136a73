import ArgumentParser
import Foundation
import Trawl

/// The `--index` option shared by every command that opens an index.
struct IndexLocation: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The index folder (default: $TRAWL_INDEX, else ./index); e.g. --index ~/notes-index.", valueName: "dir"),
            completion: .directory)
    var index: String?

    /// The folder used without `--index`, in this order: `$TRAWL_INDEX`; `./index`; the
    /// nearest `index/` folder up the tree from the current one that holds a Trawl commit;
    /// else `index` (which does not exist yet).
    static var defaultPath: String {
        if let environment = ProcessInfo.processInfo.environment["TRAWL_INDEX"], !environment.isEmpty { return environment }
        if holdsIndex("index") { return "index" }
        var folder = FileManager.default.currentDirectoryPath
        while folder != "/" && !folder.isEmpty {
            folder = (folder as NSString).deletingLastPathComponent
            let candidate = (folder as NSString).appendingPathComponent("index")
            if holdsIndex(candidate) { return candidate }
        }
        return "index"
    }

    /// Whether `path` is a folder holding a Trawl commit (`commit_*`).
    static func holdsIndex(_ path: String) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return false }
        return names.contains { $0.hasPrefix("commit_") && !$0.hasSuffix(".tmp") }
    }

    /// The index to open: `--index`, else ``defaultPath`` (which looks up the tree).
    var path: String { index ?? IndexLocation.defaultPath }

    /// The index `trawl index` writes to: `--index`, else `$TRAWL_INDEX`, else `./index`
    /// (a new index is never created up the tree).
    var writerPath: String {
        if let index { return index }
        if let environment = ProcessInfo.processInfo.environment["TRAWL_INDEX"], !environment.isEmpty { return environment }
        return "index"
    }

    func validate() throws {
        if let index, index.isEmpty { throw ValidationError("--index needs a folder path") }
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFDIR {
            throw ValidationError("the index location \(displayPath(path)) is a file, not a folder; give --index the folder of an index")
        }
    }

    /// Fails with "no index at …" (exit 3) unless an index exists here; for commands that
    /// open a writer, which would otherwise create an empty index.
    func requireExistingIndex() throws {
        _ = try IndexReader(path: path)
    }
}

/// Terminal capabilities of standard output.
enum Terminal {
    /// Whether standard output is a terminal.
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }

    /// Whether colors may be used on standard output (a terminal, and `NO_COLOR` unset).
    static var colorsEnabled: Bool {
        guard stdoutIsTerminal else { return false }
        if let noColor = ProcessInfo.processInfo.environment["NO_COLOR"], !noColor.isEmpty { return false }
        if ProcessInfo.processInfo.environment["TERM"] == "dumb" { return false }
        return true
    }

    /// The terminal width, or 100 when unknown.
    static var width: Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { return Int(size.ws_col) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(columns), n > 20 { return n }
        return 100
    }

    /// Columns that `text` takes on a terminal: East Asian wide characters and emoji take two.
    static func displayWidth<S: StringProtocol>(_ text: S) -> Int {
        var width = 0
        for character in text {
            guard let scalar = character.unicodeScalars.first else { continue }
            let v = scalar.value
            if v < 0x20 || (0x7F..<0xA0).contains(v) { continue }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
                || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
                || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
                || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
                || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x3FFFD).contains(v)
            width += wide ? 2 : 1
        }
        return width
    }

    /// `text` cut to at most `width` columns, ending in `…` when cut.
    static func truncate(_ text: String, toWidth width: Int) -> String {
        guard displayWidth(text) > width else { return text }
        var result = ""
        var used = 0
        for character in text {
            let w = displayWidth(String(character))
            if used + w > max(0, width - 1) { break }
            result.append(character)
            used += w
        }
        return result + "…"
    }

    /// Wraps `text` in an ANSI style when colors are enabled.
    static func style(_ text: String, _ code: String, enabled: Bool) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// Human-readable byte counts (`1.5 MB`).
func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: value >= 100 ? "%.0f %@" : "%.1f %@", value, units[unit])
}

/// Monotonic seconds.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
