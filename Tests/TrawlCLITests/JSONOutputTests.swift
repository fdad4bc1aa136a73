import Foundation
import Testing

/// The `--json` output of every command, checked against the schemas of docs/json-output.md.
@Suite struct JSONOutputTests {
    static let hit: JSONType = .record([
        "id": .string, "score": .number, "title": .string, "date": .nullable(.string),
        "snippet": .nullable(.string), "highlights": .array(.array(.integer)), "fields": .map(.either(.either(.string, .number), .either(.bool, .array(.string)))),
        "path": .nullable(.string), "line": .nullable(.integer), "page": .nullable(.integer),
    ])
    static let search: JSONType = .record([
        "query": .string, "total": .integer, "total_relation": .string, "took_ms": .number, "hits": .array(hit),
    ])
    static let batchAnswer: JSONType = .record([
        "qid": .either(.either(.string, .integer), .null), "hits": .integer, "hits_rel": .string,
        "ids": .array(.string), "engine_us": .integer, "results": .array(.record(["id": .string, "score": .number])),
    ])
    static let batchAnswerWithHits: JSONType = .record([
        "qid": .either(.either(.string, .integer), .null), "hits": .integer, "hits_rel": .string,
        "ids": .array(.string), "engine_us": .integer, "results": .array(hit),
    ])
    static let batchError: JSONType = .record(["qid": .either(.either(.string, .integer), .null), "error": .string])
    static let index: JSONType = .record([
        "files": .integer, "added": .integer, "updated": .integer, "deleted": .integer, "unchanged": .integer,
        "skipped": .integer, "failed": .integer, "documents": .integer, "bytes_read": .integer,
        "index_documents": .integer, "seconds": .number, "index": .string, "problems": .array(.string),
        "encodings": .array(.record([
            "path": .string, "encoding": .string, "source": .string, "confidence": .nullable(.integer),
            "replacements": .integer,
        ])),
    ])
    static let stats: JSONType = .record([
        "index": .string, "documents": .integer, "deleted": .integer, "segments": .integer, "generation": .integer,
        "terms": .map(.integer), "bytes": .map(.integer),
        "date_range": .nullable(.record(["from": .string, "to": .string])),
        "analyzer": .string, "stores_body": .bool, "roots": .array(.string), "fields": .map(.object),
        "default_language": .nullable(.string), "languages": .map(.integer), "language_detection": .bool,
    ])
    static let check: JSONType = .record([
        "index": .string, "healthy": .bool, "files": .integer, "bytes": .integer, "terms": .integer, "problems": .array(.string),
    ])
    static let delete: JSONType = .record([
        "index": .string, "deleted": .integer, "missing": .array(.string), "index_documents": .integer,
    ])
    static let optimize: JSONType = .record([
        "index": .string, "segments": .integer, "documents": .integer, "seconds": .number,
    ])
    static let token: JSONType = .record(["term": .string, "position": .integer, "start": .integer, "end": .integer])
    static let error: JSONType = .record(["error": .record([
        "code": .string, "message": .string, "exit_code": .integer,
    ])])
    static let queryError: JSONType = .record(["error": .record([
        "code": .string, "message": .string, "exit_code": .integer, "column": .integer, "kind": .string,
    ])])

    @Test func indexSummary() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = trawl(["index", "--json", "--index", folder + "/index", samplesFolder])
        #expect(first.status == 0, "\(first)")
        let summary = try first.jsonObject()
        expectConforms(summary, to: Self.index)
        #expect(summary["files"] as? Int == 19)
        #expect(summary["added"] as? Int == 19)
        #expect(summary["documents"] as? Int == 21)
        #expect(summary["index_documents"] as? Int == 21)
        #expect(summary["index"] as? String == folder + "/index")
        #expect(first.stdout.split(separator: "\n").count == 1, "one line of JSON, no progress: \(first.stdout)")

