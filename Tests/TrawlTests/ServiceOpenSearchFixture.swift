import Foundation
@testable import Trawl

/// A small seeded corpus indexed in memory for the OpenSearch API tests, with the raw
/// documents kept for brute-force checks.
struct OpenSearchFixture {
    static let vocabulary = ["oil", "crude", "prices", "grain", "wheat", "shipping", "tanker", "port", "metals", "copper",
                             "gold", "bank", "rates", "inflation", "export", "import", "harvest", "strike", "market", "supply"]
    static let tags = ["energy", "shipping", "grain", "metals", "finance"]
    static let authors = ["Ann Lee", "Bo Chen", "Cy Diaz"]

    let documents: [Document]
    let reader: IndexReader
    let index: OpenSearchIndex
    let analyzer: Analyzer

    init(count: Int = 60, seed: UInt64 = 16) throws {
        var rng = SeededGenerator(seed: seed)
        var documents: [Document] = []
        for i in 0..<count {
            func words(_ n: Int) -> String {
                (0..<n).map { _ in Self.vocabulary.randomElement(using: &rng)! }.joined(separator: " ")
            }
            let title = words(Int.random(in: 2...4, using: &rng)).capitalized
            let body = words(Int.random(in: 8...30, using: &rng)) + ". " + words(Int.random(in: 5...15, using: &rng))
            var fields: [String: FieldValue] = [:]
            let tagCount = Int.random(in: 0...2, using: &rng)
            if tagCount > 0 { fields["tags"] = .strings(Array(Self.tags.shuffled(using: &rng).prefix(tagCount))) }
            if i % 4 != 3 { fields["author"] = .string(Self.authors.randomElement(using: &rng)!) }
            fields["rating"] = .integer(Int64.random(in: 1...5, using: &rng))
            fields["price"] = .double(Double(Int.random(in: 0...20_000, using: &rng)) / 100)
            fields["draft"] = .bool(Bool.random(using: &rng))
            let date = i % 10 == 9 ? nil : DocumentDate(secondsSinceEpoch: 1_672_531_200 + Int64.random(in: 0...(2 * 365 * 86_400), using: &rng))
            documents.append(Document(id: String(format: "d%02d", i), title: title, date: date, body: body, fields: fields))
        }
        self.documents = documents
        reader = try memoryIndex(documents).reader
        index = OpenSearchIndex(name: "fixture", reader: reader)
        analyzer = try Analyzer(.english)
    }

    /// The `_search` response to a body written as JSON text.
    func search(_ body: String?, _ parameters: [String: String] = [:]) throws -> JSON {
        try index.search(body: body.map { try JSON.parse($0) }, parameters: parameters)
    }

    /// The hit ids of a `_search` response.
    static func ids(_ response: JSON) -> [String] {
        (response["hits"]?["hits"]?.arrayElements ?? []).compactMap { $0["_id"]?.stringValue }
    }

    /// Every hit id of a DSL query (size large enough for the whole corpus), in order.
    func dslIDs(_ query: String) throws -> [String] {
        Self.ids(try search(#"{"size": 1000, "track_total_hits": true, "query": \#(query)}"#))
    }

    /// Every hit id of a Trawl query string, in order.
    func trawlIDs(_ query: String, defaultOperator: QueryParser.Operator = .and) throws -> [String] {
        try reader.search(query, limit: 1000, countTotal: true, defaultOperator: defaultOperator).hits.map(\.id)
    }

    /// The analyzed terms of a text.
    func terms(_ text: String) -> Set<String> { Set(analyzer.analyze(text).map(\.term)) }

    /// Ids of the documents satisfying a predicate, sorted.
    func bruteForce(_ predicate: (Document) -> Bool) -> [String] {
        documents.filter(predicate).map(\.id).sorted()
    }

    func tags(_ document: Document) -> [String] {
        if case .strings(let list)? = document.fields["tags"] { return list }
        return []
    }

    func rating(_ document: Document) -> Int64 {
        if case .integer(let n)? = document.fields["rating"] { return n }
        return -1
    }

    func price(_ document: Document) -> Double {
        if case .double(let d)? = document.fields["price"] { return d }
        return .nan
    }
}
