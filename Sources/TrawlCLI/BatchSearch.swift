import Foundation
import Trawl

/// One batch request line: `{"qid","q","k","count","snippets","stored","suggest","noop","facets","sort"}`
/// (`facets` and `sort` as `--facets` and `--sort` take them); other members (such as a
/// harness's query tree) are ignored.
struct BatchRequest: Decodable, Equatable {
    /// The request id, echoed back: a string or an integer.
    enum Identifier: Decodable, Equatable {
        case string(String)
        case int(Int)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) {
                self = .int(value)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    var qid: Identifier?
    var q: String?
    var k: Int?
    var count: Bool?
    var snippets: Bool?
    var stored: Bool?
    var suggest: Bool?
    var noop: Bool?
    var facets: String?
    var sort: String?

    /// Reads a request line: the fast scanner first, `JSONDecoder` for anything it leaves
    /// (unusual number forms, duplicate members); nil when the line is not a request object.
    static func parse(_ line: String, decoder: JSONDecoder) -> BatchRequest? {
        var line = line
        if let request = line.withUTF8({ bytes -> BatchRequest? in
            var scanner = BatchRequestScanner(bytes: bytes)
            return scanner.scan()
        }) { return request }
        return try? decoder.decode(BatchRequest.self, from: Data(line.utf8))
    }
}

/// Reads the members of a one-line JSON request object that batch mode uses and skips every
/// other member without building it (a benchmark harness sends its whole query tree along).
///
/// It accepts strict JSON only and gives up (nil) on anything it does not fully understand —
/// a number that is not a plain integer where one is used, a repeated member, nesting deeper than
/// 64 — leaving those lines to `JSONDecoder`, so it never reads a line differently from it.
struct BatchRequestScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func scan() -> BatchRequest? {
        var request = BatchRequest()
        var seen: Set<String> = []
        skipSpace()
        guard take(UInt8(ascii: "{")) else { return nil }
        skipSpace()
        if !take(UInt8(ascii: "}")) {
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                switch key {
                case "qid", "q", "k", "count", "snippets", "stored", "suggest", "noop", "facets", "sort":
                    guard seen.insert(key).inserted else { return nil }
                    guard member(key, into: &request) else { return nil }
                default:
                    guard skipValue(depth: 0) else { return nil }
                }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "}")) else { return nil }
                break
            }
        }
        skipSpace()
        return i == bytes.count ? request : nil
    }

    /// Reads a known member's value; false when its type is not the one `JSONDecoder` accepts.
    private mutating func member(_ key: String, into request: inout BatchRequest) -> Bool {
        if literal("null") { return true } // an optional member given as null is absent
        switch key {
        case "qid":
            if let value = integer() { request.qid = .int(value); return true }
            guard let value = string() else { return false }
            request.qid = .string(value)
        case "q", "facets", "sort":
            guard let value = string() else { return false }
            switch key {
            case "q": request.q = value
            case "facets": request.facets = value
            default: request.sort = value
            }
        case "k":
            guard let value = integer() else { return false }
            request.k = value
        default:
            let value: Bool
            if literal("true") { value = true } else if literal("false") { value = false } else { return false }
            switch key {
            case "count": request.count = value
            case "snippets": request.snippets = value
            case "stored": request.stored = value
            case "suggest": request.suggest = value
            default: request.noop = value
            }
        }
        return true
    }

    // MARK: Lexing

    private mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): i += 1
            default: return
            }
        }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard i < bytes.count, bytes[i] == byte else { return false }
        i += 1
        return true
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard bytes.count - i >= n else { return false }
        for j in 0..<n where bytes[i + j] != word.utf8Start[j] { return false }
        i += n
        return true
    }

    /// A plain integer (`-?(0|[1-9][0-9]*)`, fitting in `Int`) not followed by a fraction or an
    /// exponent; nil (without moving) otherwise.
    private mutating func integer() -> Int? {
        var j = i
        var negative = false
        if j < bytes.count, bytes[j] == UInt8(ascii: "-") { negative = true; j += 1 }
        let digitsStart = j
        var value = 0
        while j < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[j]) {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(bytes[j] - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = sum
            j += 1
        }
        let digits = j - digitsStart
        if digits == 0 || (digits > 1 && bytes[digitsStart] == UInt8(ascii: "0")) { return nil }
        if j < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[j]) { return nil }
        i = j
        return negative ? -value : value
    }

    /// A JSON string, escapes decoded; nil (without moving) when malformed.
    private mutating func string() -> String? {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
        var j = i + 1
        let start = j
        // Fast path: no escapes.
        while j < bytes.count, bytes[j] != UInt8(ascii: "\""), bytes[j] != UInt8(ascii: "\\"), bytes[j] >= 0x20 { j += 1 }
        guard j < bytes.count, bytes[j] >= 0x20 else { return nil }
        if bytes[j] == UInt8(ascii: "\"") {
            let slice = UnsafeBufferPointer(rebasing: bytes[start..<j])
            guard let text = String(validating: slice, as: UTF8.self) else { return nil }
            i = j + 1
            return text
        }
        var out = Array(bytes[start..<j])
        while j < bytes.count {
            let byte = bytes[j]
            if byte == UInt8(ascii: "\"") {
                guard let text = String(validating: out, as: UTF8.self) else { return nil }
                i = j + 1
                return text
            }
            if byte < 0x20 { return nil }
            if byte != UInt8(ascii: "\\") {
                out.append(byte)
                j += 1
                continue
            }
            j += 1
            guard j < bytes.count else { return nil }
            switch bytes[j] {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(at: j + 1) else { return nil }
                j += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate needs its low half.
                    guard j + 2 < bytes.count, bytes[j + 1] == UInt8(ascii: "\\"), bytes[j + 2] == UInt8(ascii: "u"),
                          let low = hex4(at: j + 3), (0xDC00..<0xE000).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    j += 6
                } else if (0xDC00..<0xE000).contains(scalar) {
                    return nil
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                UTF8.encode(unicode) { out.append($0) }
            default:
                return nil
            }
            j += 1
        }
        return nil
    }

    private func hex4(at start: Int) -> UInt32? {
        guard start + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for j in start..<(start + 4) {
            let byte = bytes[j]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Skips any JSON value; false when malformed or nested deeper than 64.
    private mutating func skipValue(depth: Int) -> Bool {
        guard depth < 64, i < bytes.count else { return false }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            return string() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let object = bytes[i] == UInt8(ascii: "{")
            let close = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
            i += 1
            skipSpace()
            if take(close) { return true }
            while true {
                skipSpace()
                if object {
                    guard string() != nil else { return false }
                    skipSpace()
                    guard take(UInt8(ascii: ":")) else { return false }
                    skipSpace()
                }
                guard skipValue(depth: depth + 1) else { return false }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(close)
            }
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default:
            return number()
        }
    }

    /// Skips a JSON number (`-?int frac? exp?`).
    private mutating func number() -> Bool {
        var j = i
        func digits() -> Int {
            let start = j
            while j < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[j]) { j += 1 }
            return j - start
        }
        if j < bytes.count, bytes[j] == UInt8(ascii: "-") { j += 1 }
        let intStart = j
        let n = digits()
        if n == 0 || (n > 1 && bytes[intStart] == UInt8(ascii: "0")) { return false }
        if j < bytes.count, bytes[j] == UInt8(ascii: ".") {
            j += 1
            if digits() == 0 { return false }
        }
        if j < bytes.count, bytes[j] == UInt8(ascii: "e") || bytes[j] == UInt8(ascii: "E") {
            j += 1
            if j < bytes.count, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") { j += 1 }
            if digits() == 0 { return false }
        }
        i = j
        return true
    }
}

