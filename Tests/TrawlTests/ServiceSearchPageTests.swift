import CLibXML2
import Testing
@testable import Trawl

/// The web search page: its HTML parsed back with libxml2's HTML parser and checked against
/// the library's own search, facets and date ranges over the same index.
@Suite struct ServiceSearchPageTests {
    // MARK: The fixture

    static let words = ["crude", "oil", "tanker", "pipeline", "refinery", "barrel", "export", "harbour", "grain", "wheat"]
    static let hostileTitle = #"<script>alert("t")</script> & 'quoted' <img src=x onerror=alert(1)>"#
    static let hostileBody = #"oil </p><script>alert('b')</script><a href="javascript:alert(2)">x</a> & <b>bold</b> oil"#

    /// 60 dated documents over 2018–2023 with tags, one hostile, one with a rare word.
    static func documents() -> [Document] {
        var documents: [Document] = []
        var generator = SeededGenerator(seed: 16)
        for i in 0..<60 {
            var body: [String] = []
            for _ in 0..<30 { body.append(words[Int.random(in: 0..<words.count, using: &generator)]) }
            if i % 2 == 0 { body.append("oil") }
            let tags: [String] = i % 3 == 0 ? ["energy"] : i % 3 == 1 ? ["shipping", "energy"] : ["markets"]
            let date = DocumentDate(year: 2018 + i % 6, month: 1 + (i * 5) % 12, day: 1 + (i * 7) % 28)
            documents.append(Document(id: "doc\(i).md", title: "Report \(i): \(words[i % words.count]) news",
                                      date: date, body: body.joined(separator: " "), fields: ["tags": .strings(tags)]))
        }
        documents.append(Document(id: "hostile.md", title: hostileTitle, date: DocumentDate(year: 2020, month: 2, day: 2),
                                  body: hostileBody, fields: ["tags": .strings(["<b>energy</b>"])]))
        documents.append(Document(id: "zeppelin.md", title: "Airships", date: DocumentDate(year: 2021, month: 7, day: 7),
                                  body: "The zeppelin flew over the harbour.", fields: ["tags": .strings(["history"])]))
        return documents
    }

    static func makeReader() throws -> IndexReader {
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        try writer.add(documents())
        try writer.commit()
        return try IndexReader(directory: directory)
    }

    /// The library's search as the page runs it: lenient parsing, typo tolerance.
    static func librarySearch(_ reader: IndexReader, _ text: String, extra: [Query] = [], limit: Int = 10, offset: Int = 0,
                              sort: SearchSort = .relevance, facets: [FacetRequest] = []) throws -> SearchResults {
        var parser = reader.queryParser()
        parser.lenient = true
        let parsed = try parser.parse(text)
        let query: Query = extra.isEmpty ? parsed : .boolean(Query.Boolean(must: [parsed] + extra))
        var request = SearchRequest(query: query, limit: limit, offset: offset, sort: sort, facets: facets)
        request.typoTolerance = TypoTolerance()
        return try reader.search(request)
    }

    // MARK: Parsing the page

    /// An element of the parsed page.
    final class Element {
        let name: String
        let attributes: [String: String]
        var children: [Node] = []
        init(name: String, attributes: [String: String]) {
            self.name = name
            self.attributes = attributes
        }

        var text: String {
            children.map { child in
                switch child {
                case .text(let t): return t
                case .element(let e): return e.text
                }
            }.joined()
        }

        var classes: Set<String> { Set((attributes["class"] ?? "").split(separator: " ").map(String.init)) }

        /// Every element below (and including) this one, in document order.
        var all: [Element] {
            var out = [self]
            for case .element(let e) in children { out += e.all }
            return out
        }

        func elements(_ name: String, class wanted: String? = nil) -> [Element] {
            all.filter { $0.name == name && (wanted == nil || $0.classes.contains(wanted!)) }
        }
    }

    enum Node {
        case text(String)
        case element(Element)
    }

