import ArgumentParser
import Foundation
import Trawl

/// `trawl export --opensearch OUT/`: the index as OpenSearch settings, mappings and bulk NDJSON.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export an index for OpenSearch: index settings and mappings, and _bulk NDJSON of every document.",
        discussion: """
            Writes OUT/settings.json (the body of PUT /{index}: one shard, an analyzer that \
            reproduces Trawl's as far as OpenSearch can (ICU tokenizer, icu_normalizer nfkc_cf, \
            icu_folding, Snowball stemming); keyword, date and number fields as mapped; it needs the \
            analysis-icu plugin) and OUT/bulk.ndjson (an index action and the _source of every \
            document, streamed with bounded memory). The index name in the bulk actions is the \
            index folder's name in lower case unless --name is given.
            Load them into an OpenSearch cluster:
              curl -XPUT localhost:9200/articles -H 'Content-Type: application/json' -d @OUT/settings.json
              curl -XPOST localhost:9200/_bulk -H 'Content-Type: application/x-ndjson' --data-binary @OUT/bulk.ndjson
            (split a large bulk file into pieces of a few thousand lines, an even number each). \
            See docs/opensearch.md for the walk from `trawl serve` to a cluster.
            Examples:
              trawl export --opensearch out/
              trawl export --opensearch out/ --index /tmp/reuters --name reuters
            """
    )

    @OptionGroup var location: IndexLocation

    @Option(name: .long, help: ArgumentHelp("The folder to write settings.json and bulk.ndjson into (created if needed).", valueName: "dir"),
            completion: .directory)
    var opensearch: String

    @Option(name: .long, help: ArgumentHelp("The OpenSearch index name in the bulk actions (default: the index folder's name, lower-cased).", valueName: "name"))
    var name: String?

    @Flag(name: .long, help: "Print one JSON object with what was written.")
    var json = false

    /// The index name: `--name`, else the folder's name in lower case.
    var indexName: String {
        if let name { return name }
        let folder = (URL(fileURLWithPath: location.path).standardizedFileURL.lastPathComponent).lowercased()
        return folder.isEmpty || folder == "/" ? "trawl" : folder
    }

    func validate() throws {
        if let name {
            guard !name.isEmpty, name == name.lowercased(), !name.hasPrefix("_"), !name.hasPrefix("-"),
                  !name.contains(where: { "\\/*?\"<>| ,#:".contains($0) }) else {
                throw ValidationError("--name must be a valid OpenSearch index name: lower case, without spaces or \\/*?\"<>|,#:, not starting with _ or -")
            }
        }
    }

    func run() throws {
        let reader = try IndexReader(path: location.path)
        let summary = try OpenSearchExport.write(reader: reader, index: indexName, to: opensearch)
        let settings = (opensearch as NSString).appendingPathComponent(OpenSearchExport.settingsFileName)
        let bulk = (opensearch as NSString).appendingPathComponent(OpenSearchExport.bulkFileName)
        if json {
            print(JSON.object([("index", .string(indexName)), ("documents", .int(summary.documents)),
                               ("settings", .string(settings)), ("bulk", .string(bulk)), ("bulk_bytes", .int(summary.bulkBytes))]).rendered())
        } else {
            print("Exported \(summary.documents) documents as index `\(indexName)`: \(settings), \(bulk) (\(summary.bulkBytes) bytes)")
        }
    }
}
