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
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: [UInt8]
    let protectReads: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if needsKey(request) && !authorized(request) {
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
        // Constant time in the key's length.
        let bytes = Array(given.utf8)
        var difference = UInt8(bytes.count == key.count ? 0 : 1)
        for i in 0..<key.count { difference |= key[i] ^ (i < bytes.count ? bytes[i] : 0) }
        return difference == 0
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
