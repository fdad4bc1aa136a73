import CStemmer

/// A Snowball stemmer of the system's libstemmer (Debian's `libstemmer-dev`), for one language.
///
/// Not thread-safe (libstemmer keeps its state and result buffer in the stemmer): one per
/// thread, as each ``TokenPipeline`` has its own. English uses Trawl's own ``EnglishStemmer``
/// instead (same algorithm, faster).
final class SnowballStemmer {
    /// The libstemmer algorithm, such as `german`.
    let algorithm: String
    private let stemmer: OpaquePointer

    /// A stemmer for `algorithm` (a name of ``AnalyzerConfiguration/Stemmer/snowballAlgorithm``);
    /// nil when the library has no such algorithm.
    init?(algorithm: String) {
        guard let stemmer = sb_stemmer_new(algorithm, "UTF_8") else { return nil }
        self.algorithm = algorithm
        self.stemmer = stemmer
    }

    deinit { sb_stemmer_delete(stemmer) }

    /// The algorithms the linked libstemmer offers.
    static var algorithms: [String] {
        var names: [String] = []
        guard var list = sb_stemmer_list() else { return names }
        while let name = list.pointee {
            names.append(String(cString: name))
            list += 1
        }
        return names
    }

    /// Replaces `word` (lower-case UTF-8) with its stem; leaves it unchanged when libstemmer
    /// runs out of memory.
    func stem(_ word: inout [UInt8], scratch: inout [UInt8]) {
        let stemmed: Bool = word.withUnsafeBufferPointer { input in
            guard let stem = sb_stemmer_stem(stemmer, input.baseAddress, Int32(input.count)) else { return false }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(start: stem, count: Int(sb_stemmer_length(stemmer))))
            return true
        }
        if stemmed { swap(&word, &scratch) }
    }
}
