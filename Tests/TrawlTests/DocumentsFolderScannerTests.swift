import Foundation
import Testing
@testable import Trawl

@Suite struct DocumentsFolderScannerTests {
    typealias S = DocumentsTestSupport

    @Test func nestedFoldersHiddenFilesAndSkippedTypes() throws {
        try S.withTemporaryFolder { root in
            try S.write("Top\nbody", to: "b.txt", in: root)
            try S.write("# MD", to: "a/notes.md", in: root)
            try S.write("<p>x</p>", to: "a/deep/er/page.HTML", in: root)
            try S.write("{\"id\": 1}", to: "a-b/data.jsonl", in: root)
            try S.write("[]", to: "a-b/list.json", in: root)
            try S.write("hidden", to: ".hidden.txt", in: root)
            try S.write("hidden", to: ".git/config.txt", in: root)
            try S.write("hidden", to: "a/.cache/x.txt", in: root)
            try S.write(bytes: [0x89, 0x50, 0x4E, 0x47, 0, 0], to: "a/photo.png", in: root)
            try S.write("zip", to: "archive.tar.gz", in: root)
            try S.write("Subject: Hi\n\nmail", to: "news/38753", in: root)
            try S.write(bytes: [0x7F, 0x45, 0x4C, 0x46, 0, 0, 0], to: "bin/program", in: root)
            try S.write("", to: "empty", in: root)
            try S.write("<!doctype html><p>x", to: "page", in: root)
            try S.write("index data", to: "myindex/segment.txt", in: root)

            let result = try FolderScanner(excluding: [root + "/myindex"]).scan(root)
            #expect(result.files.map(\.relativePath) == [
                "a-b/data.jsonl", "a-b/list.json", "a/deep/er/page.HTML", "a/notes.md", "b.txt", "empty",
                "news/38753", "page",
            ])
            #expect(result.files.map(\.format) == [.jsonLines, .json, .html, .markdown, .text, .text, .text, .html])
            #expect(result.skipped == [
                SkippedFile(relativePath: "a/photo.png", reason: .unsupportedType),
                SkippedFile(relativePath: "archive.tar.gz", reason: .unsupportedType),
                SkippedFile(relativePath: "bin/program", reason: .binaryContent),
            ])
            #expect(result.warnings.isEmpty)

            let b = try #require(result.files.first { $0.relativePath == "b.txt" })
            #expect(b.size == 8)
            #expect(b.path == root + "/b.txt")
            let attributes = try FileManager.default.attributesOfItem(atPath: root + "/b.txt")
            let modified = try #require(attributes[.modificationDate] as? Date)
            #expect(abs(Double(b.modificationTimeNanoseconds) / 1e9 - modified.timeIntervalSince1970) < 0.001)

            // Every found file reads.
            let reader = DocumentReader()
            for file in result.files {
                _ = try reader.read(file)
            }
            #expect(try reader.read(result.files[6]).documents.first?.title == "Hi")
        }
    }

    @Test func symbolicLinks() throws {
        try S.withTemporaryFolder { root in
            try S.write("real", to: "docs/real.txt", in: root)
            let fm = FileManager.default
            // A loop back to the root, a second way into docs, a link to a file, a broken link.
            try fm.createSymbolicLink(atPath: root + "/docs/loop", withDestinationPath: root)
            try fm.createSymbolicLink(atPath: root + "/zdocs", withDestinationPath: "docs")
            try fm.createSymbolicLink(atPath: root + "/alias.txt", withDestinationPath: "docs/real.txt")
            try fm.createSymbolicLink(atPath: root + "/broken.txt", withDestinationPath: "missing.txt")

            let result = try FolderScanner().scan(root)
            #expect(result.files.map(\.relativePath) == ["alias.txt", "docs/real.txt"])
            #expect(result.skipped.map(\.relativePath) == ["broken.txt", "docs/loop", "zdocs"])
            #expect(result.skipped.map(\.reason) == [.brokenSymbolicLink, .repeatedFolder, .repeatedFolder])
            #expect(try DocumentReader().read(result.files[0]).documents.first?.title == "real")
        }
    }

    @Test func unusualFileNames() throws {
        try S.withTemporaryFolder { root in
            try S.write("Newline title\nbody", to: "line\nbreak.txt", in: root)
            try S.write("Spaces", to: "with space é.md", in: root)
            let rawName: [UInt8] = Array(root.utf8) + Array("/bad".utf8) + [0xFF, 0xFE] + Array(".txt".utf8)
            #expect(S.write(bytes: Array("Latin title\nx".utf8), toRawPath: rawName))

            let result = try FolderScanner().scan(root)
            #expect(result.files.map(\.relativePath) == ["bad%FF%FE.txt", "line\nbreak.txt", "with space é.md"])
            let reader = DocumentReader()
            let bad = try reader.read(result.files[0])
            #expect(bad.documents.first?.id == "bad%FF%FE.txt")
            #expect(bad.documents.first?.title == "Latin title")
            #expect(try reader.read(result.files[1]).documents.first?.title == "Newline title")
        }
    }

    @Test func singleFileRootAndErrors() throws {
        try S.withTemporaryFolder { root in
            try S.write("One\ntwo", to: "only.txt", in: root)
            let single = try FolderScanner().scan(root + "/only.txt")
            #expect(single.files.map(\.relativePath) == ["only.txt"])
            #expect(single.files.first?.pathBytes == Array((root + "/only.txt").utf8))

            let trailingSlash = try FolderScanner().scan(root + "/")
            #expect(trailingSlash.files.map(\.relativePath) == ["only.txt"])

            try S.write("x", to: "pic.jpg", in: root)
            let unsupported = try FolderScanner().scan(root + "/pic.jpg")
            #expect(unsupported.files.isEmpty)
            #expect(unsupported.skipped.map(\.reason) == [.unsupportedType])

            let missing = #expect(throws: TrawlError.self) { try FolderScanner().scan(root + "/nowhere") }
            #expect(missing?.code == .io)
            #expect(missing?.path == root + "/nowhere")
        }
    }

    @Test(.enabled(if: getuid() != 0, "root can read every folder"))
    func unreadableFolderIsAWarning() throws {
        try S.withTemporaryFolder { root in
            try S.write("x", to: "locked/a.txt", in: root)
            try S.write("y", to: "open/b.txt", in: root)
            chmod(root + "/locked", 0)
            defer { chmod(root + "/locked", 0o755) }
            let result = try FolderScanner().scan(root)
            #expect(result.files.map(\.relativePath) == ["open/b.txt"])
            #expect(result.warnings.count == 1)
            #expect(result.warnings.first?.path == "locked")
            #expect(result.warnings.first?.code == .io)
        }
    }

    @Test func specialFilesAreSkipped() throws {
        try S.withTemporaryFolder { root in
            #expect(mkfifo(root + "/pipe.txt", 0o644) == 0)
            let result = try FolderScanner().scan(root)
            #expect(result.files.isEmpty)
            #expect(result.skipped == [SkippedFile(relativePath: "pipe.txt", reason: .notRegularFile)])
            // Reading it directly does not block.
            let error = #expect(throws: TrawlError.self) {
                try DocumentReader().read(fileAt: root + "/pipe.txt", relativePath: "pipe.txt")
            }
            #expect(error?.code == .documentUnreadable)
        }
    }
}
