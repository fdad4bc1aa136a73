import ArgumentParser
import Foundation

/// The `--index` option shared by every command that opens an index.
struct IndexLocation: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The index folder (default: $TRAWL_INDEX, else ./index).", valueName: "dir"))
    var index: String?

    /// The folder to use.
    var path: String {
        if let index { return index }
        if let environment = ProcessInfo.processInfo.environment["TRAWL_INDEX"], !environment.isEmpty { return environment }
        return "index"
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
