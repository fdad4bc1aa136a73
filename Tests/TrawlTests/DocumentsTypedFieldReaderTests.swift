import Testing
@testable import Trawl

/// The typed metadata fields each reader produces (``FieldValue``), malformed values included.
@Suite struct DocumentsTypedFieldReaderTests {
    typealias S = DocumentsTestSupport

    // MARK: Markdown front matter

    @Test func yamlScalarsAreTypedByTheCoreSchema() throws {
        let text = """
        ---
        title: Typed
        rating: 4
        score: 4.5
        negative: -12
        exponent: 1e3
        hex: 0x1F
        octal: 0o17
        big: 99999999999999999999
        draft: true
        Published: false
        on_time: TRUE
        published: 2024-03-01
        updated: 2024-03-01T10:00:00Z
        spaced: 2001-12-14 21:59:43.10 -5
        norway: no
        answer: yes
        quoted: "42"
        single: '2024-03-01'
        explicit: !!int "7"
        explicit_text: !!str 7
        explicit_float: !!float 3
        clock: 12:30
        version: 1.2.3
        underscored: 1_000
        tags: energy
        author: "  Mira   Holt "
        block: |
          two
          lines
        nothing: null
        tilde: ~
        empty: ""
        blank:
        _private: hidden
        ---
        Body
        """
        let result = try S.read(text, .markdown, path: "typed.md")
        let document = try #require(S.single(result))
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        #expect(document.title == "Typed")
        let expected: [String: FieldValue] = [
            "rating": .integer(4), "score": .double(4.5), "negative": .integer(-12), "exponent": .double(1000),
            "hex": .integer(31), "octal": .integer(15), "big": .double(1e20),
            "draft": .bool(true), "Published": .bool(false), "on_time": .bool(true),
            "published": .date(DocumentDate(secondsSinceEpoch: 1_709_251_200, precision: .day)),
            "updated": .date(DocumentDate(secondsSinceEpoch: 1_709_287_200, precision: .second)),
            "spaced": .date(DocumentDate(secondsSinceEpoch: 1_008_385_183, precision: .second)),
            "norway": .string("no"), "answer": .string("yes"), "quoted": .string("42"),
            "single": .string("2024-03-01"), "explicit": .integer(7), "explicit_text": .string("7"),
            "explicit_float": .double(3), "clock": .string("12:30"), "version": .string("1.2.3"),
            "underscored": .string("1_000"), "tags": .string("energy"), "author": .string("Mira Holt"),
            "block": .string("two lines"),
        ]
        #expect(document.fields == expected)
    }

