import Foundation
import Testing
@testable import Trawl

/// The service layer's JSON tree: parsing against Foundation's parser as the reference,
/// rendering round trips, and errors with their line and column.
@Suite struct ServiceJSONTests {
    /// A random JSON value of bounded depth.
    static func randomValue(_ rng: inout SeededGenerator, depth: Int) -> JSON {
        let pick = Int.random(in: 0..<(depth > 3 ? 6 : 8), using: &rng)
        switch pick {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(Int.random(in: -1_000_000_000_000...1_000_000_000_000, using: &rng))
        case 3: return .double(Double(Int.random(in: -99_999...99_999, using: &rng)) / 64 + 0.5)
        case 4, 5:
            let alphabet = Array("ab\"\\/\n\t\u{1}é€😀 \u{2028}\u{85}z")
            return .string(String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
        case 6: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            return .object((0..<Int.random(in: 0...4, using: &rng)).map { k in ("k\(k)", randomValue(&rng, depth: depth + 1)) })
        }
    }

    /// Foundation's reading of the same text, converted to a tree (object keys sorted, since
    /// Foundation's dictionaries do not keep their order).
    static func reference(_ any: Any) -> JSON {
        switch any {
        case is NSNull: return .null
        case let n as NSNumber where String(cString: n.objCType) == "c": return .bool(n.boolValue)
        case let n as NSNumber: return .double(n.doubleValue)
        case let s as String: return .string(s)
        case let a as [Any]: return .array(a.map(reference))
        case let o as [String: Any]: return .object(o.keys.sorted().map { ($0, reference(o[$0]!)) })
        default: return .null
        }
    }

    static func sortedKeys(_ value: JSON) -> JSON {
        switch value {
        case .array(let a): return .array(a.map(sortedKeys))
        case .object(let o): return .object(o.sorted { $0.0 < $1.0 }.map { ($0.0, sortedKeys($0.1)) })
        default: return value
        }
    }

    @Test func renderedValuesParseBackEqualAndAgreeWithFoundation() throws {
        var rng = SeededGenerator(seed: 20261204)
        for _ in 0..<500 {
            let value = Self.randomValue(&rng, depth: 0)
            let text = value.rendered()
            let parsed = try JSON.parse(text)
            #expect(parsed == value, "\(text)")
            let foundation = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            #expect(Self.sortedKeys(parsed) == Self.reference(foundation), "\(text)")
        }
    }

    @Test func keepsMemberOrderAndLooksUpTheLastOfARepeatedKey() throws {
        let value = try JSON.parse(#" { "b": 1, "a": [true, null, 2.5e1], "b": "x" } "#)
        #expect(value.objectMembers?.map(\.0) == ["b", "a", "b"])
        #expect(value["b"] == .string("x"))
        #expect(value["a"] == .array([.bool(true), .null, .double(25)]))
        #expect(value["missing"] == nil)
        #expect(try JSON.parse("12345678901234567890") == .double(1.2345678901234567e19))
        #expect(try JSON.parse("-7") == .int(-7))
    }

    @Test func malformedTextGivesTheLineAndColumn() {
        let cases: [(String, Int, Int, String)] = [
            ("{\n  \"a\": 1,\n  \"b\" 2\n}", 3, 7, "expected ':'"),
            ("[1, 2", 1, 6, "unexpected end of input"),
            ("{\"a\": tru}", 1, 7, "unexpected character"),
            ("{} x", 1, 4, "unexpected text after the value"),
            ("", 1, 1, "empty"),
            ("\"abc", 1, 1, "unterminated string"),
            ("01", 1, 2, "unexpected text"),
        ]
        for (text, line, column, message) in cases {
            do {
                _ = try JSON.parse(text)
                Issue.record("\(text) parsed")
            } catch {
                #expect(error.line == line && error.column == column, "\(text): \(error)")
                #expect(error.message.contains(message), "\(text): \(error)")
            }
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSON.parse(deep) }
        let allowed = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSON.parse(allowed)) != nil)
    }

    @Test func invalidUTF8IsRepairedNotRejected() throws {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0x62, 0x22]
        #expect(try JSON.parse(bytes) == .string("a\u{FFFD}b"))
        #expect(try JSON.parse(#""\ud800x""#) == .string("\u{FFFD}x"))
    }
}
