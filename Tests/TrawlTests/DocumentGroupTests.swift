import Testing
@testable import Trawl

/// ``DocumentGroup``: documents added with shared fields must index exactly as the same
/// documents carrying those fields themselves (the shared ones replacing their own of the same
/// name), while the shared fields are typed once per group.
@Suite struct DocumentGroupTests {
    /// Random groups of the generated corpus, each with shared fields: a keyword, a number,
    /// a date, a reserved source, and `section`, which replaces the documents' own section.
    static func groups(seed: UInt64) -> [DocumentGroup] {
        let (documents, _) = MetadataFieldsTests.generate(count: 2_000, seed: seed)
        var random = SeededGenerator(seed: seed &+ 1)
        var groups: [DocumentGroup] = []
        var start = 0
        var number = 0
        while start < documents.count {
            let size = min(documents.count - start, Int(random.next() % 40) + 1)
            var shared: [String: FieldValue] = [
                "site": .string("file-\(number % 7).jsonl"),
                "bytes": .integer(Int64(random.next() % 10_000)),
                "fetched": .date(DocumentDate(secondsSinceEpoch: 1_600_000_000 + Int64(number) * 86_400, precision: .second)),
                IndexSchema.sourceField: .string("/data/file-\(number).jsonl"),
            ]
            if number % 3 == 0 { shared["section"] = .string(number % 2 == 0 ? "Shared" : "archive") }
            groups.append(DocumentGroup(documents: Array(documents[start..<start + size]), sharedFields: shared))
            start += size
            number += 1
        }
        return groups
    }

    /// The documents of `groups` with the shared fields written into each.
    static func inlined(_ groups: [DocumentGroup]) -> [Document] {
        groups.flatMap { group in
            group.documents.map { document in
                var document = document
                for (name, value) in group.sharedFields { document.fields[name] = value }
                return document
            }
        }
    }

    static func index(_ add: (IndexWriter) throws -> Void) throws -> IndexReader {
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        options.threads = 2
        options.ramBudget = 256 << 10 // several segments: groups cut by flushes
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        try add(writer)
        try writer.commit()
        writer.close()
        return try IndexReader(directory: directory)
    }

    @Test func sharedFieldsIndexAsTheSameFieldsOnEveryDocument() throws {
        let groups = DocumentGroupTests.groups(seed: 11)
        let documents = DocumentGroupTests.inlined(groups)
        let grouped = try DocumentGroupTests.index { writer in
            for batch in stride(from: 0, to: groups.count, by: 25) {
                let warnings = try writer.add(Array(groups[batch..<min(batch + 25, groups.count)]))
                #expect(warnings.isEmpty)
            }
        }
        let plain = try DocumentGroupTests.index { writer in
            for batch in stride(from: 0, to: documents.count, by: 500) {
                let warnings = try writer.add(Array(documents[batch..<min(batch + 500, documents.count)]))
                #expect(warnings.isEmpty)
            }
        }
        #expect(grouped.segments.count > 1)
        #expect(grouped.schema == plain.schema)
        #expect(grouped.schema["site"] == .keyword)
        #expect(grouped.schema["bytes"] == .number)
        #expect(grouped.schema["fetched"] == .date)
        for document in documents {
            let a = try #require(try grouped.document(id: document.id))
            let b = try #require(try plain.document(id: document.id))
            #expect(a == b, "\(document.id)")
        }
        let facets = [FacetRequest(field: "site", grouping: .values(limit: 20)), FacetRequest(field: "section", grouping: .values(limit: 20)),
                      FacetRequest(field: "fetched", grouping: .dates(.month)),
                      FacetRequest(field: "bytes", grouping: .ranges([.init(from: nil, to: 5_000), .init(from: 5_000, to: nil)]))]
        for text in ["*:*", "site:file-3.jsonl", "section:shared", "section:world OR tags:energy", "bytes:[100 TO 4000]",
                     "fetched:>=2020-10-01 zq7", "_exists_:section"] {
            var results: [SearchResults] = []
            for reader in [grouped, plain] {
                let request = SearchRequest(query: try reader.queryParser().parse(text), limit: 50, countTotal: true, facets: facets,
                                            sortFields: [SortField(field: "bytes", descending: true)])
                results.append(try reader.search(request))
            }
            #expect(results[0].total > 0, "\(text)")
            #expect(results[0].total == results[1].total, "\(text)")
            #expect(results[0].hits.map(\.id) == results[1].hits.map(\.id), "\(text)")
            #expect(results[0].facets == results[1].facets, "\(text)")
        }
        // Every document of a group is found by its source.
        let expected = groups[5].documents.map(\.id).sorted()
        let writer = try IndexWriter(directory: MemoryDirectory(), lock: nil, options: IndexWriterOptions())
        try writer.add([groups[4], groups[5], groups[6]])
        try writer.commit()
        #expect(try writer.delete(source: "/data/file-5.jsonl") == expected.count)
    }

    @Test func aSharedValueThatDoesNotFitIsReportedOncePerGroup() throws {
        let directory = MemoryDirectory()
        let writer = try IndexWriter(directory: directory, lock: nil, options: IndexWriterOptions())
        try writer.add([Document(id: "first", body: "one", fields: ["rating": 4])])
        let group = DocumentGroup(documents: (0..<10).map { Document(id: "g\($0)", body: "two", fields: ["rating": .integer(Int64($0))]) },
                                  sharedFields: ["rating": "high", "title": "not allowed"])
        let warnings = try writer.add([group])
        #expect(warnings.map(\.field).sorted() == ["rating", "title"])
        #expect(warnings.allSatisfy { $0.documentID == "g0" })
        try writer.commit()
        let reader = try IndexReader(directory: directory)
        // The shared value replaced the documents' own ratings, and was left out.
        #expect(try reader.search("rating:[0 TO 10]", countTotal: true).total == 1)
        #expect(try reader.search("two", countTotal: true).total == 10)
    }
}
