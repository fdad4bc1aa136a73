import Foundation
import Testing
@testable import Trawl

/// Documents in several languages in one index: each declared language analyzed by its own
/// analyzer under language-tagged terms, and queries analyzed in every language present.
@Suite struct DocumentLanguageTests {
    /// A mixed folder of short articles (original text), one per language, each declaring its
    /// language the way its format does: front matter, `<html lang>`, a JSON member; the English
    /// one declares nothing (the index default).
    static let articles: [(name: String, text: String)] = [
        ("keeper.md", """
        ---
        title: The lighthouse keeper
        ---
        The old keeper walked to the lighthouse every evening to light the lamps.
        Storms battered the coast, but old lamps never die.
        """),
        ("dorf.md", """
        ---
        title: Das alte Haus am Fluss
        lang: de-DE
        ---
        Im Dorf stand ein altes Haus, in dem die Fischer ihre Netze flickten.
        Die Kinder spielten am Ufer.
        """),
        ("marche.html", """
        <!DOCTYPE html><html lang="fr"><head><title>Le marché du village</title></head>
        <body><p>Chaque samedi, les marchands installent leurs étals sur la place.
        Les pommes et les fromages attirent les voisins.</p></body></html>
        """),
        ("ciudad.json", """
        {"title": "La ciudad de noche", "lang": "es", "body": "Las luces de la ciudad brillan cuando los trenes cruzan el puente. Los viajeros cansados vuelven a casa."}
        """),
        ("biblioteka.md", """
        ---
        title: Старая библиотека
        language: Russian
        ---
        В старой библиотеке хранятся редкие книги. Читатели приходят сюда каждое утро.
        """),
        ("tokyo.html", """
        <!DOCTYPE html><html lang="ja"><head><title>東京の朝</title></head>
        <body><p>東京の朝は早い。電車は人でいっぱいです。駅の近くに小さな喫茶店があります。</p></body></html>
        """),
    ]

    /// Indexes the mixed folder into a fresh index; returns the reader and a cleanup.
    static func mixedIndex(analyzer: AnalyzerConfiguration = .english) throws -> (IndexReader, String) {
        let root = NSTemporaryDirectory() + "trawl-langs-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: root + "/docs", withIntermediateDirectories: true)
        for article in articles {
            try article.text.write(toFile: root + "/docs/" + article.name, atomically: true, encoding: .utf8)
        }
        var options = IndexWriterOptions()
        options.durable = false
        options.analyzer = analyzer
        let writer = try IndexWriter(path: root + "/index", options: options)
        _ = try FolderIndexer(writer: writer).run(paths: [root + "/docs"])
        try writer.commit()
        writer.close()
        return (try IndexReader(path: root + "/index"), root)
    }

    static func ids(_ reader: IndexReader, _ query: String, language: String? = nil) throws -> [String] {
        var request = SearchRequest(query: try reader.queryParser().parse(query), limit: 20)
        request.language = language
        return try reader.search(request).hits.map(\.id).sorted()
    }

    @Test func declaredLanguagesAreNormalizedIntoTheLangKeyword() throws {
        let (reader, root) = try Self.mixedIndex()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(reader.defaultLanguage == "en")
        #expect(reader.otherLanguages == ["de", "es", "fr", "ja", "ru"])
        #expect(reader.schema[DocumentLanguage.field] == .keyword)
        #expect(try Self.ids(reader, "lang:de") == ["dorf.md"])
        #expect(try Self.ids(reader, "lang:ru") == ["biblioteka.md"])
        #expect(try Self.ids(reader, "lang:ja") == ["tokyo.html"])
        #expect(try Self.ids(reader, "lang:es") == ["ciudad.json"])
        #expect(try Self.ids(reader, "_exists_:lang").count == 5) // the English article declares nothing
        let german = try #require(try reader.document(id: "dorf.md"))
        #expect(german.fields["lang"] == .strings(["de"]))
    }

