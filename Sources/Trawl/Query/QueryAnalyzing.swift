import CTrawlICU

/// What the query parser needs from a text analyzer: terms with positions for query words and
/// phrases, and the folding (without stemming) applied to prefixes.
///
/// ``Analyzer`` conforms; tests and applications may supply their own stand-ins. An
/// implementation must be deterministic: the same text always gives the same tokens, which is
/// what makes `parse(query.description) == query` hold.
public protocol QueryAnalyzing: Sendable {
    /// Analyzes a query word or a phrase into its kept tokens, in order, with their positions.
    func analyze(_ text: String) -> [Token]
    /// Folds a prefix the way indexed terms are folded (case, and accents when the analyzer
    /// folds them) without stemming it: `Sanct` → `sanct`, `Café` → `cafe`.
    func foldPrefix(_ text: String) -> String
}

extension Analyzer: QueryAnalyzing {
    /// Folds a prefix with this analyzer's case and accent folding, without stemming.
    public func foldPrefix(_ text: String) -> String {
        QueryFolding.fold(text, accents: configuration.foldAccents)
    }
}

/// The analyzer of keyword and bool fields: the whole value, trimmed and case-folded, is one
/// term (as the index folds keyword values).
struct KeywordQueryAnalyzer: QueryAnalyzing {
    func analyze(_ text: String) -> [Token] {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { return [] }
        return [Token(term: QueryFolding.fold(trimmed, accents: false), position: 0, start: 0, end: text.utf8.count)]
    }

    func foldPrefix(_ text: String) -> String { QueryFolding.fold(text, accents: false) }
}

/// NFKC case folding and optional accent folding of a whole string, as the analyzer folds words.
enum QueryFolding {
    static func fold(_ text: String, accents: Bool) -> String {
        var ascii = true
        var upper = false
        for byte in text.utf8 {
            if byte >= 0x80 { ascii = false; break }
            if byte >= 0x41 && byte <= 0x5A { upper = true }
        }
        if ascii && !upper { return text }
        if ascii {
            return String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
        let source = Array(text.utf8)
        var capacity = max(64, source.count * 3)
        while true {
            var out = [UInt8](repeating: 0, count: capacity)
            let length = source.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    src.baseAddress!.withMemoryRebound(to: CChar.self, capacity: src.count) { s in
                        dst.baseAddress!.withMemoryRebound(to: CChar.self, capacity: capacity) { d in
                            trawl_fold_utf8(s, Int32(src.count), d, Int32(capacity), accents ? 1 : 0)
                        }
                    }
                }
            }
            if length < 0 { return text.lowercased() }
            if Int(length) <= capacity { return String(decoding: out.prefix(Int(length)), as: UTF8.self) }
            capacity = Int(length)
        }
    }
}

/// A small analyzer without ICU: splits on anything that is not a letter or digit, lower-cases
/// ASCII, no stemming. Used as a fast stand-in in tests and as the builder's last resort when
/// ICU cannot be initialised.
struct BasicQueryAnalyzer: QueryAnalyzing {
    func analyze(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var current: [UInt8] = []
        var start = 0
        var offset = 0
        var position = 0
        func flush(_ end: Int) {
            if !current.isEmpty {
                tokens.append(Token(term: String(decoding: current, as: UTF8.self), position: position, start: start, end: end))
                position += 1
                current.removeAll(keepingCapacity: true)
            }
        }
        for scalar in text.unicodeScalars {
            let length = UTF8.width(scalar)
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                if current.isEmpty { start = offset }
                if scalar.isASCII {
                    let byte = UInt8(scalar.value)
                    current.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
                } else {
                    current.append(contentsOf: String(scalar).lowercased().utf8)
                }
            } else {
                flush(offset)
            }
            offset += length
        }
        flush(offset)
        return tokens
    }

    func foldPrefix(_ text: String) -> String { text.lowercased() }
}
