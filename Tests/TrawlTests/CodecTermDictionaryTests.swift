import Testing
@testable import Trawl

/// The term dictionary: round trips, lookups, prefixes, limits, damaged files.
@Suite struct CodecTermDictionaryTests {
    /// Lexicographic unsigned byte order.
    static func less(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }

    /// Random distinct terms in byte order: words with shared prefixes, non-ASCII UTF-8, raw bytes.
    static func makeTerms(count: Int, using rng: inout SeededGenerator) -> [[UInt8]] {
        let stems = ["run", "running", "runner", "re", "read", "reader", "über", "uber", "日本", "日本語",
                     "naïve", "a", "ab", "abc", "z", "zz", "\u{1F600}", "ça", "x-ray", "10", "100", "1000"]
        var set = Set<[UInt8]>()
        set.insert([]) // the empty term is a valid term
        set.insert([0x00])
        set.insert([0xFF, 0xFF])
        while set.count < count {
            var term: [UInt8]
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:
                term = Array(stems.randomElement(using: &rng)!.utf8)
                for _ in 0..<Int.random(in: 0...6, using: &rng) {
                    term.append(UInt8(ascii: "a") + UInt8.random(in: 0..<6, using: &rng))
                }
            case 1:
                term = Array((stems.randomElement(using: &rng)! + stems.randomElement(using: &rng)!).utf8)
            case 2:
                term = (0..<Int.random(in: 1...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            default:
                let length = Int.random(in: 1...12, using: &rng)
                term = (0..<length).map { _ in UInt8(ascii: "a") + UInt8.random(in: 0..<4, using: &rng) }
            }
            set.insert(term)
        }
        return set.sorted(by: less)
    }

    /// Consistent random infos with non-decreasing offsets.
    static func makeInfos(count: Int, hasPositions: Bool, using rng: inout SeededGenerator) -> [TermPostingsInfo] {
        var postings: UInt64 = 28
        var positions: UInt64 = 28
        var infos: [TermPostingsInfo] = []
        for _ in 0..<count {
            let docFreq: UInt32
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<5: docFreq = 1
            case 5..<8: docFreq = UInt32.random(in: 2...127, using: &rng)
            default: docFreq = UInt32.random(in: 128...5_000_000, using: &rng)
            }
            let extra: UInt64 = Bool.random(using: &rng) ? 0 : UInt64.random(in: 1...1_000_000, using: &rng)
            var info = TermPostingsInfo(docFreq: docFreq, totalTermFreq: UInt64(docFreq) + extra,
                                        maxFreq: 1, minLengthCode: UInt8.random(in: 0...255, using: &rng))
            if docFreq == 1 {
                info.singletonDoc = UInt32.random(in: 0..<UInt32.max, using: &rng)
                info.maxFreq = UInt32(info.totalTermFreq)
            } else {
                if extra > 0 { info.maxFreq = UInt32.random(in: 2...UInt32(extra + 1), using: &rng) }
                postings += UInt64.random(in: 0...100_000, using: &rng)
                info.postingsOffset = postings
                if info.hasSkipTable { info.skipOffset = postings + UInt64.random(in: 1...1_000_000, using: &rng) }
            }
            if hasPositions {
                positions += UInt64.random(in: 1...50_000, using: &rng)
                info.positionsOffset = positions
            }
            infos.append(info)
        }
        return infos
    }

    /// One field's reference contents.
    struct Field {
        var name: String
        var hasPositions: Bool
        var terms: [[UInt8]]
        var infos: [TermPostingsInfo]
    }

