/// A passage of a document's body with the words that matched the query marked.
public struct Snippet: Sendable, Equatable, Codable {
    /// The passage (about 160 characters, cut at word boundaries, whitespace collapsed; `…`
    /// marks a cut).
    public var text: String
    /// The matched words and phrases, as UTF-8 byte ranges into ``text``.
    public var highlights: [Range<Int>]

    /// Creates a snippet.
    public init(text: String, highlights: [Range<Int>]) {
        self.text = text
        self.highlights = highlights
    }
}

/// Finds the best passage of a body for a query and marks what matched.
///
/// Matching happens on analyzed terms, so every surface form of a matched stem is marked
/// (`sanctioned` for `sanctions`); a phrase's occurrence is marked as one range.
struct SnippetBuilder {
    private let analyzer: Analyzer
    private var terms: Set<String> = []
    private var prefixes: [String] = []
    private var phrases: [[(term: String, offset: Int)]] = []
    /// The target passage length in UTF-8 bytes.
    var targetLength = 160
    /// Only this many leading bytes of a body are analyzed for the passage (as Lucene's
    /// highlighters cap the characters they analyze): a huge body costs bounded time and memory.
    static let maximumAnalyzedBytes = 256 << 10

    init(analyzer: Analyzer, query: Query) {
        self.analyzer = analyzer
        collect(query)
    }

    private static func searchesBody(_ field: String?) -> Bool {
        field == nil || field == IndexSchema.bodyField
    }

    private mutating func collect(_ query: Query) {
        switch query {
        case .term(let t) where SnippetBuilder.searchesBody(t.field):
            terms.insert(t.term)
        case .phrase(let p) where SnippetBuilder.searchesBody(p.field):
            if p.slop == 0 {
                phrases.append(p.terms.map { ($0.term, $0.position) })
            } else {
                for term in p.terms { terms.insert(term.term) }
            }
        case .prefix(let p) where SnippetBuilder.searchesBody(p.field):
            prefixes.append(p.prefix)
        case .boolean(let b):
            for q in b.must { collect(q) }
            for q in b.should { collect(q) }
        case .boost(let inner, _):
            collect(inner)
        default:
            break
        }
    }

    /// The best passage of `body`.
    func snippet(for fullBody: String) -> Snippet {
        var body = fullBody
        var bytes = Array(fullBody.utf8.prefix(SnippetBuilder.maximumAnalyzedBytes))
        let truncated = bytes.count < fullBody.utf8.count
        if truncated {
            // Cut before the character that straddles the limit.
            while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }
            if let last = bytes.last, last >= 0xC0 { bytes.removeLast() }
            body = String(decoding: bytes, as: UTF8.self)
        }
        let tokens = analyzer.analyze(body)
        // Matched byte ranges in the body, each with a weight for passage choice.
        var marks: [(range: Range<Int>, term: String)] = []
        var positionIndex: [Int: Int] = [:]
        if !phrases.isEmpty { for (i, token) in tokens.enumerated() { positionIndex[token.position] = i } }
        var inPhrase = Set<Int>()
        for phrase in phrases {
            guard let first = phrase.first else { continue }
            for (i, token) in tokens.enumerated() where token.term == first.term {
                var last = i
                var ok = true
                for part in phrase.dropFirst() {
                    guard let j = positionIndex[token.position + part.offset - first.offset], tokens[j].term == part.term else {
                        ok = false
                        break
                    }
                    last = max(last, j)
                }
                if ok {
                    marks.append((tokens[i].start..<tokens[last].end, phrase.map(\.term).joined(separator: " ")))
                    for k in i...last { inPhrase.insert(k) }
                }
            }
        }
        for (i, token) in tokens.enumerated() where !inPhrase.contains(i) {
            if terms.contains(token.term) || prefixes.contains(where: { token.term.hasPrefix($0) }) {
                marks.append((token.start..<token.end, token.term))
            }
        }
        marks.sort { $0.range.lowerBound < $1.range.lowerBound }

        // Choose the window with the most distinct matched terms, then the most marks.
        var windowStart = 0
        if bytes.count > targetLength, !marks.isEmpty {
            var best = (distinct: -1, count: -1, start: 0)
            for (i, mark) in marks.enumerated() {
                let start = max(0, mark.range.lowerBound - 20)
                var seen = Set<String>()
                var count = 0
                // Marks are sorted by start: stop at the first one that starts past the window
                // (scanning on would make this quadratic in the number of matches).
                for other in marks[i...] {
                    if other.range.lowerBound >= start + targetLength { break }
                    if other.range.upperBound > start + targetLength { continue }
                    seen.insert(other.term)
                    count += 1
                }
                if seen.count > best.distinct || (seen.count == best.distinct && count > best.count) {
                    best = (seen.count, count, start)
                }
            }
            windowStart = best.start
        }
        // Snap to word boundaries: start at a token start, end at a token end.
        var start = 0, end = bytes.count
        if bytes.count > targetLength {
            if windowStart > 0, let firstToken = tokens.first(where: { $0.start >= windowStart }) {
                start = firstToken.start
            }
            let limit = start + targetLength
            end = tokens.last(where: { $0.end <= limit && $0.start >= start })?.end ?? min(bytes.count, limit)
            if end <= start { end = min(bytes.count, start + targetLength) }
        }
        // Copy with whitespace collapsed, keeping an offset map for the highlights.
        var out: [UInt8] = []
        out.reserveCapacity(end - start + 8)
        var map = [Int](repeating: 0, count: end - start + 1)
        if start > 0 { out.append(contentsOf: Array("… ".utf8)) }
        var lastWasSpace = start > 0
        for i in start..<end {
            map[i - start] = out.count
            let b = bytes[i]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 {
                if !lastWasSpace { out.append(0x20) }
                lastWasSpace = true
            } else {
                out.append(b)
                lastWasSpace = false
            }
        }
        map[end - start] = out.count
        while out.last == 0x20 { out.removeLast() }
        let textEnd = out.count
        if end < bytes.count || truncated { out.append(contentsOf: Array(" …".utf8)) }
        var highlights: [Range<Int>] = []
        for mark in marks where mark.range.lowerBound >= start && mark.range.upperBound <= end {
            let lower = map[mark.range.lowerBound - start]
            let upper = min(map[mark.range.upperBound - start], textEnd)
            if lower < upper { highlights.append(lower..<upper) }
        }
        // Leading whitespace of the body was dropped; shift nothing (ranges come from the map).
        if start == 0, let firstNonSpace = out.firstIndex(where: { $0 != 0x20 }), firstNonSpace > 0 {
            out.removeFirst(firstNonSpace)
            highlights = highlights.map { ($0.lowerBound - firstNonSpace)..<($0.upperBound - firstNonSpace) }
        }
        return Snippet(text: String(decoding: out, as: UTF8.self), highlights: highlights)
    }
}
