/// Collects analyzed documents in memory and writes them out as one immutable segment.
///
/// Tokens are appended to flat per-field arrays (`term << 32 | position`, 8 bytes a token);
/// at flush, as the ``SegmentSource`` of a ``SegmentWriter``, a counting sort by term groups
/// them into postings and terms are sorted by bytes; buffered deletions become the segment's
/// first live-documents file. Memory is proportional to the tokens buffered, which
/// ``memoryUsage`` reports so the writer can flush before its RAM budget is exceeded.
final class SegmentBuilder {
    private final class FieldBuffer {
        let name: String
        let number: Int
        let hasPositions: Bool
        let terms = ByteStringTable(expectedKeys: 1 << 12)
        /// `term << 32 | position`, in document order.
        @exclusivity(unchecked) var tokens: [UInt64] = []
        /// Token end offset per document (documents without the field repeat the offset).
        @exclusivity(unchecked) var documentEnds: [UInt32] = []
        /// Token count per document.
        @exclusivity(unchecked) var lengths: [UInt32] = []

        init(name: String, number: Int, hasPositions: Bool) {
            self.name = name
            self.number = number
            self.hasPositions = hasPositions
        }

        var memoryUsage: Int { tokens.capacity * 8 + documentEnds.capacity * 8 + terms.memoryFootprint }

        /// Pads the per-document arrays up to `documentCount` documents.
        func pad(to documentCount: Int) {
            while documentEnds.count < documentCount {
                documentEnds.append(UInt32(tokens.count))
                lengths.append(0)
            }
        }
    }

    /// An untokenized field (`_id`, `_source`): whole values as terms, no positions.
    private final class KeywordBuffer {
        let name: String
        let terms = ByteStringTable(expectedKeys: 1 << 12)
        /// Documents per term, in increasing order.
        @exclusivity(unchecked) var documents: [[Int32]] = []

        init(name: String) { self.name = name }

        var memoryUsage: Int { terms.memoryFootprint + documents.count * 40 }

        func add(_ value: String, doc: Int) {
            var copy = value
            let (term, inserted) = copy.withUTF8 { terms.intern(UnsafeRawBufferPointer($0)) }
            if inserted { documents.append([Int32(doc)]) } else { documents[Int(term)].append(Int32(doc)) }
        }

        func documents(for value: String) -> [Int32] {
            var copy = value
            guard let term = copy.withUTF8({ terms.find(UnsafeRawBufferPointer($0)) }) else { return [] }
            return documents[Int(term)]
        }
    }

    /// A metadata column being filled: keyword or bool ordinals, or numbers and dates.
    private final class ColumnBuffer {
        let name: String
        let type: FieldType
        /// Keyword values (folded) and their ordinals.
        let values = ByteStringTable(expectedKeys: 1 << 8)
        /// Each ordinal's display spelling (the first seen).
        @exclusivity(unchecked) var display: [String] = []
        /// Document starts into ``ordinals`` (documents so far + 1).
        @exclusivity(unchecked) var starts: [UInt32] = [0]
        @exclusivity(unchecked) var ordinals: [UInt32] = []
        /// Integers and dates, ``Columns/missingInteger`` for none (until a double arrives).
        @exclusivity(unchecked) var integers: [Int64] = []
        /// Doubles, NaN for none (once a double arrived: the column is doubles from then on).
        @exclusivity(unchecked) var doubles: [Double]? = nil
        /// The postings of each keyword value: documents per ordinal, increasing.
        @exclusivity(unchecked) var documents: [[Int32]] = []

        init(name: String, type: FieldType) {
            self.name = name
            self.type = type
        }

        var isKeyword: Bool { type == .keyword || type == .bool }

        var memoryUsage: Int {
            values.memoryFootprint + display.count * 40 + starts.capacity * 4 + ordinals.capacity * 4
                + integers.capacity * 8 + (doubles?.capacity ?? 0) * 8 + documents.count * 40 + ordinals.count * 4
        }

        /// Fills documents before `doc` that have no value.
        func pad(to doc: Int) {
            if isKeyword {
                while starts.count <= doc { starts.append(UInt32(ordinals.count)) }
            } else if doubles != nil {
                while doubles!.count < doc { doubles!.append(.nan) }
            } else {
                while integers.count < doc { integers.append(Columns.missingInteger) }
            }
        }

        /// The ordinal of a keyword value (folded), adding it with its display spelling when new.
        func ordinal(of folded: String, display spelling: String) -> UInt32 {
            var copy = folded
            let (ordinal, inserted) = copy.withUTF8 { values.intern(UnsafeRawBufferPointer($0)) }
            if inserted {
                display.append(spelling)
                documents.append([])
            }
            return UInt32(ordinal)
        }

