import Foundation
import Testing
@testable import Trawl
@testable import TrawlCLI

/// Batch requests are read by a fast scanner that must agree with `JSONDecoder` on every line it
/// accepts, and leave to it every line it does not fully understand.
@Suite struct BatchRequestTests {
    static func decoded(_ line: String) -> BatchRequest? {
        try? JSONDecoder().decode(BatchRequest.self, from: Data(line.utf8))
    }

    static func scanned(_ line: String) -> BatchRequest? {
        var line = line
        return line.withUTF8 { bytes in
            var scanner = BatchRequestScanner(bytes: bytes)
            return scanner.scan()
        }
    }

    @Test(arguments: [
        #"{"qid":"q1","k":10,"count":false,"tree":{"op":"and","args":[{"op":"term","t":"oil"},{"op":"phrase","terms":["a","b"]}]},"q":"oil AND \"a b\""}"#,
        #"  { "qid" : 7 , "q" : "x" , "noop" : true }  "#,
        #"{"q":"caf\u00e9 \ud83d\ude00 \"quoted\" back\\slash \/ \b\f\n\r\t","snippets":true,"stored":false}"#,
        #"{"qid":null,"q":null,"k":-3,"extra":[1,-2.5e+3,0.25,1E9,true,false,null,"s",{},[],{"deep":[[[]]]}]}"#,
        #"{}"#,
        #"{"qid":"été","q":"zürich"}"#,
        #"{"q":"oil","facets":"tags:20,year","sort":"-rating,date","k":0}"#,
        #"{"q":"oil","suggest":true,"snippets":false}"#,
    ])
    func theScannerReadsWhatJSONDecoderReads(line: String) throws {
        let scanned = try #require(Self.scanned(line))
        #expect(scanned == Self.decoded(line))
    }

    @Test(arguments: [
        #"{"q":"oil""#,                          // unterminated
        #"{"q":"oil"} trailing"#,                // text after the object
        #"{"q":"a","q":"b"}"#,                   // a repeated member
        #"{"k":10.0,"q":"oil"}"#,                // not a plain integer
        #"{"k":1e1}"#,
        #"{"k":"10"}"#,                          // the wrong type
        #"{"count":1}"#,
        #"{"qid":1.5}"#,
        #"{"q":"\ud83d"}"#,                      // a lone surrogate
        "{\"q\":\"tab\tinside\"}",             // a raw control character
        #"{"q":"x","tree":[01]}"#,               // a leading zero
        #"{"k":99999999999999999999}"#,          // past Int
        #"["q"]"#,
        String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
    ])
    func theScannerLeavesWhatItDoesNotFullyUnderstand(line: String) {
        #expect(Self.scanned(line) == nil)
    }

    @Test func generatedRequestsAgreeWithJSONDecoder() throws {
        var random = SeededGenerator(seed: 20261125)
        func next() -> UInt64 { random.next() }
        let pieces = ["oil", "\\\"", "\\\\", "\\u00e9", "é", " ", "\\n", "\\ud83d\\ude00", "AND", "x"]
        for _ in 0..<500 {
            var members: [String] = []
            if next() % 2 == 0 { members.append(next() % 2 == 0 ? #""qid":\#(next() % 1000)"# : #""qid":"q\#(next() % 100)""#) }
            if next() % 4 != 0 {
                let text = (0..<(next() % 5)).map { _ in pieces[Int(next() % UInt64(pieces.count))] }.joined()
                members.append(#""q":"\#(text)""#)
            }
            if next() % 2 == 0 { members.append(#""k":\#(Int(next() % 200) - 5)"#) }
            if next() % 2 == 0 { members.append(#""count":\#(next() % 2 == 0)"#) }
            if next() % 3 == 0 { members.append(#""tree":{"op":"or","args":[{"op":"term","t":"a"},1.5,null,[true]]}"#) }
            if next() % 5 == 0 { members.append(#""noop":false"#) }
            if !members.isEmpty {
                let turn = Int(next() % UInt64(members.count))
                members = Array(members[turn...] + members[..<turn])
            }
            let line = "{" + members.joined(separator: next() % 2 == 0 ? "," : " , ") + "}"
            let decoded = Self.decoded(line)
            #expect(decoded != nil, "generated line \(line) is valid")
            #expect(Self.scanned(line) == decoded, "\(line)")
        }
    }
}
