import Testing
@testable import Trawl

/// Date-sorted results against a brute-force sort: oldest or newest first, documents without a
/// date last, ties by relevance and then document number, for several page sizes and offsets.
@Suite struct SearchDateSortTests {
    @Test func dateSortedPagesMatchAFullSort() throws {
        let documents = generatedDocuments(count: 700, seed: 77)
        let reader = try memoryIndex(documents).reader
        #expect(reader.segments.count == 1) // document numbers follow the order of `documents`

        let analyzer = try Analyzer(.english)
        // Match-all, a frequent word and a rarer one (so documents without a date reach the page).
        var counts: [String: Int] = [:]
        for document in documents {
            for term in Set(analyzer.terms(document.body)) { counts[term, default: 0] += 1 }
        }
        let byFrequency = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let frequent = byFrequency[0].key
        let rare = byFrequency.min { abs($0.value - 30) < abs($1.value - 30) }!.key
        let parser = reader.queryParser()

        for text in ["*:*", frequent, rare] {
            let query = try parser.parse(text)
            let matching = documents.indices.filter { i in
                text == "*:*" || analyzer.terms(documents[i].title + "\n" + documents[i].body).contains(text)
            }
            // Ties (equal dates, or none) go by relevance, then by document number.
            var all = SearchRequest(query: query, limit: 100_000)
            all.snippets = false
            let scores = Dictionary(try reader.search(all).hits.map { ($0.id, $0.score) }, uniquingKeysWith: { a, _ in a })
            for sort in [SearchSort.dateAscending, .dateDescending] {
                let expected = matching.sorted { a, b in
                    let da = documents[a].date?.secondsSinceEpoch, db = documents[b].date?.secondsSinceEpoch
                    let sa = scores[documents[a].id] ?? 0, sb = scores[documents[b].id] ?? 0
                    let tie = sa != sb ? sa > sb : a < b
                    switch (da, db) {
                    case (nil, nil): return tie
                    case (nil, _): return false
                    case (_, nil): return true
                    case let (x?, y?): return x != y ? (sort == .dateAscending ? x < y : x > y) : tie
                    }
                }.map { documents[$0].id }
                for (limit, offset) in [(1, 0), (10, 0), (10, 30), (100, 0), (57, 3), (1000, 0)] {
                    var request = SearchRequest(query: query, limit: limit, offset: offset, sort: sort)
                    request.snippets = false
                    let results = try reader.search(request)
                    #expect(results.total == matching.count, "total of \(text)")
                    let want = Array(expected.dropFirst(offset).prefix(limit))
                    #expect(results.hits.map(\.id) == want, "\(text) sorted by \(sort.rawValue), limit \(limit), offset \(offset)")
                }
            }
        }
    }
}