    /// Each article is found by an inflected form of one of its words and by a phrase, in its
    /// own language, and by nothing else: no other article matches by an accident of stemming.
    @Test func eachLanguageFindsItsArticleByInflectedFormsAndPhrases() throws {
        let (reader, root) = try Self.mixedIndex()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let expectations: [(query: String, id: String)] = [
            ("lamp", "keeper.md"), ("keepers", "keeper.md"), ("\"old keeper\"", "keeper.md"),
            ("Häuser", "dorf.md"), ("Fischers", "dorf.md"), ("\"altes Haus\"", "dorf.md"),
            ("marchand", "marche.html"), ("pomme", "marche.html"), ("\"les fromages\"", "marche.html"),
            ("tren", "ciudad.json"), ("puentes", "ciudad.json"), ("viajero", "ciudad.json"), ("\"el puente\"", "ciudad.json"),
            ("библиотека", "biblioteka.md"), ("книга", "biblioteka.md"), ("\"редкие книги\"", "biblioteka.md"),
            ("喫茶店", "tokyo.html"), ("電車", "tokyo.html"), ("\"小さな喫茶店\"", "tokyo.html"),
        ]
        for (query, id) in expectations {
            #expect(try Self.ids(reader, query) == [id], "\(query)")
        }
        // Restricting to another language finds nothing; to the article's own, the article.
        #expect(try Self.ids(reader, "Häuser lang:fr").isEmpty)
        #expect(try Self.ids(reader, "Häuser lang:de") == ["dorf.md"])
    }

