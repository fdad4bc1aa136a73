import CTrawlICU

/// The single-threaded analysis engine: ICU word breaking over UTF-8, folding, stemming.
///
/// Each distinct surface form is folded and stemmed once; later occurrences cost one hash
/// lookup (``surfaceCache``). Terms come out as dense ids into ``terms`` so the indexer can map
/// them with an array lookup instead of hashing again. Not thread-safe: use one per thread
/// (``Analyzer`` keeps a pool and lends each pipeline to one caller at a time, which is why it
/// is marked `@unchecked Sendable`).
final class TokenPipeline: @unchecked Sendable {
    /// The configuration this pipeline implements.
    let configuration: AnalyzerConfiguration
    /// Interned terms (folded and stemmed forms); ids are stable until ``generation`` changes.
    let terms = ByteStringTable(expectedKeys: 1 << 14)
    /// Incremented whenever the caches are reset, which invalidates earlier term ids.
    @exclusivity(unchecked) private(set) var generation = 0

    private let breaker: OpaquePointer
    /// The libstemmer stemmer of the configuration's language (nil for none and English).
    private let snowball: SnowballStemmer?
    @exclusivity(unchecked) private var stemScratch: [UInt8] = []
    private let surfaceCache = ByteStringTable(expectedKeys: 1 << 14)
    /// Surface id → term id, or −1 for a dropped word (stop word, empty after folding).
    @exclusivity(unchecked) private var surfaceToTerm: [Int32] = []
    @exclusivity(unchecked) private var scratch: [UInt8] = []
    private let batch = 256
    private let starts: UnsafeMutablePointer<Int64>
    private let ends: UnsafeMutablePointer<Int64>
    private let kinds: UnsafeMutablePointer<Int32>
    /// When the caches hold more than this many bytes they are cleared (bounded memory on
    /// corpora with huge vocabularies).
    static let cacheByteLimit = 24 << 20

    /// Creates a pipeline; fails when ICU cannot create a word break iterator.
    init(configuration: AnalyzerConfiguration) throws(TrawlError) {
        self.configuration = configuration
        var status: Int32 = 0
        guard let breaker = trawl_wordbreaker_create("", &status) else {
            throw TrawlError(.analysis, "ICU could not create a word break iterator", underlying: "ICU error \(status)")
        }
        if let algorithm = configuration.stemmer.snowballAlgorithm {
            guard let stemmer = SnowballStemmer(algorithm: algorithm) else {
                trawl_wordbreaker_destroy(breaker)
                throw TrawlError(.analysis, "the system's libstemmer has no \(algorithm) stemmer")
            }
            snowball = stemmer
        } else {
            snowball = nil
        }
        self.breaker = breaker
        starts = .allocate(capacity: batch)
        ends = .allocate(capacity: batch)
        kinds = .allocate(capacity: batch)
        scratch.reserveCapacity(512)
        surfaceToTerm.reserveCapacity(1 << 14)
    }

    deinit {
        trawl_wordbreaker_destroy(breaker)
        starts.deallocate()
        ends.deallocate()
        kinds.deallocate()
    }

    /// Bytes held by the caches.
    var memoryFootprint: Int { terms.memoryFootprint + surfaceCache.memoryFootprint + surfaceToTerm.capacity * 4 }

    /// Clears the caches (invalidating term ids) when they have grown past their budget.
    /// Call between documents, never while holding term ids.
    func trimCaches() {
        if memoryFootprint > TokenPipeline.cacheByteLimit {
            surfaceCache.reset(expectedKeys: 1 << 14)
            terms.reset(expectedKeys: 1 << 14)
            surfaceToTerm = []
            surfaceToTerm.reserveCapacity(1 << 14)
            generation += 1
        }
    }

