import Foundation
import Testing
@testable import Trawl

/// The HTTP-independent service layer: `_source` to documents, bulk parsing, and the index
/// service's writes, refreshes and shutdown.
@Suite struct IndexServiceTests {
    private func temporaryIndex() -> String {
        NSTemporaryDirectory() + "trawl-index-service-\(UUID().uuidString)/books"
    }

    private func service(_ path: String, refreshInterval: Double = 3600) throws -> IndexService {
        var options = IndexServiceOptions()
        options.refreshInterval = refreshInterval
        options.writer.threads = 1
        return try IndexService(path: path, options: options)
    }

    @Test func sourceRoundTripsThroughADocument() throws {
        let source = try JSON.parse(#"{"title": "T", "date": "2024-03-01T10:00:00Z", "body": "B", "tags": ["a", "b"], "words": 12, "rating": 4.5, "draft": false, "author": {"name": "Ann"}, "empty": null}"#)
        let document = try OpenSearchDocuments.document(id: "x", source: source)
        #expect(document.title == "T")
        #expect(document.body == "B")
        #expect(document.date?.description == "2024-03-01T10:00:00Z")
        #expect(document.fields["tags"] == .strings(["a", "b"]))
        #expect(document.fields["words"] == .integer(12))
        #expect(document.fields["rating"] == .double(4.5))
        #expect(document.fields["draft"] == .bool(false))
        #expect(document.fields["author.name"] == .string("Ann"))
        #expect(document.fields["empty"] == nil)
        let back = OpenSearchDocuments.source(of: document)
        #expect(back["title"] == .string("T"))
        #expect(back["author.name"] == .string("Ann"))
        // Milliseconds since 1970, as OpenSearch's default date format takes them.
        let millis = try OpenSearchDocuments.document(id: "m", source: .object([("date", .int(1_709_287_200_000))]))
        #expect(millis.date?.secondsSinceEpoch == 1_709_287_200)
    }

    @Test func badSourcesNameTheField() {
        let cases: [(String, String)] = [
            (#"{"title": 1}"#, "title"), (#"{"date": "soon"}"#, "date"), (#"{"_id": "x"}"#, "_id"),
            (#"{"tags": [1, 2]}"#, "tags"), (#"{"": 1}"#, "empty"), (#"[1]"#, "object"),
        ]
        for (text, word) in cases {
            do {
                _ = try OpenSearchDocuments.document(id: "x", source: try JSON.parse(text))
                Issue.record("accepted \(text)")
            } catch let error as OpenSearchError {
                #expect(error.status == 400)
                #expect(error.reason.contains(word), "\(error.reason)")
            } catch {
                Issue.record("\(error)")
            }
        }
        #expect(throws: OpenSearchError.self) { try OpenSearchDocuments.validate(id: "") }
        #expect(throws: OpenSearchError.self) { try OpenSearchDocuments.validate(id: String(repeating: "é", count: 257)) }
        #expect(throws: Never.self) { try OpenSearchDocuments.validate(id: String(repeating: "é", count: 256)) }
    }

    @Test func mergeReplacesScalarsAndMergesObjects() throws {
        let merged = OpenSearchDocuments.merged(try JSON.parse(#"{"a": 1, "o": {"x": 1, "y": 2}}"#),
                                                with: try JSON.parse(#"{"b": 2, "o": {"y": 3}}"#))
        #expect(merged == (try JSON.parse(#"{"a": 1, "o": {"x": 1, "y": 3}, "b": 2}"#)))
    }

    @Test func bulkParsing() throws {
        let body = Array("""
            {"index": {"_index": "books", "_id": "1"}}
            {"title": "One"}

            {"delete": {"_id": 2}}
            {"update": {"_id": "3"}}
            {not json}
            {"create": {}}
            {"title": "Four"}
            """.utf8)
        let actions = try BulkRequest.parse(body)
        #expect(actions.map(\.kind) == [.index, .delete, .update, .create])
        #expect(actions.map(\.id) == ["1", "2", "3", nil])
        #expect(actions[0].index == "books")
        #expect(actions[2].source == nil)
        #expect(actions[2].problem?.type == "mapper_parsing_exception")
        #expect(actions[3].source?["title"] == .string("Four"))
        for bad in ["", "{\"index\": {}}", "[1]\n", "{\"index\": {}, \"delete\": {}}\n", "{\"index\": {\"_bogus\": 1}}\n{}\n", "nope\n"] {
            #expect(throws: OpenSearchError.self, "\(bad)") { try BulkRequest.parse(Array(bad.utf8)) }
        }
        #expect(throws: OpenSearchError.self) {
            try BulkRequest.parse(Array(String(repeating: "{\"delete\": {\"_id\": \"1\"}}\n", count: 11).utf8), maximumActions: 10)
        }
    }

    @Test func refreshPolicies() throws {
        #expect(try RefreshPolicy(parameter: nil) == RefreshPolicy.none)
        #expect(try RefreshPolicy(parameter: "") == .immediate)
        #expect(try RefreshPolicy(parameter: "true") == .immediate)
        #expect(try RefreshPolicy(parameter: "wait_for") == .waitFor)
        #expect(throws: OpenSearchError.self) { try RefreshPolicy(parameter: "soon") }
    }

    @Test func writesAreVisibleAtRefreshAndDurableAtClose() async throws {
        let path = temporaryIndex()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let service = try service(path)
        #expect(service.name == "books")
        let created = try await service.index(id: "1", source: try JSON.parse(#"{"title": "Crude oil"}"#))
        #expect(created.status == 201)
        #expect(try await service.get(id: "1").body["_source"]?["title"] == .string("Crude oil"))
        #expect(try service.reader.search("crude").total == 0)
        try await service.refresh()
        #expect(try service.reader.search("crude").hits.map(\.id) == ["1"])
        let deleted = try await service.delete(id: "1")
        #expect(deleted.status == 200)
        #expect(try await service.get(id: "1").status == 404)
        #expect(try service.reader.search("crude").total == 1)
        _ = try await service.index(id: "2", source: try JSON.parse(#"{"title": "Wheat"}"#))
        await service.close()
        let reader = try IndexReader(path: path)
        #expect(reader.documentCount == 1)
        #expect(try reader.document(id: "2")?.title == "Wheat")
        // After close, writes answer 503 and the lock is free.
        await #expect(throws: OpenSearchError.self) { try await service.index(id: "3", source: .object([])) }
        let writer = try IndexWriter(path: path)
        writer.close()
    }

    /// `_version` and `_seq_no` carry on across a restart: a document's versions go on from
    /// where they were, and sequence numbers never repeat.
    @Test func versionsAndSequenceNumbersSurviveARestart() async throws {
        let path = temporaryIndex()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let first = try service(path)
        var sequences: [Int] = []
        func sequence(_ answer: (status: Int, body: JSON)) -> Int { answer.body["_seq_no"]?.intValue ?? -1 }
        for title in ["one", "two", "three"] {
            sequences.append(sequence(try await first.index(id: "a", source: try JSON.parse(#"{"title": "\#(title)"}"#))))
        }
        let bulk = try await first.bulk(Array(#"""
            {"index": {"_id": "b"}}
            {"title": "bee"}
            {"index": {"_id": "b"}}
            {"title": "bee again"}

            """#.utf8), defaultIndex: "books")
        sequences += bulk["items"]?.arrayElements?.compactMap { $0["index"]?["_seq_no"]?.intValue } ?? []
        let got = try await first.get(id: "a")
        #expect(got.body["_version"]?.intValue == 3)
        #expect(got.body["_seq_no"]?.intValue == sequences[2])
        #expect(got.body["_source"] == .object([("title", .string("three"))]), "the reserved fields stay out of _source")
        await first.close()

        let second = try service(path)
        let again = try await second.get(id: "a")
        #expect(again.body["_version"]?.intValue == 3)
        #expect(again.body["_seq_no"]?.intValue == sequences[2])
        #expect(try await second.get(id: "b").body["_version"]?.intValue == 2)
        let next = try await second.index(id: "a", source: try JSON.parse(#"{"title": "four"}"#))
        #expect(next.body["_version"]?.intValue == 4)
        sequences.append(sequence(next))
        let deleted = try await second.delete(id: "b")
        #expect(deleted.body["_version"]?.intValue == 3)
        sequences.append(sequence(deleted))
        #expect(sequences == Array(0..<7), "\(sequences)")
        await second.close()
    }

    @Test func bulkMatchesOneByOneWrites() async throws {
        // The same actions through _bulk and through single calls leave the same documents.
        let lines = (0..<40).map { i -> String in
            switch i % 4 {
            case 0, 1: return "{\"index\": {\"_id\": \"\(i % 10)\"}}\n{\"title\": \"doc \(i)\", \"n\": \(i)}"
            case 2: return "{\"update\": {\"_id\": \"\(i % 10)\"}}\n{\"doc\": {\"body\": \"updated \(i)\"}, \"doc_as_upsert\": true}"
            default: return "{\"delete\": {\"_id\": \"\((i + 3) % 10)\"}}"
            }
        }
        let base = temporaryIndex()
        defer { try? FileManager.default.removeItem(atPath: (base as NSString).deletingLastPathComponent) }
        let bulkService = try service(base)
        let answer = try await bulkService.bulk(Array(lines.joined(separator: "\n").utf8), defaultIndex: "books", refresh: .immediate)
        #expect(answer["errors"] == .bool(false))
        let single = try service((base as NSString).deletingLastPathComponent + "/single/books")
        for action in try BulkRequest.parse(Array(lines.joined(separator: "\n").utf8)) {
            let id = action.id ?? ""
            switch action.kind {
            case .index: _ = try await single.index(id: id, source: action.source ?? .null)
            case .update: _ = try await single.update(id: id, body: action.source ?? .null)
            case .delete: _ = try await single.delete(id: id)
            case .create: break
            }
        }
        try await single.refresh()
        for i in 0..<10 {
            let a = try await bulkService.get(id: "\(i)")
            let b = try await single.get(id: "\(i)")
            #expect(a.status == b.status)
            #expect(a.body["_source"] == b.body["_source"], "\(i)")
        }
        #expect(bulkService.reader.documentCount == single.reader.documentCount)
        await bulkService.close()
        await single.close()
    }

    @Test func waitForAnswersAfterThePeriodicRefresh() async throws {
        let path = temporaryIndex()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let service = try service(path, refreshInterval: 0.02)
        _ = try await service.index(id: "w", source: try JSON.parse(#"{"title": "waiting"}"#), refresh: .waitFor)
        #expect(try service.reader.search("waiting").hits.map(\.id) == ["w"])
        await service.close()
    }

    @Test func nativeSearchRejectsBadParameters() throws {
        let path = temporaryIndex()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let writer = try IndexWriter(path: path)
        try writer.add(Document(id: "a", title: "Oil", body: "crude"))
        try writer.commit()
        writer.close()
        let reader = try IndexReader(path: path)
        let json = try NativeSearch.search(parameters: ["q": "oil"], reader: reader)
        #expect(json["hits"]?.arrayElements?.first?["id"] == .string("a"))
        for parameters in [["q": ""], [:], ["q": "oil", "limit": "x"], ["q": "oil", "offset": "-2"], ["q": "(oil"],
                           ["q": String(repeating: "x", count: NativeSearch.maximumQueryLength + 1)]] {
            #expect(throws: OpenSearchError.self, "\(parameters.keys.sorted())") { try NativeSearch.search(parameters: parameters, reader: reader) }
        }
    }
}
