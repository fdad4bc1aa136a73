import Foundation
import Testing
@testable import Trawl

/// The OpenSearch response shape: paging, sorting, totals, `_source` filtering, highlighting,
/// aggregations checked against counts taken directly from the documents; errors; mappings;
/// the export round trip.
@Suite struct ServiceOpenSearchResponseTests {
    let fixture: OpenSearchFixture

    init() throws { fixture = try OpenSearchFixture() }

    func hits(_ response: JSON) -> [JSON] { response["hits"]?["hits"]?.arrayElements ?? [] }

    @Test func responseHasOpenSearchsShape() throws {
        let response = try fixture.search(#"{"query": {"match": {"body": "oil"}}}"#)
        #expect(response["took"]?.intValue != nil)
        #expect(response["timed_out"] == .bool(false))
        #expect(response["_shards"]?["successful"] == .int(1))
        let all = try fixture.trawlIDs("body:oil")
        #expect(response["hits"]?["total"]?["value"] == .int(all.count))
        #expect(response["hits"]?["total"]?["relation"] == .string("eq"))
        let first = try #require(hits(response).first)
        #expect(first["_index"] == .string("fixture"))
        #expect(first["_id"] == .string(all[0]))
        #expect(first["_score"]?.doubleValue == response["hits"]?["max_score"]?.doubleValue)
        let document = try #require(fixture.documents.first { $0.id == all[0] })
        #expect(first["_source"]?["title"] == .string(document.title))
        #expect(first["_source"]?["body"] == .string(document.body))
        #expect(hits(response).count == min(10, all.count))
        let count = try fixture.index.count(body: JSON.parse(#"{"query": {"match": {"body": "oil"}}}"#), parameters: [:])
        #expect(count["count"] == .int(all.count))
        #expect(count["_shards"] != nil)
        #expect(try fixture.index.count(body: nil, parameters: [:])["count"] == .int(fixture.documents.count))
    }

    @Test func pagesSliceTheFullRanking() throws {
        let all = try fixture.trawlIDs("oil OR gold OR wheat", defaultOperator: .or)
        #expect(all.count > 15)
        for (from, size) in [(0, 5), (5, 5), (12, 7), (all.count - 2, 10), (all.count + 3, 5)] {
            let page = OpenSearchFixture.ids(try fixture.search(#"{"from": \#(from), "size": \#(size), "query": {"query_string": {"query": "oil gold wheat"}}}"#))
            #expect(page == Array(all.dropFirst(from).prefix(size)), "from \(from) size \(size)")
            let url = OpenSearchFixture.ids(try fixture.search(nil, ["q": "oil gold wheat", "from": "\(from)", "size": "\(size)"]))
            #expect(url == page)
        }
        // max_score is the best score of all matches even on a later page.
        let first = try fixture.search(#"{"size": 1, "query": {"match": {"body": "oil"}}}"#)
        let later = try fixture.search(#"{"from": 3, "size": 2, "query": {"match": {"body": "oil"}}}"#)
        #expect(first["hits"]?["max_score"] == later["hits"]?["max_score"])
    }

    @Test func sortsByFieldsWithSortValues() throws {
        let response = try fixture.search(#"{"size": 100, "sort": [{"rating": "desc"}, {"date": {"order": "asc"}}], "query": {"match_all": {}}}"#)
        let list = hits(response)
        #expect(list.count == fixture.documents.count)
        let keys = list.map { ($0["sort"]?.arrayElements?[0].intValue ?? -1, $0["sort"]?.arrayElements?[1].intValue) }
        for (a, b) in zip(keys, keys.dropFirst()) {
            #expect(a.0 >= b.0)
            if a.0 == b.0, let x = a.1, let y = b.1 { #expect(x <= y) }
            if a.0 == b.0, a.1 == nil { #expect(b.1 == nil) } // missing dates last
        }
        // Sort values agree with the documents; scores are null when sorting by a field.
        for hit in list {
            let document = try #require(fixture.documents.first { $0.id == hit["_id"]?.stringValue })
            #expect(hit["sort"]?.arrayElements?[0].intValue == Int(fixture.rating(document)))
            #expect(hit["sort"]?.arrayElements?[1].intValue == document.date.map { Int($0.secondsSinceEpoch) * 1000 })
            #expect(hit["_score"] == .null)
        }
        #expect(response["hits"]?["max_score"] == .null)
        // The URL form, and _score as the only key is the relevance order.
        let url = OpenSearchFixture.ids(try fixture.search(nil, ["sort": "rating:desc,date:asc", "size": "100"]))
        #expect(url == list.compactMap { $0["_id"]?.stringValue })
        let unmapped = OpenSearchFixture.ids(try fixture.search(#"{"size": 100, "sort": [{"nosuch": {"order": "asc", "unmapped_type": "long"}}, {"rating": "desc"}]}"#))
        #expect(unmapped == OpenSearchFixture.ids(try fixture.search(#"{"size": 100, "sort": [{"rating": "desc"}]}"#)))
        #expect(unmapped.count == fixture.documents.count)
        let byScore = OpenSearchFixture.ids(try fixture.search(#"{"size": 100, "sort": ["_score"], "query": {"match": {"body": "oil"}}}"#))
        #expect(byScore == (try fixture.trawlIDs("body:oil")))
    }

    @Test func trackTotalHitsGivesExactOrLowerBoundTotals() throws {
        let all = fixture.documents.count
        let exact = try fixture.search(#"{"track_total_hits": true, "size": 1, "query": {"match_all": {}}}"#)
        #expect(exact["hits"]?["total"]?["value"] == .int(all))
        #expect(exact["hits"]?["total"]?["relation"] == .string("eq"))
        let bounded = try fixture.search(#"{"track_total_hits": 5, "size": 1, "query": {"match_all": {}}}"#)
        #expect(bounded["hits"]?["total"]?["value"] == .int(5))
        #expect(bounded["hits"]?["total"]?["relation"] == .string("gte"))
        let above = try fixture.search(#"{"track_total_hits": 1000, "size": 1, "query": {"match_all": {}}}"#)
        #expect(above["hits"]?["total"]?["value"] == .int(all))
        #expect(above["hits"]?["total"]?["relation"] == .string("eq"))
        let none = try fixture.search(#"{"track_total_hits": false, "query": {"match_all": {}}}"#)
        #expect(none["hits"]?["total"] == nil)
        #expect(hits(none).count == 10)
        let integer = try fixture.search(nil, ["rest_total_hits_as_int": "true"])
        #expect(integer["hits"]?["total"] == .int(all))
    }

    @Test func sourceFilteringKeepsTheAskedMembers() throws {
        func source(_ body: String, _ parameters: [String: String] = [:]) throws -> JSON? {
            hits(try fixture.search(body, parameters)).first?["_source"]
        }
        #expect(try source(#"{"_source": false}"#) == nil)
        #expect(try source(#"{"_source": "title"}"#)?.objectMembers?.map(\.0) == ["title"])
        #expect(try source(#"{"_source": ["ti*", "rat*"]}"#)?.objectMembers?.map(\.0).sorted() == ["rating", "title"])
        let excluded = try #require(try source(#"{"_source": {"excludes": ["body", "p*"]}}"#))
        let names = excluded.objectMembers?.map(\.0) ?? []
        #expect(!names.contains("body") && !names.contains("price") && names.contains("title") && names.contains("rating"))
        #expect(try source("{}", ["_source": "false"]) == nil)
        #expect(try source("{}", ["_source_includes": "title,date"])?.objectMembers?.map(\.0).allSatisfy { ["title", "date"].contains($0) } == true)
    }

    @Test func highlightWrapsMatchedWordsInTheTags() throws {
        let response = try fixture.search(#"{"size": 50, "query": {"match": {"body": "tanker"}}, "highlight": {"pre_tags": ["<b>"], "post_tags": ["</b>"], "fields": {"body": {"fragment_size": 60}, "title": {}}}}"#)
        let list = hits(response)
        #expect(!list.isEmpty)
        for hit in list {
            let fragment = try #require(hit["highlight"]?["body"]?.arrayElements?.first?.stringValue)
            #expect(fragment.lowercased().contains("<b>tanker</b>"), "\(fragment)")
            #expect(!fragment.contains("<em>"))
            // Title highlights only when the title has the word (the query names the body only).
            #expect(hit["highlight"]?["title"] == nil)
        }
        let defaults = try fixture.search(#"{"query": {"query_string": {"query": "tanker"}}, "highlight": {"fields": {"*": {}}}}"#)
        for hit in hits(defaults) {
            let fields = hit["highlight"]?.objectMembers ?? []
            #expect(!fields.isEmpty)
            for (_, value) in fields { #expect(value.arrayElements?.first?.stringValue?.lowercased().contains("<em>tanker</em>") == true) }
        }
    }

    @Test func aggregationsCountLikeADirectScan() throws {
        let body = #"""
        {"size": 0, "query": {"match": {"body": "oil"}}, "aggs": {
          "tags": {"terms": {"field": "tags", "size": 3}},
          "months": {"date_histogram": {"field": "date", "calendar_interval": "month", "format": "yyyy-MM"}},
          "quarters": {"date_histogram": {"field": "date", "calendar_interval": "quarter"}},
          "weeks": {"date_histogram": {"field": "date", "calendar_interval": "week", "min_doc_count": 1}},
          "ratings": {"range": {"field": "rating", "ranges": [{"to": 3}, {"from": 3, "to": 5, "key": "good"}, {"from": 5}]}},
          "drafts": {"terms": {"field": "draft"}}
        }}
        """#
        let response = try fixture.search(body)
        #expect(hits(response).isEmpty)
        let oil = fixture.terms("oil").first!
        let matching = fixture.documents.filter { fixture.terms($0.body).contains(oil) }
        #expect(response["hits"]?["total"]?["value"] == .int(matching.count))
        let aggregations = try #require(response["aggregations"])
        // terms: the 3 most frequent tags, ties by value; the rest counted as other.
        var tagCounts: [String: Int] = [:]
        for doc in matching { for tag in fixture.tags(doc) { tagCounts[tag, default: 0] += 1 } }
        let expected = tagCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let buckets = aggregations["tags"]?["buckets"]?.arrayElements ?? []
        #expect(buckets.map { $0["key"]?.stringValue ?? "" } == expected.prefix(3).map(\.key))
        #expect(buckets.map { $0["doc_count"]?.intValue ?? 0 } == expected.prefix(3).map(\.value))
        #expect(aggregations["tags"]?["sum_other_doc_count"]?.intValue == expected.dropFirst(3).reduce(0) { $0 + $1.value })
        // date_histogram by month: every month from the first to the last, empty ones too.
        var monthCounts: [String: Int] = [:]
        for doc in matching { if let date = doc.date { monthCounts[String(date.description.prefix(7)), default: 0] += 1 } }
        let months = aggregations["months"]?["buckets"]?.arrayElements ?? []
        #expect(months.first?["key_as_string"]?.stringValue == monthCounts.keys.min())
        #expect(months.last?["key_as_string"]?.stringValue == monthCounts.keys.max())
        for bucket in months {
            #expect(bucket["doc_count"]?.intValue == monthCounts[bucket["key_as_string"]?.stringValue ?? ""] ?? 0)
        }
        #expect(months.reduce(0) { $0 + ($1["doc_count"]?.intValue ?? 0) } == matching.filter { $0.date != nil }.count)
        // Keys are the bucket starts in epoch milliseconds.
        if let first = months.first, let key = first["key"]?.intValue, let label = first["key_as_string"]?.stringValue {
            #expect(DocumentDate(secondsSinceEpoch: Int64(key / 1000)).description.hasPrefix(label + "-01T00:00:00"))
        }
        var quarterCounts: [Int: Int] = [:]
        for doc in matching {
            guard let date = doc.date else { continue }
            let text = date.description
            let year = Int(text.prefix(4))!, month = Int(text.dropFirst(5).prefix(2))!
            let start = CivilCalendar.daysSinceEpoch(year: year, month: (month - 1) / 3 * 3 + 1, day: 1)!
            quarterCounts[start * 86_400_000, default: 0] += 1
        }
        let quarters = aggregations["quarters"]?["buckets"]?.arrayElements ?? []
        for bucket in quarters { #expect(bucket["doc_count"]?.intValue == quarterCounts[bucket["key"]?.intValue ?? -1] ?? 0) }
        #expect(quarters.reduce(0) { $0 + ($1["doc_count"]?.intValue ?? 0) } == quarterCounts.values.reduce(0, +))
        // Weeks start on Monday.
        var weekCounts: [Int: Int] = [:]
        for doc in matching {
            guard let date = doc.date else { continue }
            let day = Int(DateMath.floorDiv(date.secondsSinceEpoch, 86_400))
            let monday = day - ((day + 3) % 7)
            weekCounts[monday * 86_400_000, default: 0] += 1
        }
        let weeks = aggregations["weeks"]?["buckets"]?.arrayElements ?? []
        #expect(weeks.count == weekCounts.count)
        for bucket in weeks { #expect(bucket["doc_count"]?.intValue == weekCounts[bucket["key"]?.intValue ?? -1]) }
        // range: from inclusive, to exclusive; keys given or made.
        let ranges = aggregations["ratings"]?["buckets"]?.arrayElements ?? []
        #expect(ranges.map { $0["key"]?.stringValue ?? "" } == ["*-3.0", "good", "5.0-*"])
        let low: Int = matching.filter { fixture.rating($0) < 3 }.count
        let middle: Int = matching.filter { (3..<5).contains(fixture.rating($0)) }.count
        let high: Int = matching.filter { fixture.rating($0) >= 5 }.count
        let rangeCounts: [Int] = ranges.map { $0["doc_count"]?.intValue ?? -1 }
        #expect(rangeCounts == [low, middle, high])
        let drafts = aggregations["drafts"]?["buckets"]?.arrayElements ?? []
        let trueCount = matching.filter { $0.fields["draft"] == .bool(true) }.count
        #expect(drafts.first { $0["key_as_string"] == .string("true") }?["doc_count"]?.intValue == trueCount)
        #expect(drafts.first { $0["key"] == .int(0) }?["doc_count"]?.intValue == matching.count - trueCount)
    }

    @Test func unsupportedAndMalformedRequestsAre400sNamingTheProblem() throws {
        func error(_ body: String?, _ parameters: [String: String] = [:]) -> OpenSearchError? {
            do {
                _ = try fixture.index.search(body: body.map { try JSON.parse($0) }, parameters: parameters)
                return nil
            } catch let error as OpenSearchError {
                return error
            } catch {
                return nil
            }
        }
        let cases: [(String?, [String: String], String)] = [
            (#"{"query": {"geo_shape": {"location": {}}}}"#, [:], "unknown query [geo_shape]"),
            (#"{"query": {"match": {"body": {"query": "x", "analyzer": "french"}}}}"#, [:], "[analyzer]"),
            (#"{"query": {"match": {"body": "x"}, "term": {"tags": "y"}}}"#, [:], "malformed query"),
            (#"{"query": {"range": {"tags": {"gte": "a"}}}}"#, [:], "keyword field [tags]"),
            (#"{"query": {"bool": {"must": 3}}}"#, [:], "[bool]"),
            (#"{"query": {"match": {"body": {"query": "x", "fuzziness": "lots"}}}}"#, [:], "[fuzziness]"),
            (#"{"query": {"multi_match": {"query": "x", "type": "phrase_prefix"}}}"#, [:], "phrase_prefix"),
            (#"{"aggs": {"a": {"avg": {"field": "rating"}}}}"#, [:], "unknown aggregation type [avg]"),
            (#"{"aggs": {"a": {"terms": {"field": "body"}}}}"#, [:], "[body]"),
            (#"{"aggs": {"a": {"date_histogram": {"field": "date", "fixed_interval": "6h"}}}}"#, [:], "[fixed_interval]"),
            (#"{"sort": [{"body": "asc"}]}"#, [:], "[body] is a text field"),
            (#"{"sort": [{"nosuch": "asc"}]}"#, [:], "No mapping found for [nosuch]"),
            (#"{"size": -1}"#, [:], "[size]"),
            (#"{"from": 9995, "size": 10}"#, [:], "Result window is too large"),
            (#"{"suggest": {}}"#, [:], "[suggest]"),
            (#"[1, 2]"#, [:], "must be an object"),
            (nil, ["frobnicate": "1"], "unrecognized parameter: [frobnicate]"),
            (#"{"query": {"term": {"rating": "many"}}}"#, [:], "[rating]"),
            (#"{"query": {"bool": {"should": [{"term": {"tags": "a"}}], "minimum_should_match": "2<50%"}}}"#, [:], "minimum_should_match"),
            (#"{"query": {"match": {"body": {"query": "x", "boost": -1}}}}"#, [:], "negative [boost]"),
            (#"{"query": {"match": {"body": {"query": "a b c d e f g h i j k l m n o p q r s t", "minimum_should_match": 10}}}}"#, [:], "combinations"),
        ]
        for (body, parameters, reason) in cases {
            let failure = error(body, parameters)
            #expect(failure?.status == 400, "\(body ?? "") \(parameters)")
            #expect(failure?.reason.contains(reason) == true, "\(failure?.reason ?? "no error") should name \(reason)")
            #expect(failure?.json["error"]?["root_cause"]?.arrayElements?.first?["reason"] == failure.map { .string($0.reason) })
        }
        // Nesting deeper than the translator allows (bodies parsed with a larger depth limit).
        var nested: JSON = .object([("match_all", .object([]))])
        for _ in 0..<100 { nested = .object([("bool", .object([("must", nested)]))]) }
        #expect(throws: OpenSearchError.self) { try fixture.index.search(body: .object([("query", nested)]), parameters: [:]) }
        // A query-string syntax error carries the column.
        let syntax = error(#"{"query": {"query_string": {"query": "oil AND (gold"}}}"#)
        #expect(syntax?.status == 400)
        #expect(syntax?.reason.contains("column 9") == true, "\(syntax?.reason ?? "")")
        #expect(error(nil, ["q": "oil AND"])?.reason.contains("column") == true)
    }

    @Test func randomJSONBodiesNeverCrash() throws {
        var rng = SeededGenerator(seed: 2026)
        let keys = ["query", "bool", "must", "should", "filter", "must_not", "match", "term", "terms", "range", "body", "tags",
                    "rating", "date", "gte", "lt", "query_string", "size", "from", "sort", "aggs", "terms", "field",
                    "date_histogram", "calendar_interval", "highlight", "fields", "_source", "multi_match", "prefix",
                    "exists", "minimum_should_match", "fuzziness", "operator", "boost", "match_phrase", "slop"]
        func value(_ depth: Int) -> JSON {
            switch Int.random(in: 0..<(depth > 4 ? 5 : 8), using: &rng) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &rng))
            case 2: return .int(Int.random(in: -3...12, using: &rng))
            case 3: return .double(Double.random(in: -1e3...1e3, using: &rng))
            case 4: return .string([keys.randomElement(using: &rng)!, "oil", "now-1d/d", "AUTO", "2024-01", "*", "x~", "(", ""].randomElement(using: &rng)!)
            case 5: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth + 1) })
            default: return .object((0..<Int.random(in: 0...3, using: &rng)).map { _ in (keys.randomElement(using: &rng)!, value(depth + 1)) })
            }
        }
        var answered = 0
        for _ in 0..<3000 {
            let body = JSON.object([(keys.randomElement(using: &rng)!, value(0))] + (Bool.random(using: &rng) ? [("query", value(1))] : []))
            do {
                _ = try fixture.index.search(body: body, parameters: [:])
                answered += 1
            } catch {
                #expect(error.status == 400 || error.status == 404, "\(body.rendered()): \(error)")
            }
            do {
                _ = try fixture.index.count(body: body, parameters: [:])
            } catch {
                #expect(error.status == 400, "\(body.rendered()): \(error)")
            }
        }
        #expect(answered > 0)
    }

    @Test func mappingsRoundTripAndRejectUnsupportedTypes() throws {
        let schema = FieldSchema(["tags": .keyword, "rating": .number, "summary": .text, "published": .date, "draft": .bool])
        let mappings = OpenSearchMappings.mappings(of: schema)
        #expect(mappings["properties"]?["tags"]?["type"] == .string("keyword"))
        #expect(mappings["properties"]?["title"]?["type"] == .string("text"))
        #expect(mappings["properties"]?["date"]?["type"] == .string("date"))
        #expect(mappings["properties"]?["draft"]?["type"] == .string("boolean"))
        #expect(try OpenSearchMappings.fieldSchema(from: mappings) == schema)
        #expect(try OpenSearchMappings.fieldSchema(from: OpenSearchMappings.mappings(of: fixture.reader.schema)) == fixture.reader.schema)
        let parsed = try OpenSearchMappings.fieldSchema(from: JSON.parse(#"""
            {"properties": {"count": {"type": "long"}, "score": {"type": "scaled_float", "scaling_factor": 100},
             "small": {"type": "byte"}, "f": {"type": "float"}, "i": {"type": "integer"}, "s": {"type": "short"},
             "label": {"type": "keyword", "ignore_above": 256}, "when": {"type": "date", "format": "strict_date_optional_time||epoch_millis"},
             "ok": {"type": "boolean"}, "notes": {"type": "text"}}}
            """#))
        for name in ["count", "score", "small", "f", "i", "s"] { #expect(parsed[name] == .number) }
        #expect(parsed["label"] == .keyword && parsed["when"] == .date && parsed["ok"] == .bool && parsed["notes"] == .text)
        for (mappings, reason) in [
            (#"{"properties": {"where": {"type": "geo_point"}}}"#, "[geo_point]"),
            (#"{"properties": {"n": {"type": "long", "null_value": 0}}}"#, "[null_value]"),
            (#"{"properties": {"t": {"type": "text", "fields": {"raw": {"type": "keyword"}}}}}"#, "[fields]"),
            (#"{"properties": {"title": {"type": "keyword"}}}"#, "[title]"),
            (#"{"properties": {"o": {"properties": {}}}}"#, "object fields"),
            (#"{"properties": {"s": {"type": "scaled_float"}}}"#, "scaling_factor"),
            (#"{"dynamic": "strict"}"#, "[dynamic]"),
            (#"{"runtime": {}}"#, "[runtime"),
            (#"{"properties": {"Bad Name": {"type": "keyword"}}}"#, "[Bad Name]"),
        ] {
            #expect(throws: OpenSearchError.self) { try OpenSearchMappings.fieldSchema(from: JSON.parse(mappings)) }
            do {
                _ = try OpenSearchMappings.fieldSchema(from: JSON.parse(mappings))
            } catch let error as OpenSearchError {
                #expect(error.status == 400 && error.reason.contains(reason), "\(error.reason) should name \(reason)")
            }
        }
    }

    @Test func exportWritesSettingsAndBulkThatReadBackToTheSameDocuments() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opensearch-export-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let summary = try OpenSearchExport.write(reader: fixture.reader, index: "articles", to: folder)
        #expect(summary.documents == fixture.documents.count)
        let settings = try JSON.parse(Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/settings.json"))))
        let analyzer = settings["settings"]?["analysis"]?["analyzer"]?["trawl"]
        #expect(analyzer?["tokenizer"] == .string("icu_tokenizer"))
        let chain = analyzer?["filter"]?.arrayElements?.compactMap(\.stringValue) ?? []
        let filters = settings["settings"]?["analysis"]?["filter"]
        #expect(chain.compactMap { filters?[$0]?["type"]?.stringValue }.filter { $0 != "length" } == ["icu_normalizer", "icu_folding", "snowball"])
        #expect(filters?["trawl_nfkc_cf"]?["name"] == .string("nfkc_cf"))
        #expect(filters?["trawl_stemmer"]?["language"] == .string("English"))
        #expect(settings["mappings"]?["properties"]?["body"]?["analyzer"] == .string("trawl"))
        #expect(settings["mappings"]?["properties"]?["rating"]?["type"] == .string("long"))
        #expect(settings["mappings"]?["properties"]?["price"]?["type"] == .string("double"))
        #expect(try OpenSearchMappings.fieldSchema(from: settings["mappings"] ?? .null) == fixture.reader.schema)
        // The bulk file: an action line then a source line per document, every document once.
        let text = try String(contentsOfFile: folder + "/bulk.ndjson", encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 2 * fixture.documents.count)
        var seen: [String: JSON] = [:]
        for i in stride(from: 0, to: lines.count, by: 2) {
            let action = try JSON.parse(String(lines[i]))
            let id = try #require(action["index"]?["_id"]?.stringValue)
            #expect(action["index"]?["_index"] == .string("articles"))
            seen[id] = try JSON.parse(String(lines[i + 1]))
        }
        #expect(seen.count == fixture.documents.count)
        for document in fixture.documents {
            let source = try #require(seen[document.id])
            #expect(source["title"] == .string(document.title))
            #expect(source["body"] == .string(document.body))
            #expect(source["date"] == document.date.map { .string($0.description) })
            #expect(source["rating"] == document.fields["rating"]?.json)
            #expect(source["price"] == document.fields["price"]?.json)
            #expect(source["draft"] == document.fields["draft"]?.json)
            #expect(source["author"] == document.fields["author"].map { .array([.string($0.description)]) })
            // Keyword lists come back in the column's (sorted) order.
            #expect(Set(source["tags"]?.arrayElements?.compactMap(\.stringValue) ?? []) == Set(fixture.tags(document)))
            #expect(source == OpenSearchDocuments.source(of: try #require(try fixture.reader.document(id: document.id))))
        }
        // Small chunks stream the same bytes.
        var chunks: [[UInt8]] = []
        let count = try OpenSearchExport.bulkLines(of: fixture.reader, index: "articles", chunkBytes: 100) { chunks.append($0) }
        #expect(count == fixture.documents.count)
        #expect(chunks.count > 10)
        #expect(chunks.flatMap { $0 } == Array(text.utf8))
    }
}
