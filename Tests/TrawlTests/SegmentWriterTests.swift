import Testing
@testable import Trawl

/// Flushes and merges write segments through the one ``SegmentWriter``: a merge of segments
/// with deletions writes the same bytes, and runs the same file operations, as a flush of the
/// surviving documents.
@Suite struct SegmentWriterTests {
    /// Generated documents, with extra fields, source keys and two large (chunked) bodies.
    static func documents(count: Int, seed: UInt64) -> [Document] {
        var documents = generatedDocuments(count: count, seed: seed, vocabulary: 400)
        var random = SeededGenerator(seed: seed &+ 1)
        for i in documents.indices {
            if i % 5 == 0 { documents[i].fields["summary"] = "tag\(random.next() % 7) tag\(random.next() % 11)" }
            // Typed metadata: keywords in mixed case, numbers (integers, some doubles), dates, bools.
            if i % 3 == 0 { documents[i].fields["tags"] = .strings(["Tag\(random.next() % 9)", random.next() % 2 == 0 ? "ENERGY" : "energy"]) }
            if i % 4 != 3 { documents[i].fields["rating"] = random.next() % 5 == 0 ? .double(Double(random.next() % 10) / 4) : .integer(Int64(random.next() % 6)) }
            if i % 6 == 1 { documents[i].fields["published"] = .date(DocumentDate(secondsSinceEpoch: Int64(random.next() % 5000) * 86_400, precision: .day)) }
            if i % 2 == 0 { documents[i].fields["draft"] = .bool(random.next() % 2 == 0) }
            if i % 3 != 1 { documents[i].fields[IndexSchema.sourceField] = "folder/file\(i / 2).txt" }
            if i % 4 == 0 { documents[i].date = DocumentDate(secondsSinceEpoch: Int64(18_000 + random.next() % 2000) * 86_400, precision: .day) }
        }
        // Every field appears in the first document, so the merge and the direct flush number
        // the fields the same way whichever documents are deleted.
        documents[0].fields["author"] = "first author"
        documents[0].fields["summary"] = "first summary"
        for i in [count / 3, count - 2] {
            documents[i].body = (0..<14_000).map { "word\($0 % 997) " }.joined() + "\nlast line"
            documents[i].bodyLine = 3
        }
        return documents
    }

