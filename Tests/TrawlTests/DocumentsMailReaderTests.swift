import Foundation
import Testing
@testable import Trawl

/// The mail reader: single messages (`.eml`), mailboxes (`.mbox`) and Maildir folders, with
/// MIME parts, transfer encodings and charsets; malformed mail gives warnings, never a failure.
@Suite struct DocumentsMailReaderTests {
    typealias S = DocumentsTestSupport

    /// Lines joined with CR LF, as mail is sent.
    static func crlf(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\r\n").utf8) + [0x0D, 0x0A] }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// A moment in UTC, at second precision.
    static func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int) -> DocumentDate? {
        DocumentDate(year: year, month: month, day: day).map {
            DocumentDate(secondsSinceEpoch: $0.secondsSinceEpoch + Int64(hour * 3600 + minute * 60))
        }
    }

    static func read(_ bytes: [UInt8], _ format: DocumentFormat = .email, path: String = "mail/message.eml") throws -> DocumentReadResult {
        try DocumentReader().read(contentsOf: bytes, relativePath: path, format: format)
    }

    @Test func headersGiveTitleAuthorDateAndFields() throws {
        let subjectWord = "=?UTF-8?B?" + Self.base64("Zürich") + "?="
        let message = Self.crlf([
            "Return-Path: <ann@example.org>",
            "From: =?ISO-8859-1?Q?Ren=E9e_Dupr=E9?= <renee@example.org>",
            "To: Bob <bob@example.org>, \"Smith, Carol\" <carol@example.org>",
            "Cc: dan@example.org",
            "Subject: Meeting in \(subjectWord)",
            " next =?ISO-8859-1?Q?n=E4chste?=",
            "  =?ISO-8859-1?Q?_Woche?=",
            "Date: Tue, 20 Apr 1993 14:30:00 +0200",
            "Message-ID: <abc.123@example.org>",
            "Newsgroups: comp.graphics, sci.space",
            "",
            "The agenda is attached below.",
            "Second line.",
        ])
        let result = try Self.read(message)
        #expect(result.warnings.isEmpty)
        let document = try #require(S.single(result))
        #expect(document.id == "mail/message.eml")
        // Whitespace between two encoded words is not text (RFC 2047 §6.2); other whitespace is.
        #expect(document.title == "Meeting in Zürich next nächste Woche")
        #expect(document.fields["author"] == .string("Renée Dupré <renee@example.org>"))
        #expect(document.date == Self.utc(1993, 4, 20, 12, 30))
        #expect(document.fields["to"] == .strings(["Bob <bob@example.org>", "\"Smith, Carol\" <carol@example.org>"]))
        #expect(document.fields["cc"] == .strings(["dan@example.org"]))
        #expect(document.fields["newsgroups"] == .strings(["comp.graphics", "sci.space"]))
        #expect(document.fields["message_id"] == .string("abc.123@example.org"))
        #expect(document.body == "The agenda is attached below.\nSecond line.")
    }

    @Test func quotedPrintableAndCharsetsAreDecoded() throws {
        // ISO-8859-1 in quoted-printable, with a soft line break.
        var message = Self.crlf([
            "From: a@example.org",
            "Subject: Latin-1",
            "Content-Type: text/plain; charset=\"iso-8859-1\"",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "Caf=E9 cr=E8me br=FBl=E9e, a very long line that is folded =",
            "here and =3D kept.",
        ])
        var document = try #require(S.single(try Self.read(message)))
        #expect(document.body == "Café crème brûlée, a very long line that is folded here and = kept.")

        // Raw 8-bit KOI8-R declared by its charset.
        message = Self.crlf(["Subject: KOI8", "Content-Type: text/plain; charset=koi8-r", "Content-Transfer-Encoding: 8bit", ""])
            + [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4, 0x0D, 0x0A] // "Привет"
        document = try #require(S.single(try Self.read(message)))
        #expect(document.body == "Привет")

        // Base64 UTF-8 text.
        message = Self.crlf(["Subject: B64", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "",
                             Self.base64("Grüße aus Köln, über den Rhein.")])
        document = try #require(S.single(try Self.read(message)))
        #expect(document.body == "Grüße aus Köln, über den Rhein.")
    }

    @Test func multipartAlternativePrefersPlainTextAndSkipsAttachments() throws {
        let message = Self.crlf([
            "Subject: Report",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"outer-b\"",
            "",
            "This is the preamble.",
            "--outer-b",
            "Content-Type: multipart/alternative; boundary=inner",
            "",
            "--inner",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            Self.base64("The plain quarterly report."),
            "--inner",
            "Content-Type: text/html; charset=utf-8",
            "",
            "<html><body><p>The <b>html</b> quarterly report.</p></body></html>",
            "--inner--",
            "--outer-b",
            "Content-Type: application/pdf; name=report.pdf",
            "Content-Disposition: attachment; filename=\"report.pdf\"",
            "Content-Transfer-Encoding: base64",
            "",
            Self.base64("%PDF-1.4 binary"),
            "--outer-b",
            "Content-Type: text/plain",
            "Content-Disposition: inline",
            "",
            "A footer part.",
            "--outer-b--",
            "The epilogue.",
        ])
        let result = try Self.read(message)
        #expect(result.warnings.isEmpty)
        let document = try #require(S.single(result))
        #expect(document.body == "The plain quarterly report.\n\nA footer part.")
        #expect(document.fields["attachments"] == .strings(["report.pdf"]))
    }

