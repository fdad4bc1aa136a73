/// A field's terms decoded once into flat arrays, for walks that visit many terms: fuzzy
/// expansion (``FuzzyTermWalk``), autocompletion and "did you mean".
///
/// The term dictionary on disk is built for lookups (a binary search over block first terms,
/// then one block); a walk in term order would decode every block. This table keeps, per term
/// (by ordinal, in byte order): its bytes, the length of the prefix it shares with the previous
/// term (capped at 255) and its document frequency. A walk that rejects a prefix of depth `d`
/// skips every following term sharing at least `d` bytes with it — the subtree of the implied
/// trie — so a Levenshtein automaton intersected with the table visits only the
/// prefixes it can still accept (as over Lucene's and Tantivy's FSTs).
///
/// Built lazily per segment and field on first use (``SegmentReader/termTable(field:)``) and
/// kept with the segment: 29 bytes per term plus the term bytes, and 21 bytes per node of the
/// trie's top levels (``Trie``).
final class TermTable: Sendable {
    /// The number of terms.
    let count: Int
    /// Term `i`'s bytes are `bytes[starts[i] ..< starts[i + 1]]`.
    let starts: [UInt32]
    /// Every term's bytes, concatenated in order.
    let bytes: [UInt8]
    /// Per term: the length of the prefix shared with the previous term, capped at 255 (0 for term 0).
    let shared: [UInt8]
    /// Per term: its first four bytes after the prefix it shares with the previous term (from
    /// `shared[j]` on), the first in the low byte, 0 past the term's end. A walk steps through
    /// them before reading the term itself, which is rejected there most of the time; it reads
    /// the term when they run out, or when ``headsEndTerms`` is false (a term holds a 0 byte,
    /// so 0 cannot mark the end).
    let heads: [UInt32]
    /// Whether a 0 in ``heads`` marks the end of the term (no term holds a 0 byte).
    let headsEndTerms: Bool
    /// How many depths ``next`` covers.
    static let skipDepths = 4
    /// Per term `j` and depth `d` in `1...skipDepths`, at `j * skipDepths + d - 1`: the first
    /// term after `j` that does not share `j`'s first `d` bytes (`count` when none): where a
    /// walk goes on when `j`'s prefix of `d` bytes is rejected.
    let next: [UInt32]
    /// Per term: its document frequency in the segment.
    let documentFrequencies: [UInt32]
    /// The longest term, in bytes.
    let maxTermLength: Int
    /// The top levels of the implied trie (``Trie``), over ASCII bytes.
    let trie: Trie

    /// The first ``depth`` levels of the trie the sorted terms imply, as flat arrays in
    /// breadth-first order (node 0 is the root, the empty prefix): per node, its byte, the
    /// terms under it and where its children are. A walk reads a node's children from a few
    /// contiguous bytes instead of visiting the first term of every child in the table (a cache
    /// miss each), which is where a fuzzy walk at distance 2 spent most of its time: nearly
    /// every prefix of one or two letters is within reach, so every child of those is tried.
    ///
    /// Only ASCII bytes become nodes, so a node's prefix is as many characters as bytes; the
    /// terms under a node from its first non-ASCII byte on are left to a walk over the table
    /// (``rest``), as are the terms under the nodes of the last level.
    struct Trie: Sendable {
        /// How many levels below the root.
        static let depth = 4
        /// Per node: the byte that ends its prefix (0 for the root).
        let labels: [UInt8]
        /// Per node: the ordinal of the term equal to its prefix, or -1.
        let exact: [Int32]
        /// Per node: the first term under it that its children do not cover (the first term
        /// whose next byte is not ASCII; for the last level, the first term longer than the prefix).
        let rest: [UInt32]
        /// Per node: the end of its terms (one past the last ordinal sharing its prefix).
        let high: [UInt32]
        /// Per node: its first child; its children are `firstChild[n] ..< firstChild[n + 1]`.
        let firstChild: [UInt32]
    }

    /// Decodes every term of `terms`.
    init(_ terms: FieldTerms) throws(TrawlError) {
        var starts: [UInt32] = []
        starts.reserveCapacity(terms.termCount + 1)
        var bytes: [UInt8] = []
        var shared: [UInt8] = []
        shared.reserveCapacity(terms.termCount)
        var heads: [UInt32] = []
        heads.reserveCapacity(terms.termCount)
        var zeroFree = true
        var frequencies: [UInt32] = []
        frequencies.reserveCapacity(terms.termCount)
        var longest = 0
        var iterator = terms.makeIterator()
        var previousStart = 0
        while try iterator.next() {
            let start = bytes.count
            starts.append(UInt32(truncatingIfNeeded: start))
            let term = iterator.term
            var common = 0
            if start > 0 {
                let previousLength = start - previousStart
                let n = min(previousLength, term.count, 255)
                while common < n && bytes[previousStart + common] == term[common] { common += 1 }
            }
            shared.append(UInt8(common))
            var head: UInt32 = 0
            for i in 0..<4 where common + i < term.count { head |= UInt32(term[common + i]) << UInt32(8 * i) }
            heads.append(head)
            if !zeroFree || term.contains(0) { zeroFree = false }
            bytes.append(contentsOf: term)
            frequencies.append(iterator.info.docFreq)
            longest = max(longest, term.count)
            previousStart = start
        }
        if bytes.count > Int(UInt32.max) {
            throw TrawlError(.limitExceeded, "the terms of field \(terms.name) exceed 4 GiB", path: terms.fileName)
        }
        starts.append(UInt32(truncatingIfNeeded: bytes.count))
        count = frequencies.count
        let depths = TermTable.skipDepths
        var next = [UInt32](repeating: UInt32(truncatingIfNeeded: count), count: count * depths)
        if count > 1 {
            for j in stride(from: count - 2, through: 0, by: -1) {
                let after = Int(shared[j + 1])
                for d in 1...depths {
                    next[j * depths + d - 1] = after < d ? UInt32(j + 1) : next[(j + 1) * depths + d - 1]
                }
            }
        }
        trie = TermTable.makeTrie(count: count, starts: starts, bytes: bytes, shared: shared, next: next)
        self.next = next
        self.starts = starts
        self.bytes = bytes
        self.shared = shared
        self.heads = heads
        headsEndTerms = zeroFree
        documentFrequencies = frequencies
        maxTermLength = longest
    }

