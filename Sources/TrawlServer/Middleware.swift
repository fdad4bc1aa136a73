import Hummingbird
import Logging
import Trawl

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One structured log line per request: method, path, status, duration, bytes sent.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        let microseconds = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "status": .stringConvertible(response.status.code),
            "ms": .string(String(Double(microseconds) / 1000)),
            "bytes": .stringConvertible(response.body.contentLength ?? 0),
        ])
        return response
    }
}

/// Checks the API key: every write needs it, and with `protectReads` every read too (the
/// health check excepted). `Authorization: ApiKey KEY` or `Bearer KEY`; a missing or wrong key
/// is a 401 in OpenSearch's error shape.
///
/// A browser cannot send that header, so with `protectReads` the search page answers a
/// browser without the key with a form that posts it to `/_login`; the right key is kept in an
/// `HttpOnly`, `SameSite=Strict` cookie that lets that browser read (`GET`, `HEAD`), never write.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: [UInt8]
    let protectReads: Bool
    /// The cookie holding the key for the page.
    static var cookieName: String { "trawl_key" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if protectReads && request.uri.path == "/_login" && request.method == .post {
            return try await login(request)
        }
        if needsKey(request) && !authorized(request) && !(isPlainRead(request) && cookieAuthorized(request)) {
            if protectReads && SearchPageRoute.wants(request) {
                return LoginPage.response(status: .unauthorized, message: nil)
            }
            var response = HTTPSupport.error(OpenSearchError(
                status: 401, type: "security_exception",
                reason: "missing or wrong API key: send the header `Authorization: ApiKey KEY` (or `Bearer KEY`)"),
                head: request.method == .head)
            response.headers[.wwwAuthenticate] = "ApiKey"
            return response
        }
        return try await next(request, context)
    }

    /// Whether the request needs the key: writes always; reads with `protectReads`.
    func needsKey(_ request: Request) -> Bool {
        let path = request.uri.path
        if path == "/_health" { return false }
        if protectReads { return true }
        switch request.method {
        case .get, .head, .options: return false
        case .post:
            // Searches, counts and analysis are reads, whatever their method.
            let last = path.split(separator: "/").last ?? ""
            return !(last == "_search" || last == "_count" || last == "_analyze")
        default: return true
        }
    }

    private func authorized(_ request: Request) -> Bool {
        guard let header = request.headers[.authorization] else { return false }
        let given: Substring
        if header.hasPrefix("ApiKey ") {
            given = header.dropFirst(7)
        } else if header.hasPrefix("Bearer ") {
            given = header.dropFirst(7)
        } else {
            return false
        }
        return matches(Array(given.utf8))
    }

    /// Whether `given` is the key, in constant time in the key's length.
    private func matches(_ given: [UInt8]) -> Bool {
        var difference = UInt8(given.count == key.count ? 0 : 1)
        for i in 0..<key.count { difference |= key[i] ^ (i < given.count ? given[i] : 0) }
        return difference == 0
    }

    private func isPlainRead(_ request: Request) -> Bool {
        request.method == .get || request.method == .head
    }

    /// Whether the request carries the key in the page's cookie.
    private func cookieAuthorized(_ request: Request) -> Bool {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == Self.cookieName else { continue }
                let value = PercentEncoding.decoded(trimmed[trimmed.index(after: equals)...], plusIsSpace: false, lenient: false)
                if let value, matches(Array(value.utf8)) { return true }
            }
        }
        return false
    }

    /// `POST /_login` from the page's form (`key=…`, form-encoded): the right key sets the
    /// cookie and goes back to the page; a wrong one shows the form again.
    private func login(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 * 1024)
        let form = String(decoding: body.readableBytesView, as: UTF8.self)
        var given: String?
        for pair in form.split(separator: "&") where pair.hasPrefix("key=") {
            given = PercentEncoding.decoded(pair.dropFirst(4), plusIsSpace: true, lenient: false)
        }
        guard let given, matches(Array(given.utf8)) else {
            return LoginPage.response(status: .unauthorized, message: "That key is not right.")
        }
        var headers = HTTPFields()
        headers[.location] = "/"
        headers[.setCookie] = "\(Self.cookieName)=\(PercentEncoding.encoded(given)); Path=/; HttpOnly; SameSite=Strict"
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }
}

/// The form a browser gets instead of the search page when reads need the key.
enum LoginPage {
    /// The page, with `message` (a fixed text of ours) above the form.
    static func response(status: HTTPResponse.Status, message: String?) -> Response {
        let notice = message.map { "<p role=\"alert\">\($0)</p>" } ?? ""
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Trawl: key needed</title></head>
            <body><main><h1>This index needs its key</h1>\(notice)
            <form method="post" action="/_login"><label for="key">API key</label>
            <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
            <button type="submit">Open</button></form></main></body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.cacheControl] = "no-store"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// Turns anything a handler or middleware throws into OpenSearch's error shape (a body too
/// large for the limit is a 413; nothing a client sends becomes a 500 without a reason).
struct ErrorShapeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            let status = Int(error.status.code)
            let type = status == 413 ? "content_too_long_exception" : status == 404 ? "resource_not_found_exception" : "illegal_argument_exception"
            return HTTPSupport.error(OpenSearchError(status: status, type: type, reason: "\(error)"), head: request.method == .head)
        } catch {
            return HTTPSupport.error(OpenSearchError(status: 500, type: "exception", reason: "\(error)"), head: request.method == .head)
        }
    }
}