    @Test func htmlOnlyMessagesGoThroughTheHTMLReader() throws {
        let message = Self.crlf([
            "Subject: Newsletter",
            "Content-Type: text/html; charset=windows-1252",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "<html><head><style>p { color: red }</style><script>var x = 1;</script></head>",
            "<body><p>Prices rose 5=80 today.</p><p>Second paragraph.</p></body></html>",
        ])
        let document = try #require(S.single(try Self.read(message)))
        #expect(document.body == "Prices rose 5€ today.\nSecond paragraph.")
    }

    @Test func anMboxHoldsOneDocumentPerMessageWithStableIDs() throws {
        let mbox = Array("""
            From alice@example.org Mon Apr  5 10:00:00 1993
            From: Alice <alice@example.org>
            Subject: First
            Message-ID: <one@example.org>
            Date: Mon, 5 Apr 1993 10:00:00 GMT

            Hello there.
            >From the archives: a quoted line.
            >>From deeper.

            From bob@example.org Tue Apr  6 11:00:00 1993
            From: Bob <bob@example.org>
            Subject: Second, no id

            No Message-ID here.
            From which a line starts, but without a blank line before it.

            From carol@example.org Wed Apr  7 12:30:00 1993
            From: Carol <carol@example.org>
            Subject: Third, repeated id
            Message-ID: <one@example.org>

            The same id as the first.

            """.utf8)
        let result = try Self.read(mbox, .mbox, path: "lists/a.mbox")
        #expect(result.warnings.isEmpty)
        let documents = result.documents
        #expect(documents.map(\.id) == ["lists/a.mbox#one@example.org", "lists/a.mbox#2", "lists/a.mbox#3"])
        #expect(documents.map(\.title) == ["First", "Second, no id", "Third, repeated id"])
        #expect(documents[0].body == "Hello there.\nFrom the archives: a quoted line.\n>From deeper.")
        #expect(documents[1].body == "No Message-ID here.\nFrom which a line starts, but without a blank line before it.")
        #expect(documents[0].date == Self.utc(1993, 4, 5, 10, 0))
        // No Date: header: the date of the `From ` line.
        #expect(documents[1].date == Self.utc(1993, 4, 6, 11, 0))
        #expect(documents[2].fields["author"] == .string("Carol <carol@example.org>"))

        // The same mailbox read again gives the same ids.
        #expect(try Self.read(mbox, .mbox, path: "lists/a.mbox").documents.map(\.id) == documents.map(\.id))
    }

    @Test func malformedMailGivesWarningsNotFailures() throws {
        // Bad base64, an unknown charset, an unknown transfer encoding.
        var message = Self.crlf([
            "Subject: Broken",
            "Content-Type: multipart/mixed; boundary=b",
            "",
            "--b",
            "Content-Type: text/plain; charset=x-no-such-charset",
            "",
            "Plain words survive.",
            "--b",
            "Content-Type: text/plain",
            "Content-Transfer-Encoding: base64",
            "",
            "SGVsbG8gd29ybGQ*!!*",
            "--b",
            "Content-Type: text/plain",
            "Content-Transfer-Encoding: x-uuencode-ish",
            "",
            "Raw text.",
        ]) // and no closing boundary
        var result = try Self.read(message)
        var document = try #require(S.single(result))
        #expect(document.body.contains("Plain words survive."))
        #expect(document.body.contains("Hello world"))
        #expect(document.body.contains("Raw text."))
        let messages = result.warnings.map(\.message).joined(separator: "\n")
        #expect(messages.contains("x-no-such-charset"))
        #expect(messages.contains("base64"))
        #expect(messages.contains("x-uuencode-ish"))
        #expect(result.warnings.allSatisfy { $0.path == "mail/message.eml" })

        // A multipart whose boundary never occurs is read as text.
        message = Self.crlf(["Subject: No boundary", "Content-Type: multipart/mixed; boundary=zzz", "", "Just text."])
        result = try Self.read(message)
        document = try #require(S.single(result))
        #expect(document.body == "Just text.")
        #expect(result.warnings.count == 1)

        // Parts nested far too deep stop at the limit with one warning.
        var nested: [String] = ["Subject: Deep"]
        for level in 0..<60 {
            nested += ["Content-Type: multipart/mixed; boundary=l\(level)", "", "--l\(level)"]
        }
        nested += ["Content-Type: text/plain", "", "bottom"]
        result = try Self.read(Self.crlf(nested))
        #expect(result.documents.count == 1)
        #expect(result.warnings.contains { $0.message.contains("deep") })

        // No header block at all: the text is the body.
        result = try Self.read(Array("just some words\nand more\n".utf8))
        #expect(S.single(result)?.body == "just some words\nand more")
        #expect(result.warnings.count == 1)

        // Random bytes never crash the reader.
        var generator = SeededGenerator(seed: 18)
        for _ in 0..<200 {
            let length = Int.random(in: 0..<400, using: &generator)
            let alphabet = Array("From: =?Q?B?_\r\n-=:;\"boundary=\"--xContent-Type: multipart/ text/html<p>\u{00E9}".utf8)
            let bytes = (0..<length).map { _ in Bool.random(using: &generator) ? alphabet.randomElement(using: &generator)!
                : UInt8.random(in: 0...255, using: &generator) }
            _ = try? Self.read(bytes)
            _ = try? Self.read(bytes, .mbox)
        }
    }

