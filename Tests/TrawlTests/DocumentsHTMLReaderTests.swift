import Testing
@testable import Trawl

@Suite struct DocumentsHTMLReaderTests {
    typealias S = DocumentsTestSupport

    static let page = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
      <meta charset="utf-8">
      <title>Storm floods valley | The Arden Courier</title>
      <meta property="og:title" content="Storm floods the Lower Arden valley">
      <meta property="article:published_time" content="2024-03-05T14:30:00+01:00">
      <meta name="author" content="Mira Holt">
      <style>body { color: red; }</style>
      <script>var tracking = "secret";</script>
    </head>
    <body>
      <header class="site"><a href="/">The Arden Courier</a> Home</header>
      <nav><ul><li>World</li><li>Sports</li></ul></nav>
      <article>
        <header><h1>Storm floods the Lower Arden valley</h1><p>By Mira Holt</p></header>
        <p>Heavy   rain fell for
           three days.</p>
        <p>Rivers rose<br>quickly &amp; roads closed.</p>
        <script>alert("no")</script>
        <noscript>Enable JavaScript</noscript>
        <aside>Related: other storms</aside>
        <form><input name="q"> Search</form>
        <div hidden>hidden text</div>
        <span style="display: none">invisible</span>
        <table><tr><td>Town</td><td>Rain</td></tr><tr><td>Arden</td><td>80 mm</td></tr></table>
        <pre>  keep
    spacing</pre>
        <template><p>template text</p></template>
      </article>
      <footer>Copyright Courier</footer>
    </body>
    </html>
    """

    @Test func articlePage() throws {
        let result = try S.read(Self.page, .html, path: "world/storm.html")
        let document = try #require(S.single(result))
        #expect(document.id == "world/storm.html")
        #expect(document.title == "Storm floods the Lower Arden valley")
        #expect(document.date?.description == "2024-03-05T13:30:00Z")
        #expect(document.fields["author"] == "Mira Holt")
        let expected = """
        Storm floods the Lower Arden valley
        By Mira Holt
        Heavy rain fell for three days.
        Rivers rose
        quickly & roads closed.
        Town Rain
        Arden 80 mm
          keep
        spacing
        """
        #expect(document.body == expected)
        for leaked in ["secret", "alert", "JavaScript", "Related", "Search", "hidden text", "invisible",
                       "template text", "Copyright", "Sports", "color"] {
            #expect(!document.body.contains(leaked), "leaked \(leaked)")
        }
        #expect(result.warnings.isEmpty)
    }

    @Test func titleFallbacks() throws {
        let titled = try #require(S.single(try S.read("<html><head><title> Plain  title </title></head><body><h1>Head</h1>x</body></html>", .html)))
        #expect(titled.title == "Plain title")
        let h1 = try #require(S.single(try S.read("<html><body><h1>Only <em>heading</em></h1><p>x</p></body></html>", .html)))
        #expect(h1.title == "Only heading")
        let none = try #require(S.single(try S.read("<p>just text</p>", .html)))
        #expect(none.title == "")
        #expect(none.body == "just text")
    }

    @Test func dateSources() throws {
        let time = try #require(S.single(try S.read("<body><main><time datetime=\"2023-11-02\">Nov 2</time><time datetime=\"2020-01-01\"></time>Text</main></body>", .html)))
        #expect(time.date?.description == "2023-11-02")
        let meta = try #require(S.single(try S.read("<head><meta name=\"date\" content=\"2022-05-06\"></head><body>x</body>", .html)))
        #expect(meta.date?.description == "2022-05-06")
        // An unparseable first source falls back to the next one.
        let fallback = try S.read("<head><meta property=\"article:published_time\" content=\"soon\"></head><body><time datetime=\"2021-07-08T10:00Z\">x</time></body>", .html)
        #expect(fallback.documents.first?.date?.description == "2021-07-08T10:00:00Z")
        #expect(fallback.warnings.isEmpty)
        let invalid = try S.read("<head><meta name=\"date\" content=\"2024-02-30\"></head><body>x</body>", .html, path: "d.html")
        #expect(invalid.documents.first?.date == nil)
        #expect(invalid.warnings.count == 1)
        #expect(invalid.warnings.first?.path == "d.html")
    }

    @Test func mainWithoutArticleAndPageChrome() throws {
        let html = "<body><header>Site</header><nav>Menu</nav><main><header>Lead</header><p>Story</p></main><footer>Foot</footer></body>"
        let document = try #require(S.single(try S.read(html, .html)))
        #expect(document.body == "Lead\nStory")
        let bodyOnly = try #require(S.single(try S.read("<body><header>Site</header><div>Story <b>bold</b>text</div><footer>Foot</footer></body>", .html)))
        #expect(bodyOnly.body == "Story boldtext")
        let twoArticles = try #require(S.single(try S.read("<body><article>One</article><article>Two</article></body>", .html)))
        #expect(twoArticles.body == "One\nTwo")
    }

    @Test func malformedHTMLIsRecovered() throws {
        let document = try #require(S.single(try S.read("<html><body><p>Unclosed <b>bold <i>both</p><div>Next</span></div><<<>>> &bogus; tail", .html)))
        #expect(document.body.contains("Unclosed bold both"))
        #expect(document.body.contains("Next"))
        #expect(document.body.contains("tail"))
    }

    @Test func encodings() throws {
        let invalid: [UInt8] = Array("<html><head><title>Caf".utf8) + [0xE9] + Array("</title></head><body>na".utf8) + [0xEF] + Array("ve</body></html>".utf8)
        let untrusting = DocumentReader(options: DocumentReader.Options(minimumConfidence: 101))
        let repaired = try #require(S.single(try untrusting.read(contentsOf: invalid, relativePath: "doc", format: .html)))
        #expect(repaired.title == "Caf\u{FFFD}")
        #expect(repaired.body == "na\u{FFFD}ve")
        // Trusting the detector (see DocumentsEncodingTests), the bytes are Latin-1.
        let detected = try S.read(bytes: invalid, .html)
        #expect(detected.documents.first?.title == "Café" && detected.encoding.source == .detected)

        let latin1: [UInt8] = Array("<html><head><meta charset=\"windows-1252\"><title>Caf".utf8) + [0xE9] + Array("</title></head><body>x</body></html>".utf8)
        let decoded = try #require(S.single(try S.read(bytes: latin1, .html)))
        #expect(decoded.title == "Café")

        let nul: [UInt8] = Array("<html><body>".utf8) + [UInt8](repeating: 0x61, count: 9000) + [0] + Array("b</body></html>".utf8)
        let withNul = try #require(S.single(try S.read(bytes: nul, .html)))
        #expect(withNul.body.hasSuffix("a\u{FFFD}b"))
    }

    @Test func parsesConcurrently() async {
        let count = 64
        let titles = await withTaskGroup(of: (Int, String).self) { group in
            for i in 0..<count {
                group.addTask {
                    let html = "<html><head><title>Page \(i)</title></head><body><p>Text \(i)</p></body></html>"
                    return (i, (try? S.read(html, .html).documents.first?.title) ?? "failed")
                }
            }
            var titles = Array(repeating: "", count: count)
            for await (i, title) in group { titles[i] = title }
            return titles
        }
        #expect(titles == (0..<count).map { "Page \($0)" })
    }

    @Test func deepNestingDoesNotCrash() throws {
        let depth = 100_000
        let html = "<html><body>" + String(repeating: "<div>", count: depth) + "deep" + String(repeating: "</div>", count: depth) + "</body></html>"
        let result = try S.read(html, .html)
        #expect(result.documents.count <= 1)
        let spans = "<body>" + String(repeating: "<span>", count: depth) + "x"
        _ = try S.read(spans, .html)
    }
}
