import Foundation

/// Writes an index for OpenSearch: the index definition (settings with an analysis chain
/// that reproduces Trawl's analyzer as far as OpenSearch's ICU and Snowball filters can, and
/// the mappings of every field) and `_bulk` NDJSON of every live document, streamed in
/// bounded chunks (`trawl export --opensearch`; see docs/opensearch.md).
public enum OpenSearchExport {
    /// What an export wrote.
    public struct Summary: Sendable, Equatable {
        /// Documents written to the bulk file.
        public var documents: Int
        /// Bytes of the bulk file.
        public var bulkBytes: Int
    }

    /// The settings file's name in the output folder.
    public static let settingsFileName = "settings.json"
    /// The bulk file's name in the output folder.
    public static let bulkFileName = "bulk.ndjson"

    /// Snowball languages OpenSearch's `snowball` filter knows (others use its `stemmer` filter).
    static let snowballLanguages: [AnalyzerConfiguration.Stemmer: String] = [
        .english: "English", .porter: "Porter", .armenian: "Armenian", .basque: "Basque", .catalan: "Catalan",
        .danish: "Danish", .dutch: "Dutch", .finnish: "Finnish", .french: "French", .german: "German",
        .hungarian: "Hungarian", .irish: "Irish", .italian: "Italian", .lithuanian: "Lithuanian",
        .norwegian: "Norwegian", .portuguese: "Portuguese", .romanian: "Romanian", .russian: "Russian",
        .spanish: "Spanish", .swedish: "Swedish", .turkish: "Turkish",
    ]

    /// The `analysis` settings that reproduce an analyzer configuration: the ICU tokenizer
    /// (UAX #29 words), `icu_normalizer` nfkc_cf, stop words when the index drops them,
    /// `icu_folding` for accents and the Snowball stemmer, in Trawl's order.
    public static func analysis(of configuration: AnalyzerConfiguration) -> JSON {
        var filters: [(String, JSON)] = [("trawl_nfkc_cf", .object([("type", .string("icu_normalizer")), ("name", .string("nfkc_cf"))]))]
        var chain: [String] = ["trawl_nfkc_cf"]
        filters.append(("trawl_length", .object([("type", .string("length")), ("max", .int(configuration.maxTokenBytes))])))
        chain.append("trawl_length")
        if configuration.stopWords == .english {
            filters.append(("trawl_stop", .object([("type", .string("stop")), ("stopwords", .string("_english_"))])))
            chain.append("trawl_stop")
        }
        var stemmer: String?
        if configuration.stemmer != .none {
            if let language = snowballLanguages[configuration.stemmer] {
                filters.append(("trawl_stemmer", .object([("type", .string("snowball")), ("language", .string(language))])))
            } else {
                filters.append(("trawl_stemmer", .object([("type", .string("stemmer")), ("language", .string(configuration.stemmer.rawValue))])))
            }
            stemmer = "trawl_stemmer"
        }
        if configuration.foldAccents { filters.append(("trawl_folding", .object([("type", .string("icu_folding"))]))) }
        // English folds accents before stemming; the other languages stem their own letters first.
        if configuration.stemmer == .english || configuration.stemmer == .none {
            if configuration.foldAccents { chain.append("trawl_folding") }
            if let stemmer { chain.append(stemmer) }
        } else {
            if let stemmer { chain.append(stemmer) }
            if configuration.foldAccents { chain.append("trawl_folding") }
        }
        return .object([
            ("filter", .object(filters)),
            ("normalizer", .object([("trawl_keyword", .object([("type", .string("custom")), ("filter", .array([.string("lowercase")]))]))])),
            ("analyzer", .object([("trawl", .object([("type", .string("custom")), ("tokenizer", .string("icu_tokenizer")),
                                                      ("filter", .array(chain.map { .string($0) }))]))])),
        ])
    }

    /// The body of `PUT /{index}` that creates the index on OpenSearch: one shard (so scores
    /// use the whole index's statistics, as Trawl's do), the analysis and the mappings.
    public static func indexDefinition(of reader: IndexReader) -> JSON {
        var longFields: Set<String> = []
        for name in reader.schema.fields(of: .number) {
            let columns = reader.segments.compactMap { $0.columns.numerics[name] }
            if !columns.isEmpty && columns.allSatisfy(\.isInteger) { longFields.insert(name) }
        }
        return .object([
            ("settings", .object([
                ("index", .object([("number_of_shards", .int(1)), ("refresh_interval", .string("1s"))])),
                ("analysis", analysis(of: reader.analyzer.configuration)),
            ])),
            ("mappings", OpenSearchMappings.mappingsJSON(of: reader.schema, textAnalyzer: "trawl", keywordNormalizer: "trawl_keyword",
                                                         longFields: longFields)),
        ])
    }

    /// Streams the `_bulk` lines of every live document (an `index` action naming `index` and
    /// the id, then the `_source`) to `write`, in chunks of about `chunkBytes`.
    /// Returns the number of documents.
    public static func bulkLines(of reader: IndexReader, index: String, chunkBytes: Int = 1 << 20,
                                 _ write: ([UInt8]) throws(TrawlError) -> Void) throws(TrawlError) -> Int {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(chunkBytes + 4096)
        var count = 0
        for segment in reader.segments {
            for local in 0..<segment.documentCount where segment.isLive(local) {
                let stored = StoredFields(try segment.store.document(local), segment: segment, doc: local)
                let action: JSON = .object([("index", .object([("_index", .string(index)), ("_id", .string(stored.id))]))])
                action.render(into: &buffer)
                buffer.append(0x0A)
                OpenSearchDocuments.source(of: stored).render(into: &buffer)
                buffer.append(0x0A)
                count += 1
                if buffer.count >= chunkBytes {
                    try write(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
        }
        if !buffer.isEmpty { try write(buffer) }
        return count
    }

    /// Writes `settings.json` and `bulk.ndjson` into `folder` (created if needed), the bulk
    /// actions naming the index `index`.
    public static func write(reader: IndexReader, index: String, to folder: String) throws(TrawlError) -> Summary {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw TrawlError(.io, "cannot create the folder: \(error.localizedDescription)", path: folder)
        }
        let settingsPath = (folder as NSString).appendingPathComponent(settingsFileName)
        var settings = indexDefinition(of: reader).renderedBytes()
        settings.append(0x0A)
        guard FileManager.default.createFile(atPath: settingsPath, contents: Data(settings)) else {
            throw TrawlError(.io, "cannot write the settings", path: settingsPath)
        }
        let bulkPath = (folder as NSString).appendingPathComponent(bulkFileName)
        guard FileManager.default.createFile(atPath: bulkPath, contents: nil), let handle = FileHandle(forWritingAtPath: bulkPath) else {
            throw TrawlError(.io, "cannot create the bulk file", path: bulkPath)
        }
        defer { try? handle.close() }
        var bytes = 0
        let documents = try bulkLines(of: reader, index: index) { (chunk: [UInt8]) throws(TrawlError) in
            do {
                try handle.write(contentsOf: chunk)
            } catch {
                throw TrawlError(.io, "cannot write the bulk file: \(error.localizedDescription)", path: bulkPath)
            }
            bytes += chunk.count
        }
        return Summary(documents: documents, bulkBytes: bytes)
    }
}
