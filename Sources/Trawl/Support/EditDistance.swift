/// Edit distances between short strings, for "did you mean" suggestions: an unknown field in a
/// query (`titel:x` → `title`), an unknown command of the `trawl` tool (`serach` → `search`).
///
/// The distance is the optimal string alignment distance, a restricted Damerau–Levenshtein
/// distance: inserting, deleting or substituting one character, or transposing two neighbours,
/// costs 1 each, and no stretch is edited twice (`titel` → `title` is 1, `ca` → `abc` is 3).
/// Characters are Swift `Character`s (grapheme clusters): `café` → `cafe` is 1.
package enum EditDistance {
    /// The distance from `a` to `b` when it is at most `bound`; nil when it is larger (or
    /// `bound` is negative).
    ///
    /// Characters are compared exactly (fold case first for a case-blind distance). Only the
    /// band of `2 × bound + 1` diagonals that a path within the bound can use is computed, and
    /// the computation stops at the first row whose every value is past the bound: time
    /// O(max(|a|, |b|) × bound), memory O(|b|).
    package static func distance(_ a: String, _ b: String, bound: Int) -> Int? {
        let a = Array(a), b = Array(b)
        let n = a.count, m = b.count
        guard bound >= 0, abs(n - m) <= bound else { return nil }
        let bound = min(bound, max(n, m)) // no distance is larger
        // Rows i - 2, i - 1 and i of the distance matrix; a cell outside the band reads as
        // `beyond`, more than the bound.
        let beyond = bound + 1
        var older = [Int](repeating: beyond, count: m + 1)
        var previous = [Int](repeating: beyond, count: m + 1)
        var current = [Int](repeating: beyond, count: m + 1)
        func value(_ row: [Int], _ i: Int, _ j: Int) -> Int {
            j >= 0 && j >= i - bound && j <= i + bound ? row[j] : beyond
        }
        for j in 0...min(m, bound) { previous[j] = j }
        if n == 0 { return m }
        for i in 1...n {
            var rowMinimum = beyond
            for j in max(0, i - bound)...min(m, i + bound) {
                var d: Int
                if j == 0 {
                    d = i
                } else {
                    let substitution = value(previous, i - 1, j - 1) + (a[i - 1] == b[j - 1] ? 0 : 1)
                    d = min(value(previous, i - 1, j) + 1, value(current, i, j - 1) + 1, substitution)
                    if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                        d = min(d, value(older, i - 2, j - 2) + 1)
                    }
                }
                current[j] = min(d, beyond)
                rowMinimum = min(rowMinimum, current[j])
            }
            // No cell is smaller than the smallest of the row above it.
            if rowMinimum > bound { return nil }
            (older, previous, current) = (previous, current, older)
        }
        let d = previous[m]
        return d <= bound ? d : nil
    }

    /// The candidate closest to `word`, ignoring case, among those within `bound(candidate)`
    /// edits of it; the earliest one of a tie; nil when none is close enough.
    package static func closest(to word: String, in candidates: [String], bound: (String) -> Int) -> String? {
        let folded = word.lowercased()
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            // Only a strictly closer candidate can replace the best so far.
            let limit = min(bound(candidate), (best?.distance ?? Int.max) - 1)
            if let d = distance(folded, candidate.lowercased(), bound: limit) { best = (candidate, d) }
        }
        return best?.candidate
    }
}
