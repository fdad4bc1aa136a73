/// A document after analysis, ready to be inverted into a segment.
///
/// Produced on worker threads; each indexed field carries its own small dictionary of the
/// distinct terms it uses, so the single inverting thread hashes each distinct term once per
/// document instead of once per token.
struct AnalyzedDocument: Sendable {
    /// One analyzed field.
    struct Field: Sendable {
        /// The field's name.
        var name: String
        /// The distinct terms' bytes, concatenated.
        var termBytes: [UInt8] = []
        /// `termEnds[i]` is the end offset of local term `i` in ``termBytes``.
        var termEnds: [UInt32] = []
        /// Tokens in position order: `localTerm << 32 | position`.
        var tokens: [UInt64] = []
    }

    /// The stored form (id, title, date, body if stored, extra fields).
    var stored: StoredDocument
    /// The date in seconds, or ``DateColumn/missing``.
    var date: Int64
    /// Indexed text fields (title, body, extra fields) in a fixed order.
    var fields: [Field]
    /// Bytes of UTF-8 text analyzed (for progress reporting).
    var textBytes: Int
    /// The source key (the file the document came from), when known.
    var source: String?
    /// Keyword and bool fields: each value folded (the indexed term) and as displayed.
    var keywords: [(name: String, type: FieldType, folded: [String], display: [String])] = []
    /// Integer numbers and dates of the columns.
    var integers: [(name: String, type: FieldType, value: Int64)] = []
    /// Doubles of the number columns.
    var doubles: [(name: String, value: Double)] = []
    /// The fields the document shares with its group (their keywords, integers and doubles
    /// are added to the columns from there).
    var shared: SharedMetadata? = nil
}

/// Turns documents into ``AnalyzedDocument``s with one ``TokenPipeline``. Used by one thread at
/// a time (the writer hands each worker its own), hence `@unchecked Sendable`.
final class DocumentAnalysis: @unchecked Sendable {
    private let pipeline: TokenPipeline
    private let storeBody: Bool
    /// `localIndex[pipelineTerm]` is valid when `stamps[pipelineTerm] == stamp`.
    @exclusivity(unchecked) private var localIndex: [UInt32] = []
    @exclusivity(unchecked) private var stamps: [UInt32] = []
    @exclusivity(unchecked) private var stamp: UInt32 = 0
    @exclusivity(unchecked) private var generation = -1
    /// The index's default language (``DocumentLanguage/code(of:)``); nil when documents are not
    /// analyzed per language (an analyzer without a stemmer, or an analysis of one language).
    private let defaultLanguage: String?
    private let configuration: AnalyzerConfiguration
    /// The analyses of the other languages met so far, by code (nil: unusable, analyze as default).
    @exclusivity(unchecked) private var languageAnalyses: [String: DocumentAnalysis?] = [:]

    /// Bytes this context may hold at most (its pipeline's caches and the term maps).
    static let memoryReserve = TokenPipeline.cacheByteLimit * 3 / 2

    /// Whether documents that declare no language get one from ``LanguageDetection`` (and the
    /// `lang` keyword with it).
    private let detectsLanguages: Bool

    /// Creates an analysis context for one thread: `perLanguage` analyzes documents declared in
    /// another language than the configuration's in their own (under language-tagged terms).
    init(configuration: AnalyzerConfiguration, storeBody: Bool, perLanguage: Bool = true,
         detectsLanguages: Bool = false) throws(TrawlError) {
        pipeline = try TokenPipeline(configuration: configuration)
        self.storeBody = storeBody
        self.configuration = configuration
        defaultLanguage = perLanguage ? DocumentLanguage.code(of: configuration) : nil
        self.detectsLanguages = detectsLanguages && defaultLanguage != nil
    }

    /// The analysis of a document in language `code` when it is not the index's default.
    private func otherLanguageAnalysis(_ code: String) -> (analysis: DocumentAnalysis, code: String)? {
        guard let defaultLanguage, code != defaultLanguage else { return nil }
        if let known = languageAnalyses[code] { return known.map { ($0, code) } }
        let made = try? DocumentAnalysis(configuration: DocumentLanguage.configuration(for: code, like: configuration),
                                         storeBody: storeBody, perLanguage: false)
        languageAnalyses[code] = made
        return made.map { ($0, code) }
    }

    /// Analyzes a document: title, body and the text fields of `metadata` are indexed as text;
    /// keyword values are folded; the body's word count becomes the `words` column.
    func analyze(_ document: Document, metadata: DocumentMetadata) -> AnalyzedDocument {
        guard defaultLanguage != nil else { return analyzeInDefaultLanguage(document, metadata: metadata) }
        // The declared language (normalized by the writer), else a detected one when asked for.
        var detected: String? = nil
        let language: String?
        if case .string(let code) = document.fields[DocumentLanguage.field] {
            // A value that names no language (the writer normalized every one that does).
            language = DocumentLanguage.isCode(code) ? code : nil
        } else if detectsLanguages, document.fields[DocumentLanguage.field] == nil {
            detected = LanguageDetection.detect(document)
            language = detected
        } else {
            language = nil
        }
        var analyzed: AnalyzedDocument
        if let language, let (other, code) = otherLanguageAnalysis(language) {
            analyzed = other.analyzeInDefaultLanguage(document, metadata: metadata)
            let prefix = DocumentLanguage.prefix(code)
            for i in analyzed.fields.indices { analyzed.fields[i].tag(prefix) }
        } else {
            analyzed = analyzeInDefaultLanguage(document, metadata: metadata)
        }
        if let detected {
            analyzed.keywords.append((DocumentLanguage.field, .keyword, [detected], [detected]))
        }
        return analyzed
    }

