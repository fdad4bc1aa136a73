import Testing
@testable import Trawl

/// Metadata fields against a brute-force reference: a generated corpus of 100,000 documents
/// with multi-valued keywords, numbers (integers and doubles), dates and bools, over several
/// segments with deletions; 200 seeded queries with filters, facets and sorts. Hits, totals,
/// facet counts and sorted order must equal what the test computes from the documents alone.
@Suite struct MetadataFieldsTests {
    struct Doc {
        var id: String
        var words: Set<String>
        var tags: [String]
        var section: String?
        var rating: Double?
        var published: Int64?
        var draft: Bool?
    }

    static let tagValues = ["Energy", "Shipping", "grain", "Oil & Gas", "Café", "markets", "iran", "sanctions",
                            "coffee", "steel", "GOLD", "wheat", "Jane Doe", "crude", "ports", "banks"]
    static let sections = ["world", "business", "Oil & Gas", "tech", "sport", "science", "opinion", "arts"]

    /// A random casing of a value (keyword matching and counting ignore case).
    static func recased(_ value: String, _ random: inout SeededGenerator) -> String {
        switch random.next() % 3 {
        case 0: return value
        case 1: return value.lowercased()
        default: return value.uppercased()
        }
    }

    static func generate(count: Int, seed: UInt64) -> (documents: [Document], truth: [Doc]) {
        var random = SeededGenerator(seed: seed)
        var documents: [Document] = []
        var truth: [Doc] = []
        documents.reserveCapacity(count)
        let firstDay = DocumentDate(year: 2015, month: 1, day: 1)!.secondsSinceEpoch
        for i in 0..<count {
            var words: Set<String> = []
            var body: [String] = []
            for _ in 0..<8 {
                let w = "zq\(random.next() % 200)"
                body.append(w)
                words.insert(w)
            }
            var fields: [String: FieldValue] = [:]
            var doc = Doc(id: "d\(i)", words: words, tags: [])
            let tagCount = Int(random.next() % 4)
            var tags: [String] = []
            for _ in 0..<tagCount { tags.append(recased(tagValues[Int(random.next() % UInt64(tagValues.count))], &random)) }
            if !tags.isEmpty {
                fields["tags"] = .strings(tags)
                doc.tags = tags.map { $0.lowercased() }
            }
            if random.next() % 4 != 0 {
                let section = recased(sections[Int(random.next() % UInt64(sections.count))], &random)
                fields["section"] = .string(section)
                doc.section = section.lowercased()
            }
            switch random.next() % 10 {
            case 0, 1: break
            case 2:
                let r = Double(random.next() % 9) / 2 + 0.5
                fields["rating"] = .double(r)
                doc.rating = r
            default:
                let r = Int64(random.next() % 5) + 1
                fields["rating"] = .integer(r)
                doc.rating = Double(r)
            }
            if random.next() % 10 != 0 {
                let seconds = firstDay + Int64(random.next() % 3650) * 86_400
                fields["published"] = .date(DocumentDate(secondsSinceEpoch: seconds, precision: .day))
                doc.published = seconds
            }
            if random.next() % 10 < 7 {
                let b = random.next() % 2 == 0
                fields["draft"] = .bool(b)
                doc.draft = b
            }
            documents.append(Document(id: doc.id, title: "", body: body.joined(separator: " "), fields: fields))
            truth.append(doc)
        }
        return (documents, truth)
    }

    /// One generated query: its text and its predicate over the truth.
    struct GeneratedQuery {
        var text: String
        var matches: (Doc) -> Bool
    }

    static func year(_ seconds: Int64) -> Int { CivilCalendar.civilDate(daysSinceEpoch: Int(seconds / 86_400)).year }

