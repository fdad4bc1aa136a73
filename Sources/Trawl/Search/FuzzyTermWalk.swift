/// The terms of a ``TermTable`` within a number of edits of a word: a Levenshtein automaton
/// (Damerau–Levenshtein in its optimal-string-alignment form: insertion, deletion, substitution
/// and transposition of two neighbours each count one edit, as Lucene's default) intersected
/// with the terms in order.
///
/// The automaton's state after a prefix is the row of the edit-distance table of the word
/// against that prefix, capped at `maxEdits + 1` (Ukkonen; Schulz–Mihov's parametric states are
/// the same rows, tabulated). Terms come in byte order with the length of the prefix they share
/// with the previous term, so a term resumes from the state of that shared prefix (kept on a
/// stack, one row per character) and only its own suffix is stepped. When a state is dead (no
/// cell within `maxEdits`: no extension can come back within reach) every following term that
/// shares that prefix is skipped without being read — runs of ``TermTable/runLength`` terms at
/// a time — which is the intersection with the dictionary's implied trie. Distances count
/// Unicode scalars, never bytes.
///
/// Cost: one row of `word length + 1` byte cells per character stepped; no allocation besides
/// the stack, made once per call.
enum FuzzyTermWalk {
    /// A term within reach of the word.
    struct Match: Equatable {
        /// The term's ordinal in the table.
        var ordinal: Int32
        /// Its distance from the word (after the unchanged prefix), 0 for the word itself.
        var edits: UInt8
    }

    /// The largest edit distance a walk accepts (as Lucene's `LevenshteinAutomata.MAXIMUM_SUPPORTED_DISTANCE`).
    static let maximumEdits = 2

