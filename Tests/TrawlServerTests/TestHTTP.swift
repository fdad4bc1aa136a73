import Foundation
import Logging
import ServiceLifecycle
import Trawl
@testable import TrawlServer

#if canImport(Glibc)
import Glibc
#endif

/// An HTTP answer as the tests see it.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSON? { try? JSON.parse(body) }
    /// `error.type` of an OpenSearch error body.
    var errorType: String? { json?["error"]?["type"]?.stringValue }
    var errorReason: String? { json?["error"]?["reason"]?.stringValue }
}

/// A minimal HTTP/1.1 client over a blocking loopback socket, run on its own thread: the
/// request line goes out exactly as written (hostile paths reach the server unchanged).
enum TestHTTP {
    static func send(port: Int, method: String, path: String, body: [UInt8]? = nil,
                     headers: [String: String] = [:]) async -> HTTPAnswer {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: blockingSend(port: port, method: method, path: path, body: body, headers: headers))
            }
            thread.start()
        }
    }

    static func send(port: Int, method: String, path: String, json: String, headers: [String: String] = [:]) async -> HTTPAnswer {
        var all = headers
        all["Content-Type"] = "application/json"
        return await send(port: port, method: method, path: path, body: Array(json.utf8), headers: all)
    }

    private static func blockingSend(port: Int, method: String, path: String, body: [UInt8]?,
                                     headers: [String: String]) -> HTTPAnswer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return HTTPAnswer(status: -1, headers: [:], body: []) }
        defer { close(fd) }
        // A liveness bound, not a speed check: while the whole suite runs in parallel on two
        // cores, the server's handlers can wait minutes for a thread.
        var timeout = timeval(tv_sec: 300, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return HTTPAnswer(status: -1, headers: [:], body: []) }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if let body { request += "Content-Length: \(body.count)\r\n" }
        request += "\r\n"
        var bytes = Array(request.utf8)
        if let body { bytes += body }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            offset += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        return parse(response)
    }

    private static func parse(_ response: [UInt8]) -> HTTPAnswer {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, response.count - 3)).first(where: { Array(response[$0..<$0 + 4]) == separator }) else {
            return HTTPAnswer(status: -1, headers: [:], body: response)
        }
        let head = String(decoding: response[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let status = head.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? -1
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(response[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return HTTPAnswer(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var at = 0
        while at < bytes.count {
            guard let lineEnd = (at..<bytes.count - 1).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { break }
            let sizeText = String(decoding: bytes[at..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText, radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            guard start + size <= bytes.count else { break }
            out += bytes[start..<start + size]
            at = start + size + 2
        }
        return out
    }
}

/// A real server on a free loopback port over a fresh index in a temporary folder.
final class RunningServer: @unchecked Sendable {
    let folder: String
    let indexPath: String
    let service: IndexService
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, Never>

    /// Starts a server; `refreshInterval` defaults to an hour so that visibility is decided by
    /// the tests alone.
    static func start(name: String = "articles", refreshInterval: Double = 3600, watching: [String] = [],
                      ranking: SearchRanking = SearchRanking(),
                      configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> RunningServer {
        let folder = NSTemporaryDirectory() + "trawl-server-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let indexPath = folder + "/" + name
        var options = IndexServiceOptions()
        options.refreshInterval = refreshInterval
        options.writer.threads = 1
        options.watchedPaths = watching
        options.ranking = ranking
        let service = try IndexService(path: indexPath, options: options)
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.threads = 2
        configure(&configuration)
        var logger = Logger(label: "trawl.serve.tests")
        logger.logLevel = .warning
        let ports = AsyncStream<Int>.makeStream()
        let app = TrawlServer.application(service: service, configuration: configuration, logger: logger) { port in
            ports.continuation.yield(port)
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { do { try await group.run() } catch {} }
        var port = 0
        for await bound in ports.stream { port = bound; break }
        return RunningServer(folder: folder, indexPath: indexPath, service: service, port: port, group: group, task: task)
    }

    private init(folder: String, indexPath: String, service: IndexService, port: Int, group: ServiceGroup, task: Task<Void, Never>) {
        self.folder = folder
        self.indexPath = indexPath
        self.service = service
        self.port = port
        self.group = group
        self.task = task
    }

    func send(_ method: String, _ path: String, json: String? = nil, body: [UInt8]? = nil,
              headers: [String: String] = [:]) async -> HTTPAnswer {
        if let json { return await TestHTTP.send(port: port, method: method, path: path, json: json, headers: headers) }
        return await TestHTTP.send(port: port, method: method, path: path, body: body, headers: headers)
    }

    /// Graceful shutdown, as SIGTERM does; waits for the group to finish.
    func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }

    /// Stops the server and removes the folder.
    func finish() async {
        await stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
