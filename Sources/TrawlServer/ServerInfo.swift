import Foundation
import Hummingbird
import Trawl

/// The admin answers: `GET /`, `/_health`, `GET /{index}`, `_cat/indices`, `_analyze`.
enum ServerInfo {
    /// The OpenSearch version whose API subset the server speaks (clients read it from `GET /`).
    static let compatibleVersion = "2.11.0"

    /// `{"_shards": {"total": 1, "successful": 1, "failed": 0}}`.
    static let shards: JSON = .object([("_shards", .object([("total", .int(1)), ("successful", .int(1)), ("failed", .int(0))]))])

    /// `GET /`: OpenSearch's root information.
    static func root(service: IndexService) -> JSON {
        .object([
            ("name", .string("trawl")), ("cluster_name", .string("trawl")), ("cluster_uuid", .string(uuid(service))),
            ("version", .object([
                ("distribution", .string("opensearch")), ("number", .string(compatibleVersion)),
                ("build_type", .string("trawl")), ("build_hash", .string("trawl")),
                ("build_date", .string("2026-01-01T00:00:00Z")), ("build_snapshot", .bool(false)),
                ("lucene_version", .string("9.7.0")), ("minimum_wire_compatibility_version", .string("7.10.0")),
                ("minimum_index_compatibility_version", .string("7.0.0")),
            ])),
            ("tagline", .string("The OpenSearch Project: https://opensearch.org/ (served by Trawl)")),
        ])
    }

    /// `/_health`: the index served, its documents and generation.
    static func health(service: IndexService) -> JSON {
        let reader = service.reader
        return .object([
            ("status", .string("green")), ("index", .string(service.name)), ("documents", .int(reader.documentCount)),
            ("generation", .int(reader.generation)),
        ])
    }