        func addKeywords(doc: Int, folded: [String], display spellings: [String]) {
            pad(to: doc)
            for (value, spelling) in zip(folded, spellings) {
                let ordinal = ordinal(of: value, display: spelling)
                ordinals.append(ordinal)
                if documents[Int(ordinal)].last != Int32(doc) { documents[Int(ordinal)].append(Int32(doc)) }
            }
            starts.append(UInt32(ordinals.count))
        }

        /// Adds values already interned (``ordinal(of:display:)``).
        func addOrdinals(doc: Int, _ values: [UInt32]) {
            pad(to: doc)
            for ordinal in values {
                ordinals.append(ordinal)
                if documents[Int(ordinal)].last != Int32(doc) { documents[Int(ordinal)].append(Int32(doc)) }
            }
            starts.append(UInt32(ordinals.count))
        }

        func add(doc: Int, integer: Int64) {
            pad(to: doc)
            if doubles != nil { doubles!.append(Double(integer)) } else { integers.append(integer) }
        }

        func add(doc: Int, double: Double) {
            if doubles == nil {
                doubles = integers.map { $0 == Columns.missingInteger ? .nan : Double($0) }
                integers = []
            }
            pad(to: doc)
            doubles!.append(double)
        }

        /// The column's values, padded to `documentCount`.
        func data(documentCount: Int) -> ColumnData {
            pad(to: documentCount)
            if isKeyword {
                let folded = (0..<values.count).map { Array(values.key(Int32($0))) }
                return ColumnData(name: name, type: type, values: .keywords(KeywordValues(folded: folded, display: display,
                                                                                              starts: starts, ordinals: ordinals)))
            }
            if let doubles { return ColumnData(name: name, type: type, values: .doubles(doubles)) }
            return ColumnData(name: name, type: type, values: .integers(integers))
        }
    }

    @exclusivity(unchecked) private var columnBuffers: [String: ColumnBuffer] = [:]
    /// The columns and keyword ordinals of the last group's shared fields: the documents of one
    /// group come one after the other, so each looks its columns up once.
    private struct SharedColumns {
        let metadata: SharedMetadata
        let keywords: [(column: ColumnBuffer, ordinals: [UInt32])]
        let integers: [(column: ColumnBuffer, value: Int64)]
        let doubles: [(column: ColumnBuffer, value: Double)]
    }
    @exclusivity(unchecked) private var sharedColumns: SharedColumns?
    @exclusivity(unchecked) private var fields: [FieldBuffer] = []
    @exclusivity(unchecked) private var fieldsByName: [String: FieldBuffer] = [:]
    @exclusivity(unchecked) private var store = DocumentStoreWriter()
    @exclusivity(unchecked) private var dateValues: [Int64] = []
    @exclusivity(unchecked) private var idValues: [String] = []
    /// Buffered documents deleted before the flush (replaced or deleted by id or source).
    @exclusivity(unchecked) private var deleted: [Bool] = []
    @exclusivity(unchecked) private var deletedCount = 0
    private let ids = KeywordBuffer(name: IndexSchema.idField)
    private let sources = KeywordBuffer(name: IndexSchema.sourceField)
    private let storesBody: Bool

    /// Documents buffered (deleted ones included).
    @exclusivity(unchecked) private(set) var documentCount = 0

    /// Buffered documents not deleted.
    var liveDocumentCount: Int { documentCount - deletedCount }

    /// Creates an empty builder.
    init(storesBody: Bool) {
        self.storesBody = storesBody
        _ = field(IndexSchema.titleField)
        _ = field(IndexSchema.bodyField)
    }

    private func field(_ name: String) -> FieldBuffer {
        if let existing = fieldsByName[name] { return existing }
        let buffer = FieldBuffer(name: name, number: fields.count + 2, hasPositions: true)
        fields.append(buffer)
        fieldsByName[name] = buffer
        return buffer
    }

    private func column(_ name: String, _ type: FieldType) -> ColumnBuffer {
        if let existing = columnBuffers[name] { return existing }
        let buffer = ColumnBuffer(name: name, type: type)
        columnBuffers[name] = buffer
        return buffer
    }

    /// The keyword and bool columns in name order: their values are also indexed as terms
    /// (fields without positions after the text fields), so exact-value filters read postings.
    private var keywordColumns: [ColumnBuffer] {
        columnBuffers.values.filter(\.isKeyword).sorted { $0.name < $1.name }
    }

    /// Approximate bytes held, including the extra room a flush needs.
    var memoryUsage: Int {
        var total = store.compressedBytes + dateValues.capacity * 9 + idValues.count * 40 + ids.memoryUsage + sources.memoryUsage
        for column in columnBuffers.values { total += column.memoryUsage }
        for field in fields {
            total += field.memoryUsage
            total += field.tokens.count * 8 // the flush's grouped copy
        }
        return total
    }

