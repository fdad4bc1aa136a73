import Foundation
import Testing

/// Queries that begin with `-`, options after `--`, unquoted multi-word queries, the wording of
/// totals, and the demo's echoed commands.
@Suite struct QueryArgumentTests {
    /// The hit ids of a JSON search.
    func ids(_ result: RunResult) throws -> [String] {
        let hits = try #require(try result.jsonObject()["hits"] as? [[String: Any]])
        return hits.compactMap { $0["id"] as? String }
    }

    @Test func dashQueriesAreQueriesWhateverLetterFollows() throws {
        for letter in "abcdefghijklmnopqrstuvwxyz" {
            for query in ["-\(letter)oil", "-\(letter)oil sanctions", "sanctions -\(letter)oil"] {
                let moved = trawl(["search", query, "--index", sampleIndex, "--json"])
                let explicit = trawl(["search", "--index", sampleIndex, "--json", "--", query])
                #expect(moved.status == explicit.status, "\(query): \(moved)")
                #expect(moved.status == 0 || moved.status == 1, "\(query): \(moved)")
                #expect(!moved.stdout.contains("USAGE:") && !moved.stdout.contains("OVERVIEW:"), "\(query) printed the help")
                #expect(try ids(moved) == ids(explicit), "\(query)")
            }
        }
        // `-hockey playoff`: every document without "hockey" that has "playoff" (none here), and
        // `-hockey` alone: every document (none mentions hockey).
        let all = trawl(["search", "-hockey", "--index", sampleIndex, "--count", "--json"])
        #expect(all.status == 0, "\(all)")
        #expect(try all.jsonObject()["total"] as? Int == 21)
        // -h alone is still the help.
        let help = trawl(["search", "-h"])
        #expect(help.status == 0 && help.stdout.contains("USAGE:"))
        // A value of an option may begin with a dash.
        let sorted = trawl(["search", "--sort", "-date", "-oil", "--index", sampleIndex, "--json"])
        #expect(sorted.status == 0, "\(sorted)")
    }

    @Test func optionsAfterTheDoubleDashGetAHint() {
        let result = trawl(["search", "--index", sampleIndex, "--", "-oil", "--limit", "1"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("options go before --: --limit after -- is read as part of the query"), "\(result)")
        #expect(result.stderr.contains("-- '-oil'"), "\(result)")
    }

    @Test func unquotedWordsGetTheQuotingHint() {
        let result = trawl(["search", "sanctions", "AND", "oil", "--index", sampleIndex])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("quote a query of several words: trawl search 'sanctions AND oil'"), "\(result)")
    }

    /// The last line of a human search.
    func summary(_ arguments: [String], index: String = sampleIndex) -> (RunResult, String) {
        let result = trawl(["search", "--index", index] + arguments)
        let last = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return (result, last)
    }

    @Test func totalsReadRight() throws {
        let exact = try trawl(["search", "--index", sampleIndex, "--json", "--count", "--limit", "100", "oil"]).jsonObject()
        let total = try #require(exact["total"] as? Int)
        #expect(total > 4)
        let (first, firstLine) = summary(["--limit", "2", "oil"])
        #expect(first.status == 0)
        #expect(firstLine.hasPrefix("2 of \(total) hits, "), "\(first)")
        let (_, secondLine) = summary(["--limit", "2", "--offset", "2", "oil"])
        #expect(secondLine.hasPrefix("3–4 of \(total) hits, "), "\(secondLine)")
        // --limit 0 counts (exit 0 when anything matches).
        let (count, countLine) = summary(["--limit", "0", "oil"])
        #expect(count.status == 0, "\(count)")
        #expect(countLine.hasPrefix("\(total) hits ("), "\(countLine)")
        let (none, noneLine) = summary(["--limit", "0", "zzzyzzy"])
        #expect(none.status == 1 && noneLine.hasPrefix("No hits"), "\(none)")
        // One hit.
        let (one, oneLine) = summary(["title:zurich"])
        #expect(one.status == 0)
        #expect(oneLine.hasPrefix("1 of 1 hit, "), "\(one)")
    }

    @Test func largeTotalsAreCountedToAThousand() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let lines = (0..<1_500).map { #"{"id":"d\#($0)","title":"note \#($0)","body":"common words \#($0 % 7 == 0 ? "rare" : "")"}"# }
        try lines.joined(separator: "\n").write(toFile: folder + "/notes.jsonl", atomically: true, encoding: .utf8)
        let indexed = trawl(["index", "--quiet", "--index", folder + "/index", folder + "/notes.jsonl"])
        #expect(indexed.status == 0, "\(indexed)")
        let index = folder + "/index"
        for offset in ["0", "20"] {
            let (result, line) = summary(["--limit", "10", "--offset", offset, "common"], index: index)
            #expect(result.status == 0)
            #expect(line.contains(" of 1,000+ hits, "), "\(line)")
            let json = try trawl(["search", "--index", index, "--json", "--offset", offset, "common"]).jsonObject()
            #expect(json["total"] as? Int == 1_000 && json["total_relation"] as? String == "gte")
        }
        // Below the threshold: exact, with thousands separators where due.
        let (_, rare) = summary(["--limit", "1", "rare"], index: index)
        #expect(rare.hasPrefix("1 of 215 hits, "), "\(rare)")
        let (_, counted) = summary(["--count", "--limit", "1", "common"], index: index)
        #expect(counted.hasPrefix("1 of 1,500 hits, "), "\(counted)")
    }

