import ArgumentParser
import Foundation
import Trawl

/// `trawl stats`: what an index holds.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show documents, segments, terms per field, sizes and the date range of an index.",
        discussion: """
            Examples:
              trawl stats
              trawl stats --json --index /tmp/reuters | jq .documents
            """
    )

    @OptionGroup var location: IndexLocation

    @Flag(name: .long, help: "Print one JSON object (see docs/json-output.md).")
    var json = false

    func run() throws {
        let reader = try IndexReader(path: location.path)
        let stats = reader.statistics()
        if json {
            var dateRange: JSONOutput = .null
            if let range = stats.dateRange {
                dateRange = .object([("from", .string(range.lowerBound.description)), ("to", .string(range.upperBound.description))])
            }
            print(JSONOutput.object([
                ("index", .string(location.path)), ("documents", .int(stats.documents)),
                ("deleted", .int(stats.deletedDocuments)), ("segments", .int(stats.segments)),
                ("generation", .int(stats.generation)),
                ("terms", .object(stats.termsPerField.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                ("bytes", .object(stats.bytesPerFileKind.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                ("date_range", dateRange), ("analyzer", .string(stats.analyzer.name)), ("stores_body", .bool(stats.storesBody)),
                ("roots", .array(stats.roots.map { .string($0) })),
                ("default_language", stats.defaultLanguage.map { .string($0) } ?? .null),
                ("languages", .object(stats.languages.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                ("language_detection", .bool(stats.detectsLanguages)),
                ("fields", .object(stats.fields.map { field in
                    var members: [(String, JSONOutput)] = [("type", .string(field.type.rawValue)), ("documents", .int(field.documents))]
                    if let distinct = field.distinctValues { members.append((field.type == .text ? "terms" : "distinct", .int(distinct))) }
                    if let minimum = field.minimum { members.append(("min", .string(minimum))) }
                    if let maximum = field.maximum { members.append(("max", .string(maximum))) }
                    return (field.name, .object(members))
                })),
            ]).rendered())
            return
        }
        print("Index       \(displayPath(location.path)) (generation \(stats.generation))")
        print("Documents   \(stats.documents)\(stats.deletedDocuments > 0 ? " (+\(stats.deletedDocuments) deleted, not yet merged away)" : "")")
        print("Segments    \(stats.segments)")
        for (i, root) in stats.roots.enumerated() { print((i == 0 ? "Indexed     " : "            ") + displayPath(root)) }
        print("Analyzer    \(stats.analyzer.description)")
        print("Bodies      \(stats.storesBody ? "stored (snippets available)" : "not stored")")
        if stats.defaultLanguage != nil || stats.languages.count > 1 {
            let counts = stats.languages.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\($0.key.isEmpty ? "unknown" : $0.key) \($0.value)" }.joined(separator: ", ")
            print("Languages   \(counts) (default \(stats.defaultLanguage ?? "none")\(stats.detectsLanguages ? ", detected when undeclared" : ""))")
        }
        if let range = stats.dateRange {
            print("Dates       \(range.lowerBound) … \(range.upperBound)")
        } else {
            print("Dates       none")
        }
        print("Fields      " + (stats.fields.isEmpty ? "none" : ""))
        let width = stats.fields.map(\.name.count).max() ?? 0
        for field in stats.fields where field.documents > 0 || ["title", "body"].contains(field.name) {
            var line = "  " + field.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                + field.type.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0) + "\(field.documents) document\(field.documents == 1 ? "" : "s")"
            if let distinct = field.distinctValues { line += field.type == .text ? ", \(distinct) terms" : ", \(distinct) distinct values" }
            if let minimum = field.minimum, let maximum = field.maximum { line += ", \(minimum) … \(maximum)" }
            print(line)
        }
        print("Size        \(formatBytes(stats.bytesPerFileKind["total"] ?? 0)): "
              + stats.bytesPerFileKind.filter { $0.key != "total" }.sorted { $0.key < $1.key }
                .map { "\($0.key) \(formatBytes($0.value))" }.joined(separator: ", "))
    }
}

/// `trawl check`: verifies every checksum and posting list.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify every file checksum and decode every posting list of an index.",
        discussion: """
            Exit code 0 when healthy, 3 when damage is found (each problem is listed on standard \
            error); rebuild a damaged index by deleting its folder and running `trawl index` again.
            Examples:
              trawl check
              trawl check --json --index /tmp/reuters
            """
    )

    @OptionGroup var location: IndexLocation

    @Flag(name: .long, help: "Print one JSON object (see docs/json-output.md).")
    var json = false

    func run() throws {
        let reader = try IndexReader(path: location.path)
        let report = reader.check()
        if json {
            print(JSONOutput.object([
                ("index", .string(location.path)), ("healthy", .bool(report.isHealthy)), ("files", .int(report.filesChecked)),
                ("bytes", .int(report.bytesChecked)), ("terms", .int(report.termsChecked)),
                ("problems", .array(report.problems.map { .string($0) })),
            ]).rendered())
        } else if report.isHealthy {
            print("OK: \(report.filesChecked) files (\(formatBytes(report.bytesChecked))) and \(report.termsChecked) posting lists verified")
        } else {
            for problem in report.problems { printError("trawl: \(problem)") }
            print("DAMAGED: \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s") found; rebuild the index")
        }
        if !report.isHealthy { throw ExitCode(ExitStatus.index) }
    }
}

/// `trawl delete`: removes documents by id.
struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete documents by id and commit.",
        discussion: """
            Ids are what search shows for each hit: the path relative to the indexed folder \
            (world/old-article.md), or a JSON record's own id. The deleted documents come back \
            if their files are still there the next time their folder is indexed. Exit code 1 \
            when an id was not in the index (the others are still deleted).
            Examples:
              trawl delete world/old-article.md
              trawl delete --json --index /tmp/reuters 12345 12346
            """
    )

    @OptionGroup var location: IndexLocation

    @Argument(help: ArgumentHelp("Ids of the documents to delete, e.g. world/old-article.md.", valueName: "id"))
    var ids: [String]

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for another writer to finish; e.g. --wait 30.", valueName: "seconds"))
    var wait: Double = 0

    @Flag(name: .long, help: "Print one JSON object (see docs/json-output.md).")
    var json = false

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("give at least one document id, e.g. `trawl delete world/old-article.md`") }
        guard wait.isFinite, wait >= 0, wait <= 86_400 else { throw ValidationError("--wait must be between 0 and 86400 seconds") }
    }

    func run() throws {
        try location.requireExistingIndex()
        var options = IndexWriterOptions()
        options.lockTimeout = wait
        let writer = try IndexWriter(path: location.path, options: options)
        defer { writer.close() }
        var missing: [String] = []
        var deleted = 0
        for id in ids {
            if try writer.delete(id: id) { deleted += 1 } else { missing.append(id) }
        }
        try writer.commit()
        if json {
            print(JSONOutput.object([("index", .string(location.path)), ("deleted", .int(deleted)),
                                     ("missing", .array(missing.map { .string($0) })),
                                     ("index_documents", .int(writer.committedDocumentCount))]).rendered())
        } else {
            print("Deleted \(deleted) document\(deleted == 1 ? "" : "s"); \(writer.committedDocumentCount) left in \(displayPath(location.path))")
            for id in missing { printError("trawl: no document with id '\(id)'; `trawl search` shows the ids of documents") }
        }
        if !missing.isEmpty { throw ExitCode(ExitStatus.partial) }
    }
}

