import Foundation
import Testing
@testable import Trawl

/// The fields ``FolderIndexer`` derives from each file: path, folder, ext, size, modified.
@Suite struct FolderDerivedFieldReaderTests {
    typealias S = DocumentsTestSupport

    static let files: [(path: String, text: String)] = [
        ("top.txt", "Top\n\nA note in the root.\n"),
        ("world/storm.md", "---\ntitle: Storm\nsize: 12\nPath: elsewhere\nrating: 4\n---\nRain fell.\n"),
        ("data/records.jsonl", "{\"id\": \"r1\", \"body\": \"one\", \"ext\": \"x\"}\n{\"id\": \"r2\", \"body\": \"two\", \"ext\": \"y\"}\n"),
        ("notes/README", "Readme\n\nNo extension here.\n"),
        ("a/b/Deep.HTML", "<html><head><title>Deep</title><meta name=\"folder\" content=\"z\"></head><body><p>Deep text.</p></body></html>"),
    ]

    /// 2024-03-01T10:00:00.75Z: the fraction is dropped.
    static let stormTime = Date(timeIntervalSince1970: 1_709_287_200.75)

    func makeFolder(_ root: String) throws {
        for file in Self.files { try S.write(file.text, to: file.path, in: root) }
        try FileManager.default.setAttributes([.modificationDate: Self.stormTime], ofItemAtPath: root + "/world/storm.md")
    }

    /// The file's modification time in whole seconds, as the file system reports it.
    func modificationSeconds(_ path: String) throws -> Int64 {
        let date = try #require(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
        return Int64(date.timeIntervalSince1970.rounded(.down))
    }

    @Test func derivedValuesOfEachFile() throws {
        try S.withTemporaryFolder { root in
            try makeFolder(root)
            let scan = try FolderScanner().scan(root)
            let byPath = Dictionary(uniqueKeysWithValues: scan.files.map { ($0.relativePath, $0) })
            #expect(byPath.keys.sorted() == Self.files.map(\.path).sorted())
            for file in Self.files {
                let scanned = try #require(byPath[file.path])
                let fields = FolderIndexer.derivedFields(of: scanned)
                let seconds = try modificationSeconds(root + "/" + file.path)
                var expected: [String: FieldValue] = [
                    "path": .string(file.path),
                    "size": .integer(Int64(file.text.utf8.count)),
                    "modified": .date(DocumentDate(secondsSinceEpoch: seconds, precision: .second)),
                ]
                let components = file.path.split(separator: "/")
                if components.count > 1 { expected["folder"] = .string(String(components[0])) }
                switch file.path {
                case "top.txt": expected["ext"] = "txt"
                case "world/storm.md": expected["ext"] = "md"
                case "data/records.jsonl": expected["ext"] = "jsonl"
                case "a/b/Deep.HTML": expected["ext"] = "html"
                default: break
                }
                #expect(fields == expected, "\(file.path)")
            }
            let storm = try #require(byPath["world/storm.md"])
            #expect(FolderIndexer.derivedFields(of: storm)["modified"]
                == .date(DocumentDate(secondsSinceEpoch: 1_709_287_200, precision: .second)))
        }
    }

    @Test func timesBeforeNineteenSeventyRoundDown() {
        let file = ScannedFile(relativePath: ".profile", pathBytes: [], size: 0, modificationTimeNanoseconds: -1_500_000_000,
                               format: .text)
        #expect(FolderIndexer.derivedFields(of: file) == [
            "path": ".profile", "size": .integer(0),
            "modified": .date(DocumentDate(secondsSinceEpoch: -2, precision: .second)),
        ])
        let trailingDot = ScannedFile(relativePath: "x/name.", pathBytes: [], size: 3, modificationTimeNanoseconds: 2_000_000_000,
                                      format: .text)
        #expect(FolderIndexer.derivedFields(of: trailingDot)["ext"] == nil)
        #expect(FolderIndexer.derivedFields(of: trailingDot)["folder"] == "x")
    }

    @Test func indexedDocumentsCarryThemAndOwnFieldsOfTheSameNameAreReplaced() throws {
        try S.withTemporaryFolder { root in
            try makeFolder(root + "/docs")
            var options = IndexWriterOptions()
            options.durable = false
            let writer = try IndexWriter(path: root + "/index", options: options)
            let summary = try FolderIndexer(writer: writer).run(paths: [root + "/docs"])
            writer.close()
            #expect(summary.documents == 6)
            // One warning per file whose documents had such fields, however many documents.
            let replaced = summary.problems.filter { $0.contains("taken by a field derived from the file") }
            #expect(replaced.count == 3, "\(summary.problems)")
            #expect(replaced.contains { $0.contains("world/storm.md") && $0.contains("\"Path\", \"size\"") })
            #expect(replaced.contains { $0.contains("data/records.jsonl") && $0.contains("\"ext\"") })
            #expect(replaced.contains { $0.contains("a/b/Deep.HTML") && $0.contains("\"folder\"") })

            let reader = try IndexReader(path: root + "/index")
            let hits = try reader.search(SearchRequest(query: .matchAll, limit: 100)).hits
            let byID = Dictionary(uniqueKeysWithValues: hits.map { ($0.id, $0.fields) })
            let storm = try #require(byID["world/storm.md"])
            #expect(storm["path"] == .strings(["world/storm.md"]))
            #expect(storm["folder"] == .strings(["world"]))
            #expect(storm["ext"] == .strings(["md"]))
            #expect(storm["size"] == .integer(Int64(Self.files[1].text.utf8.count)))
            #expect(storm["modified"]?.description == "2024-03-01T10:00:00Z")
            #expect(storm["rating"] == .integer(4))
            #expect(storm["Path"] == nil)
            for id in ["r1", "r2"] {
                let record = try #require(byID[id])
                #expect(record["path"] == .strings(["data/records.jsonl"]))
                #expect(record["ext"] == .strings(["jsonl"]))
                #expect(record["folder"] == .strings(["data"]))
            }
            #expect(byID["top.txt"]?["folder"] == nil)
            #expect(byID["notes/README"]?["ext"] == nil)
            #expect(byID["a/b/Deep.HTML"]?["folder"] == .strings(["a"]))
        }
    }
}
