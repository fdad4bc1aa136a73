import Foundation
import Testing
@testable import Trawl

/// Inputs that crashed a fuzz target, replayed through the same steps as the target (the
/// mutation logic below mirrors `Fuzz/SegmentReaderFuzz/SegmentReaderFuzz.swift`).
@Suite struct FuzzRegressionTests {
    /// The fuzz target's base index: two segments, deletions, dates, stored bodies, a field.
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
        let writer = try! IndexWriter(directory: directory, lock: nil, options: options)
        try! writer.add((0..<25).map(document))
        try! writer.commit()
        try! writer.add((25..<40).map(document))
        try! writer.delete(id: "doc3")
        try! writer.delete(id: "doc30")
        try! writer.commit()
        writer.close()
        return directory
    }()

    /// Applies a SegmentReaderFuzz input to a copy of the base index, then opens, checks,
    /// searches and (flag bit 1) merges it. Returns whether the reader opened.
    @discardableResult
    static func replaySegmentInput(_ input: [UInt8]) -> Bool {
        guard let flags = input.first else { return false }
        let names = (try? base.fileNames()) ?? []
        let directory = base.copy()
        var mutated: Set<String> = []
        var at = 1, records = 0
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
            let offset = Int(offsetValue) % bytes.count
            switch operation {
            case 0: bytes[offset] ^= UInt8(truncatingIfNeeded: value) | 1
            case 1: bytes[offset] = UInt8(truncatingIfNeeded: value)
            case 2: bytes.removeSubrange(offset...)
            case 3: bytes.insert(UInt8(truncatingIfNeeded: value), at: offset)
            case 4:
                for i in 0..<4 where offset + i < bytes.count { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
            case 5:
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
        let reader: IndexReader
        do throws(TrawlError) { reader = try IndexReader(directory: directory) } catch { return false }
        _ = reader.check()
        probe(reader)
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
                _ = try IndexReader(directory: directory).check()
            } catch {}
        }
        return true
    }

    /// SegmentReaderFuzz findings (base64 of the saved inputs).
    static let segmentFindings: [(String, String)] = [
        // A damaged frequency (checksum recomputed) made the merger allocate 7.8 GB of positions.
        ("merge sized positions by a damaged frequency", "AyYThXN0AQAAbGF0b3RFRUVFRUVvdFdkdFdkb+Bk"),
        // A damaged frequency made a phrase search allocate 16 GB of positions.
        ("phrase search sized positions by a damaged frequency", "8XIpb290qj1hqvPzA/kFAAAMDAwALwAJcgQVAF7z8/Pz8/Pz8w=="),
        // A damaged date column (checksum recomputed) held dates whose difference overflowed
        // Int64 when the merge rewrote them.
        ("merge overflowed on damaged dates", "A+kVAAAA7QUAAPpM9igA3hUAAADtBQAA+kz2mAz8AO0FAAD6TPYoAN6YDPw="),
    ]

    @Test(arguments: segmentFindings.indices)
    func segmentReaderFinding(_ index: Int) {
        let (label, encoded) = Self.segmentFindings[index]
        let input = [UInt8](Data(base64Encoded: encoded)!)
        Self.replaySegmentInput(input)
        _ = label
    }

    @Test func unchangedInputOpensHealthy() throws {
        #expect(Self.replaySegmentInput([0]))
        #expect(try IndexReader(directory: Self.base).check().isHealthy)
    }

    /// Dates far apart (or absurd) given through the API: a typed error or a round trip, never
    /// an arithmetic overflow in the date column.
    @Test func extremeDatesThroughTheAPI() throws {
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.threads = 1
        options.durable = false
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        let extremes: [Int64] = [.max, .min, .min + 1, (1 << 60) + 1]
        for seconds in extremes {
            do throws(TrawlError) {
                try writer.add(Document(id: "x", title: "x", date: DocumentDate(secondsSinceEpoch: seconds), body: "x"))
                Issue.record("a date of \(seconds) s was accepted")
            } catch {
                #expect(error.code == .invalidArgument && error.message.contains("date"), "\(error)")
            }
        }
        let low = IndexWriter.supportedDates.lowerBound, high = IndexWriter.supportedDates.upperBound
        try writer.add([Document(id: "low", title: "low", date: DocumentDate(secondsSinceEpoch: low), body: "oil"),
                        Document(id: "high", title: "high", date: DocumentDate(secondsSinceEpoch: high), body: "oil"),
                        Document(id: "mid", title: "mid", date: DocumentDate(secondsSinceEpoch: 7), body: "oil")])
        try writer.commit()
        try writer.optimize()
        let reader = try IndexReader(directory: directory)
        #expect(try reader.document(id: "low")?.date?.secondsSinceEpoch == low)
        #expect(try reader.document(id: "high")?.date?.secondsSinceEpoch == high)
        let sorted = try reader.search("oil", limit: 3, sort: .dateAscending)
        #expect(sorted.hits.map(\.id) == ["low", "mid", "high"])
        #expect(reader.check().isHealthy)
    }
}
