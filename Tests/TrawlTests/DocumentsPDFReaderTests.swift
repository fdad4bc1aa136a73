import Foundation
import Testing
@testable import Trawl

private typealias S = DocumentsTestSupport

/// PDF files read through Poppler: text per page, metadata, pages of hits, and files that are
/// damaged, encrypted, empty or hold no text.
@Suite struct DocumentsPDFReaderTests {
    static let pages: [[String]] = [
        ["Tidal Energy Survey", "Turbines anchored in the estuary turn with each tide."],
        ["Second page about mooring chains and corrosion of steel."],
        ["Third page: the lighthouse keeper counted seventeen seals."],
    ]

    @Test func pagesMetadataAndPageStarts() throws {
        let bytes = PDFFixtures.pdf(pages: Self.pages, title: "Estuary Report", author: "Ada Lovelace",
                                    created: "D:20240315120000Z")
        let result = try S.read(bytes: bytes, .pdf, path: "report.pdf")
        let document = try #require(S.single(result))
        #expect(result.warnings.isEmpty)
        #expect(document.id == "report.pdf")
        #expect(document.title == "Estuary Report")
        #expect(document.fields["author"] == .string("Ada Lovelace"))
        let expectedDate = try #require(DocumentDate(year: 2024, month: 3, day: 15)).secondsSinceEpoch + 12 * 3600
        #expect(document.date?.secondsSinceEpoch == expectedDate)
        // Every line is in the body, pages in order; each recorded start is where its page's text begins.
        let body = Array(document.body.utf8)
        let startsText = try #require(document.fields[PDFReader.pageStartsField]?.description)
        let starts = startsText.split(separator: " ").compactMap { Int($0) }
        #expect(starts.count == 3)
        for (page, lines) in Self.pages.enumerated() {
            let start = starts[page]
            let end = page + 1 < starts.count ? starts[page + 1] : body.count
            let text = TextDecoding.collapsingWhitespace(String(decoding: body[start..<end], as: UTF8.self))
            #expect(text == TextDecoding.collapsingWhitespace(lines.joined(separator: " ")), "page \(page + 1)")
        }
    }

    @Test func titleAndAuthorFromXMPOrTheFirstHeadingLine() throws {
        let withXMP = PDFFixtures.pdf(pages: [["plain text, nothing else."]],
                                      xmp: PDFFixtures.xmp(title: "Harbour Atlas", creator: "Mary Anning"))
        let fromXMP = try #require(S.single(try S.read(bytes: withXMP, .pdf)))
        #expect(fromXMP.title == "Harbour Atlas")
        #expect(fromXMP.fields["author"] == .string("Mary Anning"))

        let bare = PDFFixtures.pdf(pages: [["a sentence that ends.", "Findings on Kelp Forests", "More text."]])
        let fromHeading = try #require(S.single(try S.read(bytes: bare, .pdf)))
        #expect(fromHeading.title == "Findings on Kelp Forests")
        #expect(fromHeading.fields["author"] == nil)
        #expect(fromHeading.fields[PDFReader.pageStartsField] == .string("0"), "one page starting at the body's start")
    }

    @Test func damagedEncryptedEmptyAndTextlessFiles() throws {
        // Not a PDF at all, and a PDF header followed by garbage.
        #expect(throws: TrawlError.self) { try S.read(bytes: Array("hello, world".utf8), .pdf) }
        do {
            _ = try S.read(bytes: Array("%PDF-1.7\n garbage \u{01}\u{02} trailer".utf8), .pdf, path: "bad.pdf")
            Issue.record("a damaged PDF must not read")
        } catch {
            #expect(error.code == .documentUnreadable && error.path == "bad.pdf")
        }
        // An encryption dictionary whose empty user password does not open the file.
        do {
            _ = try S.read(bytes: PDFFixtures.pdf(pages: [["secret words"]], encrypted: true), .pdf, path: "locked.pdf")
            Issue.record("an encrypted PDF must not read")
        } catch {
            #expect(error.code == .documentUnreadable)
            #expect(error.message.contains("encrypted"))
        }
        // Empty file: no documents, no error.
        #expect(try S.read(bytes: [], .pdf).documents.isEmpty)
        // Pages without text (a scan): the metadata is kept, with a warning.
        let scan = try S.read(bytes: PDFFixtures.pdf(pages: [[], []], title: "Scanned Letter"), .pdf, path: "scan.pdf")
        #expect(scan.documents.map(\.title) == ["Scanned Letter"])
        #expect(scan.documents.first?.body == "")
        #expect(scan.warnings.count == 1 && scan.warnings[0].message.contains("no text"))
    }

    @Test func garbageNeverCrashes() throws {
        // Truncations and byte flips of a valid file: each reads or throws a typed error.
        let valid = PDFFixtures.pdf(pages: Self.pages, title: "T", author: "A", created: "D:20200101")
        var generator = SeededGenerator(seed: 18)
        var outcomes = (read: 0, refused: 0)
        for round in 0..<60 {
            var bytes = valid
            if round % 2 == 0 {
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            } else {
                for _ in 0..<8 { bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            }
            do {
                _ = try S.read(bytes: bytes, .pdf)
                outcomes.read += 1
            } catch {
                #expect(error.code == .documentUnreadable || error.code == .documentMalformed)
                outcomes.refused += 1
            }
        }
        #expect(outcomes.read + outcomes.refused == 60)
    }

    @Test func pdfsRoundTripIntoSearchResultsWithPages() throws {
        try S.withTemporaryFolder { root in
            let docs = root + "/docs"
            try S.write(bytes: PDFFixtures.pdf(pages: Self.pages, title: "Estuary Report", author: "Ada Lovelace",
                                               created: "D:20240315120000Z"), to: "papers/report.pdf", in: docs)
            try S.write(bytes: PDFFixtures.pdf(pages: [["x"]], encrypted: true), to: "locked.pdf", in: docs)
            try S.write(bytes: Array("%PDF-1.4 truncated".utf8), to: "broken.pdf", in: docs)
            var options = IndexWriterOptions()
            options.durable = false
            let writer = try IndexWriter(path: root + "/index", options: options)
            let summary = try FolderIndexer(writer: writer).run(paths: [docs])
            writer.close()
            #expect(summary.documents == 1)
            #expect(summary.failed == 2)
            #expect(summary.problems.contains { $0.contains("locked.pdf") && $0.contains("encrypted") })
            #expect(summary.problems.contains { $0.contains("broken.pdf") })

            let reader = try IndexReader(path: root + "/index")
            func hit(_ query: String) throws -> SearchHit? {
                let hits = try reader.search(query).hits
                return hits.count == 1 ? hits[0] : nil
            }
            let first = try #require(try hit("\"turbines anchored\""))
            #expect(first.id == "papers/report.pdf" && first.title == "Estuary Report")
            #expect(first.fields["author"]?.description == "Ada Lovelace")
            #expect(first.date?.secondsSinceEpoch == (try #require(DocumentDate(year: 2024, month: 3, day: 15))).secondsSinceEpoch + 43_200)
            #expect(first.page == 1)
            #expect(try hit("\"mooring chains\"")?.page == 2)
            #expect(try hit("\"seventeen seals\"")?.page == 3)
            #expect(first.fields[PDFReader.pageStartsField] == nil, "the page starts stay internal")
            #expect(first.json.description.contains("\"page\":1"))
        }
    }
}
