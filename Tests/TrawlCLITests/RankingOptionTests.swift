import Foundation
import Testing

/// `trawl search --near/--no-near/--proximity/--expand/--expansion/--k1/--b/--bm25f-k1` and
/// `trawl explain`'s ranking options on the sample index.
@Suite struct RankingOptionTests {
    /// The hits of a JSON search as (id, score).
    func hits(_ result: RunResult) throws -> [(id: String, score: Double)] {
        let hits = try #require(try result.jsonObject()["hits"] as? [[String: Any]])
        return hits.compactMap { hit in
            guard let id = hit["id"] as? String, let score = hit["score"] as? Double else { return nil }
            return (id, score)
        }
    }

    /// The proximity bonus is off by default (`--no-near` says so explicitly), on with `--near`
    /// and `--proximity`, off again with `--proximity 0`; it only ever raises a score.
    @Test func proximityIsOptInAndOnlyAddsToScores() throws {
        let plain = trawl(["search", "--or", "crude oil exports", "--index", sampleIndex, "--json", "--limit", "50"])
        let near = trawl(["search", "--or", "--near", "crude oil exports", "--index", sampleIndex, "--json", "--limit", "50"])
        let explicitOff = trawl(["search", "--or", "--no-near", "crude oil exports", "--index", sampleIndex, "--json", "--limit", "50"])
        #expect(try hits(explicitOff).map(\.score) == hits(plain).map(\.score))
        let set = trawl(["search", "--or", "--proximity", "0.1:10", "crude oil exports", "--index", sampleIndex, "--json", "--limit", "50"])
        #expect(try hits(set).map(\.score) == hits(near).map(\.score))
        #expect(plain.status == 0 && near.status == 0, "\(plain) \(near)")
        let before = Dictionary(uniqueKeysWithValues: try hits(plain).map { ($0.id, $0.score) })
        let after = try hits(near)
        #expect(Set(after.map(\.id)) == Set(before.keys))
        var raised = false
        for hit in after {
            let base = try #require(before[hit.id])
            #expect(hit.score >= base - 1e-6, "\(hit.id)")
            if hit.score > base + 1e-6 { raised = true }
        }
        // "oil exports" stands together in a sample article.
        #expect(raised)
        let off = trawl(["search", "--or", "--proximity", "0", "crude oil exports", "--index", sampleIndex, "--json", "--limit", "50"])
        #expect(try hits(off).map(\.score) == hits(plain).map(\.score))
    }

    /// Explain takes search's ranking options: the proximity bonus with `--near`, none by
    /// default, and the value equals the hit's score either way.
    @Test func explainShowsTheProximityBonus() throws {
        let top = try #require(try hits(trawl(["search", "--near", "oil exports", "--index", sampleIndex, "--json"])).first)
        let explained = trawl(["explain", "--near", "oil exports", top.id, "--index", sampleIndex, "--json"])
        #expect(explained.status == 0, "\(explained)")
        #expect(explained.stdout.contains("term proximity"), "\(explained)")
        #expect(abs((try explained.jsonObject()["value"] as? Double ?? 0) - top.score) < 1e-4, "\(explained) \(top)")
        let plainTop = try #require(try hits(trawl(["search", "oil exports", "--index", sampleIndex, "--json"])).first { $0.id == top.id })
        let plain = trawl(["explain", "oil exports", top.id, "--index", sampleIndex, "--json"])
        #expect(!plain.stdout.contains("term proximity"), "\(plain)")
        #expect(abs((try plain.jsonObject()["value"] as? Double ?? 0) - plainTop.score) < 1e-4, "\(plain) \(plainTop)")
        // The other ranking options reach explain too: title weight 0 leaves only the body.
        let weighted = trawl(["explain", "--weights", "title=0,body=1", "--no-near", "oil exports", top.id, "--index", sampleIndex, "--json"])
        let weightedTop = try #require(try hits(trawl(["search", "--weights", "title=0,body=1", "--no-near", "oil exports", "--index", sampleIndex, "--json", "--limit", "100"])).first { $0.id == top.id })
        #expect(abs((try weighted.jsonObject()["value"] as? Double ?? 0) - weightedTop.score) < 1e-4, "\(weighted) \(weightedTop)")
    }