    /// The top levels of the trie of `count` sorted terms (``Trie``), each node's children
    /// found with the skip table `next` (one jump per child).
    private static func makeTrie(count: Int, starts: [UInt32], bytes: [UInt8], shared: [UInt8], next: [UInt32]) -> Trie {
        let depths = TermTable.skipDepths
        var labels: [UInt8] = [0], exact: [Int32] = [-1], high: [UInt32] = [UInt32(truncatingIfNeeded: count)]
        var low: [Int] = [0]
        var rest: [UInt32] = [], firstChild: [UInt32] = []
        @inline(__always) func length(_ j: Int) -> Int { Int(starts[j + 1]) - Int(starts[j]) }
        if count > 0 && length(0) == 0 { exact[0] = 0 }
        var levelStart = 0, levelEnd = 1
        for depth in 0..<Trie.depth {
            for n in levelStart..<levelEnd {
                firstChild.append(UInt32(truncatingIfNeeded: labels.count))
                let end = Int(high[n])
                var j = low[n]
                if exact[n] >= 0 { j += 1 }
                while j < end {
                    let byte = bytes[Int(starts[j]) + depth]
                    guard byte < 0x80 else { break }
                    // The terms sharing j's first depth + 1 bytes: one jump in the skip table for
                    // the shallow depths, otherwise along the shared lengths.
                    var groupEnd: Int
                    if depth < depths {
                        groupEnd = min(end, Int(next[j * depths + depth]))
                    } else {
                        groupEnd = j + 1
                        while groupEnd < end && Int(shared[groupEnd]) > depth { groupEnd += 1 }
                    }
                    labels.append(byte)
                    exact.append(length(j) == depth + 1 ? Int32(truncatingIfNeeded: j) : -1)
                    low.append(j)
                    high.append(UInt32(truncatingIfNeeded: groupEnd))
                    j = groupEnd
                }
                rest.append(UInt32(truncatingIfNeeded: j))
            }
            levelStart = levelEnd
            levelEnd = labels.count
        }
        // The last level: no children, everything past the exact term is left to the table walk.
        for n in levelStart..<levelEnd {
            firstChild.append(UInt32(truncatingIfNeeded: labels.count))
            rest.append(UInt32(truncatingIfNeeded: low[n] + (exact[n] >= 0 ? 1 : 0)))
        }
        firstChild.append(UInt32(truncatingIfNeeded: labels.count))
        return Trie(labels: labels, exact: exact, rest: rest, high: high, firstChild: firstChild)
    }

    /// Term `i`'s bytes as an array.
    func term(_ i: Int) -> [UInt8] {
        Array(bytes[Int(starts[i])..<Int(starts[i + 1])])
    }

    /// Term `i` as a string.
    func string(_ i: Int) -> String {
        String(decoding: bytes[Int(starts[i])..<Int(starts[i + 1])], as: UTF8.self)
    }

    /// Compares term `i` with `key` (unsigned byte order): negative, zero or positive.
    func compare(_ i: Int, _ key: UnsafeRawBufferPointer) -> Int {
        bytes.withUnsafeBytes { all in
            TermDictionary.compare(UnsafeRawBufferPointer(rebasing: all[Int(starts[i])..<Int(starts[i + 1])]), key)
        }
    }

    /// The ordinal of the first term not below `key` (`count` when every term is below it).
    func lowerBound(_ key: UnsafeRawBufferPointer) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) >> 1
            if compare(mid, key) < 0 { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The ordinals of the terms that start with `prefix`.
    func range(withPrefix prefix: [UInt8]) -> Range<Int> {
        if prefix.isEmpty { return 0..<count }
        let low = prefix.withUnsafeBytes { lowerBound($0) }
        // The first term above every extension of the prefix: the prefix with its last
        // non-0xFF byte incremented (none: every term from `low` on).
        var upperKey = prefix
        while let last = upperKey.last, last == 0xFF { upperKey.removeLast() }
        guard !upperKey.isEmpty else { return low..<count }
        upperKey[upperKey.count - 1] += 1
        let high = upperKey.withUnsafeBytes { lowerBound($0) }
        return low..<max(low, high)
    }

    /// The ordinal of `term`, or `nil` when the field does not hold it.
    func ordinal(of term: [UInt8]) -> Int? {
        term.withUnsafeBytes { key -> Int? in
            let i = lowerBound(key)
            return i < count && compare(i, key) == 0 ? i : nil
        }
    }
}
