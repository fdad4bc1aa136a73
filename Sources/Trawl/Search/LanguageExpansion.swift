/// The languages of an index's documents, and the query words analyzed in each of them.
///
/// A word of a query is analyzed by the index's analyzer when parsed. In an index that holds
/// documents of other languages than its default (``DocumentLanguage``), the plan replaces each
/// text word and phrase with an OR of its analysis in every language present: the default
/// language's term and, per other language, that language's language-tagged term. Each
/// alternative has its own document frequency, and a document holds the terms of one language
/// only, so `Häuser` matches German documents through `haus (de)` without English documents
/// matching by an accident of stemming. A prefix is matched among each language's terms alike.
/// ``SearchRequest/language`` picks one language instead.
struct IndexLanguages: Sendable {
    /// An analyzer of one language other than the index's default.
    struct Other: Sendable {
        /// The language code.
        var code: String
        /// The analyzer of that language.
        var analyzer: Analyzer
    }

    /// The index's default language (nil: its analyzer has no stemmer; no per-language analysis).
    let defaultLanguage: String?
    /// The other languages present in the index, sorted by code.
    let others: [Other]

    /// Finds the languages of the `lang` column of every segment.
    init(analyzer: AnalyzerConfiguration, segments: [SegmentReader]) {
        let defaultLanguage = DocumentLanguage.code(of: analyzer)
        self.defaultLanguage = defaultLanguage
        guard defaultLanguage != nil else { others = []; return }
        var codes = Set<String>()
        for segment in segments {
            guard let column = segment.columns.keywords[DocumentLanguage.field] else { continue }
            for ordinal in 0..<column.valueCount {
                let value = column.foldedString(ordinal)
                if let code = DocumentLanguage.code(declared: value), code == value, code != defaultLanguage { codes.insert(code) }
            }
        }
        others = codes.sorted().compactMap { code in
            (try? Analyzer(DocumentLanguage.configuration(for: code, like: analyzer))).map { Other(code: code, analyzer: $0) }
        }
    }

    /// The analyzer of language `code` (nil for the default language and unusable codes).
    func analyzer(for code: String, like base: AnalyzerConfiguration) -> Analyzer? {
        if code == defaultLanguage { return nil }
        if let known = others.first(where: { $0.code == code }) { return known.analyzer }
        return try? Analyzer(DocumentLanguage.configuration(for: code, like: base))
    }
}

extension IndexReader {
    /// The index's default language: its analyzer's (`en` for `english`); nil for an analyzer
    /// without a stemmer, whose index analyzes every document alike.
    public var defaultLanguage: String? { languages.defaultLanguage }

    /// The codes of the languages other than the default that documents of the index declare
    /// (in their `lang` field), sorted.
    public var otherLanguages: [String] { languages.others.map(\.code) }

    /// `query` with every text word and phrase analyzed in each language of the index (see
    /// ``IndexLanguages``), or in `language` alone when it is given. Unchanged when the index
    /// holds only its default language and no language is asked for.
    func languageExpanded(_ query: Query, language: String?) throws(SearchError) -> Query {
        var only: (code: String, analyzer: Analyzer?)? = nil
        if let language {
            guard let code = DocumentLanguage.code(declared: language) else {
                throw .invalidRequest("`\(language)` is not a language code such as en, de or fr")
            }
            guard let defaultLanguage = languages.defaultLanguage else {
                throw .invalidRequest("this index's analyzer (\(analyzer.configuration.name)) has no language: it analyzes every document alike")
            }
            if code != defaultLanguage {
                guard let other = languages.analyzer(for: code, like: analyzer.configuration) else {
                    throw .invalidRequest("no analyzer for the language `\(code)`")
                }
                only = (code, other)
            } else {
                only = (code, nil)
            }
        }
        if only == nil && languages.others.isEmpty { return query }
        let alternatives: [(code: String, analyzer: Analyzer)?]
        if let only {
            alternatives = [only.analyzer.map { (only.code, $0) }]
        } else {
            alternatives = [nil] + languages.others.map { ($0.code, $0.analyzer) }
        }
        return expand(query, alternatives)
    }

    /// The language-tagged terms of a word in each other language of the index (those in which
    /// it analyzes to one term).
    func otherLanguageTerms(of word: String) -> [String] {
        languages.others.compactMap { other in
            let terms = other.analyzer.terms(word)
            return terms.count == 1 ? DocumentLanguage.taggedTerm(terms[0], language: other.code) : nil
        }
    }

    /// Whether a word in `field` is analyzed text (the default fields or a text field).
    private func isTextField(_ field: String?) -> Bool {
        guard let field else { return true }
        return field == IndexSchema.titleField || field == IndexSchema.bodyField || schema[field] == .text
    }

    /// Rewrites the words and phrases of `query`; `nil` in `alternatives` is the parsed leaf itself.
    private func expand(_ query: Query, _ alternatives: [(code: String, analyzer: Analyzer)?]) -> Query {
        func leaves(text: String, field: String?, slop: Int, original: Query) -> Query {
            var clauses: [Query] = []
            for alternative in alternatives {
                guard let (code, analyzer) = alternative else {
                    clauses.append(original)
                    continue
                }
                guard let leaf = QueryParser.wordQuery(text, field: field, slop: slop, analyzer: analyzer) else { continue }
                let tagged = IndexReader.tagged(leaf, code)
                if !clauses.contains(tagged) { clauses.append(tagged) }
            }
            switch clauses.count {
            case 0: return .matchNone
            case 1: return clauses[0]
            default: return .boolean(Query.Boolean(should: clauses))
            }
        }
        return query.mapLeaves(excluded: true) { query in
            switch query {
            case .term(let t) where t.term.utf8.first == DocumentLanguage.tagByte:
                // Already one language's term (query expansion takes terms from the dictionary).
                return query
            case .term(let t) where isTextField(t.field):
                return leaves(text: t.text, field: t.field, slop: 0, original: query)
            case .phrase(let p) where isTextField(p.field):
                return leaves(text: p.text, field: p.field, slop: p.slop, original: query)
            case .prefix(let p) where isTextField(p.field):
                // The prefix folded alike in every language (stemming never applies to prefixes).
                var clauses: [Query] = []
                for alternative in alternatives {
                    guard let (code, _) = alternative else {
                        clauses.append(query)
                        continue
                    }
                    var tagged = p
                    tagged.prefix = DocumentLanguage.taggedTerm(p.prefix, language: code)
                    clauses.append(.prefix(tagged))
                }
                return clauses.count == 1 ? clauses[0] : .boolean(Query.Boolean(should: clauses))
            default:
                return query
            }
        }
    }

    /// A word or phrase leaf with its terms tagged with language `code`.
    private static func tagged(_ leaf: Query, _ code: String) -> Query {
        switch leaf {
        case .term(var t):
            t.term = DocumentLanguage.taggedTerm(t.term, language: code)
            return .term(t)
        case .phrase(var p):
            p.terms = p.terms.map { Query.PhraseTerm(term: DocumentLanguage.taggedTerm($0.term, language: code), position: $0.position) }
            return .phrase(p)
        default:
            return leaf
        }
    }
}