    @Test func yamlListsAreStringsAndMappingsAreFlattened() throws {
        let text = """
        ---
        tags: [energy, shipping, "lower arden"]
        ratings: [4, 4.5, true]
        authors:
          - Ann
          - ~
          - {name: nested}
          - [inner]
          - "  Bob  "
          - ""
        none: []
        only_nulls: [~, null]
        keywords: {energy: 1, shipping: two}
        author:
          name: Mira
          contact:
            email: mira@example.com
            phone:
              home: 1
        ---
        Body
        """
        let result = try S.read(text, .markdown)
        let document = try #require(S.single(result))
        #expect(result.warnings.isEmpty)
        #expect(document.fields == [
            "tags": .strings(["energy", "shipping", "lower arden"]),
            "ratings": .strings(["4", "4.5", "true"]),
            "authors": .strings(["Ann", "Bob"]),
            // A mapping where a list is expected is flattened like any other.
            "keywords.energy": .integer(1), "keywords.shipping": .string("two"),
            // Three levels at most: `author.contact.phone` is a mapping one level too deep.
            "author.name": .string("Mira"), "author.contact.email": .string("mira@example.com"),
        ])
    }

    @Test func yamlValuesThatCannotBeTypedAreWarnedAbout() throws {
        let text = """
        ---
        title: T
        huge: 1\(String(repeating: "0", count: 400))
        not_a_number: .nan
        minus_infinity: -.inf
        impossible: 2024-02-30
        hour: 2024-03-01T25:00:00Z
        fine: 3
        ---
        Body
        """
        let result = try S.read(text, .markdown, path: "bad.md")
        let document = try #require(S.single(result))
        #expect(document.fields == [
            "impossible": .string("2024-02-30"), "hour": .string("2024-03-01T25:00:00Z"), "fine": .integer(3),
        ])
        let messages = result.warnings.map(\.message)
        try #require(messages.count == 5, "\(messages)")
        #expect(messages.contains { $0.contains("\"huge\"") && $0.contains("not a finite number") })
        #expect(messages.contains { $0.contains("\"not_a_number\"") && $0.contains(".nan") })
        #expect(messages.contains { $0.contains("\"minus_infinity\"") })
        #expect(messages.contains { $0.contains("\"impossible\"") && $0.contains("kept as text") })
        #expect(messages.contains { $0.contains("\"hour\"") && $0.contains("not a valid date") })
        #expect(result.warnings.allSatisfy { $0.path == "bad.md" })
    }

    @Test func aliasedMappingsStopAtTheFieldLimit() throws {
        var text = "---\na: &a {" + (0..<10).map { "k\($0): x" }.joined(separator: ", ") + "}\n"
        text += "b: &b {" + (0..<10).map { "k\($0): *a" }.joined(separator: ", ") + "}\n"
        for i in 0..<30 { text += "c\(i): *b\n" }
        text += "title: Many\n---\nBody"
        let result = try S.read(text, .markdown)
        let document = try #require(S.single(result))
        #expect(document.title == "Many")
        #expect(document.fields.count == MarkdownReader.maximumFields)
        #expect(result.warnings.map(\.message) == ["The front matter has more than 1000 fields; the rest were left out."])
    }

    // MARK: HTML meta tags

    static let metaPage = """
    <!doctype html>
    <html lang="en-GB"><head>
    <meta charset="utf-8">
    <meta http-equiv="refresh" content="30">
    <meta name="viewport" content="width=device-width">
    <meta name="robots" content="index, follow">
    <meta name="generator" content="Hugo 0.120">
    <meta name="theme-color" content="#fff">
    <meta name="referrer" content="origin">
    <meta name="format-detection" content="telephone=no">
    <meta name="color-scheme" content="light dark">
    <meta name="twitter:card" content="summary">
    <meta name="google-site-verification" content="abc123">
    <meta name="msapplication-TileColor" content="#000">
    <meta name="author" content="Mira Holt">
    <meta name="author" content="Tom  Reyes">
    <meta name="author" content="Mira Holt">
    <meta name="keywords" content="storm, floods, , Lower Arden ,">
    <meta property="article:section" content="World">
    <meta property="article:tag" content="weather">
    <meta property="article:tag" content="rivers">
    <meta property="article:tag" content="weather">
    <meta property="article:published_time" content="2024-03-05T14:30:00+01:00">
    <meta property="article:modified_time" content="2024-03-06T09:00:00Z">
    <meta property="og:type" content="article">
    <meta property="og:site_name" content="Arden Courier">
    <meta property="og:locale" content="en_GB">
    <meta property="og:image" content="https://example.com/storm.png">
    <meta property="og:title" content="Storm floods the valley">
    <meta name="description" content="Rain  fell
      for three days.">
    <meta name="Region" content="Lower Arden">
    <meta name="region" content="Upper Arden">
    <meta name="citation-volume" content="12">
    <meta name="title" content="Meta title">
    <meta name="date" content="2020-01-01">
    <meta name="empty" content="   ">
    <meta name="_secret" content="x">
    <meta name="no content">
    <meta name="odd name!" content="x">
    <title>Storm | Arden Courier</title>
    </head><body><article><p>Heavy rain.</p></article></body></html>
    """

    @Test func htmlMetaTagsBecomeTypedFields() throws {
        let result = try S.read(Self.metaPage, .html, path: "world/storm.html")
        let document = try #require(S.single(result))
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        #expect(document.title == "Storm floods the valley")
        #expect(document.date?.description == "2024-03-05T13:30:00Z")
        #expect(document.body == "Heavy rain.")
        #expect(document.fields == [
            "lang": .string("en-GB"),
            "author": .strings(["Mira Holt", "Tom Reyes"]),
            "keywords": .strings(["storm", "floods", "Lower Arden"]),
            "section": .string("World"),
            "tags": .strings(["weather", "rivers"]),
            "updated": .date(DocumentDate(secondsSinceEpoch: 1_709_715_600, precision: .second)),
            "type": .string("article"),
            "site": .string("Arden Courier"),
            "locale": .string("en_GB"),
            "description": .string("Rain fell for three days."),
            "region": .strings(["Lower Arden", "Upper Arden"]),
            "citation-volume": .string("12"),
        ])
    }

    @Test func htmlSingleValuesAndBadDates() throws {
        let page = """
        <html><head>
        <meta name="author" content="Mira Holt">
        <meta name="keywords" content="storm">
        <meta property="article:tag" content="weather">
        <meta property="article:modified_time" content="last Tuesday">
        <meta property="article:modified_time" content="2024-03-06">
        </head><body><p>Text</p></body></html>
        """
        let result = try S.read(page, .html, path: "p.html")
        let document = try #require(S.single(result))
        #expect(document.fields == [
            "author": .string("Mira Holt"), "keywords": .strings(["storm"]), "tags": .strings(["weather"]),
            "updated": .string("last Tuesday"),
        ])
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.message.contains("last Tuesday") == true)
        #expect(result.warnings.first?.path == "p.html")
    }

    @Test func htmlMetaContentInAnotherEncoding() throws {
        // Windows-1252 bytes, declared: converted before the tags are read.
        let declared: [UInt8] = Array("<html><head><meta charset=\"windows-1252\"><meta name=\"author\" content=\"Zo".utf8)
            + [0xEB] + Array(" Caf".utf8) + [0xE9] + Array("\"><meta name=\"keywords\" content=\"na".utf8) + [0xEF]
            + Array("ve, caf".utf8) + [0xE9] + Array("\"></head><body><p>x</p></body></html>".utf8)
        let document = try #require(S.single(try S.read(bytes: declared, .html)))
        #expect(document.fields["author"] == .string("Zoë Café"))
        #expect(document.fields["keywords"] == .strings(["naïve", "café"]))

        // Mostly UTF-8 with one stray byte: the file is still read, the value stays text.
        let stray: [UInt8] = Array("<html><head><meta name=\"author\" content=\"Ren".utf8) + [0xE9, 0xFF]
            + Array("\"></head><body><p>Une longue histoire en fran\u{E7}ais, bien \u{E9}crite.</p></body></html>".utf8)
        let read = try S.read(bytes: stray, .html)
        let strayDocument = try #require(S.single(read))
        guard case .string(let author)? = strayDocument.fields["author"] else {
            Issue.record("no author: \(strayDocument.fields)")
            return
        }
        #expect(author.hasPrefix("Ren"))
    }

    // MARK: JSON

    @Test func jsonMembersAreTyped() throws {
        let line = """
        {"id": "1", "body": "b", "rating": 4, "score": 4.5, "negative": -7, "zero": -0, "whole": 2.0, "exponent": 1e2, \
        "fraction_exponent": 2.5e-1, "max": 9223372036854775807, "min": -9223372036854775808, \
        "over": 9223372036854775808, "nineteen": 1234567890123456789, "draft": true, "done": false, \
        "author": "Mira Holt", "published": "2024-03-01", "blank": "", "nothing": null, "_internal": 1, \
        "tags": ["a", "", null, 2, 2.50, false, {"x": 1}, ["y"]], "none": [], "nulls": [null], \
        "twice": 1, "twice": "two", "gone": 1, "gone": null, \
        "nested": {"a": {"b": {"c": 1}, "d": "x"}, "e": [1], "": 5, "f": null}}
        """
        let result = try S.read(line, .jsonLines, path: "r.jsonl")
        let document = try #require(S.single(result))
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        #expect(document.fields == [
            "rating": .integer(4), "score": .double(4.5), "negative": .integer(-7), "zero": .integer(0),
            "whole": .integer(2), "exponent": .integer(100), "fraction_exponent": .double(0.25),
            "max": .integer(.max), "min": .integer(.min), "over": .double(0x1p63),
            "nineteen": .integer(1_234_567_890_123_456_789), "draft": .bool(true), "done": .bool(false),
            "author": .string("Mira Holt"), "published": .string("2024-03-01"),
            "tags": .strings(["a", "2", "2.50", "false"]), "twice": .string("two"),
            "nested.a.d": .string("x"), "nested.e": .strings(["1"]),
        ])
    }

    @Test func jsonNumbersTooLargeAreLeftOutWithAWarning() throws {
        let text = """
        {"id": "a", "body": "x", "huge": 1e400, "fine": 1}
        {"id": "b", "body": "y", "small": -1\(String(repeating: "0", count: 400)).5}
        """
        let result = try S.read(text, .jsonLines, path: "n.jsonl")
        #expect(result.documents.map(\.fields) == [["fine": .integer(1)], [:]])
        #expect(result.warnings.map(\.message) == [
            "The number of \"huge\" (line 1) is too large for a double, so it was left out.",
            "The number of \"small\" (line 2) is too large for a double, so it was left out.",
        ])
        let single = try S.read("{\"title\": \"T\", \"n\": 1e999, \"tags\": [\"x\"]}", .json, path: "one.json")
        #expect(single.documents.first?.fields == ["tags": .strings(["x"])])
        #expect(single.warnings.map(\.message) == ["The number of \"n\" is too large for a double, so it was left out."])
    }

    @Test func jsonArrayFilesAndBodyCandidatesKeepTheirTypes() throws {
        let text = """
        [{"title": "A", "body": "first", "text": "second", "content": "third", "views": 12},
         {"title": ["x", "y"], "content": "only", "tags": "single"}]
        """
        let result = try S.read(text, .json, path: "a.json")
        try #require(result.documents.count == 2)
        #expect(result.documents[0].fields == ["text": .string("second"), "content": .string("third"), "views": .integer(12)])
        #expect(result.documents[1].title == "x, y")
        #expect(result.documents[1].body == "only")
        #expect(result.documents[1].fields == ["tags": .string("single")])
    }

    // MARK: Plain text

    @Test func mailHeadersGiveTheAuthorOnly() throws {
        let text = "From: Mira Holt <mira@example.com>\nSubject: Storm\nDate: Tue, 5 Mar 2024 14:30:00 GMT\nX-Rating: 5\n\nBody"
        let document = try #require(S.single(try S.read(text, .text)))
        #expect(document.fields == ["author": .string("Mira Holt <mira@example.com>")])
        #expect(document.title == "Storm")
    }
}