/// The batch loop: one JSON request per line in, one JSON line per request out, flushed.
struct BatchSearch {
    /// The index, the parser and the field weights of `trawl search`'s options.
    let session: SearchSession

    func run() {
        let decoder = JSONDecoder()
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        while let line = readLine(strippingNewline: true) {
            if line.utf8.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) { continue }
            out.removeAll(keepingCapacity: true)
            answer(line, decoder: decoder, into: &out)
            out.append(UInt8(ascii: "\n"))
            if !BatchSearch.writeAll(out) { return }
        }
    }

    /// Appends the answer to one request line (a JSON request, or else the query text itself).
    func answer(_ line: String, decoder: JSONDecoder, into out: inout [UInt8]) {
        var qid: JSONOutput = .null
        var text = line
        var k = 10
        var count = false
        var snippets = false
        var stored = false
        var suggest = false
        var facets: String?
        var sort: String?
        if line.utf8.first == UInt8(ascii: "{"), let request = BatchRequest.parse(line, decoder: decoder) {
            switch request.qid {
            case .string(let value): qid = .string(value)
            case .int(let value): qid = .int(value)
            case nil: break
            }
            if request.noop == true {
                // Protocol floor: answered without touching the index.
                JSONOutput.object([("qid", qid), ("hits", .int(0)), ("hits_rel", .string("eq")), ("ids", .array([])),
                                   ("engine_us", .int(0))]).render(into: &out)
                return
            }
            text = request.q ?? ""
            if let value = request.k { k = max(0, min(value, 100_000)) }
            count = request.count ?? false
            snippets = request.snippets ?? false
            stored = request.stored ?? snippets
            suggest = request.suggest ?? false
            facets = request.facets
            sort = request.sort
        }
        let started = DispatchTime.now().uptimeNanoseconds
        do throws(SearchError) {
            var request = try session.request(text, limit: k, countTotal: count)
            // Without `count` the protocol asks for the top k alone (as the peers compute it);
            // a suggestion needs the total (up to the usual threshold) to know whether few match.
            if !suggest { request.totalHitsThreshold = 0 }
            request.snippets = snippets
            request.loadStoredFields = stored
            if suggest { request.suggestionText = text }
            if let facets { request.facets = try SearchCommand.facetRequests([facets], schema: session.reader.schema) }
            if let sort { request.sortFields = try SearchCommand.sortFields(sort, schema: session.reader.schema) }
            let results = try session.reader.search(request)
            let micros = Int((DispatchTime.now().uptimeNanoseconds - started) / 1000)
            // Written member by member: this line is the whole per-query overhead of a harness.
            out.append(contentsOf: #"{"qid":"#.utf8)
            qid.render(into: &out)
            out.append(contentsOf: #","hits":"#.utf8)
            out.append(contentsOf: String(results.total).utf8)
            out.append(contentsOf: #","hits_rel":""#.utf8)
            out.append(contentsOf: results.totalRelation.rawValue.utf8)
            out.append(contentsOf: #"","ids":["#.utf8)
            for (i, hit) in results.hits.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONOutput.escape(hit.id, into: &out)
            }
            out.append(contentsOf: #"],"engine_us":"#.utf8)
            out.append(contentsOf: String(micros).utf8)
            out.append(contentsOf: #","results":["#.utf8)
            for (i, hit) in results.hits.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if stored {
                    SearchOutput.hitJSON(hit).render(into: &out)
                } else {
                    out.append(contentsOf: #"{"id":"#.utf8)
                    JSONOutput.escape(hit.id, into: &out)
                    out.append(contentsOf: #","score":"#.utf8)
                    out.append(contentsOf: (hit.score.isFinite ? hit.score.description : "null").utf8)
                    out.append(UInt8(ascii: "}"))
                }
            }
            out.append(UInt8(ascii: "]"))
            if !results.facets.isEmpty {
                out.append(contentsOf: #","facets":"#.utf8)
                SearchOutput.facetsJSON(results.facets).render(into: &out)
            }
            if let suggestion = results.suggestion {
                out.append(contentsOf: #","suggestion":"#.utf8)
                JSONOutput.object([("query", .string(suggestion.query)), ("total", .int(suggestion.total))]).render(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        } catch {
            // A bad query or a failing index: the message, and the next request.
            JSONOutput.object([("qid", qid), ("error", .string(error.description))]).render(into: &out)
        }
    }

    /// Writes `bytes` to standard output with one system call where the pipe allows (requests are
    /// answered one line at a time, so nothing is buffered); false once the reader has gone.
    static func writeAll(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }
}
