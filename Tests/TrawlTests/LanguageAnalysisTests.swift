import Testing
@testable import Trawl

/// Analysis that suits each language: dictionary word breaking for Chinese, Japanese and Thai,
/// spaces for Korean, and the folding rules of German, Turkish and Greek.
@Suite struct LanguageAnalysisTests {
    static func index(_ documents: [Document]) throws -> IndexReader {
        try memoryIndex(documents).reader
    }

    static func document(_ id: String, _ language: String, _ title: String, _ body: String) -> Document {
        var document = Document(id: id, title: title, body: body)
        document.fields["lang"] = .string(language)
        return document
    }

    static func ids(_ reader: IndexReader, _ query: String) throws -> [String] {
        try reader.search(query, limit: 20).hits.map(\.id).sorted()
    }

    /// Each East Asian and Thai article is found by a word and by a phrase of its language, and
    /// by nothing of the others'.
    @Test func chineseJapaneseKoreanAndThaiAreSearchableByWordAndPhrase() throws {
        let reader = try Self.index([
            Self.document("zh", "zh", "新的图书馆", "我们的城市有一个新的图书馆。孩子们每天下午在那里读书。"),
            Self.document("ja", "ja", "新しい図書館", "私たちの町に新しい図書館ができました。子どもたちは毎日午後そこで本を読みます。"),
            Self.document("ko", "ko", "새 도서관", "우리 도시에는 새 도서관이 있습니다. 아이들은 매일 오후 그곳에서 책을 읽습니다."),
            Self.document("th", "th", "ห้องสมุดใหม่", "เมืองของเรามีห้องสมุดใหม่ เด็กๆ อ่านหนังสือที่นั่นทุกบ่าย"),
            Document(id: "en", title: "A new library", body: "Our town has a new library. Children read there every afternoon."),
        ])
        #expect(reader.otherLanguages == ["ja", "ko", "th", "zh"])
        let expectations: [(String, String)] = [
            ("图书馆", "zh"), ("读书", "zh"), ("\"新的图书馆\"", "zh"),
            ("図書館", "ja"), ("午後", "ja"), ("\"新しい図書館\"", "ja"),
            ("오후", "ko"), ("\"매일 오후\"", "ko"),
            ("ห้องสมุด", "th"), ("หนังสือ", "th"), ("\"ห้องสมุดใหม่\"", "th"),
            ("libraries", "en"), ("\"every afternoon\"", "en"),
        ]
        for (query, id) in expectations {
            #expect(try Self.ids(reader, query) == [id], "\(query)")
        }
        // The Chinese and Japanese words for library share characters but not their analysis.
        #expect(try Self.ids(reader, "lang:ja") == ["ja"])
    }

    /// German ß, Turkish dotted and dotless i, and Greek final sigma fold so that every
    /// spelling of a word finds the others, each in documents of its language.
    @Test func foldingSuitsEachLanguage() throws {
        let reader = try Self.index([
            Self.document("de", "de", "Die Straße", "Die alte Straße führt zum Fluss."),
            Self.document("tr", "tr", "Kış", "İstanbul şehrinde kış ılık geçti."),
            Self.document("el", "el", "Ο λόγος", "Ο λόγος του ήταν σύντομος."),
            Document(id: "en", title: "Roads", body: "The old road leads to the river."),
        ])
        for query in ["Straße", "Strasse", "STRASSE", "Straßen"] { #expect(try Self.ids(reader, query) == ["de"], "\(query)") }
        for query in ["kış", "KIŞ", "Kışın"] { #expect(try Self.ids(reader, query) == ["tr"], "\(query)") }
        for query in ["İstanbul", "ISTANBUL", "istanbul"] { #expect(try Self.ids(reader, query) == ["tr"], "\(query)") }
        for query in ["λόγος", "ΛΌΓΟΣ", "λόγου", "λογοσ"] { #expect(try Self.ids(reader, query) == ["el"], "\(query)") }
        // The analyses themselves: each spelling gives the same term.
        let german = try Analyzer(DocumentLanguage.configuration(for: "de", like: .english))
        #expect(Set(["Straße", "Strasse", "STRASSE"].map { german.terms($0) }).count == 1)
        let greek = try Analyzer(DocumentLanguage.configuration(for: "el", like: .english))
        #expect(greek.terms("λόγος") == greek.terms("ΛΌΓΟΣ"))
        let turkish = try Analyzer(DocumentLanguage.configuration(for: "tr", like: .english))
        #expect(turkish.terms("KIŞ") == turkish.terms("kış"))
        #expect(turkish.terms("İSTANBUL") == turkish.terms("istanbul"))
    }
}
