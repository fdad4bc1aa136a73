/// Merges segments into one: live documents only, renumbered in segment order.
///
/// Terms of each field are merged in byte order (a k-way merge of the segments' term
/// iterators); each term's postings are decoded from every segment that has it, remapped to
/// the new numbering, and re-encoded with their positions. Field lengths, stored documents and
/// dates follow the same numbering.
enum SegmentMerger {
    /// Writes the merge of `sources` (reader and current live documents) as segment `name`.
    static func merge(_ sources: [(reader: SegmentReader, live: LiveDocuments?)], into directory: any IndexDirectory,
                      name: String, storesBody: Bool, sync: Bool) throws(TrawlError) -> SegmentMeta {
        // Verify every source file's checksum first: a merge re-encodes the data under a fresh
        // checksum, so merging a damaged segment would make its damage undetectable.
        for source in sources { try source.reader.verifyChecksums() }
        let segmentID = SegmentID.random()
        // New document numbers.
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
        var meta = SegmentMeta(name: name, id: segmentID.description, documentCount: documentCount, deletedCount: 0,
                               deleteGeneration: 0, fields: [], fileSizes: [:], storesBody: storesBody)

        // Field numbering: keyword fields first, then text fields in first-seen order.
        var fieldNames: [String] = [IndexSchema.idField, IndexSchema.sourceField]
        var hasPositions: [String: Bool] = [IndexSchema.idField: false, IndexSchema.sourceField: false]
        for source in sources {
            for field in source.reader.meta.fields.sorted(by: { $0.number < $1.number }) where hasPositions[field.name] == nil {
                fieldNames.append(field.name)
                hasPositions[field.name] = field.hasPositions
            }
        }

        let postingsFile = try IndexFileWriter(directory: directory, name: meta.fileName(SegmentFiles.postings), kind: .postings, segmentID: segmentID)
        let positionsFile = try IndexFileWriter(directory: directory, name: meta.fileName(SegmentFiles.positions), kind: .positions, segmentID: segmentID)
        let dictionaryFile = try IndexFileWriter(directory: directory, name: meta.fileName(SegmentFiles.termDictionary), kind: .termDictionary, segmentID: segmentID)
        let dictionary = TermDictionaryWriter(output: dictionaryFile)
        let withPositions = PostingsWriter(postings: postingsFile, positions: positionsFile)
        let withoutPositions = PostingsWriter(postings: postingsFile, positions: nil)
        var lengthSections: [(number: Int, codes: [UInt8])] = []
        var positions = [UInt32](repeating: 0, count: 256)

        for (number, fieldName) in fieldNames.enumerated() {
            let positional = hasPositions[fieldName] ?? false
            let writer = positional ? withPositions : withoutPositions
            // Field lengths of the merged documents.
            var codes = [UInt8](repeating: 0, count: documentCount)
            var fieldDocuments = 0
            var totalLength = 0
            for (s, source) in sources.enumerated() {
                guard let number = source.reader.fieldsByName[fieldName]?.number,
                      let sourceCodes = source.reader.fieldLengths.codes(field: number) else { continue }
                for doc in 0..<source.reader.documentCount where docMaps[s][doc] >= 0 {
                    codes[Int(docMaps[s][doc])] = sourceCodes[doc]
                }
            }
            if positional { lengthSections.append((number, codes)) }

            try dictionary.startField(fieldName, hasPositions: positional)
            var iterators: [TermIterator?] = sources.map { $0.reader.dictionary.terms(forField: fieldName)?.makeIterator() }
            for i in iterators.indices where iterators[i] != nil {
                if try !iterators[i]!.next() { iterators[i] = nil }
            }
            var termCount = 0
            while true {
                // The smallest current term.
                var smallest: [UInt8]?
                for iterator in iterators {
                    guard let iterator else { continue }
                    if smallest == nil || lexicographicallyPrecedes(iterator.term, smallest!) { smallest = iterator.term }
                }
                guard let term = smallest else { break }
                var wrote = false
                for i in iterators.indices {
                    guard let iterator = iterators[i], iterator.term == term else { continue }
                    let source = sources[i]
                    var cursor = try source.reader.cursor(field: fieldName, info: iterator.info)
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
                            if !wrote { try writer.startTerm() }
                            let lengthCode = codes[Int(mapped)]
                            let result: Result<Void, TrawlError> = positions.withUnsafeBufferPointer { buffer in
                                do throws(TrawlError) {
                                    try writer.add(doc: UInt32(mapped), freq: freq, lengthCode: positional ? lengthCode : 1,
                                                   positions: UnsafeBufferPointer(rebasing: buffer[0..<count]))
                                    return .success(())
                                } catch { return .failure(error) }
                            }
                            try result.get()
                            wrote = true
                        }
                        doc = cursor.next()
                    }
                    try cursor.throwIfCorrupt()
                    if try !iterators[i]!.next() { iterators[i] = nil }
                }
                if wrote {
                    let info = try writer.finishTerm()
                    try dictionary.add(term: term, info: info)
                    termCount += 1
                }
            }
            try dictionary.finishField()
            for source in sources { source.reader.releasePages() }
            if positional {
                for (s, source) in sources.enumerated() {
                    guard let field = source.reader.fieldsByName[fieldName] else { continue }
                    if source.live == nil || source.live!.deletedCount == 0 {
                        // No deletions: the exact statistics carry over.
                        totalLength += field.totalLength
                        fieldDocuments += field.documentCount
                    } else if let sourceCodes = source.reader.fieldLengths.codes(field: field.number) {
                        for doc in 0..<source.reader.documentCount where docMaps[s][doc] >= 0 && sourceCodes[doc] > 0 {
                            fieldDocuments += 1
                            totalLength += Int(FieldLengthCode.decode(sourceCodes[doc]))
                        }
                    }
                }
            } else {
                fieldDocuments = documentCount
                totalLength = documentCount
            }
            meta.fields.append(FieldMeta(name: fieldName, number: number, documentCount: fieldDocuments,
                                         totalLength: totalLength, termCount: termCount, hasPositions: positional))
        }
        meta.fileSizes[SegmentFiles.termDictionary] = try dictionary.finish(sync: sync)
        meta.fileSizes[SegmentFiles.postings] = try postingsFile.finish(sync: sync)
        meta.fileSizes[SegmentFiles.positions] = try positionsFile.finish(sync: sync)
        meta.fileSizes[SegmentFiles.fieldLengths] = try FieldLengthsFile.write(
            lengthSections, to: directory, name: meta.fileName(SegmentFiles.fieldLengths), segmentID: segmentID, sync: sync)

        var store = DocumentStoreWriter()
        var dates: [Int64] = []
        var identifiers: [String] = []
        dates.reserveCapacity(documentCount)
        identifiers.reserveCapacity(documentCount)
        for (s, source) in sources.enumerated() {
            for doc in 0..<source.reader.documentCount where docMaps[s][doc] >= 0 {
                store.add(try source.reader.store.document(doc))
                dates.append(source.reader.dates.value(doc))
                identifiers.append(source.reader.identifiers.id(doc))
            }
        }
        meta.fileSizes[SegmentFiles.identifiers] = try IdentifierColumn.write(
            identifiers, to: directory, name: meta.fileName(SegmentFiles.identifiers), segmentID: segmentID, sync: sync)
        meta.fileSizes[SegmentFiles.documentStore] = try store.write(
            to: directory, name: meta.fileName(SegmentFiles.documentStore), segmentID: segmentID, sync: sync)
        meta.fileSizes[SegmentFiles.dates] = try DateColumn.write(
            dates, to: directory, name: meta.fileName(SegmentFiles.dates), segmentID: segmentID, sync: sync)
        return meta
    }

    private static func lexicographicallyPrecedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in TermDictionary.compare(x, y) < 0 } }
    }
}
