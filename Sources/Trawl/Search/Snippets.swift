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
    private var analyzer: Analyzer
    /// The index's languages: a document in another language than the default is analyzed in
    /// its own (nil: every document with ``analyzer``).
    var languages: IndexLanguages? = nil
    /// The language whose tagged terms the analyzed words become (see ``DocumentLanguage``).
    private var languageTag: String? = nil
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

    /// Analyzes text in `language` (one of the index's other languages), matching its tagged terms.
    mutating func localize(to language: IndexLanguages.Other) {
        analyzer = language.analyzer
        languageTag = language.code
        languages = nil
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
    func snippet(for body: String) -> Snippet { passage(of: body).snippet }

    /// The best passage of `body` and the byte offset in the body of its first highlight (of
    /// the passage's start when nothing is highlighted).
    func passage(of fullBody: String) -> (snippet: Snippet, offset: Int) {
        var bytes = Array(fullBody.utf8.prefix(SnippetBuilder.maximumAnalyzedBytes))
        let truncated = bytes.count < fullBody.utf8.count
        if truncated {
            // Cut before the character that straddles the limit.
            while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }
            if let last = bytes.last, last >= 0xC0 { bytes.removeLast() }
        }
        return passage(of: bytes, continuesBefore: false, continuesAfter: truncated)
    }

    /// The best passage of a stretch of a body (valid UTF-8); `continuesBefore` and
    /// `continuesAfter` say whether the body goes on beyond it (a `…` marks such a cut).
    func passage(of bytes: [UInt8], continuesBefore: Bool, continuesAfter truncated: Bool) -> (snippet: Snippet, offset: Int) {
        var tokens = analyzer.analyze(utf8: bytes)
        if let languageTag {
            for i in tokens.indices { tokens[i].term = DocumentLanguage.taggedTerm(tokens[i].term, language: languageTag) }
        }
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
        let cutBefore = start > 0 || continuesBefore
        if cutBefore { out.append(contentsOf: Array("… ".utf8)) }
        var lastWasSpace = cutBefore
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
        var firstHighlight: Int?
        for mark in marks where mark.range.lowerBound >= start && mark.range.upperBound <= end {
            firstHighlight = min(firstHighlight ?? mark.range.lowerBound, mark.range.lowerBound)
            let lower = map[mark.range.lowerBound - start]
            let upper = min(map[mark.range.upperBound - start], textEnd)
            if lower < upper { highlights.append(lower..<upper) }
        }
        // Leading whitespace of the body was dropped; shift nothing (ranges come from the map).
        if !cutBefore, let firstNonSpace = out.firstIndex(where: { $0 != 0x20 }), firstNonSpace > 0 {
            out.removeFirst(firstNonSpace)
            highlights = highlights.map { ($0.lowerBound - firstNonSpace)..<($0.upperBound - firstNonSpace) }
        }
        var offset = firstHighlight ?? start
        while offset < end, TextDecoding.isSpace(bytes[offset]) {
            offset += 1
        }
        return (Snippet(text: String(decoding: out, as: UTF8.self), highlights: highlights), offset)
    }
}

extension SnippetBuilder {
    /// The most positions of one term read to place a passage in a chunked body.
    static let maximumPositionsPerTerm = 4096
    /// The most expansions of a prefix whose positions are read to place a passage.
    static let maximumPrefixExpansions = 64
    /// The span of positions a passage is assumed to cover when placing it.
    static let passageSpan = 30