    /// The page parsed by libxml2's HTML parser (recovering, as browsers do).
    static func parse(_ html: String) throws -> Element {
        let bytes = Array(html.utf8)
        let options = Int32(bitPattern: HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue
            | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue)
        let document: htmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                htmlReadMemory($0, Int32(buffer.count), nil, "UTF-8", options)
            }
        }
        let parsed = try #require(document)
        defer { xmlFreeDoc(parsed) }
        let root = try #require(xmlDocGetRootElement(parsed))
        return convert(root)
    }

    static func convert(_ node: UnsafeMutablePointer<xmlNode>) -> Element {
        var attributes: [String: String] = [:]
        var attribute = node.pointee.properties
        while let current = attribute {
            let name = String(cString: current.pointee.name)
            var value = ""
            var child = current.pointee.children
            while let text = child {
                if let content = text.pointee.content { value += String(cString: content) }
                child = text.pointee.next
            }
            attributes[name] = value
            attribute = current.pointee.next
        }
        let element = Element(name: String(cString: node.pointee.name), attributes: attributes)
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                element.children.append(.element(convert(current)))
            } else if current.pointee.type == XML_TEXT_NODE || current.pointee.type == XML_CDATA_SECTION_NODE,
                      let content = current.pointee.content {
                element.children.append(.text(String(cString: content)))
            }
            child = current.pointee.next
        }
        return element
    }

    /// The page for a query string, parsed.
    static func page(_ reader: IndexReader, _ queryString: String, pageSize: Int = 10) throws -> (html: String, root: Element) {
        var page = SearchPage(reader: reader, indexName: "news")
        page.pageSize = pageSize
        let html = page.render(SearchPageRequest(queryString: queryString), nonce: "TESTNONCE")
        return (html, try parse(html))
    }

    static func hitIDs(_ root: Element) -> [String] {
        root.elements("li", class: "hit").compactMap { $0.attributes["data-id"] }
    }

    // MARK: Tests

    @Test func hitsEqualTheLibrarysSearch() throws {
        let reader = try ServiceSearchPageTests.makeReader()
        for text in ["oil", "crude oil", "oil -tanker", "\"crude oil\"", "tanker OR wheat", "AT&T (2024", "grain^2 refinry",
                     "title:report", "oil AND", "pipe*"] {
            for page in 1...3 {
                let (_, root) = try ServiceSearchPageTests.page(reader, "q=\(SearchPageRequest.encode(text))&page=\(page)")
                let expected = try ServiceSearchPageTests.librarySearch(reader, text, offset: (page - 1) * 10)
                #expect(ServiceSearchPageTests.hitIDs(root) == expected.hits.map(\.id), "\(text), page \(page)")
                // Every hit shows its title, date and path, and the highlights are marks.
                for (hit, item) in zip(expected.hits, root.elements("li", class: "hit")) {
                    #expect(item.elements("h2").first?.text == hit.title)
                    #expect(item.elements("time").first?.attributes["datetime"] == hit.date?.description)
                    #expect(item.elements("span", class: "path").first?.text == hit.id)
                    if let snippet = hit.snippet {
                        let marks = item.elements("mark").map(\.text)
                        let bytes = Array(snippet.text.utf8)
                        #expect(marks == snippet.highlights.map { String(decoding: bytes[$0], as: UTF8.self) })
                        #expect(item.elements("p", class: "snippet").first?.text == snippet.text)
                    }
                }
                if page == 1, expected.total > 0 {
                    let count = try #require(root.all.first { $0.attributes["id"] == "status" }).text
                    #expect(count.contains(SearchPage.grouped(expected.total)), "\(text): \(count)")
                }
            }
        }
        // A query of operators only finds nothing and says so.
        let (_, root) = try ServiceSearchPageTests.page(reader, "q=%28+%29+AND")
        #expect(ServiceSearchPageTests.hitIDs(root).isEmpty)
        #expect(root.text.contains("no words to search for") || root.text.contains("No results"))
    }

    @Test func pageNumbersFollowTheRule() {
        // Brute force: 1, last and the two pages either side of the current one; a gap (nil)
        // wherever numbers are skipped.
        for last in 0...12 {
            for current in 1...max(1, last) {
                let got = SearchPage.pageNumbers(current: current, last: last)
                guard last > 1 else {
                    #expect(got.isEmpty)
                    continue
                }
                let numbers = (1...last).filter { $0 == 1 || $0 == last || abs($0 - current) <= 2 }
                var expected: [Int?] = []
                for (i, n) in numbers.enumerated() {
                    if i > 0 && n != numbers[i - 1] + 1 { expected.append(nil) }
                    expected.append(n)
                }
                #expect(got == expected, "current \(current) of \(last)")
            }
        }
    }

    @Test func pagingLinksKeepTheOtherParameters() throws {
        let reader = try ServiceSearchPageTests.makeReader()
        let total = try ServiceSearchPageTests.librarySearch(reader, "oil", extra: [Query.term("energy", field: "tags", analyzer: KeywordQueryAnalyzer())]).total
        let pages = (total + 4) / 5
        #expect(pages >= 3)
        var seen: [String] = []
        var current = "q=oil&tags=energy&sort=newest&from=2018&to=2023-12-31"
        for page in 1...pages {
            let (_, root) = try ServiceSearchPageTests.page(reader, current, pageSize: 5)
            let ids = ServiceSearchPageTests.hitIDs(root)
            #expect(ids.count == (page < pages ? 5 : total - 5 * (pages - 1)), "page \(page)")
            seen += ids
            let nav = try #require(root.elements("nav", class: "paging").first)
            let numbers = nav.elements("a", class: "page").map(\.text)
            #expect(numbers.first == "1" && numbers.last == String(pages))
            #expect(nav.elements("a", class: "current").first?.attributes["aria-current"] == "page")
            #expect((nav.elements("a", class: "prev").first != nil) == (page > 1))
            let next = nav.elements("a", class: "next").first
            #expect((next != nil) == (page < pages))
            guard let href = next?.attributes["href"] else { break }
            #expect(href.hasPrefix("/?"))
            let request = SearchPageRequest(queryString: String(href.dropFirst(2)))
            #expect(request.query == "oil" && request.sort == .newest && request.from == "2018" && request.to == "2023-12-31")
            #expect(request.filters == [SearchPageRequest.Filter(field: "tags", value: "energy")])
            #expect(request.page == page + 1)
            current = String(href.dropFirst(2))
        }
        // Every matching document once, across the pages.
        #expect(seen.count == total && Set(seen).count == total)
        // A page past the end says so and links back.
        let (_, beyond) = try ServiceSearchPageTests.page(reader, "q=oil&page=999")
        #expect(ServiceSearchPageTests.hitIDs(beyond).isEmpty)
        #expect(beyond.text.contains("No results on page 999"))
        #expect(beyond.elements("a", class: "prev").first != nil)
    }

    @Test func dateFilterEqualsADateRangeQuery() throws {
        let reader = try ServiceSearchPageTests.makeReader()
        let documents = ServiceSearchPageTests.documents()
        for (from, to) in [("2019-03-01", "2020-06-30"), ("2021", ""), ("", "2019-05"), ("2022-02-28", "2022-03-01")] {
            let (_, root) = try ServiceSearchPageTests.page(reader, "q=oil&from=\(from)&to=\(to)&sort=oldest", pageSize: 100)
            var parser = reader.queryParser()
            parser.lenient = false
            let range = try parser.parse("date:[\(from.isEmpty ? "*" : from) TO \(to.isEmpty ? "*" : to)]")
            let expected = try ServiceSearchPageTests.librarySearch(reader, "oil", extra: [range], limit: 100, sort: .dateAscending)
            #expect(ServiceSearchPageTests.hitIDs(root) == expected.hits.map(\.id), "\(from)–\(to)")
            // Brute force over the documents: the ids in range that contain the word.
            let low = from.isEmpty ? "0000" : from, high = to.isEmpty ? "9999" : to
            let inRange = Set(documents.filter { document in
                guard let day = document.date?.description else { return false }
                return day >= low && String(day.prefix(high.count)) <= high
                    && document.body.split(separator: " ").contains("oil")
            }.map(\.id))
            #expect(Set(ServiceSearchPageTests.hitIDs(root)) == inRange, "\(from)–\(to)")
        }
        // An empty range finds nothing and says why.
        let (_, empty) = try ServiceSearchPageTests.page(reader, "q=oil&from=2021&to=2019")
        #expect(ServiceSearchPageTests.hitIDs(empty).isEmpty)
        #expect(empty.text.contains("“from” is after “to”"))
        // A query over the parser's limits is a 400 page with the reason, not a failure.
        let page = SearchPage(reader: reader, indexName: "news")
        let tooDeep = page.response(for: SearchPageRequest(parameters: [("q", String(repeating: "(", count: 600) + "oil")]))
        #expect(tooDeep.status == 400)
        #expect(try ServiceSearchPageTests.parse(tooDeep.body).elements("p", class: "error").first?.text.contains("nest") == true)
        // A date that is not one is reported and ignored, never searched as syntax.
        let (_, root) = try ServiceSearchPageTests.page(reader, "q=oil&from=2020%5D+OR+x&to=now-1d")
        #expect(root.text.contains("is not a date"))
        #expect(ServiceSearchPageTests.hitIDs(root) == (try ServiceSearchPageTests.librarySearch(reader, "oil")).hits.map(\.id))
    }

    @Test func facetCountsEqualTheLibrarysFacets() throws {
        let reader = try ServiceSearchPageTests.makeReader()
        let page = SearchPage(reader: reader, indexName: "news")
        #expect(page.keywordFacetFields.first == "tags")
        for text in ["oil", "tanker OR grain", ""] {
            let (_, root) = try ServiceSearchPageTests.page(reader, "q=\(SearchPageRequest.encode(text))")
            let expected = try ServiceSearchPageTests.librarySearch(reader, text.isEmpty ? "*:*" : text, facets: page.facetRequests)
            let aside = try #require(root.elements("aside", class: "facets").first)
            for facet in expected.facets {
                let section = aside.elements("section").first { $0.elements("h3").first?.text == SearchPage.fieldLabel(facet.name) }
                let shown = section?.elements("a").map { link in
                    (link.elements("span", class: "value").first?.text ?? "", Int(link.elements("span", class: "n").first?.text ?? "") ?? -1)
                } ?? []
                let counted = facet.buckets.filter { $0.count > 0 }.map { ($0.value, $0.count) }
                #expect(shown.map(\.0) == counted.map(\.0), "\(facet.name) of \(text)")
                #expect(shown.map(\.1) == counted.map(\.1), "\(facet.name) of \(text)")
                // Following a value's link filters to exactly its count.
                for link in section?.elements("a").prefix(3) ?? [] {
                    let href = try #require(link.attributes["href"])
                    let filtered = try ServiceSearchPageTests.page(reader, String(href.dropFirst(2)), pageSize: 100)
                    let count = Int(link.elements("span", class: "n").first?.text ?? "") ?? -1
                    #expect(ServiceSearchPageTests.hitIDs(filtered.root).count == count, "\(href)")
                }
            }
        }
        // Brute force: the year counts over every document.
        let years = Dictionary(grouping: ServiceSearchPageTests.documents().compactMap { $0.date?.description.prefix(4) }, by: { String($0) })
        let all = try ServiceSearchPageTests.librarySearch(reader, "*:*", facets: page.facetRequests)
        let yearFacet = try #require(all.facets.first { $0.name == "year" })
        #expect(Dictionary(uniqueKeysWithValues: yearFacet.buckets.map { ($0.value, $0.count) }) == years.mapValues(\.count))
    }

    @Test func hostileInputIsEscaped() throws {
        let reader = try ServiceSearchPageTests.makeReader()
        let hostileQuery = #""><script>alert(1)</script>' oil & <b>"#
        let queryString = "q=\(SearchPageRequest.encode(hostileQuery))&from=%22%3E%3Cscript%3E&tags=%3Cb%3Eenergy%3C%2Fb%3E"
            + "&%3Cscript%3E=%22%3E%3Cimg"
        let (html, root) = try ServiceSearchPageTests.page(reader, queryString)
        // Only the page's own script, no injected element of any kind.
        #expect(root.elements("script").count == 1)
        #expect(root.elements("script").first?.attributes["nonce"] == "TESTNONCE")
        #expect(root.elements("img").isEmpty && root.elements("b").isEmpty)
        #expect(!html.contains("<script>alert") && !html.contains("<img"))
        // What was typed comes back intact in the search box and the hidden filter.
        let box = try #require(root.all.first { $0.attributes["id"] == "q" })
        #expect(box.attributes["value"] == hostileQuery)
        let hidden = root.elements("input").filter { $0.attributes["type"] == "hidden" }
        #expect(hidden.contains { $0.attributes["name"] == "tags" && $0.attributes["value"] == "<b>energy</b>" })
        #expect(hidden.contains { $0.attributes["name"] == "<script>" && $0.attributes["value"] == "\"><img" })
        // The hostile document: its title and snippet are text.
        let (_, hits) = try ServiceSearchPageTests.page(reader, "q=bold+javascript")
        let item = try #require(hits.elements("li", class: "hit").first { $0.attributes["data-id"] == "hostile.md" })
        #expect(item.elements("h2").first?.text == ServiceSearchPageTests.hostileTitle)
        #expect(item.elements("a").isEmpty && item.elements("script").isEmpty && item.elements("b").isEmpty)
        #expect(item.elements("mark").map(\.text) == ["javascript", "bold"])
        // Escaping itself.
        #expect(HTMLText.escape(#"<a href="x" title='y'>&amp;</a>"#) == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;")
        #expect(HTMLText.escape("plain é 東京") == "plain é 東京")
    }

    @Test func parametersRoundTripThroughURLs() {
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("ab &=+%?#/<>\"'é東😀\\;:.-_~*") + ["\u{0}"]
        for _ in 0..<200 {
            func random() -> String {
                String((0..<Int.random(in: 1...12, using: &generator)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
            }
            var request = SearchPageRequest()
            request.query = random()
            request.from = "2020-01-0" + String(Int.random(in: 1...9, using: &generator))
            request.sort = SearchPageRequest.Order.allCases[Int.random(in: 0..<3, using: &generator)]
            request.page = Int.random(in: 1...50, using: &generator)
            var filter = random().trimmingSpaces
            if filter.isEmpty || SearchPageRequest.reservedNames.contains(filter) { filter = "tags" }
            let value = random().trimmingSpaces
            if !value.isEmpty { request.filters = [SearchPageRequest.Filter(field: filter, value: value)] }
            let url = request.url
            #expect(url.hasPrefix("/?"))
            #expect(url.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "<") })
            #expect(SearchPageRequest(queryString: String(url.dropFirst(2))) == request, "\(url)")
        }
        // Form encoding: `+` is a space; malformed escapes stay as written.
        let decoded = SearchPageRequest(queryString: "q=crude+oil%21%2&page=x&sort=nonsense&&=x&tags=")
        #expect(decoded.query == "crude oil!%2" && decoded.page == 1 && decoded.sort == .relevance && decoded.filters.isEmpty)
        #expect(SearchPageRequest(queryString: "page=99999999999999999999").page == 1)
        #expect(SearchPageRequest(queryString: "page=-3").page == 1)
        #expect(SearchPageRequest(queryString: "page=123456").page == SearchPageRequest.maximumPage)
    }

    @Test func acceptHeaderChoosesHTMLForBrowsersOnly() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
        #expect(SearchPage.prefersHTML(accept: browser))
        #expect(SearchPage.prefersHTML(accept: "text/html"))
        #expect(!SearchPage.prefersHTML(accept: nil))
        #expect(!SearchPage.prefersHTML(accept: "*/*"))
        #expect(!SearchPage.prefersHTML(accept: "application/json"))
        #expect(!SearchPage.prefersHTML(accept: "application/json, text/html;q=0.5"))
        #expect(!SearchPage.prefersHTML(accept: "text/html;q=0"))
        #expect(SearchPage.prefersHTML(accept: "application/json;q=0.5, TEXT/HTML"))
    }

    @Test func pageIsAccessibleAndCarriesItsPolicy() throws {
        let reader = try ServiceSearchPageTests.makeReader()
        let page = SearchPage(reader: reader, indexName: "news")
        let response = page.response(for: SearchPageRequest(queryString: "q=oil"))
        #expect(response.status == 200)
        let headers = Dictionary(uniqueKeysWithValues: response.headers.map { ($0.name, $0.value) })
        #expect(headers["X-Content-Type-Options"] == "nosniff")
        let policy = try #require(headers["Content-Security-Policy"])
        #expect(policy.hasPrefix("default-src 'none'") && !policy.contains("unsafe"))
        let root = try ServiceSearchPageTests.parse(response.body)
        let nonces = Set(root.all.compactMap { $0.name == "style" || $0.name == "script" ? $0.attributes["nonce"] : nil })
        #expect(nonces.count == 1)
        #expect(policy.contains("'nonce-\(nonces.first!)'"))
        #expect(nonces.first!.count == 24)
        let other = page.response(for: SearchPageRequest()).headers.first { $0.name == "Content-Security-Policy" }?.value
        #expect(other != policy) // a fresh nonce each time
        // Language, viewport, landmarks, labels and the live result count.
        #expect(root.attributes["lang"] == "en")
        #expect(root.elements("meta").contains { $0.attributes["name"] == "viewport" })
        #expect(root.all.contains { $0.attributes["role"] == "search" })
        #expect(!root.elements("main").isEmpty || root.all.contains { $0.attributes["id"] == "results" })
        #expect(root.all.first { $0.attributes["id"] == "status" }?.attributes["aria-live"] == "polite")
        let labels = Set(root.elements("label").compactMap { $0.attributes["for"] })
        #expect(labels.contains("q"))
        // Every input but hidden ones is labelled (by `for` or by an enclosing label).
        let labelled = Set(root.elements("label").flatMap { $0.elements("input") + $0.elements("select") }.compactMap { $0.attributes["id"] })
        for input in root.elements("input") + root.elements("select") where input.attributes["type"] != "hidden" {
            let id = input.attributes["id"] ?? ""
            #expect(labels.contains(id) || labelled.contains(id), "\(id)")
        }
    }

    @Test func emptyQueryShowsTheIntroductionAndFewHitsGetACorrection() throws {
        let reader = try ServiceSearchPageTests.makeReader()
        let (_, intro) = try ServiceSearchPageTests.page(reader, "")
        #expect(ServiceSearchPageTests.hitIDs(intro).isEmpty)
        #expect(intro.text.contains("\(reader.documentCount) documents, dated 2018 to 2023"))
        // A misspelled rare word: the page links the library's correction.
        var parser = reader.queryParser()
        parser.lenient = true
        var request = SearchRequest(query: try parser.parse("zepelin harbur"))
        request.typoTolerance = TypoTolerance()
        request.suggestionText = "zepelin harbur"
        let suggestion = try #require(try reader.search(request).suggestion)
        let (_, root) = try ServiceSearchPageTests.page(reader, "q=zepelin+harbur")
        let link = try #require(root.elements("p", class: "suggestion").first?.elements("a").first)
        #expect(link.text == suggestion.query)
        #expect(SearchPageRequest(queryString: String((link.attributes["href"] ?? "").dropFirst(2))).query == suggestion.query)
        // Unknown filters are reported, not searched; a wordless query finds nothing.
        let (_, unknown) = try ServiceSearchPageTests.page(reader, "q=oil&colour=red&year=abc")
        #expect(unknown.text.contains("no keyword field “colour”"))
        #expect(unknown.text.contains("“abc” is not a year"))
        #expect(ServiceSearchPageTests.hitIDs(unknown) == (try ServiceSearchPageTests.librarySearch(reader, "oil")).hits.map(\.id))
    }
}
