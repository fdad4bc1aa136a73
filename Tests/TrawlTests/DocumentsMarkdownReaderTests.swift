import Testing
@testable import Trawl

@Suite struct DocumentsMarkdownReaderTests {
    typealias S = DocumentsTestSupport

    @Test func frontMatter() throws {
        let text = """
        ---
        title: "Storm floods the valley"
        date: 2024-03-05
        tags: [weather, floods, "lower arden"]
        author: Mira Holt
        section: world
        draft: false
        views: 1200
        nothing: ~
        nested:
          a: 1
        ---
        # Ignored heading stays in the body

        Rain fell for **three** days.
        """
        let result = try S.read(text, .markdown, path: "world/storm.md")
        let document = try #require(S.single(result))
        #expect(document.id == "world/storm.md")
        #expect(document.title == "Storm floods the valley")
        #expect(document.date == DocumentDate(year: 2024, month: 3, day: 5))
        #expect(document.fields["tags"] == .strings(["weather", "floods", "lower arden"]))
        #expect(document.fields["author"] == .string("Mira Holt"))
        #expect(document.fields["section"] == .string("world"))
        #expect(document.fields["draft"] == .bool(false))
        #expect(document.fields["views"] == .integer(1200))
        #expect(document.fields["nothing"] == nil)
        #expect(document.fields["nested"] == nil)
        #expect(document.fields["nested.a"] == .integer(1))
        #expect(document.body == "Ignored heading stays in the body\n\nRain fell for three days.")
        #expect(result.warnings.isEmpty)
    }

    @Test func frontMatterTimestampsAndBlockLists() throws {
        let text = "---\nTitle: Launch\nDate: 2024-03-05T14:30:00+02:00\ntags:\n  - a\n  - b\n---\nBody\n"
        let document = try #require(S.single(try S.read(text, .markdown)))
        #expect(document.title == "Launch")
        #expect(document.date?.description == "2024-03-05T12:30:00Z")
        #expect(document.date?.precision == .second)
        #expect(document.fields["tags"] == .strings(["a", "b"]))
        let quoted = try #require(S.single(try S.read("---\ndate: \"2023-11-02\"\n---\nx", .markdown)))
        #expect(quoted.date?.description == "2023-11-02")
        let unquotedTimestamp = try #require(S.single(try S.read("---\ndate: 2001-12-14 21:59:43.10 -5\n---\nx", .markdown)))
        #expect(unquotedTimestamp.date?.description == "2001-12-15T02:59:43Z")
    }

    @Test func impossibleDateIsAWarning() throws {
        let result = try S.read("---\ntitle: T\ndate: 2024-02-30\n---\nBody", .markdown, path: "p.md")
        let document = try #require(S.single(result))
        #expect(document.date == nil)
        #expect(document.title == "T")
        #expect(result.warnings.count == 1)
        #expect(result.warnings[0].message.contains("2024-02-30"))
        #expect(result.warnings[0].path == "p.md")
    }

    @Test func invalidFrontMatterIsMalformed() {
        let error = #expect(throws: TrawlError.self) {
            try S.read("---\ntitle: [unclosed\nkey: : value\n---\nBody", .markdown, path: "bad.md")
        }
        #expect(error?.code == .documentMalformed)
        #expect(error?.path == "bad.md")
        #expect(error?.message.hasPrefix("The front matter is not valid YAML") == true)

        let tabs = #expect(throws: TrawlError.self) { try S.read("---\na: 1\n\tb: 2\n---\nx", .markdown) }
        #expect(tabs?.code == .documentMalformed)

