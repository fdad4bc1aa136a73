import Foundation

/// A corrected query proposed for one that found nothing or very little ("did you mean").
public struct Suggestion: Sendable, Hashable {
    /// The query as typed, with its misspelled words replaced by words of the index.
    public var query: String
    /// How many documents the corrected query matches (exact up to the search's count threshold).
    public var total: Int

    /// Creates a suggestion.
    public init(query: String, total: Int) {
        self.query = query
        self.total = total
    }
}

extension IndexReader {
    /// Proposes a correction of `text` (parsed into `query`): every word whose term is in none
    /// of its fields is replaced by a word of the index — candidates within 1 edit (words up to
    /// 4 characters) or 2 (longer ones) of it, among the stems in reach and their usual
    /// inflected forms, the nearest and most frequent first — choosing, among the
    /// combinations of a few candidates per word, the one whose corrected query has hits (so
    /// the other words co-occur), then the fewest edits, then the most hits. Words that are in
    /// the index are never changed; nil when every word is, or when no correction has hits.
    ///
    /// - Throws: ``SearchError`` when the index cannot be read.
    public func suggestion(for text: String, query: Query, request: SearchRequest? = nil) throws(SearchError) -> Suggestion? {
        var base = request ?? SearchRequest(query: query)
        base.typoTolerance = nil
        base.suggestionText = nil
        base.limit = 0
        base.offset = 0
        base.facets = []
        base.snippets = false
        base.loadStoredFields = false
        var leaves: [Query.Term] = []
        collectUnknown(query, into: &leaves)
        guard !leaves.isEmpty, leaves.count <= 6 else { return nil }
        // Per unknown word: up to three candidates (text, term, edits, frequency).
        var options: [[(text: String, term: String, edits: Int, frequency: Int)]] = []
        for leaf in leaves {
            let found = try SearchError.reading { () throws(TrawlError) in try corrections(leaf) }
            if found.isEmpty { return nil }
            options.append(Array(found.prefix(leaves.count > 3 ? 2 : 3)))
        }
        var best: (choice: [Int], total: Int, edits: Int)?
        var choice = [Int](repeating: 0, count: leaves.count)
        while true {
            var replacements: [Query.Term: Query.Term] = [:]
            var edits = 0
            for (i, leaf) in leaves.enumerated() {
                let option = options[i][choice[i]]
                replacements[leaf] = Query.Term(field: leaf.field, text: option.text, term: option.term)
                edits += option.edits
            }
            var corrected = base
            corrected.query = replacing(query, replacements)
            let total = try search(corrected).total
            if total > 0 {
                if let current = best {
                    if edits < current.edits || (edits == current.edits && total > current.total) {
                        best = (choice, total, edits)
                    }
                } else {
                    best = (choice, total, edits)
                }
            }
            // The next combination.
            var i = 0
            while i < choice.count {
                choice[i] += 1
                if choice[i] < options[i].count { break }
                choice[i] = 0
                i += 1
            }
            if i == choice.count { break }
        }
        guard let best else { return nil }
        var rewritten = text
        for (i, leaf) in leaves.enumerated() {
            rewritten = Self.replacingWord(leaf.text, with: options[i][best.choice[i]].text, in: rewritten)
        }
        return Suggestion(query: rewritten, total: best.total)
    }

    /// The positive word leaves of `query` whose term is in none of their fields.
    private func collectUnknown(_ query: Query, into leaves: inout [Query.Term]) {
        switch query {
        case .term(let t):
            let fields = t.field.map { [$0] } ?? [IndexSchema.titleField, IndexSchema.bodyField]
            guard fields.allSatisfy({ fieldStatistics[$0] != nil && !isColumnField($0) }) else { return }
            // A word is known when its term, or its term in another language of the index, is.
            let terms = [t.term] + otherLanguageTerms(of: t.text)
            let known = segments.contains { segment in
                fields.contains { field in
                    terms.contains { term in
                        (try? withTypedUTF8(term) { (bytes) throws(TrawlError) in try segment.termInfo(field: field, term: bytes) }) != nil
                    }
                }
            }
            if !known && !leaves.contains(t) { leaves.append(t) }
        case .boolean(let b):
            for clause in b.must { collectUnknown(clause, into: &leaves) }
            for clause in b.should { collectUnknown(clause, into: &leaves) }
        case .boost(let inner, _):
            collectUnknown(inner, into: &leaves)
        default:
            break
        }
    }

