import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Trawl

/// `trawl serve`: Hummingbird over an ``IndexService``. Builds the router (middleware, then the
/// OpenSearch-compatible routes and `/search`) and the application, whose graceful shutdown
/// (SIGINT/SIGTERM, through swift-service-lifecycle) lets in-flight requests finish and then
/// commits every buffered write.
public enum TrawlServer {
    /// The router: error shape, access log, CORS (only with an origin configured), API key,
    /// then the routes.
    public static func router(service: IndexService, configuration: ServerConfiguration,
                              logger: Logger) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorShapeMiddleware())
        router.add(middleware: AccessLogMiddleware(logger: logger))
        if let origin = configuration.corsOrigin {
            router.add(middleware: CORSMiddleware(
                allowOrigin: .custom(origin),
                allowHeaders: [.accept, .authorization, .contentType, .origin],
                allowMethods: [.get, .post, .put, .delete, .head, .options]))
        }
        if let key = configuration.apiKey {
            router.add(middleware: APIKeyMiddleware(key: Array(key.utf8), protectReads: configuration.protectReads))
        }
        let routes = OpenSearchRoutes(service: service, configuration: configuration,
                                      gate: SearchGate(permits: configuration.threads))
        for method: HTTPRequest.Method in [.get, .head, .post, .put, .delete] {
            router.on("/", method: method) { request, context in await routes.respond(request, context: context) }
            router.on("/**", method: method) { request, context in await routes.respond(request, context: context) }
        }
        return router
    }

    /// The application serving `service`: it listens on the configured host and port with
    /// `configuration.threads` event-loop threads, and closes the index (committing buffered
    /// writes) after the HTTP server has drained at shutdown. `onRunning` gets the bound port.
    public static func application(service: IndexService, configuration: ServerConfiguration, logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
        var app = Application(
            router: router(service: service, configuration: configuration, logger: logger),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "trawl"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            eventLoopGroupProvider: .shared(group),
            logger: logger
        )
        app.addServices(IndexClosingService(service: service, logger: logger))
        return app
    }
}

/// Closes the index when the service group shuts down gracefully. Hummingbird runs its HTTP
/// server after the services it is given and shuts services down in reverse order, so the
/// server has stopped accepting and finished its in-flight requests before the close commits.
struct IndexClosingService: Service {
    let service: IndexService
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await service.close()
        logger.info("index closed; buffered writes committed", metadata: ["index": .string(service.name)])
    }
}