    /// A segment's files with the 16-byte segment id in the header zeroed and the CRC (which
    /// covers the id) dropped, by extension.
    static func normalizedFiles(_ meta: SegmentMeta, in directory: MemoryDirectory) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for ext in SegmentFiles.extensions {
            var bytes = try #require(directory.contents(of: meta.fileName(ext)), "\(meta.fileName(ext)) missing")
            try #require(bytes.count >= FileEnvelope.headerSize + FileEnvelope.footerSize)
            for i in 12..<FileEnvelope.headerSize { bytes[i] = 0 }
            bytes.removeLast(4)
            files[ext] = bytes
        }
        return files
    }

    /// Adds `documents` to a new builder and flushes it as `name`, deleting the ids in `deleting`
    /// while they are buffered.
    static func flush(_ documents: [AnalyzedDocument], deleting: [String] = [], storesBody: Bool, name: String,
                      to directory: MemoryDirectory) throws -> SegmentMeta {
        let builder = SegmentBuilder(storesBody: storesBody)
        for document in documents { builder.add(document) }
        for id in deleting { builder.delete(id: id) }
        return try builder.flush(to: directory, name: name, sync: false)
    }

    /// Two flushed segments (the second with buffered deletions), more documents deleted
    /// afterwards, merged: the merged files equal those of a flush of the survivors in order.
    @Test(arguments: [true, false])
    func mergeWritesTheBytesOfAFlushOfTheSurvivors(storesBody: Bool) throws {
        let documents = Self.documents(count: 700, seed: storesBody ? 31 : 32)
        let analysis = try DocumentAnalysis(configuration: .english, storeBody: storesBody)
        var schema = FieldSchema()
        var warnings: [FieldWarning] = []
        let analyzed = documents.map { analysis.analyze($0, metadata: schema.resolve($0, warnings: &warnings)) }
        let split = 400
        let directory = MemoryDirectory()
        let deletedWhileBuffered = Set(stride(from: split + 5, to: analyzed.count, by: 9).map { "doc\($0)" })
        let first = try Self.flush(Array(analyzed[..<split]), storesBody: storesBody, name: "s1", to: directory)
        let second = try Self.flush(Array(analyzed[split...]), deleting: deletedWhileBuffered.sorted(),
                                    storesBody: storesBody, name: "s2", to: directory)
        #expect(second.deletedCount == deletedWhileBuffered.count)
        let readers = [try SegmentReader(directory: directory, meta: first), try SegmentReader(directory: directory, meta: second)]
        // Later deletions: a run, a stride, and one large body.
        var deleted = deletedWhileBuffered
        var lives: [LiveDocuments] = []
        var base = 0
        for reader in readers {
            var live = reader.liveDocuments ?? LiveDocuments(allLive: reader.documentCount)
            for doc in 0..<reader.documentCount {
                let global = base + doc
                if (global >= 100 && global < 160) || global % 7 == 3 || global == analyzed.count - 2 {
                    live.delete(doc)
                    deleted.insert("doc\(global)")
                }
            }
            #expect(live.isLive(0))
            lives.append(live)
            base += reader.documentCount
        }
        let merged = try SegmentMerger.merge(zip(readers, lives).map { ($0, $1) }, into: directory, name: "s3",
                                             storesBody: storesBody, sync: false)
        let survivors = analyzed.filter { !deleted.contains($0.stored.id) }
        #expect(merged.documentCount == survivors.count)
        let direct = try Self.flush(survivors, storesBody: storesBody, name: "s4", to: directory)

        let mergedFiles = try Self.normalizedFiles(merged, in: directory)
        let directFiles = try Self.normalizedFiles(direct, in: directory)
        for ext in SegmentFiles.extensions {
            #expect(mergedFiles[ext] == directFiles[ext], "\(ext) differs (\(mergedFiles[ext]?.count ?? 0) vs \(directFiles[ext]?.count ?? 0) bytes)")
        }
        #expect(merged.fileSizes == direct.fileSizes)
        #expect(merged.deletedCount == 0 && direct.deletedCount == 0)
        // The field table agrees; the statistics the commit records for keyword fields and, after
        // deletions, the total lengths (summed from the 1-byte length codes) are the merge's own.
        #expect(merged.fields.map(\.name) == direct.fields.map(\.name))
        #expect(merged.fields.map(\.number) == direct.fields.map(\.number))
        #expect(merged.fields.map(\.termCount) == direct.fields.map(\.termCount))
        #expect(merged.fields.map(\.hasPositions) == direct.fields.map(\.hasPositions))
        for (m, d) in zip(merged.fields, direct.fields) where m.hasPositions {
            #expect(m.documentCount == d.documentCount, "documents with \(m.name)")
        }

        // The merged segment reads back: ids, dates and stored documents of the survivors.
        let reader = try SegmentReader(directory: directory, meta: merged)
        try reader.verifyChecksums()
        for (doc, document) in survivors.enumerated() where doc % 37 == 0 || document.stored.body.utf8.count > 60_000 {
            #expect(reader.identifiers.id(doc) == document.stored.id)
            #expect(reader.dates.value(doc) == document.date)
            #expect(try reader.store.document(doc) == document.stored)
        }
    }

    /// The directory operations of `body`, found by failing each in turn (a fault injected at
    /// operation 0, 1, 2, … until `body` succeeds): "create s1.post", "write s1.post", …
    static func operations(_ body: (MemoryDirectory) throws -> Void, in makeDirectory: () -> MemoryDirectory) throws -> [String] {
        var operations: [String] = []
        while true {
            let directory = makeDirectory()
            directory.injectFault(atOperation: operations.count)
            do {
                try body(directory)
                return operations
            } catch let error as TrawlError {
                operations.append(error.message.replacing("injected failure during ", with: ""))
            }
            try #require(operations.count < 500)
        }
    }

    /// Flushes and merges create and fsync the segment's files in the one order of the table.
    @Test func flushesAndMergesSyncFilesInTableOrder() throws {
        let documents = Self.documents(count: 40, seed: 34)
        let analysis = try DocumentAnalysis(configuration: .english, storeBody: true)
        var schema = FieldSchema()
        var warnings: [FieldWarning] = []
        let analyzed = documents.map { analysis.analyze($0, metadata: schema.resolve($0, warnings: &warnings)) }
        let tableOrder = SegmentFiles.extensions
        func syncs(_ operations: [String], of name: String) -> [String] {
            operations.filter { $0.hasPrefix("sync \(name).") }.map { String($0.dropFirst("sync \(name).".count)) }
        }
        let flushed = try Self.operations({ directory in
            _ = try Self.flush(analyzed, deleting: ["doc3"], storesBody: true, name: "s1", to: directory)
        }, in: { MemoryDirectory() })
        #expect(syncs(flushed, of: "s1") == tableOrder)
        #expect(flushed.suffix(3) == ["create s1_1.live", "write s1_1.live", "sync s1_1.live"])

        let base = MemoryDirectory()
        let first = try Self.flush(Array(analyzed[..<20]), storesBody: true, name: "s1", to: base)
        let second = try Self.flush(Array(analyzed[20...]), storesBody: true, name: "s2", to: base)
        let merged = try Self.operations({ directory in
            let readers = [try SegmentReader(directory: directory, meta: first), try SegmentReader(directory: directory, meta: second)]
            var live = LiveDocuments(allLive: readers[0].documentCount)
            live.delete(3)
            _ = try SegmentMerger.merge([(readers[0], live), (readers[1], nil)], into: directory, name: "s3",
                                        storesBody: true, sync: true)
        }, in: {
            let copy = MemoryDirectory()
            for name in (try? base.fileNames()) ?? [] { copy.overwrite(name, with: base.contents(of: name) ?? []) }
            return copy
        })
        #expect(syncs(merged, of: "s3") == tableOrder)
        // Apart from the live-documents file, the same operations on the same files.
        #expect(merged.map { $0.replacing("s3.", with: "s1.") } == flushed.dropLast(3))
    }

    /// Merging a merged segment with nothing deleted writes its files again, byte for byte.
    @Test func mergeWithoutDeletionsCopiesASegment() throws {
        let documents = Self.documents(count: 300, seed: 33)
        let analysis = try DocumentAnalysis(configuration: .english, storeBody: true)
        let directory = MemoryDirectory()
        var schema = FieldSchema()
        var warnings: [FieldWarning] = []
        let flushed = try Self.flush(documents.map { analysis.analyze($0, metadata: schema.resolve($0, warnings: &warnings)) },
                                     storesBody: true, name: "s1", to: directory)
        let reader = try SegmentReader(directory: directory, meta: flushed)
        let merged = try SegmentMerger.merge([(reader, nil)], into: directory, name: "s2", storesBody: true, sync: false)
        #expect(try Self.normalizedFiles(merged, in: directory) == Self.normalizedFiles(flushed, in: directory))
        // Without deletions a text field's statistics carry over exactly; a merge records every
        // document under the keyword fields (a flush counts the documents that have a value).
        #expect(merged.fields.filter(\.hasPositions) == flushed.fields.filter(\.hasPositions))
        #expect(merged.fields.map(\.termCount) == flushed.fields.map(\.termCount))
    }
}
