import Hummingbird
import Trawl

/// The routes of the OpenSearch-compatible API and the native `/search`, dispatched on the raw
/// path's percent-decoded segments (so an id holding `/`, `..` or `%00` stays one opaque
/// segment and never reaches a file path). Handlers only translate HTTP to the library's
/// Service calls (``IndexService``, ``OpenSearchIndex``, ``NativeSearch``) and back.
struct OpenSearchRoutes: Sendable {
    let service: IndexService
    let configuration: ServerConfiguration
    let gate: SearchGate

    /// Answers one request.
    func respond(_ request: Request, context: BasicRequestContext) async -> Response {
        if SearchPageRoute.wants(request) { return await SearchPageRoute.respond(request, service: service, gate: gate) }
        let method = request.method
        let head = method == .head
        do throws(OpenSearchError) {
            guard let segments = HTTPSupport.pathSegments(request.uri.path) else {
                throw OpenSearchError(status: 400, type: "illegal_argument_exception", reason: "the URL path has a malformed %-escape or is not UTF-8")
            }
            guard let parameters = HTTPSupport.queryParameters(request.uri.query) else {
                throw OpenSearchError(status: 400, type: "illegal_argument_exception", reason: "the URL query has a malformed %-escape or is not UTF-8")
            }
            let body = try await collectBody(request)
            return try await route(method: method, segments: segments, parameters: parameters, body: body, head: head)
        } catch {
            return HTTPSupport.error(error, head: head)
        }
    }

    private func collectBody(_ request: Request) async throws(OpenSearchError) -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > configuration.maximumBodySize {
            throw tooLarge(length)
        }
        do {
            let buffer = try await request.body.collect(upTo: configuration.maximumBodySize)
            return Array(buffer.readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge(nil)
        } catch {
            throw OpenSearchError(status: 400, type: "illegal_argument_exception", reason: "the request body could not be read: \(error)")
        }
    }

    private func tooLarge(_ length: Int?) -> OpenSearchError {
        OpenSearchError(status: 413, type: "content_too_long_exception",
                        reason: "the request body\(length.map { " of \($0) bytes" } ?? "") is larger than the limit of \(configuration.maximumBodySize) bytes")
    }

