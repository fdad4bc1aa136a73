import Foundation
import Testing
@testable import Trawl

#if canImport(Glibc)
import Glibc
#endif

/// A folder of small text files that changes deterministically from round to round, and the
/// index state each round must produce.
struct EvolvingFolder {
    let root: String
    private(set) var files: [String: [UInt8]] = [:]
    private var random: SeededGenerator
    private var nextFile = 0
    private(set) var round = 0
    static let vocabulary = ["oil", "grain", "wheat", "market", "price", "trade", "bank", "rate", "ship", "export",
                             "sanction", "tanker", "harvest", "currency", "bond", "yield", "steel", "copper",
                             "port", "strike", "union", "minister", "budget", "tariff", "quota", "crop", "rain"]

    init(root: String, seed: UInt64) {
        self.root = root
        random = SeededGenerator(seed: seed)
    }

    /// The word that marks every file written in round `r` (letters only, one term).
    static func roundMarker(_ r: Int) -> String { letterWord("rnd", r) + "x" }

    private mutating func content(fileNumber: Int) -> [UInt8] {
        var words: [String] = []
        for _ in 0..<Int.random(in: 120...260, using: &random) {
            words.append(EvolvingFolder.vocabulary.randomElement(using: &random)!)
        }
        words.insert(EvolvingFolder.roundMarker(round), at: Int.random(in: 0...words.count, using: &random))
        words.insert(letterWord("fid", fileNumber) + "x", at: Int.random(in: 0...words.count, using: &random))
        let title = "Report \(fileNumber) of round \(round)"
        return Array("\(title)\n\n\(words.joined(separator: " "))\n".utf8)
    }

    private mutating func put(_ name: String) {
        let number = Int(name.split(separator: "/").last!.dropFirst(3).prefix(5))!
        let bytes = content(fileNumber: number)
        files[name] = bytes
        writeFile(root + "/" + name, bytes)
    }

    /// Adds `count` files.
    mutating func add(_ count: Int) {
        for _ in 0..<count {
            let name = "d\(nextFile % 4)/doc\(String(format: "%05d", nextFile)).txt"
            nextFile += 1
            put(name)
        }
    }

    /// The next round: some files change, some go, some are new.
    mutating func mutate() {
        round += 1
        let names = files.keys.sorted()
        for name in names {
            let roll = Int.random(in: 0..<100, using: &random)
            if roll < 12 {
                put(name)
            } else if roll < 18 {
                files[name] = nil
                unlink(root + "/" + name)
            }
        }
        add(Int.random(in: 15...45, using: &random))
    }

    /// `id → fingerprint` of the documents the folder should index to (see ``snapshot(_:)``).
    func expectedSnapshot() throws -> [String: String] {
        var result: [String: String] = [:]
        let reader = DocumentReader()
        for (name, bytes) in files {
            let read = try reader.read(contentsOf: bytes, relativePath: name, format: .text)
            for document in read.documents {
                result[document.id] = "\(FolderIndexer.contentHash(bytes))|\(contentChecksum(title: document.title, body: document.body))"
            }
        }
        return result
    }
}

/// Where a kill landed, judged from what it left in the index folder.
enum KillPoint: String, CaseIterable {
    case beforeAnyWrite = "before any index file was written"
    case midSegmentFile = "while a segment file was being written (flush or merge)"
    case betweenSegmentFiles = "between segment files (flushes or merges done, commit pending)"
    case publishingCommit = "while the commit manifest was being written"
    case afterCommit = "after the new commit was published"
}

