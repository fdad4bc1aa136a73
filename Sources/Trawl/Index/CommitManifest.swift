import Foundation

/// One commit of an index: the list of live segments and the settings that built them.
///
/// ```
/// commit_<gen> := Header (kind MANI, segment id zero), JSON (UTF-8), Footer
/// ```
/// Written to `commit_<gen>.tmp`, fsynced, renamed to `commit_<gen>`, and the folder fsynced:
/// a reader sees either the old commit or the new one, never a half-written one.
struct CommitManifest: Codable, Sendable, Equatable {
    /// The commit's generation; the newest complete generation is the index's state.
    var generation: Int
    /// The analyzer that built every segment (queries must use the same).
    var analyzer: AnalyzerConfiguration
    /// Whether document bodies are stored (needed for snippets).
    var storesBody: Bool
    /// The segments, oldest first.
    var segments: [SegmentMeta]
    /// The number to use for the next segment's name.
    var nextSegmentNumber: Int
    /// Seconds since the epoch when the commit was written.
    var committedAt: Int64
    /// Free-form metadata kept with the commit (for example the indexed root folders).
    var userData: [String: String]
    /// The type of every metadata field (``FieldSchema``); absent in indexes written before
    /// fields had types, whose extra fields are all text.
    var schema: [String: FieldType]? = nil

    /// The file name of generation `gen`.
    static func fileName(generation: Int) -> String { "commit_\(String(generation, radix: 36))" }

    /// The generation encoded in a commit file name, or nil.
    static func generation(ofFile name: String) -> Int? {
        guard name.hasPrefix("commit_"), !name.hasSuffix(".tmp") else { return nil }
        return Int(name.dropFirst("commit_".count), radix: 36)
    }

    /// Live documents over all segments.
    var liveDocumentCount: Int { segments.reduce(0) { $0 + $1.documentCount - $1.deletedCount } }

    /// Every file the commit references, the manifest included.
    var referencedFiles: Set<String> {
        var files: Set<String> = [CommitManifest.fileName(generation: generation)]
        for segment in segments { files.formUnion(segment.files) }
        return files
    }

    /// Serializes with header and footer.
    func encoded() throws(TrawlError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let json: Data
        do { json = try encoder.encode(self) } catch {
            throw TrawlError(.io, "cannot encode the commit manifest", underlying: "\(error)")
        }
        var writer = ByteWriter(capacity: json.count + 64)
        FileEnvelope.writeHeader(&writer, kind: .manifest, segmentID: .none)
        writer.write(contentsOf: json)
        FileEnvelope.writeFooter(&writer)
        return writer.bytes
    }

    /// Reads and validates a manifest file (header, checksum, JSON).
    static func decode(_ bytes: UnsafeRawBufferPointer, fileName: String) throws(TrawlError) -> CommitManifest {
        let payload = try FileEnvelope.validate(bytes, kind: .manifest, segmentID: .none, fileName: fileName)
        try FileEnvelope.verifyChecksum(bytes, fileName: fileName)
        let json = Data(bytes[payload])
        let manifest: CommitManifest
        do {
            manifest = try JSONDecoder().decode(CommitManifest.self, from: json)
        } catch {
            throw TrawlError(.corruptIndex, "index manifest is damaged: \(error)", path: fileName)
        }
        if let problem = manifest.inconsistency {
            throw TrawlError(.corruptIndex, "index manifest is damaged: \(problem)", path: fileName)
        }
        return manifest
    }

    /// What makes the manifest impossible, if anything: counts out of range, or a segment name
    /// that is not one Trawl writes (names become file names, so none may hold a `/`).
    var inconsistency: String? {
        if generation < 1 || nextSegmentNumber < 1 { return "generation or next segment number out of range" }
        var names: Set<String> = []
        for segment in segments {
            let name = segment.name
            guard name.count >= 2, name.count <= 16, name.first == "s",
                  name.dropFirst().allSatisfy({ ("0"..."9").contains($0) || ("a"..."z").contains($0) }) else {
                return "bad segment name \(name.debugDescription)"
            }
            guard names.insert(name).inserted else { return "segment \(name) is listed twice" }
            guard segment.documentCount >= 0, segment.documentCount <= Int(Int32.max),
                  segment.deletedCount >= 0, segment.deletedCount <= segment.documentCount,
                  segment.deleteGeneration >= 0, segment.deleteGeneration > 0 || segment.deletedCount == 0 else {
                return "document counts of segment \(name) out of range"
            }
            for field in segment.fields {
                guard field.number >= 0, field.number < 1 << 16, field.documentCount >= 0,
                      field.documentCount <= segment.documentCount, field.totalLength >= 0, field.termCount >= 0 else {
                    return "statistics of field \(field.name.debugDescription) in segment \(name) out of range"
                }
            }
        }
        return nil
    }

    /// The newest generation with a (complete, renamed) commit file, or nil when there is none.
    static func newestGeneration(in directory: any IndexDirectory) throws(TrawlError) -> Int? {
        try directory.fileNames().compactMap(generation(ofFile:)).max()
    }

    /// Reads and validates the commit of `generation`; returns it with its size in bytes.
    static func load(generation: Int, from directory: any IndexDirectory) throws(TrawlError) -> (CommitManifest, Int) {
        let name = fileName(generation: generation)
        let input = try directory.openInput(name)
        let manifest = try decode(input.bytes, fileName: directory.location + "/" + name)
        guard manifest.generation == generation else {
            throw TrawlError(.corruptIndex, "index manifest is damaged: generation mismatch", path: directory.location + "/" + name)
        }
        return (manifest, input.bytes.count)
    }

    /// Loads the newest commit in a directory, or nil when there is none.
    static func loadLatest(from directory: any IndexDirectory) throws(TrawlError) -> CommitManifest? {
        guard let newest = try newestGeneration(in: directory) else { return nil }
        return try load(generation: newest, from: directory).0
    }

    /// Writes this manifest atomically as the newest commit.
    func publish(to directory: any IndexDirectory, sync: Bool = true) throws(TrawlError) {
        let name = CommitManifest.fileName(generation: generation)
        let temporary = name + ".tmp"
        try directory.writeFile(temporary, try encoded(), sync: sync)
        try directory.rename(temporary, to: name)
        if sync { try directory.syncDirectory() }
    }
}
