import Foundation
import Testing

/// Small things a new user meets: a re-run that changes nothing says so, and every message
/// after `trawl:` starts in lower case.
@Suite struct FirstHourTests {
    @Test func aRunThatChangesNothingSaysSo() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/notes", withIntermediateDirectories: true)
        for i in 0..<3 { try "Note \(i)\nbody \(i)".write(toFile: folder + "/notes/\(i).txt", atomically: true, encoding: .utf8) }
        let first = trawl(["index", "notes"], in: folder)
        #expect(first.status == 0 && first.stdout.contains("3 added"), "\(first)")
        let again = trawl(["index", "notes"], in: folder)
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.hasPrefix("Nothing changed (3 files checked in "), "\(again)")
        #expect(again.stdout.contains("; 3 documents in ./index"), "\(again)")
    }

    @Test func messagesAfterThePrefixStartInLowerCase() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/notes", withIntermediateDirectories: true)
        try "{\"id\": ".write(toFile: folder + "/notes/broken.json", atomically: true, encoding: .utf8)
        try Data([0x00, 0x01, 0x02, 0xFF, 0x00]).write(to: URL(fileURLWithPath: folder + "/notes/binary.txt"))
        let result = trawl(["index", "notes"], in: folder)
        #expect(result.status == 1, "\(result)")
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("trawl: ") }
        #expect(lines.count >= 1, "\(result)")
        for line in lines {
            let first = line.dropFirst("trawl: ".count).first
            #expect(first?.isLowercase == true, "\(line)")
        }
    }

    /// The date range prints its two ends alike: days when both are days, else timestamps.
    @Test func statsPrintsDatesOneWay() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/notes", withIntermediateDirectories: true)
        func note(_ name: String, _ date: String) throws {
            try "---\ntitle: \(name)\ndate: \(date)\n---\nbody".write(toFile: folder + "/notes/\(name).md", atomically: true, encoding: .utf8)
        }
        try note("day", "2024-03-05")
        try note("other", "2024-04-01")
        #expect(trawl(["index", "notes"], in: folder).status == 0)
        #expect(trawl(["stats"], in: folder).stdout.contains("Dates       2024-03-05 … 2024-04-01\n"))
        let days = try #require(try trawl(["stats", "--json"], in: folder).jsonObject()["date_range"] as? [String: String])
        #expect(days == ["from": "2024-03-05", "to": "2024-04-01"])

        try note("moment", "2024-06-01T14:30:00Z")
        #expect(trawl(["index", "notes"], in: folder).status == 0)
        let text = trawl(["stats"], in: folder)
        #expect(text.stdout.contains("Dates       2024-03-05T00:00:00Z … 2024-06-01T14:30:00Z\n"), "\(text)")
        let moments = try #require(try trawl(["stats", "--json"], in: folder).jsonObject()["date_range"] as? [String: String])
        #expect(moments == ["from": "2024-03-05T00:00:00Z", "to": "2024-06-01T14:30:00Z"])
    }

    /// The first `trawl index` of a folder makes generation 1, the next change generation 2.
    @Test func aFirstIndexIsGenerationOne() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/notes", withIntermediateDirectories: true)
        try "Note\nbody".write(toFile: folder + "/notes/a.txt", atomically: true, encoding: .utf8)
        #expect(trawl(["index", "notes"], in: folder).status == 0)
        let stats = trawl(["stats"], in: folder)
        #expect(stats.stdout.hasPrefix("Index       ./index (generation 1)\n"), "\(stats)")
        #expect(try trawl(["stats", "--json"], in: folder).jsonObject()["generation"] as? Int == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/index").filter { $0.hasPrefix("commit_") } == ["commit_1"])

        try "Another\nbody".write(toFile: folder + "/notes/b.txt", atomically: true, encoding: .utf8)
        #expect(trawl(["index", "notes"], in: folder).status == 0)
        #expect(try trawl(["stats", "--json"], in: folder).jsonObject()["generation"] as? Int == 2)

        // An empty folder still makes an (empty) index, generation 1.
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        #expect(trawl(["index", "--index", "other", "empty"], in: folder).status == 0)
        let empty = try trawl(["stats", "--json", "--index", "other"], in: folder).jsonObject()
        #expect(empty["generation"] as? Int == 1 && empty["documents"] as? Int == 0, "\(empty)")
    }
}
