/// Reads `.json` and `.jsonl` files with a byte-level JSON parser that decodes strings
/// directly from the file's bytes (all escapes, `\uXXXX` surrogate pairs; lone surrogates,
/// `\u0000` and NUL bytes become U+FFFD; invalid UTF-8 is repaired to U+FFFD).
///
/// - `.json`: one object, or an array of objects. Array elements that are not objects are
///   skipped with a warning. Invalid JSON anywhere makes the whole file `.documentMalformed`,
///   with the line and column of the problem. A `.json` file that is really JSON Lines (an
///   object, a line break, another object) is read as JSON Lines.
/// - `.jsonl`: one object per line; blank lines are ignored. A line that is not a valid JSON
///   object is **skipped** and reported as a warning with its line number, and the reading goes
///   on: the good lines still become documents.
///
/// Nesting deeper than the configured depth (512 by default) is an error, never a stack
/// overflow. Keys map to documents as described on ``DocumentReader``.
enum JSONReader {
    static func readJSONLines(_ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int,
                              context: inout ReadContext) -> [Document] {
        guard let base = bytes.baseAddress else { return [] }
        var documents: [Document] = []
        var lineStart = TextDecoding.hasUTF8BOM(bytes) ? 3 : 0
        var lineNumber = 1
        let count = bytes.count
        while lineStart < count {
            let lineEnd = memchrIndex(base + lineStart, count - lineStart).map { lineStart + $0 } ?? count
            defer {
                lineStart = lineEnd + 1
                lineNumber += 1
            }
            var first = lineStart
            while first < lineEnd, isJSONSpace(base[first]) { first += 1 }
            if first == lineEnd { continue }
            guard base[first] == 0x7B else {
                context.warn("Line \(lineNumber) is not a JSON object, so it was skipped.")
                continue
            }
            var parser = JSONParser(base: base, start: first, end: lineEnd, maximumDepth: maximumDepth)
            do throws(JSONSyntaxError) {
                let record = try parser.parseRecord()
                parser.skipSpace()
                if parser.position < lineEnd {
                    throw JSONSyntaxError(offset: parser.position, message: "unexpected text after the object")
                }
                documents.append(document(from: record, fallbackID: "\(context.relativePath)#\(lineNumber)",
                                          place: "line \(lineNumber)", context: &context))
            } catch {
                context.warn("Line \(lineNumber) is not valid JSON (\(error.message) at column \(error.offset - lineStart + 1)), so it was skipped.")
            }
        }
        return documents
    }

    static func readJSON(_ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int,
                         context: inout ReadContext) throws(TrawlError) -> [Document] {
        guard let base = bytes.baseAddress else { return [] }
        var parser = JSONParser(base: base, start: TextDecoding.hasUTF8BOM(bytes) ? 3 : 0, end: bytes.count,
                                maximumDepth: maximumDepth)
        do {
            parser.skipSpace()
            switch parser.peek {
            case 0x7B:
                let record = try parser.parseRecord()
                let afterObject = parser.position
                parser.skipSpace()
                if parser.position < bytes.count {
                    // An object, a line break and another object: JSON Lines in a `.json` file.
                    let gap = UnsafeBufferPointer(rebasing: bytes[afterObject..<parser.position])
                    if parser.peek == 0x7B, gap.contains(0x0A) {
                        return readJSONLines(bytes, maximumDepth: maximumDepth, context: &context)
                    }
                    throw JSONSyntaxError(offset: parser.position, message: "unexpected text after the top-level object")
                }
                return [document(from: record, fallbackID: context.relativePath, place: nil, context: &context)]
            case 0x5B:
                var documents: [Document] = []
                parser.position += 1
                parser.skipSpace()
                if parser.peek == 0x5D {
                    parser.position += 1
                } else {
                    var index = 0
                    while true {
                        parser.skipSpace()
                        if parser.peek == 0x7B {
                            let record = try parser.parseRecord()
                            documents.append(document(from: record, fallbackID: "\(context.relativePath)#\(index)",
                                                      place: "element \(index)", context: &context))
                        } else {
                            try parser.skipValue(depth: 2)
                            context.warn("Element \(index) of the array is not a JSON object, so it was skipped.")
                        }
                        index += 1
                        parser.skipSpace()
                        if parser.peek == 0x2C { parser.position += 1; continue }
                        if parser.peek == 0x5D { parser.position += 1; break }
                        throw parser.expected("',' or ']' in the array")
                    }
                }
                parser.skipSpace()
                if parser.position < bytes.count {
                    throw JSONSyntaxError(offset: parser.position, message: "unexpected text after the top-level array")
                }
                return documents
            default:
                throw context.error(.documentMalformed, "The JSON file does not hold an object or an array of objects.")
            }
        } catch let error as JSONSyntaxError {
            let (line, column) = lineAndColumn(bytes, offset: error.offset)
            throw context.error(.documentMalformed, "The file is not valid JSON: \(error.message) at line \(line), column \(column).")
        } catch let error as TrawlError {
            throw error
        } catch {
            throw context.error(.documentMalformed, "The file is not valid JSON.", underlying: "\(error)")
        }
    }

