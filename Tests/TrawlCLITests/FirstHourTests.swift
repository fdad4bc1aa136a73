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
}
