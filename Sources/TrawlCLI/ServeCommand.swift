#if canImport(TrawlServer)
import ArgumentParser
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Trawl
import TrawlServer

/// `trawl serve`: an HTTP API over one index that OpenSearch clients speak, and `GET /search`.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve an index over HTTP: a subset of the OpenSearch API, and GET /search.",
        discussion: """
            The index is served as one OpenSearch index named after its folder (created when \
            missing). Writes (_doc, _bulk, _update) become visible at the next refresh (every \
            --refresh-interval) or at once with ?refresh=true, which also makes them durable. \
            GET /search?q=&limit=&offset=&sort= answers as trawl search --json does \
            (&near=true and &expand=true as its --near and --expand). The ranking options \
            (--weights, --near, --expand ...) set how every search ranks, as trawl search's do. \
            One line per request is logged on standard error. SIGINT or SIGTERM stop the server \
            gracefully: requests in flight finish and buffered writes are committed.
            With an API key (--api-key or $TRAWL_API_KEY) every write needs the header \
            `Authorization: ApiKey KEY` (or `Bearer KEY`); --protect-reads extends that to reads.
            With --watch the server also keeps folders indexed as they change, as trawl index \
            --watch does, through the server's own writer: their files' documents (ids are their \
            paths) sit in the index next to those written through the API.
            Examples:
              trawl serve --index ./index
              TRAWL_API_KEY=secret trawl serve --port 9201 --protect-reads
              trawl serve --index ./index --watch ~/notes ~/articles
              trawl serve --index ./index --near --weights title=2,body=1
              curl 'http://127.0.0.1:9200/search?q=oil&limit=3'
            """
    )

    @OptionGroup var location: IndexLocation

    @Option(name: .long, help: ArgumentHelp("The address to listen on; e.g. --host 0.0.0.0 (default: localhost only).", valueName: "address"))
    var host = "127.0.0.1"

    @Option(name: .long, help: ArgumentHelp("The port; e.g. --port 9201 (0 picks a free port).", valueName: "port"))
    var port = 9200

    @Option(name: .long, help: ArgumentHelp("The key every write needs (default: $TRAWL_API_KEY).", valueName: "key"))
    var apiKey: String?

    @Flag(name: .long, help: "Reads need the API key too.")
    var protectReads = false

    @Option(name: .long, help: ArgumentHelp("The origin browsers may call the API from (CORS is off without it); e.g. --cors-origin https://example.org.", valueName: "origin"))
    var corsOrigin: String?

    @Option(name: .long, help: ArgumentHelp("Threads serving requests and searching (default: one per core).", valueName: "n"))
    var threads: Int?

    @Option(name: .long, help: ArgumentHelp("How often buffered writes become visible: e.g. 1s (default), 500ms, or off for only on request (OpenSearch's -1 also works, written --refresh-interval=-1).", valueName: "interval"))
    var refreshInterval = "1s"

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Folders (or files) to keep indexed as they change (repeatable); e.g. --watch ~/notes.", valueName: "folder"),
            completion: .directory)
    var watch: [String] = []

    @OptionGroup(title: "Ranking (of every search: _search, /search, the page)") var rankingOptions: RankingOptions

    /// The key: --api-key, else $TRAWL_API_KEY.
    var key: String? {
        if let apiKey, !apiKey.isEmpty { return apiKey }
        if let environment = ProcessInfo.processInfo.environment["TRAWL_API_KEY"], !environment.isEmpty { return environment }
        return nil
    }

    /// --refresh-interval in seconds (0 for never).
    func refreshSeconds() throws -> Double {
        let text = refreshInterval.trimmingCharacters(in: .whitespaces)
        if text == "-1" || text.lowercased() == "off" { return 0 }
        let (number, scale): (Substring, Double) = text.hasSuffix("ms") ? (text.dropLast(2), 0.001)
            : text.hasSuffix("s") ? (text.dropLast(), 1) : (Substring(text), 1)
        guard let value = Double(number), value.isFinite, value > 0 else {
            throw ValidationError("--refresh-interval takes a duration such as 1s or 500ms, or off")
        }
        return value * scale
    }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256") }
        if protectReads && key == nil { throw ValidationError("--protect-reads needs an API key (--api-key or $TRAWL_API_KEY)") }
        _ = try refreshSeconds()
        try rankingOptions.validate()
    }

    func run() throws {
        for path in watch {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw CLIFailure(message: "no such file or folder to watch: \(path); check the path and try again", status: ExitStatus.usage, code: "usage")
            }
        }
        var options = IndexServiceOptions()
        options.refreshInterval = try refreshSeconds()
        options.watchedPaths = watch
        options.ranking = try rankingOptions.ranking()
        let service = try IndexService(path: location.writerPath, options: options)
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.apiKey = key
        configuration.protectReads = protectReads
        configuration.corsOrigin = corsOrigin
        if let threads { configuration.threads = threads }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "trawl.serve")
        let host = configuration.host
        if let watcher = service.watcher {
            logger.info("watching", metadata: ["folders": .string(watch.joined(separator: ", "))])
            Task {
                do {
                    for try await update in watcher.updates {
                        for problem in update.summary.problems { logger.warning("\(problem)") }
                        let changes = update.changes
                        logger.info(update.isInitialPass ? "indexed watched folders" : "indexed folder changes", metadata: [
                            "added": .stringConvertible(changes.added.count), "updated": .stringConvertible(changes.updated.count),
                            "deleted": .stringConvertible(changes.deleted.count), "failed": .stringConvertible(update.summary.failed),
                            "generation": .stringConvertible(update.generation),
                        ])
                    }
                } catch {
                    logger.error("stopped watching the folders", metadata: ["error": .string("\(error)")])
                }
            }
        }
        let app = TrawlServer.application(service: service, configuration: configuration, logger: logger) { port in
            logger.info("serving", metadata: ["index": .string(service.name), "url": .string("http://\(host):\(port)")])
        }
        let finished = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do {
                try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
            } catch {
                failure.set(error)
            }
            await service.close()
            finished.signal()
        }
        finished.wait()
        if let error = failure.error {
            throw CLIFailure(message: "the server stopped: \(error)", status: ExitStatus.io, code: "server")
        }
    }
}

/// The error the server task ended with, handed to the main thread.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Error)?

    var error: (any Error)? { lock.withLock { stored } }

    func set(_ error: any Error) { lock.withLock { stored = error } }
}
#endif