    /// Analyzes UTF-8 text (ill-formed sequences read as U+FFFD) and calls `body` for each kept
    /// token with its term id, position and byte range. Returns the number of positions used
    /// (the field length for scoring is the number of kept tokens, counted by the caller).
    @discardableResult
    @inline(__always)
    func forEachToken(in text: UnsafeRawBufferPointer, firstPosition: Int32 = 0,
                      _ body: (_ term: Int32, _ position: Int32, _ start: Int, _ end: Int) -> Void) -> Int32 {
        guard let base = text.baseAddress, text.count > 0 else { return 0 }
        let chars = base.assumingMemoryBound(to: CChar.self)
        guard trawl_wordbreaker_set_text(breaker, chars, Int64(text.count)) == 0 else { return 0 }
        var position = firstPosition
        while true {
            let n = Int(trawl_wordbreaker_next_words(breaker, starts, ends, kinds, Int32(batch)))
            if n == 0 { break }
            for i in 0..<n {
                let start = Int(starts[i])
                let end = Int(ends[i])
                let surface = UnsafeRawBufferPointer(start: base + start, count: end - start)
                let term = termID(forSurface: surface, kind: kinds[i])
                if term >= 0 { body(term, position, start, end) }
                position &+= 1
            }
        }
        return position - firstPosition
    }

    /// The term id for a surface form, analyzing it on first sight; −1 when it is dropped.
    @inline(__always)
    private func termID(forSurface surface: UnsafeRawBufferPointer, kind: Int32) -> Int32 {
        let (surfaceID, inserted) = surfaceCache.intern(surface)
        if !inserted { return surfaceToTerm[Int(surfaceID)] }
        let term = analyzeSurface(surface, kind: kind)
        surfaceToTerm.append(term)
        return term
    }

    /// Folds, filters and stems one surface form into an interned term id (or −1).
    private func analyzeSurface(_ surface: UnsafeRawBufferPointer, kind: Int32) -> Int32 {
        if surface.count > configuration.maxTokenBytes { return -1 }
        // A Snowball stemmer reads the language's own letters: accents are folded after it.
        fold(surface, accents: configuration.foldAccents && snowball == nil, into: &scratch)
        if scratch.isEmpty { return -1 }
        if configuration.stopWords == .english {
            let isStop = scratch.withUnsafeBufferPointer { EnglishStopWords.contains($0) }
            if isStop { return -1 }
        }
        if configuration.stemmer == .english && kind == TRAWL_WORD_LETTER {
            EnglishStemmer.stem(&scratch)
        } else if let snowball, kind == TRAWL_WORD_LETTER {
            snowballStem(snowball)
        }
        if scratch.isEmpty { return -1 }
        return scratch.withUnsafeBytes { terms.intern($0).id }
    }

    /// Stems ``scratch`` with libstemmer, then folds the stem's accents when configured.
    private func snowballStem(_ stemmer: SnowballStemmer) {
        stemmer.stem(&scratch, scratch: &stemScratch)
        if configuration.foldAccents && scratch.contains(where: { $0 >= 0x80 }) {
            swap(&scratch, &stemScratch)
            stemScratch.withUnsafeBytes { fold($0, accents: true, into: &scratch) }
        }
    }

    /// NFKC case folding and, when `accents`, accent folding. ASCII takes a fast path.
    private func fold(_ surface: UnsafeRawBufferPointer, accents foldAccents: Bool, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var ascii = true
        for byte in surface where byte >= 0x80 { ascii = false; break }
        if ascii {
            for byte in surface {
                out.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            }
            return
        }
        let source = surface.baseAddress!.assumingMemoryBound(to: CChar.self)
        let accents: Int32 = foldAccents ? 1 : 0
        var capacity = max(64, surface.count * 3)
        while true {
            out = [UInt8](repeating: 0, count: capacity)
            let length = out.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: capacity) {
                    trawl_fold_utf8(source, Int32(surface.count), $0, Int32(capacity), accents)
                }
            }
            if length < 0 {
                out.removeAll()
                return
            }
            if Int(length) <= capacity {
                out.removeSubrange(Int(length)...)
                return
            }
            capacity = Int(length)
        }
    }

    /// Analyzes a string into public tokens.
    func tokens(_ text: String) -> [Token] {
        var copy = text
        return copy.withUTF8 { tokens(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// Analyzes UTF-8 bytes into public tokens.
    func tokens(utf8 text: UnsafeRawBufferPointer) -> [Token] {
        var result: [Token] = []
        forEachToken(in: text) { term, position, start, end in
            result.append(Token(term: terms.keyString(term), position: Int(position), start: start, end: end))
        }
        trimCaches()
        return result
    }
}
