import Testing
@testable import Trawl
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Codec throughput measurements. They only print numbers (no timing assertions) and run only
/// when `TRAWL_BENCH` is set, in a release build:
/// `TRAWL_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter CodecBenchmarks`.
@Suite(.enabled(if: getenv("TRAWL_BENCH") != nil), .serialized)
struct CodecBenchmarks {
    /// Seconds elapsed while running `body`.
    static func time(_ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        let elapsed = clock.measure(body)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// A number rounded to two decimals.
    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return "\(rounded)"
    }

    /// Unpack speed per bit width.
    @Test func unpackThroughput() {
        var rng = SeededGenerator(seed: 7)
        let blocks = 64
        let values = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        let out = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        defer { values.deallocate(); out.deallocate() }
        var line: [String] = []
        var totalInts = 0.0
        var totalSeconds = 0.0
        for b in 1...32 {
            var writer = ByteWriter()
            for _ in 0..<blocks {
                for i in 0..<128 { values[i] = UInt32.random(in: 0...UInt32.max, using: &rng) >> UInt32(32 - b) }
                BitPacking.pack(values: values, bitWidth: b, into: &writer)
            }
            let size = BitPacking.packedByteCount(bitWidth: b)
            let rounds = 20_000
            var sink: UInt32 = 0
            let seconds = writer.bytes.withUnsafeBytes { raw in
                Self.time {
                    for r in 0..<rounds {
                        BitPacking.unpack(from: raw.baseAddress! + (r % blocks) * size, bitWidth: b, into: out)
                        sink &+= out[r & 127]
                    }
                }
            }
            let ints = Double(rounds * 128)
            totalInts += ints
            totalSeconds += seconds
            line.append("b\(b)=\(Self.format(ints / seconds / 1e9))")
            #expect(sink != 1) // keep the work observable
        }
        print("[bench] unpack G ints/s: " + line.joined(separator: " "))
        print("[bench] unpack overall: \(Self.format(totalInts / totalSeconds / 1e9)) G ints/s")
    }

    /// A long posting list: `count` documents with small random gaps and mostly small frequencies,
    /// the one term of a segment written by `SegmentWriter` and opened by `SegmentReader`.
    static func buildLongTerm(count: Int, maxGap: UInt32) throws -> CodecTestSupport.Segment {
        var rng = SeededGenerator(seed: 8)
        var term = ReferencePostings()
        var doc: UInt32 = 0
        for _ in 0..<count {
            term.docs.append(doc)
            term.freqs.append(UInt32.random(in: 0..<4, using: &rng) == 0 ? UInt32.random(in: 2...6, using: &rng) : 1)
            _ = UInt8.random(in: 0...255, using: &rng) // (was a length code: the same list as before)
            doc += UInt32.random(in: 1...maxGap, using: &rng)
        }
        var terms = [term]
        return try CodecTestSupport.writeSegment(&terms, withPositions: false, documentCount: Int(term.docs.last!) + 1, using: &rng)
    }

