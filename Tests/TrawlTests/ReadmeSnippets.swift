// The Swift snippets of README.md, verbatim (indented), so the compiler checks every one of
// them; ReadmeExampleTests checks that README.md and this file agree, and runs the example.
import Foundation
import Trawl

/// README.md's code, compiled (not run here: it uses paths relative to the current folder).
enum ReadmeSnippets {
    /// The library section.
    static func library() throws {
        // Create (or open) an index and add documents.
        let writer = try IndexWriter(path: "my-index")
        try writer.add([
            Document(id: "a", title: "Oil sanctions widen", date: DocumentDate(year: 2024, month: 2, day: 14),
                     body: "Importing nations widened sanctions on crude oil exports."),
            Document(id: "b", title: "Harvest report", body: "Wheat harvest beats forecasts."),
        ])
        try writer.commit()                 // atomic: readers see all of it or none of it
        writer.close()

        // Search with a query string...
        let index = try IndexReader(path: "my-index")
        let results = try index.search("sanctions AND oil", limit: 10)
        for hit in results.hits {
            print(hit.id, hit.score, hit.title, hit.snippet?.text ?? "")
        }

        // ...or turn the string into a `Query` first (syntax: docs/query-language.md)...
        let parsed = try index.queryParser().parse("sanctions AND \"crude oil\"~1")
        let counted = try index.search(SearchRequest(query: parsed, limit: 5, countTotal: true))
        print(counted.total, counted.totalRelation.rawValue)  // "eq": exactly `total` match

        // ...or build it in code.
        let query = Query.and([Query.term("oil"), Query.phrase("crude oil", slop: 1)])
        let page = try index.search(SearchRequest(query: query, limit: 5, sort: .dateDescending))
        // `totalRelation` is .equalTo ("eq", exact) up to 1,000 matches, beyond that
        // .greaterThanOrEqualTo ("gte": at least `total`); countTotal: true counts them all.
        print(page.total, page.totalRelation.rawValue)

        // Why a document got its score (idf, tf, lengths, weights).
        if let explanation = try index.explain("sanctions AND oil", id: "a") {
            print(explanation)
        }

        // Index a folder incrementally.
        let folderWriter = try IndexWriter(path: "notes-index")
        let summary = try FolderIndexer(writer: folderWriter).run(paths: ["/path/to/notes"])
        print(summary.added, summary.updated, summary.deleted, summary.unchanged)
        folderWriter.close()
    }
}
