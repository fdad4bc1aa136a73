import Foundation
import Testing
@testable import Trawl

@Suite struct DocumentsTextReaderTests {
    typealias S = DocumentsTestSupport

    @Test func firstLineIsTheTitle() throws {
        let result = try S.read("\n\n  Harbour Reopens  \nThe harbour reopened today.\n\nShips returned.\n\n", .text, path: "news/a.txt")
        let document = try #require(S.single(result))
        #expect(document.id == "news/a.txt")
        #expect(document.title == "Harbour Reopens")
        #expect(document.body == "The harbour reopened today.\n\nShips returned.")
        #expect(document.date == nil)
        #expect(result.warnings.isEmpty)
    }

    @Test func titleOnlyAndCRLF() throws {
        let document = try #require(S.single(try S.read("Just a title\r\n", .text)))
        #expect(document.title == "Just a title")
        #expect(document.body == "")
        let crlf = try #require(S.single(try S.read("Title\r\nline one\r\nline two\rline three", .text)))
        #expect(crlf.body == "line one\nline two\nline three")
    }

    @Test func datelineUnderTheTitle() throws {
        let document = try #require(S.single(try S.read("Wheat harvest beats forecasts\n2024-08-27\n\nFarmers said.", .text)))
        #expect(document.title == "Wheat harvest beats forecasts")
        #expect(document.date == DocumentDate(year: 2024, month: 8, day: 27))
        #expect(document.body == "Farmers said.")
        let spaced = try #require(S.single(try S.read("Title\n\n  27 Aug 2024  \nBody", .text)))
        #expect(spaced.date == DocumentDate(year: 2024, month: 8, day: 27))
        #expect(spaced.body == "Body")
        // A line that merely contains a date is body text.
        let prose = try #require(S.single(try S.read("Title\nOn 2024-08-27 it rained.\nMore", .text)))
        #expect(prose.date == nil)
        #expect(prose.body == "On 2024-08-27 it rained.\nMore")
    }

    @Test func mailHeaders() throws {
        let text = """
        From: jane@example.com (Jane Doe)
        Subject: Re: Best compression
         for images
        Date: Tue, 20 Apr 1993 14:30:00 +0200
        Lines: 3

        I think PNG is better.
        Jane
        """
        let result = try S.read(text, .text, path: "comp.graphics/38753")
        let document = try #require(S.single(result))
        #expect(document.title == "Re: Best compression for images")
        #expect(document.date?.description == "1993-04-20T12:30:00Z")
        #expect(document.fields["author"] == "jane@example.com (Jane Doe)")
        #expect(document.body == "I think PNG is better.\nJane")
        #expect(result.warnings.isEmpty)
    }

