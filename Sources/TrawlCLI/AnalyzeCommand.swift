import ArgumentParser
import Trawl
#if canImport(Glibc)
import Glibc
#endif

/// `trawl analyze`: shows how text is turned into index terms.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Show how text is split, folded and stemmed into index terms.",
        discussion: """
            Prints one token per line: position, term, and the UTF-8 byte range of the word in \
            the input. Several TEXT arguments are analyzed separately; `-` reads standard input \
            (as one text, or one text per line with --lines).
            Examples:
              trawl analyze "Russia's sanctions on the refiners' tankers"
              trawl analyze --json "well-known 3.14" "U.S. crude exports"
              printf 'first line\\nsecond line\\n' | trawl analyze --lines --json -
            """
    )

    @Option(name: .long, help: ArgumentHelp("The analyzer: english (default), simple, or a language of the Snowball stemmers (german, french, spanish, russian and more; an unknown name lists them all); e.g. --analyzer german.", valueName: "name"),
            completion: .list(AnalyzerConfiguration.builtIn.keys.sorted()))
    var analyzer: String = "english"

    @Flag(name: .long, help: "Print JSON Lines: one array of {term, position, start, end} per text (see docs/json-output.md).")
    var json = false

    @Flag(name: .long, help: "With `-`, analyze each line of standard input separately; e.g. trawl analyze --lines - < titles.txt.")
    var lines = false

    @Argument(help: ArgumentHelp("Texts to analyze, e.g. \"Oil exports\"; `-` reads standard input.", valueName: "text"))
    var texts: [String] = []

    func validate() throws {
        guard AnalyzerConfiguration.named(analyzer) != nil else {
            throw ValidationError("unknown analyzer '\(analyzer)'; choose one of: \(AnalyzerConfiguration.builtIn.keys.sorted().joined(separator: ", "))")
        }
        guard !texts.isEmpty else { throw ValidationError("give at least one TEXT, or `-` to read standard input") }
    }

    func run() throws {
        let analyzerInstance = try Analyzer(AnalyzerConfiguration.named(analyzer)!)
        var inputs: [[UInt8]] = []
        for text in texts {
            if text == "-" {
                let data = readAllStandardInput()
                if lines {
                    inputs.append(contentsOf: data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init))
                    if inputs.last?.isEmpty == true { inputs.removeLast() }
                } else {
                    inputs.append(data)
                }
            } else {
                inputs.append(Array(text.utf8))
            }
        }
        let multiple = inputs.count > 1
        for (index, input) in inputs.enumerated() {
            let tokens = analyzerInstance.analyze(utf8: input)
            if json {
                print(JSONOutput.array(tokens.map { token in
                    JSONOutput.object([("term", .string(token.term)), ("position", .int(token.position)),
                                       ("start", .int(token.start)), ("end", .int(token.end))])
                }).rendered())
            } else {
                if multiple {
                    if index > 0 { print("") }
                    print("# \(String(decoding: input, as: UTF8.self))")
                }
                for token in tokens {
                    let surface = String(decoding: input[token.start..<token.end], as: UTF8.self)
                    print("\(token.position)\t\(token.term)\t\(token.start)-\(token.end)\t\(surface)")
                }
            }
        }
    }
}

/// Reads standard input to the end.
func readAllStandardInput() -> [UInt8] {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n > 0 {
            result.append(contentsOf: buffer[0..<n])
        } else if n < 0 && errno == EINTR {
            continue
        } else {
            break
        }
    }
    return result
}
