// libFuzzer entry point for the query parser. Built by `Fuzz/build.sh QueryParserFuzz`, which
// compiles this file into the `Trawl` module together with the library sources it needs, so
// internal API is visible here.

/// The parser under test: the English analyzer, the usual fields, and a fixed clock so that
/// date math is deterministic. Created once; the parser is Sendable and reused.
private let strictParser: QueryParser = {
    let analyzer: any QueryAnalyzing = (try? Analyzer(.english)) ?? BasicQueryAnalyzer()
    return QueryParser(analyzer: analyzer, fields: ["title", "body", "author", "tags"], now: 1_709_649_000)
}()

/// Parses the input strictly and leniently and checks the parser's invariants; a violated
/// invariant traps, which libFuzzer reports as a crash with the input saved.
///
/// - every strict parse either fails with a column inside the query (1...characters + 1) or
///   gives a tree whose printout parses back to an equal tree;
/// - lenient parsing fails only on limits, and never needs its whole-input safety net.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let query = try strictParser.parse(text)
        let printed = query.description
        do {
            let again = try strictParser.parse(printed)
            if again != query {
                fatalError("reparse differs:\n  input:   \(text.debugDescription)\n  printed: \(printed.debugDescription)\n  again:   \(again)")
            }
        } catch {
            // A printout can exceed the length limit (it spells out every AND) and the depth
            // limit (precedence adds parentheses: `a OR b c` prints as `a OR (b AND c)`);
            // anything else is a bug.
            if error.kind != .queryTooLong && error.kind != .nestingTooDeep {
                fatalError("printout does not parse:\n  input:   \(text.debugDescription)\n  printed: \(printed.debugDescription)\n  error:   \(error)")
            }
        }
    } catch {
        if error.column < 1 || error.column > text.count + 1 {
            fatalError("column \(error.column) outside the query: \(text.debugDescription)")
        }
        _ = error.rendered(query: text)
    }
    do {
        _ = try strictParser.parseStrictOrLenient(text, lenient: true)
    } catch {
        if !error.isLimit {
            fatalError("lenient parse failed: \(text.debugDescription): \(error)")
        }
    }
    return 0
}
