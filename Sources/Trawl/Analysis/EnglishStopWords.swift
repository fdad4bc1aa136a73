/// English stop words: Lucene's classic English stop list (`EnglishAnalyzer`'s
/// `ENGLISH_STOP_WORDS_SET`, the list Lucene and Elasticsearch have used for `_english_`),
/// 33 words:
///
/// `a an and are as at be but by for if in into is it no not of on or such that the their
/// then there these they this to was will with`
///
/// This short list removes only articles, conjunctions, prepositions and a few very common
/// verbs and determiners, and keeps pronouns and most auxiliaries searchable, unlike
/// Snowball's much longer English stop list.
/// Words are matched exactly, as lower-cased UTF-8 bytes (the analyzer's output before
/// stemming). Lookups do not allocate.
package enum EnglishStopWords {
    /// The stop words, in the order of the doc comment.
    package static let words: [StaticString] = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into",
        "is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then",
        "there", "these", "they", "this", "to", "was", "will", "with",
    ]

    /// The longest stop word, in bytes; longer words are never stop words.
    private static let maximumLength = 5

    /// Each stop word packed into a `UInt64` by `pack`, sorted for binary search.
    private static let packed: [UInt64] = words.map { word in
        pack(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }.sorted()

    /// Packs a word of at most `maximumLength` bytes into one integer: its bytes from the
    /// most significant end, then its length in the lowest byte, so that two words pack
    /// equally only if they are equal.
    @inline(__always)
    private static func pack(_ word: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var value: UInt64 = 0
        for byte in word {
            value = value << 8 | UInt64(byte)
        }
        return value << 8 | UInt64(word.count)
    }

    /// Whether the UTF-8 bytes of `word` are a stop word. No allocation.
    package static func contains(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !word.isEmpty, word.count <= maximumLength else { return false }
        let key = pack(word)
        let table = packed
        var low = 0
        var high = table.count
        while low < high {
            let middle = (low + high) / 2
            let value = table[middle]
            if value == key { return true }
            if value < key { low = middle + 1 } else { high = middle }
        }
        return false
    }

    /// Whether `word` is a stop word. No allocation for native Swift strings.
    package static func contains(_ word: String) -> Bool {
        if let result = word.utf8.withContiguousStorageIfAvailable({ contains($0) }) {
            return result
        }
        var copy = word
        return copy.withUTF8 { contains($0) }
    }
}