    /// A stable identifier of the index, from its name (OpenSearch gives every index a uuid).
    static func uuid(_ service: IndexService) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in service.path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 36)
    }

    /// `GET /{index}`: aliases, mappings and settings.
    static func index(service: IndexService) -> JSON {
        let reader = service.reader
        return .object([(service.name, .object([
            ("aliases", .object([])),
            ("mappings", OpenSearchMappings.mappings(of: reader.schema)),
            ("settings", .object([("index", .object([
                ("number_of_shards", .string("1")), ("number_of_replicas", .string("0")),
                ("refresh_interval", .string(service.options.refreshInterval > 0 ? "\(service.options.refreshInterval)s" : "-1")),
                ("provided_name", .string(service.name)), ("uuid", .string(uuid(service))),
                ("analysis", .object([("analyzer", .object([("default", .object([("type", .string(reader.analyzer.configuration.name))]))]))])),
            ]))])),
        ]))])
    }

    /// The field types of a `PUT /{index}` body: its `mappings` (through
    /// `OpenSearchMappings.fieldSchema`); `settings` are accepted and ignored, other members are a 400.
    static func fieldTypes(fromCreateBody body: JSON?) throws(OpenSearchError) -> [String: FieldType] {
        guard let body else { return [:] }
        guard let members = body.objectMembers else {
            throw OpenSearchError(status: 400, type: "parse_exception", reason: "the index body must be a JSON object")
        }
        var types: [String: FieldType] = [:]
        for (key, value) in members {
            switch key {
            case "mappings":
                types = try OpenSearchMappings.fieldSchema(from: value).types
            case "settings":
                continue
            default:
                throw OpenSearchError(status: 400, type: "illegal_argument_exception", reason: "[\(key)] is not supported when creating an index")
            }
        }
        return types
    }

    /// The bytes of the index's files.
    static func storeSize(_ service: IndexService) -> Int {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: service.path) else { return 0 }
        var total = 0
        for name in names {
            let attributes = try? manager.attributesOfItem(atPath: service.path + "/" + name)
            total += (attributes?[.size] as? NSNumber)?.intValue ?? 0
        }
        return total
    }

    /// `GET /_cat/indices`: a text table (`?v` adds the header) or JSON (`?format=json`).
    static func catIndices(service: IndexService, parameters: [String: String]) -> Response {
        let reader = service.reader
        let size = storeSize(service)
        let sizeText = size >= 1 << 20 ? String(format: "%.1fmb", Double(size) / Double(1 << 20))
            : size >= 1 << 10 ? String(format: "%.1fkb", Double(size) / 1024) : "\(size)b"
        let row: [(String, String)] = [
            ("health", "green"), ("status", "open"), ("index", service.name), ("uuid", uuid(service)), ("pri", "1"),
            ("rep", "0"), ("docs.count", String(reader.documentCount)), ("docs.deleted", String(reader.deletedDocumentCount)),
            ("store.size", sizeText), ("pri.store.size", sizeText),
        ]
        if parameters["format"] == "json" {
            return HTTPSupport.json(.array([.object(row.map { ($0.0, .string($0.1)) })]))
        }
        var text = ""
        if parameters["v"] != nil && parameters["v"] != "false" { text += row.map(\.0).joined(separator: " ") + "\n" }
        text += row.map(\.1).joined(separator: " ") + "\n"
        return HTTPSupport.text(text)
    }

    /// `POST /{index}/_analyze`: `text` (a string or an array of strings) through the index's
    /// analyzer, or the named `analyzer`; offsets count UTF-16 code units, as OpenSearch's do.
    static func analyze(service: IndexService, body: JSON?) throws(OpenSearchError) -> JSON {
        guard let body, body.objectMembers != nil else {
            throw OpenSearchError(status: 400, type: "parse_exception", reason: "the _analyze body must be an object with [text]")
        }
        var texts: [String] = []
        switch body["text"] {
        case .string(let text)?: texts = [text]
        case .array(let elements)?:
            for element in elements {
                guard case .string(let text) = element else {
                    throw OpenSearchError(status: 400, type: "illegal_argument_exception", reason: "[text] must hold strings")
                }
                texts.append(text)
            }
        default:
            throw OpenSearchError(status: 400, type: "action_request_validation_exception", reason: "Validation Failed: 1: text is missing;")
        }
        for (key, _) in body.objectMembers ?? [] where !["text", "analyzer", "field"].contains(key) {
            throw OpenSearchError(status: 400, type: "illegal_argument_exception", reason: "[\(key)] is not supported by _analyze (text, analyzer, field)")
        }
        let analyzer: Analyzer
        if case .string(let name)? = body["analyzer"] {
            guard let configuration = AnalyzerConfiguration.named(name) else {
                throw OpenSearchError(status: 400, type: "illegal_argument_exception",
                                      reason: "failed to find analyzer [\(name)]; known: \(AnalyzerConfiguration.builtIn.keys.sorted().joined(separator: ", "))")
            }
            do throws(TrawlError) {
                analyzer = try Analyzer(configuration)
            } catch {
                throw OpenSearchError(status: 500, type: "exception", reason: error.description)
            }
        } else {
            analyzer = service.reader.analyzer
        }
        var tokens: [JSON] = []
        var positionBase = 0
        for text in texts {
            let bytes = Array(text.utf8)
            var lastPosition = -1
            for token in analyzer.analyze(utf8: bytes) {
                let start = String(decoding: bytes[0..<token.start], as: UTF8.self).utf16.count
                let end = start + String(decoding: bytes[token.start..<token.end], as: UTF8.self).utf16.count
                tokens.append(.object([
                    ("token", .string(token.term)), ("start_offset", .int(start)), ("end_offset", .int(end)),
                    ("type", .string("<ALPHANUM>")), ("position", .int(positionBase + token.position)),
                ]))
                lastPosition = max(lastPosition, token.position)
            }
            positionBase += lastPosition + 1 + 100
        }
        return .object([("tokens", .array(tokens))])
    }
}
