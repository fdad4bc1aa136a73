/// Segments seen as one: live documents only, renumbered in segment order — the
/// ``SegmentSource`` a merge writes through ``SegmentWriter``.
///
/// Terms of each field are merged in byte order (a k-way merge of the segments' term
/// iterators); each term's postings are decoded from every segment that has it, remapped to
/// the new numbering, and handed on with their positions. Field lengths, stored documents,
/// dates and ids follow the same numbering.
struct SegmentMerger: SegmentSource {
    private let sources: [(reader: SegmentReader, live: LiveDocuments?)]
    /// New document numbers: `docMaps[s][doc]`, or −1 for a deleted document.
    private let docMaps: [[Int32]]
    let documentCount: Int
    /// The keyword fields first, then the text fields in first-seen order.
    let indexedFields: [(name: String, hasPositions: Bool)]

    /// Writes the merge of `sources` (reader and current live documents) as segment `name`.
    static func merge(_ sources: [(reader: SegmentReader, live: LiveDocuments?)], into directory: any IndexDirectory,
                      name: String, storesBody: Bool, sync: Bool) throws(TrawlError) -> SegmentMeta {
        // Verify every source file's checksum first: a merge re-encodes the data under a fresh
        // checksum, so merging a damaged segment would make its damage undetectable.
        for source in sources { try source.reader.verifyChecksums() }
        return try SegmentWriter.write(SegmentMerger(sources), to: directory, name: name, storesBody: storesBody, sync: sync)
    }

    /// The view of `sources` (reader and current live documents).
    init(_ sources: [(reader: SegmentReader, live: LiveDocuments?)]) {
        self.sources = sources
        var docMaps: [[Int32]] = []
        var documentCount = 0
        for source in sources {
            var map = [Int32](repeating: -1, count: source.reader.documentCount)
            for doc in 0..<source.reader.documentCount where source.live?.isLive(doc) ?? true {
                map[doc] = Int32(documentCount)
                documentCount += 1
            }
            docMaps.append(map)
        }
        self.docMaps = docMaps
        self.documentCount = documentCount
        var fields: [(name: String, hasPositions: Bool)] = [(IndexSchema.idField, false), (IndexSchema.sourceField, false)]
        var seen: Set<String> = [IndexSchema.idField, IndexSchema.sourceField]
        for source in sources {
            for field in source.reader.meta.fields.sorted(by: { $0.number < $1.number }) where seen.insert(field.name).inserted {
                fields.append((field.name, field.hasPositions))
            }
        }
        indexedFields = fields
    }

    /// Calls `body` with each surviving document: its segment, its number there.
    private func forEachLiveDocument<E: Error>(_ body: (SegmentReader, Int) throws(E) -> Void) throws(E) {
        for (s, source) in sources.enumerated() {
            for doc in 0..<source.reader.documentCount where docMaps[s][doc] >= 0 {
                try body(source.reader, doc)
            }
        }
    }

    func lengthCodes(ofField number: Int) -> [UInt8] {
        var codes = [UInt8](repeating: 0, count: documentCount)
        for (s, source) in sources.enumerated() {
            guard let field = source.reader.fieldsByName[indexedFields[number].name],
                  let sourceCodes = source.reader.fieldLengths.codes(field: field.number) else { continue }
            for doc in 0..<source.reader.documentCount where docMaps[s][doc] >= 0 {
                codes[Int(docMaps[s][doc])] = sourceCodes[doc]
            }
        }
        return codes
    }

    func writeTerms(ofField number: Int, to terms: SegmentTermsWriter) throws(TrawlError) {
        let (fieldName, positional) = indexedFields[number]
        var positions = [UInt32](repeating: 0, count: 256)
        var iterators: [TermIterator?] = sources.map { $0.reader.dictionary.terms(forField: fieldName)?.makeIterator() }
        for i in iterators.indices where iterators[i] != nil {
            if try !iterators[i]!.next() { iterators[i] = nil }
        }
        while true {
            // The smallest current term.
            var smallest: [UInt8]?
            for iterator in iterators {
                guard let iterator else { continue }
                if smallest == nil || Self.lexicographicallyPrecedes(iterator.term, smallest!) { smallest = iterator.term }
            }
            guard let term = smallest else { break }
            for i in iterators.indices {
                guard let iterator = iterators[i], iterator.term == term else { continue }
                let reader = sources[i].reader
                var cursor = try reader.cursor(field: fieldName, info: iterator.info)
                var doc = cursor.doc
                while doc != PostingsCursor.noMoreDocs {
                    let mapped = docMaps[i][Int(doc)]
                    if mapped >= 0 {
                        let freq = cursor.freq
                        var count = 0
                        if positional {
                            try cursor.checkFrequencyForPositions(Int(freq))
                            if Int(freq) > positions.count { positions = [UInt32](repeating: 0, count: Int(freq)) }
                            count = try positions.withUnsafeMutableBufferPointer { (buffer) throws(TrawlError) -> Int in
                                try cursor.readPositions(into: buffer)
                            }
                        }
                        try terms.add(doc: UInt32(mapped), freq: freq, positions: positions, count: count)
                    }
                    doc = cursor.next()
                }
                try cursor.throwIfCorrupt()
                if try !iterators[i]!.next() { iterators[i] = nil }
            }
            try terms.finishTerm(term)
        }
        for source in sources { source.reader.releasePages() }
    }