    /// Deletes buffered documents with this id; returns whether any was live.
    @discardableResult
    func delete(id: String) -> Bool { deleteDocuments(ids.documents(for: id)) }

    /// Deletes buffered documents read from this source; returns whether any was live.
    @discardableResult
    func delete(source: String) -> Bool { deleteDocuments(sources.documents(for: source)) }

    private func deleteDocuments(_ docs: [Int32]) -> Bool {
        var any = false
        for doc in docs where !deleted[Int(doc)] {
            deleted[Int(doc)] = true
            deletedCount += 1
            any = true
        }
        return any
    }

    /// Adds an analyzed document, replacing a buffered one with the same id.
    func add(_ document: AnalyzedDocument) {
        let doc = documentCount
        delete(id: document.stored.id)
        ids.add(document.stored.id, doc: doc)
        if let source = document.source { sources.add(source, doc: doc) }
        for analyzed in document.fields {
            let buffer = field(analyzed.name)
            buffer.pad(to: doc)
            var ordinals = [Int32](repeating: 0, count: analyzed.termEnds.count)
            analyzed.termBytes.withUnsafeBytes { bytes in
                var start = 0
                for i in 0..<analyzed.termEnds.count {
                    let end = Int(analyzed.termEnds[i])
                    ordinals[i] = buffer.terms.intern(UnsafeRawBufferPointer(rebasing: bytes[start..<end])).id
                    start = end
                }
            }
            for token in analyzed.tokens {
                let ordinal = UInt64(UInt32(bitPattern: ordinals[Int(token >> 32)]))
                buffer.tokens.append(ordinal << 32 | (token & 0xFFFF_FFFF))
            }
            buffer.documentEnds.append(UInt32(buffer.tokens.count))
            buffer.lengths.append(UInt32(analyzed.tokens.count))
        }
        for keyword in document.keywords {
            column(keyword.name, keyword.type).addKeywords(doc: doc, folded: keyword.folded, display: keyword.display)
        }
        for value in document.integers { column(value.name, value.type).add(doc: doc, integer: value.value) }
        for value in document.doubles { column(value.name, .number).add(doc: doc, double: value.value) }
        if let shared = document.shared { addShared(shared, doc: doc) }
        store.add(document.stored)
        idValues.append(document.stored.id)
        dateValues.append(document.date)
        deleted.append(false)
        documentCount += 1
    }
}

extension SegmentBuilder {
    /// Adds a document's shared fields to the columns, looking them up once per group.
    private func addShared(_ shared: SharedMetadata, doc: Int) {
        if sharedColumns?.metadata !== shared {
            sharedColumns = SharedColumns(
                metadata: shared,
                keywords: shared.keywords.map { keyword in
                    let column = column(keyword.name, keyword.type)
                    return (column, zip(keyword.folded, keyword.display).map { column.ordinal(of: $0, display: $1) })
                },
                integers: shared.metadata.integers.map { (column($0.name, $0.type), $0.value) },
                doubles: shared.metadata.doubles.map { (column($0.name, .number), $0.value) })
        }
        let columns = sharedColumns!
        for keyword in columns.keywords { keyword.column.addOrdinals(doc: doc, keyword.ordinals) }
        for value in columns.integers { value.column.add(doc: doc, integer: value.value) }
        for value in columns.doubles { value.column.add(doc: doc, double: value.value) }
    }
}

extension SegmentBuilder: SegmentSource {
    /// Writes the buffered documents as segment `name` and returns its description.
    ///
    /// Every file is written, fsynced (when `sync`) and closed before this returns; the segment
    /// becomes part of the index only when a commit manifest names it.
    func flush(to directory: any IndexDirectory, name: String, sync: Bool) throws(TrawlError) -> SegmentMeta {
        for field in fields { field.pad(to: documentCount) }
        return try SegmentWriter.write(self, to: directory, name: name, storesBody: storesBody, sync: sync)
    }

    /// The untokenized fields `_id` and `_source` (numbers 0 and 1), the text fields in
    /// first-seen order, then the keyword and bool fields by name.
    var indexedFields: [(name: String, hasPositions: Bool)] {
        [(ids.name, false), (sources.name, false)] + fields.map { ($0.name, true) } + keywordColumns.map { ($0.name, false) }
    }

    /// The keyword or bool column whose terms are field `number`, if it is one.
    private func keywordColumn(_ number: Int) -> ColumnBuffer? {
        number >= 2 + fields.count ? keywordColumns[number - 2 - fields.count] : nil
    }

    /// The text field numbered `number` (the keyword fields take 0 and 1).
    private func textField(_ number: Int) -> FieldBuffer { fields[number - 2] }

    func lengthCodes(ofField number: Int) -> [UInt8] {
        textField(number).lengths.map { FieldLengthCode.encode($0) }
    }

