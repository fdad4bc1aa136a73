import Hummingbird
import Trawl

/// `GET /` for browsers: the web search page (``SearchPage``, rendered by the library), chosen
/// when the request's `Accept` header prefers HTML (``SearchPage/prefersHTML(accept:)``); other
/// clients get OpenSearch's root JSON. The page's inline style and script are allowed by a
/// nonce in its Content-Security-Policy, sent with `X-Content-Type-Options: nosniff`.
enum SearchPageRoute {
    /// Whether a request is for the page: `GET` or `HEAD` of `/` from a client that prefers HTML.
    static func wants(_ request: Request) -> Bool {
        (request.method == .get || request.method == .head) && request.uri.path.allSatisfy { $0 == "/" }
            && SearchPage.prefersHTML(accept: request.headers[.accept])
    }

    /// The page for a request (its raw query string decoded leniently: the page never answers
    /// a malformed URL with an error).
    static func respond(_ request: Request, service: IndexService, gate: SearchGate) async -> Response {
        let page = SearchPage(reader: service.reader, indexName: service.name, ranking: service.options.ranking)
        let pageRequest = SearchPageRequest(queryString: request.uri.query ?? "")
        let answer: SearchPageResponse
        do throws(OpenSearchError) {
            answer = try await gate.run { () throws(OpenSearchError) in page.response(for: pageRequest) }
        } catch {
            return HTTPSupport.error(error, head: request.method == .head)
        }
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPFields.Element.Name(name) { headers[field] = value }
        }
        let bytes = Array(answer.body.utf8)
        if request.method == .head {
            headers[.contentLength] = String(bytes.count)
            return Response(status: .init(code: answer.status), headers: headers)
        }
        return Response(status: .init(code: answer.status), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
