import Testing
@testable import Trawl

/// Random and mutated inputs for every reader: each must give documents or a TrawlError.
@Suite struct DocumentsRobustnessTests {
    static let seeds: [(DocumentFormat, String)] = [
        (.text, "Subject: Hi\nDate: Tue, 20 Apr 1993 14:30:00 +0200\nFrom: a@b\n\nBody text\nmore"),
        (.markdown, "---\ntitle: T\ndate: 2024-03-05\ntags: [a, b]\n---\n# H\n\n*x* [l](u) `c` <b>t</b>\n| a | b |\n|---|---|\n```\ncode\n```\n"),
        (.html, "<html><head><title>T</title><meta property=\"og:title\" content=\"O\"></head><body><nav>n</nav><article><p>a<br>b</p><time datetime=\"2024-03-05\">x</time></article></body></html>"),
        (.json, "[{\"id\": \"a\", \"title\": \"\\u00e9\\ud83d\\ude00\", \"date\": \"2024-03-05T10:00:00Z\", \"tags\": [1, \"x\"]}, {\"body\": \"b\"}]"),
        (.jsonLines, "{\"id\": 1, \"title\": \"t\", \"body\": \"a\\nb\"}\n{\"id\": \"2\", \"date\": null, \"x\": {\"y\": [1]}}\n"),
    ]

    static let interesting: [UInt8] = Array("{}[]\":,\\/\n\r\t -#*_`<>!&;()|=~0123456789abcdefuU".utf8) + [0, 0x80, 0xC3, 0xE9, 0xED, 0xF0, 0xFF]

    @Test(arguments: 0..<seeds.count)
    func mutatedInputsNeverCrash(seedIndex: Int) {
        let (format, seed) = Self.seeds[seedIndex]
        var random = SeededGenerator(seed: UInt64(seedIndex) &* 7919 &+ 1)
        let base = Array(seed.utf8)
        for _ in 0..<1500 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0 where !bytes.isEmpty: bytes[position] = Self.interesting.randomElement(using: &random)!
                case 1: bytes.insert(Self.interesting.randomElement(using: &random)!, at: position)
                case 2 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...16, using: &random)))
                default:
                    let start = Int.random(in: 0...bytes.count, using: &random)
                    let chunk = bytes[start..<min(bytes.count, start + Int.random(in: 1...32, using: &random))]
                    bytes.insert(contentsOf: chunk, at: position)
                }
            }
            check(bytes, format)
        }
    }

    @Test func randomBytesNeverCrash() {
        var random = SeededGenerator(seed: 42)
        for round in 0..<600 {
            let length = Int.random(in: 0...600, using: &random)
            let bytes = (0..<length).map { _ in
                round % 2 == 0 ? Self.interesting.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
            }
            for format in DocumentFormat.allCases { check(bytes, format) }
        }
    }

    private func check(_ bytes: [UInt8], _ format: DocumentFormat) {
        do {
            let result = try DocumentReader().read(contentsOf: bytes, relativePath: "fuzz", format: format)
            for warning in result.warnings { #expect(warning.path == "fuzz") }
            #expect(result.warnings.count <= 100)
        } catch {
            #expect(error.path == "fuzz")
            #expect([.documentUnreadable, .documentMalformed].contains(error.code))
            #expect(!error.message.isEmpty && error.message.hasSuffix("."))
        }
    }
}
