/// Statistics of one indexed field within a segment, recorded in the commit manifest.
struct FieldMeta: Codable, Sendable, Equatable {
    /// The field's name.
    var name: String
    /// The field's number within the segment (its section in the segment's files).
    var number: Int
    /// Documents that have at least one token in the field.
    var documentCount: Int
    /// The sum of the field's lengths (tokens) over all documents, for the average length.
    var totalLength: Int
    /// Distinct terms in the field.
    var termCount: Int
    /// Whether positions are indexed (false for the id field).
    var hasPositions: Bool
}

/// The description of one immutable segment, recorded in the commit manifest.
struct SegmentMeta: Codable, Sendable, Equatable {
    /// The segment's name; its files are `<name>.<ext>`.
    var name: String
    /// The segment's random id, as 32 hex digits (also in every file header).
    var id: String
    /// Documents in the segment, deleted ones included.
    var documentCount: Int
    /// Deleted documents, per the live-documents file of ``deleteGeneration``.
    var deletedCount: Int
    /// The generation of the live-documents file, 0 when nothing is deleted.
    var deleteGeneration: Int
    /// The indexed fields.
    var fields: [FieldMeta]
    /// Bytes per file extension.
    var fileSizes: [String: Int]
    /// Whether bodies are stored.
    var storesBody: Bool

    /// The segment id parsed from ``id``.
    var segmentID: SegmentID {
        get throws(TrawlError) {
            guard id.count == 32, let high = UInt64(id.prefix(16), radix: 16), let low = UInt64(id.suffix(16), radix: 16) else {
                throw TrawlError(.corruptIndex, "index manifest is damaged: bad segment id '\(id)'")
            }
            return SegmentID(high: high, low: low)
        }
    }

    /// The file name for an extension.
    func fileName(_ ext: String) -> String { "\(name).\(ext)" }

    /// The name of one of the segment's files.
    func fileName(_ file: SegmentFile) -> String { fileName(file.suffix) }

    /// The live-documents file name, when there are deletions.
    var liveDocumentsFile: String? {
        deleteGeneration == 0 ? nil : "\(name)_\(String(deleteGeneration, radix: 36)).live"
    }

    /// Every file of the segment.
    var files: [String] {
        // A segment of format version 2 or 3 has no columns file (its size is not recorded).
        var names = SegmentFiles.all.filter { $0.suffix != SegmentFiles.columns.suffix || fileSizes[$0.suffix] != nil }
            .map(fileName)
        if let live = liveDocumentsFile { names.append(live) }
        return names
    }
}
