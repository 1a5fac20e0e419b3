import Hummingbird
import Logging
import Mustache
import NIOCore
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
    try await buildApplication(service: service, configuration: configuration, metrics: ServerMetrics())
}

func buildApplication(service: QuireService, configuration: QuireServerConfiguration, metrics: ServerMetrics) async throws(QuireError)
    -> some ApplicationProtocol
{
    let router = try await buildRouter(service: service, configuration: configuration, metrics: metrics)
    var logger = Logger(label: "quire.server")
    logger.logLevel = configuration.logLevel
    let sweepers: [any Service] = configuration.sweepInterval.map { interval in
        [Sweeper(service: service, fallback: configuration.expireAfter, interval: interval, metrics: metrics, logger: logger)]
    } ?? []
    // A connection that sends no request part for this long is closed: a head trickled in a byte
    // a second never completes, and a body that stops arriving never ends (a trickling body is
    // cut off by its own deadline in `collectBody`). Open event streams are answers, not reads.
    let idle = TimeAmount.nanoseconds(Int64(configuration.readTimeout.components.seconds) * 1_000_000_000
                                      + configuration.readTimeout.components.attoseconds / 1_000_000_000)
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: idle)),
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "quire"),
        services: sweepers,
        logger: logger)
}

/// The router `buildApplication` serves: every route and middleware. Its `routes` are what
/// `openapi.json` is checked against.
public func buildRouter(service: QuireService, configuration: QuireServerConfiguration) async throws(QuireError)
    -> Router<QuireRequestContext>
{
    try await buildRouter(service: service, configuration: configuration, metrics: ServerMetrics())
}

func buildRouter(service: QuireService, configuration: QuireServerConfiguration, metrics: ServerMetrics) async throws(QuireError)
    -> Router<QuireRequestContext>
{
    try configuration.validate()
    let tokens = try await TokenAuthority(secret: configuration.jwtSecret)
    let pages: MustacheLibrary
    do {
        pages = try Routes.pageLibrary()
    } catch {
        throw .internal("A page template does not parse: \(error).")
    }
    let feed = EventFeed()
    feed.listen(to: service)
    let writer = CommandWriter(service: service, groupCommit: configuration.groupCommit, maxBatch: configuration.maxBatch,
                               metrics: metrics, feed: feed)
    let routes = Routes(service: service, writer: writer, feed: feed, metrics: metrics, configuration: configuration,
                        tokens: tokens, pages: pages, streams: StreamLimiter(limit: configuration.maxStreamsPerUser))

    let router = Router(context: QuireRequestContext.self)
    // Outermost, so that errors (already turned into bodies below it) carry CORS headers too.
    router.add(middleware: CORSMiddleware(origins: configuration.corsOrigins, routes: Routes.api))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))
    routes.register(on: router, auth: AuthMiddleware(tokens: tokens, service: service))
    return router
}

/// Runs the HTTP service until SIGINT or SIGTERM, then lets open requests finish (event streams end).
public func runServer(service: QuireService, configuration: QuireServerConfiguration) async throws {
    let metrics = ServerMetrics()
    metrics.bootstrapProcessWide()
    let app = try await buildApplication(service: service, configuration: configuration, metrics: metrics)
    try await app.runService()
}
