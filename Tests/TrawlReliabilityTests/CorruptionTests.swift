import Testing
@testable import Trawl

/// A small valid index in memory: three segments, deletions (a `.live` file), dates, stored
/// bodies and an extra field.
func smallValidIndex() throws -> MemoryDirectory {
    let directory = MemoryDirectory()
    var options = IndexWriterOptions()
    options.threads = 1
    options.durable = false
    options.mergeFactor = 10
    let writer = try IndexWriter(directory: directory, lock: nil, options: options)
    try writer.add(sampleDocuments(0..<70, seed: 21))
    try writer.commit()
    try writer.add(sampleDocuments(70..<130, seed: 22))
    try writer.commit()
    try writer.add(sampleDocuments(130..<160, seed: 23))
    try writer.delete(id: "doc5")
    try writer.delete(id: "doc80")
    try writer.commit()
    writer.close()
    return directory
}

/// Queries that touch every structure: terms, conjunctions, phrases (positions), prefixes
/// (term dictionary walks), exclusions, fields, dates, and date sorting.
let probeQueries: [(String, SearchSort)] = [
    ("oil", .relevance), ("oil AND price", .relevance), ("\"oil price\"", .relevance), ("mark*", .relevance),
    ("title:item -grain", .relevance), ("author:writer OR tanker", .relevance),
    ("date:[2017-01-01 TO 2019-12-31] bank", .relevance), ("harvest OR yield", .dateDescending), ("fidbx", .relevance),
]