    /// The passage of a stored document's body (nil when none is stored) and the line of the
    /// source file its first highlight is on (when the body's first line is known).
    ///
    /// A body stored whole is analyzed from its start (up to ``maximumAnalyzedBytes``). For a
    /// body stored in chunks, the query's words are looked up in the document's positions, the
    /// stretch with the most distinct matched words is chosen, and only the chunk holding it and
    /// the next one are decompressed and analyzed: the work is bounded whatever the body's size.
    func passage(of stored: StoredDocument, in segment: SegmentReader, doc: Int,
                 store: DocumentStoreReader) throws(TrawlError) -> (snippet: Snippet, line: Int?, page: Int?)? {
        if let languages, let column = segment.columns.keywords[DocumentLanguage.field],
           let ordinal = column.ordinals(of: doc).first {
            let code = column.foldedString(ordinal)
            if let other = languages.others.first(where: { $0.code == code }) {
                var localized = self
                localized.localize(to: other)
                return try localized.passage(of: stored, in: segment, doc: doc, store: store)
            }
        }
        let chunks = stored.bodyChunks
        // The page of the body's UTF-8 offset `offset`, for documents whose page starts are stored.
        let pageStarts = StoredPages(stored)
        func page(_ offset: Int) -> Int? { pageStarts?.page(atBodyOffset: offset) }
        // The source line of `offset` in `text`, which follows `linesBefore` line feeds of the body.
        func line(_ text: UnsafeRawBufferPointer, _ offset: Int, linesBefore: Int) -> Int? {
            stored.bodyLine.map { $0 + linesBefore + TextDecoding.lineFeeds(in: text, 0..<offset) }
        }
        if chunks.isEmpty {
            guard !stored.body.isEmpty else { return nil }
            let (snippet, offset) = passage(of: stored.body)
            var body = stored.body
            return (snippet, body.withUTF8 { line(UnsafeRawBufferPointer($0), offset, linesBefore: 0) }, page(offset))
        }
        var index = 0
        let target = try bestPosition(in: segment, doc: doc)
        if let target {
            var lo = 0, hi = chunks.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if chunks[mid].firstPosition <= target { lo = mid } else { hi = mid - 1 }
            }
            // A chunk without words of its own repeats the previous chunk's first position.
            while lo > 0, chunks[lo - 1].firstPosition == chunks[lo].firstPosition { lo -= 1 }
            index = lo
        }
        var bytes = try store.chunk(chunks[index])
        let chunkLength = bytes.count
        var loadedNext = false
        func loadNext() throws(TrawlError) {
            guard !loadedNext, index + 1 < chunks.count else { return }
            bytes.append(contentsOf: try store.chunk(chunks[index + 1]))
            loadedNext = true
        }
        let continuesBefore = index > 0
        var continuesAfter: Bool { index + (loadedNext ? 2 : 1) < chunks.count }
        // Where in the chunk the best stretch starts, estimated from the chunk's density of
        // words: analyze only a window of a few kilobytes there, and the whole chunk (and the
        // next) only when the window holds no match after all.
        if let target, index + 1 < chunks.count, chunks[index + 1].firstPosition > chunks[index].firstPosition {
            let words = Double(chunks[index + 1].firstPosition - chunks[index].firstPosition)
            let estimate = Int(Double(target - chunks[index].firstPosition) / words * Double(chunkLength))
            let half = SnippetBuilder.estimatedWindowBytes / 2
            if estimate + half > chunkLength { try loadNext() }
            let window = SnippetBuilder.wordAligned(bytes, max(0, estimate - half)..<min(bytes.count, estimate + half))
            if !window.isEmpty {
                let (snippet, offset) = passage(of: Array(bytes[window]), continuesBefore: continuesBefore || window.lowerBound > 0,
                                                continuesAfter: continuesAfter || window.upperBound < bytes.count)
                if !snippet.highlights.isEmpty {
                    return (snippet, bytes.withUnsafeBytes { line($0, window.lowerBound + offset, linesBefore: chunks[index].linesBefore) },
                            page(chunks[index].start + window.lowerBound + offset))
                }
            }
        }
        try loadNext()
        let (snippet, offset) = passage(of: bytes, continuesBefore: continuesBefore, continuesAfter: continuesAfter)
        return (snippet, bytes.withUnsafeBytes { line($0, offset, linesBefore: chunks[index].linesBefore) },
                page(chunks[index].start + offset))
    }

    /// The bytes analyzed around the estimated place of a match in a chunk.
    static let estimatedWindowBytes = 3 * 1024

    /// `range` narrowed to start just after a space or line break and end just before one (the
    /// whole of `range` when it holds none), so no word is cut.
    static func wordAligned(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound, end = range.upperBound
        if start > 0 {
            while start < end, !TextDecoding.isSpace(bytes[start - 1]) { start += 1 }
        }
        if end < bytes.count {
            while end > start, !TextDecoding.isSpace(bytes[end]) { end -= 1 }
        }
        if start < end { return start..<end }
        // No space: cut at character boundaries instead.
        start = range.lowerBound
        end = range.upperBound
        while start < end, bytes[start] & 0xC0 == 0x80 { start += 1 }
        while end > start, end < bytes.count, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return start..<end
    }

    /// The body words the query looks for (terms, phrase words, prefixes) as the index holds
    /// them, and where the stretch of ``passageSpan`` positions with the most distinct ones
    /// (then the most matches) starts in document `doc`; nil when none occurs there.
    func bestPosition(in segment: SegmentReader, doc: Int) throws(TrawlError) -> Int? {
        let field = IndexSchema.bodyField
        guard segment.fieldsByName[field]?.hasPositions == true else { return nil }
        var infos: [TermPostingsInfo] = []
        var words = Set(terms)
        for phrase in phrases { for part in phrase { words.insert(part.term) } }
        guard let dictionary = segment.dictionary.terms(forField: field) else { return nil }
        for word in words.sorted() {
            if let info = try dictionary.lookup(word) { infos.append(info) }
        }
        for prefix in prefixes {
            var iterator = dictionary.terms(withPrefix: Array(prefix.utf8), limit: SnippetBuilder.maximumPrefixExpansions)
            while try iterator.next() { infos.append(iterator.info) }
        }
        var matches: [(position: Int, word: Int)] = []
        var buffer: [UInt32] = []
        for (w, info) in infos.enumerated() {
            var cursor = try segment.cursor(field: field, info: info)
            guard cursor.advance(to: UInt32(doc)) == UInt32(doc) else {
                try cursor.throwIfCorrupt()
                continue
            }
            try cursor.positions(into: &buffer)
            for position in buffer.prefix(SnippetBuilder.maximumPositionsPerTerm) { matches.append((Int(position), w)) }
        }
        guard !matches.isEmpty else { return nil }
        matches.sort { $0.position < $1.position }
        var best = (distinct: 0, count: 0, position: matches[0].position)
        var counts = [Int](repeating: 0, count: infos.count)
        var distinct = 0, low = 0
        for high in matches.indices {
            if counts[matches[high].word] == 0 { distinct += 1 }
            counts[matches[high].word] += 1
            while matches[high].position - matches[low].position >= SnippetBuilder.passageSpan {
                counts[matches[low].word] -= 1
                if counts[matches[low].word] == 0 { distinct -= 1 }
                low += 1
            }
            let count = high - low + 1
            if distinct > best.distinct || (distinct == best.distinct && count > best.count) {
                best = (distinct, count, matches[low].position)
            }
        }
        return best.position
    }
}

/// The page starts of a paged document (a PDF), read from its reserved stored field
/// (``PDFReader/pageStartsField``): the UTF-8 offsets in the body where each page begins.
struct StoredPages {
    let starts: [Int]

    /// The pages of `stored`, or nil when it records none (or the record is not well formed).
    init?(_ stored: StoredDocument) {
        guard let text = stored.fields.first(where: { $0.0 == PDFReader.pageStartsField })?.1 else { return nil }
        var starts: [Int] = []
        for item in text.split(separator: " ") {
            guard let value = Int(item), value >= (starts.last ?? -1) else { return nil }
            starts.append(value)
        }
        guard !starts.isEmpty else { return nil }
        self.starts = starts
    }

    /// The 1-based page holding the body's byte `offset`.
    func page(atBodyOffset offset: Int) -> Int {
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo + 1
    }
}
