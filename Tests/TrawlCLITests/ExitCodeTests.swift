import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every failure a user can cause: one clear line on standard error and its documented exit code
/// (docs/cli.md), never a crash.
@Suite struct ExitCodeTests {
    /// One line on standard error starting with `trawl: ` (query errors add the query and a caret).
    func expectOneMessage(_ result: RunResult, containing text: String, lines: Int = 1,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        let stderrLines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(stderrLines.count == lines, "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("trawl: "), "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(text), "\(result)", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
    }

    @Test func missingIndexIsThree() {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = trawl(["search", "oil"], in: folder)
        #expect(result.status == 3)
        expectOneMessage(result, containing: "trawl: no index at ./index; run `trawl index FOLDER` first")
        #expect(result.stdout.isEmpty)

        for command in [["stats"], ["check"], ["delete", "some-id"], ["optimize"]] {
            let other = trawl(command + ["--index", "elsewhere"], in: folder)
            #expect(other.status == 3, "\(command): \(other)")
            expectOneMessage(other, containing: "no index at ./elsewhere; run `trawl index --index elsewhere FOLDER` first")
        }
        // delete and optimize must not leave an empty index behind.
        #expect(!FileManager.default.fileExists(atPath: folder + "/elsewhere"))
    }

    @Test func indexFromTheEnvironment() {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = trawl(["stats"], in: folder, environment: ["TRAWL_INDEX": sampleIndex])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("Documents   21"))
    }