@Suite(.serialized) struct CrashSafetyTests {
    /// SIGKILL `trawl index` at seeded random moments while it flushes tiny segments, merges
    /// them and commits; after every kill the index must hold exactly the documents of the
    /// commit before the run or of the run's own commit, pass `check()`, and the next run must
    /// complete and leave no stray files.
    @Test(.enabled(if: TrawlCLI.binary != nil, Comment(rawValue: TrawlCLI.missingMessage)))
    func sigkillDuringIndexingNeverLosesACommit() throws {
        // The release build (CI builds it first) makes each round several times faster; the debug one works too.
        let cli = TrawlCLI.releaseBinaryIfCurrent ?? TrawlCLI.binary!
        let temp = TemporaryFolder("crash")
        defer { temp.remove() }
        let docs = temp.sub("docs"), index = temp.sub("index")
        var folder = EvolvingFolder(root: docs, seed: 0xC0FFEE)
        folder.add(220)
        let arguments = [cli, "index", "--index", index, docs, "-q", "--ram-budget-kb", "500", "--merge-factor", "3",
                         "--threads", "2"]

        var started = now()
        let first = ChildProcess.run(arguments, outputPrefix: temp.sub("run0"))
        #expect(first.exitCode == 0, "first run: \(first.termination!) \(first.stderr)")
        var ceiling = now() - started
        var before = try snapshot(try IndexReader(path: index))
        #expect(try before == folder.expectedSnapshot())

        var random = SeededGenerator(seed: 0x5EED_0001)
        var kills = 0, finishedFirst = 0, rounds = 0
        var points: [KillPoint: Int] = [:]
        var staleLocksReported = 0
        var maxSegmentsWritten = 0
        let deadline = now() + 400 // a guard against hangs only: a loaded machine needs longer rounds
        while kills < 60 && rounds < 140 && now() < deadline {
            rounds += 1
            let contentsBefore = folder.files
            folder.mutate()
            let after = try folder.expectedSnapshot()
            let generationBefore = try IndexReader(path: index).generation
            let referencedBefore = try IndexReader(path: index).manifest.referencedFiles

            // Start, wait a seeded random time, kill.
            let delay = Double.random(in: 0...1, using: &random) * ceiling
            started = now()
            let child = ChildProcess(arguments, outputPrefix: temp.sub("kill\(rounds)"))
            while now() - started < delay && !child.poll() { usleep(500) }
            child.killAndWait()
            let killed = child.termination == .signaled(SIGKILL)
            if killed {
                kills += 1
                ceiling *= 1.03
            } else {
                finishedFirst += 1
                ceiling = max(0.05, ceiling * 0.85)
                #expect(child.exitCode == 0, "round \(rounds): \(child.termination!) \(child.stderr)")
            }

            // What the kill left behind.
            let leftovers = listFolder(index)
            let lockPid = Int32(String(decoding: readFile(index + "/write.lock") ?? [], as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines))
            if killed {
                let point = classify(leftovers, index: index, referencedBefore: referencedBefore, generationBefore: generationBefore)
                points[point, default: 0] += 1
            }

            // The index opens, holds exactly one of the two commits, and is healthy.
            let reader = try IndexReader(path: index)
            let state = try snapshot(reader)
            let matchesBefore = state == before, matchesAfter = state == after
            #expect(matchesBefore || matchesAfter,
                    "round \(rounds): after a kill at \(String(format: "%.3f", delay)) s the index holds \(state.count) documents, neither the \(before.count) of the previous commit nor the \(after.count) of the new one")
            let report = reader.check()
            #expect(report.isHealthy, "round \(rounds): \(report.problems)")
            try verifyMarkers(reader, contents: matchesAfter ? folder.files : contentsBefore,
                              rounds: [0, folder.round - 1, folder.round, Int.random(in: 0...folder.round, using: &random)])

            // Every other round, a writer opened in this process removes what the kill left
            // (unreferenced segment files, `*.tmp`) as it opens, and names the dead writer.
            if rounds % 2 == 0 {
                let writer = try IndexWriter(path: index)
                let current = try IndexReader(path: index)
                #expect(Set(listFolder(index)) == expectedFiles(of: current),
                        "round \(rounds): opening a writer left \(Set(listFolder(index)).subtracting(expectedFiles(of: current)).sorted())")
                if killed, let lockPid, lockPid == child.pid {
                    #expect(writer.recoveredStaleLockPid == lockPid)
                    staleLocksReported += 1
                }
                writer.close()
            }
            // The next run completes, reports the stale lock, and cleans up.
            let recovery = ChildProcess.run(arguments, outputPrefix: temp.sub("recover\(rounds)"))
            #expect(recovery.exitCode == 0, "round \(rounds) recovery: \(recovery.termination!) \(recovery.stderr)")
            if rounds % 2 != 0, killed, let lockPid, lockPid == child.pid {
                #expect(recovery.stderr.contains("stale lock left by process \(lockPid)"), "round \(rounds): \(recovery.stderr)")
                staleLocksReported += 1
            }
            let recovered = try IndexReader(path: index)
            #expect(try snapshot(recovered) == after, "round \(rounds): the run after the kill did not reach the folder's state")
            #expect(Set(listFolder(index)) == expectedFiles(of: recovered),
                    "round \(rounds): stray files after the next writer: \(Set(listFolder(index)).subtracting(expectedFiles(of: recovered)).sorted())")
            maxSegmentsWritten = max(maxSegmentsWritten, recovered.manifest.nextSegmentNumber - 1)
            before = after
        }
        print("CrashSafety: \(rounds) rounds, \(kills) SIGKILLs survived, \(finishedFirst) runs finished before their kill, "
              + "\(staleLocksReported) stale locks reported, \(maxSegmentsWritten) segments written in all; kill points: "
              + KillPoint.allCases.map { "\(points[$0] ?? 0) \($0.rawValue)" }.joined(separator: "; "))
        #expect(kills >= 50, "only \(kills) kills landed in \(rounds) rounds")
        #expect((points[.midSegmentFile] ?? 0) + (points[.betweenSegmentFiles] ?? 0) > 0)
    }

    /// Every round's marker word finds exactly the documents whose indexed version came from it.
    func verifyMarkers(_ reader: IndexReader, contents: [String: [UInt8]], rounds: [Int]) throws {
        var byRound: [Int: Set<String>] = [:]
        for (name, bytes) in contents {
            let text = String(decoding: bytes, as: UTF8.self)
            // The title names the round the file was last written in ("... of round N").
            if let range = text.range(of: " of round "), let end = text[range.upperBound...].firstIndex(of: "\n"),
               let round = Int(text[range.upperBound..<end]) {
                byRound[round, default: []].insert(name)
            }
        }
        for round in Set(rounds) where round >= 0 {
            let results = try reader.search(EvolvingFolder.roundMarker(round), limit: 1000, countTotal: true)
            let expected = byRound[round] ?? []
            #expect(results.total == expected.count && Set(results.hits.map(\.id)) == expected,
                    "marker of round \(round): \(results.total) hits, expected \(expected.count)")
        }
    }

    func classify(_ names: [String], index: String, referencedBefore: Set<String>, generationBefore: Int) -> KillPoint {
        if names.contains(where: { $0.hasSuffix(".tmp") }) { return .publishingCommit }
        let newest = names.compactMap(CommitManifest.generation(ofFile:)).max() ?? 0
        if newest > generationBefore { return .afterCommit }
        let orphans = names.filter { IndexWriter.isIndexFileName($0) && !referencedBefore.contains($0) && !$0.hasPrefix("commit_") }
        if orphans.isEmpty { return .beforeAnyWrite }
        var segments: [String: Int] = [:]
        for name in orphans where !name.hasSuffix(".live") { segments[String(name.prefix { $0 != "." }), default: 0] += 1 }
        for name in orphans {
            let bytes = readFile(index + "/" + name) ?? []
            let complete = bytes.count >= 36 && Array(bytes[(bytes.count - 8)..<(bytes.count - 4)]) == Array("LWRT".utf8)
            if !complete { return .midSegmentFile }
        }
        if segments.values.contains(where: { $0 < SegmentFiles.extensions.count }) { return .midSegmentFile }
        return .betweenSegmentFiles
    }
}