    /// Analyzes a document with this context's own pipeline.
    private func analyzeInDefaultLanguage(_ document: Document, metadata: DocumentMetadata) -> AnalyzedDocument {
        pipeline.trimCaches()
        var fields: [AnalyzedDocument.Field] = []
        fields.reserveCapacity(2 + document.fields.count)
        var textBytes = 0
        fields.append(analyzeField("title", document.title, &textBytes))
        // A large stored body is cut into chunks; the analysis notes each chunk's first position.
        var body = document.body
        let chunkStarts = storeBody ? body.withUTF8 { BodyChunking.starts(of: UnsafeRawBufferPointer($0)) } : []
        var firstPositions = [Int](repeating: -1, count: chunkStarts.count)
        fields.append(analyzeField("body", document.body, &textBytes, chunkStarts: chunkStarts, firstPositions: &firstPositions))
        let words = fields[1].tokens.last.map { Int64(UInt32(truncatingIfNeeded: $0)) + 1 } ?? 0
        for (name, value) in metadata.text {
            fields.append(analyzeField(name, value, &textBytes))
        }
        if let shared = metadata.shared {
            for (name, value) in shared.metadata.text { fields.append(analyzeField(name, value, &textBytes)) }
        }
        let chunks = chunkStarts.isEmpty ? [] : body.withUTF8 {
            BodyChunking.chunks(of: UnsafeRawBufferPointer($0), starts: chunkStarts, firstPositions: firstPositions)
        }
        // The store keeps the text and reserved fields; the other types live in the columns.
        let storedFields: [(String, String)]
        let own = metadata.reserved.isEmpty && metadata.text.isEmpty ? []
            : (metadata.reserved + metadata.text).map { ($0.name, $0.value) }
        if own.isEmpty {
            storedFields = metadata.shared?.stored ?? []
        } else {
            storedFields = (own + (metadata.shared?.stored ?? [])).sorted { $0.0 < $1.0 }
        }
        let stored = StoredDocument(document, fields: storedFields, storeBody: storeBody, bodyChunks: chunks)
        var analyzed = AnalyzedDocument(stored: stored, date: document.date?.secondsSinceEpoch ?? DateColumn.missing,
                                        fields: fields, textBytes: textBytes,
                                        source: metadata.shared?.source ?? document.fields[IndexSchema.sourceField]?.description)
        analyzed.shared = metadata.shared
        for keyword in metadata.keywords {
            analyzed.keywords.append((keyword.name, keyword.type, keyword.values.map { QueryFolding.fold($0, accents: false) }, keyword.values))
        }
        analyzed.integers = metadata.integers
        analyzed.integers.append(("words", .number, words))
        analyzed.doubles = metadata.doubles
        return analyzed
    }

    private func analyzeField(_ name: String, _ text: String, _ textBytes: inout Int) -> AnalyzedDocument.Field {
        var none: [Int] = []
        return analyzeField(name, text, &textBytes, chunkStarts: [], firstPositions: &none)
    }

    /// Analyzes one field; `firstPositions[i]` becomes the position of the first token that
    /// starts at or after `chunkStarts[i]` (and before the next start).
    private func analyzeField(_ name: String, _ text: String, _ textBytes: inout Int, chunkStarts: [Int],
                              firstPositions: inout [Int]) -> AnalyzedDocument.Field {
        var field = AnalyzedDocument.Field(name: name)
        if generation != pipeline.generation {
            generation = pipeline.generation
            stamps = []
            localIndex = []
        }
        stamp &+= 1
        if stamp == 0 {
            stamps = [UInt32](repeating: 0, count: stamps.count)
            stamp = 1
        }
        var copy = text
        textBytes += copy.utf8.count
        var nextChunk = 0
        var nextChunkStart = chunkStarts.first ?? Int.max
        copy.withUTF8 { utf8 in
            let terms = pipeline.terms
            pipeline.forEachToken(in: UnsafeRawBufferPointer(utf8)) { term, position, start, _ in
                if start >= nextChunkStart {
                    while nextChunk + 1 < chunkStarts.count, chunkStarts[nextChunk + 1] <= start { nextChunk += 1 }
                    firstPositions[nextChunk] = Int(position)
                    nextChunk += 1
                    nextChunkStart = nextChunk < chunkStarts.count ? chunkStarts[nextChunk] : Int.max
                }
                let t = Int(term)
                if t >= stamps.count {
                    let newCount = max(t + 1, stamps.count * 2, 1024)
                    stamps.append(contentsOf: repeatElement(0, count: newCount - stamps.count))
                    localIndex.append(contentsOf: repeatElement(0, count: newCount - localIndex.count))
                }
                let local: UInt32
                if stamps[t] == stamp {
                    local = localIndex[t]
                } else {
                    local = UInt32(field.termEnds.count)
                    stamps[t] = stamp
                    localIndex[t] = local
                    field.termBytes.append(contentsOf: terms.key(term))
                    field.termEnds.append(UInt32(field.termBytes.count))
                }
                field.tokens.append(UInt64(local) << 32 | UInt64(UInt32(bitPattern: position)))
            }
        }
        return field
    }
}