    /// A word spelled alike in two languages matches both, each through its own language's
    /// term; the query language picks one.
    @Test func theQueryLanguagePicksOneLanguagesAnalysis() throws {
        let (reader, root) = try Self.mixedIndex()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try Self.ids(reader, "die") == ["dorf.md", "keeper.md"])
        #expect(try Self.ids(reader, "die", language: "de") == ["dorf.md"])
        #expect(try Self.ids(reader, "die", language: "en") == ["keeper.md"])
        #expect(try Self.ids(reader, "die", language: "fr").isEmpty)
        #expect(try Self.ids(reader, "Häuser", language: "en").isEmpty)
        #expect(throws: SearchError.self) { try Self.ids(reader, "die", language: "not a language") }
        // Per-language statistics: the German `die` is weighed by German documents alone.
        let explanation = try #require(try reader.explain("die", id: "dorf.md"))
        #expect(explanation.description.contains("die (de)"))
    }

    @Test func snippetsHighlightWithTheDocumentsOwnAnalyzer() throws {
        let (reader, root) = try Self.mixedIndex()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let german = try #require(try reader.search("Häuser").hits.first)
        let snippet = try #require(german.snippet)
        let marked = snippet.highlights.map { String(decoding: Array(snippet.text.utf8)[$0], as: UTF8.self) }
        #expect(marked == ["Haus"])
        let russian = try #require(try reader.search("книга").hits.first?.snippet)
        #expect(russian.highlights.map { String(decoding: Array(russian.text.utf8)[$0], as: UTF8.self) } == ["книги"])
    }

    /// OpenSearch highlighting analyzes each document in its own language too.
    @Test func openSearchHighlightsInTheDocumentsLanguage() throws {
        let (reader, root) = try Self.mixedIndex()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let index = OpenSearchIndex(name: "mixed", reader: reader)
        let response = try index.search(body: try JSON.parse(#"{"query": {"match": {"body": "Häuser"}}, "highlight": {"pre_tags": ["["], "post_tags": ["]"], "fields": {"body": {}}}}"#), parameters: [:])
        let hits = response["hits"]?["hits"]?.arrayElements ?? []
        #expect(hits.compactMap { $0["_id"]?.stringValue } == ["dorf.md"])
        let fragment = hits.first?["highlight"]?["body"]?.arrayElements?.first?.stringValue ?? ""
        #expect(fragment.contains("[Haus]"), "\(fragment)")
    }

    /// Fuzzy words and corrections walk the default language's terms only: a German stem is no
    /// expansion of an English word.
    @Test func dictionaryWalksSkipOtherLanguagesTerms() throws {
        let (reader, root) = try Self.mixedIndex()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try Self.ids(reader, "lamb~1") == ["keeper.md"])
        let completions = try reader.complete("fi", limit: 20).map(\.term)
        #expect(!completions.contains { $0.utf8.first == DocumentLanguage.tagByte })
        #expect(try reader.complete("\u{1}de", limit: 20).isEmpty)
        // A word known in another language of the index is no typo.
        var request = SearchRequest(query: try reader.queryParser().parse("Häuser"))
        request.suggestionText = "Häuser"
        let results = try reader.search(request)
        #expect(results.hits.map(\.id) == ["dorf.md"])
        #expect(results.suggestion == nil)
    }

    /// Declared codes, tags and names normalize to the primary subtag; other values name no language.
    @Test func declaredValuesNormalize() {
        #expect(DocumentLanguage.code(declared: "de-DE") == "de")
        #expect(DocumentLanguage.code(declared: " pt_BR ") == "pt")
        #expect(DocumentLanguage.code(declared: "German") == "de")
        #expect(DocumentLanguage.code(declared: "EN") == "en")
        #expect(DocumentLanguage.code(declared: "Klingon!") == nil)
        #expect(DocumentLanguage.code(declared: "") == nil)
        #expect(DocumentLanguage.code(of: .english) == "en")
        #expect(DocumentLanguage.code(of: AnalyzerConfiguration.named("german")!) == "de")
        #expect(DocumentLanguage.code(of: .simple) == nil)
        // Every Snowball language analyzer has a code, and the code's configuration is it.
        for configuration in AnalyzerConfiguration.languages {
            let code = DocumentLanguage.code(of: configuration)
            #expect(code != nil, "\(configuration.name)")
            #expect(code.map { DocumentLanguage.configuration(for: $0, like: .english).stemmer } == configuration.stemmer)
        }
        let tagged = DocumentLanguage.taggedTerm("haus", language: "de")
        #expect(DocumentLanguage.split(tagged) == ("de", "haus"))
        #expect(DocumentLanguage.split("haus") == (nil, "haus"))
        #expect(DocumentLanguage.display(tagged) == "haus (de)")
    }

    /// HTML declares its language by `<html lang>`, else by a content-language `<meta>`.
    @Test func htmlContentLanguageDeclaresTheLanguage() throws {
        let page = #"<html><head><meta http-equiv="Content-Language" content="de-AT, en"><title>Haus</title></head><body><p>Ein Haus.</p></body></html>"#
        let document = try #require(DocumentsTestSupport.single(try DocumentsTestSupport.read(page, .html, path: "a.html")))
        #expect(document.fields["lang"] == .string("de-AT"))
        let both = #"<html lang="fr"><head><meta http-equiv="content-language" content="de"></head><body><p>Une maison.</p></body></html>"#
        let french = try #require(DocumentsTestSupport.single(try DocumentsTestSupport.read(both, .html, path: "b.html")))
        #expect(french.fields["lang"] == .string("fr"))
    }

    /// A `lang` value that names no language leaves the document in the default analysis.
    @Test func undeclaredOrUnknownLanguagesTakeTheDefaultAnalysis() throws {
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        var odd = Document(id: "odd", title: "Houses", body: "Old houses by the river.")
        odd.fields["lang"] = .string("English, mostly!")
        var german = Document(id: "de", title: "Häuser", body: "Alte Häuser am Fluss.")
        german.fields["language"] = .strings(["German"])
        try writer.add([odd, german])
        try writer.commit()
        writer.close()
        let reader = try IndexReader(directory: directory)
        #expect(reader.otherLanguages == ["de"])
        #expect(try reader.search("house").hits.map(\.id) == ["odd"])
        #expect(try reader.search("Haus").hits.map(\.id) == ["de"])
        #expect(try reader.search("lang:de").hits.map(\.id) == ["de"])
        #expect(try reader.document(id: "odd")?.fields["lang"] == .strings(["English, mostly!"]))
    }

    /// An index whose documents are all in its default language stores exactly the terms it
    /// stored before languages: the same documents with and without `lang: en` give the same
    /// term dictionary (the declared field only adds its keyword column).
    @Test func defaultLanguageDocumentsTakeTheDefaultPath() throws {
        func terms(_ declare: Bool) throws -> [String] {
            let directory = MemoryDirectory()
            var options = IndexWriterOptions()
            options.durable = false
            let writer = try IndexWriter(directory: directory, lock: nil, options: options)
            var documents = [Document(id: "a", title: "Houses", body: "The keepers lit the lamps."),
                             Document(id: "b", title: "Die", body: "Old lamps never die.")]
            if declare { for i in documents.indices { documents[i].fields["lang"] = .string("en-GB") } }
            try writer.add(documents)
            try writer.commit()
            writer.close()
            let reader = try IndexReader(directory: directory)
            #expect(reader.otherLanguages.isEmpty)
            let segment = try #require(reader.segments.first)
            let table = try #require(try segment.termTable(field: IndexSchema.bodyField))
            return (0..<table.count).map { String(decoding: table.term($0), as: UTF8.self) }
        }
        let plain = try terms(false)
        #expect(!plain.isEmpty)
        #expect(try terms(true) == plain)
    }
}