    /// Walks a whole posting list with the cursor in a local variable; returns seconds and docs.
    @inline(never)
    static func walk(_ segment: CodecTestSupport.Segment, _ info: TermPostingsInfo, withFreqs: Bool) throws -> (Double, Int) {
        var cursor = try segment.cursors(info)
        let clock = ContinuousClock()
        let start = clock.now
        var sum: UInt64 = 0
        var docs = 0
        var d = cursor.doc
        while d != PostingsCursor.noMoreDocs {
            if withFreqs { sum &+= UInt64(cursor.freq) } else { sum &+= UInt64(d) }
            docs += 1
            d = cursor.next()
        }
        let elapsed = clock.now - start
        #expect(sum > 0)
        return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, docs)
    }

    /// `next()` and `advance(to:)` speed over a 10-million-document list.
    @Test func postingsIteration() throws {
        let count = 10_000_000
        let segment = try Self.buildLongTerm(count: count, maxGap: 8)
        let info = segment.infos[0]
        let size = segment.reader.postings.bytes.count
        print("[bench] postings size: \(size) bytes for \(count) docs = \(Self.format(Double(size) * 8 / Double(count))) bits/posting")

        var best = Double.infinity
        var bestDocsOnly = Double.infinity
        for _ in 0..<3 {
            let (seconds, docs) = try Self.walk(segment, info, withFreqs: true)
            #expect(docs == count)
            best = min(best, seconds)
            let (docsOnly, _) = try Self.walk(segment, info, withFreqs: false)
            bestDocsOnly = min(bestDocsOnly, docsOnly)
        }
        print("[bench] next()+freq, called from another module: \(Self.format(Double(count) / best / 1e6)) M docs/s (\(Self.format(best * 1e9 / Double(count))) ns/doc)")
        print("[bench] next() only, called from another module: \(Self.format(Double(count) / bestDocsOnly / 1e6)) M docs/s (\(Self.format(bestDocsOnly * 1e9 / Double(count))) ns/doc)")
        var bestDrain = Double.infinity
        for _ in 0..<3 {
            var cursor = try segment.cursors(info)
            var result = (docCount: 0, freqSum: UInt64(0))
            let seconds = Self.time { result = cursor.drain() }
            #expect(result.docCount == count && result.freqSum == info.totalTermFreq)
            bestDrain = min(bestDrain, seconds)
        }
        print("[bench] next()+freq inlined (drain): \(Self.format(Double(count) / bestDrain / 1e6)) M docs/s (\(Self.format(bestDrain * 1e9 / Double(count))) ns/doc)")

        var rng = SeededGenerator(seed: 9)
        for averageJump in [2, 16, 128, 1024, 16_384, 262_144] as [UInt32] {
            var cursor = try segment.cursors(info)
            var advances = 0
            var found: UInt64 = 0
            let targets: [UInt32] = {
                var t: [UInt32] = []
                var x: UInt32 = 0
                while x < UInt32(count) * 4 {
                    x += UInt32.random(in: 1...(2 * averageJump), using: &rng)
                    t.append(x)
                }
                return t
            }()
            let seconds = Self.time {
                for target in targets {
                    let d = cursor.advance(to: target)
                    if d == PostingsCursor.noMoreDocs { break }
                    found &+= UInt64(d)
                    advances += 1
                }
            }
            #expect(found > 0)
            print("[bench] advance(to:) avg jump \(averageJump) doc ids: \(Self.format(Double(advances) / seconds / 1e6)) M advances/s (\(Self.format(seconds * 1e9 / Double(advances))) ns each)")
        }
    }

    /// Term dictionary size and lookup speed.
    @Test func dictionaryLookups() throws {
        var rng = SeededGenerator(seed: 10)
        let terms = CodecTermDictionaryTests.makeTerms(count: 200_000, using: &rng)
        let infos = CodecTermDictionaryTests.makeInfos(count: terms.count, hasPositions: true, using: &rng)
        let directory = MemoryDirectory()
        try CodecTermDictionaryTests.write([.init(name: "body", hasPositions: true, terms: terms, infos: infos)], to: directory)
        let input = try directory.openInput("seg.tdic")
        let reader = try TermDictionaryReader(input: input, segmentID: .none)
        let field = reader.terms(forField: "body")!
        let probes = (0..<200_000).map { _ in terms.randomElement(using: &rng)! }
        var hits = 0
        let seconds = Self.time {
            for probe in probes {
                if (try? field.lookup(probe)) != nil { hits += 1 }
            }
        }
        #expect(hits == probes.count)
        let termBytes = terms.reduce(0) { $0 + $1.count }
        print("[bench] dictionary: \(input.bytes.count) bytes for \(terms.count) terms (\(termBytes) term bytes), lookups \(Self.format(Double(probes.count) / seconds / 1e6)) M/s")
    }
}