    @Test func lockedIndexIsThree() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let index = folder + "/index"
        #expect(trawl(["index", "--quiet", "--index", index, samplesFolder]).status == 0)
        // Hold the writer lock the way a running writer does.
        let fd = open(index + "/write.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        for command in [["index", samplesFolder], ["delete", "x"], ["optimize"]] {
            let result = trawl(command + ["--index", index])
            #expect(result.status == 3, "\(command): \(result)")
            expectOneMessage(result, containing: "locked by another writer")
        }
        // Readers do not wait for writers.
        #expect(trawl(["search", "--index", index, "oil"]).status == 0)
        flock(fd, LOCK_UN)
        #expect(trawl(["optimize", "--index", index]).status == 0)
    }

    @Test func badQueryIsTwoWithACaret() {
        let result = trawl(["search", "--index", sampleIndex, "sanctions AND (oil"])
        #expect(result.status == 2)
        expectOneMessage(result, containing: "unclosed parenthesis", lines: 3)
        let lines = result.stderr.split(separator: "\n")
        guard lines.count == 3 else { return }
        #expect(lines[0] == "trawl: query error at column 15: unclosed parenthesis")
        #expect(lines[1] == "  sanctions AND (oil")
        #expect(lines[2] == "                ^")
        #expect(result.stdout.isEmpty)

        for query in ["title:", "\"unclosed", "a*", "date:[2024-13-01 TO 2024]", "nosuchfield:word"] {
            let other = trawl(["search", "--index", sampleIndex, query])
            #expect(other.status == 2, "\(query): \(other)")
            #expect(other.stderr.hasPrefix("trawl: query error at column"), "\(query): \(other)")
            #expect(other.stderr.contains("^"))
        }
        // --lenient reads the same text as words.
        #expect(trawl(["search", "--lenient", "--index", sampleIndex, "sanctions AND (oil"]).status == 0)
    }

    @Test func noHitsIsOne() {
        let result = trawl(["search", "--index", sampleIndex, "zzzyzzy"])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("No hits"))
        #expect(result.stderr.isEmpty)
    }

    @Test func hitsAreZero() {
        let result = trawl(["search", "--index", sampleIndex, "oil"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.isEmpty)
    }

    @Test func usageErrorsAreTwo() {
        let cases: [([String], String)] = [
            (["search", "--frobnicate", "oil"], "trawl: unknown option '--frobnicate'; see `trawl search --help`"),
            (["search", "--limit", "many", "oil"], "the value 'many' is invalid for '--limit <n>'"),
            (["search", "--sort", "sideways", "oil"], "unknown sort field `sideways`"),
            (["search"], "give a QUERY to search for"),
            (["search", "--wait", "3", "oil"], "unknown option '--wait'. Did you mean '--limit'?"),
            (["search", "--batch", "oil"], "give either a QUERY or --batch"),
            (["serach", "oil"], "unknown command 'serach'; did you mean `trawl search`?"),
            (["frobnicate"], "unknown command 'frobnicate'; run `trawl --help` to see the commands"),
            (["index"], "missing expected argument"),
            (["index", "--analyzer", "klingon", "x"], "unknown analyzer 'klingon'"),
            (["index", "--ram-budget", "1", "x"], "--ram-budget must be between"),
            (["index", "--threads", "0", "x"], "--threads must be between 1 and 1024"),
            (["index", "--encoding", "klingon", "x"], "unknown encoding 'klingon'"),
            (["analyze", "--analyzer", "klingon", "x"], "unknown analyzer 'klingon'"),
            (["analyze"], "give at least one TEXT"),
            (["delete"], "missing expected argument"),
        ]
        for (arguments, message) in cases {
            let result = trawl(arguments + (arguments.first == "search" ? ["--index", sampleIndex] : []))
            #expect(result.status == 2, "\(arguments): \(result)")
            expectOneMessage(result, containing: message)
        }
    }

    @Test func badPathsAreTwo() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let missing = trawl(["index", "--index", folder + "/index", folder + "/no-such-folder"])
        #expect(missing.status == 2)
        expectOneMessage(missing, containing: "no such file or folder: \(folder)/no-such-folder; check the path")

        _ = FileManager.default.createFile(atPath: folder + "/a-file", contents: Data("x".utf8))
        let notAFolder = trawl(["stats", "--index", folder + "/a-file"])
        #expect(notAFolder.status == 2)
        expectOneMessage(notAFolder, containing: "is a file, not a folder")
    }

    @Test func unwritableIndexLocationIsFour() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A folder cannot be created inside a file, whoever runs the test.
        _ = FileManager.default.createFile(atPath: folder + "/a-file", contents: Data("x".utf8))
        let result = trawl(["index", "--index", folder + "/a-file/index", samplesFolder])
        #expect(result.status == 4, "\(result)")
        expectOneMessage(result, containing: "cannot create the index folder")
    }

    @Test func unreadableFilesAreOne() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let docs = folder + "/docs"
        try FileManager.default.createDirectory(atPath: docs, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: docs + "/good.txt", contents: Data("A good note\nabout oil\n".utf8))
        _ = FileManager.default.createFile(atPath: docs + "/binary.txt", contents: Data([0, 1, 2, 0x62, 0x69, 0x6E]))
        _ = FileManager.default.createFile(atPath: docs + "/broken.json", contents: Data("{not json".utf8))
        var expectedFailures = 2
        if geteuid() != 0 {  // root reads everything
            _ = FileManager.default.createFile(atPath: docs + "/secret.txt", contents: Data("secret".utf8))
            chmod(docs + "/secret.txt", 0)
            expectedFailures += 1
        }
        let result = trawl(["index", "--index", folder + "/index", docs])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("\(expectedFailures) failed"))
        let problems = result.stderr.split(separator: "\n")
        #expect(problems.count == expectedFailures, "\(result)")
        #expect(problems.allSatisfy { $0.hasPrefix("trawl: ") })
        #expect(result.stderr.contains("binary.txt"))
        #expect(result.stderr.contains("broken.json"))
        // The readable file made it in.
        #expect(trawl(["search", "--index", folder + "/index", "oil"]).status == 0)
    }

    @Test func helpAndVersionAreZero() {
        let version = trawl(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        for command in ["index", "search", "analyze", "stats", "check", "delete", "optimize"] {
            let help = trawl([command, "--help"])
            #expect(help.status == 0, "\(command)")
            #expect(help.stdout.contains("Example"), "\(command) --help shows examples")
            #expect(help.stdout.contains("trawl \(command)"), "\(command) --help shows its usage")
        }
        let top = trawl(["--help"])
        #expect(top.status == 0)
        #expect(top.stdout.contains("Exit codes"))
    }

    @Test func completionScripts() {
        for shell in ["bash", "zsh", "fish"] {
            let result = trawl(["--generate-completion-script", shell])
            #expect(result.status == 0, "\(shell): \(result)")
            #expect(result.stdout.contains("trawl"))
            #expect(result.stdout.contains("search"))
            #expect(result.stdout.contains("--index"))
        }
        let unknown = trawl(["--generate-completion-script", "tcsh"])
        #expect(unknown.status == 2)
    }
}