    @Test func expansionAndBM25OptionsRun() throws {
        let expanded = trawl(["search", "--or", "--expand", "crude oil", "--index", sampleIndex, "--json", "--limit", "20"])
        let plain = trawl(["search", "--or", "crude oil", "--index", sampleIndex, "--json", "--limit", "20"])
        #expect(expanded.status == 0, "\(expanded)")
        // The original words' matches stay; expansion can only add documents.
        #expect(Set(try hits(plain).map(\.id)).isSubset(of: Set(try hits(expanded).map(\.id))))
        let tuned = trawl(["search", "--k1", "0.9", "--b", "0.4", "--bm25f-k1", "1.2", "oil", "--index", sampleIndex, "--json"])
        #expect(tuned.status == 0, "\(tuned)")
        #expect(try hits(tuned).map(\.id).sorted() == hits(trawl(["search", "oil", "--index", sampleIndex, "--json"])).map(\.id).sorted())
        let batch = trawl(["search", "--batch", "--near", "--expand", "--index", sampleIndex], stdin: #"{"qid":1,"q":"crude OR oil","k":3}"# + "\n")
        #expect(batch.status == 0 && batch.stdout.contains(#""qid":1"#) && !batch.stdout.contains("error"), "\(batch)")
    }

    @Test func stopWordsMatchWithoutScoringUnlessTurnedOff() throws {
        let on = try hits(trawl(["search", "--or", "the oil", "--index", sampleIndex, "--json", "--limit", "1000"]))
        let off = try hits(trawl(["search", "--or", "--no-stop-words", "the oil", "--index", sampleIndex, "--json", "--limit", "1000"]))
        // The same documents match; with the default, "the" adds nothing, so the scores are oil's alone.
        #expect(Set(on.map(\.id)) == Set(off.map(\.id)))
        let oil = Dictionary(uniqueKeysWithValues: try hits(trawl(["search", "oil", "--index", sampleIndex, "--json", "--limit", "1000"])).map { ($0.id, $0.score) })
        for hit in on { #expect(abs(hit.score - (oil[hit.id] ?? 0)) <= 1e-4 * max(1, hit.score), "\(hit.id)") }
        #expect(off.contains { hit in hit.score > (oil[hit.id] ?? 0) + 1e-3 })
        let explained = trawl(["explain", "--no-stop-words", "the OR oil", try #require(off.first?.id), "--index", sampleIndex])
        #expect(explained.status == 0 && !explained.stdout.contains("stop word"), "\(explained)")
    }

    @Test func badValuesAreUsageErrors() {
        for arguments in [["--proximity", "x"], ["--proximity", "1:0"], ["--expansion", "10:20"], ["--expansion", "0:5:0.5"],
                          ["--b", "2"], ["--k1", "-1"], ["--bm25f-k1", "nan"], ["--weights", "title"]] {
            let result = trawl(["search"] + arguments + ["oil", "--index", sampleIndex])
            #expect(result.status == 2, "\(arguments): \(result)")
            // `trawl serve` takes the same options and refuses the same values before it listens
            // (the server's answers are checked over HTTP in the server tests).
            let served = trawl(["serve"] + arguments + ["--index", sampleIndex, "--port", "0"])
            #expect(served.status == 2 && !served.stderr.isEmpty, "serve \(arguments): \(served)")
        }
        let help = trawl(["serve", "--help"])
        for option in ["--weights", "--near", "--proximity", "--stop-words", "--expand", "--expansion", "--k1", "--b", "--bm25f-k1"] {
            #expect(help.stdout.contains(option), "\(option)")
        }
    }
}
