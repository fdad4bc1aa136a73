// libFuzzer entry point for the OpenSearch query DSL: the input bytes are parsed as JSON and
// handed to `_search`, `_count` (as the body) and the mappings reader over a small in-memory
// index. Every input must either answer or fail with an OpenSearchError of status 400 (a 500
// would mean the index itself is unreadable, which it never is here); an answer must render to
// JSON that parses back equal. A trap anywhere is a crash by itself.
import Foundation
@testable import Trawl

/// A dozen documents with keyword, number, bool and date metadata, indexed once.
let fuzzIndex: OpenSearchIndex = {
    let words = ["oil", "crude", "prices", "grain", "wheat", "shipping", "tanker", "port", "gold", "bank"]
    var documents: [Document] = []
    for i in 0..<12 {
        let body = (0..<12).map { words[($0 * 7 + i * 3) % words.count] }.joined(separator: " ")
        var fields: [String: FieldValue] = ["tags": .strings([["energy", "grain", "metals"][i % 3]]), "rating": .integer(Int64(i % 5 + 1)),
                                            "draft": .bool(i % 2 == 0), "price": .double(Double(i) * 1.5)]
        if i % 3 != 0 { fields["author"] = .string(["Ann", "Bo"][i % 2]) }
        documents.append(Document(id: "d\(i)", title: words[i % words.count].capitalized + " report",
                                  date: i % 4 == 3 ? nil : DocumentDate(secondsSinceEpoch: 1_700_000_000 + Int64(i) * 2_000_000),
                                  body: body, fields: fields))
    }
    do {
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        options.threads = 1
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        try writer.add(documents)
        try writer.commit()
        return OpenSearchIndex(name: "fuzz", reader: try IndexReader(directory: directory))
    } catch {
        fatalError("cannot build the fuzz index: \(error)")
    }
}()

func check(_ response: JSON) {
    let text = response.rendered()
    guard let back = try? JSON.parse(text), back == response || text.contains("null") else {
        fatalError("the response does not parse back equal: \(text)")
    }
}

func expectBadRequest(_ error: OpenSearchError, _ input: String) {
    if error.status != 400 { fatalError("status \(error.status) for \(input): \(error)") }
    if error.reason.isEmpty { fatalError("an empty reason for \(input)") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let body = try? JSON.parse(bytes) else { return 0 }
    let input = String(decoding: bytes.prefix(400), as: UTF8.self)
    do {
        check(try fuzzIndex.search(body: body, parameters: [:]))
    } catch {
        expectBadRequest(error, input)
    }
    do {
        check(try fuzzIndex.count(body: body, parameters: [:]))
    } catch {
        expectBadRequest(error, input)
    }
    if case .object(let members) = body, let first = members.first, case .string(let text) = first.1 {
        // A string member doubles as URL parameters: q, sort and _source.
        for parameters in [["q": text], ["sort": text], ["_source": text, "q": first.0], ["track_total_hits": text]] {
            do {
                check(try fuzzIndex.search(body: nil, parameters: parameters))
            } catch {
                expectBadRequest(error, input)
            }
        }
    }
    do {
        _ = try OpenSearchMappings.fieldSchema(from: body)
    } catch {
        expectBadRequest(error, input)
    }
    return 0
}