/// `trawl optimize`: merges the index into one segment.
struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Merge every segment into one and drop deleted documents.",
        discussion: """
            Searches get a little faster and deleted documents stop taking space. Readers that \
            are open keep working on the files they opened.
            Examples:
              trawl optimize
              trawl optimize --json --index /tmp/reuters
            """
    )

    @OptionGroup var location: IndexLocation

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for another writer to finish; e.g. --wait 30.", valueName: "seconds"))
    var wait: Double = 0

    @Flag(name: .long, help: "Print one JSON object (see docs/json-output.md).")
    var json = false

    func validate() throws {
        guard wait.isFinite, wait >= 0, wait <= 86_400 else { throw ValidationError("--wait must be between 0 and 86400 seconds") }
    }

    func run() throws {
        try location.requireExistingIndex()
        let started = monotonicSeconds()
        var options = IndexWriterOptions()
        options.lockTimeout = wait
        let writer = try IndexWriter(path: location.path, options: options)
        defer { writer.close() }
        try writer.optimize()
        let reader = try IndexReader(path: location.path)
        let seconds = monotonicSeconds() - started
        if json {
            print(JSONOutput.object([("index", .string(location.path)), ("segments", .int(reader.statistics().segments)),
                                     ("documents", .int(reader.documentCount)),
                                     ("seconds", .double((seconds * 1000).rounded() / 1000))]).rendered())
        } else {
            let segments = reader.statistics().segments
            print("Optimized in \(String(format: "%.2f", seconds)) s: \(reader.documentCount) document\(reader.documentCount == 1 ? "" : "s") "
                  + "in \(segments) segment\(segments == 1 ? "" : "s") at \(displayPath(location.path))")
        }
    }
}
