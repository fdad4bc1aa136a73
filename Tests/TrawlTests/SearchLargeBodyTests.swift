import Testing
@testable import Trawl

/// Large bodies are stored in chunks; a snippet reads only the chunks around the best matches.
/// Every expectation here is computed from the generated text itself (where the rare words
/// were put, which line they are on), never written down by hand.
@Suite struct SearchLargeBodyTests {
    /// Generated lines of common words; `rare` words are appended to the given lines.
    static func body(lines: Int, seed: UInt64, rare: [Int: String]) -> String {
        var random = SeededGenerator(seed: seed)
        let words = ["market", "price", "trade", "company", "bank", "share", "rate", "growth", "report", "export",
                     "the", "of", "naïve", "café", "2024"]
        var out: [String] = []
        out.reserveCapacity(lines)
        for line in 0..<lines {
            let count = 4 + Int(random.next() % 14)
            var text = (0..<count).map { _ in words[Int(random.next() % UInt64(words.count))] }.joined(separator: " ")
            if let word = rare[line] { text += " " + word }
            // Some long lines without spaces, so chunk cuts also happen at character boundaries.
            if random.next() % 97 == 0 { text += " " + String(repeating: "é", count: 700) }
            out.append(text)
        }
        return out.joined(separator: "\n")
    }

    static func options() -> IndexWriterOptions {
        var options = IndexWriterOptions()
        options.durable = false
        options.threads = 2
        return options
    }

    @Test func chunkFirstPositionsAgreeWithTheAnalyzer() throws {
        let text = Self.body(lines: 9_000, seed: 11, rare: [:])
        let analysis = try DocumentAnalysis(configuration: .english, storeBody: true)
        let analyzed = analysis.analyze(Document(id: "big", body: text), metadata: DocumentMetadata())
        let chunks = analyzed.stored.bodyChunks
        #expect(chunks.count > 4)
        let bytes = Array(text.utf8)
        let tokens = try Analyzer(.english).analyze(utf8: bytes)
        for (i, chunk) in chunks.enumerated() {
            // Every cut is at a character boundary, and after a space when one is near.
            #expect(chunk.start == 0 || bytes[chunk.start] & 0xC0 != 0x80)
            let end = i + 1 < chunks.count ? chunks[i + 1].start : bytes.count
            if let first = tokens.first(where: { $0.start >= chunk.start && $0.start < end }) {
                #expect(chunk.firstPosition == first.position, "chunk \(i)")
            }
            #expect(chunk.linesBefore == bytes[..<chunk.start].filter { $0 == 0x0A }.count)
        }
    }

    @Test func snippetOfAHugeBodyShowsTheMatchAndItsLine() throws {
        let lines = 12_000
        let rareLine = 8_765
        var text = Self.body(lines: lines, seed: 3, rare: [rareLine: "zeppelin walrus", 20: "walrus", 11_000: "zeppelin"])
        text += "\nlast words"
        #expect(text.utf8.count > 4 * BodyChunking.threshold)
        let directory = MemoryDirectory()
        let writer = try IndexWriter(directory: directory, lock: nil, options: Self.options())
        var big = Document(id: "big.txt", title: "Big", body: text)
        big.bodyLine = 3
        try writer.add(big)
        var small = Document(id: "small.txt", title: "Small", body: "one line\nzeppelin here")
        small.bodyLine = 2
        try writer.add(small)
        try writer.commit()

        func check(_ reader: IndexReader) throws {
            // The passage with both words wins over lines holding only one of them.
            let results = try reader.search("zeppelin OR walrus", limit: 10)
            let hit = try #require(results.hits.first { $0.id == "big.txt" })
            let snippet = try #require(hit.snippet)
            let marked = snippet.highlights.map { String(decoding: Array(snippet.text.utf8)[$0], as: UTF8.self) }
            #expect(marked.contains("zeppelin") && marked.contains("walrus"), "\(snippet.text)")
            #expect(snippet.text.hasPrefix("… ") && snippet.text.hasSuffix(" …"))
            #expect(hit.line == 3 + rareLine)
            let smallHit = try #require(results.hits.first { $0.id == "small.txt" })
            #expect(smallHit.line == 3)
            // Stored fields read the whole body back.
            #expect(try reader.document(id: "big.txt")?.body == text)
            // A query matching nothing in the body shows its start.
            let titleOnly = try #require(try reader.search("title:big").hits.first)
            #expect(titleOnly.line == 3)
            #expect(titleOnly.snippet.map { !$0.text.hasPrefix("…") } == true)
        }
        try check(try IndexReader(directory: directory))
        // Merging copies the chunks: the same answers from one merged segment.
        try writer.add(Document(id: "other", body: "filler"))
        try writer.commit()
        try writer.optimize()
        let merged = try IndexReader(directory: directory)
        #expect(merged.segments.count == 1)
        try check(merged)
        #expect(merged.check().problems.isEmpty)
        writer.close()
    }

