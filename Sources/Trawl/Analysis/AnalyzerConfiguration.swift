/// The settings of a text analyzer: a named, persistable description of how text becomes terms.
///
/// An index records the configuration that built it, so queries are analyzed the same way.
/// Built-in configurations: ``english`` (the default), ``simple``, and one per language of the
/// Snowball stemmers (``languages``: `german`, `french`, `russian`, …).
///
/// ```swift
/// var config = AnalyzerConfiguration.english
/// config.stopWords = .english      // drop "the", "of", ...
/// let analyzer = try Analyzer(config)
/// ```
public struct AnalyzerConfiguration: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Which stemmer reduces words to their stems.
    public enum Stemmer: String, Sendable, Hashable, Codable, CaseIterable {
        /// No stemming: the folded word is the term.
        case none
        /// The current Snowball English (Porter2) stemmer (Trawl's own, in Swift).
        case english
        /// Snowball stemmers of the system's libstemmer, one per language.
        case arabic, armenian, basque, catalan, danish, dutch, finnish, french, german, greek, hindi,
             hungarian, indonesian, irish, italian, lithuanian, nepali, norwegian, portuguese, romanian,
             russian, serbian, spanish, swedish, tamil, turkish, yiddish
        /// Martin Porter's original English stemmer of 1980 (libstemmer's `porter`).
        case porter

        /// The libstemmer algorithm name, or nil for ``none`` and ``english``.
        public var snowballAlgorithm: String? {
            switch self {
            case .none, .english: return nil
            default: return rawValue
            }
        }
    }

    /// Which stop words are removed.
    public enum StopWords: String, Sendable, Hashable, Codable, CaseIterable {
        /// Keep every word (phrase queries such as `"the who"` work).
        case none
        /// Drop a short list of English function words.
        case english
    }

    /// The configuration's name, as accepted by `trawl analyze --analyzer`.
    public var name: String
    /// Whether accents and other diacritics are removed after case folding (`café` → `cafe`).
    public var foldAccents: Bool
    /// The stemmer applied after folding.
    public var stemmer: Stemmer
    /// The stop words removed (a removed word still takes its position).
    public var stopWords: StopWords
    /// Words longer than this many UTF-8 bytes are dropped (they still take a position).
    public var maxTokenBytes: Int

    /// Creates a configuration.
    public init(name: String, foldAccents: Bool = true, stemmer: Stemmer = .english,
                stopWords: StopWords = .none, maxTokenBytes: Int = 255) {
        self.name = name
        self.foldAccents = foldAccents
        self.stemmer = stemmer
        self.stopWords = stopWords
        self.maxTokenBytes = maxTokenBytes
    }

    /// UAX #29 words, NFKC case folding, accent folding, Snowball English stemming, no stop words.
    public static let english = AnalyzerConfiguration(name: "english")

    /// UAX #29 words and NFKC case folding only: no accent folding, no stemming.
    public static let simple = AnalyzerConfiguration(name: "simple", foldAccents: false, stemmer: .none)

    /// One configuration per language of the Snowball stemmers (named after it, `german`):
    /// UAX #29 words, NFKC case folding, that language's stemmer, then accent folding of the
    /// stem (the stemmers expect the language's own letters, so accents go after stemming).
    /// Hindi, Nepali and Tamil keep their marks: their vowel signs and viramas are combining
    /// marks that accent folding would strip.
    public static let languages: [AnalyzerConfiguration] = Stemmer.allCases.compactMap { stemmer in
        guard let algorithm = stemmer.snowballAlgorithm, stemmer != .porter else { return nil }
        return AnalyzerConfiguration(name: algorithm, foldAccents: ![.hindi, .nepali, .tamil].contains(stemmer), stemmer: stemmer)
    }

    /// The built-in configurations by name.
    public static let builtIn: [String: AnalyzerConfiguration] = {
        var all = ["english": AnalyzerConfiguration.english, "simple": .simple]
        for language in languages { all[language.name] = language }
        return all
    }()

    /// The built-in configuration with this name, or `nil`.
    public static func named(_ name: String) -> AnalyzerConfiguration? { builtIn[name] }

    /// A one-line summary such as `english (nfkc_casefold, accents, stem=english, stop=none)`.
    public var description: String {
        "\(name) (nfkc_casefold\(foldAccents ? ", accents" : ""), stem=\(stemmer.rawValue), stop=\(stopWords.rawValue), max=\(maxTokenBytes))"
    }
}

/// One analyzed word: its term, its position, and where it came from in the UTF-8 source.
public struct Token: Sendable, Hashable, Codable {
    /// The indexed form: folded and stemmed.
    public var term: String
    /// The word's index among the words of the text (stop words and dropped words count too).
    public var position: Int
    /// The UTF-8 byte offset where the word starts in the source.
    public var start: Int
    /// The UTF-8 byte offset just past the word's end.
    public var end: Int

    /// Creates a token.
    public init(term: String, position: Int, start: Int, end: Int) {
        self.term = term
        self.position = position
        self.start = start
        self.end = end
    }
}

/// A token seen through ``Analyzer/forEachToken(inUTF8:_:)``: the term as borrowed UTF-8 bytes.
public struct TokenView {
    /// The term's UTF-8 bytes, valid only during the callback.
    public let termBytes: UnsafeRawBufferPointer
    /// The word's index among the words of the text.
    public let position: Int
    /// The UTF-8 byte offset where the word starts.
    public let start: Int
    /// The UTF-8 byte offset just past the word's end.
    public let end: Int

    /// The term as a string (allocates).
    public var term: String { String(decoding: termBytes, as: UTF8.self) }
}
