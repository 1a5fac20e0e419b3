import Hummingbird
import Logging
import QuireCore
import QuireService
import ServiceLifecycle

/// The HTTP service around `service`: the `/v1` routes behind bearer-token auth, `/healthz` and
/// `/metrics`. `quire serve` runs it; the tests drive the same application through the router
/// and on a live loopback port.
///
/// ```swift
/// let app = try await buildApplication(service: service, configuration: .init(jwtSecret: secret))
/// try await app.runService()
/// ```
public func buildApplication(service: QuireService, configuration: QuireServerConfiguration) async throws(QuireError)
    -> some ApplicationProtocol
{
    let tokens = try await TokenAuthority(secret: configuration.jwtSecret)
    let metrics = ServerMetrics()
    let feed = EventFeed()
    let writer = CommandWriter(service: service, groupCommit: configuration.groupCommit, maxBatch: configuration.maxBatch,
                               metrics: metrics, feed: feed)
    let routes = Routes(service: service, writer: writer, feed: feed, metrics: metrics, configuration: configuration)

    let router = Router(context: QuireRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))
    routes.register(on: router, auth: AuthMiddleware(tokens: tokens, service: service))

    var logger = Logger(label: "quire.server")
    logger.logLevel = configuration.logLevel
    return Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "quire"),
        logger: logger)
}

/// Runs the HTTP service until SIGINT or SIGTERM, then lets open requests finish (event streams end).
public func runServer(service: QuireService, configuration: QuireServerConfiguration) async throws {
    let app = try await buildApplication(service: service, configuration: configuration)
    try await app.runService()
}
