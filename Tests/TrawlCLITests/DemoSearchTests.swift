import Foundation
import Testing

/// `trawl index samples/articles`, then the searches of samples/README.md.
@Suite struct DemoSearchTests {
    static let index: String = {
        let folder = sharedScratch + "/demo"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let result = trawl(["index", samplesFolder], in: folder)
        precondition(result.status == 0, "\(result)")
        return folder + "/index"
    }()

    func ids(_ query: String) throws -> Set<String> {
        let result = trawl(["search", "--json", "--count", "--limit", "100", "--index", Self.index, query])
        #expect(result.status == 0 || result.status == 1, "\(result)")
        let hits = try #require(try result.jsonObject()["hits"] as? [[String: Any]])
        return Set(hits.compactMap { $0["id"] as? String })
    }

    static let sanctionsArticles: Set<String> = [
        "business/oil-exports-rebound-despite-sanctions.md", "business/refiners-seek-new-crude-suppliers.txt",
        "world/tanker-operators-fined.html", "world/veskara-crude-sanctions-widened.md",
    ]

    @Test func defaultIndexLocation() throws {
        let stats = try trawl(["stats", "--json"], in: (Self.index as NSString).deletingLastPathComponent).jsonObject()
        #expect(stats["documents"] as? Int == 21)
        #expect(stats["index"] as? String == "index")
    }

    @Test func booleanAnd() throws {
        #expect(try ids("sanctions AND oil") == Self.sanctionsArticles)
    }

    @Test func phrase() throws {
        #expect(try ids("\"oil exports\"") == Self.sanctionsArticles)
    }

    @Test func dateRange() throws {
        #expect(try ids("date:[2024-01-01 TO 2024-06-30] storm") == ["world/storm-floods-lower-arden-valley.html"])
        // The other two storm articles fall outside the range.
        #expect(try ids("storm").count == 3)
    }

    @Test func accentFoldingInTitles() throws {
        #expect(try ids("title:zurich") == ["culture/zurich-design-museum-reopens.md"])
        #expect(try ids("cafe") == ["culture/zurich-design-museum-reopens.md"])
        #expect(try ids("naive") == ["culture/zurich-design-museum-reopens.md"])
    }

    @Test func stopWordsKeptInPhrases() throws {
        #expect(try ids("\"the who\"") == ["culture/tribute-band-the-who.txt", "culture/harbour-city-wins-cup-final.txt"])
        #expect(try ids("who").count > 2)
    }

    /// The articles in other languages: each found in its own language, by an inflected form,
    /// a phrase, its declared language, a dictionary word.
    @Test func articlesInOtherLanguages() throws {
        #expect(try ids("Häfen") == ["world/arden-hafen-wird-erweitert.md"])
        #expect(try ids("\"jeunes musiciens\"") == ["culture/festival-lumen-musique.html"])
        #expect(try ids("lang:es") == ["science/observatorio-sierra-alta.md"])
        #expect(try ids("茶屋") == ["culture/kawabe-tea-house.md"])
        #expect(try ids("telescopios") == ["science/observatorio-sierra-alta.md"])
    }

    @Test func prefix() throws {
        #expect(try ids("sanction*") == Self.sanctionsArticles)
    }
}
