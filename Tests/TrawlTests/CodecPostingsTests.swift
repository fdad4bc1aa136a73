import Testing
@testable import Trawl

/// Postings and positions: round trips, skipping, impacts, damaged files.
@Suite struct CodecPostingsTests {
    /// Document frequencies that hit every layout edge: pulsed, tail only, exact blocks, blocks + tail.
    static let edgeDocFreqs = [1, 2, 3, 127, 128, 129, 255, 256, 257, 383, 384, 1000, 10_000]

    /// Documents of the segments the round trips write: doc-id gaps of up to 20 bits.
    static let segmentDocuments: UInt32 = 1 << 20

    /// Builds a varied set of terms: the edge sizes plus random ones, dense and sparse, with doc
    /// ids below `documentCount` — by default up to the top of the range (gaps of more than 24
    /// bits), more than any segment holds.
    static func makeTerms(seed: UInt64, count: Int, withPositions: Bool,
                          documentCount: UInt32 = UInt32.max - 1) -> [ReferencePostings] {
        var rng = SeededGenerator(seed: seed)
        var terms: [ReferencePostings] = []
        for i in 0..<count {
            let docFreq: Int
            if i < edgeDocFreqs.count {
                docFreq = edgeDocFreqs[i]
            } else {
                switch Int.random(in: 0..<10, using: &rng) {
                case 0..<5: docFreq = Int.random(in: 1...20, using: &rng)
                case 5..<8: docFreq = Int.random(in: 21...600, using: &rng)
                default: docFreq = Int.random(in: 601...10_000, using: &rng)
                }
            }
            let maxDoc: UInt32
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: maxDoc = UInt32(docFreq) + UInt32.random(in: 0...10, using: &rng) // very dense
            case 1: maxDoc = documentCount // huge gaps
            default: maxDoc = min(documentCount, UInt32(docFreq) * UInt32.random(in: 2...200, using: &rng))
            }
            let maxFreq: UInt32 = Int.random(in: 0..<8, using: &rng) == 0 ? 5000 : 40
            terms.append(CodecTestSupport.makePostings(docFreq: docFreq, maxDoc: maxDoc, maxFreq: maxFreq,
                                                       withPositions: withPositions, using: &rng))
        }
        return terms
    }

    /// Opens a cursor over a term's postings.
    typealias Cursors = (TermPostingsInfo) throws -> PostingsCursor

    /// Checks a full `next()` walk, with positions when asked.
    static func checkWalk(_ cursors: Cursors, _ info: TermPostingsInfo, _ term: ReferencePostings,
                          positions: Bool) throws {
        var cursor = try cursors(info)
        #expect(cursor.docFreq == UInt32(term.docs.count))
        var buffer: [UInt32] = []
        var i = 0
        var doc = cursor.doc
        while doc != PostingsCursor.noMoreDocs {
            guard i < term.docs.count else {
                Issue.record("too many documents")
                return
            }
            #expect(doc == term.docs[i])
            #expect(cursor.freq == term.freqs[i])
            if positions && (i % 3 != 1) { // skip some documents' positions to test skipping
                try cursor.positions(into: &buffer)
                #expect(buffer == term.positions[i], "positions of doc \(doc)")
            }
            i += 1
            doc = cursor.next()
        }
        #expect(i == term.docs.count)
        #expect(cursor.corruption == nil)
        #expect(cursor.next() == PostingsCursor.noMoreDocs)
        #expect(cursor.advance(to: 5) == PostingsCursor.noMoreDocs)
    }

    /// Checks `advance(to:)` (mixed with `next()`) against a linear reference for random targets.
    static func checkAdvance(_ cursors: Cursors, _ info: TermPostingsInfo, _ term: ReferencePostings,
                             positions: Bool, rng: inout SeededGenerator) throws {
        var cursor = try cursors(info)
        var buffer: [UInt32] = []
        var current = 0 // index of the cursor's document in the reference
        let last = term.docs.last!
        let jump = UInt64.random(in: 1...max(2, UInt64(last) / UInt64(max(1, term.docs.count / 64)) + 1), using: &rng)
        while true {
            let action = Int.random(in: 0..<10, using: &rng)
            if action < 2 {
                let d = cursor.next()
                current += 1
                if current >= term.docs.count {
                    #expect(d == PostingsCursor.noMoreDocs)
                    break
                }
                #expect(d == term.docs[current])
            } else {
                let base = current < term.docs.count ? UInt64(term.docs[current]) : UInt64(last)
                var target64: UInt64
                switch action {
                case 2: target64 = base // no movement
                case 3: target64 = base > 5 ? base - UInt64.random(in: 0...5, using: &rng) : 0
                case 4: target64 = base + 1
                default: target64 = base + UInt64.random(in: 1...jump, using: &rng) * UInt64(action - 3)
                }
                if Int.random(in: 0..<40, using: &rng) == 0 { target64 = UInt64(last) + UInt64.random(in: 0...2, using: &rng) }
                let target = UInt32(min(target64, UInt64(UInt32.max)))
                var expected = current
                while expected < term.docs.count && term.docs[expected] < target { expected += 1 }
                let d = cursor.advance(to: target)
                current = expected
                if expected >= term.docs.count {
                    #expect(d == PostingsCursor.noMoreDocs)
                    break
                }
                #expect(d == term.docs[expected], "advance(to: \(target))")
                #expect(cursor.doc == d)
            }
            #expect(cursor.freq == term.freqs[current])
            if positions && Int.random(in: 0..<3, using: &rng) == 0 {
                try cursor.positions(into: &buffer)
                #expect(buffer == term.positions[current])
                if Int.random(in: 0..<4, using: &rng) == 0 { // asking twice gives the same answer
                    try cursor.positions(into: &buffer)
                    #expect(buffer == term.positions[current])
                }
            }
        }
        #expect(cursor.corruption == nil)
    }

    /// Checks the block-max data against values computed from the reference.
    static func checkImpacts(_ cursors: Cursors, _ info: TermPostingsInfo, _ term: ReferencePostings,
                             rng: inout SeededGenerator) throws {
        let termMax = term.freqs.max()!
        let termMin = term.lengthCodes.min()!
        #expect(info.maxFreq == termMax)
        #expect(info.minLengthCode == termMin)
        #expect(info.docFreq == UInt32(term.docs.count))
        #expect(info.totalTermFreq == term.freqs.reduce(0) { $0 + UInt64($1) })
        var cursor = try cursors(info)
        #expect(cursor.termMaxFreq == termMax)
        #expect(cursor.termMinLengthCode == termMin)
        let blockLength = term.docs.count < 128 ? term.docs.count : 128
        var target: UInt32 = 0
        while true {
            cursor.shallowAdvance(to: target)
            let block = term.docs.firstIndex { $0 >= target }.map { $0 / blockLength }
            guard let block else {
                #expect(cursor.blockLastDoc == PostingsCursor.noMoreDocs)
                #expect(cursor.blockMaxFreq == 0)
                break
            }
            let range = (block * blockLength)..<min(term.docs.count, (block + 1) * blockLength)
            let maxFreq = term.freqs[range].max()!
            let minCode = term.lengthCodes[range].min()!
            #expect(cursor.blockLastDoc == term.docs[range.upperBound - 1])
            #expect(cursor.blockMaxFreq >= maxFreq)
            #expect(cursor.blockMaxFreq == min(termMax, FieldLengthCode.decode(FieldLengthCode.encodeRoundingUp(maxFreq))))
            #expect(cursor.blockMinLengthCode == minCode)
            // The document cursor is not moved by shallow advances.
            #expect(cursor.doc == term.docs[0])
            let step = UInt32.random(in: 0...max(1, term.docs[range.upperBound - 1] / 50 + 1), using: &rng)
            let next = UInt64(target) + UInt64(step) + (Int.random(in: 0..<3, using: &rng) == 0 ? 1 : 0)
            if next > UInt64(term.docs.last!) + 1 { target = term.docs.last! &+ 1 } else { target = UInt32(next) }
            if target == 0 { break }
        }
    }

    /// Runs every check on every term.
    static func checkAll(_ cursors: Cursors, _ infos: [TermPostingsInfo], _ terms: [ReferencePostings],
                         withPositions: Bool) throws {
        var rng = SeededGenerator(seed: 99)
        for (info, term) in zip(infos, terms) {
            try checkWalk(cursors, info, term, positions: false)
            if withPositions { try checkWalk(cursors, info, term, positions: true) }
            for _ in 0..<3 {
                try checkAdvance(cursors, info, term, positions: withPositions, rng: &rng)
            }
            try checkImpacts(cursors, info, term, rng: &rng)
        }
    }

    /// Every doc, freq and position of a segment written by `SegmentWriter` reads back through
    /// `SegmentReader`; advance and block-max data match a reference.
    @Test(arguments: [false, true])
    func postingsRoundTrip(withPositions: Bool) throws {
        var terms = Self.makeTerms(seed: withPositions ? 11 : 12, count: 120, withPositions: withPositions,
                                   documentCount: Self.segmentDocuments)
        var rng = SeededGenerator(seed: 13)
        let segment = try CodecTestSupport.writeSegment(&terms, withPositions: withPositions,
                                                        documentCount: Int(Self.segmentDocuments), using: &rng)
        try segment.reader.verifyChecksums()
        try Self.checkAll(segment.cursors, segment.infos, terms, withPositions: withPositions)
    }

    /// Doc ids up to the top of the range (gaps of more than 24 bits, 5-byte varints), which no
    /// segment holds: the codec on its own, cursors straight over the `.post` and `.posn` bytes.
    @Test(arguments: [false, true])
    func postingsRoundTripOverTheWholeDocIDRange(withPositions: Bool) throws {
        let terms = Self.makeTerms(seed: withPositions ? 14 : 15, count: 60, withPositions: withPositions)
        let directory = MemoryDirectory()
        let infos = try CodecTestSupport.writePostings(terms, withPositions: withPositions, directory: directory)
        let post = try directory.openInput("seg.post")
        try FileEnvelope.verifyChecksum(post.bytes, fileName: post.name)
        let posn = withPositions ? try directory.openInput("seg.posn") : nil
        if let posn { try FileEnvelope.verifyChecksum(posn.bytes, fileName: posn.name) }
        #expect(terms.contains { $0.docs.last! > 1 << 30 })
        try Self.checkAll({ info in try PostingsCursor(postings: post.bytes, positions: posn?.bytes, info: info, fileName: post.name) },
                          infos, terms, withPositions: withPositions)
    }

    /// A one-document term writes nothing to `.post`.
    @Test func singleDocumentTermsArePulsed() throws {
        var term = ReferencePostings()
        term.docs = [42]
        term.freqs = [3]
        term.lengthCodes = [7]
        term.positions = [[1, 5, 9]]
        var terms = [term, term]
        var rng = SeededGenerator(seed: 1)
        let segment = try CodecTestSupport.writeSegment(&terms, withPositions: true, documentCount: 43, using: &rng)
        #expect(segment.infos[0].singletonDoc == 42)
        #expect(segment.infos[0].postingsOffset == 0)
        #expect(segment.reader.postings.bytes.count == FileEnvelope.headerSize + FileEnvelope.footerSize)
        var cursor = try segment.cursors(segment.infos[1])
        #expect(cursor.doc == 42)
        #expect(cursor.freq == 3)
        var positions: [UInt32] = []
        try cursor.positions(into: &positions)
        #expect(positions == [1, 5, 9])
        #expect(cursor.next() == PostingsCursor.noMoreDocs)
    }

    /// Copy-on-write of the decode buffers keeps copies independent.
    @Test func copiesOfACursorAreIndependent() throws {
        var terms = Self.makeTerms(seed: 5, count: 13, withPositions: false, documentCount: Self.segmentDocuments)
        var rng = SeededGenerator(seed: 6)
        let segment = try CodecTestSupport.writeSegment(&terms, withPositions: false,
                                                        documentCount: Int(Self.segmentDocuments), using: &rng)
        let term = terms[12] // 10,000 documents
        var a = try segment.cursors(segment.infos[12])
        for _ in 0..<200 { _ = a.next() }
        var b = a
        for _ in 0..<1000 { _ = a.next() }
        #expect(b.doc == term.docs[200])
        #expect(b.freq == term.freqs[200])
        #expect(b.next() == term.docs[201])
        #expect(a.doc == term.docs[1200])
        #expect(a.freq == term.freqs[1200])
    }

    /// Out-of-order docs, bad frequencies and positions are rejected.
    @Test func writerRejectsMisuse() throws {
        let directory = MemoryDirectory()
        let post = try IndexFileWriter(directory: directory, name: "x.post", kind: .postings, segmentID: .none)
        let posn = try IndexFileWriter(directory: directory, name: "x.posn", kind: .positions, segmentID: .none)
        let writer = PostingsWriter(postings: post, positions: posn)
        #expect(throws: TrawlError.self) { try writer.add(doc: 1, freq: 1, lengthCode: 0, positions: [0]) }
        try writer.startTerm()
        try writer.add(doc: 5, freq: 1, lengthCode: 0, positions: [3])
        #expect(throws: TrawlError.self) { try writer.add(doc: 5, freq: 1, lengthCode: 0, positions: [3]) }
        #expect(throws: TrawlError.self) { try writer.add(doc: 6, freq: 0, lengthCode: 0, positions: []) }
        #expect(throws: TrawlError.self) { try writer.add(doc: 6, freq: 2, lengthCode: 0, positions: [3]) }
        #expect(throws: TrawlError.self) { try writer.add(doc: 6, freq: 2, lengthCode: 0, positions: [3, 2]) }
        #expect(throws: TrawlError.self) { try writer.add(doc: UInt32.max, freq: 1, lengthCode: 0, positions: [1]) }
        _ = try writer.finishTerm()
        try writer.startTerm()
        #expect(throws: TrawlError.self) { try writer.finishTerm() }
    }

    // MARK: Damaged files

    /// Walks every term of a (possibly damaged) postings image: nothing may crash, iteration must
    /// end, doc ids must strictly increase, and errors must be `corruptIndex`.
    static func exercise(post: [UInt8], posn: [UInt8]?, infos: [TermPostingsInfo], rng: inout SeededGenerator) {
        CodecTestSupport.withExactBytes(post) { postBytes in
            /// Exercises every term with the given positions bytes.
            func run(_ positionsBytes: UnsafeRawBufferPointer?) {
                var buffer: [UInt32] = []
                buffer.reserveCapacity(64)
                for info in infos {
                    let cursorOrError: PostingsCursor?
                    do {
                        cursorOrError = try PostingsCursor(postings: postBytes, positions: positionsBytes, info: info,
                                                           fileName: "seg.post")
                    } catch {
                        #expect(error.code == .corruptIndex)
                        cursorOrError = nil
                    }
                    guard var cursor = cursorOrError else { continue }
                    let bound = (Int(info.docFreq) / 128 + 1) * 128 + 1
                    var steps = 0
                    var previous: Int64 = -1
                    var doc = cursor.doc
                    while doc != PostingsCursor.noMoreDocs {
                        #expect(Int64(doc) > previous)
                        previous = Int64(doc)
                        steps += 1
                        if steps > bound { Issue.record("iteration does not end"); break }
                        _ = cursor.freq
                        if positionsBytes != nil && Int.random(in: 0..<2, using: &rng) == 0 {
                            do { try cursor.positions(into: &buffer) } catch { #expect(error.code == .corruptIndex) }
                        }
                        cursor.shallowAdvance(to: doc &+ UInt32.random(in: 0...3000, using: &rng))
                        _ = cursor.blockMaxFreq
                        _ = cursor.blockMinLengthCode
                        _ = cursor.blockLastDoc
                        if Int.random(in: 0..<3, using: &rng) == 0 {
                            doc = cursor.advance(to: doc &+ UInt32.random(in: 1...5000, using: &rng))
                        } else {
                            doc = cursor.next()
                        }
                    }
                    if let corruption = cursor.corruption { #expect(corruption.code == .corruptIndex) }
                }
            }
            if let posn {
                CodecTestSupport.withExactBytes(posn) { run($0) }
            } else {
                run(nil)
            }
        }
    }

    /// Hundreds of seeded corruptions of `.post`, `.posn` and term infos: errors, never crashes.
    @Test func damagedPostingsNeverCrash() throws {
        let terms = Self.makeTerms(seed: 21, count: 30, withPositions: true)
        let directory = MemoryDirectory()
        let infos = try CodecTestSupport.writePostings(terms, withPositions: true, directory: directory)
        let post = directory.contents(of: "seg.post")!
        let posn = directory.contents(of: "seg.posn")!
        var rng = SeededGenerator(seed: 2024)
        // The intact files pass the same exercise.
        Self.exercise(post: post, posn: posn, infos: infos, rng: &rng)
        for round in 0..<300 {
            switch round % 3 {
            case 0:
                Self.exercise(post: CodecTestSupport.corrupt(post, using: &rng), posn: posn, infos: infos, rng: &rng)
            case 1:
                Self.exercise(post: post, posn: CodecTestSupport.corrupt(posn, using: &rng), infos: infos, rng: &rng)
            default:
                // Damaged dictionary entries: random fields of random infos.
                var damaged = infos
                for _ in 0..<8 {
                    let i = Int.random(in: 0..<damaged.count, using: &rng)
                    switch Int.random(in: 0..<6, using: &rng) {
                    case 0: damaged[i].docFreq = UInt32.random(in: 0...UInt32.max, using: &rng) >> UInt32.random(in: 0...31, using: &rng)
                    case 1: damaged[i].postingsOffset = UInt64.random(in: 0...UInt64(post.count + 10), using: &rng)
                    case 2: damaged[i].skipOffset = UInt64.random(in: 0...UInt64(post.count + 10), using: &rng)
                    case 3: damaged[i].positionsOffset = UInt64.random(in: 0...UInt64(posn.count + 10), using: &rng)
                    case 4: damaged[i].totalTermFreq = UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng)
                    default: damaged[i].singletonDoc = UInt32.random(in: 0...UInt32.max, using: &rng)
                    }
                }
                Self.exercise(post: post, posn: posn, infos: damaged, rng: &rng)
            }
        }
    }
}
