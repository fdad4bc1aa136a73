import Foundation
import Testing
@testable import Trawl

/// Files in other encodings than UTF-8: detection, byte-order marks, declared charsets, a forced
/// encoding, and files that cannot be decoded with confidence. Every fixture is made here.
@Suite struct DocumentsEncodingTests {
    typealias S = DocumentsTestSupport

    // MARK: Fixtures

    static let french = """
        Café crème et brûlée

        Le café crème est servi chaud dans les brasseries de la ville. Élodie préfère la crème \
        brûlée, mais son frère aime les gâteaux à la française. Après le déjeuner, nous sommes \
        allés à la pâtisserie où l'on vend des éclairs, des madeleines et des crêpes. Le garçon a \
        apporté l'addition à notre table près de la fenêtre. Ça coûte trop cher, a dit François, \
        mais la qualité est là et le décor est très agréable.
        """

    static let frenchWindows = """
        Le prix “spécial” du café

        Le café coûte 3 € chez Dupont – « c’est cher », dit-on. “Voilà”, répond le patron… \
        Œuvre d’art de la maison, la crème brûlée coûte 7 €. Les clients trouvent que l’été est \
        chaud ; ils préfèrent les boissons fraîches et les glaces à la pistache. Le marché de Noël \
        ouvre à la fin du mois, et les prix y sont “raisonnables” d’après le journal régional.
        """

    static let japanese = """
        東京の天気予報

        今日の東京は晴れのち曇りでしょう。明日は全国的に雨が降る見込みです。気象庁によりますと、\
        週末にかけて気温が下がり、北日本では雪が降るところもあるということです。外出の際は傘を\
        お持ちください。交通機関の遅れにもご注意ください。
        """

    static let russian = """
        Новости из Москвы

        В Москве сегодня прошла большая выставка современного искусства. Художники из разных \
        городов России показали свои работы. Посетители говорили, что выставка была очень \
        интересной и необычной. Организаторы планируют провести следующую выставку весной \
        будущего года в Санкт-Петербурге. Погода в столице была тёплой и солнечной, поэтому \
        многие жители гуляли в парках и на набережной до позднего вечера.
        """

    static let german = "Grüße aus Zürich\n\nDie Straße am See ist schön, und die Bäckerei verkauft Brötchen."

