/// Which fields an index has and how they are treated.
enum IndexSchema {
    /// The field holding each document's external id (one untokenized term, no positions).
    static let idField = "_id"
    /// The field holding each document's source key (the file it was read from), untokenized.
    static let sourceField = "_source"
    /// Stored field: the source file's size in bytes.
    static let sourceSizeField = "_source_size"
    /// Stored field: the source file's modification time in nanoseconds.
    static let sourceModifiedField = "_source_mtime"
    /// Stored field: a hash of the source file's content.
    static let sourceHashField = "_source_hash"
    /// The title field.
    static let titleField = "title"
    /// The body field.
    static let bodyField = "body"
    /// The date pseudo-field, served by the date column.
    static let dateField = "date"
    /// The commit user-data key under which ``FolderIndexer`` keeps the indexed roots
    /// (``IndexReader/indexedRoots``), one absolute path a line.
    static let indexedRootsKey = "roots"
    /// The commit user-data key that records language detection (`on`; absent: off), see
    /// ``IndexWriterOptions/languageDetection``.
    static let languageDetectionKey = "language_detection"

    /// Whether an extra stored field is also indexed as text (every field but reserved names).
    static func isIndexableExtraField(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix("_") && name != titleField && name != bodyField && name != dateField
            && name != "id"
    }
}