    @Test func messagesAboveTheSizeLimitAreLeftOutWithAWarning() throws {
        let big = "Subject: big\n\n" + String(repeating: "word ", count: 400)
        let mbox = Array(("From a@b Mon Apr  5 10:00:00 1993\nSubject: small\n\nsmall body\n\nFrom a@b Mon Apr  5 10:00:00 1993\n" + big).utf8)
        var options = DocumentReader.Options()
        options.maximumMessageSize = 1_000
        let result = try DocumentReader(options: options).read(contentsOf: mbox, relativePath: "a.mbox", format: .mbox)
        #expect(result.documents.map(\.title) == ["small"])
        #expect(result.warnings.count == 1 && result.warnings[0].code == .documentUnreadable)
        #expect(throws: TrawlError.self) {
            try DocumentReader(options: options).read(contentsOf: Array(big.utf8), relativePath: "a.eml", format: .email)
        }
    }

    @Test func maildirMessagesAreFoundAndIndexedWithEmailsAndMailboxes() throws {
        try S.withTemporaryFolder { root in
            let docs = root + "/docs"
            try S.write("From: Ann <ann@example.org>\nSubject: Maildir current\nDate: Thu, 1 Apr 1993 09:00:00 GMT\n\nthe walrus carpentry guild meets",
                        to: "Mail/cur/1712345678.M1P2.host,S=120:2,S", in: docs)
            try S.write("From: Ben <ben@example.org>\nSubject: Maildir new\n\nfreshly delivered pelican notes",
                        to: "Mail/new/1712345679.M3P4.host", in: docs)
            try S.write("Subject: still arriving\n\nhalf delivered", to: "Mail/tmp/1712345680.M5P6.host", in: docs)
            try S.write("From: Cy <cy@example.org>\nSubject: An eml file\nDate: 2 Apr 1993 10:00 +0000\n\nsingle message about marmalade",
                        to: "single.eml", in: docs)
            try S.write("From x Mon Apr  5 10:00:00 1993\nFrom: Di <di@example.org>\nSubject: In a mailbox\nMessage-ID: <m1@x>\n\nmailbox message on zeppelins\n",
                        to: "box.mbox", in: docs)

            let scan = try FolderScanner().scan(docs)
            #expect(scan.files.map(\.relativePath) == ["Mail/cur/1712345678.M1P2.host,S=120:2,S", "Mail/new/1712345679.M3P4.host",
                                                       "box.mbox", "single.eml"])
            #expect(scan.files.map(\.format) == [.email, .email, .mbox, .email])

            var options = IndexWriterOptions()
            options.durable = false
            let writer = try IndexWriter(path: root + "/index", options: options)
            let summary = try FolderIndexer(writer: writer).run(paths: [docs])
            writer.close()
            #expect(summary.problems.isEmpty)
            #expect(summary.documents == 4)
            let reader = try IndexReader(path: root + "/index")
            func hit(_ query: String) throws -> SearchHit? {
                let results = try reader.search(query)
                return results.hits.count == 1 ? results.hits[0] : nil
            }
            let current = try #require(try hit("\"walrus carpentry guild\""))
            #expect(current.id == "Mail/cur/1712345678.M1P2.host,S=120:2,S")
            #expect(current.title == "Maildir current")
            #expect(current.date == Self.utc(1993, 4, 1, 9, 0))
            #expect(current.fields["author"]?.description == "Ann <ann@example.org>")
            #expect(try hit("pelican")?.title == "Maildir new")
            #expect(try hit("marmalade")?.fields["author"]?.description == "Cy <cy@example.org>")
            #expect(try hit("zeppelins")?.id == "box.mbox#m1@x")
            #expect(try reader.search("\"half delivered\"").hits.isEmpty)
            #expect(try hit("author:\"Di <di@example.org>\"")?.title == "In a mailbox")
        }
    }
}