    @Test func mailWithTwoDigitYearAndBadDate() throws {
        let good = try #require(S.single(try S.read("Subject: Hello\nDate: 20 Apr 93 10:00:00 GMT\n\nBody", .text)))
        #expect(good.date?.description == "1993-04-20T10:00:00Z")

        let result = try S.read("Subject: Hello\nDate: 30 Feb 1993 10:00:00 GMT\n\nBody", .text, path: "m.txt")
        let bad = try #require(S.single(result))
        #expect(bad.date == nil)
        #expect(bad.title == "Hello")
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.code == .documentMalformed)
        #expect(result.warnings.first?.path == "m.txt")
        #expect(result.warnings.first?.message.contains("30 Feb 1993") == true)
    }

    @Test func colonLinesWithoutMailHeadersArePlainText() throws {
        let document = try #require(S.single(try S.read("Note: remember this\nmore text", .text)))
        #expect(document.title == "Note: remember this")
        #expect(document.body == "more text")
    }

    @Test func invalidUTF8IsRepaired() throws {
        // Read as Latin-1 by detection (DocumentsEncodingTests); repaired when no guess is trusted.
        let bytes: [UInt8] = Array("Caf".utf8) + [0xE9] + Array(" au lait\nbody ".utf8) + [0xFF, 0xFE, 0x41]
        let untrusting = DocumentReader(options: DocumentReader.Options(minimumConfidence: 101))
        let result = try untrusting.read(contentsOf: bytes, relativePath: "doc", format: .text)
        let document = try #require(S.single(result))
        #expect(document.title == "Caf\u{FFFD} au lait")
        #expect(document.body == "body \u{FFFD}\u{FFFD}A")
        #expect(result.encoding.replacements == 3 && result.warnings.count == 1)
    }

    @Test func nulBytesMeanBinaryButLateOnesAreRepaired() throws {
        let error = #expect(throws: TrawlError.self) {
            try S.read(bytes: Array("Title\nbo".utf8) + [0] + Array("dy".utf8), .text, path: "x.txt")
        }
        #expect(error?.code == .documentUnreadable)
        #expect(error?.path == "x.txt")
        #expect(error?.message.contains("binary") == true)

        let late = Array("Title\n".utf8) + [UInt8](repeating: 0x61, count: 9000) + [0] + Array("end".utf8)
        let document = try #require(S.single(try S.read(bytes: late, .text)))
        #expect(document.body.hasSuffix("a\u{FFFD}end"))
    }

    @Test func binaryFileRenamedTxt() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52]
        let error = #expect(throws: TrawlError.self) { try S.read(bytes: png, .text, path: "photo.txt") }
        #expect(error?.code == .documentUnreadable)
        // Control bytes without NULs.
        let controls = [UInt8]((1...8).map { UInt8($0) }) + Array("ab".utf8)
        #expect(throws: TrawlError.self) { try S.read(bytes: controls, .text) }
    }

    @Test func emptyAndBlankFilesGiveNoDocuments() throws {
        for format in DocumentFormat.allCases {
            #expect(try S.read("", format).documents.isEmpty)
            #expect(try S.read(" \n\t\r\n ", format).documents.isEmpty)
        }
    }

    @Test func utf16WithByteOrderMark() throws {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "Grüße\nwelt 🙂".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let document = try #require(S.single(try S.read(bytes: bytes, .text)))
        #expect(document.title == "Grüße")
        #expect(document.body == "welt 🙂")
    }

    @Test func veryLongFirstLineIsNotATitle() throws {
        let line = String(repeating: "word ", count: 400)
        let document = try #require(S.single(try S.read(line, .text)))
        #expect(document.title == "")
        #expect(document.body == String(line.dropLast()))
    }

    @Test func sizeLimit() {
        let error = #expect(throws: TrawlError.self) {
            try S.read(String(repeating: "a", count: 2000), .text, path: "big.txt",
                       options: .init(maximumFileSize: 1000))
        }
        #expect(error?.code == .documentUnreadable)
        #expect(error?.message.contains("too large") == true)
    }

    @Test func hugeSingleLineFileIsLinear() throws {
        let size = 200 << 20
        var bytes = [UInt8](repeating: 0x78, count: size)
        for i in stride(from: 7, to: size, by: 8) { bytes[i] = 0x20 }
        let clock = ContinuousClock()
        let start = clock.now
        let document = try #require(S.single(try S.read(bytes: bytes, .text)))
        let elapsed = clock.now - start
        #expect(document.title == "")
        #expect(document.body.utf8.count == size - 1) // trailing space trimmed
        #expect(elapsed < .seconds(30))
    }

    @Test func readsFilesFromDisk() throws {
        try S.withTemporaryFolder { root in
            try S.write("Title\nBody", to: "notes/a.txt", in: root)
            let reader = DocumentReader()
            let result = try reader.read(fileAt: root + "/notes/a.txt", relativePath: "notes/a.txt")
            #expect(result.documents.first?.title == "Title")

            // No extension: sniffed.
            try S.write("Subject: Hi\n\nThere", to: "38753", in: root)
            let mail = try reader.read(fileAt: root + "/38753", relativePath: "38753")
            #expect(mail.documents.first?.title == "Hi")

            let missing = #expect(throws: TrawlError.self) { try reader.read(fileAt: root + "/nope.txt", relativePath: "nope.txt") }
            #expect(missing?.code == .io)
            #expect(missing?.path == "nope.txt")

            let folder = #expect(throws: TrawlError.self) { try reader.read(fileAt: root + "/notes", relativePath: "notes") }
            #expect(folder?.code == .documentUnreadable)

            let limited = DocumentReader(options: .init(maximumFileSize: 4))
            let large = #expect(throws: TrawlError.self) {
                try limited.read(fileAt: root + "/notes/a.txt", relativePath: "notes/a.txt")
            }
            #expect(large?.code == .documentUnreadable)
            #expect(large?.message.contains("too large") == true)
        }
    }

    @Test func formatsFromExtensionsAndSniffing() {
        #expect(DocumentFormat(pathExtension: "TXT") == .text)
        #expect(DocumentFormat(pathExtension: "md") == .markdown)
        #expect(DocumentFormat(pathExtension: "markdown") == .markdown)
        #expect(DocumentFormat(pathExtension: "htm") == .html)
        #expect(DocumentFormat(pathExtension: "json") == .json)
        #expect(DocumentFormat(pathExtension: "jsonl") == .jsonLines)
        #expect(DocumentFormat(pathExtension: "ndjson") == .jsonLines)
        #expect(DocumentFormat(pathExtension: "png") == nil)
        #expect(DocumentFormat(pathExtension: "") == nil)

        func sniff(_ text: String) -> DocumentFormat? {
            Array(text.utf8).withUnsafeBytes { DocumentFormat(sniffing: $0) }
        }
        #expect(sniff("<!DOCTYPE html><html></html>") == .html)
        #expect(sniff("  <html lang=en>") == .html)
        #expect(sniff("{\"id\": 1}\n{\"id\": 2}\n") == .jsonLines)
        #expect(sniff("{\n  \"id\": 1\n}") == .json)
        #expect(sniff("[{\"id\": 1}]") == .json)
        #expect(sniff("---\ntitle: x\n---\n# y") == .markdown)
        #expect(sniff("[1] A footnote") == .text)
        #expect(sniff("Hello") == .text)
        #expect([UInt8]([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]).withUnsafeBytes { DocumentFormat(sniffing: $0) } == nil)
    }
}