    /// Encodes with Foundation; a test failure when Foundation cannot.
    static func encode(_ text: String, _ encoding: String.Encoding) throws -> [UInt8] {
        Array(try #require(text.data(using: encoding, allowLossyConversion: false), "cannot encode as \(encoding)"))
    }

    /// KOI8-R by its table: 0xC0–0xDF are the lowercase letters, 0xE0–0xFF the uppercase ones.
    static func koi8r(_ text: String) throws -> [UInt8] {
        let lower = Array("юабцдефгхийклмнопярстужвьызшэщчъ")
        let upper = Array("ЮАБЦДЕФГХИЙКЛМНОПЯРСТУЖВЬЫЗШЭЩЧЪ")
        var table: [Character: UInt8] = ["ё": 0xA3, "Ё": 0xB3]
        for (i, c) in lower.enumerated() { table[c] = UInt8(0xC0 + i) }
        for (i, c) in upper.enumerated() { table[c] = UInt8(0xE0 + i) }
        var bytes: [UInt8] = []
        for character in text {
            if character.isASCII {
                bytes.append(character.asciiValue!)
            } else {
                bytes.append(try #require(table[character], "no KOI8-R byte for \(character)"))
            }
        }
        return bytes
    }

    /// UTF-16 with a byte-order mark.
    static func utf16(_ text: String, littleEndian: Bool) -> [UInt8] {
        var bytes: [UInt8] = littleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF]
        for unit in text.utf16 {
            bytes += littleEndian ? [UInt8(unit & 0xFF), UInt8(unit >> 8)] : [UInt8(unit >> 8), UInt8(unit & 0xFF)]
        }
        return bytes
    }

    /// Indexes a folder holding the files, and returns the summary and a reader of the index.
    static func index(_ files: [(String, [UInt8])], options: FolderIndexer.Options = .init())
        throws -> (IndexingSummary, IndexReader, String) {
        let root = NSTemporaryDirectory() + "trawl-encoding-\(UUID().uuidString)"
        for (name, bytes) in files { try S.write(bytes: bytes, to: "docs/" + name, in: root) }
        var writerOptions = IndexWriterOptions()
        writerOptions.durable = false
        let writer = try IndexWriter(path: root + "/index", options: writerOptions)
        let summary = try FolderIndexer(writer: writer, options: options).run(paths: [root + "/docs"])
        writer.close()
        return (summary, try IndexReader(path: root + "/index"), root)
    }

    /// Indexes one file, finds it by each query, checks its title and returns its encoding.
    static func indexAndFind(_ name: String, _ bytes: [UInt8], title: String, queries: [String],
                             id: String? = nil) throws -> TextEncoding? {
        let (summary, reader, root) = try index([(name, bytes)])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(summary.added == 1 && summary.failed == 0, "\(summary)")
        let id = id ?? name
        for query in queries {
            let hits = try reader.search(query, limit: 10).hits
            #expect(hits.map(\.id) == [id], "query \(query)")
            #expect(hits.first?.title == title)
        }
        #expect(try reader.document(id: id)?.title == title)
        let recorded = summary.encodings.filter { $0.path == name }
        #expect(recorded.count <= 1)
        return recorded.first?.encoding
    }

    // MARK: Detection, through the folder indexer

    @Test func latin1IsDetected() throws {
        let encoding = try Self.indexAndFind("old.txt", try Self.encode(Self.french, .isoLatin1),
                                             title: "Café crème et brûlée", queries: ["brûlée", "française", "Élodie"])
        #expect(encoding?.name == "ISO-8859-1")
        #expect(encoding?.source == .detected)
        #expect((encoding?.confidence ?? 0) >= 10)
        #expect(encoding?.replacements == 0)
    }

    @Test func windows1252IsDetected() throws {
        let encoding = try Self.indexAndFind("prix.txt", try Self.encode(Self.frenchWindows, .windowsCP1252),
                                             title: "Le prix “spécial” du café", queries: ["spécial", "œuvre", "c’est"])
        #expect(encoding?.name == "windows-1252")
        #expect(encoding?.source == .detected)
    }

    @Test func utf16WithByteOrderMarks() throws {
        for littleEndian in [true, false] {
            let encoding = try Self.indexAndFind("gruss.txt", Self.utf16(Self.german, littleEndian: littleEndian),
                                                 title: "Grüße aus Zürich", queries: ["Zürich", "Straße", "brötchen"])
            #expect(encoding == TextEncoding(name: littleEndian ? "UTF-16LE" : "UTF-16BE", source: .byteOrderMark))
        }
    }

    @Test func shiftJISIsDetected() throws {
        let encoding = try Self.indexAndFind("tenki.txt", try Self.encode(Self.japanese, .shiftJIS),
                                             title: "東京の天気予報", queries: ["東京", "気象庁"])
        #expect(encoding?.name == "Shift_JIS")
        #expect(encoding?.source == .detected)
    }

    @Test func koi8rIsDetected() throws {
        let encoding = try Self.indexAndFind("moskva.txt", try Self.koi8r(Self.russian),
                                             title: "Новости из Москвы", queries: ["выставка", "Петербурге", "тёплой"])
        #expect(encoding?.name == "KOI8-R")
        #expect(encoding?.source == .detected)
    }

    @Test func latin1JSONAndJSONLines() throws {
        let record = "{\"id\":\"r0\",\"title\":\"Café crème\",\"body\":\"\(Self.french.replacingOccurrences(of: "\n", with: " "))\"}"
        let lines = record.replacingOccurrences(of: "r0", with: "r1") + "\n" + record.replacingOccurrences(of: "r0", with: "r2") + "\n"
        let (summary, reader, root) = try Self.index([("one.json", try Self.encode(record, .isoLatin1)),
                                                       ("many.jsonl", try Self.encode(lines, .isoLatin1))])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(summary.failed == 0 && summary.documents == 3, "\(summary)")
        #expect(try reader.search("brûlée", limit: 10).hits.count == 3)
        #expect(try reader.document(id: "r2")?.title == "Café crème")
        #expect(Set(summary.encodings.map(\.path)) == ["one.json", "many.jsonl"])
        #expect(summary.encodings.allSatisfy { $0.encoding.name == "ISO-8859-1" && $0.encoding.source == .detected })
    }

    @Test func validUTF8StaysOnTheFastPath() throws {
        let result = try S.read(Self.french, .text)
        #expect(result.encoding == .utf8)
        #expect(result.encoding.isPlainUTF8)
        #expect(result.warnings.isEmpty)
        #expect(result.documents.first?.title == "Café crème et brûlée")
        let (summary, _, root) = try Self.index([("utf8.txt", Array(Self.french.utf8)),
                                                  ("bom.txt", [0xEF, 0xBB, 0xBF] + Array(Self.german.utf8))])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(summary.added == 2)
        #expect(summary.encodings.isEmpty)
    }

    // MARK: Declared charsets

    @Test func htmlMetaCharsetIsHonoured() throws {
        let html = "<html><head><meta charset=\"windows-1252\"><title>Prix “spécial” 3 €</title></head>"
            + "<body><p>Crème brûlée</p></body></html>"
        let result = try S.read(bytes: try Self.encode(html, .windowsCP1252), .html)
        #expect(result.documents.first?.title == "Prix “spécial” 3 €")
        #expect(result.documents.first?.body == "Crème brûlée")
        #expect(result.encoding == TextEncoding(name: "windows-1252", source: .declared))
        #expect(result.warnings.isEmpty)

        let equiv = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\">"
            + "<title>Château</title></head><body>Où</body></html>"
        let declared = try S.read(bytes: try Self.encode(equiv, .isoLatin1), .html)
        #expect(declared.documents.first?.title == "Château")
        #expect(declared.encoding == TextEncoding(name: "ISO-8859-1", source: .declared))

        let found = try Self.indexAndFind("page.html", try Self.encode(html, .windowsCP1252),
                                          title: "Prix “spécial” 3 €", queries: ["brûlée"])
        #expect(found == TextEncoding(name: "windows-1252", source: .declared))
    }

    @Test func xmlDeclarationIsHonoured() throws {
        // ISO-8859-15 has the euro sign at 0xA4, where ISO-8859-1 has the currency sign ¤.
        var bytes = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">".utf8)
        bytes += Array("<head><title>Prix 5 ".utf8) + [0xA4] + Array("</title></head><body><p>Cr".utf8) + [0xE8]
        bytes += Array("me</p></body></html>".utf8)
        let result = try S.read(bytes: bytes, .html)
        #expect(result.documents.first?.title == "Prix 5 €")
        #expect(result.documents.first?.body == "Crème")
        #expect(result.encoding == TextEncoding(name: "ISO-8859-15", source: .declared))
    }