    /// A few fields of different shapes (with and without positions, empty, one block exactly).
    static func makeFields(seed: UInt64) -> [Field] {
        var rng = SeededGenerator(seed: seed)
        let bodyTerms = makeTerms(count: 5000, using: &rng)
        let titleTerms = makeTerms(count: 700, using: &rng)
        return [
            Field(name: "body", hasPositions: true, terms: bodyTerms,
                  infos: makeInfos(count: bodyTerms.count, hasPositions: true, using: &rng)),
            Field(name: "title", hasPositions: false, terms: titleTerms,
                  infos: makeInfos(count: titleTerms.count, hasPositions: false, using: &rng)),
            Field(name: "empty", hasPositions: false, terms: [], infos: []),
            Field(name: "one", hasPositions: true, terms: [Array("solo".utf8)],
                  infos: makeInfos(count: 1, hasPositions: true, using: &rng)),
            Field(name: "exact", hasPositions: false, terms: Array(bodyTerms.prefix(64)),
                  infos: makeInfos(count: 64, hasPositions: false, using: &rng)),
        ]
    }

    /// Writes `fields` to `seg.tdic`.
    static func write(_ fields: [Field], to directory: MemoryDirectory) throws {
        let writer = try TermDictionaryWriter(directory: directory, name: "seg.tdic", segmentID: .none)
        for field in fields {
            try writer.startField(field.name, hasPositions: field.hasPositions)
            for (term, info) in zip(field.terms, field.infos) { try writer.add(term: term, info: info) }
            try writer.finishField()
        }
        try writer.finish(sync: false)
    }

