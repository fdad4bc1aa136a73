#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON value with its object members in their written order: what the service layer parses
/// request bodies into and renders responses (and `trawl search --json`) from.
///
/// Numbers written without a fraction or exponent that fit 64 bits parse as ``int(_:)``, every
/// other number as ``double(_:)``. Rendering is compact and escapes every control character,
/// the C1 controls and U+2028/U+2029, so the text is safe to embed in a page's script.
public indirect enum JSON: Sendable, Equatable, CustomStringConvertible {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A whole number that fits 64 bits.
    case int(Int)
    /// Any other number (non-finite values render as `null`).
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSON])
    /// An object: its members in order (a key written twice keeps both; lookups see the last).
    case object([(String, JSON)])

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    // MARK: Reading values

    /// The value of the last member named `key` of an object; nil for other values or a missing key.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.0 == key }?.1
    }

    /// The members of an object, nil for other values.
    public var objectMembers: [(String, JSON)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements of an array, nil for other values.
    public var arrayElements: [JSON]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The string of a string value, nil for other values.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number of a numeric value, nil for other values.
    public var doubleValue: Double? {
        switch self {
        case .int(let n): return Double(n)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The whole number of a numeric value that is whole and fits `Int`, nil otherwise.
    public var intValue: Int? {
        switch self {
        case .int(let n): return n
        case .double(let d): return d.rounded() == d && abs(d) < 9.0e18 ? Int(d) : nil
        default: return nil
        }
    }

    /// The value of a boolean, nil for other values.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The kind of value, as error messages name it: `object`, `array`, `string`, `number`, `boolean`, `null`.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    // MARK: Parsing

    /// The deepest nesting ``parse(_:maximumDepth:)`` accepts by default.
    public static let defaultMaximumDepth = 128

    /// Parses one JSON value (surrounding white space allowed, nothing else after it).
    ///
    /// Strings are decoded from UTF-8 with every escape; invalid UTF-8, lone surrogates and NUL
    /// become U+FFFD. Nesting deeper than `maximumDepth` is an error, never a stack overflow.
    public static func parse(_ bytes: some Collection<UInt8>, maximumDepth: Int = JSON.defaultMaximumDepth) throws(JSONParseError) -> JSON {
        let array = Array(bytes)
        var failure: JSONParseError?
        let value: JSON? = array.withUnsafeBufferPointer { buffer -> JSON? in
            guard let base = buffer.baseAddress, !buffer.isEmpty else {
                failure = JSONParseError(offset: 0, line: 1, column: 1, message: "the body is empty")
                return nil
            }
            var parser = JSONParser(base: base, start: TextDecoding.hasUTF8BOM(buffer) ? 3 : 0, end: buffer.count,
                                    maximumDepth: maximumDepth)
            do throws(JSONSyntaxError) {
                parser.skipSpace()
                let value = try parser.parseTree(depth: 1)
                parser.skipSpace()
                if parser.position < buffer.count {
                    throw JSONSyntaxError(offset: parser.position, message: "unexpected text after the value")
                }
                return value
            } catch {
                let (line, column) = JSONReader.lineAndColumn(buffer, offset: error.offset)
                failure = JSONParseError(offset: error.offset, line: line, column: column, message: error.message)
                return nil
            }
        }
        if let failure { throw failure }
        return value!
    }

    /// Parses a JSON text given as a string.
    public static func parse(_ text: String, maximumDepth: Int = JSON.defaultMaximumDepth) throws(JSONParseError) -> JSON {
        try parse(Array(text.utf8), maximumDepth: maximumDepth)
    }

    // MARK: Rendering

    /// The compact JSON text.
    public var description: String { rendered() }

    /// The compact JSON text.
    public func rendered() -> String {
        String(decoding: renderedBytes(), as: UTF8.self)
    }

    /// The compact JSON text as UTF-8 bytes.
    public func renderedBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        render(into: &out)
        return out
    }

    /// Appends the compact JSON text as UTF-8 to `out`.
    public func render(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .double(let value):
            if value.isFinite {
                let text = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
                out.append(contentsOf: text.utf8)
            } else {
                out.append(contentsOf: "null".utf8)
            }
        case .string(let value): JSON.escape(value, into: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (i, value) in values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                value.render(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.escape(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.render(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `string` as a JSON string literal. Besides the quote, the backslash and the C0
    /// controls, the C1 controls (U+0080–U+009F) and U+2028/U+2029 are escaped, so the text is
    /// safe to embed in JavaScript and shows no invisible controls.
    public static func escape(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            let n = bytes.count
            var i = 0
            while i < n {
                let byte = bytes[i]
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0..<0x20, 0x7F:
                    appendEscape(UInt32(byte), into: &out)
                case 0xC2 where i + 1 < n && (0x80...0x9F).contains(bytes[i + 1]):
                    // U+0080–U+009F
                    appendEscape(UInt32(bytes[i + 1]), into: &out)
                    i += 1
                case 0xE2 where i + 2 < n && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
                    // U+2028, U+2029
                    appendEscape(bytes[i + 2] == 0xA8 ? 0x2028 : 0x2029, into: &out)
                    i += 2
                default:
                    out.append(byte)
                }
                i += 1
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(_ value: UInt32, into out: inout [UInt8]) {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"),
                                digits[Int(value >> 12 & 0xF)], digits[Int(value >> 8 & 0xF)],
                                digits[Int(value >> 4 & 0xF)], digits[Int(value & 0xF)]])
    }
}

/// Why a text is not valid JSON: the message and where (byte offset, 1-based line and column).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The byte offset of the problem.
    public var offset: Int
    /// The line of the problem, from 1.
    public var line: Int
    /// The column (in bytes) of the problem, from 1.
    public var column: Int
    /// What is wrong, e.g. `expected ':' after an object key`.
    public var message: String

    /// `<message> at line L, column C`.
    public var description: String { "\(message) at line \(line), column \(column)" }
}

extension JSONParser {
    /// Parses any value at the position into a tree.
    mutating func parseTree(depth: Int) throws(JSONSyntaxError) -> JSON {
        switch peek {
        case 0x22: return .string(try parseString())
        case 0x2D, 0x30...0x39:
            let text = try parseNumber()
            if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let n = Int(text) { return .int(n) }
            return .double(Double(text) ?? .nan)
        case 0x74: try literal("true"); return .bool(true)
        case 0x66: try literal("false"); return .bool(false)
        case 0x6E: try literal("null"); return .null
        case 0x5B:
            guard depth <= maximumDepth else { throw JSONSyntaxError(offset: position, message: "nesting deeper than \(maximumDepth) levels") }
            position += 1
            skipSpace()
            var elements: [JSON] = []
            if peek == 0x5D { position += 1; return .array(elements) }
            while true {
                skipSpace()
                elements.append(try parseTree(depth: depth + 1))
                skipSpace()
                if peek == 0x2C { position += 1; continue }
                if peek == 0x5D { position += 1; return .array(elements) }
                throw expected("',' or ']' in the array")
            }
        case 0x7B:
            guard depth <= maximumDepth else { throw JSONSyntaxError(offset: position, message: "nesting deeper than \(maximumDepth) levels") }
            position += 1
            skipSpace()
            var members: [(String, JSON)] = []
            if peek == 0x7D { position += 1; return .object(members) }
            while true {
                skipSpace()
                guard peek == 0x22 else { throw expected("a string key") }
                let key = try parseString()
                skipSpace()
                guard peek == 0x3A else { throw expected("':' after an object key") }
                position += 1
                skipSpace()
                members.append((key, try parseTree(depth: depth + 1)))
                skipSpace()
                if peek == 0x2C { position += 1; continue }
                if peek == 0x7D { position += 1; return .object(members) }
                throw expected("',' or '}' in the object")
            }
        default:
            throw unexpected()
        }
    }
}
