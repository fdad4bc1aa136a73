import Testing
@testable import Trawl

/// Generated documents over a small vocabulary with skewed frequencies.
func generatedDocuments(count: Int, seed: UInt64, vocabulary: Int = 300, idPrefix: String = "doc") -> [Document] {
    var random = SeededGenerator(seed: seed)
    let words = (0..<vocabulary).map { i -> String in
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        var n = i + 7
        var word = ""
        repeat {
            word.append(letters[n % 26])
            n /= 26
        } while n > 0
        return word + "x" + String(i % 10)
    }
    func word() -> String {
        // Skewed: squares of uniform pick more low indexes.
        let u = Double(random.next() % 10_000) / 10_000
        return words[min(words.count - 1, Int(u * u * Double(words.count)))]
    }
    return (0..<count).map { i in
        let titleLength = Int(random.next() % 6)
        let bodyLength = Int(random.next() % 200)
        let date = random.next() % 4 == 0 ? nil : DocumentDate(secondsSinceEpoch: Int64(1_600_000_000 + Int(random.next() % 100_000_000)))
        var fields: [String: FieldValue] = [:]
        if random.next() % 3 == 0 { fields["byline"] = .string(word() + " " + word()) }
        return Document(id: "\(idPrefix)\(i)", title: (0..<titleLength).map { _ in word() }.joined(separator: " "),
                        date: date, body: (0..<bodyLength).map { _ in word() }.joined(separator: " "), fields: fields)
    }
}

/// An independent in-memory inverted index: field → term → [(doc id, positions)].
func referenceIndex(_ documents: [Document], analyzer: Analyzer) -> [String: [String: [(id: String, positions: [Int])]]] {
    var index: [String: [String: [(id: String, positions: [Int])]]] = [:]
    for document in documents {
        var texts = [("title", document.title), ("body", document.body)]
        for (name, value) in document.fields { texts.append((name, value.description)) }
        for (field, text) in texts {
            var positions: [String: [Int]] = [:]
            for token in analyzer.analyze(text) { positions[token.term, default: []].append(token.position) }
            for (term, list) in positions { index[field, default: [:]][term, default: []].append((document.id, list)) }
        }
    }
    return index
}

@Suite struct IndexRoundTripTests {
    func options(ram: Int = 256 << 20) -> IndexWriterOptions {
        var options = IndexWriterOptions()
        options.durable = false
        options.ramBudget = ram
        options.threads = 2
        return options
    }

    /// Reads every posting of every field and term back and compares with the reference.
    func verify(_ reader: IndexReader, against documents: [Document]) throws {
        let analyzer = try Analyzer(.english)
        let reference = referenceIndex(documents, analyzer: analyzer)
        // External ids of every index-wide live document.
        var idOf: [Int: String] = [:]
        for (s, segment) in reader.segments.enumerated() {
            for doc in 0..<segment.documentCount where segment.isLive(doc) {
                idOf[reader.bases[s] + doc] = try segment.store.document(doc).id
            }
        }
        #expect(idOf.count == documents.count)
        #expect(reference["body"]?.isEmpty == false && reference["title"]?.isEmpty == false)
        for (field, terms) in reference {
            var indexedTerms = 0
            for segment in reader.segments {
                guard let fieldTerms = segment.dictionary.terms(forField: field) else { continue }
                var iterator = fieldTerms.makeIterator()
                while try iterator.next() { indexedTerms += 1 }
            }
            #expect(indexedTerms >= terms.count)
            for (term, expected) in terms {
                var actual: [(id: String, positions: [Int])] = []
                for (s, segment) in reader.segments.enumerated() {
                    let lookup = try withTypedUTF8(term) { (bytes) throws(TrawlError) in try segment.termInfo(field: field, term: bytes) }
                    guard let info = lookup else { continue }
                    var cursor = try segment.cursor(field: field, info: info)
                    var positions: [UInt32] = []
                    var doc = cursor.doc
                    while doc != PostingsCursor.noMoreDocs {
                        if segment.isLive(Int(doc)) {
                            try cursor.positions(into: &positions)
                            actual.append((idOf[reader.bases[s] + Int(doc)]!, positions.map(Int.init)))
                        }
                        doc = cursor.next()
                    }
                    try cursor.throwIfCorrupt()
                }
                let a = actual.sorted { $0.id < $1.id }
                let e = expected.sorted { $0.id < $1.id }
                #expect(a.map(\.id) == e.map(\.id), "postings of \(field):\(term)")
                #expect(a.map(\.positions) == e.map(\.positions), "positions of \(field):\(term)")
            }
        }
        for document in documents {
            let stored = try #require(try reader.document(id: document.id))
            #expect(stored.title == document.title)
            #expect(stored.body == document.body)
            #expect(stored.date == document.date)
            #expect(stored.fields.filter { $0.key != "words" } == document.fields) // `words` is every document's word count
        }
    }

