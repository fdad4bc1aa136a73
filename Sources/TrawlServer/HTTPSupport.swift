import Hummingbird
import Trawl

/// Small pieces of HTTP the routes share: JSON responses, URL decoding.
enum HTTPSupport {
    /// A JSON response (no body for `HEAD`).
    static func json(_ body: JSON, status: Int = 200, head: Bool = false) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=UTF-8"
        let bytes = body.renderedBytes()
        if head {
            headers[.contentLength] = String(bytes.count)
            return Response(status: .init(code: status), headers: headers)
        }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A plain-text response.
    static func text(_ body: String, status: Int = 200) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=UTF-8"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// An error in OpenSearch's shape.
    static func error(_ error: OpenSearchError, head: Bool = false) -> Response {
        json(error.json, status: error.status, head: head)
    }

    /// Decodes `%XX` escapes (and `+` as a space when `plusIsSpace`); nil when an escape is
    /// malformed or the bytes are not UTF-8.
    static func percentDecoded(_ text: Substring, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The path's segments, each percent-decoded (an encoded `/` stays inside its segment);
    /// nil when one is malformed.
    static func pathSegments(_ path: String) -> [String]? {
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let segment = percentDecoded(raw, plusIsSpace: false) else { return nil }
            segments.append(segment)
        }
        return segments
    }

    /// The URL's query parameters, decoded (a name given twice keeps the last value); nil when
    /// one is malformed.
    static func queryParameters(_ query: String?) -> [String: String]? {
        guard let query, !query.isEmpty else { return [:] }
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0], plusIsSpace: true) else { return nil }
            let value = parts.count > 1 ? percentDecoded(parts[1], plusIsSpace: true) : ""
            guard let value else { return nil }
            parameters[name] = value
        }
        return parameters
    }
}
