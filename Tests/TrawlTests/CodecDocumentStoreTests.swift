import Testing
@testable import Trawl

/// The document store read back through prefix inflation: every document of blocks of many
/// documents (and of chunked large bodies) equals what was written, and damaged block headers
/// are typed errors. (Its name puts it in the AddressSanitizer step of CI, `TrawlTests.Codec`.)
@Suite struct CodecDocumentStoreTests {
    /// Documents of very different sizes, so blocks hold many small ones, a few large ones, and
    /// bodies past the chunking threshold.
    static func documents(seed: UInt64) -> [Document] {
        var random = SeededGenerator(seed: seed)
        let words = ["oil", "crude", "grain", "tanker", "harvest", "ßtraße", "naïve", "東京", "prices", "x"]
        return (0..<400).map { n in
            let size: Int
            switch random.next() % 20 {
            case 0: size = 20_000 + Int(random.next() % 60_000)  // some past 64 KiB: chunked
            case 1, 2: size = 2_000 + Int(random.next() % 8_000)
            default: size = Int(random.next() % 400)
            }
            var body = ""
            while body.utf8.count < size { body += words[Int(random.next() % UInt64(words.count))] + " " }
            return Document(id: "d\(n)", title: "title \(n)", body: body, fields: ["rank": .integer(Int64(n))])
        }
    }

    static func index(_ documents: [Document]) throws -> MemoryDirectory {
        try memoryIndex(documents).directory
    }

    @Test func everyDocumentReadsBackFromItsBlock() throws {
        let documents = Self.documents(seed: 5)
        let reader = try IndexReader(directory: try Self.index(documents))
        #expect(reader.segments.count == 1)
        var order = SeededGenerator(seed: 9)
        for document in documents.shuffled(using: &order) {
            let stored = try #require(try reader.document(id: document.id))
            #expect(stored.body == document.body, "\(document.id)")
            #expect(stored.title == document.title)
            #expect(stored.fields["rank"] == document.fields["rank"])
        }
    }

    /// A damaged length (bytes 28–35, after the file's 28-byte envelope header), zlib header
    /// (36, 37) or first deflate byte of the first block: reading its documents throws
    /// `corruptIndex` or reads what the bytes say, never crashes.
    @Test(arguments: [(28, UInt8(0xFF)), (29, 0x00), (30, 0x7F), (31, 0xFF), (32, 0x01), (33, 0x00), (36, 0x00), (37, 0x00), (37, 0xFF), (38, 0x55)])
    func damagedBlockHeadersAreTypedErrors(offset: Int, value: UInt8) throws {
        let documents = Array(Self.documents(seed: 6).prefix(60))
        let base = try Self.index(documents)
        let name = try #require(try base.fileNames().first { $0.hasSuffix(".stor") })
        var bytes = try #require(base.contents(of: name))
        bytes[offset] = bytes[offset] == value ? value ^ 0x5A : value
        base.overwrite(name, with: bytes)
        let reader: IndexReader
        do throws(TrawlError) {
            reader = try IndexReader(directory: base)
        } catch {
            #expect(error.code == .corruptIndex)
            return
        }
        var failures = 0
        for document in documents {
            do throws(TrawlError) {
                _ = try reader.document(id: document.id)
            } catch {
                #expect(error.code == .corruptIndex, "\(error)")
                failures += 1
            }
        }
        // The zlib header bytes (36, 37: after the two lengths) fail the block outright.
        if offset == 36 || offset == 37 { #expect(failures > 0) }
    }
}