    static func query(_ random: inout SeededGenerator) -> GeneratedQuery {
        var parts: [String] = []
        var tests: [(Doc) -> Bool] = []
        if random.next() % 3 != 0 {
            let w = "zq\(random.next() % 200)"
            parts.append(w)
            tests.append { $0.words.contains(w) }
        } else {
            parts.append("*:*")
        }
        for _ in 0..<Int(random.next() % 4) {
            switch random.next() % 9 {
            case 0:
                let t = tagValues[Int(random.next() % UInt64(tagValues.count))]
                parts.append("tags:" + (t.contains(" ") ? "\"\(recased(t, &random))\"" : escaped(recased(t, &random))))
                tests.append { $0.tags.contains(t.lowercased()) }
            case 1:
                let a = tagValues[Int(random.next() % UInt64(tagValues.count))], b = tagValues[Int(random.next() % UInt64(tagValues.count))]
                parts.append("tags:(\"\(a)\" OR \"\(b)\")")
                tests.append { $0.tags.contains(a.lowercased()) || $0.tags.contains(b.lowercased()) }
            case 2:
                let s = sections[Int(random.next() % UInt64(sections.count))]
                parts.append("section:\"\(s)\"")
                tests.append { $0.section == s.lowercased() }
            case 3:
                let lo = Double(random.next() % 5) + 0.5, hi = lo + Double(random.next() % 4)
                parts.append("rating:[\(FieldValue.format(lo)) TO \(FieldValue.format(hi))]")
                tests.append { d in d.rating.map { $0 >= lo && $0 <= hi } ?? false }
            case 4:
                let lo = Double(random.next() % 5)
                parts.append("rating:>\(FieldValue.format(lo))")
                tests.append { d in d.rating.map { $0 > lo } ?? false }
            case 5:
                let y1 = 2015 + Int(random.next() % 10), y2 = y1 + Int(random.next() % 4)
                parts.append("published:[\(y1) TO \(y2)]")
                tests.append { d in d.published.map { (y1...y2).contains(year($0)) } ?? false }
            case 6:
                let day = DocumentDate(year: 2015 + Int(random.next() % 10), month: 1 + Int(random.next() % 12), day: 1 + Int(random.next() % 28))!
                parts.append("published:>=\(day)")
                tests.append { d in d.published.map { $0 >= day.secondsSinceEpoch } ?? false }
            case 7:
                if random.next() % 2 == 0 {
                    parts.append("_exists_:section")
                    tests.append { $0.section != nil }
                } else {
                    parts.append("-_exists_:rating")
                    tests.append { $0.rating == nil }
                }
            default:
                let b = random.next() % 2 == 0
                parts.append("draft:\(b)")
                tests.append { $0.draft == b }
            }
        }
        let captured = tests
        return GeneratedQuery(text: parts.joined(separator: " AND "), matches: { d in captured.allSatisfy { $0(d) } })
    }