/// Runs every probe query and reads a few stored documents; returns how many threw a typed error.
@discardableResult
func probe(_ reader: IndexReader) -> Int {
    var errors = 0
    for (query, sort) in probeQueries {
        do throws(SearchError) {
            _ = try reader.search(query, limit: 20, sort: sort, countTotal: query.count % 2 == 0)
        } catch {
            // Damage is the index's failure, never the query's.
            if case .index(let failure) = error { #expect(failure.code == .corruptIndex, "\(query): \(failure)") }
            errors += 1
        }
    }
    for id in ["doc0", "doc77", "doc159"] {
        do throws(TrawlError) { _ = try reader.document(id: id) } catch { errors += 1 }
    }
    _ = reader.statistics()
    return errors
}

@Suite(.serialized) struct CorruptionTests {
    enum Damage: CaseIterable { case flip, truncate, zero, garbage }

    /// Seeded damage (bit flips, truncation, zeroed ranges, garbage overwrites) to every kind
    /// of index file: opening, `check()` and searching never crash; opening fails with a typed
    /// error naming the damaged file, or `check()` reports a problem naming it.
    @Test func damagedFilesAreReportedNeverCrash() throws {
        let base = try smallValidIndex()
        let healthy = try IndexReader(directory: base)
        #expect(healthy.check().isHealthy)
        #expect(probe(healthy) == 0)
        let names = try base.fileNames()
        let kinds = ["commit_", ".tdic", ".post", ".posn", ".norm", ".stor", ".date", ".live"]
        var byKind: [String: [String]] = [:]
        for kind in kinds {
            byKind[kind] = names.filter { kind.hasPrefix(".") ? $0.hasSuffix(kind) : $0.hasPrefix(kind) }
            #expect(byKind[kind]?.isEmpty == false, "the base index has no \(kind) file")
        }

        var random = SeededGenerator(seed: 0xBAD_F11E)
        var trials = 0, atOpen = 0, byCheck = 0, searchErrors = 0, silentSearches = 0, mergesRefused = 0
        var perKind: [String: Int] = [:], silentByKind: [String: Int] = [:]
        while trials < 800 {
            let kind = kinds[trials % kinds.count]
            let name = byKind[kind]!.randomElement(using: &random)!
            let original = base.contents(of: name)!
            var bytes = original
            let damage = Damage.allCases.randomElement(using: &random)!
            switch damage {
            case .flip:
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
                }
            case .truncate:
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
            case .zero:
                let start = Int.random(in: 0..<bytes.count, using: &random)
                let end = min(bytes.count, start + Int.random(in: 1...64, using: &random))
                for i in start..<end { bytes[i] = 0 }
            case .garbage:
                let start = Int.random(in: 0..<bytes.count, using: &random)
                let end = min(bytes.count, start + Int.random(in: 1...32, using: &random))
                for i in start..<end { bytes[i] = UInt8.random(in: 0...255, using: &random) }
            }
            if bytes == original { continue }
            trials += 1
            perKind[kind, default: 0] += 1
            let directory = base.copy()
            directory.overwrite(name, with: bytes)

            let reader: IndexReader
            do throws(TrawlError) {
                reader = try IndexReader(directory: directory)
            } catch {
                atOpen += 1
                #expect([.corruptIndex, .incompatibleIndex].contains(error.code), "\(name) \(damage): \(error)")
                #expect(error.description.contains(name), "\(name) \(damage): the error does not name the file: \(error)")
                continue
            }
            let report = reader.check()
            if report.isHealthy {
                Issue.record("\(name) \(damage) (trial \(trials)): check() found nothing")
            } else {
                byCheck += 1
                #expect(report.problems.contains { $0.contains(name) }, "\(name) \(damage): \(report.problems)")
            }
            let errors = probe(reader)
            searchErrors += errors
            if errors == 0 {
                silentSearches += 1
                silentByKind[kind, default: 0] += 1
            }

            // A merge must not turn damaged segments into a healthy-looking new one.
            if trials % 4 == 0 {
                do throws(TrawlError) {
                    let writer = try IndexWriter(directory: directory, lock: nil, options: IndexWriterOptions())
                    try writer.optimize()
                    Issue.record("\(name) \(damage): optimize merged a damaged segment without complaint")
                } catch {
                    mergesRefused += 1
                    #expect(error.description.contains(name), "\(name) \(damage): \(error)")
                }
            }
        }
        print("Corruption: \(trials) damaged files (\(perKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))); "
              + "\(atOpen) refused at open, \(byCheck) opened and flagged by check(), \(atOpen + byCheck) detected; "
              + "\(searchErrors) probe errors, \(silentSearches) opened readers answered every probe (check() flagged each: \(silentByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))); "
              + "\(mergesRefused) merges refused")
        #expect(atOpen + byCheck == trials)
    }

    /// A manifest with a valid checksum but impossible content (as a buggy tool or a forged file
    /// could write) is refused: segment names become file names, counts size allocations.
    @Test func forgedManifestsAreRefused() throws {
        let base = try smallValidIndex()
        let manifest = try #require(try CommitManifest.loadLatest(from: base))
        let name = CommitManifest.fileName(generation: manifest.generation)
        let forgeries: [(String, (inout CommitManifest) -> Void)] = [
            ("path in a segment name", { $0.segments[0].name = "../../../etc/passwd" }),
            ("absolute segment name", { $0.segments[0].name = "/tmp/s1" }),
            ("negative document count", { $0.segments[0].documentCount = -5 }),
            ("more deleted than documents", { $0.segments[1].deletedCount = $0.segments[1].documentCount + 1 }),
            ("deletions without a live file", { $0.segments[0].deleteGeneration = 0; $0.segments[0].deletedCount = 2 }),
            ("huge document count", { $0.segments[0].documentCount = Int.max }),
            ("duplicate segment", { $0.segments.append($0.segments[0]) }),
            ("negative field statistics", { $0.segments[0].fields[0].totalLength = -1 }),
            ("generation zero", { $0.generation = 0 }),
        ]
        for (label, forge) in forgeries {
            var forged = manifest
            forge(&forged)
            let directory = base.copy()
            directory.overwrite(name, with: try forged.encoded())
            do throws(TrawlError) {
                _ = try IndexReader(directory: directory)
                Issue.record("\(label): the forged manifest was accepted")
            } catch {
                #expect(error.code == .corruptIndex, "\(label): \(error)")
                #expect(error.description.contains(name), "\(label): \(error)")
            }
        }
    }

    /// Through the CLI: `trawl check` exits 3 naming the damaged file; `search` and `stats`
    /// end with an exit code (0, 1 or 3), never a signal.
    @Test(.enabled(if: TrawlCLI.binary != nil, Comment(rawValue: TrawlCLI.missingMessage)))
    func cliReportsDamage() throws {
        let cli = TrawlCLI.binary!
        let temp = TemporaryFolder("corrupt-cli")
        defer { temp.remove() }
        var folder = EvolvingFolder(root: temp.sub("docs"), seed: 3)
        folder.add(40)
        let index = temp.sub("index")
        #expect(ChildProcess.run([cli, "index", "--index", index, folder.root, "-q"], outputPrefix: temp.sub("i")).exitCode == 0)
        var random = SeededGenerator(seed: 33)
        for ext in ["post", "posn", "tdic", "stor", "norm", "date"] {
            let name = "s1." + ext
            let original = try #require(readFile(index + "/" + name))
            var damaged = original
            damaged[Int.random(in: 28..<(damaged.count - 8), using: &random)] ^= 0x5A
            writeFile(index + "/" + name, damaged)
            let check = ChildProcess.run([cli, "check", "--index", index], outputPrefix: temp.sub("c-\(ext)"))
            #expect(check.exitCode == 3, "\(name): \(check.termination!)")
            #expect(check.stderr.contains(name), "\(name): \(check.stderr)")
            for arguments in [["search", "oil OR \"grain price\" OR mark*"], ["search", "tanker", "--sort", "-date"], ["stats"]] {
                let run = ChildProcess.run([cli] + arguments + ["--index", index], outputPrefix: temp.sub("s-\(ext)"))
                #expect([0, 1, 3].contains(run.exitCode ?? -1), "\(name) \(arguments): \(run.termination!) \(run.stderr.prefix(300))")
            }
            writeFile(index + "/" + name, original)
        }
        #expect(ChildProcess.run([cli, "check", "--index", index], outputPrefix: temp.sub("ok")).exitCode == 0)
    }
}
