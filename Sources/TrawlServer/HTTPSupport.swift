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
        PercentEncoding.decoded(text, plusIsSpace: plusIsSpace, lenient: false)
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
