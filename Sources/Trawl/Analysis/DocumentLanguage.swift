/// The language of a document and the analysis that suits it.
///
/// An index has a default language: the language of its analyzer's stemmer (`en` for
/// ``AnalyzerConfiguration/english``, `de` for `german`; none for `simple`). A document declares
/// its own language in the keyword field `lang` (front matter `lang` or `language`, HTML
/// `<html lang>`, a JSON `lang` member; the writer normalizes `de-DE`, `de_AT` or `German` to
/// `de`). A document in the default language, or without a declared language, is analyzed by
/// the index's analyzer exactly as before; a document in another language is analyzed by that
/// language's analyzer (``configuration(for:like:)``), and each of its terms is stored under a
/// language-tagged term: the byte `0x01`, the language code, `:`, then the term
/// (``taggedTerm(_:language:)``). Document frequencies are thus per language and term, and the
/// walks over a field's terms (fuzzy, autocomplete, did-you-mean) skip tagged terms.
public enum DocumentLanguage {
    /// The keyword field that holds a document's language code.
    public static let field = "lang"
    /// The other field name a document may declare its language under.
    public static let alternateField = "language"
    /// The first byte of every language-tagged term (no analyzed word starts with it).
    public static let tagByte: UInt8 = 0x01
    /// The byte between a tagged term's language code and its term.
    public static let separator: UInt8 = 0x3A

    /// ISO 639-1 codes of the languages of the Snowball stemmers.
    public static let stemmers: [String: AnalyzerConfiguration.Stemmer] = [
        "ar": .arabic, "hy": .armenian, "eu": .basque, "ca": .catalan, "da": .danish, "nl": .dutch,
        "en": .english, "fi": .finnish, "fr": .french, "de": .german, "el": .greek, "hi": .hindi,
        "hu": .hungarian, "id": .indonesian, "ga": .irish, "it": .italian, "lt": .lithuanian,
        "ne": .nepali, "no": .norwegian, "nb": .norwegian, "nn": .norwegian, "pt": .portuguese,
        "ro": .romanian, "ru": .russian, "sr": .serbian, "es": .spanish, "sv": .swedish,
        "ta": .tamil, "tr": .turkish, "yi": .yiddish,
    ]

    /// The language code of an index analyzer: its stemmer's language (`porter` is English), or
    /// nil for an analyzer without a stemmer (such an index analyzes every document alike).
    public static func code(of configuration: AnalyzerConfiguration) -> String? {
        switch configuration.stemmer {
        case .none: return nil
        case .english, .porter: return "en"
        default:
            return stemmers.first { $0.value == configuration.stemmer && $0.key != "nb" && $0.key != "nn" }?.key
        }
    }

    /// The language code a declared value names: the primary subtag of a language tag
    /// (`de-DE`, `pt_BR` → `de`, `pt`) when it is two or three ASCII letters, or the code of a
    /// Snowball language named in English (`German` → `de`); nil when it names no language.
    public static func code(declared value: String) -> String? {
        let trimmed = value.trimmingSpaces
        let primary = trimmed.utf8.prefix { $0 != 0x2D && $0 != 0x5F }
        if (2...3).contains(primary.count), primary.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) {
            return String(decoding: primary.map { $0 | 0x20 }, as: UTF8.self)
        }
        let name = trimmed.lowercased()
        if let stemmer = AnalyzerConfiguration.Stemmer(rawValue: name), stemmer != .none, stemmer != .porter {
            return stemmers.first { $0.value == stemmer && $0.key != "nb" && $0.key != "nn" }?.key
        }
        return nil
    }

    /// Whether `value` is a normalized language code: two or three lower-case ASCII letters.
    static func isCode(_ value: String) -> Bool {
        let bytes = value.utf8
        return (2...3).contains(bytes.count) && bytes.allSatisfy { $0 >= 0x61 && $0 <= 0x7A }
    }

    /// The code a document declares in ``field`` (or else ``alternateField``), normalized.
    static func declared(in fields: [String: FieldValue]) -> String? {
        for name in [field, alternateField] {
            switch fields[name] {
            case .string(let s): if let code = code(declared: s) { return code }
            case .strings(let list): if let first = list.first, let code = code(declared: first) { return code }
            default: continue
            }
        }
        return nil
    }

    /// Rewrites a document's declared language to its normalized code in ``field`` (a value
    /// that names no language is left as it is).
    static func normalize(_ document: inout Document) {
        guard document.fields[field] != nil || document.fields[alternateField] != nil,
              let code = declared(in: document.fields) else { return }
        if case .string(let existing) = document.fields[field], existing == code { return }
        document.fields[field] = .string(code)
    }

    /// The analyzer configuration for documents in `code`: the Snowball language analyzer of
    /// the code's stemmer, or UAX #29 words with case and accent folding and no stemming for a
    /// language without one (Chinese, Japanese, Korean, Thai, …); words as long as in `base`.
    public static func configuration(for code: String, like base: AnalyzerConfiguration) -> AnalyzerConfiguration {
        var configuration: AnalyzerConfiguration
        if let stemmer = stemmers[code] {
            if stemmer == .english {
                configuration = .english
            } else {
                configuration = AnalyzerConfiguration.languages.first { $0.stemmer == stemmer }
                    ?? AnalyzerConfiguration(name: code, stemmer: .none)
            }
        } else {
            configuration = AnalyzerConfiguration(name: code, foldAccents: true, stemmer: .none)
        }
        configuration.maxTokenBytes = base.maxTokenBytes
        return configuration
    }

    /// The bytes that start every term of language `code`: ``tagByte``, the code, ``separator``.
    static func prefix(_ code: String) -> [UInt8] { [tagByte] + Array(code.utf8) + [separator] }

    /// The language-tagged form of `term` for documents in `code`.
    public static func taggedTerm(_ term: String, language code: String) -> String {
        String(decoding: prefix(code) + Array(term.utf8), as: UTF8.self)
    }

    /// Splits a term into its language and untagged term (nil language for an untagged term).
    public static func split(_ term: String) -> (language: String?, term: String) {
        let bytes = Array(term.utf8)
        guard bytes.first == tagByte, let colon = bytes.firstIndex(of: separator) else { return (nil, term) }
        return (String(decoding: bytes[1..<colon], as: UTF8.self), String(decoding: bytes[(colon + 1)...], as: UTF8.self))
    }

    /// Whether a term's bytes are language-tagged.
    @inline(__always)
    static func isTagged(_ bytes: UnsafeRawBufferPointer) -> Bool { bytes.first == tagByte }

    /// A term as people read it: `haus` for an untagged term, `haus (de)` for a tagged one.
    public static func display(_ term: String) -> String {
        let (language, bare) = split(term)
        guard let language else { return term }
        return "\(bare) (\(language))"
    }
}

extension AnalyzedDocument.Field {
    /// Puts `prefix` before every term of the field (the terms of a document in a language other
    /// than the index's default).
    mutating func tag(_ prefix: [UInt8]) {
        guard !termEnds.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(termBytes.count + termEnds.count * prefix.count)
        var start = 0
        for i in termEnds.indices {
            let end = Int(termEnds[i])
            bytes.append(contentsOf: prefix)
            bytes.append(contentsOf: termBytes[start..<end])
            termEnds[i] = UInt32(bytes.count)
            start = end
        }
        termBytes = bytes
    }
}