    @Test func hitsCarryTheAbsolutePathOfTheirFile() throws {
        let json = try trawl(["search", "--index", sampleIndex, "--json", "--limit", "100", "oil"]).jsonObject()
        let hits = try #require(json["hits"] as? [[String: Any]])
        #expect(!hits.isEmpty)
        for hit in hits {
            let id = try #require(hit["id"] as? String)
            let path = try #require(hit["path"] as? String)
            #expect(path == samplesFolder + "/" + id)
            #expect(FileManager.default.fileExists(atPath: path))
        }
        let human = trawl(["search", "--index", sampleIndex, "--limit", "1", "title:zurich"])
        #expect(human.stdout.contains(samplesFolder + "/"), "\(human)")
    }

    @Test func hitsFromTextFilesCarryTheLineOfTheirMatch() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/notes", withIntermediateDirectories: true)
        let lines = ["Tram notes", "", "A ride through the old town.", "", "Then the funicular up the hill,", "and back."]
        try lines.joined(separator: "\n").write(toFile: folder + "/notes/tram.txt", atomically: true, encoding: .utf8)
        try "# Heading\n\nThe funicular again.".write(toFile: folder + "/notes/page.md", atomically: true, encoding: .utf8)
        #expect(trawl(["index", "--quiet", "--index", folder + "/index", folder + "/notes"]).status == 0)
        let expected = 1 + lines.firstIndex { $0.contains("funicular") }!
        let json = try trawl(["search", "--index", folder + "/index", "--json", "funicular"]).jsonObject()
        let hits = try #require(json["hits"] as? [[String: Any]])
        let text = try #require(hits.first { $0["id"] as? String == "tram.txt" })
        #expect(text["line"] as? Int == expected)
        // Markdown is reshaped on reading: no line.
        let markdown = try #require(hits.first { $0["id"] as? String == "page.md" })
        #expect(markdown["line"] is NSNull)
        let human = trawl(["search", "--index", folder + "/index", "funicular"])
        #expect(human.stdout.contains("/notes/tram.txt:\(expected)\n"), "\(human)")
    }

    @Test func theIndexIsFoundUpTheTree() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/notes/deep/er", withIntermediateDirectories: true)
        try "Zurich notes\nA tram ride.".write(toFile: folder + "/notes/zurich.txt", atomically: true, encoding: .utf8)
        #expect(trawl(["index", "--quiet", "notes"], in: folder).status == 0)
        // From a subfolder, with no --index and no TRAWL_INDEX: the nearest index/ up the tree.
        let found = try trawl(["search", "--json", "tram"], in: folder + "/notes/deep/er").jsonObject()
        #expect((found["hits"] as? [[String: Any]])?.first?["id"] as? String == "zurich.txt")
        // TRAWL_INDEX comes first.
        let elsewhere = trawl(["search", "tram"], in: folder + "/notes/deep", environment: ["TRAWL_INDEX": folder + "/none"])
        #expect(elsewhere.status == 3, "\(elsewhere)")
    }

    /// Every command scripts/demo.sh echoes reads back, in bash, as the arguments it ran with.
    @Test func theDemoEchoesCommandsAsTyped() throws {
        let demo = try String(contentsOfFile: packageRoot + "/scripts/demo.sh", encoding: .utf8)
        let functions = demo.components(separatedBy: "\n# An argument as a user types it")[1].components(separatedBy: "\nrun index")[0]
        let runs = demo.split(separator: "\n").filter { $0.hasPrefix("run ") }.joined(separator: "\n")
        #expect(runs.contains("'sanctions AND oil'"))
        // Each echoed line is parsed by bash again and compared with what ran.
        let script = """
            trawl=fake-trawl
            fake-trawl() { printf 'RAN'; printf ' [%s]' "$@"; printf '\\n'; }
            # An argument as a user types it\(functions)
            \(runs)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = output.split(separator: "\n").map(String.init)
        let echoed = lines.filter { $0.hasPrefix("$ ") }
        let ran = lines.filter { $0.hasPrefix("RAN") }
        #expect(echoed.count == ran.count && echoed.count >= 8, "\(output)")
        for (line, arguments) in zip(echoed, ran) {
            #expect(line.hasPrefix("$ fake-trawl "), "\(line)")
            // bash reads the echoed line back into arguments.
            let reparse = Process()
            reparse.executableURL = URL(fileURLWithPath: "/bin/bash")
            reparse.arguments = ["-c", "fake-trawl() { printf 'RAN'; printf ' [%s]' \"$@\"; printf '\\n'; }; " + line.dropFirst(2)]
            let out = Pipe()
            reparse.standardOutput = out
            try reparse.run()
            let again = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            reparse.waitUntilExit()
            #expect(again.trimmingCharacters(in: .newlines) == arguments, "\(line) reads back as \(again), ran \(arguments)")
        }
    }
}
