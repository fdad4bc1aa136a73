import Testing
@testable import Trawl

/// One term's postings as plain arrays, the reference the codec is checked against.
struct ReferencePostings {
    var docs: [UInt32] = []
    var freqs: [UInt32] = []
    var lengthCodes: [UInt8] = []
    var positions: [[UInt32]] = []
}

/// Helpers shared by the codec tests.
enum CodecTestSupport {
    /// Random postings for one term with `docFreq` documents below `maxDoc`.
    static func makePostings(docFreq: Int, maxDoc: UInt32, maxFreq: UInt32, withPositions: Bool,
                             using rng: inout SeededGenerator) -> ReferencePostings {
        var result = ReferencePostings()
        let span = UInt64(maxDoc)
        precondition(UInt64(docFreq) <= span)
        // Pick sorted distinct doc ids: dense ranges sometimes, random gaps otherwise.
        var docs: [UInt32] = []
        docs.reserveCapacity(docFreq)
        if UInt64(docFreq) * 2 >= span {
            var chosen = Set<UInt32>()
            while chosen.count < docFreq { chosen.insert(UInt32.random(in: 0..<maxDoc, using: &rng)) }
            docs = chosen.sorted()
        } else {
            let averageGap = max(1, span / UInt64(docFreq + 1))
            var doc: UInt64 = UInt64.random(in: 0..<averageGap, using: &rng)
            for _ in 0..<docFreq {
                docs.append(UInt32(doc))
                let style = UInt64.random(in: 0..<10, using: &rng)
                let gap: UInt64 = style == 0 ? 1 : UInt64.random(in: 1...(2 * averageGap - 1), using: &rng)
                doc += gap
                if doc >= span - UInt64(docFreq - docs.count) { doc = UInt64(docs.last!) + 1 }
            }
        }
        result.docs = docs
        for _ in docs {
            let kind = UInt32.random(in: 0..<20, using: &rng)
            let freq: UInt32
            switch kind {
            case 0..<12: freq = 1
            case 12..<18: freq = UInt32.random(in: 2...8, using: &rng)
            case 18: freq = UInt32.random(in: 9...min(300, max(9, maxFreq)), using: &rng)
            default: freq = UInt32.random(in: 1...maxFreq, using: &rng)
            }
            result.freqs.append(freq)
            result.lengthCodes.append(UInt8.random(in: 0...255, using: &rng))
            if withPositions {
                var positions: [UInt32] = []
                positions.reserveCapacity(Int(freq))
                var p = UInt32.random(in: 0..<50, using: &rng)
                for _ in 0..<freq {
                    positions.append(p)
                    let step = UInt32.random(in: 0..<100, using: &rng)
                    p += step < 5 ? 0 : (step < 95 ? step : UInt32.random(in: 0..<100_000, using: &rng))
                }
                result.positions.append(positions)
            }
        }
        return result
    }

    /// Writes `terms` with a ``PostingsWriter`` into `directory` and returns their infos.
    static func writePostings(_ terms: [ReferencePostings], withPositions: Bool, directory: MemoryDirectory,
                              segmentID: SegmentID = .none) throws -> [TermPostingsInfo] {
        let post = try IndexFileWriter(directory: directory, name: "seg.post", kind: .postings, segmentID: segmentID)
        let posn = withPositions
            ? try IndexFileWriter(directory: directory, name: "seg.posn", kind: .positions, segmentID: segmentID)
            : nil
        let writer = PostingsWriter(postings: post, positions: posn)
        var infos: [TermPostingsInfo] = []
        for term in terms {
            try writer.startTerm()
            for i in term.docs.indices {
                try writer.add(doc: term.docs[i], freq: term.freqs[i], lengthCode: term.lengthCodes[i],
                               positions: withPositions ? term.positions[i] : [])
            }
            infos.append(try writer.finishTerm())
        }
        try writer.finish(sync: false)
        return infos
    }

    /// A segment written by ``SegmentWriter`` and opened by ``SegmentReader``, the production
    /// path, with the infos of its terms and a way to open cursors over them.
    struct Segment {
        let reader: SegmentReader
        let infos: [TermPostingsInfo]
        /// The segment's one field.
        let field: String

        /// A cursor over a term of the field, as searches and merges open it.
        func cursors(_ info: TermPostingsInfo) throws -> PostingsCursor {
            try reader.cursor(field: field, info: info)
        }
    }

    /// Writes `terms` (doc ids below `documentCount`) as the one field of a segment, through
    /// ``SegmentWriter``, and opens it. A segment has one length code per document and field:
    /// each term's `lengthCodes` become the segment's (random per document with positions, 1
    /// without), so the reference stays what the segment holds.
    static func writeSegment(_ terms: inout [ReferencePostings], withPositions: Bool, documentCount: Int,
                             using rng: inout SeededGenerator) throws -> Segment {
        let codes = withPositions ? (0..<documentCount).map { _ in UInt8.random(in: 0...255, using: &rng) } : []
        var lists: [PostingListsSegment.PostingList] = []
        for i in terms.indices {
            terms[i].lengthCodes = terms[i].docs.map { withPositions ? codes[Int($0)] : 1 }
            let digits = String(i)
            let name = "t" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
            lists.append(.init(term: Array(name.utf8), docs: terms[i].docs, freqs: terms[i].freqs,
                               positions: withPositions ? terms[i].positions : []))
        }
        let field = withPositions ? "text" : "keyword"
        let source = PostingListsSegment(fields: [.init(name: field, hasPositions: withPositions, lengthCodes: codes, lists: lists)],
                                         documentCount: documentCount)
        let reader = try source.write(to: MemoryDirectory(), name: "s1")
        let infos = try lists.map { list in
            try #require(try list.term.withUnsafeBytes { try reader.termInfo(field: field, term: $0) })
        }
        return Segment(reader: reader, infos: infos, field: field)
    }

    /// Copies bytes into a fresh exact-size allocation (so reads past the end would be caught by
    /// the address sanitizer) and runs `body` over it.
    static func withExactBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        defer { memory.deallocate() }
        bytes.withUnsafeBytes { memory.copyMemory(from: $0) }
        return try body(UnsafeRawBufferPointer(rebasing: memory[0..<bytes.count]))
    }

    /// Applies one random corruption to a file image: bit flips, a random overwrite, or truncation.
    static func corrupt(_ bytes: [UInt8], using rng: inout SeededGenerator) -> [UInt8] {
        var damaged = bytes
        let payload = FileEnvelope.headerSize..<max(FileEnvelope.headerSize + 1, bytes.count - FileEnvelope.footerSize)
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: payload, using: &rng)
                if i < damaged.count { damaged[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng) }
            }
        case 1:
            let start = Int.random(in: payload, using: &rng)
            let length = Int.random(in: 1...32, using: &rng)
            for i in start..<min(damaged.count, start + length) { damaged[i] = UInt8.random(in: 0...255, using: &rng) }
        case 2:
            // Truncate, keeping a valid-looking footer so the envelope check passes.
            let cut = Int.random(in: FileEnvelope.headerSize...max(FileEnvelope.headerSize, bytes.count - FileEnvelope.footerSize), using: &rng)
            damaged = Array(bytes[0..<cut]) + Array(bytes[(bytes.count - FileEnvelope.footerSize)...])
        default:
            let cut = Int.random(in: 0...bytes.count, using: &rng)
            damaged = Array(bytes[0..<cut])
        }
        return damaged
    }
}
