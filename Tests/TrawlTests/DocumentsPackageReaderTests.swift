import Foundation
import Testing
import ZIPFoundation
@testable import Trawl

/// EPUB, Word and OpenDocument files, built here as ZIP archives with ZIPFoundation: their
/// metadata and text reach the index and come back in search results; broken archives give
/// typed errors.
@Suite struct DocumentsPackageReaderTests {
    typealias S = DocumentsTestSupport

    /// A ZIP archive of the given members (deflated, except those named in `stored`).
    static func zip(_ members: [(path: String, text: String)], stored: Set<String> = []) throws -> [UInt8] {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in members {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: stored.contains(path) ? .none : .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return [UInt8](try #require(archive.data))
    }

    static func docx(title: String, author: String, created: String, paragraphs: [(style: String?, text: String)]) throws -> [UInt8] {
        let body = paragraphs.map { paragraph -> String in
            let style = paragraph.style.map { "<w:pPr><w:pStyle w:val=\"\($0)\"/></w:pPr>" } ?? ""
            // Each paragraph in two runs, the second after a tab.
            let words = paragraph.text.split(separator: " ", maxSplits: 1).map(String.init)
            let runs = words.count == 2
                ? "<w:r><w:t>\(words[0])</w:t></w:r><w:r><w:t xml:space=\"preserve\"> \(words[1])</w:t></w:r>"
                : "<w:r><w:t>\(paragraph.text)</w:t></w:r>"
            return "<w:p>\(style)\(runs)</w:p>"
        }.joined()
        return try zip([
            ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"),
            ("word/document.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>\(body)\
                <w:p><w:r><w:delText>deleted words</w:delText></w:r><w:r><w:instrText>PAGE</w:instrText></w:r></w:p>\
                <w:sectPr/></w:body></w:document>
                """),
            ("docProps/core.xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
                xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
                xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
                <dc:title>\(title)</dc:title><dc:creator>\(author)</dc:creator>\
                <cp:keywords>budget; forecast, planning</cp:keywords><dc:language>en-GB</dc:language>\
                <dcterms:created xsi:type="dcterms:W3CDTF">\(created)</dcterms:created>\
                <dcterms:modified xsi:type="dcterms:W3CDTF">2024-03-06T08:00:00Z</dcterms:modified>\
                </cp:coreProperties>
                """),
        ])
    }

    static func odt(title: String, author: String, created: String, heading: String, paragraphs: [String]) throws -> [UInt8] {
        let text = paragraphs.map { "<text:p text:style-name=\"P1\">\($0.replacingOccurrences(of: "  ", with: " <text:s/>"))</text:p>" }.joined()
        return try zip([
            ("mimetype", "application/vnd.oasis.opendocument.text"),
            ("content.xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" \
                xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>\
                <text:sequence-decls><text:sequence-decl text:name="Figure"/></text:sequence-decls>\
                <text:h text:outline-level="1">\(heading)</text:h>\(text)\
                <text:p>Note<text:note><text:note-body><text:p>a footnote</text:p></text:note-body></text:note> here<text:tab/>and<text:line-break/>there</text:p>\
                <office:annotation><text:p>a reviewer comment</text:p></office:annotation>\
                </office:text></office:body></office:document-content>
                """),
            ("meta.xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" \
                xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\
                <office:meta><dc:title>\(title)</dc:title><meta:initial-creator>\(author)</meta:initial-creator>\
                <dc:creator>Someone Else</dc:creator><meta:creation-date>\(created)</meta:creation-date>\
                <dc:date>2024-05-01T10:00:00</dc:date><meta:keyword>tides</meta:keyword><meta:keyword>harbours</meta:keyword>\
                </office:meta></office:document-meta>
                """),
        ], stored: ["mimetype"])
    }

    static func epub(title: String, authors: [String], date: String, language: String, chapters: [(file: String, html: String)],
                     spineOrder: [Int]) throws -> [UInt8] {
        let manifest = chapters.enumerated().map { index, chapter in
            "<item id=\"c\(index)\" href=\"\(chapter.file)\" media-type=\"application/xhtml+xml\"/>"
        }.joined()
        let spine = spineOrder.map { "<itemref idref=\"c\($0)\"/>" }.joined()
        let creators = authors.map { "<dc:creator>\($0)</dc:creator>" }.joined()
        var members: [(path: String, text: String)] = [
            ("mimetype", "application/epub+zip"),
            ("META-INF/container.xml", """
                <?xml version="1.0"?>
                <container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">\
                <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>
                """),
            ("OEBPS/content.opf", """
                <?xml version="1.0" encoding="UTF-8"?>
                <package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">\
                <metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="uid">urn:uuid:1</dc:identifier>\
                <dc:title>\(title)</dc:title>\(creators)<dc:language>\(language)</dc:language><dc:date>\(date)</dc:date>\
                <dc:publisher>Harbour Press</dc:publisher><dc:subject>Sea</dc:subject><dc:subject>Travel</dc:subject>\
                <meta property="dcterms:modified">2020-01-02T03:04:05Z</meta></metadata>\
                <manifest>\(manifest)<item id="css" href="style.css" media-type="text/css"/></manifest>\
                <spine>\(spine)<itemref idref="css"/><itemref idref="nowhere"/></spine></package>
                """),
            ("OEBPS/style.css", "p { margin: 0 }"),
        ]
        for chapter in chapters { members.append(("OEBPS/" + chapter.file.removingPercentEncoding!, chapter.html)) }
        return try zip(members, stored: ["mimetype"])
    }

    static func chapter(_ heading: String, _ text: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <html xmlns="http://www.w3.org/1999/xhtml"><head><title>\(heading)</title><style>p{}</style></head>
        <body><section><h1>\(heading)</h1><p>\(text)</p></section></body></html>
        """
    }

    @Test func wordDocumentsGiveBodyHeadingsAndCoreProperties() throws {
        let bytes = try Self.docx(title: "Quarterly Plan", author: "Grace Hopper", created: "2024-03-05T14:30:00Z", paragraphs: [
            ("Title", "Quarterly Plan"), ("Heading1", "Budget overview"), (nil, "The budget grows slowly."), (nil, "Hiring pauses."),
        ])
        let result = try DocumentReader().read(contentsOf: bytes, relativePath: "plan.docx", format: .docx)
        #expect(result.warnings.isEmpty)
        let document = try #require(S.single(result))
        #expect(document.id == "plan.docx")
        #expect(document.title == "Quarterly Plan")
        #expect(document.fields["author"] == .string("Grace Hopper"))
        #expect(document.date == DocumentDate(secondsSinceEpoch: try #require(DocumentDate(year: 2024, month: 3, day: 5)).secondsSinceEpoch + 52_200))
        #expect(document.body == "Quarterly Plan\nBudget overview\nThe budget grows slowly.\nHiring pauses.")
        #expect(document.fields["headings"] == .string("Quarterly Plan\nBudget overview"))
        #expect(document.fields["keywords"] == .strings(["budget", "forecast", "planning"]))
        #expect(document.fields["lang"] == .string("en-GB"))
        #expect(document.fields["updated"] == .date(DocumentDate(secondsSinceEpoch: try #require(DocumentDate(year: 2024, month: 3, day: 6)).secondsSinceEpoch + 28_800)))
    }

    @Test func openDocumentTextsGiveBodyHeadingsAndMeta() throws {
        let bytes = try Self.odt(title: "Tide Tables", author: "Mary Anning", created: "2023-11-20T09:15:00",
                                 heading: "High water", paragraphs: ["Spring tides  run high.", "Neap tides do not."])
        let result = try DocumentReader().read(contentsOf: bytes, relativePath: "tides.odt", format: .odt)
        #expect(result.warnings.isEmpty)
        let document = try #require(S.single(result))
        #expect(document.title == "Tide Tables")
        #expect(document.fields["author"] == .string("Mary Anning"))
        #expect(document.date == DocumentDate(secondsSinceEpoch: try #require(DocumentDate(year: 2023, month: 11, day: 20)).secondsSinceEpoch + 33_300))
        #expect(document.body == "High water\nSpring tides run high.\nNeap tides do not.\nNote here and\nthere")
        #expect(document.fields["headings"] == .string("High water"))
        #expect(document.fields["keywords"] == .strings(["tides", "harbours"]))
    }

    @Test func epubsGiveOPFMetadataAndChaptersInSpineOrder() throws {
        let bytes = try Self.epub(title: "Voyages", authors: ["Ann Author", "Ben Writer"], date: "1911", language: "en",
                                  chapters: [("one.xhtml", Self.chapter("Departure", "We left the quay at dawn.")),
                                             ("chapter%20two.xhtml", Self.chapter("Arrival", "The island rose from the fog."))],
                                  spineOrder: [1, 0])
        let result = try DocumentReader().read(contentsOf: bytes, relativePath: "voyages.epub", format: .epub)
        let document = try #require(S.single(result))
        #expect(document.title == "Voyages")
        #expect(document.fields["author"] == .strings(["Ann Author", "Ben Writer"]))
        #expect(document.fields["lang"] == .string("en"))
        #expect(document.fields["publisher"] == .string("Harbour Press"))
        #expect(document.fields["tags"] == .strings(["Sea", "Travel"]))
        #expect(document.date == DocumentDate(year: 1911, month: 1, day: 1))
        #expect(document.body == "Arrival\nThe island rose from the fog.\n\nDeparture\nWe left the quay at dawn.")
        // The spine's reference to an item the manifest lacks is reported.
        #expect(result.warnings.count == 1 && result.warnings[0].message.contains("missing"))
    }

    @Test func brokenArchivesGiveTypedErrors() throws {
        let reader = DocumentReader()
        // Not a ZIP at all.
        #expect(throws: TrawlError.self) { try reader.read(contentsOf: Array("plain text".utf8), relativePath: "a.docx", format: .docx) }
        do {
            _ = try reader.read(contentsOf: Array("plain text".utf8), relativePath: "a.docx", format: .docx)
        } catch {
            #expect(error.code == .documentMalformed && error.path == "a.docx")
        }
        // A ZIP without the main member.
        let empty = try Self.zip([("readme.txt", "nothing here")])
        for format in [DocumentFormat.docx, .odt, .epub] {
            do {
                _ = try reader.read(contentsOf: empty, relativePath: "x", format: format)
                Issue.record("\(format) without its main member was read")
            } catch {
                #expect(error.code == .documentMalformed)
            }
        }
        // A member that is not XML.
        let notXML = try Self.zip([("word/document.xml", "\u{1}\u{2} not xml at all <<<")])
        #expect(throws: TrawlError.self) { try reader.read(contentsOf: notXML, relativePath: "b.docx", format: .docx) }

        // A ZIP64 end record in a file too short to hold the ZIP64 record it points at.
        let locator: [UInt8] = [0x50, 0x4B, 0x06, 0x07] + [UInt8](repeating: 0, count: 16)
        let endRecord: [UInt8] = [0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0xFF, count: 8) + [0, 0]
        #expect(throws: TrawlError.self) { try reader.read(contentsOf: locator + endRecord, relativePath: "z.epub", format: .epub) }

        // Damaged bytes: every truncation and a few flipped bytes fail cleanly or read.
        let good = try Self.docx(title: "T", author: "A", created: "2024-01-01", paragraphs: [(nil, "some body text")])
        for length in stride(from: 0, to: good.count, by: 7) {
            _ = try? reader.read(contentsOf: Array(good.prefix(length)), relativePath: "t.docx", format: .docx)
        }
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<100 {
            var damaged = good
            for _ in 0..<3 { damaged[Int.random(in: 0..<damaged.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            _ = try? reader.read(contentsOf: damaged, relativePath: "t.docx", format: .docx)
        }
    }

    @Test func archivesInflatingBeyondTheCapAreRefused() throws {
        // 8 MB of one letter deflates to a few KB: a small zip bomb.
        let bomb = try Self.zip([("word/document.xml", "<w:document>" + String(repeating: "a", count: 8 << 20) + "</w:document>")])
        #expect(bomb.count < 100_000)
        var options = DocumentReader.Options()
        options.maximumUncompressedSize = 1 << 20
        do {
            _ = try DocumentReader(options: options).read(contentsOf: bomb, relativePath: "bomb.docx", format: .docx)
            Issue.record("the zip bomb was read")
        } catch {
            #expect(error.code == .documentUnreadable)
            #expect(error.message.contains("inflates to more than"))
        }
    }

    @Test func packagedDocumentsRoundTripIntoSearchResults() throws {
        try S.withTemporaryFolder { root in
            let docs = root + "/docs"
            try S.write(bytes: try Self.docx(title: "Lighthouse Report", author: "Grace Hopper", created: "2021-06-01T12:00:00Z",
                                             paragraphs: [(nil, "The lamp rotates every twelve seconds.")]), to: "report.docx", in: docs)
            try S.write(bytes: try Self.odt(title: "Harbour Notes", author: "Mary Anning", created: "2022-07-02T08:00:00",
                                            heading: "Moorings", paragraphs: ["Fishing boats crowd the inner basin."]), to: "notes.odt", in: docs)
            try S.write(bytes: try Self.epub(title: "Voyages", authors: ["Ann Author"], date: "1911-05-04", language: "en",
                                             chapters: [("one.xhtml", Self.chapter("Departure", "Albatross feathers drifted astern."))],
                                             spineOrder: [0]), to: "books/voyages.epub", in: docs)
            try S.write(bytes: [0x50, 0x4B, 0x03, 0x04, 0x00, 0x01, 0x02], to: "broken.epub", in: docs)
            var options = IndexWriterOptions()
            options.durable = false
            let writer = try IndexWriter(path: root + "/index", options: options)
            let summary = try FolderIndexer(writer: writer).run(paths: [docs])
            writer.close()
            #expect(summary.documents == 3)
            #expect(summary.failed == 1)
            #expect(summary.problems.count == 2) // the broken file, and the EPUB's spine entry `nowhere`
            #expect(summary.problems.contains { $0.contains("broken.epub") })

            let reader = try IndexReader(path: root + "/index")
            func hit(_ query: String) throws -> SearchHit? {
                let hits = try reader.search(query).hits
                return hits.count == 1 ? hits[0] : nil
            }
            let report = try #require(try hit("\"lamp rotates every twelve seconds\""))
            #expect(report.id == "report.docx" && report.title == "Lighthouse Report")
            #expect(report.fields["author"]?.description == "Grace Hopper")
            #expect(report.date == DocumentDate(secondsSinceEpoch: try #require(DocumentDate(year: 2021, month: 6, day: 1)).secondsSinceEpoch + 43_200))
            let notes = try #require(try hit("\"inner basin\""))
            #expect(notes.id == "notes.odt" && notes.title == "Harbour Notes")
            #expect(notes.fields["author"]?.description == "Mary Anning")
            let book = try #require(try hit("\"albatross feathers\""))
            #expect(book.id == "books/voyages.epub" && book.title == "Voyages")
            #expect(book.fields["author"]?.description == "Ann Author")
            #expect(book.date == DocumentDate(year: 1911, month: 5, day: 4))
            #expect(try hit("author:\"Mary Anning\" AND moorings")?.id == "notes.odt")
        }
    }
}
