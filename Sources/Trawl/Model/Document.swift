/// One article to index: an external id, a title, an optional date, a body and extra stored fields.
///
/// For files, the id is the path relative to the indexed root. Adding a document whose id is
/// already in the index replaces the old one.
public struct Document: Sendable, Hashable {
    /// The external id, unique within an index.
    public var id: String
    /// The title; empty when the source has none.
    public var title: String
    /// The publication date, when known. Documents without a date never match date ranges.
    public var date: DocumentDate?
    /// The body text.
    public var body: String
    /// Metadata fields (`author`, `tags`, `rating`, ...), typed by the index's schema
    /// (``FieldSchema``) the first time each name is seen: searchable, filterable and countable
    /// by name in queries. Names starting with `_` are reserved.
    public var fields: [String: FieldValue]
    /// The line of the source file (1-based) on which the body starts, when the body is a
    /// verbatim stretch of a text file; hits then carry the line number of their snippet
    /// (``SearchHit/line``). Readers that reshape the text (Markdown, HTML, JSON) leave it nil.
    public var bodyLine: Int? = nil

    /// Creates a document.
    public init(id: String, title: String = "", date: DocumentDate? = nil, body: String = "",
                fields: [String: FieldValue] = [:]) {
        self.id = id
        self.title = title
        self.date = date
        self.body = body
        self.fields = fields
    }
}

/// Documents that share fields, added together: typically every document read from one file,
/// which all get the fields of that file (its path, size, modification time).
///
/// The shared fields are typed and converted once for the group instead of once per document,
/// which matters for files that hold many documents (JSON Lines). A shared field replaces a
/// document's own field of the same name.
public struct DocumentGroup: Sendable, Hashable {
    /// The documents, in the order they get ids.
    public var documents: [Document]
    /// The fields every document of the group gets.
    public var sharedFields: [String: FieldValue]

    /// Creates a group.
    public init(documents: [Document], sharedFields: [String: FieldValue] = [:]) {
        self.documents = documents
        self.sharedFields = sharedFields
    }
}
