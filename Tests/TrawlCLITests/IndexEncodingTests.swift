import Foundation
import Testing

/// `trawl index` on files that are not UTF-8: `--verbose` lines, the `encodings` of `--json`,
/// and `--encoding`.
@Suite struct IndexEncodingTests {
    /// "Café crème brûlée" and more French, in ISO-8859-1 (every accented letter is one byte).
    static let latin1: [UInt8] = {
        let text = """
            Café crème et brûlée

            Le café crème est servi chaud dans les brasseries de la ville. Élodie préfère la crème \
            brûlée, mais son frère aime les gâteaux à la française. Après le déjeuner, nous sommes \
            allés à la pâtisserie où l'on vend des éclairs, des madeleines et des crêpes.
            """
        return text.unicodeScalars.map { UInt8($0.value) }
    }()

    func folder(with files: [String: [UInt8]]) throws -> String {
        let folder = temporaryFolder("trawl-encoding")
        try FileManager.default.createDirectory(atPath: folder + "/notes", withIntermediateDirectories: true)
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: folder + "/notes/" + name)) }
        return folder
    }

    @Test func verboseAndJSONReportTheEncoding() throws {
        let folder = try folder(with: ["old.txt": Self.latin1, "new.txt": Array("Plain\n\nUTF-8 café".utf8)])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let verbose = trawl(["index", "-v", "--index", folder + "/index", "notes"], in: folder)
        #expect(verbose.status == 0, "\(verbose)")
        let lines = verbose.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(verbose)")
        let line = try #require(lines.first)
        #expect(line.hasPrefix("old.txt: decoded as ISO-8859-1 (confidence "), "\(line)")

        let search = trawl(["search", "--json", "--index", folder + "/index", "brûlée"], in: folder)
        let hits = try #require(try search.jsonObject()["hits"] as? [[String: Any]])
        #expect(hits.map { $0["id"] as? String } == ["old.txt"])
        #expect(hits.first?["title"] as? String == "Café crème et brûlée")

        try FileManager.default.removeItem(atPath: folder + "/index")
        let json = trawl(["index", "--json", "--index", folder + "/index", "notes"], in: folder)
        #expect(json.status == 0, "\(json)")
        let encodings = try #require(try json.jsonObject()["encodings"] as? [[String: Any]])
        #expect(encodings.count == 1)
        #expect(encodings.first?["path"] as? String == "old.txt")
        #expect(encodings.first?["encoding"] as? String == "ISO-8859-1")
        #expect(encodings.first?["source"] as? String == "detected")
        #expect((encodings.first?["confidence"] as? Int ?? 0) >= 10)
        #expect(encodings.first?["replacements"] as? Int == 0)
        #expect(json.stderr.isEmpty, "\(json)")
    }

    @Test func encodingForcesOneCharset() throws {
        let folder = try folder(with: ["old.txt": Self.latin1])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Forced to KOI8-R, the accented letters become Cyrillic ones: é (0xE9) is И.
        let forced = trawl(["index", "--json", "--encoding", "koi8-r", "--index", folder + "/index", "notes"], in: folder)
        #expect(forced.status == 0, "\(forced)")
        let encodings = try #require(try forced.jsonObject()["encodings"] as? [[String: Any]])
        #expect(encodings.first?["encoding"] as? String == "KOI8-R")
        #expect(encodings.first?["source"] as? String == "forced")
        #expect(encodings.first?["confidence"] is NSNull)
        let search = trawl(["search", "--json", "--index", folder + "/index", "brûlée"], in: folder)
        #expect(search.status == 1, "\(search)")
        let cyrillic = trawl(["search", "--json", "--index", folder + "/index", "cafИ"], in: folder)
        #expect(cyrillic.status == 0, "\(cyrillic)")

        let verbose = trawl(["index", "--verbose", "--encoding", "latin1", "--index", folder + "/other", "notes"], in: folder)
        #expect(verbose.stderr == "old.txt: decoded as ISO-8859-1 (forced)\n", "\(verbose)")
    }

    @Test func unknownEncodingIsAUsageError() throws {
        let folder = try folder(with: ["old.txt": Self.latin1])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = trawl(["index", "--encoding", "klingon-7", "--index", folder + "/index", "notes"], in: folder)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("unknown encoding 'klingon-7'"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/index"))
        let json = trawl(["index", "--json", "--encoding", "klingon-7", "--index", folder + "/index", "notes"], in: folder)
        let error = try #require(try json.jsonObject()["error"] as? [String: Any])
        #expect(error["code"] as? String == "usage")
        #expect(error["exit_code"] as? Int == 2)
    }

    @Test func undecodableFileIsAProblem() throws {
        var junk: [UInt8] = []
        for i in 0..<64 { junk += [0xC0 + UInt8(i % 0x20), 0xFF, 0x81, 0xFE] }
        let folder = try folder(with: ["junk.txt": junk])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = trawl(["index", "--json", "--index", folder + "/index", "notes"], in: folder)
        #expect(result.status == 0, "\(result)")
        let object = try result.jsonObject()
        let problems = try #require(object["problems"] as? [String])
        #expect(problems.contains { $0.contains("junk.txt") && $0.contains("U+FFFD") }, "\(problems)")
        #expect(result.stderr.contains("junk.txt"))
        let encodings = try #require(object["encodings"] as? [[String: Any]])
        #expect(encodings.first?["path"] as? String == "junk.txt")
        #expect((encodings.first?["replacements"] as? Int ?? 0) > 0)
    }
}