    func statistics(ofField number: Int) -> (documentCount: Int, totalLength: Int) {
        let (fieldName, positional) = indexedFields[number]
        guard positional else { return (documentCount, documentCount) }
        var documents = 0
        var totalLength = 0
        for (s, source) in sources.enumerated() {
            guard let field = source.reader.fieldsByName[fieldName] else { continue }
            if source.live == nil || source.live!.deletedCount == 0 {
                // No deletions: the exact statistics carry over.
                totalLength += field.totalLength
                documents += field.documentCount
            } else if let sourceCodes = source.reader.fieldLengths.codes(field: field.number) {
                for doc in 0..<source.reader.documentCount where docMaps[s][doc] >= 0 && sourceCodes[doc] > 0 {
                    documents += 1
                    totalLength += Int(FieldLengthCode.decode(sourceCodes[doc]))
                }
            }
        }
        return (documents, totalLength)
    }

    func storedDocuments() throws(TrawlError) -> DocumentStoreWriter {
        var store = DocumentStoreWriter()
        try forEachLiveDocument { (reader, doc) throws(TrawlError) in store.add(try reader.store.document(doc)) }
        return store
    }

    func dates() -> [Int64] {
        var dates: [Int64] = []
        dates.reserveCapacity(documentCount)
        forEachLiveDocument { reader, doc in dates.append(reader.dates.value(doc)) }
        return dates
    }

    func identifiers() -> [String] {
        var identifiers: [String] = []
        identifiers.reserveCapacity(documentCount)
        forEachLiveDocument { reader, doc in identifiers.append(reader.identifiers.id(doc)) }
        return identifiers
    }

    func deletions() -> LiveDocuments? { nil }

    /// Every column of the sources, renumbered: keyword dictionaries are merged by folded value
    /// (the first spelling seen is kept); a number column is doubles when any source's is.
    func columns() throws(TrawlError) -> [ColumnData] {
        var types: [String: FieldType] = [:]
        for source in sources {
            for (name, column) in source.reader.columns.keywords { types[name] = column.type }
            for (name, column) in source.reader.columns.numerics { types[name] = column.type }
        }
        var result: [ColumnData] = []
        for (name, type) in types.sorted(by: { $0.key < $1.key }) {
            if type == .keyword || type == .bool {
                var values = KeywordValues()
                values.starts.reserveCapacity(documentCount + 1)
                var ordinalOf: [[UInt8]: UInt32] = [:]
                for (s, source) in sources.enumerated() {
                    guard let column = source.reader.columns.keywords[name] else {
                        for doc in 0..<source.reader.documentCount where docMaps[s][doc] >= 0 { values.starts.append(UInt32(values.ordinals.count)) }
                        continue
                    }
                    // Source ordinal → merged ordinal, resolved on first use.
                    var mapped = [Int64](repeating: -1, count: column.valueCount)
                    let bytes = column.bytes
                    for doc in 0..<source.reader.documentCount where docMaps[s][doc] >= 0 {
                        for i in column.valueRange(doc, bytes) {
                            let ordinal = column.ordinal(at: i, bytes)
                            if mapped[ordinal] < 0 {
                                let folded = Array(column.folded(ordinal))
                                if let existing = ordinalOf[folded] {
                                    mapped[ordinal] = Int64(existing)
                                } else {
                                    let next = UInt32(values.folded.count)
                                    ordinalOf[folded] = next
                                    values.folded.append(folded)
                                    values.display.append(column.display(ordinal))
                                    mapped[ordinal] = Int64(next)
                                }
                            }
                            values.ordinals.append(UInt32(mapped[ordinal]))
                        }
                        values.starts.append(UInt32(values.ordinals.count))
                    }
                }
                result.append(ColumnData(name: name, type: type, values: .keywords(values)))
            } else {
                let doubles = sources.contains { $0.reader.columns.numerics[name].map { !$0.isInteger } ?? false }
                if doubles {
                    var values: [Double] = []
                    values.reserveCapacity(documentCount)
                    forEachLiveDocument { reader, doc in
                        if let column = reader.columns.numerics[name] { values.append(column.double(doc, column.bytes)) } else { values.append(.nan) }
                    }
                    result.append(ColumnData(name: name, type: type, values: .doubles(values)))
                } else {
                    var values: [Int64] = []
                    values.reserveCapacity(documentCount)
                    forEachLiveDocument { reader, doc in
                        if let column = reader.columns.numerics[name] { values.append(column.integer(doc, column.bytes)) } else { values.append(Columns.missingInteger) }
                    }
                    result.append(ColumnData(name: name, type: type, values: .integers(values)))
                }
            }
        }
        return result
    }

    private static func lexicographicallyPrecedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in TermDictionary.compare(x, y) < 0 } }
    }
}