    private func parseJSON(_ body: [UInt8], required: Bool) throws(OpenSearchError) -> JSON? {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            if required {
                throw OpenSearchError(status: 400, type: "parse_exception", reason: "request body is required")
            }
            return nil
        }
        do throws(JSONParseError) {
            return try JSON.parse(body)
        } catch {
            throw OpenSearchError(status: 400, type: "parse_exception",
                                  reason: "the request body is not valid JSON: \(error.message) at line \(error.line), column \(error.column)")
        }
    }

    private func unsupported(_ method: HTTPRequest.Method, _ segments: [String]) -> OpenSearchError {
        OpenSearchError(status: 400, type: "illegal_argument_exception",
                        reason: "no handler found for uri [/\(segments.joined(separator: "/"))] and method [\(method.rawValue)]")
    }

    private func requireIndex(_ name: String) throws(OpenSearchError) {
        if name == service.name || name == "_all" || name == "*" { return }
        throw OpenSearchError(status: 404, type: "index_not_found_exception", reason: "no such index [\(name)]")
    }

    // swiftlint:disable:next cyclomatic_complexity
    private func route(method: HTTPRequest.Method, segments: [String], parameters: [String: String], body: [UInt8],
                       head: Bool) async throws(OpenSearchError) -> Response {
        let refresh = try RefreshPolicy(parameter: parameters["refresh"])
        switch (method, segments.count) {
        case (.get, 0), (.head, 0):
            return HTTPSupport.json(ServerInfo.root(service: service), head: head)
        default: break
        }
        let first = segments[0]
        if segments.count == 1 {
            switch (first, method) {
            case ("_health", .get), ("_health", .head):
                return HTTPSupport.json(ServerInfo.health(service: service), head: head)
            case ("search", .get), ("search", .head):
                return try await gate.run { () throws(OpenSearchError) in
                    HTTPSupport.json(try NativeSearch.search(parameters: parameters, reader: service.reader, ranking: service.options.ranking), head: head)
                }
            case ("_bulk", .post), ("_bulk", .put):
                return HTTPSupport.json(try await service.bulk(body, defaultIndex: nil, refresh: refresh))
            case ("_refresh", .post), ("_refresh", .get):
                try await service.refresh()
                return HTTPSupport.json(ServerInfo.shards)
            case ("_search", .get), ("_search", .post), ("_count", .get), ("_count", .post):
                return try await search(first, parameters: parameters, body: body)
            default: break
            }
            if first.hasPrefix("_") { throw unsupported(method, segments) }
            switch method {
            case .head:
                return HTTPSupport.json(.object([]), status: first == service.name ? 200 : 404, head: true)
            case .get:
                try requireIndex(first)
                return HTTPSupport.json(ServerInfo.index(service: service))
            case .put:
                if first != service.name {
                    throw OpenSearchError(status: 400, type: "illegal_argument_exception",
                                          reason: "this server serves one index, [\(service.name)] (the folder it was started with); it cannot create [\(first)]")
                }
                let types = try ServerInfo.fieldTypes(fromCreateBody: try parseJSON(body, required: false))
                try await service.create(fieldTypes: types)
                return HTTPSupport.json(.object([("acknowledged", .bool(true)), ("shards_acknowledged", .bool(true)), ("index", .string(service.name))]))
            case .delete:
                try requireIndex(first)
                try await service.deleteIndex()
                return HTTPSupport.json(.object([("acknowledged", .bool(true))]))
            default:
                throw unsupported(method, segments)
            }
        }
        if first == "_cat" && segments.count >= 2 && segments[1] == "indices" && (method == .get || method == .head) {
            if segments.count == 3 { try requireIndex(segments[2]) }
            if segments.count > 3 { throw unsupported(method, segments) }
            return ServerInfo.catIndices(service: service, parameters: parameters)
        }
        if first.hasPrefix("_") { throw unsupported(method, segments) }
        try requireIndex(first)
        let action = segments[1]
        if segments.count == 2 {
            switch (action, method) {
            case ("_doc", .post):
                let answer = try await service.index(id: nil, source: try parseJSON(body, required: true) ?? .null, refresh: refresh)
                return HTTPSupport.json(answer.body, status: answer.status)
            case ("_bulk", .post), ("_bulk", .put):
                return HTTPSupport.json(try await service.bulk(body, defaultIndex: service.name, refresh: refresh))
            case ("_refresh", .post), ("_refresh", .get):
                try await service.refresh()
                return HTTPSupport.json(ServerInfo.shards)
            case ("_search", .get), ("_search", .post), ("_count", .get), ("_count", .post):
                return try await search(action, parameters: parameters, body: body)
            case ("_analyze", .get), ("_analyze", .post):
                return HTTPSupport.json(try ServerInfo.analyze(service: service, body: try parseJSON(body, required: true)))
            case ("_forcemerge", .post):
                try await service.forceMerge()
                return HTTPSupport.json(ServerInfo.shards)
            case ("_mapping", .get):
                return HTTPSupport.json(.object([(service.name, .object([("mappings", OpenSearchMappings.mappings(of: service.reader.schema))]))]))
            default:
                throw unsupported(method, segments)
            }
        }
        guard segments.count == 3 else { throw unsupported(method, segments) }
        let id = segments[2]
        switch (action, method) {
        case ("_doc", .get), ("_doc", .head):
            let answer = try await service.get(id: id)
            return HTTPSupport.json(answer.body, status: answer.status, head: head)
        case ("_doc", .put), ("_doc", .post), ("_create", .put), ("_create", .post):
            let create = action == "_create" || parameters["op_type"] == "create"
            let answer = try await service.index(id: id, source: try parseJSON(body, required: true) ?? .null,
                                                 create: create, condition: try WriteCondition(parameters: parameters), refresh: refresh)
            return HTTPSupport.json(answer.body, status: answer.status)
        case ("_doc", .delete):
            let answer = try await service.delete(id: id, condition: try WriteCondition(parameters: parameters), refresh: refresh)
            return HTTPSupport.json(answer.body, status: answer.status)
        case ("_update", .post):
            let answer = try await service.update(id: id, body: try parseJSON(body, required: true) ?? .null,
                                                  condition: try WriteCondition(parameters: parameters), refresh: refresh)
            return HTTPSupport.json(answer.body, status: answer.status)
        default:
            throw unsupported(method, segments)
        }
    }

    private func search(_ action: String, parameters: [String: String], body: [UInt8]) async throws(OpenSearchError) -> Response {
        let json = try parseJSON(body, required: false)
        if let q = parameters["q"], q.utf8.count > configuration.maximumQueryLength {
            throw OpenSearchError(status: 400, type: "illegal_argument_exception",
                                  reason: "the query is \(q.utf8.count) bytes long; the limit is \(configuration.maximumQueryLength)")
        }
        let index = service.openSearch
        return try await gate.run { () throws(OpenSearchError) in
            if action == "_count" {
                return HTTPSupport.json(try index.count(body: json, parameters: parameters))
            }
            return HTTPSupport.json(try index.search(body: json, parameters: parameters))
        }
    }
}

/// Lets at most `permits` searches run at once (the server's `--threads`), so that one thread
/// really means one search at a time.
actor SearchGate {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) {
        available = max(1, permits)
    }

    private func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }

    /// Runs `body` once a permit is free.
    nonisolated func run<R: Sendable>(_ body: @Sendable () throws(OpenSearchError) -> R) async throws(OpenSearchError) -> R {
        await acquire()
        let result = Result { () throws(OpenSearchError) in try body() }
        await release()
        return try result.get()
    }
}
