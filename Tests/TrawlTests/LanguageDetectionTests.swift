import Foundation
import Testing
@testable import Trawl

/// Language detection with CLD2: accuracy on a labelled sample, and the writer's use of it
/// (only for documents that declare no language, only when the index opts in).
@Suite struct LanguageDetectionTests {
    /// Sentences written for this test, labelled with their language.
    static let sample: [(language: String, sentences: [String])] = [
        ("en", ["The committee postponed its decision until the spring meeting.",
                "Farmers in the valley expect a smaller harvest after the dry summer.",
                "She borrowed three novels from the library and returned them a week late.",
                "The bridge over the river will be closed for repairs until next month."]),
        ("de", ["Der Ausschuss hat seine Entscheidung auf die Sitzung im Frühjahr verschoben.",
                "Die Bauern im Tal rechnen nach dem trockenen Sommer mit einer kleineren Ernte.",
                "Sie lieh sich drei Romane aus der Bücherei und brachte sie eine Woche zu spät zurück.",
                "Die Brücke über den Fluss bleibt bis zum nächsten Monat wegen Reparaturen gesperrt."]),
        ("fr", ["Le comité a reporté sa décision jusqu'à la réunion du printemps.",
                "Les agriculteurs de la vallée attendent une récolte plus faible après cet été sec.",
                "Elle a emprunté trois romans à la bibliothèque et les a rendus avec une semaine de retard.",
                "Le pont sur la rivière restera fermé pour travaux jusqu'au mois prochain."]),
        ("es", ["El comité aplazó su decisión hasta la reunión de primavera.",
                "Los agricultores del valle esperan una cosecha menor después del verano seco.",
                "Ella tomó prestadas tres novelas de la biblioteca y las devolvió con una semana de retraso.",
                "El puente sobre el río permanecerá cerrado por obras hasta el mes que viene."]),
        ("it", ["Il comitato ha rinviato la sua decisione fino alla riunione di primavera.",
                "Gli agricoltori della valle si aspettano un raccolto più scarso dopo l'estate secca.",
                "Ha preso in prestito tre romanzi dalla biblioteca e li ha restituiti con una settimana di ritardo.",
                "Il ponte sul fiume resterà chiuso per lavori fino al mese prossimo."]),
        ("pt", ["O comitê adiou sua decisão até a reunião da primavera.",
                "Os agricultores do vale esperam uma colheita menor depois do verão seco.",
                "Ela pegou três romances emprestados na biblioteca e os devolveu com uma semana de atraso.",
                "A ponte sobre o rio ficará fechada para obras até o mês que vem."]),
        ("nl", ["De commissie heeft haar besluit uitgesteld tot de vergadering in het voorjaar.",
                "De boeren in het dal verwachten na de droge zomer een kleinere oogst.",
                "Ze leende drie romans uit de bibliotheek en bracht ze een week te laat terug.",
                "De brug over de rivier blijft tot volgende maand gesloten voor herstelwerkzaamheden."]),
        ("sv", ["Kommittén har skjutit upp sitt beslut till vårens möte.",
                "Bönderna i dalen väntar sig en mindre skörd efter den torra sommaren.",
                "Hon lånade tre romaner på biblioteket och lämnade tillbaka dem en vecka för sent.",
                "Bron över floden kommer att vara stängd för reparationer till nästa månad."]),
        ("ru", ["Комитет отложил своё решение до весеннего заседания.",
                "Фермеры в долине ожидают меньшего урожая после засушливого лета.",
                "Она взяла в библиотеке три романа и вернула их на неделю позже срока.",
                "Мост через реку будет закрыт на ремонт до следующего месяца."]),
        ("ja", ["委員会は決定を春の会議まで延期しました。",
                "谷の農家は乾燥した夏の後、収穫が減ると予想しています。",
                "彼女は図書館で小説を三冊借りて、一週間遅れて返しました。",
                "川に架かる橋は来月まで修理のため通行止めになります。"]),
        ("zh", ["委员会把决定推迟到了春季会议。",
                "山谷里的农民预计干旱的夏天过后收成会减少。",
                "她从图书馆借了三本小说，晚了一个星期才还回去。",
                "河上的桥将因维修关闭到下个月。"]),
    ]

    /// Per language, the share of its sentences detected as that language (each sentence
    /// alone, then two together), printed as the accuracy report. A lone sentence may be
    /// mistaken for a neighbour (Swedish for Danish, Russian for Serbian); two never are.
    @Test func cld2DetectsTheLabelledSample() {
        var report: [String] = []
        var wrongSingles: [String] = []
        var singles = 0
        for (language, sentences) in Self.sample {
            var right = 0
            for text in sentences {
                let detected = LanguageDetection.detect(text)
                if detected?.code == language { right += 1 } else { wrongSingles.append("\(language): \(detected?.code ?? "none") for \(text)") }
            }
            singles += sentences.count
            var pairsRight = 0
            for pair in [sentences[0] + " " + sentences[1], sentences[2] + " " + sentences[3]] {
                let detected = LanguageDetection.detect(pair)
                #expect(detected?.code == language, "\(language): \(detected?.code ?? "none") for \(pair)")
                if detected?.code == language { pairsRight += 1 }
            }
            report.append("\(language) \(right)/\(sentences.count) sentences, \(pairsRight)/2 pairs")
        }
        print("CLD2 on the labelled sample: " + report.joined(separator: "; "))
        print("CLD2 mistakes on single sentences: \(wrongSingles)")
        #expect(wrongSingles.count * 10 <= singles, "\(wrongSingles)")
    }

