import Testing
@testable import Trawl

@Suite struct DocumentsJSONReaderTests {
    typealias S = DocumentsTestSupport

    @Test func jsonLines() throws {
        let text = """
        {"id": "12345", "title": "BAHIA COCOA REVIEW", "date": "1987-02-26", "body": "SALVADOR, Feb 26 - Showers\\ncontinued"}
        {"id": 7, "title": null, "date": null, "body": ""}

        {"title": "No id", "date": "2024-03-05T14:30:00+02:00", "text": "from text", "tags": ["a", 1, true, null, {"x": 1}, ["n"]], "score": 1.5e3, "ok": false, "skip": null, "meta": {"deep": [1, 2]}}
          \t
        {"id": "", "content": "from content", "body": null}
        """
        let result = try S.read(text, .jsonLines, path: "corpus/docs.jsonl")
        #expect(result.warnings.isEmpty)
        let docs = result.documents
        try #require(docs.count == 4)
        #expect(docs[0].id == "12345")
        #expect(docs[0].title == "BAHIA COCOA REVIEW")
        #expect(docs[0].date == DocumentDate(year: 1987, month: 2, day: 26))
        #expect(docs[0].body == "SALVADOR, Feb 26 - Showers\ncontinued")
        #expect(docs[0].fields.isEmpty)

        #expect(docs[1].id == "7")
        #expect(docs[1].title == "")
        #expect(docs[1].date == nil)
        #expect(docs[1].body == "")

        #expect(docs[2].id == "corpus/docs.jsonl#4")
        #expect(docs[2].date?.description == "2024-03-05T12:30:00Z")
        #expect(docs[2].body == "from text")
        #expect(docs[2].fields == ["tags": .strings(["a", "1", "true"]), "score": .integer(1500), "ok": .bool(false),
                                   "meta.deep": .strings(["1", "2"])])

        #expect(docs[3].id == "corpus/docs.jsonl#6")
        #expect(docs[3].body == "from content")
    }

    @Test func malformedLinesAreSkippedAndReported() throws {
        let text = """
        {"id": "1", "body": "good"}
        {"id": "2", "body": "bad" "x"}
        [1, 2]
        {"id": "3", "body": "unterminated}
        {"id": "4", "body": "good again"} trailing
        {"id": "5", "body": "last", "date": "2024-02-30"}
        """
        let result = try S.read(text, .jsonLines, path: "d.jsonl")
        #expect(result.documents.map(\.id) == ["1", "5"])
        #expect(result.documents.last?.date == nil)
        let messages = result.warnings.map(\.message)
        try #require(messages.count == 5)
        #expect(messages[0].hasPrefix("Line 2 is not valid JSON"))
        #expect(messages[0].contains("column"))
        #expect(messages[1] == "Line 3 is not a JSON object, so it was skipped.")
        #expect(messages[2].hasPrefix("Line 4 is not valid JSON (unterminated string"))
        #expect(messages[3].hasPrefix("Line 5 is not valid JSON (unexpected text after the object"))
        #expect(messages[4].contains("2024-02-30") && messages[4].contains("line 6"))
        #expect(result.warnings.allSatisfy { $0.path == "d.jsonl" && $0.code == .documentMalformed })
    }

    @Test func warningsAreCapped() throws {
        let text = String(repeating: "nope\n", count: 1000) + "{\"id\": \"ok\"}\n"
        let result = try S.read(text, .jsonLines)
        #expect(result.documents.map(\.id) == ["ok"])
        #expect(result.warnings.count == 100)
        #expect(result.warnings.last?.message.hasPrefix("901 more problems") == true)
    }

    @Test func stringEscapes() throws {
        let text = #"{"id": "e", "title": "quote \" slash \/ back \\ tab\t nl\n", "body": "\u00e9\u0041 \ud83d\ude00 lone \ud800 x \udc00 nul \u0000 end"}"#
        let document = try #require(S.single(try S.read(text, .jsonLines)))
        #expect(document.title == "quote \" slash / back \\ tab\t nl\n")
        #expect(document.body == "éA 😀 lone \u{FFFD} x \u{FFFD} nul \u{FFFD} end")

        let bad = try S.read(#"{"id": "e", "body": "bad \x escape"}"# + "\n" + #"{"id": "f", "body": "\u12"}"#, .jsonLines)
        #expect(bad.documents.isEmpty)
        #expect(bad.warnings.count == 2)
    }

    @Test func invalidUTF8InStringsIsRepaired() throws {
        let bytes: [UInt8] = Array(#"{"id": "u", "body": "caf"#.utf8) + [0xE9, 0x22, 0x7D]
        // Detection reads these bytes as Latin-1 (DocumentsEncodingTests); without a trusted guess
        // the parser repairs them.
        let untrusting = DocumentReader(options: DocumentReader.Options(minimumConfidence: 101))
        let document = try #require(S.single(try untrusting.read(contentsOf: bytes, relativePath: "doc", format: .jsonLines)))
        #expect(document.body == "caf\u{FFFD}")
        #expect(try S.single(S.read(bytes: bytes, .jsonLines))?.body == "café")
    }

    @Test func jsonObjectAndArray() throws {
        let single = try #require(S.single(try S.read(#"{"title": "One", "body": "Only"}"#, .json, path: "a/one.json")))
        #expect(single.id == "a/one.json")
        #expect(single.title == "One")

        let withID = try #require(S.single(try S.read(#"{"id": 99, "title": "One"}"#, .json, path: "x.json")))
        #expect(withID.id == "99")

        let result = try S.read("""
        [
          {"id": "a", "title": "A"},
          {"title": "B"},
          42,
          {"title": "D", "date": "2024-02-30"}
        ]
        """, .json, path: "list.json")
        #expect(result.documents.map(\.id) == ["a", "list.json#1", "list.json#3"])
        #expect(result.warnings.count == 2)
        #expect(result.warnings[0].message == "Element 2 of the array is not a JSON object, so it was skipped.")
        #expect(result.warnings[1].message.contains("element 3"))

        #expect(try S.read("[]", .json).documents.isEmpty)
        // JSON Lines content in a .json file.
        let lines = try S.read("{\"id\": \"1\"}\n{\"id\": \"2\"}\n", .json)
        #expect(lines.documents.map(\.id) == ["1", "2"])
    }

    @Test func malformedJSON() {
        let cases: [(String, String)] = [
            ("{\"id\": 1,\n \"title\": }", "line 2, column 11"),
            ("{\"id\": 01}", "line 1"),
            ("[{\"a\": 1}", "unexpected end of input"),
            ("{\"a\": tru}", "unexpected character"),
            ("{\"a\": 1} {\"b\": 2}", "unexpected text after the top-level object"),
            ("{\"a\": -}", "invalid number"),
            ("{\"a\": 1.}", "no digit after the decimal point"),
            ("{a: 1}", "expected a string key"),
        ]
        for (text, fragment) in cases {
            let error = #expect(throws: TrawlError.self) { try S.read(text, .json, path: "bad.json") }
            #expect(error?.code == .documentMalformed)
            #expect(error?.path == "bad.json")
            #expect(error?.message.contains(fragment) == true, "\(text): \(error?.message ?? "")")
        }
        let scalar = #expect(throws: TrawlError.self) { try S.read("\"just a string\"", .json) }
        #expect(scalar?.message == "The JSON file does not hold an object or an array of objects.")
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let deep = String(repeating: "[", count: 100_000)
        let error = #expect(throws: TrawlError.self) { try S.read(deep, .json) }
        #expect(error?.code == .documentMalformed)
        #expect(error?.message.contains("nesting deeper than 512 levels") == true)

        let deepObject = "{\"a\": " + String(repeating: "{\"b\": ", count: 100_000)
        #expect(throws: TrawlError.self) { try S.read(deepObject, .json) }

        let lines = try S.read("{\"x\": " + deep + "\n{\"id\": \"fine\"}\n", .jsonLines)
        #expect(lines.documents.map(\.id) == ["fine"])
        #expect(lines.warnings.first?.message.contains("nesting deeper") == true)

        // 500 levels are fine.
        let ok = "{\"id\": \"n\", \"x\": " + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + "}"
        #expect(try S.read(ok, .json).documents.map(\.id) == ["n"])
    }

    @Test func depthAndWarningLimitsAreOptions() throws {
        let options = DocumentReader.Options(maximumJSONDepth: 3, maximumWarnings: 2)
        let result = try S.read("{\"x\": [[1]]}\n{\"x\": [[[1]]]}\nbad\nbad\nbad\n", .jsonLines, options: options)
        #expect(result.documents.count == 1)
        #expect(result.warnings.count == 2)
        #expect(result.warnings[0].message.contains("nesting deeper than 3 levels"))
        #expect(result.warnings[1].message == "3 more problems were found in the file and not listed.")
    }

    @Test func binaryJSONIsRefused() {
        let error = #expect(throws: TrawlError.self) { try S.read(bytes: [0x7B, 0, 0, 0x7D], .jsonLines) }
        #expect(error?.code == .documentUnreadable)
    }
}
