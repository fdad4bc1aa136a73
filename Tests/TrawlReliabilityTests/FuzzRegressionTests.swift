import Foundation
import Testing
@testable import Trawl

/// Inputs that crashed a fuzz target, replayed through the same steps as the target
/// (``SegmentFuzzInput``, compiled into the target too).
@Suite struct FuzzRegressionTests {
    /// Replays a SegmentReaderFuzz input; returns whether the index opened.
    @discardableResult
    static func replaySegmentInput(_ input: [UInt8]) -> Bool {
        input.withUnsafeBufferPointer { bytes in
            SegmentFuzzInput.run(bytes) { Issue.record(Comment(rawValue: $0)) }
        }
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
        #expect(try IndexReader(directory: SegmentFuzzInput.base).check().isHealthy)
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
