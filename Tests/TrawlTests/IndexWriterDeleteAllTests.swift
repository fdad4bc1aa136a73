import Testing
@testable import Trawl

/// `IndexWriter.deleteAll()`: every document and learnt field type goes with the next commit,
/// atomically; before it readers keep the last commit, and a rollback brings everything back.
@Suite struct IndexWriterDeleteAllTests {
    @Test func deleteAllEmptiesTheIndexAtTheNextCommit() throws {
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        options.fieldTypes = ["rating": .number]
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        try writer.add((0..<40).map { Document(id: "d\($0)", title: "oil \($0)", body: "crude oil", fields: ["tag": .strings(["x"]), "rating": .integer(Int64($0))]) })
        try writer.commit()
        try writer.add(Document(id: "buffered", body: "oil"))
        #expect(writer.schema["tag"] == .keyword)

        writer.deleteAll()
        #expect(writer.documentCount == 0)
        #expect(try IndexReader(directory: directory).documentCount == 40, "readers keep the last commit until the next")
        try writer.rollback()
        #expect(writer.documentCount == 40)
        #expect(writer.schema["tag"] == .keyword)

        writer.deleteAll()
        try writer.commit()
        let reader = try IndexReader(directory: directory)
        #expect(reader.documentCount == 0)
        #expect(try reader.search("oil", limit: 10, countTotal: true).total == 0)
        #expect(reader.schema["tag"] == nil, "learnt types go")
        #expect(reader.schema["rating"] == .number, "declared types stay")
        // The emptied index takes documents again, and `tag` may now be another type.
        try writer.add(Document(id: "d1", body: "oil", fields: ["tag": .integer(5)]))
        try writer.commit()
        let after = try IndexReader(directory: directory)
        #expect(after.documentCount == 1)
        #expect(after.schema["tag"] == .number)
        #expect(try after.search("oil", limit: 10).hits.map(\.id) == ["d1"])
    }
}