    @Test func randomizedCorpusRoundTripsThroughSegmentsAndMerges() throws {
        let directory = MemoryDirectory()
        let documents = generatedDocuments(count: 600, seed: 7)
        // A tiny RAM budget forces many flushes; merge factor 3 forces merges.
        var opts = options(ram: 64 << 10)
        opts.mergeFactor = 3
        let writer = try IndexWriter(directory: directory, lock: nil, options: opts)
        for chunk in stride(from: 0, to: documents.count, by: 50) {
            try writer.add(Array(documents[chunk..<min(chunk + 50, documents.count)]))
        }
        try writer.commit()
        let reader = try IndexReader(directory: directory)
        #expect(reader.documentCount == 600)
        #expect(reader.segments.count < 12)
        try verify(reader, against: documents)

        try writer.optimize()
        let optimized = try IndexReader(directory: directory)
        #expect(optimized.segments.count == 1)
        try verify(optimized, against: documents)
    }

    @Test func replacingAndDeletingKeepsIdsAndStoredFieldsConsistent() throws {
        let directory = MemoryDirectory()
        var documents = generatedDocuments(count: 200, seed: 11)
        let writer = try IndexWriter(directory: directory, lock: nil, options: options(ram: 32 << 10))
        try writer.add(documents)
        try writer.commit()
        // Replace every fifth, delete every seventh.
        var replaced = generatedDocuments(count: 200, seed: 12)
        for i in stride(from: 0, to: 200, by: 5) {
            replaced[i].id = documents[i].id
            documents[i] = replaced[i]
            try writer.add(replaced[i])
        }
        var deleted: Set<String> = []
        for i in stride(from: 3, to: 200, by: 7) {
            #expect(try writer.delete(id: documents[i].id))
            deleted.insert(documents[i].id)
        }
        #expect(try writer.delete(id: "no-such-id") == false)
        try writer.commit()
        let remaining = documents.filter { !deleted.contains($0.id) }
        let reader = try IndexReader(directory: directory)
        #expect(reader.documentCount == remaining.count)
        for id in deleted { #expect(try reader.document(id: id) == nil) }
        try verify(reader, against: remaining)
        try writer.optimize()
        let merged = try IndexReader(directory: directory)
        #expect(merged.deletedDocumentCount == 0)
        try verify(merged, against: remaining)
    }

    @Test func readersKeepTheirCommitWhileTheWriterMovesOn() throws {
        let directory = MemoryDirectory()
        let writer = try IndexWriter(directory: directory, lock: nil, options: options())
        try writer.add(generatedDocuments(count: 20, seed: 1))
        try writer.commit()
        let before = try IndexReader(directory: directory)
        try writer.add(generatedDocuments(count: 20, seed: 2, idPrefix: "more"))
        try writer.delete(id: "doc3")
        try writer.commit()
        try writer.optimize()
        #expect(before.documentCount == 20)
        #expect(try before.document(id: "doc3") != nil)
        let after = try IndexReader(directory: directory)
        #expect(after.documentCount == 39)
        #expect(try after.document(id: "doc3") == nil)
    }

    @Test func uncommittedChangesAreInvisibleAndRollBack() throws {
        let directory = MemoryDirectory()
        let writer = try IndexWriter(directory: directory, lock: nil, options: options())
        try writer.commit()
        try writer.add(generatedDocuments(count: 10, seed: 3))
        #expect(try IndexReader(directory: directory).documentCount == 0)
        try writer.rollback()
        try writer.commit()
        #expect(try IndexReader(directory: directory).documentCount == 0)
    }

    /// A new index is written by its first commit, generation 1, even when rolled back or
    /// empty; a writer closed before it leaves no index.
    @Test func aNewIndexIsWrittenByItsFirstCommit() throws {
        let directory = MemoryDirectory()
        let abandoned = try IndexWriter(directory: directory, lock: nil, options: options())
        try abandoned.add(generatedDocuments(count: 5, seed: 4))
        abandoned.close()
        #expect(throws: TrawlError.self) { try IndexReader(directory: directory) }

        let writer = try IndexWriter(directory: directory, lock: nil, options: options())
        #expect(throws: TrawlError.self) { try IndexReader(directory: directory) }
        try writer.add(generatedDocuments(count: 5, seed: 4))
        try writer.rollback()
        try writer.commit()
        let empty = try IndexReader(directory: directory)
        #expect(empty.generation == 1)
        #expect(empty.documentCount == 0)
        #expect(try directory.fileNames().filter { $0.hasPrefix("commit_") } == ["commit_1"])

        try writer.add(generatedDocuments(count: 5, seed: 4))
        try writer.commit()
        #expect(try IndexReader(directory: directory).generation == 2)
        // A commit with nothing new publishes nothing.
        try writer.commit()
        #expect(try IndexReader(directory: directory).generation == 2)

        let fresh = MemoryDirectory()
        let first = try IndexWriter(directory: fresh, lock: nil, options: options())
        try first.add(generatedDocuments(count: 5, seed: 4))
        try first.commit()
        let reader = try IndexReader(directory: fresh)
        #expect(reader.generation == 1)
        #expect(reader.statistics().generation == 1)
        #expect(reader.documentCount == 5)
    }

    @Test func anIndexRecordsItsAnalyzer() throws {
        let directory = MemoryDirectory()
        var opts = options()
        opts.analyzer = .simple
        let writer = try IndexWriter(directory: directory, lock: nil, options: opts)
        try writer.commit()
        writer.close()
        // Reopening with other options keeps the analyzer the index was built with.
        let again = try IndexWriter(directory: directory, lock: nil, options: options())
        #expect(again.analyzer == .simple)
        #expect(try IndexReader(directory: directory).analyzer.configuration == .simple)
    }
}