        let again = try trawl(["index", "--json", "--index", folder + "/index", samplesFolder]).jsonObject()
        expectConforms(again, to: Self.index)
        #expect(again["unchanged"] as? Int == 19)
        #expect(again["added"] as? Int == 0)
    }

    @Test func search() throws {
        let result = trawl(["search", "--json", "--index", sampleIndex, "--count", "sanctions AND oil"])
        #expect(result.status == 0, "\(result)")
        let object = try result.jsonObject()
        expectConforms(object, to: Self.search)
        #expect(object["query"] as? String == "sanctions AND oil")
        #expect(object["total"] as? Int == 4)
        #expect(object["total_relation"] as? String == "eq")
        let hits = try #require(object["hits"] as? [[String: Any]])
        #expect(hits.count == 4)
        // Highlights are byte ranges inside the snippet.
        for hit in hits {
            let snippet = try #require(hit["snippet"] as? String)
            let highlights = try #require(hit["highlights"] as? [[Int]])
            #expect(!highlights.isEmpty)
            for range in highlights {
                #expect(range.count == 2 && 0 <= range[0] && range[0] < range[1] && range[1] <= snippet.utf8.count)
            }
        }
        // Scores are rounded to 4 decimals.
        for hit in hits {
            let score = try #require(hit["score"] as? Double)
            #expect(abs(score * 10_000 - (score * 10_000).rounded()) < 1e-6)
        }
    }

    @Test func searchWithoutHits() throws {
        let result = trawl(["search", "--json", "--index", sampleIndex, "zzzyzzy"])
        #expect(result.status == 1)
        let object = try result.jsonObject()
        expectConforms(object, to: Self.search)
        #expect(object["total"] as? Int == 0)
        #expect((object["hits"] as? [Any])?.isEmpty == true)
    }

    @Test func batch() throws {
        let input = """
            {"qid":"1","q":"sanctions AND oil","k":2,"count":true}
            {"qid":2,"q":"storm","snippets":true}
            "oil exports"
            {"qid":"3","q":"oil AND (sanctions"}

            """
        let result = trawl(["search", "--batch", "--index", sampleIndex], stdin: input)
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        let answers = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        guard answers.count == 4 else { return }
        expectConforms(answers[0], to: Self.batchAnswer)
        #expect(answers[0]["qid"] as? String == "1")
        #expect(answers[0]["hits"] as? Int == 4)
        #expect((answers[0]["ids"] as? [String])?.count == 2)
        expectConforms(answers[1], to: Self.batchAnswerWithHits)
        #expect(answers[1]["qid"] as? Int == 2)
        expectConforms(answers[2], to: Self.batchAnswer)
        #expect(answers[2]["qid"] is NSNull)
        #expect(answers[2]["hits"] as? Int == 4)
        expectConforms(answers[3], to: Self.batchError)
        #expect((answers[3]["error"] as? String)?.contains("unclosed parenthesis") == true)
    }

    /// Facets and sorts in batch requests answer as `trawl search --json` with the same options.
    @Test func batchFacetsAndSort() throws {
        let search = trawl(["search", "--json", "--index", sampleIndex, "--facets", "ext,year,words:0..200", "--sort", "-words,date",
                            "--limit", "5", "*:*"])
        #expect(search.status == 0, "\(search)")
        let expected = try search.jsonObject()
        let input = #"{"qid":"f","q":"*:*","k":5,"facets":"ext,year,words:0..200","sort":"-words,date"}"# + "\n"
            + #"{"qid":"bad","q":"oil","facets":"nosuchfield"}"# + "\n"
        let result = trawl(["search", "--batch", "--index", sampleIndex], stdin: input)
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        guard lines.count == 2 else { return }
        let answer = try #require(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        let facets = try #require(answer["facets"] as? [String: Any])
        #expect(NSDictionary(dictionary: facets).isEqual(to: try #require(expected["facets"] as? [String: Any])))
        #expect(facets.keys.sorted() == ["ext", "words", "year"])
        let expectedIDs = try #require(expected["hits"] as? [[String: Any]]).compactMap { $0["id"] as? String }
        #expect(answer["ids"] as? [String] == expectedIDs)
        let error = try #require(JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        expectConforms(error, to: Self.batchError)
        #expect((error["error"] as? String)?.contains("nosuchfield") == true)
    }

    /// `suggest` in a batch request answers the "did you mean" of `trawl search --json` for the
    /// same query; without it there is none.
    @Test func batchSuggestion() throws {
        let query = "storn flods"
        let search = trawl(["search", "--json", "--index", sampleIndex, query])
        let expected = try #require(try search.jsonObject()["suggestion"] as? [String: Any], "\(search)")
        let input = #"{"qid":"s","q":"storn flods","suggest":true}"# + "\n" + #"{"qid":"n","q":"storn flods"}"# + "\n"
        let result = trawl(["search", "--batch", "--index", sampleIndex], stdin: input)
        #expect(result.status == 0, "\(result)")
        let answers = try result.stdout.split(separator: "\n").map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(answers.count == 2)
        guard answers.count == 2 else { return }
        let suggestion = try #require(answers[0]["suggestion"] as? [String: Any])
        #expect(NSDictionary(dictionary: suggestion).isEqual(to: expected))
        #expect(answers[1]["suggestion"] == nil)
    }

    @Test func stats() throws {
        let result = trawl(["stats", "--json", "--index", sampleIndex])
        #expect(result.status == 0, "\(result)")
        let object = try result.jsonObject()
        expectConforms(object, to: Self.stats)
        #expect(object["documents"] as? Int == 21)
        #expect(object["analyzer"] as? String == "english")
        #expect(object["stores_body"] as? Bool == true)
        #expect(object["roots"] as? [String] == [samplesFolder])
        let range = try #require(object["date_range"] as? [String: String])
        #expect(range["from"] == "2024-02-14")
        #expect(range["to"] == "2025-06-10")
        #expect((object["bytes"] as? [String: Int])?["total"] ?? 0 > 0)
        #expect((object["terms"] as? [String: Int])?["body"] ?? 0 > 0)
    }

    @Test func check() throws {
        let result = trawl(["check", "--json", "--index", sampleIndex])
        #expect(result.status == 0, "\(result)")
        let object = try result.jsonObject()
        expectConforms(object, to: Self.check)
        #expect(object["healthy"] as? Bool == true)
        #expect((object["problems"] as? [Any])?.isEmpty == true)
    }

    @Test func damagedIndexCheck() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let index = folder + "/index"
        #expect(trawl(["index", "--quiet", "--index", index, samplesFolder]).status == 0)
        let dictionary = try #require(try FileManager.default.contentsOfDirectory(atPath: index).first { $0.hasSuffix(".tdic") })
        let handle = try #require(FileHandle(forUpdatingAtPath: index + "/" + dictionary))
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: Data("XXXX".utf8))
        try handle.close()
        let result = trawl(["check", "--json", "--index", index])
        #expect(result.status == 3, "\(result)")
        let object = try result.jsonObject()
        expectConforms(object, to: Self.check)
        #expect(object["healthy"] as? Bool == false)
        #expect((object["problems"] as? [String])?.isEmpty == false)
    }

    @Test func deleteAndOptimize() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let index = folder + "/index"
        #expect(trawl(["index", "--quiet", "--index", index, samplesFolder]).status == 0)
        let deleted = trawl(["delete", "--json", "--index", index, "world/tanker-operators-fined.html", "no/such-id"])
        #expect(deleted.status == 1, "one id was missing: \(deleted)")
        let object = try deleted.jsonObject()
        expectConforms(object, to: Self.delete)
        #expect(object["deleted"] as? Int == 1)
        #expect(object["missing"] as? [String] == ["no/such-id"])
        #expect(object["index_documents"] as? Int == 20)

        let optimized = trawl(["optimize", "--json", "--index", index])
        #expect(optimized.status == 0, "\(optimized)")
        let summary = try optimized.jsonObject()
        expectConforms(summary, to: Self.optimize)
        #expect(summary["segments"] as? Int == 1)
        #expect(summary["documents"] as? Int == 20)
        let stats = try trawl(["stats", "--json", "--index", index]).jsonObject()
        #expect(stats["deleted"] as? Int == 0)
    }

    @Test func analyze() throws {
        let result = trawl(["analyze", "--json", "Russia's sanctions hit café owners", "東京"])
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2, "one JSON array per text")
        for line in lines {
            let value = try JSONSerialization.jsonObject(with: Data(line.utf8))
            expectConforms(value, to: .array(Self.token))
        }
        let first = try #require(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [[String: Any]])
        #expect(first.compactMap { $0["term"] as? String }.contains("cafe"))
        #expect(first.compactMap { $0["term"] as? String }.contains("sanction"))

        let stdin = trawl(["analyze", "--json", "--lines", "-"], stdin: "first line\nsecond line\n")
        #expect(stdin.stdout.split(separator: "\n").count == 2, "\(stdin)")
    }

    @Test func errorsUnderJSON() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let missing = trawl(["stats", "--json", "--index", folder + "/none"])
        #expect(missing.status == 3)
        let object = try missing.jsonObject()
        expectConforms(object, to: Self.error)
        let error = try #require(object["error"] as? [String: Any])
        #expect(error["code"] as? String == "indexNotFound")
        #expect(error["exit_code"] as? Int == 3)

        let badQuery = trawl(["search", "--json", "--index", sampleIndex, "oil AND (sanctions"])
        #expect(badQuery.status == 2)
        let queryObject = try badQuery.jsonObject()
        expectConforms(queryObject, to: Self.queryError)
        let queryError = try #require(queryObject["error"] as? [String: Any])
        #expect(queryError["code"] as? String == "invalidQuery")
        #expect(queryError["column"] as? Int == 9)
        #expect(queryError["kind"] as? String == "unclosedParenthesis")

        let usage = trawl(["search", "--json", "--limit", "many", "oil"])
        #expect(usage.status == 2)
        let usageObject = try usage.jsonObject()
        expectConforms(usageObject, to: Self.error)
        #expect((usageObject["error"] as? [String: Any])?["code"] as? String == "usage")
    }
}
