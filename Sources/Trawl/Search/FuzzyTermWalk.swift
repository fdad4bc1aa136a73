/// The terms of a ``TermTable`` within a number of edits of a word: a Levenshtein automaton
/// (Damerau–Levenshtein in its optimal-string-alignment form: insertion, deletion, substitution
/// and transposition of two neighbours each count one edit, as Lucene's default) intersected
/// with the terms in order.
///
/// The automaton (``LevenshteinAutomaton``) is a DFA made lazily: its state after a prefix is
/// the last rows of the edit-distance table of the word against that prefix, capped at
/// `maxEdits + 1` (Ukkonen; Schulz–Mihov's parametric states are the same rows, tabulated
/// ahead of time). Terms come in byte order with the length of the prefix they share
/// with the previous term, so a term resumes from the state of that shared prefix (kept on a
/// stack, one state per character) and only its own suffix is stepped. When a state is dead (no
/// cell within `maxEdits`: no extension can come back within reach) every following term that
/// shares that prefix is skipped without being read (galloping over the sorted terms past the
/// first few), which is the intersection with the dictionary's implied trie. Distances count
/// Unicode scalars, never bytes.
///
/// Cost: one transition-table read per character stepped (a new transition computes one row
/// of `word length + 1` cells, once per query); no allocation per term.
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
    /// word's remainder, in term order. A remainder longer than
    /// ``LevenshteinAutomaton/maximumWordLength`` scalars matches only itself.
    ///
    /// `automaton` keeps the word's automaton between calls for the same word, distance and
    /// prefix (over several fields and segments): pass the same variable, initially nil.
    ///
    /// With `tailFrom` (a number of scalars of the word after its prefix), a term also matches
    /// when it is within reach of a prefix of the word at least that long, its distance the
    /// smallest such (typo mode uses it to find the stems of misspelled inflected words).
    /// With `freeLastLetter` as well, a term ending in that ASCII letter also matches when all of
    /// it but that letter is (a stemmer may change a word's last letter, supply → suppli, so a
    /// typo next to it leaves the stem out of reach of every prefix: suppyl).
    static func matches(in table: TermTable, word: [UInt8], maxEdits: Int, prefixLength: Int = 0,
                        into result: inout [Match], automaton cached: inout LevenshteinAutomaton?,
                        tailFrom: Int? = nil, freeLastLetter: UInt8? = nil) {
        var k = max(0, min(maxEdits, maximumEdits))
        let allScalars = scalars(word)
        let fixed = min(max(0, prefixLength), allScalars.count)
        // The unchanged prefix in bytes.
        var prefixBytes = 0
        word.withUnsafeBufferPointer { b in
            for _ in 0..<fixed { prefixBytes += decode(b.baseAddress!, prefixBytes, b.count).1 }
        }
        let range = table.range(withPrefix: Array(word[0..<prefixBytes]))
        if range.isEmpty { return }
        if allScalars.count - fixed > LevenshteinAutomaton.maximumWordLength { k = 0 }
        if k == 0 {
            if let i = table.ordinal(of: word) { result.append(Match(ordinal: Int32(i), edits: 0)) }
            return
        }
        var automaton = cached ?? LevenshteinAutomaton(word: Array(allScalars[fixed...]), maxEdits: k, tailFrom: tailFrom,
                                                       freeLastLetter: freeLastLetter)
        defer { cached = automaton }
        cached = nil // keeps the automaton's storage uniquely referenced while it grows
        let levels = max(0, table.maxTermLength - prefixBytes) + 2
        // Per level (scalars stepped after the prefix): the byte offset in the term where it
        // ends, and the automaton's state there.
        let levelEnd = UnsafeMutablePointer<Int>.allocate(capacity: levels)
        defer { levelEnd.deallocate() }
        let levelState = UnsafeMutablePointer<Int32>.allocate(capacity: levels)
        defer { levelState.deallocate() }
        levelEnd[0] = prefixBytes
        levelState[0] = LevenshteinAutomaton.start
        table.bytes.withUnsafeBufferPointer { bytesBuffer in
            table.starts.withUnsafeBufferPointer { starts in
                table.shared.withUnsafeBufferPointer { shared in
                    table.heads.withUnsafeBufferPointer { heads in
                        table.next.withUnsafeBufferPointer { next in
                            guard let base = bytesBuffer.baseAddress else { return }
                            guard prefixBytes == 0 else {
                                walk(&automaton, base, starts, shared, heads, next, range, prefixBytes, levelEnd, levelState, table.headsEndTerms, &result)
                                return
                            }
                            // No fixed prefix: the trie's top levels first, the table below them.
                            let trie = table.trie
                            trie.labels.withUnsafeBufferPointer { labels in
                                trie.exact.withUnsafeBufferPointer { exact in
                                    trie.rest.withUnsafeBufferPointer { rest in
                                        trie.high.withUnsafeBufferPointer { high in
                                            trie.firstChild.withUnsafeBufferPointer { firstChild in
                                                let nodes = TrieBuffers(labels: labels, exact: exact, rest: rest, high: high,
                                                                        firstChild: firstChild)
                                                let root = LevenshteinAutomaton.start
                                                if exact[0] >= 0, automaton.distance(root) <= UInt8(automaton.maxEdits) {
                                                    result.append(Match(ordinal: exact[0], edits: automaton.distance(root)))
                                                }
                                                trieWalk(0, depth: 0, state: root, &automaton, nodes, base, starts, shared, heads,
                                                         next, levelEnd, levelState, table.headsEndTerms, &result)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The trie's arrays (``TermTable/Trie``) as raw buffers.
    private struct TrieBuffers {
        let labels: UnsafeBufferPointer<UInt8>
        let exact: UnsafeBufferPointer<Int32>
        let rest: UnsafeBufferPointer<UInt32>
        let high: UnsafeBufferPointer<UInt32>
        let firstChild: UnsafeBufferPointer<UInt32>
    }

    /// Walks the terms under trie node `node` (its prefix `depth` bytes long, the automaton in
    /// `state` after it): each child whose byte keeps the automaton alive, its exact term
    /// first, then the terms under the node that no child covers, over the table.
    private static func trieWalk(_ node: Int, depth: Int, state: Int32, _ automaton: inout LevenshteinAutomaton,
                                 _ trie: TrieBuffers, _ bytes: UnsafePointer<UInt8>, _ starts: UnsafeBufferPointer<UInt32>,
                                 _ shared: UnsafeBufferPointer<UInt8>, _ heads: UnsafeBufferPointer<UInt32>,
                                 _ next: UnsafeBufferPointer<UInt32>, _ levelEnd: UnsafeMutablePointer<Int>, _ levelState: UnsafeMutablePointer<Int32>,
                                 _ headsEndTerms: Bool, _ result: inout [Match]) {
        let k = UInt8(automaton.maxEdits)
        var child = Int(trie.firstChild[node])
        let childEnd = Int(trie.firstChild[node + 1])
        while child < childEnd {
            defer { child += 1 }
            let label = trie.labels[child]
            // A language-tagged term (another language's word) is never an expansion.
            if depth == 0 && label == DocumentLanguage.tagByte { continue }
            let advanced = automaton.step(state, UInt32(label))
            let term = trie.exact[child]
            // (A term ending in the free letter also matches by the state before it, even where
            // the automaton dies on that letter.)
            if term >= 0 {
                let distance = automaton.distance(after: advanced, before: state, last: label)
                if distance <= k { result.append(Match(ordinal: term, edits: distance)) }
            }
            if advanced == LevenshteinAutomaton.dead { continue }
            trieWalk(child, depth: depth + 1, state: advanced, &automaton, trie, bytes, starts, shared, heads, next, levelEnd, levelState,
                     headsEndTerms, &result)
        }
        let from = Int(trie.rest[node]), to = Int(trie.high[node])
        if from < to {
            levelEnd[0] = depth
            levelState[0] = state
            walk(&automaton, bytes, starts, shared, heads, next, from..<to, depth, levelEnd, levelState, headsEndTerms, &result)
        }
    }

    /// The walk proper, over raw buffers.
    private static func walk(_ automaton: inout LevenshteinAutomaton,
                             _ bytes: UnsafePointer<UInt8>, _ starts: UnsafeBufferPointer<UInt32>,
                             _ shared: UnsafeBufferPointer<UInt8>, _ heads: UnsafeBufferPointer<UInt32>,
                             _ next: UnsafeBufferPointer<UInt32>, _ range: Range<Int>, _ prefixBytes: Int,
                             _ levelEnd: UnsafeMutablePointer<Int>, _ levelState: UnsafeMutablePointer<Int32>,
                             _ headsEndTerms: Bool, _ result: inout [Match]) {
        let end = range.upperBound
        var j = range.lowerBound
        var level = 0
        let endsMarked = headsEndTerms
        // Whether the range's first term is language-tagged (never an expansion).
        let firstTagged = j < end && starts[j + 1] > starts[j] && bytes[Int(starts[j])] == DocumentLanguage.tagByte
        let k = UInt8(automaton.maxEdits)
        // Whether a term may end in a free letter (the walk then reads terms' last bytes).
        let anyFree = automaton.freeLastLetter != nil
        while j < end {
            var deadAt = -1
            if j != range.lowerBound {
                let common = max(Int(shared[j]), prefixBytes)
                while levelEnd[level] > common { level -= 1 }
                // The term's first new bytes, from the compact array: most terms are rejected
                // there, without reading the term (a cache miss each). ASCII bytes only, each
                // one level; a 0 ends the term.
                if endsMarked && levelEnd[level] == common && common == Int(shared[j]) && common < 255 {
                    var head = heads[j]
                    var state = levelState[level]
                    var position = common
                    var ended = false
                    for _ in 0..<4 {
                        let byte = head & 0xFF
                        if byte == 0 { ended = true; break }
                        if byte >= 0x80 { break }
                        state = automaton.step(state, byte)
                        level += 1
                        position += 1
                        levelEnd[level] = position
                        levelState[level] = state
                        if state == LevenshteinAutomaton.dead { deadAt = position; break }
                        head >>= 8
                    }
                    if ended {
                        // The whole term was stepped: it matches if within reach.
                        let distance = anyFree && level > 0
                            ? automaton.distance(after: state, before: levelState[level - 1], last: bytes[Int(starts[j + 1]) - 1])
                            : automaton.distance(state)
                        // (A term sharing bytes with the previous one starts as the range's first.)
                        let tagged = common > 0 ? firstTagged : heads[j] & 0xFF == UInt32(DocumentLanguage.tagByte)
                        if distance <= k, !tagged {
                            result.append(Match(ordinal: Int32(j), edits: distance))
                        }
                        j += 1
                        continue
                    }
                }
            } else {
                level = 0
            }
            if deadAt < 0 {
                let start = Int(starts[j])
                let length = Int(starts[j + 1]) - start
                var position = levelEnd[level]
                var state = levelState[level]
                while position < length {
                    let lead = bytes[start + position]
                    let c: UInt32, size: Int
                    if lead < 0x80 {
                        c = UInt32(lead)
                        size = 1
                    } else {
                        (c, size) = decode(bytes + start, position, length)
                    }
                    state = automaton.step(state, c)
                    level += 1
                    position += size
                    levelEnd[level] = position
                    levelState[level] = state
                    if state == LevenshteinAutomaton.dead {
                        deadAt = position
                        break
                    }
                }
                if deadAt < 0 {
                    let distance = anyFree && level > 0 && length > 0
                        ? automaton.distance(after: state, before: levelState[level - 1], last: bytes[start + length - 1])
                        : automaton.distance(state)
                    // A language-tagged term (another language's word) is never an expansion.
                    if distance <= k, length == 0 || bytes[start] != DocumentLanguage.tagByte {
                        result.append(Match(ordinal: Int32(j), edits: distance))
                    }
                    j += 1
                    continue
                }
            }
            if anyFree && level > 0 && Int(starts[j + 1]) - Int(starts[j]) == deadAt && bytes[Int(starts[j])] != DocumentLanguage.tagByte {
                // The automaton died on the term's last byte: a free letter lets the state before
                // it decide.
                let distance = automaton.distance(after: LevenshteinAutomaton.dead, before: levelState[level - 1],
                                                  last: bytes[Int(starts[j + 1]) - 1])
                if distance <= k { result.append(Match(ordinal: Int32(j), edits: distance)) }
            }
            j += 1
            // Skip every term that shares the dead prefix: in one jump from the table for the
            // shallow depths, otherwise from the shared lengths.
            if deadAt <= TermTable.skipDepths {
                let target = Int(next[(j - 1) * TermTable.skipDepths + deadAt - 1])
                j = target < end ? target : end
            } else {
                while j < end && Int(shared[j]) >= deadAt { j += 1 }
            }
        }
    }
}

/// A Levenshtein automaton for one word, optimal string alignment, built lazily as a DFA.
///
/// A state is the last two rows of the edit-distance table of the word against the input read
/// so far (each cell capped at `maxEdits + 1`) and the class of the last character read (the
/// transposition needs them); two inputs reaching equal rows and class are the same state.
/// Characters are classed by the word's distinct characters, plus one class for every other
/// character, so the transition table has `classes` columns. States and transitions are made
/// on first use and kept in flat arrays (rows in one byte arena, states found again through an
/// open-addressing hash over it), so a step already taken is one table read; state 0 is dead
/// (every cell above `maxEdits`: nothing read next can come back within reach).
struct LevenshteinAutomaton {
    /// The longest word (in scalars) an automaton is built for.
    static let maximumWordLength = 64
    /// The dead state.
    static let dead: Int32 = 0
    /// The start state.
    static let start: Int32 = 1

    let maxEdits: Int
    /// The ASCII letter a term may end in freely: the walks accept such a term by its state
    /// before that letter as well.
    let freeLastLetter: UInt8?
    /// ``freeLastLetter``, or 0xFF (never a byte of UTF-8) without one.
    let freeLast: UInt8
    private let m: Int
    private let width: Int
    /// Acceptance looks at the cells `tailFrom...m` of the last row (`m` alone by default).
    private let tailFrom: Int
    /// Bytes per state in the arena: the row, the previous row, the last character's class.
    private let stride: Int
    private let classCount: Int
    /// Per word position: its character's class (1...).
    private let wordClasses: [UInt8]
    /// Class of each ASCII character (0: not in the word).
    private var asciiClass = [UInt8](repeating: 0, count: 128)
    /// The word's non-ASCII characters and their classes.
    private var otherClasses: [(UInt32, UInt8)] = []
    /// Per state: rows and class (`stride` bytes).
    private var arena: [UInt8] = []
    /// Per state: the distance of the input to the whole word (capped).
    private var distances: [UInt8] = []
    /// Per state and class: the next state, -1 when not made yet.
    private var transitions: [Int32] = []
    /// Open addressing: state + 1, or 0 for an empty slot.
    private var slots: [Int32] = []
    private var scratch: [UInt8]

    /// Creates the automaton of `word` (at most ``maximumWordLength`` scalars) within `maxEdits`;
    /// with `tailFrom`, it accepts within reach of any prefix of the word at least that long.
    /// `freeLastLetter` tells the term walks to accept a term ending in it by its state before it
    /// too (``FuzzyTermWalk/matches(in:word:maxEdits:prefixLength:into:automaton:tailFrom:freeLastLetter:)``).
    init(word: [UInt32], maxEdits: Int, tailFrom: Int? = nil, freeLastLetter: UInt8? = nil) {
        self.maxEdits = maxEdits
        self.freeLastLetter = freeLastLetter
        freeLast = freeLastLetter ?? 0xFF
        m = word.count
        width = m + 1
        self.tailFrom = max(0, min(tailFrom ?? word.count, word.count))
        stride = 2 * width + 1
        var classes: [UInt8] = []
        var distinct: [UInt32] = []
        var ascii = [UInt8](repeating: 0, count: 128)
        var others: [(UInt32, UInt8)] = []
        for c in word {
            if let at = distinct.firstIndex(of: c) {
                classes.append(UInt8(at + 1))
            } else {
                distinct.append(c)
                let cls = UInt8(distinct.count)
                classes.append(cls)
                if c < 128 { ascii[Int(c)] = cls } else { others.append((c, cls)) }
            }
        }
        wordClasses = classes
        asciiClass = ascii
        otherClasses = others
        classCount = distinct.count + 1
        scratch = [UInt8](repeating: 0, count: 2 * width + 1)
        slots = [Int32](repeating: 0, count: 256)
        let cap = UInt8(maxEdits + 1)
        // State 0, dead: every cell capped.
        scratch = [UInt8](repeating: cap, count: stride)
        scratch[stride - 1] = 255
        _ = insert()
        // State 1, start: row j = j (capped), no previous row, no last character.
        for j in 0..<width { scratch[j] = UInt8(min(j, maxEdits + 1)) }
        for j in width..<(2 * width) { scratch[j] = cap }
        scratch[stride - 1] = 255
        _ = insert()
    }

    /// The class of a character.
    @inline(__always)
    private func characterClass(_ c: UInt32) -> UInt8 {
        if c < 128 { return asciiClass[Int(c)] }
        for (value, cls) in otherClasses where value == c { return cls }
        return 0
    }

    /// The distance to the whole word in `state` (capped at `maxEdits + 1`).
    @inline(__always)
    func distance(_ state: Int32) -> UInt8 { distances[Int(state)] }

    /// The distance of a whole term whose last byte `last` led from `before` to `after` (the dead
    /// state too, whose distance is above every limit): `after`'s, or the smaller of it and
    /// `before`'s when `last` is ``freeLastLetter``.
    @inline(__always)
    func distance(after: Int32, before: Int32, last: UInt8) -> UInt8 {
        let reached = distances[Int(after)]
        return last == freeLast ? min(reached, distances[Int(before)]) : reached
    }

    /// The state after reading `c` in `state`.
    @inline(__always)
    mutating func step(_ state: Int32, _ c: UInt32) -> Int32 {
        let cls = characterClass(c)
        let t = transitions[Int(state) * classCount + Int(cls)]
        if t >= 0 { return t }
        return make(state, cls)
    }

    /// Computes, finds or adds the state after reading a character of class `cls` in `state`.
    private mutating func make(_ state: Int32, _ cls: UInt8) -> Int32 {
        let cap = UInt8(maxEdits + 1)
        let k = UInt8(maxEdits)
        let from = Int(state) * stride
        let lastClass = arena[from + stride - 1]
        var smallest = cap
        // The new row into scratch[0..<width], the current one becomes the previous row.
        let first = arena[from] < cap ? arena[from] + 1 : cap
        scratch[0] = first
        smallest = first
        for x in 1..<max(1, width) {
            var v = min(arena[from + x], scratch[x - 1]) &+ 1
            let diagonal = arena[from + x - 1] &+ (wordClasses[x - 1] == cls ? 0 : 1)
            if diagonal < v { v = diagonal }
            if x >= 2 && wordClasses[x - 1] == lastClass && wordClasses[x - 2] == cls {
                let t = arena[from + width + x - 2] &+ 1
                if t < v { v = t }
            }
            if v > cap { v = cap }
            scratch[x] = v
            if v < smallest { smallest = v }
        }
        let next: Int32
        if smallest > k {
            next = LevenshteinAutomaton.dead
        } else {
            for x in 0..<width { scratch[width + x] = arena[from + x] }
            scratch[stride - 1] = cls
            next = insert()
        }
        transitions[Int(state) * classCount + Int(cls)] = next
        return next
    }

    /// Finds the state whose bytes are `scratch`, or adds it; returns its number.
    private mutating func insert() -> Int32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for x in 0..<stride { hash = (hash ^ UInt64(scratch[x])) &* 0x100_0000_01b3 }
        var mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while slots[slot] != 0 {
            let candidate = Int(slots[slot] - 1)
            var equal = true
            let at = candidate * stride
            for x in 0..<stride where arena[at + x] != scratch[x] { equal = false; break }
            if equal { return Int32(candidate) }
            slot = (slot + 1) & mask
        }
        let number = distances.count
        arena.append(contentsOf: scratch[0..<stride])
        var accepted = scratch[m]
        for x in tailFrom..<width where scratch[x] < accepted { accepted = scratch[x] }
        distances.append(accepted)
        transitions.append(contentsOf: repeatElement(-1, count: classCount))
        slots[slot] = Int32(number + 1)
        if 2 * distances.count > slots.count {
            // Grow and rehash.
            slots = [Int32](repeating: 0, count: slots.count * 2)
            mask = slots.count - 1
            for s in 0..<distances.count {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for x in 0..<stride { h = (h ^ UInt64(arena[s * stride + x])) &* 0x100_0000_01b3 }
                var i = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
                while slots[i] != 0 { i = (i + 1) & mask }
                slots[i] = Int32(s + 1)
            }
        }
        return Int32(number)
    }
}
