import Hummingbird
import QuireCore
import QuireService

/// What a request carries through the router: who it is from, once the bearer token is checked.
public struct QuireRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The token's user, registered and active; set by `AuthMiddleware` on every `/v1` route.
    public var user: UserState?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
    }

    /// The user as the service names actors: by id, which the token's `sub` is.
    var actor: ActorName { user.map { .named($0.id.rawValue) } ?? .none }
}

/// `Authorization: Bearer <JWT>`: HS256 with the server's secret, `exp` enforced, `sub` a
/// registered and active user's id. Anything else is a 401 before any route runs.
struct AuthMiddleware: RouterMiddleware {
    let tokens: TokenAuthority
    let service: QuireService

    func handle(_ request: Request, context: QuireRequestContext,
                next: (Request, QuireRequestContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("Send a bearer token: Authorization: Bearer <JWT> (quire token issue mints one).")
        }
        guard let token = HTTPHeaderValues.bearerToken(header) else {
            throw APIError.unauthorized("The Authorization header must be 'Bearer <JWT>'.")
        }
        let subject: String
        switch await tokens.verify(token) {
        case .success(let sub): subject = sub
        case .failure(let rejection): throw APIError.unauthorized(rejection.message)
        }
        let service = service
        let user = try await Blocking.run { () throws(QuireError) in try service.user(named: subject) }
        guard let user, user.id.rawValue == subject else {
            throw APIError.unauthorized("The token's user \(subject) is not registered here.")
        }
        guard user.active else { throw APIError.unauthorized("The token's user \(user.email) is deactivated.") }
        var context = context
        context.user = user
        return try await next(request, context)
    }
}