    func writeTerms(ofField number: Int, to terms: SegmentTermsWriter) throws(TrawlError) {
        switch number {
        case 0: try writeTerms(of: ids, to: terms)
        case 1: try writeTerms(of: sources, to: terms)
        default:
            if let column = keywordColumn(number) {
                try writeTerms(values: column.values, documents: column.documents, to: terms)
            } else {
                try writeTerms(of: textField(number), to: terms)
            }
        }
    }

    func statistics(ofField number: Int) -> (documentCount: Int, totalLength: Int) {
        switch number {
        case 0, 1:
            let documents = (number == 0 ? ids : sources).documents.reduce(0) { $0 + $1.count }
            return (documents, documents)
        default:
            if let column = keywordColumn(number) {
                // Documents with at least one value; the length is the number of values.
                column.pad(to: documentCount)
                var documents = 0
                for doc in 0..<documentCount where column.starts[doc + 1] > column.starts[doc] { documents += 1 }
                return (documents, column.documents.reduce(0) { $0 + $1.count })
            }
            let lengths = textField(number).lengths
            return (lengths.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }, lengths.reduce(0) { $0 + Int($1) })
        }
    }

    func storedDocuments() -> DocumentStoreWriter { store }

    func dates() -> [Int64] { dateValues }

    func columns() -> [ColumnData] {
        columnBuffers.values.sorted { $0.name < $1.name }.map { $0.data(documentCount: documentCount) }
    }

    func identifiers() -> [String] { idValues }

    func deletions() -> LiveDocuments? {
        guard deletedCount > 0 else { return nil }
        var live = LiveDocuments(allLive: documentCount)
        for doc in 0..<documentCount where deleted[doc] { live.delete(doc) }
        return live
    }

    /// Sorts term ordinals by their bytes.
    private func sortTerms(_ ordinals: inout [Int32], _ table: ByteStringTable) {
        ordinals.sort { a, b in TermDictionary.compare(table.key(a), table.key(b)) < 0 }
    }

    /// Writes a keyword field: whole values as terms, no positions.
    private func writeTerms(of keyword: KeywordBuffer, to terms: SegmentTermsWriter) throws(TrawlError) {
        try writeTerms(values: keyword.terms, documents: keyword.documents, to: terms)
    }

    /// Writes whole values as terms (no positions): `documents[ordinal]` holds each value's documents.
    private func writeTerms(values: ByteStringTable, documents: [[Int32]], to terms: SegmentTermsWriter) throws(TrawlError) {
        var order = (0..<values.count).map { Int32($0) }
        sortTerms(&order, values)
        for term in order {
            for doc in documents[Int(term)] {
                try terms.add(doc: UInt32(doc), freq: 1, positions: UnsafeBufferPointer(start: nil, count: 0))
            }
            try terms.finishTerm(values.key(term))
        }
    }

    /// Groups a text field's tokens by term (counting sort) and writes each term's postings.
    private func writeTerms(of field: FieldBuffer, to terms: SegmentTermsWriter) throws(TrawlError) {
        let termCount = field.terms.count
        guard termCount > 0 else { return }
        // Counting sort: starts[t] is where term t's occurrences begin in `grouped`.
        var starts = [Int](repeating: 0, count: termCount + 1)
        for token in field.tokens { starts[Int(token >> 32) + 1] += 1 }
        for t in 0..<termCount { starts[t + 1] += starts[t] }
        var fill = starts
        var grouped = [UInt64](repeating: 0, count: field.tokens.count)
        field.tokens.withUnsafeBufferPointer { tokens in
            grouped.withUnsafeMutableBufferPointer { out in
                var begin = 0
                for doc in 0..<field.documentEnds.count {
                    let end = Int(field.documentEnds[doc])
                    for i in begin..<end {
                        let token = tokens[i]
                        let term = Int(token >> 32)
                        out[fill[term]] = UInt64(doc) << 32 | (token & 0xFFFF_FFFF)
                        fill[term] += 1
                    }
                    begin = end
                }
            }
        }
        fill = []
        var order = (0..<termCount).map { Int32($0) }
        sortTerms(&order, field.terms)
        var positions = [UInt32](repeating: 0, count: 64)
        for term in order {
            var i = starts[Int(term)]
            let end = starts[Int(term) + 1]
            while i < end {
                let doc = UInt32(grouped[i] >> 32)
                var count = 0
                while i < end && UInt32(grouped[i] >> 32) == doc {
                    if count == positions.count { positions.append(contentsOf: repeatElement(0, count: count)) }
                    positions[count] = UInt32(truncatingIfNeeded: grouped[i])
                    count += 1
                    i += 1
                }
                try terms.add(doc: doc, freq: UInt32(count), positions: positions, count: count)
            }
            try terms.finishTerm(field.terms.key(term))
        }
    }
}
