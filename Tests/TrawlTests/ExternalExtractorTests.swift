import Foundation
import Testing
@testable import Trawl

private typealias S = DocumentsTestSupport

/// External extractors run as real processes: output read as text, timeouts, failures, output
/// caps, file names that a shell would interpret, and the setting recorded in the commit.
@Suite struct ExternalExtractorTests {
    @Test func specificationsSplitIntoWordsWithoutInterpretation() throws {
        let extractor = try ExternalExtractor(specification: " .RTF = unrtf --text '{}' \"a b\" c\\ d ")
        #expect(extractor.fileExtension == "rtf")
        #expect(extractor.arguments == ["unrtf", "--text", "{}", "a b", "c d"])
        #expect(extractor.arguments(forPath: "/x/$(rm -rf ~) 'q'.rtf")
                == ["unrtf", "--text", "/x/$(rm -rf ~) 'q'.rtf", "a b", "c d"])
        #expect(try ExternalExtractor(specification: "doc=antiword").arguments(forPath: "/f.doc") == ["antiword", "/f.doc"])
        #expect(try ExternalExtractor(specification: "x=tool --in={}").arguments(forPath: "/a b") == ["tool", "--in=/a b"])
        for bad in ["rtf", "=cat {}", "rtf=", "rtf=cat '{}", "a.b=cat", "rtf=cat \\"] {
            #expect(throws: TrawlError.self, "\(bad)") { try ExternalExtractor(specification: bad) }
        }
        let recorded = ExtractorSettings.merged(recorded: [try ExternalExtractor(specification: "rtf=old {}"),
                                                           try ExternalExtractor(specification: "doc=antiword {}")],
                                                given: [try ExternalExtractor(specification: "rtf=new {}")])
        #expect(recorded.map(\.description) == ["doc=antiword {}", "rtf=new {}"])
        let userData = [ExtractorSettings.userDataKey: ExtractorSettings.userDataValue(recorded)]
        #expect(ExtractorSettings.recorded(in: userData) == recorded)
    }

    /// A script in `folder` that runs `body` under /bin/sh; its path.
    static func script(_ name: String, _ body: String, in folder: String) throws -> String {
        let path = folder + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        guard chmod(path, 0o755) == 0 else { throw TrawlError(.io, "chmod failed") }
        return path
    }

    @Test func processesTimeOutFailAndAreCapped() throws {
        try S.withTemporaryFolder { root in
            try S.write("plain words", to: "file.txt", in: root)
            let file = root + "/file.txt"
            var settings = ExtractorSettings(timeout: 1)
            func run(_ command: String) throws(TrawlError) -> [UInt8] {
                try ExtractorProcess.run(try ExternalExtractor(fileExtension: "txt", command: command), path: file,
                                         relativePath: "file.txt", settings: settings)
            }
            #expect(try run("cat {}") == Array("plain words".utf8))
            // Sleeps past the timeout (in a child process of the script too): killed, typed error.
            let sleeper = try Self.script("sleeper.sh", "sleep 30 & wait", in: root)
            let started = Date()
            do throws(TrawlError) {
                _ = try run("'\(sleeper)' {}")
                Issue.record("a command past its timeout must fail")
            } catch {
                #expect(error.code == .documentUnreadable && error.message.contains("longer than 1 seconds"))
                #expect(error.path == "file.txt")
            }
            #expect(Date().timeIntervalSince(started) < 25, "killed long before the sleep ends")
            // Closes its output, then keeps running.
            let lingerer = try Self.script("lingerer.sh", "echo early; exec >&- 2>&-; sleep 30", in: root)
            #expect(throws: TrawlError.self) { try run("'\(lingerer)'") }
            // Fails: the status and its standard error are in the error.
            let failing = try Self.script("failing.sh", "echo 'cannot parse this file' >&2; exit 3", in: root)
            do throws(TrawlError) {
                _ = try run("'\(failing)' {}")
                Issue.record("a failing command must fail the file")
            } catch {
                #expect(error.message.contains("exit status 3"))
                #expect(error.underlying == "cannot parse this file")
            }
            // A program that does not exist.
            #expect(throws: TrawlError.self) { try run("no-such-program-\(UInt32.random(in: 0...UInt32.max)) {}") }
            // Output beyond the cap stops the command.
            settings.maximumOutputSize = 1000
            let chatty = try Self.script("chatty.sh", "yes 'spam spam spam'", in: root)
            do throws(TrawlError) {
                _ = try run("'\(chatty)'")
                Issue.record("output beyond the cap must fail")
            } catch {
                #expect(error.message.contains("more than the limit of 1000 bytes"))
            }
        }
    }

    @Test func foldersIndexThroughExtractorsRecordedInTheCommit() throws {
        try S.withTemporaryFolder { root in
            let docs = root + "/docs"
            // A file name a shell would expand: spaces, quotes, $(...) and a backtick.
            let hostile = "notes $(touch pwned) 'it''s' `id`.rtf"
            try S.write("Extracted Title\nThe quick extraction of walrus text.", to: hostile, in: docs)
            try S.write("Second\nnarwhal tusks", to: "sub/second.rtf", in: docs)
            try S.write("ignored", to: "broken.bad", in: docs)
            let failing = try Self.script("failing.sh", "echo 'no way' >&2; exit 1", in: root)
            var options = FolderIndexer.Options()
            options.extractors.extractors = [try ExternalExtractor(specification: "rtf=cat -- {}"),
                                             try ExternalExtractor(specification: "bad='\(failing)' {}")]
            var writerOptions = IndexWriterOptions()
            writerOptions.durable = false
            do {
                let writer = try IndexWriter(path: root + "/index", options: writerOptions)
                let summary = try FolderIndexer(writer: writer, options: options).run(paths: [docs])
                writer.close()
                #expect(summary.documents == 2)
                #expect(summary.failed == 1)
                #expect(summary.problems.count == 1 && summary.problems[0].contains("broken.bad")
                        && summary.problems[0].contains("no way"))
            }
            #expect(!FileManager.default.fileExists(atPath: docs + "/pwned"), "the file name was never run by a shell")
            #expect(!FileManager.default.fileExists(atPath: root + "/pwned"))
            let reader = try IndexReader(path: root + "/index")
            let walrus = try #require(try reader.search("walrus").hits.first)
            #expect(walrus.id == hostile && walrus.title == "Extracted Title")
            #expect(try reader.search("narwhal").hits.map(\.id) == ["sub/second.rtf"])
            #expect(reader.userData[ExtractorSettings.userDataKey] == "bad='\(failing)' {}\nrtf=cat -- {}")

            // A later run without options uses the recorded extractors: a new .rtf file is read.
            try S.write("Third\nbeluga song", to: "third.rtf", in: docs)
            let writer = try IndexWriter(path: root + "/index", options: writerOptions)
            let summary = try FolderIndexer(writer: writer).run(paths: [docs])
            writer.close()
            #expect(summary.added == 1 && summary.unchanged == 2 && summary.deleted == 0)
            #expect(try IndexReader(path: root + "/index").search("beluga").hits.map(\.id) == ["third.rtf"])
        }
    }
}