    static func lineAndColumn(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }

    @inline(__always) static func isJSONSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
    }

    // MARK: Records to documents

    static func document(from record: JSONRecord, fallbackID: String, place: String?,
                         context: inout ReadContext) -> Document {
        var document = Document(id: fallbackID, fields: record.fields)
        let where_ = place.map { " (\($0))" } ?? ""
        for name in record.nonFiniteNumbers {
            context.warn("The number of \"\(name)\"\(where_) is too large for a double, so it was left out.")
        }
        switch record.id {
        case .string(let value)? where !value.isEmpty, .number(let value)?:
            document.id = value
        case nil, .null?, .string?:
            break
        case .some:
            context.warn("The id\(where_) is not a string or a number, so the document was given the id \"\(fallbackID)\".")
        }
        if let title = record.title?.text { document.title = title }
        switch record.date {
        case .string(let value)?:
            document.date = context.date(value, source: place)
        case nil, .null?:
            break
        case .some:
            context.warn("The date\(where_) is not a string, so the document is indexed without a date.")
        }
        // The body is the first of `body`, `text` and `content` that has text; the others are fields.
        let candidates: [(name: String, value: JSONValue?)] = [("body", record.body), ("text", record.text),
                                                               ("content", record.content)]
        var bodyKey: String?
        for candidate in candidates {
            guard let text = candidate.value?.text else { continue }
            if bodyKey == nil {
                document.body = text
                bodyKey = candidate.name
            } else {
                document.fields[candidate.name] = .string(text)
            }
        }
        return document
    }
}

/// A JSON value as the readers keep it: scalars as their text, arrays as their scalars joined.
enum JSONValue: Equatable {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    /// An array: its scalar elements' text joined with ", ", or `nil` when it has none.
    case array(String?)
    case object

    /// The text stored for this value, or `nil` for null, objects and empty arrays.
    var text: String? {
        switch self {
        case .string(let value), .number(let value): return value
        case .bool(let value): return value ? "true" : "false"
        case .array(let joined): return joined
        case .null, .object: return nil
        }
    }
}

/// The keys of one JSON object that make a document.
struct JSONRecord {
    var id: JSONValue?
    var title: JSONValue?
    var date: JSONValue?
    var body: JSONValue?
    var text: JSONValue?
    var content: JSONValue?
    /// The other members, typed; nested objects flattened into `a.b` names.
    var fields: [String: FieldValue] = [:]
    /// Members whose number was too large for a double (left out, with a warning).
    var nonFiniteNumbers: [String] = []
}

/// A syntax error at a byte offset.
struct JSONSyntaxError: Error {
    var offset: Int
    var message: String
}

/// A byte-level JSON parser over memory that stays valid while it runs.
struct JSONParser {
    let base: UnsafePointer<UInt8>
    let end: Int
    var position: Int
    let maximumDepth: Int

    init(base: UnsafePointer<UInt8>, start: Int, end: Int, maximumDepth: Int) {
        self.base = base
        self.position = start
        self.end = end
        self.maximumDepth = max(1, maximumDepth)
    }

