/// Keeps queries that begin with `-` from being read as options.
///
/// `trawl search -hockey` would otherwise be read as the short flags `-h -o -c …` (and print the
/// help), and `trawl search '-oil storm'` as an unknown option. The commands that take a query
/// or text (`search`, `explain`, `analyze`) have no short options but `-h`, so any other
/// argument that starts with a single dash is a query: it is moved, in order with the other
/// positional arguments, after a `--` that ends the options.
enum QueryArguments {
    /// The commands whose positional arguments are queries or texts.
    static let commands: Set<String> = ["search", "explain", "analyze"]

    /// Options of those commands that take a value (the value may itself begin with `-`).
    static let valueOptions: Set<String> = ["--index", "--limit", "--offset", "--sort", "--weights", "--analyzer", "--proximity",
                                             "--expansion", "--k1", "--b", "--bm25f-k1"]

    /// `arguments` (without the program name) with dash-led queries placed after `--`; the
    /// arguments unchanged when there are none. Throws when options follow an explicit `--`.
    static func protectingQueries(_ arguments: [String]) throws -> [String] {
        guard let command = arguments.first, commands.contains(command) else { return arguments }
        var options: [String] = [command]
        var positionals: [String] = []
        var moved = false
        var i = 1
        while i < arguments.count {
            let argument = arguments[i]
            if argument == "--" {
                let rest = arguments[(i + 1)...]
                if let option = rest.first(where: { $0.hasPrefix("--") && $0.count > 2 && $0.dropFirst(2).first?.isLetter == true }) {
                    let before = Array(arguments[1..<i]) + rest.filter { $0.hasPrefix("--") }
                    let after = rest.filter { !$0.hasPrefix("--") }
                    throw CLIFailure(message: "options go before --: \(option) after -- is read as part of the query; "
                                         + "write trawl \(command) \(before.joined(separator: " ")) -- "
                                         + after.map(shellQuoted).joined(separator: " "),
                                     status: ExitStatus.usage, code: "usage")
                }
                positionals.append(contentsOf: rest)
                break
            }
            if argument.hasPrefix("--") {
                options.append(argument)
                if valueOptions.contains(argument), i + 1 < arguments.count {
                    options.append(arguments[i + 1])
                    i += 1
                }
            } else if argument.hasPrefix("-") && argument != "-" && argument != "-h" {
                positionals.append(argument)
                moved = true
            } else if argument == "-h" {
                options.append(argument)
            } else {
                positionals.append(argument)
            }
            i += 1
        }
        guard moved else { return arguments }
        return options + ["--"] + positionals
    }

    /// The positional arguments among `arguments` (options and their values left out).
    static func positionals(_ arguments: [String]) -> [String] {
        var words: [String] = []
        var skipValue = false
        for argument in arguments {
            if skipValue { skipValue = false; continue }
            if argument.hasPrefix("--") { skipValue = valueOptions.contains(argument); continue }
            words.append(argument)
        }
        return words
    }

    /// `text` quoted for a POSIX shell (single quotes, as a user would paste it).
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
