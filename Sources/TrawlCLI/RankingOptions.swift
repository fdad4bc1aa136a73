import ArgumentParser
import Trawl

/// The ranking options `trawl search`, `trawl explain` and `trawl serve` share: field weights, BM25
/// parameters, term proximity, free-text stop words and query expansion, each defaulting to the
/// library's ``SearchRequest`` default.
struct RankingOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Field weights for BM25, e.g. title=2,body=1 (default title=3,body=1).", valueName: "weights"))
    var weights: String?

    /// The parsed `--weights`, or the defaults.
    private func fieldWeights() throws -> [String: Double] {
        var result = SearchRequest.defaultFieldWeights
        guard let weights else { return result }
        for part in weights.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let value = Double(pair[1]), value >= 0, value.isFinite else {
                throw ValidationError("--weights takes FIELD=NUMBER pairs separated by commas, e.g. title=3,body=1")
            }
            result[String(pair[0])] = value
        }
        return result
    }

    @Flag(name: .long, inversion: .prefixedNo, help: "Rank documents where the query's words occur close together higher: a term-proximity bonus for free-text queries of several plain words (default off: it costs AND and OR queries about 1.5x).")
    var near = SearchRequest.defaultProximity != nil

    @Option(name: .long, help: ArgumentHelp("The term-proximity bonus's settings: WEIGHT or WEIGHT:WINDOW (default 0.1:10); 0 turns it off.", valueName: "weight"))
    var proximity: String?

    @Flag(name: .customLong("stop-words"), inversion: .prefixedNo, help: "In a free-text query of several words (OR), common English words (what, the, of, does ...) match without adding to the score and stay out of the proximity bonus (default on; --no-stop-words scores every word).")
    var freeTextStopWords = true

    @Flag(name: .long, help: "Expand free-text queries with words of their best results (RM3 pseudo-relevance feedback: a second pass, slower).")
    var expand = false

    @Option(name: .long, help: ArgumentHelp("RM3 settings, implying --expand: DOCS:TERMS:ORIGINAL (default 10:30:0.8: feedback documents, expansion words, weight of the original query).", valueName: "settings"))
    var expansion: String?

    @Option(name: .long, help: ArgumentHelp("BM25 k1 of single-field scoring (default 1.2).", valueName: "k1"))
    var k1: Float?

    @Option(name: .long, help: ArgumentHelp("BM25 length normalization b (default 0.75).", valueName: "b"))
    var b: Float?

    @Option(name: .customLong("bm25f-k1"), help: ArgumentHelp("k1 of BM25F over title and body (default 2.0).", valueName: "k1"))
    var multiFieldK1: Float?

    /// The ranking of the flags (the library's defaults where a flag is not given).
    func ranking() throws -> SearchRanking {
        var ranking = SearchRanking()
        ranking.fieldWeights = try fieldWeights()
        ranking.proximity = near ? SearchRequest.defaultProximity ?? TermProximity() : nil
        ranking.freeTextStopWords = freeTextStopWords
        if let k1 { guard k1 >= 0, k1.isFinite else { throw ValidationError("--k1 takes a number of 0 or more") }; ranking.bm25.k1 = k1 }
        if let b { guard b >= 0, b <= 1 else { throw ValidationError("--b takes a number from 0 to 1") }; ranking.bm25.b = b }
        if let multiFieldK1 {
            guard multiFieldK1 >= 0, multiFieldK1.isFinite else { throw ValidationError("--bm25f-k1 takes a number of 0 or more") }
            ranking.bm25.multiFieldK1 = multiFieldK1
        }
        if let proximity {
            let parts = proximity.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2, let weight = Float(parts[0]), weight >= 0, weight.isFinite else {
                throw ValidationError("--proximity takes WEIGHT or WEIGHT:WINDOW, e.g. 1 or 1:5 (0 turns it off)")
            }
            var window = TermProximity().window
            if parts.count == 2 {
                guard let w = Int(parts[1]), w >= 1, w <= 1_000 else { throw ValidationError("--proximity's WINDOW is a whole number from 1 to 1000") }
                window = w
            }
            ranking.proximity = weight == 0 ? nil : TermProximity(weight: weight, window: window)
        }
        if expand || expansion != nil {
            var settings = QueryExpansion()
            if let expansion {
                let parts = expansion.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 3, let docs = Int(parts[0]), (1...1_000).contains(docs), let terms = Int(parts[1]),
                      (1...1_000).contains(terms), let original = Double(parts[2]), original >= 0, original <= 1 else {
                    throw ValidationError("--expansion takes DOCS:TERMS:ORIGINAL, e.g. 10:20:0.5 (docs and terms 1 to 1000, original 0 to 1)")
                }
                settings = QueryExpansion(documents: docs, terms: terms, originalWeight: original)
            }
            ranking.expansion = settings
        }
        return ranking
    }

    func validate() throws {
        _ = try ranking()
    }
}