    @Test func messageContentTypeIsHonoured() throws {
        let message = "From: desk@example.org\nSubject: Réunion à Genève\nContent-Type: text/plain;\n charset=\"ISO-8859-15\"\n\nCoût : 5 €."
        var bytes: [UInt8] = []
        for scalar in message.unicodeScalars {
            bytes.append(scalar == "€" ? 0xA4 : UInt8(scalar.value))
        }
        let result = try S.read(bytes: bytes, .text)
        #expect(result.documents.first?.title == "Réunion à Genève")
        #expect(result.documents.first?.body == "Coût : 5 €.")
        #expect(result.encoding == TextEncoding(name: "ISO-8859-15", source: .declared))
    }

    @Test func unknownDeclaredCharsetIsReportedAndDetected() throws {
        let html = "<html><head><meta charset=\"no-such-charset\"><title>Élodie</title></head><body>"
            + Self.french + "</body></html>"
        let result = try S.read(bytes: try Self.encode(html, .isoLatin1), .html, path: "odd.html")
        #expect(result.documents.first?.title == "Élodie")
        #expect(result.encoding.source == .detected)
        #expect(result.warnings.contains { $0.message.contains("no-such-charset") && $0.path == "odd.html" })
    }

    // MARK: Forcing

    @Test func forcedEncodingWinsOverDetection() throws {
        var options = DocumentReader.Options()
        options.encoding = "koi8-r"
        let latin1 = try Self.encode(Self.french, .isoLatin1)
        let forced = try DocumentReader(options: options).read(contentsOf: latin1, relativePath: "f.txt", format: .text)
        #expect(forced.encoding == TextEncoding(name: "KOI8-R", source: .forced))
        #expect(forced.documents.first?.title.hasPrefix("Caf") == true)
        #expect(forced.documents.first?.title != "Café crème et brûlée")

        // Valid UTF-8 and byte-order marks are not affected.
        let utf8 = try DocumentReader(options: options).read(contentsOf: Array(Self.russian.utf8), relativePath: "u.txt", format: .text)
        #expect(utf8.encoding == .utf8)
        #expect(utf8.documents.first?.title == "Новости из Москвы")

        // Forcing the right one through the folder indexer.
        var indexerOptions = FolderIndexer.Options()
        indexerOptions.readerOptions.encoding = "cp1252"
        let (summary, reader, root) = try Self.index([("p.txt", try Self.encode(Self.frenchWindows, .windowsCP1252))],
                                                     options: indexerOptions)
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(summary.encodings == [IndexingSummary.FileEncoding(path: "p.txt", encoding: TextEncoding(name: "windows-1252", source: .forced))])
        #expect(try reader.document(id: "p.txt")?.title == "Le prix “spécial” du café")
    }