    /// Decodes UTF-8 into scalar values (an invalid byte stands for itself, above the scalar range).
    static func scalars(_ bytes: [UInt8]) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(bytes.count)
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                let (value, length) = decode(b.baseAddress!, i, b.count)
                result.append(value)
                i += length
            }
        }
        return result
    }

    /// The scalar starting at `i` and its length in bytes (at least 1, never past `end`).
    @inline(__always)
    static func decode(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> (UInt32, Int) {
        let lead = p[i]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        if length == 1 || i + length > end { return (0x110000 | UInt32(lead), 1) }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for k in 1..<length {
            let c = p[i + k]
            if c & 0xC0 != 0x80 { return (0x110000 | UInt32(lead), 1) }
            value = value << 6 | UInt32(c & 0x3F)
        }
        return (value, length)
    }

    /// Appends to `result` every term of `table` that starts with the first `prefixLength`
    /// scalars of `word` and whose remainder is within `maxEdits` (0...``maximumEdits``) of the
    /// word's remainder, in term order.
    static func matches(in table: TermTable, word: [UInt8], maxEdits: Int, prefixLength: Int = 0,
                        into result: inout [Match]) {
        let k = max(0, min(maxEdits, maximumEdits))
        let allScalars = scalars(word)
        let fixed = min(max(0, prefixLength), allScalars.count)
        // The unchanged prefix in bytes.
        var prefixBytes = 0
        word.withUnsafeBufferPointer { b in
            for _ in 0..<fixed { prefixBytes += decode(b.baseAddress!, prefixBytes, b.count).1 }
        }
        let range = table.range(withPrefix: Array(word[0..<prefixBytes]))
        if range.isEmpty { return }
        if k == 0 {
            if let i = table.ordinal(of: word) { result.append(Match(ordinal: Int32(i), edits: 0)) }
            return
        }
        let w = Array(allScalars[fixed...])
        let m = w.count
        let width = m + 1
        let levels = max(0, table.maxTermLength - prefixBytes) + 2
        let rows = UnsafeMutablePointer<UInt8>.allocate(capacity: levels * width)
        defer { rows.deallocate() }
        // Per level (scalars stepped after the prefix): the byte offset in the term where it
        // ends, and its scalar.
        let levelEnd = UnsafeMutablePointer<Int>.allocate(capacity: levels)
        defer { levelEnd.deallocate() }
        let levelChar = UnsafeMutablePointer<UInt32>.allocate(capacity: levels)
        defer { levelChar.deallocate() }
        let cap = UInt8(k + 1)
        for j in 0..<width { rows[j] = UInt8(min(j, k + 1)) }
        levelEnd[0] = prefixBytes
        levelChar[0] = 0
        w.withUnsafeBufferPointer { wb in
            table.bytes.withUnsafeBufferPointer { bytesBuffer in
                table.starts.withUnsafeBufferPointer { starts in
                    table.shared.withUnsafeBufferPointer { shared in
                        table.runMinimumShared.withUnsafeBufferPointer { runs in
                            guard let base = bytesBuffer.baseAddress ?? UnsafePointer(bitPattern: 1) else { return }
                            walk(wb, m, k, cap, base, starts, shared, runs, range, prefixBytes, rows, levelEnd, levelChar, &result)
                        }
                    }
                }
            }
        }
    }

    /// The walk proper, over raw buffers.
    @inline(__always)
    private static func walk(_ w: UnsafeBufferPointer<UInt32>, _ m: Int, _ k: Int, _ cap: UInt8,
                             _ bytes: UnsafePointer<UInt8>, _ starts: UnsafeBufferPointer<UInt32>,
                             _ shared: UnsafeBufferPointer<UInt8>, _ runs: UnsafeBufferPointer<UInt8>,
                             _ range: Range<Int>, _ prefixBytes: Int, _ rows: UnsafeMutablePointer<UInt8>,
                             _ levelEnd: UnsafeMutablePointer<Int>, _ levelChar: UnsafeMutablePointer<UInt32>,
                             _ result: inout [Match]) {
        let width = m + 1
        let runLength = TermTable.runLength
        let end = range.upperBound
        var j = range.lowerBound
        var level = 0
        let kk = UInt8(k)
        while j < end {
            let start = Int(starts[j])
            let length = Int(starts[j + 1]) - start
            if j != range.lowerBound {
                let common = max(Int(shared[j]), prefixBytes)
                while levelEnd[level] > common { level -= 1 }
            } else {
                level = 0
            }
            var position = levelEnd[level]
            var deadAt = -1
            while position < length {
                let (c, size) = decode(bytes + start, position, length)
                let previous = rows + level * width
                let current = previous + width
                let first = UInt8(min(level + 1, k + 1))
                current[0] = first
                var smallest = first
                if level >= 1 {
                    let before = previous - width
                    let tp = levelChar[level]
                    var left = first
                    for x in 1..<width {
                        let wc = w[x - 1]
                        var v = min(previous[x], left) &+ 1
                        let diagonal = previous[x - 1] &+ (wc == c ? 0 : 1)
                        if diagonal < v { v = diagonal }
                        if x >= 2 && wc == tp && w[x - 2] == c {
                            let t = before[x - 2] &+ 1
                            if t < v { v = t }
                        }
                        if v > cap { v = cap }
                        current[x] = v
                        left = v
                        if v < smallest { smallest = v }
                    }
                } else {
                    var left = first
                    for x in 1..<width {
                        var v = min(previous[x], left) &+ 1
                        let diagonal = previous[x - 1] &+ (w[x - 1] == c ? 0 : 1)
                        if diagonal < v { v = diagonal }
                        if v > cap { v = cap }
                        current[x] = v
                        left = v
                        if v < smallest { smallest = v }
                    }
                }
                level += 1
                position += size
                levelEnd[level] = position
                levelChar[level] = c
                if smallest > kk {
                    deadAt = position
                    break
                }
            }
            j += 1
            if deadAt < 0 {
                let distance = rows[level * width + m]
                if distance <= kk { result.append(Match(ordinal: Int32(j - 1), edits: distance)) }
                continue
            }
            // Skip every term that shares the dead prefix.
            while j < end {
                if j & (runLength - 1) == 0 && j + runLength <= end && Int(runs[j / runLength]) >= deadAt {
                    j += runLength
                } else if Int(shared[j]) >= deadAt {
                    j += 1
                } else {
                    break
                }
            }
        }
    }
}