    /// The byte at the current position, or 0 at the end.
    @inline(__always) var peek: UInt8 { position < end ? base[position] : 0 }

    @inline(__always) mutating func skipSpace() {
        while position < end, JSONReader.isJSONSpace(base[position]) { position += 1 }
    }

    private func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(offset: offset ?? position, message: message)
    }

    /// "expected ..." at the position, or "unexpected end of input" when the input has ended.
    func expected(_ what: String) -> JSONSyntaxError {
        position >= end ? error("unexpected end of input") : error("expected \(what)")
    }

    func unexpected() -> JSONSyntaxError {
        if position >= end { return error("unexpected end of input") }
        let b = base[position]
        if b >= 0x21 && b < 0x7F { return error("unexpected character '\(Character(Unicode.Scalar(b)))'") }
        return error("unexpected byte 0x\(String(b, radix: 16, uppercase: true))")
    }

    // MARK: Objects as records

    private enum Key {
        case id, title, date, body, text, content
        case other(String)
    }

    /// Parses the object at the position (which must be `{`) into a record.
    mutating func parseRecord() throws(JSONSyntaxError) -> JSONRecord {
        var record = JSONRecord()
        position += 1
        skipSpace()
        if peek == 0x7D {
            position += 1
            return record
        }
        while true {
            skipSpace()
            guard peek == 0x22 else { throw expected("a string key") }
            let key = try parseKey()
            skipSpace()
            guard peek == 0x3A else { throw expected("':' after an object key") }
            position += 1
            skipSpace()
            switch key {
            case .id: record.id = try parseValue(depth: 2)
            case .title: record.title = try parseValue(depth: 2)
            case .date: record.date = try parseValue(depth: 2)
            case .body: record.body = try parseValue(depth: 2)
            case .text: record.text = try parseValue(depth: 2)
            case .content: record.content = try parseValue(depth: 2)
            case .other(let name): try parseField(name, level: 1, depth: 2, into: &record)
            }
            skipSpace()
            if peek == 0x2C { position += 1; continue }
            if peek == 0x7D { position += 1; return record }
            throw expected("',' or '}' in the object")
        }
    }

    private mutating func parseKey() throws(JSONSyntaxError) -> Key {
        // Known keys have no escapes: compare their raw bytes before decoding anything.
        let start = position + 1
        var i = start
        while i < end, base[i] != 0x22, base[i] != 0x5C { i += 1 }
        if i < end, base[i] == 0x22 {
            let p = base + start
            switch i - start {
            case 2 where p[0] == 0x69 && p[1] == 0x64:
                position = i + 1; return .id
            case 4 where p[0] == 0x64 && p[1] == 0x61 && p[2] == 0x74 && p[3] == 0x65:
                position = i + 1; return .date
            case 4 where p[0] == 0x62 && p[1] == 0x6F && p[2] == 0x64 && p[3] == 0x79:
                position = i + 1; return .body
            case 4 where p[0] == 0x74 && p[1] == 0x65 && p[2] == 0x78 && p[3] == 0x74:
                position = i + 1; return .text
            case 5 where p[0] == 0x74 && p[1] == 0x69 && p[2] == 0x74 && p[3] == 0x6C && p[4] == 0x65:
                position = i + 1; return .title
            case 7 where memcmp(p, "content", 7) == 0:
                position = i + 1; return .content
            default:
                break
            }
        }
        let name = try parseString()
        switch name {
        case "id": return .id
        case "title": return .title
        case "date": return .date
        case "body": return .body
        case "text": return .text
        case "content": return .content
        default: return .other(name)
        }
    }

    // MARK: Fields

    /// Nested objects are flattened into dotted names down to this many levels (`a.b.c`);
    /// deeper ones are skipped.
    static let maximumFieldLevels = 3

    /// Parses the value of the member `name` into the record's fields: a string as
    /// ``FieldValue/string(_:)`` (empty ones left out), a number as ``FieldValue/integer(_:)``
    /// when its value is whole and fits 64 bits, else ``FieldValue/double(_:)``, a boolean as
    /// ``FieldValue/bool(_:)``, an array as the ``FieldValue/strings(_:)`` of its scalars, an
    /// object as `name.key` fields. `null` removes the member. Names starting with `_` are skipped.
    private mutating func parseField(_ name: String, level: Int, depth: Int,
                                     into record: inout JSONRecord) throws(JSONSyntaxError) {
        guard MetadataFields.isUsableName(name) else {
            try skipValue(depth: depth)
            return
        }
        let value: FieldValue?
        switch peek {
        case 0x22:
            let text = try parseString()
            value = text.isEmpty ? nil : .string(text)
        case 0x2D, 0x30...0x39:
            value = try parseNumberValue()
            if value == nil { record.nonFiniteNumbers.append(name) }
        case 0x74: try literal("true"); value = .bool(true)
        case 0x66: try literal("false"); value = .bool(false)
        case 0x6E: try literal("null"); value = nil
        case 0x5B: value = try parseScalarArray(depth: depth).map { .strings($0) }
        case 0x7B:
            guard level < Self.maximumFieldLevels else {
                try skipValue(depth: depth)
                return
            }
            try parseObjectFields(prefix: name, level: level + 1, depth: depth + 1, into: &record)
            return
        default:
            throw unexpected()
        }
        if let value { record.fields[name] = value } else { record.fields.removeValue(forKey: name) }
    }

    /// Parses a nested object (at `{`) into `prefix.key` fields.
    private mutating func parseObjectFields(prefix: String, level: Int, depth: Int,
                                            into record: inout JSONRecord) throws(JSONSyntaxError) {
        guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
        position += 1
        skipSpace()
        if peek == 0x7D {
            position += 1
            return
        }
        while true {
            skipSpace()
            guard peek == 0x22 else { throw expected("a string key") }
            let key = try parseString()
            skipSpace()
            guard peek == 0x3A else { throw expected("':' after an object key") }
            position += 1
            skipSpace()
            if key.isEmpty {
                try skipValue(depth: depth + 1)
            } else {
                try parseField(prefix + "." + key, level: level, depth: depth + 1, into: &record)
            }
            skipSpace()
            if peek == 0x2C { position += 1; continue }
            if peek == 0x7D { position += 1; return }
            throw expected("',' or '}' in the object")
        }
    }

    /// The number at the position as a field value; `nil` when it is too large for a double.
    mutating func parseNumberValue() throws(JSONSyntaxError) -> FieldValue? {
        let start = position
        let stop = try numberEnd()
        position = stop
        // Whole numbers of up to 18 digits: no text, no conversion.
        var i = start
        let negative = base[i] == 0x2D
        if negative { i += 1 }
        if stop - i <= 18 {
            var value: Int64 = 0
            while i < stop, base[i] >= 0x30, base[i] <= 0x39 {
                value = value &* 10 &+ Int64(base[i] &- 0x30)
                i += 1
            }
            if i == stop { return .integer(negative ? -value : value) }
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: stop - start), as: UTF8.self)
        if let whole = Int64(text) { return .integer(whole) }
        guard let double = Double(text), double.isFinite else { return nil }
        if double.rounded(.towardZero) == double, double >= -9.223372036854775808e18, double < 9.223372036854775808e18 {
            return .integer(Int64(double))
        }
        return .double(double)
    }

    // MARK: Values

    /// Parses any value; arrays keep their scalars' text, objects are skipped.
    mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        switch peek {
        case 0x22: return .string(try parseString())
        case 0x2D, 0x30...0x39: return .number(try parseNumber())
        case 0x74: try literal("true"); return .bool(true)
        case 0x66: try literal("false"); return .bool(false)
        case 0x6E: try literal("null"); return .null
        case 0x5B: return .array(try parseScalarArray(depth: depth)?.joined(separator: ", "))
        case 0x7B: try skipValue(depth: depth); return .object
        default: throw unexpected()
        }
    }

    /// The text of an array's scalars (strings, numbers as written, booleans); nulls, empty
    /// strings, nested arrays and objects are skipped. `nil` when none is left.
    private mutating func parseScalarArray(depth: Int) throws(JSONSyntaxError) -> [String]? {
        guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
        position += 1
        skipSpace()
        if peek == 0x5D {
            position += 1
            return nil
        }
        var parts: [String] = []
        while true {
            skipSpace()
            switch peek {
            case 0x5B, 0x7B:
                try skipValue(depth: depth + 1)
            default:
                if let text = try parseValue(depth: depth + 1).text, !text.isEmpty { parts.append(text) }
            }
            skipSpace()
            if peek == 0x2C { position += 1; continue }
            if peek == 0x5D { position += 1; break }
            throw expected("',' or ']' in the array")
        }
        return parts.isEmpty ? nil : parts
    }

    /// Skips any value, checking its syntax, without keeping anything.
    mutating func skipValue(depth: Int) throws(JSONSyntaxError) {
        switch peek {
        case 0x22: try skipString()
        case 0x2D, 0x30...0x39: try skipNumber()
        case 0x74: try literal("true")
        case 0x66: try literal("false")
        case 0x6E: try literal("null")
        case 0x5B:
            guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
            position += 1
            skipSpace()
            if peek == 0x5D { position += 1; return }
            while true {
                skipSpace()
                try skipValue(depth: depth + 1)
                skipSpace()
                if peek == 0x2C { position += 1; continue }
                if peek == 0x5D { position += 1; return }
                throw expected("',' or ']' in the array")
            }
        case 0x7B:
            guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
            position += 1
            skipSpace()
            if peek == 0x7D { position += 1; return }
            while true {
                skipSpace()
                guard peek == 0x22 else { throw expected("a string key") }
                try skipString()
                skipSpace()
                guard peek == 0x3A else { throw expected("':' after an object key") }
                position += 1
                skipSpace()
                try skipValue(depth: depth + 1)
                skipSpace()
                if peek == 0x2C { position += 1; continue }
                if peek == 0x7D { position += 1; return }
                throw expected("',' or '}' in the object")
            }
        default:
            throw unexpected()
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let n = word.utf8CodeUnitCount
        guard position + n <= end, memcmp(base + position, word.utf8Start, n) == 0 else { throw unexpected() }
        position += n
    }

    // MARK: Numbers

    /// The end of the number at the position, checking JSON's number syntax.
    private func numberEnd() throws(JSONSyntaxError) -> Int {
        var i = position
        @inline(__always) func isDigit(_ k: Int) -> Bool { k < end && base[k] >= 0x30 && base[k] <= 0x39 }
        if i < end, base[i] == 0x2D { i += 1 }
        guard isDigit(i) else { throw error("invalid number", at: i) }
        if base[i] == 0x30 { i += 1 } else { while isDigit(i) { i += 1 } }
        if i < end, base[i] == 0x2E {
            i += 1
            guard isDigit(i) else { throw error("invalid number: no digit after the decimal point", at: i) }
            while isDigit(i) { i += 1 }
        }
        if i < end, base[i] == 0x65 || base[i] == 0x45 {
            i += 1
            if i < end, base[i] == 0x2B || base[i] == 0x2D { i += 1 }
            guard isDigit(i) else { throw error("invalid number: no digit in the exponent", at: i) }
            while isDigit(i) { i += 1 }
        }
        return i
    }

    /// The number's text as written.
    mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let stop = try numberEnd()
        let text = String(decoding: UnsafeBufferPointer(start: base + position, count: stop - position), as: UTF8.self)
        position = stop
        return text
    }

    private mutating func skipNumber() throws(JSONSyntaxError) {
        position = try numberEnd()
    }

    // MARK: Strings

    /// Finds the closing quote of the string at the position; reports whether the string
    /// needs the slow path (escapes or NUL bytes) and how many NUL bytes it holds.
    @inline(__always)
    private func stringEnd() throws(JSONSyntaxError) -> (close: Int, slow: Bool, nuls: Int) {
        var i = position + 1
        var slow = false
        var nuls = 0
        while i < end {
            let b = base[i]
            if b == 0x22 { return (i, slow, nuls) }
            if b == 0x5C {
                slow = true
                i += 2
                continue
            }
            if b == 0 {
                slow = true
                nuls += 1
            }
            i += 1
        }
        throw error("unterminated string")
    }

    private mutating func skipString() throws(JSONSyntaxError) {
        position = try stringEnd().close + 1
    }

    /// Parses the string at the position (which must be `"`).
    mutating func parseString() throws(JSONSyntaxError) -> String {
        let start = position + 1
        let (close, slow, nuls) = try stringEnd()
        position = close + 1
        if !slow {
            return String(decoding: UnsafeBufferPointer(start: base + start, count: close - start), as: UTF8.self)
        }
        return try decodeEscapes(start, close, capacity: close - start + 2 * nuls)
    }

    @inline(__always)
    private func hex4(_ at: Int, _ stop: Int) -> UInt32? {
        guard at + 4 <= stop else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = base[at + k]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c &- 0x30)
            case 0x61...0x66: digit = UInt32(c &- 0x61 &+ 10)
            case 0x41...0x46: digit = UInt32(c &- 0x41 &+ 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Decodes a string with escapes. Decoded text is never longer than the escaped text except
    /// for NUL bytes (1 byte → 3), which `capacity` accounts for.
    private func decodeEscapes(_ start: Int, _ stop: Int, capacity: Int) throws(JSONSyntaxError) -> String {
        var failure: JSONSyntaxError?
        let result = String(unsafeUninitializedCapacity: max(capacity, 1)) { out -> Int in
            var o = 0
            var i = start
            @inline(__always) func put(_ b: UInt8) { out[o] = b; o += 1 }
            @inline(__always) func putReplacement() { put(0xEF); put(0xBF); put(0xBD) }
            while i < stop {
                let b = base[i]
                if b == 0x5C {
                    let c = base[i + 1]
                    switch c {
                    case 0x22, 0x5C, 0x2F: put(c); i += 2
                    case 0x62: put(0x08); i += 2
                    case 0x66: put(0x0C); i += 2
                    case 0x6E: put(0x0A); i += 2
                    case 0x72: put(0x0D); i += 2
                    case 0x74: put(0x09); i += 2
                    case 0x75:
                        guard let unit = hex4(i + 2, stop) else {
                            failure = error("invalid \\u escape", at: i)
                            return o
                        }
                        i += 6
                        var scalar: UInt32 = unit
                        if unit >= 0xD800 && unit <= 0xDBFF {
                            if i + 6 <= stop, base[i] == 0x5C, base[i + 1] == 0x75,
                               let low = hex4(i + 2, stop), low >= 0xDC00 && low <= 0xDFFF {
                                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                                i += 6
                            } else {
                                scalar = 0xFFFD
                            }
                        } else if (unit >= 0xDC00 && unit <= 0xDFFF) || unit == 0 {
                            scalar = 0xFFFD
                        }
                        if scalar < 0x80 {
                            put(UInt8(scalar))
                        } else if scalar < 0x800 {
                            put(UInt8(0xC0 | scalar >> 6)); put(UInt8(0x80 | scalar & 0x3F))
                        } else if scalar < 0x10000 {
                            put(UInt8(0xE0 | scalar >> 12)); put(UInt8(0x80 | scalar >> 6 & 0x3F))
                            put(UInt8(0x80 | scalar & 0x3F))
                        } else {
                            put(UInt8(0xF0 | scalar >> 18)); put(UInt8(0x80 | scalar >> 12 & 0x3F))
                            put(UInt8(0x80 | scalar >> 6 & 0x3F)); put(UInt8(0x80 | scalar & 0x3F))
                        }
                    default:
                        failure = error("invalid escape '\\\(Character(Unicode.Scalar(c)))'", at: i)
                        return o
                    }
                } else if b == 0 {
                    putReplacement()
                    i += 1
                } else {
                    put(b)
                    i += 1
                }
            }
            return o
        }
        if let failure { throw failure }
        return result
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