    @Test func unknownForcedEncodingIsAnError() throws {
        #expect(TextEncoding.standardName("no-such-charset") == nil)
        #expect(TextEncoding.standardName("") == nil)
        #expect(TextEncoding.standardName("latin1") == "ISO-8859-1")
        #expect(TextEncoding.standardName("SJIS") == "Shift_JIS")
        var options = DocumentReader.Options()
        options.encoding = "no-such-charset"
        #expect(throws: TrawlError.self) {
            try DocumentReader(options: options).read(contentsOf: [0x43, 0xE9], relativePath: "x.txt", format: .text)
        }
    }

    // MARK: Files that cannot be decoded with confidence

    @Test func untrustedGuessIsReadAsUTF8WithAWarning() throws {
        var options = DocumentReader.Options()
        options.minimumConfidence = 101
        let bytes = try Self.encode(Self.french, .isoLatin1)
        let result = try DocumentReader(options: options).read(contentsOf: bytes, relativePath: "notes/old.txt", format: .text)
        #expect(result.encoding.source == .fallback)
        #expect(result.encoding.name == "UTF-8")
        #expect(result.encoding.replacements == bytes.filter { $0 >= 0x80 }.count)
        #expect(result.documents.first?.title == "Caf\u{FFFD} cr\u{FFFD}me et br\u{FFFD}l\u{FFFD}e")
        let warning = try #require(result.warnings.first)
        #expect(warning.path == "notes/old.txt")
        #expect(warning.message.contains("could not be recognised"))
    }

    @Test func garbageIsWarnedAboutNeverSilent() throws {
        var generator = SeededGenerator(seed: 42)
        for round in 0..<200 {
            let count = Int.random(in: 1...600, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0x80...0xFF, using: &generator) }
            for format in DocumentFormat.allCases {
                guard let result = try? S.read(bytes: bytes, format, path: "junk\(round)") else {
                    #expect(format == .json || format == .pdf || format.isArchive, "only JSON, PDF and the ZIP formats may refuse such bytes")
                    continue
                }
                #expect(!result.encoding.isPlainUTF8)
                if result.encoding.source == .fallback || result.encoding.replacements > 0 {
                    #expect(result.warnings.contains { $0.path == "junk\(round)" }, "round \(round) \(format)")
                }
            }
        }
    }

    @Test func lowConfidenceGarbageGivesAWarningInTheSummary() throws {
        // Bytes that are neither UTF-8 nor any single charset: every lead byte of UTF-8 and of
        // Shift-JIS with a continuation that fits none of them.
        var bytes: [UInt8] = []
        for i in 0..<64 { bytes += [0xC0 + UInt8(i % 0x20), 0xFF, 0x81, 0xFE] }
        let (summary, _, root) = try Self.index([("junk.txt", bytes)])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let encoding = try #require(summary.encodings.first { $0.path == "junk.txt" }?.encoding)
        #expect(encoding.source == .fallback || encoding.replacements > 0)
        #expect(summary.problems.contains { $0.contains("junk.txt") }, "\(summary.problems)")
    }

    @Test func truncatedAndOddInputNeverTraps() throws {
        // UTF-16 with an odd number of bytes: the last byte becomes U+FFFD.
        let odd = Self.utf16("Title\n\nbody", littleEndian: true) + [0x41]
        let result = try S.read(bytes: odd, .text)
        #expect(result.encoding == TextEncoding(name: "UTF-16LE", source: .byteOrderMark, replacements: 1))
        #expect(result.documents.first?.body == "body\u{FFFD}")
        #expect(!result.warnings.isEmpty)
        // A byte-order mark alone, and UTF-32.
        for bytes: [UInt8] in [[0xFF, 0xFE], [0xFE, 0xFF], [0xFF, 0xFE, 0, 0], [0xEF, 0xBB, 0xBF], [0xFF, 0xFE, 0x41]] {
            for format in DocumentFormat.allCases { _ = try? S.read(bytes: bytes, format) }
        }
        let utf32: [UInt8] = [0xFF, 0xFE, 0, 0] + "Été\n\nsoleil".unicodeScalars.flatMap { scalar in
            (0..<4).map { UInt8((scalar.value >> (8 * $0)) & 0xFF) }
        }
        let wide = try S.read(bytes: utf32, .text)
        #expect(wide.documents.first?.title == "Été")
        #expect(wide.encoding == TextEncoding(name: "UTF-32LE", source: .byteOrderMark))
        // UTF-8 cut in the middle of a character, and a lone lead byte.
        for cut in [Array("Café".utf8.dropLast()), Array("日本".utf8.dropLast(2)), [0xE3], [0xF0, 0x9F]] {
            for format in DocumentFormat.allCases {
                let read = try? S.read(bytes: Array("Titre ".utf8) + cut, format)
                if let read, format == .text { #expect(read.documents.first?.title.hasPrefix("Titre") == true) }
            }
        }
    }

    @Test func utf8Validation() {
        func valid(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer { EncodingDetection.isValidUTF8($0) } }
        #expect(valid(Array("plain ASCII text that is longer than eight bytes".utf8)))
        #expect(valid(Array("Grüße 日本 🙂 at the end".utf8)))
        #expect(!valid([0xC0, 0x80]))           // overlong
        #expect(!valid([0xED, 0xA0, 0x80]))     // surrogate
        #expect(!valid([0xF4, 0x90, 0x80, 0x80])) // beyond U+10FFFF
        #expect(!valid([0xE0, 0x80, 0x80]))     // overlong
        #expect(!valid(Array("abcdefgh".utf8) + [0xE9]))
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...12, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let swift = String(decoding: bytes, as: UTF8.self).utf8.elementsEqual(bytes)
            #expect(valid(bytes) == swift, "\(bytes)")
        }
    }
}