    static func escaped(_ word: String) -> String {
        var out = ""
        for c in word {
            if "&|()\"".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// The sort key of a document in the reference: (missing, value) per field, as the engine orders.
    static func sortValue(_ d: Doc, _ field: String, descending: Bool) -> Double? {
        switch field {
        case "rating": return d.rating
        case "published": return d.published.map(Double.init)
        default: return nil
        }
    }

    @Test func filtersFacetsAndSortsEqualABruteForceReference() throws {
        let (documents, truth) = MetadataFieldsTests.generate(count: 100_000, seed: 14)
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        options.mergeFactor = 100 // keep several segments
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        var live = Array(repeating: true, count: truth.count)
        for batch in stride(from: 0, to: documents.count, by: 25_000) {
            let warnings = try writer.add(Array(documents[batch..<min(batch + 25_000, documents.count)]))
            #expect(warnings.isEmpty)
            try writer.commit()
        }
        var random = SeededGenerator(seed: 99)
        for _ in 0..<2_000 {
            let victim = Int(random.next() % UInt64(truth.count))
            if live[victim] { _ = try writer.delete(id: truth[victim].id); live[victim] = false }
        }
        try writer.commit()
        writer.close()
        let reader = try IndexReader(directory: directory)
        #expect(reader.segments.count >= 4)
        #expect(reader.schema["tags"] == .keyword && reader.schema["section"] == .keyword)
        #expect(reader.schema["rating"] == .number && reader.schema["published"] == .date && reader.schema["draft"] == .bool)
        let parser = reader.queryParser()
        let facetRequests = [FacetRequest(field: "tags", grouping: .values(limit: 5)), FacetRequest(field: "section", grouping: .values(limit: 20)),
                             FacetRequest(field: "published", grouping: .dates(.year)),
                             FacetRequest(field: "rating", grouping: .ranges([.init(from: nil, to: 2), .init(from: 2, to: 4), .init(from: 4, to: nil)])),
                             FacetRequest(field: "draft", grouping: .values(limit: 2))]
        let sorts: [[SortField]] = [[], [SortField(field: "rating", descending: true), SortField(field: "published")],
                                    [SortField(field: "section")], [SortField(field: "published", descending: true)],
                                    [SortField(field: "tags", descending: true)]]
        var checkedSets = 0
        for q in 0..<200 {
            let generated = MetadataFieldsTests.query(&random)
            let tree = try parser.parse(generated.text)
            let expected = truth.indices.filter { live[$0] && generated.matches(truth[$0]) }
            var request = SearchRequest(query: tree, limit: 20)
            request.facets = facetRequests
            request.sortFields = sorts[q % sorts.count]
            request.loadStoredFields = false
            let results = try reader.search(request)
            #expect(results.total == expected.count, "total of \(generated.text)")
            #expect(results.totalRelation == .equalTo)
            // Facets.
            var tagCounts: [String: Int] = [:], sectionCounts: [String: Int] = [:], yearCounts: [String: Int] = [:], draftCounts: [String: Int] = [:]
            var ratingCounts = [0, 0, 0]
            for i in expected {
                let d = truth[i]
                for t in Set(d.tags) { tagCounts[t, default: 0] += 1 }
                if let s = d.section { sectionCounts[s, default: 0] += 1 }
                if let p = d.published { yearCounts[String(MetadataFieldsTests.year(p)), default: 0] += 1 }
                if let r = d.rating { ratingCounts[r < 2 ? 0 : r < 4 ? 1 : 2] += 1 }
                if let b = d.draft { draftCounts[b ? "true" : "false", default: 0] += 1 }
            }
            func top(_ counts: [String: Int], _ n: Int) -> [String] {
                counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(n).map { "\($0.key)=\($0.value)" }
            }
            let facets = results.facets
            #expect(facets.count == 5)
            #expect(facets[0].buckets.map { "\($0.value.lowercased())=\($0.count)" } == top(tagCounts, 5), "tags of \(generated.text)")
            #expect(facets[1].buckets.map { "\($0.value.lowercased())=\($0.count)" } == top(sectionCounts, 20), "sections of \(generated.text)")
            #expect(facets[2].buckets.map { "\($0.value)=\($0.count)" } == yearCounts.sorted { $0.key > $1.key }.map { "\($0.key)=\($0.value)" })
            #expect(facets[3].buckets.map(\.count) == ratingCounts)
            #expect(facets[4].buckets.map { "\($0.value)=\($0.count)" } == top(draftCounts, 2))
            #expect(facets[1].missingCount == expected.filter { truth[$0].section == nil }.count)
            // Every hit matches.
            let byID = Dictionary(uniqueKeysWithValues: truth.indices.map { (truth[$0].id, $0) })
            for hit in results.hits { #expect(generated.matches(truth[byID[hit.id]!]) && live[byID[hit.id]!]) }
            // Sorted order: the hits' key tuples equal the reference's first ones.
            let keys = request.sortFields
            if !keys.isEmpty {
                func key(_ d: Doc) -> [String] {
                    keys.map { k in
                        switch k.field {
                        case "section": return d.section ?? "\u{10FFFF}"
                        case "tags":
                            guard let value = d.tags.max() else { return "~missing" }
                            return value
                        default:
                            guard let v = MetadataFieldsTests.sortValue(d, k.field, descending: k.descending) else { return "~missing" }
                            return String(format: "%020.3f", v + 1e12)
                        }
                    }
                }
                func before(_ a: [String], _ b: [String]) -> Bool {
                    for (j, k) in keys.enumerated() where a[j] != b[j] {
                        if a[j] == "~missing" || a[j] == "\u{10FFFF}" { return false }
                        if b[j] == "~missing" || b[j] == "\u{10FFFF}" { return true }
                        return k.descending ? a[j] > b[j] : a[j] < b[j]
                    }
                    return false
                }
                let reference = expected.map { key(truth[$0]) }.sorted(by: before).prefix(20)
                #expect(results.hits.map { key(truth[byID[$0.id]!]) } == Array(reference), "order of \(generated.text) by \(keys)")
            }
            // The whole match set, where it is small enough to list.
            if expected.count <= 3_000 {
                var all = SearchRequest(query: tree, limit: expected.count + 1)
                all.loadStoredFields = false
                all.countTotal = true
                let hits = try reader.search(all).hits.map(\.id)
                #expect(Set(hits) == Set(expected.map { truth[$0].id }), "hits of \(generated.text)")
                checkedSets += 1
            }
        }
        #expect(checkedSets >= 50)
    }

    @Test func mergedSegmentsKeepEveryColumnValue() throws {
        let (documents, _) = MetadataFieldsTests.generate(count: 3_000, seed: 5)
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        for batch in stride(from: 0, to: documents.count, by: 500) {
            try writer.add(Array(documents[batch..<batch + 500]))
            try writer.commit()
        }
        _ = try writer.delete(id: "d7")
        try writer.optimize()
        writer.close()
        let reader = try IndexReader(directory: directory)
        #expect(reader.segments.count == 1)
        for document in documents where document.id != "d7" {
            let stored = try #require(try reader.document(id: document.id))
            for (name, value) in document.fields {
                switch value {
                case .strings(let list):
                    // Keyword values keep the first spelling seen of each folded value.
                    guard case .strings(let got)? = stored.fields[name] else { Issue.record("no \(name) for \(document.id)"); continue }
                    #expect(Set(got.map { $0.lowercased() }) == Set(list.map { $0.lowercased() }))
                case .string(let s):
                    #expect(stored.fields[name].map { if case .strings(let got) = $0 { return got.map { $0.lowercased() } == [s.lowercased()] } else { return false } } ?? false)
                case .integer(let n):
                    #expect(stored.fields[name] == .integer(n))
                case .double(let d):
                    // Whole numbers read back as integers (the column stores them so).
                    #expect(stored.fields[name] == .double(d) || stored.fields[name] == .integer(Int64(d)))
                default:
                    #expect(stored.fields[name] == value, "\(name) of \(document.id)")
                }
            }
        }
        #expect(try reader.document(id: "d7") == nil)
    }

    @Test func valuesThatDoNotFitTheirFieldAreWarnedAboutAndLeftOut() throws {
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        options.fieldTypes = ["score": .number]
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        var warnings = try writer.add([
            Document(id: "a", body: "one", fields: ["rating": 4, "score": "12.5", "published": "2024-03-01", "tags": ["x", "y"]]),
        ])
        #expect(warnings.isEmpty)
        warnings = try writer.add([
            Document(id: "b", body: "two", fields: ["rating": "high", "score": "n/a", "published": "someday", "draft": "maybe", "tags": "z"]),
        ])
        #expect(Set(warnings.map(\.field)) == ["rating", "score", "published"])
        #expect(warnings.allSatisfy { $0.documentID == "b" && $0.message.contains("left out") })
        try writer.commit()
        // A declared type that contradicts the index is refused when a writer opens.
        writer.close()
        options.fieldTypes = ["rating": .keyword]
        #expect(throws: TrawlError.self) { _ = try IndexWriter(directory: directory, lock: nil, options: options) }
        let reader = try IndexReader(directory: directory)
        #expect(try reader.search("rating:4").total == 1)
        #expect(try reader.search("score:>10").total == 1)
        #expect(try reader.search("tags:z").total == 1)
        #expect(try reader.search("_exists_:published").total == 1)
        #expect(reader.schema["draft"] == .text) // a string that is no date, no known keyword name: text
    }
}
