/// The stop words of free-text ranking (``SearchRequest/freeTextStopWords``): NLTK's English
/// stop list, 179 words (Snowball's English stop list with the pieces that splitting
/// contractions leaves, such as `don` and `t`). Longer than the analyzer's 33-word list
/// (``EnglishStopWords``): it also holds pronouns, auxiliaries and question words (`what`,
/// `which`, `how`, `does`), which verbose natural-language queries are full of and which say
/// little about what is wanted.
enum FreeTextStopWords {
    /// The words, lower-case, as written (before stemming).
    static let words: [String] = [
        "a", "about", "above", "after", "again", "against", "ain", "all", "am", "an", "and", "any", "are",
        "aren", "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
        "but", "by", "can", "couldn", "couldn't", "d", "did", "didn", "didn't", "do", "does", "doesn",
        "doesn't", "doing", "don", "don't", "down", "during", "each", "few", "for", "from", "further", "had",
        "hadn", "hadn't", "has", "hasn", "hasn't", "have", "haven", "haven't", "having", "he", "her", "here",
        "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "isn", "isn't", "it",
        "it's", "its", "itself", "just", "ll", "m", "ma", "me", "mightn", "mightn't", "more", "most", "mustn",
        "mustn't", "my", "myself", "needn", "needn't", "no", "nor", "not", "now", "o", "of", "off", "on",
        "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "re", "s", "same",
        "shan", "shan't", "she", "she's", "should", "should've", "shouldn", "shouldn't", "so", "some", "such",
        "t", "than", "that", "that'll", "the", "their", "theirs", "them", "themselves", "then", "there",
        "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "ve", "very", "was",
        "wasn", "wasn't", "we", "were", "weren", "weren't", "what", "when", "where", "which", "while", "who",
        "whom", "why", "will", "with", "won", "won't", "wouldn", "wouldn't", "y", "you", "you'd", "you'll",
        "you're", "you've", "your", "yours", "yourself", "yourselves",
    ]

    /// The terms the list's words become under `analyzer` (folded and stemmed as the index's
    /// terms are), or none when the analyzer does not stem English: the list is English.
    static func terms(analyzer: Analyzer) -> Set<String> {
        switch analyzer.configuration.stemmer {
        case .english, .porter, .none:
            break
        default:
            return []
        }
        var terms = Set<String>()
        for word in words {
            for token in analyzer.analyze(word) { terms.insert(token.term) }
        }
        return terms
    }
}
