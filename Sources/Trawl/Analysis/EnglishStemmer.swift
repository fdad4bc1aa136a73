/// The Snowball English ("Porter2") stemmer, as defined by `algorithms/english.sbl` in
/// Snowball 3.x, including the 2023–2025 revisions:
///
/// - undoubling after `-ed`/`-ing` is skipped for three-letter stems starting with `a`, `e`
///   or `o` (`added` → `add`, `ebbing` → `ebb`, `offing` → `off`);
/// - `-ogist` → `-og` in step 2 (`geologist` → `geolog`);
/// - more fixed R1 prefixes (`past`, `univers`, `later`, `emerg`, `organ`, `inter`) and
///   `past` treated as a short syllable (`pasted` → `paste`);
/// - the `-ing` exceptions (`dying` → `die`, `inning`, `outing`, `evening`, ...) and the
///   `-eed` exceptions (`proceed`, `exceed`, `succeed`) folded into step 1b.
///
/// The stemmer works on UTF-8 bytes in place and never allocates when the array it is given
/// is uniquely referenced. The input is expected to be lower-cased and case-folded, with
/// ASCII apostrophes. Only the ASCII letters `a e i o u y` are vowels; every other byte, and
/// every non-ASCII character, is a non-vowel. Where the algorithm steps over or counts
/// whole characters (`hop`, `next`, the short-syllable test), a multi-byte UTF-8 sequence
/// counts as one character, as in Snowball's own UTF-8 runtime, so non-ASCII words stem the
/// same way the reference implementation stems them. Malformed UTF-8 is accepted: a byte
/// that does not belong to a well-formed sequence counts as one character. No input, of any
/// length or content, makes the stemmer trap.
package enum EnglishStemmer {

    /// Stems `word` in place: on return the array holds the stem, and its count is the
    /// stem's length in bytes. Capacity is kept, so a caller reusing one buffer per token
    /// causes no allocation (a shared array is copied once, by copy-on-write, as usual).
    package static func stem(_ word: inout [UInt8]) {
        let original = word.count
        // The main path cannot reach the array's storage before this check (an empty array
        // may have no buffer at all); words shorter than 3 bytes are left alone anyway.
        guard original >= 3 else { return }
        let length = word.withUnsafeMutableBufferPointer { stem($0) }
        if length < original {
            word.removeLast(original - length)
        }
    }

    /// Stems `word` and returns the stem. A convenience for tests and tools; it allocates.
    package static func stem(_ word: String) -> String {
        var bytes = Array(word.utf8)
        stem(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Stems the bytes of `buffer` in place and returns the stem's length: the stem occupies
    /// `buffer[0..<result]`, and the bytes after it are left in an unspecified state. The
    /// stem is never longer than the input, so the buffer never needs to grow.
    package static func stem(_ buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        var word = Stemming(bytes: base, count: buffer.count)
        word.run()
        return word.count
    }
}

// MARK: - Byte classes

/// The ASCII byte values the algorithm names, as `UInt8` constants.
private enum ASCII {
    /// `'`: the apostrophe of possessives and contractions.
    static let apostrophe = UInt8(ascii: "'")
    /// `y`, which is a vowel unless the prelude turns it into `Y`.
    static let y = UInt8(ascii: "y")
    /// `Y`: a `y` that acts as a consonant (word-initial, or after a vowel).
    static let upperY = UInt8(ascii: "Y")
    /// `i`, which replaces a final consonant-preceded `y` in step 1c.
    static let i = UInt8(ascii: "i")
    /// `e`, restored after removing `-ed`/`-ing` from a short stem (`hoped` → `hope`).
    static let e = UInt8(ascii: "e")
    /// `l`, for the `-ogi` rule and the final double `l` of step 5.
    static let l = UInt8(ascii: "l")
    /// `s`, one of the two letters that may precede a removable `-ion`.
    static let s = UInt8(ascii: "s")
    /// `t`, the other letter that may precede a removable `-ion`.
    static let t = UInt8(ascii: "t")
}

/// Character classes of the algorithm as 26-bit masks over `a`...`z` (bit 0 is `a`).
private enum Grouping {
    /// `v`: the vowels `a e i o u y`.
    static let vowels: UInt32 = mask("aeiouy")
    /// `aeo`: the first letters of three-letter stems that keep a double consonant.
    static let aeo: UInt32 = mask("aeo")
    /// `valid_LI`: the letters before which `-li` is removed in step 2.
    static let validLI: UInt32 = mask("cdeghkmnrt")
    /// The doubles undoubled in step 1b (`bb dd ff gg mm nn pp rr tt`).
    static let doubles: UInt32 = mask("bdfgmnprt")
    /// The lower-case part of `v_WXY`: vowels plus `w` and `x` (`Y` is checked apart).
    static let vowelsWX: UInt32 = mask("aeiouywx")

    /// Builds a mask from the lower-case ASCII letters of `letters`.
    private static func mask(_ letters: StaticString) -> UInt32 {
        var result: UInt32 = 0
        let p = letters.utf8Start
        for k in 0..<letters.utf8CodeUnitCount {
            result |= 1 << UInt32(p[k] &- 97)
        }
        return result
    }

    /// Whether `byte` is a lower-case ASCII letter whose bit is set in `mask`.
    @inline(__always)
    static func contains(_ mask: UInt32, _ byte: UInt8) -> Bool {
        let offset = byte &- 97
        return offset < 26 && (mask >> UInt32(offset)) & 1 != 0
    }

    /// Whether `byte` is one of the vowels `a e i o u y`.
    @inline(__always)
    static func isVowel(_ byte: UInt8) -> Bool { contains(vowels, byte) }
}

// MARK: - The algorithm

/// The state of one stemming run: the bytes, the current length, the R1/R2 region starts
/// and whether the prelude introduced a consonant `Y`.
///
/// All edits the algorithm makes are at the end of the word (or remove a leading apostrophe),
/// and none makes the word longer than the input, so the edits happen in the caller's buffer.
private struct Stemming {
    /// The word's first byte; `count` bytes from here are the current word.
    let bytes: UnsafeMutablePointer<UInt8>
    /// The current length of the word in bytes (Snowball's `limit`).
    var count: Int
    /// The bytes available for writing: the input's length. Edits never exceed it.
    let capacity: Int
    /// Start of R1, as set by `markRegions`. Like Snowball's `p1`, it is an absolute offset
    /// that later edits do not adjust, and it may exceed `count` once the word has shrunk.
    var p1 = 0
    /// Start of R2; see `p1`.
    var p2 = 0
    /// Whether the prelude turned some `y` into `Y` (so the postlude must turn them back).
    var foundY = false

    /// Wraps `count` bytes at `bytes`.
    init(bytes: UnsafeMutablePointer<UInt8>, count: Int) {
        self.bytes = bytes
        self.count = count
        self.capacity = count
    }

    /// `stem`: exceptional words first; then words of fewer than 3 characters are left
    /// unchanged; otherwise prelude, regions, steps 1a–5 from the end, and postlude.
    mutating func run() {
        if exception1() { return }
        guard hasCharacters(3, before: count) else { return }
        prelude()
        markRegions()
        step1a()
        step1b()
        step1c()
        step2()
        step3()
        step4()
        step5()
        postlude()
    }

    // MARK: Byte and character access

    /// Whether the word, cut to its first `end` bytes, ends with `suffix`.
    @inline(__always)
    func ends(with suffix: StaticString, at end: Int) -> Bool {
        let n = suffix.utf8CodeUnitCount
        guard n <= end else { return false }
        let p = suffix.utf8Start
        let start = end - n
        for k in 0..<n where bytes[start + k] != p[k] {
            return false
        }
        return true
    }

    /// Whether the current word ends with `suffix`.
    @inline(__always)
    func ends(with suffix: StaticString) -> Bool { ends(with: suffix, at: count) }

    /// Whether the first `end` bytes are exactly `text`.
    @inline(__always)
    func prefix(_ end: Int, equals text: StaticString) -> Bool {
        end == text.utf8CodeUnitCount && ends(with: text, at: end)
    }

    /// Whether the word starts with `text` (a fixed R1 prefix in `markRegions`).
    @inline(__always)
    func starts(with text: StaticString) -> Bool {
        text.utf8CodeUnitCount <= count && ends(with: text, at: text.utf8CodeUnitCount)
    }

    /// Replaces the bytes from `start` to the end with `text` (never longer than what it
    /// replaces, so it stays in the buffer); Snowball's `<-` on a suffix slice.
    @inline(__always)
    mutating func replace(from start: Int, with text: StaticString) {
        let n = text.utf8CodeUnitCount
        guard start + n <= capacity else { return }
        let p = text.utf8Start
        for k in 0..<n {
            bytes[start + k] = p[k]
        }
        count = start + n
    }

    /// Appends one byte if the buffer has room (it always has: an `e` is only appended after
    /// a suffix of at least two bytes was removed).
    @inline(__always)
    mutating func append(_ byte: UInt8) {
        guard count < capacity else { return }
        bytes[count] = byte
        count += 1
    }

    /// The start of the character that ends at byte offset `end` (`end > 0`). An ASCII byte
    /// is one character; a UTF-8 lead byte with its (at most three) continuation bytes is
    /// one character; any other byte counts as a character of its own.
    @inline(__always)
    func characterStart(before end: Int) -> Int {
        let last = end - 1
        guard bytes[last] >= 0x80 else { return last }
        var k = last
        var steps = 0
        while steps < 3, k > 0, bytes[k] & 0xC0 == 0x80 {
            k -= 1
            steps += 1
        }
        return bytes[k] >= 0xC0 ? k : last
    }

    /// The end of the character that starts at byte offset `start` (`start < count`); the
    /// forward counterpart of `characterStart(before:)`.
    @inline(__always)
    func characterEnd(from start: Int) -> Int {
        var k = start + 1
        guard bytes[start] >= 0xC0 else { return k }
        var steps = 0
        while steps < 3, k < count, bytes[k] & 0xC0 == 0x80 {
            k += 1
            steps += 1
        }
        return k
    }

    /// Whether the first `end` bytes hold at least `needed` characters (Snowball's `hop`).
    func hasCharacters(_ needed: Int, before end: Int) -> Bool {
        var k = 0
        var seen = 0
        while k < end {
            seen += 1
            if seen >= needed { return true }
            k = characterEnd(from: k)
        }
        return needed <= 0
    }

    /// Whether the character occupying `start..<end` is not in `v` (a non-ASCII character
    /// never is).
    @inline(__always)
    func isNonVowel(_ start: Int, _ end: Int) -> Bool {
        end - start > 1 || !Grouping.isVowel(bytes[start])
    }

    /// Whether any of the first `end` bytes is a vowel (`test gopast v` run backwards).
    @inline(__always)
    func hasVowel(before end: Int) -> Bool {
        var k = end
        while k > 0 {
            k -= 1
            if Grouping.isVowel(bytes[k]) { return true }
        }
        return false
    }

    /// `gopast v`: the offset just after the first vowel at or after `start`, if any.
    @inline(__always)
    func afterVowel(from start: Int) -> Int? {
        var k = start
        while k < count {
            if Grouping.isVowel(bytes[k]) { return k + 1 }
            k += 1
        }
        return nil
    }

    /// `gopast non-v`: the offset just after the first non-vowel character at or after
    /// `start`, if any.
    @inline(__always)
    func afterNonVowel(from start: Int) -> Int? {
        var k = start
        while k < count {
            if !Grouping.isVowel(bytes[k]) { return characterEnd(from: k) }
            k += 1
        }
        return nil
    }

    /// R1 holds at `start` (the beginning of a suffix) when `p1 <= start`.
    @inline(__always)
    func inR1(_ start: Int) -> Bool { p1 <= start }

    /// R2 holds at `start` when `p2 <= start`.
    @inline(__always)
    func inR2(_ start: Int) -> Bool { p2 <= start }

    /// `shortv`: whether the first `end` bytes end in a short syllable, that is
    /// non-vowel + vowel + non-vowel other than `w`, `x` or `Y` (`hop`, `rap`), or a vowel
    /// at the start of the word followed by a non-vowel (`at`, `ow`), or (since 2023) `past`.
    func endsInShortSyllable(_ end: Int) -> Bool {
        if end >= 2 {
            let lastStart = characterStart(before: end)
            let last = bytes[lastStart]
            let lastIsSingle = end - lastStart == 1
            // The last character must be a non-vowel, and the one before it a vowel.
            if !lastIsSingle || !Grouping.isVowel(last), lastStart > 0,
               Grouping.isVowel(bytes[lastStart - 1]) {
                let vowelStart = lastStart - 1
                if vowelStart == 0 {
                    return true
                }
                let firstStart = characterStart(before: vowelStart)
                let lastNotWXY = !lastIsSingle
                    || !(Grouping.contains(Grouping.vowelsWX, last) || last == ASCII.upperY)
                if lastNotWXY && isNonVowel(firstStart, vowelStart) {
                    return true
                }
            }
        }
        return ends(with: "past", at: end)
    }

    // MARK: Exceptions

    /// `exception1`: whole words with a fixed stem, checked before anything else.
    /// `skis` → `ski`, `skies` → `sky`, the `-ly` words `idly`, `gently`, `ugly`, `early`,
    /// `only`, `singly` (→ `idl`, `gentl`, `ugli`, `earli`, `onli`, `singl`), and the
    /// invariant `sky`, `news`, `howe`, `atlas`, `cosmos`, `bias`, `andes`. Returns whether
    /// the word was one of them (and so is final).
    mutating func exception1() -> Bool {
        switch count {
        case 3:
            return prefix(3, equals: "sky")
        case 4:
            if prefix(4, equals: "skis") { replace(from: 3, with: ""); return true }
            if prefix(4, equals: "idly") { replace(from: 3, with: ""); return true }
            if prefix(4, equals: "ugly") { replace(from: 3, with: "i"); return true }
            if prefix(4, equals: "only") { replace(from: 3, with: "i"); return true }
            return prefix(4, equals: "news") || prefix(4, equals: "howe") || prefix(4, equals: "bias")
        case 5:
            if prefix(5, equals: "skies") { replace(from: 2, with: "y"); return true }
            if prefix(5, equals: "early") { replace(from: 4, with: "i"); return true }
            return prefix(5, equals: "atlas") || prefix(5, equals: "andes")
        case 6:
            if prefix(6, equals: "gently") { replace(from: 5, with: ""); return true }
            if prefix(6, equals: "singly") { replace(from: 5, with: ""); return true }
            return prefix(6, equals: "cosmos")
        default:
            return false
        }
    }

    // MARK: Prelude and regions

    /// `prelude`: drop one leading apostrophe; mark as consonants (`Y`) a word-initial `y`
    /// and every `y` that follows a vowel, so that `y` is a vowel only after a consonant.
    mutating func prelude() {
        foundY = false
        if count > 0 && bytes[0] == ASCII.apostrophe {
            for k in 1..<count {
                bytes[k - 1] = bytes[k]
            }
            count -= 1
        }
        guard count > 0 else { return }
        if bytes[0] == ASCII.y {
            bytes[0] = ASCII.upperY
            foundY = true
        }
        var k = 1
        while k < count {
            // Left to right, so `yy` after a vowel becomes `Yy`: the new `Y` is no vowel.
            if bytes[k] == ASCII.y && Grouping.isVowel(bytes[k - 1]) {
                bytes[k] = ASCII.upperY
                foundY = true
            }
            k += 1
        }
    }

    /// `mark_regions`: R1 starts after the first non-vowel that follows a vowel, except
    /// that words starting with `gener`, `commun`, `arsen`, `past`, `univers`, `later`,
    /// `emerg`, `organ` or `inter` have R1 right after that prefix. R2 is found the same
    /// way inside R1. A region not found starts at the end of the word.
    mutating func markRegions() {
        p1 = count
        p2 = count
        let r1: Int
        if let prefixEnd = fixedR1Prefix() {
            r1 = prefixEnd
        } else {
            guard let v = afterVowel(from: 0), let c = afterNonVowel(from: v) else { return }
            r1 = c
        }
        p1 = r1
        guard let v = afterVowel(from: r1), let c = afterNonVowel(from: v) else { return }
        p2 = c
    }

    /// The length of the word's fixed R1 prefix, if it starts with one (none is a prefix
    /// of another, so at most one matches).
    func fixedR1Prefix() -> Int? {
        guard count >= 4 else { return nil }
        switch bytes[0] {
        case UInt8(ascii: "a"): if starts(with: "arsen") { return 5 }
        case UInt8(ascii: "c"): if starts(with: "commun") { return 6 }
        case UInt8(ascii: "e"): if starts(with: "emerg") { return 5 }
        case UInt8(ascii: "g"): if starts(with: "gener") { return 5 }
        case UInt8(ascii: "i"): if starts(with: "inter") { return 5 }
        case UInt8(ascii: "l"): if starts(with: "later") { return 5 }
        case UInt8(ascii: "o"): if starts(with: "organ") { return 5 }
        case UInt8(ascii: "p"): if starts(with: "past") { return 4 }
        case UInt8(ascii: "u"): if starts(with: "univers") { return 7 }
        default: break
        }
        return nil
    }

    // MARK: Step 1

    /// Step 1a (with the possessive step 0): remove the longest of `'s'`, `'s`, `'`; then
    /// `sses` → `ss`; `ied`/`ies` → `i` after two or more characters, else `ie`
    /// (`cries` → `cri`, `ties` → `tie`); `us` and `ss` stay; a final `s` goes if a vowel
    /// occurs before the character preceding it (`gaps` → `gap`, `gas` stays).
    mutating func step1a() {
        if ends(with: "'s'") {
            count -= 3
        } else if ends(with: "'s") {
            count -= 2
        } else if ends(with: "'") {
            count -= 1
        }
        if ends(with: "sses") {
            count -= 2
        } else if ends(with: "ied") || ends(with: "ies") {
            let start = count - 3
            replace(from: start, with: hasCharacters(2, before: start) ? "i" : "ie")
        } else if ends(with: "us") || ends(with: "ss") {
            return
        } else if ends(with: "s") {
            let start = count - 1
            guard start > 0 else { return }
            if hasVowel(before: characterStart(before: start)) {
                count = start
            }
        }
    }

    /// Step 1b: `eed`/`eedly` → `ee` in R1, except after exactly `proc`, `exc`, `succ`;
    /// `ying` → `ie` after a single non-vowel (`dying` → `die`); `inning`, `outing`,
    /// `canning`, `herring`, `earring`, `evening` stay; otherwise `ed`, `edly`, `ing`,
    /// `ingly` are removed if the rest has a vowel, and then the stem is tidied up (see
    /// `tidyAfterRemoval`).
    mutating func step1b() {
        if ends(with: "eedly") || ends(with: "eed") {
            let start = count - (bytes[count - 1] == UInt8(ascii: "y") ? 5 : 3)
            guard inR1(start) else { return }
            if prefix(start, equals: "proc") || prefix(start, equals: "exc")
                || prefix(start, equals: "succ") {
                return
            }
            replace(from: start, with: "ee")
        } else if ends(with: "ingly") {
            removeVerbSuffix(from: count - 5)
        } else if ends(with: "edly") {
            removeVerbSuffix(from: count - 4)
        } else if ends(with: "ing") {
            let start = count - 3
            if start > 0 && bytes[start - 1] == ASCII.y {
                let yAt = start - 1
                if yAt > 0 {
                    let c = characterStart(before: yAt)
                    if c == 0 && isNonVowel(c, yAt) {
                        replace(from: yAt, with: "ie")
                        return
                    }
                }
            } else if prefix(start, equals: "inn") || prefix(start, equals: "out")
                || prefix(start, equals: "cann") || prefix(start, equals: "herr")
                || prefix(start, equals: "earr") || prefix(start, equals: "even") {
                return
            }
            removeVerbSuffix(from: start)
        } else if ends(with: "ed") {
            removeVerbSuffix(from: count - 2)
        }
    }

    /// The general part of step 1b: if the stem before `start` contains a vowel, remove
    /// the suffix, then add `e` after `at`, `bl`, `iz` (here `sized` → `size`); undouble
    /// a final `bb dd ff gg mm nn pp rr tt` unless the stem is exactly `a`/`e`/`o` plus the
    /// double (`hopping` → `hop`, but `added` → `add`); or add `e` if the stem is exactly R1's
    /// start and ends in a short syllable (`hoped` → `hope`).
    mutating func removeVerbSuffix(from start: Int) {
        guard hasVowel(before: start) else { return }
        count = start
        if ends(with: "at") || ends(with: "bl") || ends(with: "iz") {
            append(ASCII.e)
            return
        }
        if count >= 2 {
            let last = bytes[count - 1]
            if last == bytes[count - 2] && Grouping.contains(Grouping.doubles, last) {
                if count == 3 && Grouping.contains(Grouping.aeo, bytes[0]) {
                    return
                }
                count -= 1
                return
            }
        }
        if count == p1 && endsInShortSyllable(count) {
            append(ASCII.e)
        }
    }

    /// Step 1c: a final `y` or `Y` becomes `i` after a non-vowel that is not the first
    /// character (`cry` → `cri`, but `by` and `say` stay).
    mutating func step1c() {
        guard count >= 2 else { return }
        let last = count - 1
        guard bytes[last] == ASCII.y || bytes[last] == ASCII.upperY else { return }
        let c = characterStart(before: last)
        if c > 0 && isNonVowel(c, last) {
            bytes[last] = ASCII.i
        }
    }

    // MARK: Steps 2–5

    /// Step 2: find the longest of the suffixes below; if it starts in R1, replace it:
    /// `tional` → `tion`, `enci` → `ence`, `anci` → `ance`, `abli` → `able`, `entli` → `ent`,
    /// `izer`/`ization` → `ize`, `ational`/`ation`/`ator` → `ate`, `alism`/`aliti`/`alli`
    /// → `al`, `fulness` → `ful`, `ousli`/`ousness` → `ous`, `iveness`/`iviti` → `ive`,
    /// `biliti`/`bli` → `ble`, `ogist` → `og`, `ogi` → `og` after `l`, `fulli` → `ful`,
    /// `lessli` → `less`, and `li` is deleted after one of `c d e g h k m n r t`.
    mutating func step2() {
        guard count >= 2 else { return }
        switch bytes[count - 1] {
        case UInt8(ascii: "i"):
            if suffix("lessli") { r1Replace(6, "less") }
            else if suffix("biliti") { r1Replace(6, "ble") }
            else if suffix("fulli") { r1Replace(5, "ful") }
            else if suffix("ousli") { r1Replace(5, "ous") }
            else if suffix("entli") { r1Replace(5, "ent") }
            else if suffix("aliti") { r1Replace(5, "al") }
            else if suffix("iviti") { r1Replace(5, "ive") }
            else if suffix("abli") { r1Replace(4, "able") }
            else if suffix("alli") { r1Replace(4, "al") }
            else if suffix("anci") { r1Replace(4, "ance") }
            else if suffix("enci") { r1Replace(4, "ence") }
            else if suffix("bli") { r1Replace(3, "ble") }
            else if suffix("ogi") {
                let start = count - 3
                if inR1(start) && start > 0 && bytes[start - 1] == ASCII.l {
                    replace(from: start, with: "og")
                }
            } else if suffix("li") {
                let start = count - 2
                if inR1(start) && start > 0 && Grouping.contains(Grouping.validLI, bytes[start - 1]) {
                    count = start
                }
            }
        case UInt8(ascii: "l"):
            if suffix("ational") { r1Replace(7, "ate") }
            else if suffix("tional") { r1Replace(6, "tion") }
        case UInt8(ascii: "m"):
            if suffix("alism") { r1Replace(5, "al") }
        case UInt8(ascii: "n"):
            if suffix("ization") { r1Replace(7, "ize") }
            else if suffix("ation") { r1Replace(5, "ate") }
        case UInt8(ascii: "r"):
            if suffix("izer") { r1Replace(4, "ize") }
            else if suffix("ator") { r1Replace(4, "ate") }
        case UInt8(ascii: "s"):
            if suffix("iveness") { r1Replace(7, "ive") }
            else if suffix("fulness") { r1Replace(7, "ful") }
            else if suffix("ousness") { r1Replace(7, "ous") }
        case UInt8(ascii: "t"):
            if suffix("ogist") { r1Replace(5, "og") }
        default:
            break
        }
    }

    /// Step 3: find the longest of the suffixes below; if it starts in R1, replace it:
    /// `tional` → `tion`, `ational` → `ate`, `alize` → `al`, `icate`/`iciti`/`ical` → `ic`,
    /// `ful`/`ness` are deleted, and `ative` is deleted if it also starts in R2.
    mutating func step3() {
        guard count >= 3 else { return }
        switch bytes[count - 1] {
        case UInt8(ascii: "l"):
            if suffix("ational") { r1Replace(7, "ate") }
            else if suffix("tional") { r1Replace(6, "tion") }
            else if suffix("ical") { r1Replace(4, "ic") }
            else if suffix("ful") { r1Replace(3, "") }
        case UInt8(ascii: "e"):
            if suffix("icate") { r1Replace(5, "ic") }
            else if suffix("alize") { r1Replace(5, "al") }
            else if suffix("ative") {
                let start = count - 5
                if inR1(start) && inR2(start) { count = start }
            }
        case UInt8(ascii: "i"):
            if suffix("iciti") { r1Replace(5, "ic") }
        case UInt8(ascii: "s"):
            if suffix("ness") { r1Replace(4, "") }
        default:
            break
        }
    }

    /// Step 4: find the longest of `al ance ence er ic able ible ant ement ment ent ism ate
    /// iti ous ive ize ion`; if it starts in R2, delete it (`ion` only after `s` or `t`).
    mutating func step4() {
        guard count >= 2 else { return }
        var length = 0
        switch bytes[count - 1] {
        case UInt8(ascii: "l"):
            if suffix("al") { length = 2 }
        case UInt8(ascii: "e"):
            if suffix("ance") || suffix("ence") || suffix("able") || suffix("ible") {
                length = 4
            } else if suffix("ate") || suffix("ive") || suffix("ize") {
                length = 3
            }
        case UInt8(ascii: "r"):
            if suffix("er") { length = 2 }
        case UInt8(ascii: "c"):
            if suffix("ic") { length = 2 }
        case UInt8(ascii: "t"):
            if suffix("ement") { length = 5 }
            else if suffix("ment") { length = 4 }
            else if suffix("ant") || suffix("ent") { length = 3 }
        case UInt8(ascii: "m"):
            if suffix("ism") { length = 3 }
        case UInt8(ascii: "i"):
            if suffix("iti") { length = 3 }
        case UInt8(ascii: "s"):
            if suffix("ous") { length = 3 }
        case UInt8(ascii: "n"):
            if suffix("ion") {
                let start = count - 3
                if inR2(start) && start > 0 && (bytes[start - 1] == ASCII.s || bytes[start - 1] == ASCII.t) {
                    count = start
                }
            }
            return
        default:
            return
        }
        guard length > 0 else { return }
        let start = count - length
        if inR2(start) { count = start }
    }

    /// Step 5: delete a final `e` if it is in R2, or in R1 and not preceded by a short
    /// syllable; delete a final `l` if it is in R2 and preceded by `l`.
    mutating func step5() {
        guard count >= 1 else { return }
        let start = count - 1
        switch bytes[start] {
        case ASCII.e:
            if inR2(start) || (inR1(start) && !endsInShortSyllable(start)) {
                count = start
            }
        case ASCII.l:
            if inR2(start) && start > 0 && bytes[start - 1] == ASCII.l {
                count = start
            }
        default:
            break
        }
    }

    /// `postlude`: turn the consonant `Y`s of the prelude back into `y`.
    mutating func postlude() {
        guard foundY else { return }
        for k in 0..<count where bytes[k] == ASCII.upperY {
            bytes[k] = ASCII.y
        }
    }

    // MARK: Step helpers

    /// Whether the current word ends with `text` (shorthand for the suffix tables).
    @inline(__always)
    func suffix(_ text: StaticString) -> Bool { ends(with: text) }

    /// Replaces the last `length` bytes with `text` if they start in R1 (steps 2 and 3).
    @inline(__always)
    mutating func r1Replace(_ length: Int, _ text: StaticString) {
        let start = count - length
        if inR1(start) { replace(from: start, with: text) }
    }
}