    @Test func detectionHandlesEdgeCases() {
        #expect(LanguageDetection.detect("") == nil)
        #expect(LanguageDetection.detect("12345 67890") == nil)
        // Invalid UTF-8 is no language, never a crash.
        let invalid: [UInt8] = [0xFF, 0xFE, 0x41, 0xC3]
        #expect(invalid.withUnsafeBytes { LanguageDetection.detect(utf8: $0) } == nil)
        // A text longer than the bytes read is cut at a character boundary.
        let long = String(repeating: "Фермеры в долине ожидают меньшего урожая. ", count: 1_000)
        #expect(LanguageDetection.detect(long)?.code == "ru")
    }

    static func index(_ documents: [Document], detection: Bool?, directory: MemoryDirectory) throws -> IndexReader {
        var options = IndexWriterOptions()
        options.durable = false
        options.languageDetection = detection
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        try writer.add(documents)
        try writer.commit()
        writer.close()
        return try IndexReader(directory: directory)
    }

    static func ids(_ reader: IndexReader, _ query: String) throws -> [String] {
        try reader.search(query, limit: 20).hits.map(\.id).sorted()
    }

    /// With detection on, undeclared documents get their language; declared ones keep theirs
    /// (never re-detected); the setting is recorded and kept by later writers.
    @Test func theWriterDetectsOnlyUndeclaredDocumentsWhenAskedTo() throws {
        let german = Document(id: "de", title: "Die Brücke", body: Self.sample[1].sentences.joined(separator: " "))
        var declared = Document(id: "declared", title: "Le pont", body: Self.sample[1].sentences[3])
        declared.fields["lang"] = .string("fr") // German text declared French: the declaration wins
        let english = Document(id: "en", title: "The bridge", body: Self.sample[0].sentences.joined(separator: " "))
        let directory = MemoryDirectory()
        var reader = try Self.index([german, declared, english], detection: true, directory: directory)
        #expect(reader.userData[IndexSchema.languageDetectionKey] == "on")
        #expect(try Self.ids(reader, "lang:de") == ["de"])
        #expect(try Self.ids(reader, "lang:fr") == ["declared"])
        #expect(try Self.ids(reader, "lang:en") == ["en"])
        #expect(try Self.ids(reader, "Brücken").contains("de"))
        #expect(try Self.ids(reader, "Ernten") == ["de"])
        // A later writer without the option keeps detecting.
        let spanish = Document(id: "es", title: "El puente", body: Self.sample[3].sentences.joined(separator: " "))
        reader = try Self.index([spanish], detection: nil, directory: directory)
        #expect(try Self.ids(reader, "lang:es") == ["es"])
        #expect(try Self.ids(reader, "cosechas") == ["es"])

        // Without detection (the default) an undeclared German document is analyzed as English.
        let plain = try Self.index([german], detection: nil, directory: MemoryDirectory())
        #expect(plain.userData[IndexSchema.languageDetectionKey] == nil)
        #expect(plain.otherLanguages.isEmpty)
        #expect(plain.schema[DocumentLanguage.field] == nil)
        #expect(try Self.ids(plain, "Ernten").isEmpty) // English analysis: `ernten`, not the German `ernt`
    }

    /// Labelled vocabularies of `../shared/data/snowball-languages` (skipped when absent):
    /// pseudo-sentences of ten words drawn from each language's list, per-language accuracy.
    @Test(.enabled(if: !SnowballStemmerTests.languages.isEmpty, "needs ../shared/data/snowball-languages"))
    func accuracyOnTheSnowballVocabularies() throws {
        var generator = SeededGenerator(seed: 17)
        var report: [String] = []
        var total = 0, right = 0
        for language in SnowballStemmerTests.languages {
            guard let code = DocumentLanguage.stemmers.first(where: { $0.value.rawValue == language && $0.key != "nb" && $0.key != "nn" })?.key else { continue }
            let words = try SnowballStemmerTests.lines(SnowballStemmerTests.folder.appendingPathComponent("\(language)/voc.txt.zst").path)
            guard words.count > 100 else { continue }
            var correct = 0
            let samples = 100
            for _ in 0..<samples {
                let text = (0..<10).map { _ in String(words[Int.random(in: 0..<words.count, using: &generator)]) }.joined(separator: " ")
                if LanguageDetection.detect(text)?.code == code { correct += 1 }
            }
            report.append("\(code) \(correct)%")
            total += samples
            right += correct
        }
        print("CLD2 on ten-word samples of the Snowball vocabularies: " + report.joined(separator: ", ") + "; overall \(right * 100 / max(1, total))%")
        #expect(total > 0)
        #expect(right * 100 >= total * 70)
    }
}
