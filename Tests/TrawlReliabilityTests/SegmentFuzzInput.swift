// Shared by the SegmentReaderFuzz libFuzzer target (Fuzz/build.sh compiles this file into it)
// and by FuzzRegressionTests, which replay the target's findings through the same steps.
@testable import Trawl

/// The input format of SegmentReaderFuzz and what the target does with an input: mutate a copy
/// of a small valid index, then open, check, search, read and (optionally) merge it.
///
/// Input: a flags byte (bit 0: recompute the checksum of every mutated file, so the structural
/// validation behind the checksums is exercised; bit 1: also merge with `optimize()`), then up to
/// 16 records of 12 bytes: file, operation, 2 unused bytes, offset (UInt32), value (UInt32).
enum SegmentFuzzInput {
    /// A small valid index: two segments, deletions, dates, stored bodies, an extra field.
    static let base: MemoryDirectory = {
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.threads = 1
        options.durable = false
        let words = ["oil", "grain", "wheat", "market", "price", "trade", "bank", "rate", "ship", "export", "tanker", "harvest"]
        var state: UInt64 = 42
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        func document(_ i: Int) -> Document {
            let body = (0..<(8 + next() % 40)).map { _ in words[next() % words.count] }.joined(separator: " ")
            return Document(id: "doc\(i)", title: "Item \(i) \(words[next() % words.count])",
                            date: i % 3 == 0 ? nil : DocumentDate(secondsSinceEpoch: 1_500_000_000 + Int64(i) * 86_400, precision: .day),
                            body: body, fields: i % 4 == 0 ? ["author": "Writer \(i % 5)"] : [:])
        }
        do {
            let writer = try IndexWriter(directory: directory, lock: nil, options: options)
            try writer.add((0..<25).map(document))
            try writer.commit()
            try writer.add((25..<40).map(document))
            try writer.delete(id: "doc3")
            try writer.delete(id: "doc30")
            try writer.commit()
            writer.close()
        } catch {
            fatalError("cannot build the base index: \(error)")
        }
        return directory
    }()

    static let names: [String] = (try? base.fileNames()) ?? []

    static let queries: [(String, SearchSort)] = [
        ("oil", .relevance), ("oil AND price", .relevance), ("\"oil price\"", .relevance), ("mark*", .relevance),
        ("title:item -grain", .relevance), ("author:writer OR tanker", .relevance),
        ("date:[2017-01-01 TO 2019-12-31] bank", .relevance), ("harvest OR wheat", .dateDescending),
    ]

    /// Runs `input` and reports what must never happen (an unchanged index that does not open or
    /// is reported damaged, an untyped error) through `failure`. Returns whether the index opened.
    @discardableResult
    static func run(_ input: UnsafeBufferPointer<UInt8>, failure: (String) -> Void) -> Bool {
        guard let flags = input.first, !names.isEmpty else { return false }
        let directory = base.copy()
        var mutated: Set<String> = []
        var at = 1
        var records = 0
        func u32(_ i: Int) -> UInt32 {
            UInt32(input[i]) | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2]) << 16 | UInt32(input[i + 3]) << 24
        }
        while at + 12 <= input.count && records < 16 {
            records += 1
            let name = names[Int(input[at]) % names.count]
            let operation = input[at + 1] % 8
            let offsetValue = u32(at + 4), value = u32(at + 8)
            at += 12
            var bytes = directory.contents(of: name) ?? []
            guard !bytes.isEmpty else { continue }
            mutate(&bytes, operation: operation, offset: Int(offsetValue) % bytes.count, value: value)
            directory.overwrite(name, with: bytes)
            mutated.insert(name)
        }
        if flags & 1 != 0 {
            for name in mutated {
                guard var bytes = directory.contents(of: name), bytes.count >= 8 else { continue }
                let crc = Checksum.crc32(Array(bytes[0..<(bytes.count - 4)]))
                for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
                directory.overwrite(name, with: bytes)
            }
        }
        let unchanged = names.allSatisfy { directory.contents(of: $0) == base.contents(of: $0) }

        let reader: IndexReader
        do throws(TrawlError) {
            reader = try IndexReader(directory: directory)
        } catch {
            if unchanged { failure("the unchanged index does not open: \(error)") }
            return false
        }
        let report = reader.check()
        if unchanged && !report.isHealthy { failure("the unchanged index is reported damaged: \(report.problems)") }
        for (query, sort) in queries {
            do throws(SearchError) {
                let results = try reader.search(query, limit: 20, sort: sort, countTotal: query.count % 2 == 0)
                for hit in results.hits { _ = hit.id.utf8.count + hit.title.utf8.count + (hit.snippet?.text.utf8.count ?? 0) }
            } catch {}
        }
        for id in ["doc0", "doc20", "doc39"] {
            do throws(TrawlError) { _ = try reader.document(id: id) } catch {}
        }
        _ = reader.statistics()
        if flags & 2 != 0 {
            do throws(TrawlError) {
                var options = IndexWriterOptions()
                options.threads = 1
                options.durable = false
                let writer = try IndexWriter(directory: directory, lock: nil, options: options)
                try writer.add(Document(id: "new", title: "New", body: "oil"))
                try writer.delete(id: "doc1")
                try writer.optimize()
                writer.close()
                let merged = try IndexReader(directory: directory)
                _ = merged.check()
                _ = try? merged.search("oil OR grain", limit: 5)
            } catch {}
        }
        return true
    }

    /// One record's damage to a file's bytes (`offset` < `bytes.count`).
    private static func mutate(_ bytes: inout [UInt8], operation: UInt8, offset: Int, value: UInt32) {
        switch operation {
        case 0: bytes[offset] ^= UInt8(truncatingIfNeeded: value) | 1
        case 1: bytes[offset] = UInt8(truncatingIfNeeded: value)
        case 2: bytes.removeSubrange(offset...)
        case 3: bytes.insert(UInt8(truncatingIfNeeded: value), at: offset)
        case 4:
            for i in 0..<4 where offset + i < bytes.count { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
        case 5:
            // A varint written over the bytes.
            var v = value
            var i = offset
            repeat {
                let byte = UInt8(v & 0x7F) | (v >= 0x80 ? 0x80 : 0)
                if i < bytes.count { bytes[i] = byte } else { bytes.append(byte) }
                v >>= 7
                i += 1
            } while v > 0
        case 6: bytes.removeSubrange(offset..<min(bytes.count, offset + Int(value % 64) + 1))
        default:
            let length = min(Int(value % 64) + 1, bytes.count - offset)
            bytes.insert(contentsOf: Array(bytes[offset..<(offset + length)]), at: min(bytes.count, Int(value >> 8) % bytes.count))
        }
    }
}
