import Foundation
import Testing

/// Progress and colors on a terminal only: not in piped output, not under `NO_COLOR`.
@Suite struct TerminalTests {
    @Test func indexProgressOnATerminalOnly() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let onTerminal = try trawlInTerminal(["index", "--index", folder + "/tty", samplesFolder], in: folder)
        #expect(onTerminal.status == 0, "\(onTerminal.output)")
        #expect(onTerminal.output.contains("Indexing 19/19 files (100%)"), "\(onTerminal.output)")
        #expect(onTerminal.output.contains("; committing…"))
        #expect(onTerminal.output.contains("MB/s"))
        #expect(onTerminal.output.contains("docs/s"))
        #expect(onTerminal.output.contains("\r\u{1B}[K"), "the progress line is redrawn in place")
        #expect(containsColor(onTerminal.output))
        // The summary is the last line.
        let lastLine = onTerminal.output.components(separatedBy: "\r\u{1B}[K").last ?? ""
        #expect(lastLine.contains("19 files"), "\(lastLine)")
        #expect(lastLine.contains("19 added"))
        #expect(lastLine.hasSuffix("documents in \(folder)/tty\r\n"), "\(lastLine.debugDescription)")

        let piped = trawl(["index", "--index", folder + "/piped", samplesFolder])
        #expect(piped.status == 0)
        #expect(!piped.stdout.contains("Indexing"))
        #expect(!piped.stdout.contains("\u{1B}"), "no escape sequences at all in piped output")
        #expect(piped.stdout.split(separator: "\n").count == 1, "only the summary: \(piped.stdout)")
        #expect(piped.stdout.hasPrefix("Indexed 19 files in "))

        let noColor = try trawlInTerminal(["index", "--index", folder + "/nocolor", samplesFolder], in: folder,
                                          environment: ["NO_COLOR": "1"])
        #expect(noColor.status == 0)
        #expect(noColor.output.contains("Indexing 19/19 files"), "progress stays under NO_COLOR")
        #expect(!containsColor(noColor.output), "\(noColor.output.debugDescription)")

        let quiet = try trawlInTerminal(["index", "--quiet", "--index", folder + "/quiet", samplesFolder], in: folder)
        #expect(quiet.status == 0)
        #expect(quiet.output.isEmpty, "\(quiet.output.debugDescription)")

        let json = try trawlInTerminal(["index", "--json", "--index", folder + "/json", samplesFolder], in: folder)
        #expect(json.status == 0)
        #expect(json.output.hasPrefix("{\"files\":19,"), "\(json.output.debugDescription)")
        #expect(!json.output.contains("Indexing"))
    }

    @Test func searchColorsOnATerminalOnly() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let arguments = ["search", "--index", sampleIndex, "--limit", "2", "sanctions AND oil"]

        let onTerminal = try trawlInTerminal(arguments, in: folder)
        #expect(onTerminal.status == 0)
        #expect(onTerminal.output.contains("\u{1B}[1;33moil\u{1B}[0m"), "highlights in bold yellow: \(onTerminal.output.debugDescription)")
        #expect(onTerminal.output.contains("\u{1B}[1mTanker Operators Fined for Breaking Oil Sanctions\u{1B}[0m"))

        let piped = trawl(arguments)
        #expect(piped.status == 0)
        #expect(!piped.stdout.contains("\u{1B}"))
        #expect(piped.stdout.contains("«oil»"), "highlights between «» without colors")
        #expect(piped.stdout.contains("1. Tanker Operators Fined for Breaking Oil Sanctions"))
        #expect(piped.stdout.contains("2024-05-22 · world/tanker-operators-fined.html · score "))

        let noColor = try trawlInTerminal(arguments, in: folder, environment: ["NO_COLOR": "1"])
        #expect(noColor.status == 0)
        #expect(!containsColor(noColor.output))
        #expect(noColor.output.contains("«oil»"))
    }

    @Test func listingsFitTheTerminal() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for columns: UInt16 in [40, 72, 120] {
            let result = try trawlInTerminal(["search", "--index", sampleIndex, "--limit", "12", "the OR oil"], in: folder,
                                             columns: columns, environment: ["NO_COLOR": "1"])
            #expect(result.status == 0)
            let lines = result.output.components(separatedBy: "\r\n")
            #expect(lines.count > 12)
            for line in lines {
                #expect(line.count <= Int(columns), "\(columns) columns: \(line.debugDescription)")
            }
            // Rank numbers are right-aligned; every other line starts under the title.
            #expect(lines.contains { $0.hasPrefix(" 1. ") })
            #expect(lines.contains { $0.hasPrefix("10. ") })
        }
    }
}