        let duplicate = #expect(throws: TrawlError.self) { try S.read("---\na: 1\na: 2\n---\nx", .markdown) }
        #expect(duplicate?.code == .documentMalformed)
    }

    @Test func frontMatterThatIsNotAMappingIsMarkdown() throws {
        let document = try #require(S.single(try S.read("---\n\nJust a paragraph between rules\n\n---\nMore text", .markdown)))
        #expect(document.body == "Just a paragraph between rules\n\nMore text")
        // Text right above `---` is a setext heading, as in CommonMark.
        let setext = try #require(S.single(try S.read("---\nA heading\n---\nMore text", .markdown)))
        #expect(setext.body == "A heading\nMore text")
        let unclosed = try #require(S.single(try S.read("---\ntitle: x\n\n# Real title\nText", .markdown)))
        #expect(unclosed.title == "Real title")
    }

    @Test func deeplyNestedFrontMatterDoesNotCrash() {
        let deep = "---\nkey: " + String(repeating: "[", count: 100_000) + "\n---\nx"
        #expect(throws: TrawlError.self) { try S.read(deep, .markdown) }
        let deepBlock = "---\nkey: " + String(repeating: "- ", count: 5_000) + "x\n---\nx"
        _ = try? S.read(deepBlock, .markdown)
    }

    @Test func yamlNestingNearTheParserLimitAndAliasBombs() throws {
        // libyaml stops at 1,000 levels; just below that, composing must not overflow the stack.
        let flow = "---\nkey: " + String(repeating: "[", count: 990) + String(repeating: "]", count: 990) + "\n---\nx"
        _ = try? S.read(flow, .markdown)
        var block = "---\nkey:\n"
        for level in 0..<400 { block += String(repeating: " ", count: level + 1) + "- \n" }
        block += "---\nx"
        _ = try? S.read(block, .markdown)

        var bomb = "---\na: &a [\"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\"]\n"
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for (previous, name) in zip(names, names.dropFirst()) {
            bomb += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
        }
        bomb += "tags: *i\ntitle: Bomb\n---\nBody"
        let document = try #require(S.single(try S.read(bomb, .markdown)))
        #expect(document.title == "Bomb")
        #expect(document.fields["tags"] == nil)
    }

    @Test func emptyFrontMatterIsSkipped() throws {
        let document = try #require(S.single(try S.read("---\n---\n# Title\nText", .markdown)))
        #expect(document.title == "Title")
        #expect(document.body == "Text")
    }

    @Test func headingIsTheTitleWithoutFrontMatter() throws {
        let document = try #require(S.single(try S.read("Intro line\n\n# The *Real* Title #\n\nText.", .markdown)))
        #expect(document.title == "The Real Title")
        #expect(document.body == "Intro line\n\nText.")

        let setext = try #require(S.single(try S.read("My Title\n========\n\nSub\n---\nText", .markdown)))
        #expect(setext.title == "My Title")
        #expect(setext.body == "Sub\nText")

        let noH1 = try #require(S.single(try S.read("## Second level\nText", .markdown)))
        #expect(noH1.title == "")
        #expect(noH1.body == "Second level\nText")
    }

    @Test func markdownSyntaxDoesNotLeak() throws {
        let text = """
        # Title

        Some *emphasis*, __strong__, ~~struck~~ and `inline code` with a [link](https://example.com "t")
        and an ![alt text](img.png) plus [ref link][1] and <https://auto.example/x>.
        A snake_case_name stays, 2 * 3 stays, and \\*escaped\\* stars stay.

        > Quoted **text**
        > > nested quote

        - bullet one
        * bullet two
        + bullet three
        1. first
        2) second
        - [x] done task

        ```swift
        let x = a * b // *not emphasis*
        ```

        | Name | Value |
        |:-----|------:|
        | a    | `1`   |

        <div class="note">HTML <b>bold</b></div>
        <!-- a comment -->
        <!-- a
        multi-line comment -->
        Fish &amp; chips &mdash; &#233;t&#xE9;

        ***

        [1]: https://example.com/ref "Ref"
        [![badge](https://img/badge.svg)](https://ci)
        """
        let document = try #require(S.single(try S.read(text, .markdown)))
        #expect(document.title == "Title")
        let expected = """
        Some emphasis, strong, struck and inline code with a link
        and an alt text plus ref link and https://auto.example/x.
        A snake_case_name stays, 2 * 3 stays, and *escaped* stars stay.

        Quoted text
        nested quote

        bullet one
        bullet two
        bullet three
        first
        second
        done task

        let x = a * b // *not emphasis*

        Name Value
        a 1

        HTML bold
        Fish & chips — été

        badge
        """
        #expect(document.body == expected)
        for marker in ["](", "**", "`", "<div", "<!--", "|", "---", "```", "> "] {
            #expect(!document.body.contains(marker), "leaked \(marker)")
        }
    }

    @Test func pathologicalInlineInputIsLinear() throws {
        for pattern in ["[", "](", "`", "<a", "![", "**", "&", "<!--", "[x](", "\\"] {
            let line = String(repeating: pattern, count: 200_000 / pattern.count)
            let clock = ContinuousClock()
            let start = clock.now
            _ = try S.read("# T\n" + line + "\n", .markdown)
            #expect(clock.now - start < .seconds(20), "slow for \(pattern)")
        }
        // Lines over the long-line limit take the simple pass.
        let long = String(repeating: "*a* [b](c) ", count: 20_000)
        let document = try #require(S.single(try S.read(long, .markdown)))
        #expect(!document.body.contains("*"))
    }

    @Test func unclosedFenceKeepsTheRestAsCode() throws {
        let document = try #require(S.single(try S.read("# T\n```\ncode *x*\n", .markdown)))
        #expect(document.body == "code *x*")
    }
}