    /// The candidate corrections of one word, best first: the stems within reach of its term
    /// and of its unstemmed form, each written as its inflected form nearest the word.
    private func corrections(_ leaf: Query.Term) throws(TrawlError) -> [(text: String, term: String, edits: Int, frequency: Int)] {
        let surface = QueryFolding.fold(leaf.text, accents: true)
        let word = surface.unicodeScalars.map(\.value)
        let maxEdits = word.count <= 4 ? 1 : 2
        var byTerm: [String: (text: String, term: String, edits: Int, frequency: Int)] = [:]
        let fields = leaf.field.map { [$0] } ?? [IndexSchema.titleField, IndexSchema.bodyField]
        for field in fields where fieldStatistics[field] != nil {
            var terms = try FuzzyExpansion.all(reader: self, field: field, word: Array(leaf.term.utf8),
                                               maxEdits: maxEdits, prefixLength: 0)
            try FuzzyExpansion.addInflected(reader: self, field: field, surface: surface, maxEdits: maxEdits,
                                            to: &terms, cache: nil)
            for term in terms {
                let stem = term.string
                let written = FuzzyExpansion.nearestInflection(stem: stem, word: word, maxEdits: FuzzyTermWalk.maximumEdits + 1,
                                                               analyzer: analyzer)
                let text = written?.form ?? stem
                let edits = written?.edits ?? FuzzyExpansion.osa(stem.unicodeScalars.map(\.value), word, limit: 9)
                guard edits <= maxEdits else { continue }
                if let known = byTerm[stem] {
                    byTerm[stem] = (known.text, stem, min(known.edits, edits), max(known.frequency, term.documentFrequency))
                } else {
                    byTerm[stem] = (text, stem, edits, term.documentFrequency)
                }
            }
        }
        return byTerm.values.sorted { a, b in
            a.edits != b.edits ? a.edits < b.edits : a.frequency != b.frequency ? a.frequency > b.frequency : a.term < b.term
        }
    }

    /// `query` with the word leaves in `replacements` replaced.
    private func replacing(_ query: Query, _ replacements: [Query.Term: Query.Term]) -> Query {
        query.mapLeaves { leaf in
            guard case .term(let t) = leaf else { return leaf }
            return replacements[t].map { .term($0) } ?? leaf
        }
    }

    /// `text` with the first whole-word occurrence of `word` replaced by `replacement` (the
    /// replacement takes the word's capitalization when the word was all capitals or capitalized).
    static func replacingWord(_ word: String, with replacement: String, in text: String) -> String {
        var written = replacement
        if word.count > 1 && word == word.uppercased() {
            written = replacement.uppercased()
        } else if let first = word.first, first.isUppercase {
            written = replacement.prefix(1).uppercased() + replacement.dropFirst()
        }
        var searchStart = text.startIndex
        while let range = text.range(of: word, range: searchStart..<text.endIndex) {
            let before = range.lowerBound == text.startIndex ? nil : text[text.index(before: range.lowerBound)]
            let after = range.upperBound == text.endIndex ? nil : text[range.upperBound]
            let isWordChar: (Character?) -> Bool = { $0.map { $0.isLetter || $0.isNumber } ?? false }
            if !isWordChar(before) && !isWordChar(after) {
                return text.replacingCharacters(in: range, with: written)
            }
            searchStart = range.upperBound
        }
        return text
    }
}