    /// Lookups of present and absent terms, full iteration and prefix enumeration match references.
    @Test func roundTripLookupsIterationAndPrefixes() throws {
        let fields = Self.makeFields(seed: 31)
        let directory = MemoryDirectory()
        try Self.write(fields, to: directory)
        let input = try directory.openInput("seg.tdic")
        try FileEnvelope.verifyChecksum(input.bytes, fileName: input.name)
        let reader = try TermDictionaryReader(input: input, segmentID: .none)
        #expect(reader.fieldNames == fields.map(\.name))
        #expect(reader.terms(forField: "missing") == nil)
        var rng = SeededGenerator(seed: 32)
        for field in fields {
            let terms = try #require(reader.terms(forField: field.name))
            #expect(terms.termCount == field.terms.count)
            #expect(terms.hasPositions == field.hasPositions)
            var reference: [[UInt8]: TermPostingsInfo] = [:]
            for (term, info) in zip(field.terms, field.infos) {
                reference[term] = info
                #expect(try terms.lookup(term) == info, "lookup \(term)")
            }
            // Absent terms, including near misses around present ones.
            for _ in 0..<2000 {
                var probe: [UInt8]
                if let base = field.terms.randomElement(using: &rng) {
                    probe = base
                    switch Int.random(in: 0..<5, using: &rng) {
                    case 0: probe.append(UInt8.random(in: 0...255, using: &rng))
                    case 1: if !probe.isEmpty { probe.removeLast() }
                    case 2: if !probe.isEmpty { probe[probe.count - 1] &+= 1 }
                    case 3: if !probe.isEmpty { probe[probe.count - 1] &-= 1 }
                    default: probe = (0..<Int.random(in: 0...5, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    }
                } else {
                    probe = Array("anything".utf8)
                }
                #expect(try terms.lookup(probe) == reference[probe], "probe \(probe)")
            }
            // Full ordered iteration.
            var iterator = terms.makeIterator()
            var seen: [[UInt8]] = []
            var seenInfos: [TermPostingsInfo] = []
            while try iterator.next() {
                seen.append(iterator.term)
                seenInfos.append(iterator.info)
            }
            #expect(seen == field.terms)
            #expect(seenInfos == field.infos)
            #expect(try iterator.next() == false)
            // Prefix enumeration against a reference filter, with limits.
            var prefixes: [[UInt8]] = [[], Array("re".utf8), Array("日".utf8), [0xFF], [0x00], Array("zzzz".utf8)]
            for _ in 0..<150 {
                if let base = field.terms.randomElement(using: &rng), !base.isEmpty {
                    prefixes.append(Array(base.prefix(Int.random(in: 1...min(4, base.count), using: &rng))))
                }
            }
            for prefix in prefixes {
                let expected = field.terms.enumerated().filter { $0.element.starts(with: prefix) }
                let limit = Int.random(in: 0..<3, using: &rng) == 0 ? max(0, expected.count - 1) : expected.count + 5
                if expected.count > limit {
                    #expect(throws: TrawlError.self) { _ = try terms.prefixTerms(prefix, limit: limit) }
                    var partial = terms.terms(withPrefix: prefix, limit: limit)
                    var produced = 0
                    do {
                        while try partial.next() { produced += 1 }
                        Issue.record("the limit was not enforced")
                    } catch {
                        #expect(error.code == .limitExceeded)
                    }
                    #expect(produced == limit)
                } else {
                    let found = try terms.prefixTerms(prefix, limit: limit)
                    #expect(found.map(\.term) == expected.map(\.element), "prefix \(prefix)")
                    #expect(found.map(\.info) == expected.map { field.infos[$0.offset] })
                }
            }
        }
    }

    /// Unsorted or duplicate terms and inconsistent infos are rejected.
    @Test func writerRejectsUnsortedAndDuplicateTerms() throws {
        let directory = MemoryDirectory()
        let writer = try TermDictionaryWriter(directory: directory, name: "x.tdic", segmentID: .none)
        let info = TermPostingsInfo(docFreq: 1, totalTermFreq: 1, maxFreq: 1, minLengthCode: 0)
        #expect(throws: TrawlError.self) { try writer.add(term: [1], info: info) }
        try writer.startField("f", hasPositions: false)
        try writer.add(term: Array("b".utf8), info: info)
        #expect(throws: TrawlError.self) { try writer.add(term: Array("b".utf8), info: info) }
        #expect(throws: TrawlError.self) { try writer.add(term: Array("a".utf8), info: info) }
        #expect(throws: TrawlError.self) { try writer.add(term: Array("ba".utf8), info: TermPostingsInfo(docFreq: 1, totalTermFreq: 2, maxFreq: 1, minLengthCode: 0)) }
        try writer.add(term: Array("ba".utf8), info: info)
        try writer.finishField()
        #expect(throws: TrawlError.self) { try writer.startField("f", hasPositions: false) }
    }

    /// Hundreds of seeded corruptions: errors, never crashes or endless loops.
    @Test func damagedDictionariesNeverCrash() throws {
        let fields = Array(Self.makeFields(seed: 41).prefix(2))
        let directory = MemoryDirectory()
        try Self.write(fields, to: directory)
        let bytes = directory.contents(of: "seg.tdic")!
        var rng = SeededGenerator(seed: 42)
        var opened = 0
        var failures = 0
        for _ in 0..<400 {
            let damaged = CodecTestSupport.corrupt(bytes, using: &rng)
            CodecTestSupport.withExactBytes(damaged) { raw in
                do throws(TrawlError) {
                    let reader = try TermDictionaryReader(bytes: raw, segmentID: .none, fileName: "seg.tdic")
                    opened += 1
                    for name in reader.fieldNames {
                        guard let terms = reader.terms(forField: name) else { continue }
                        var iterator = terms.makeIterator()
                        var steps = 0
                        while try iterator.next() {
                            steps += 1
                            if steps > 100_000 { Issue.record("iteration does not end"); break }
                        }
                        for field in fields {
                            for term in field.terms.prefix(300) { _ = try? terms.lookup(term) }
                        }
                        _ = try? terms.prefixTerms(Array("re".utf8), limit: 50)
                        _ = try? terms.prefixTerms([], limit: 10_000)
                    }
                } catch {
                    failures += 1
                    #expect(error.code == .corruptIndex || error.code == .limitExceeded || error.code == .incompatibleIndex)
                }
            }
        }
        #expect(opened > 0)
        #expect(failures > 0)
    }
}