    /// Rare words anywhere in a huge body, on lines of very different lengths (so the place
    /// estimated from a chunk's word density is often off): each hit's snippet marks its word
    /// and gives its line.
    @Test func everyRareWordIsFoundWhereverItIs() throws {
        let lines = 20_000
        let rareWords = (0..<24).map { i in (line: (i * 7_919 + 13) % lines, word: "rare\(String(UnicodeScalar(UInt8(97 + i))))word") }
        var rare: [Int: String] = [:]
        for entry in rareWords { rare[entry.line] = entry.word }
        let text = Self.body(lines: lines, seed: 29, rare: rare)
        let directory = MemoryDirectory()
        let writer = try IndexWriter(directory: directory, lock: nil, options: Self.options())
        var document = Document(id: "big.txt", title: "Big", body: text)
        document.bodyLine = 1
        try writer.add(document)
        try writer.commit()
        writer.close()
        let reader = try IndexReader(directory: directory)
        for entry in rareWords {
            let hit = try #require(try reader.search(entry.word).hits.first)
            let snippet = try #require(hit.snippet)
            let marked = snippet.highlights.map { String(decoding: Array(snippet.text.utf8)[$0], as: UTF8.self) }
            #expect(marked == [entry.word], "\(entry.word): \(snippet.text)")
            #expect(hit.line == 1 + entry.line, "\(entry.word)")
        }
    }

    @Test func textFilesGiveTheLineOfTheirFirstHighlight() throws {
        let directory = MemoryDirectory()
        let writer = try IndexWriter(directory: directory, lock: nil, options: Self.options())
        let file = "Title line\n\n2024-03-05\n\nfirst body line\nsecond line\n\nthe sanctions were lifted\n"
        var context = ReadContext(relativePath: "notes.txt")
        let documents = TextReader.read(Array(file.utf8), context: &context)
        let document = try #require(documents.first)
        // The body starts on line 5 (after the title, a blank line, the dateline and a blank line).
        #expect(document.bodyLine == 5)
        try writer.add(document)
        try writer.commit()
        let reader = try IndexReader(directory: directory)
        let hit = try #require(try reader.search("sanctions").hits.first)
        let expected = 1 + file.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("sanctions") }!
        #expect(hit.line == expected)
        writer.close()
    }
}

/// A version 2 index (no frames, a date tag where version 3 has flags) opens and searches.
@Suite struct FormatVersion2Tests {
    /// Rewrites every file of `directory` as version 2 wrote it: version field 2, the store
    /// without its (empty) frame index, checksums recomputed.
    static func downgrade(_ directory: MemoryDirectory) throws {
        for name in try directory.fileNames() where name != "write.lock" {
            guard var bytes = directory.contents(of: name), bytes.count >= FileEnvelope.headerSize + FileEnvelope.footerSize else { continue }
            guard bytes[0..<4] == [0x54, 0x52, 0x57, 0x4C] else { continue }
            bytes.replaceSubrange(8..<12, with: [2, 0, 0, 0])
            if name.hasSuffix(".stor") {
                // ... FrameCount (vint 0), IndexOffset (UInt64), FooterMagic, CRC32.
                let frameCount = bytes.count - FileEnvelope.footerSize - 8 - 1
                #expect(bytes[frameCount] == 0)
                bytes.remove(at: frameCount)
            }
            let crc = Checksum.crc32(Array(bytes[0..<(bytes.count - 4)]))
            withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange((bytes.count - 4)..., with: $0) }
            directory.overwrite(name, with: bytes)
        }
    }

    @Test func aVersion2IndexIsReadAndMergedIntoVersion3() throws {
        let directory = MemoryDirectory()
        let documents = generatedDocuments(count: 300, seed: 5)
        do {
            let writer = try IndexWriter(directory: directory, lock: nil, options: SearchLargeBodyTests.options())
            try writer.add(documents)
            try writer.commit()
            writer.close()
        }
        let expected = try IndexReader(directory: directory).search("hx0 OR ix1", limit: 20)
        #expect(expected.hits.count == 20 && expected.hits.allSatisfy { $0.snippet != nil })
        try Self.downgrade(directory)
        let old = try IndexReader(directory: directory)
        #expect(old.check().problems.isEmpty)
        let results = try old.search("hx0 OR ix1", limit: 20)
        #expect(results.hits.map(\.id) == expected.hits.map(\.id))
        #expect(results.hits.map(\.snippet) == expected.hits.map(\.snippet))
        for document in documents.prefix(20) {
            #expect(try old.document(id: document.id)?.body == document.body)
        }
        // New segments and merges write version 3 beside the old files.
        let writer = try IndexWriter(directory: directory, lock: nil, options: SearchLargeBodyTests.options())
        try writer.add(Document(id: "new", body: "hx0 fresh"))
        try writer.commit()
        try writer.optimize()
        writer.close()
        let merged = try IndexReader(directory: directory)
        #expect(merged.check().problems.isEmpty)
        #expect(try merged.document(id: documents[7].id)?.body == documents[7].body)
        #expect(try merged.search("fresh").hits.map(\.id) == ["new"])
    }
}
