import HTTPTypes
import Hummingbird

/// CORS for the school's web app (`quire serve --cors-origin https://app.school.example`): a
/// preflight for a `/v1` route from a listed origin is answered with exactly that route's methods
/// and the headers the API reads; answers to listed origins expose `ETag` and the `Quire-*`
/// headers. Any other origin gets no CORS header at all, so the browser keeps its answers from it.
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>
    let routes: [(method: HTTPRequest.Method, path: String)]

    static var allowedHeaders: String { "Authorization, Content-Type, If-Match, Last-Event-ID" }
    static var exposedHeaders: String { "ETag, Quire-Command-Id, Quire-Replayed, Retry-After, WWW-Authenticate" }

    init(origins: [String], routes: [(method: HTTPRequest.Method, path: String)]) {
        self.origins = Set(origins.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 })
        self.routes = routes
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !origins.isEmpty, let origin = request.headers[.origin], origins.contains(origin), request.uri.path.hasPrefix("/v1/") else {
            return try await next(request, context)
        }
        let methods = self.methods(for: request.uri.path)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard !methods.isEmpty else { return try await next(request, context) }
            return Response(status: .noContent, headers: [
                .accessControlAllowOrigin: origin,
                .accessControlAllowMethods: methods.map(\.rawValue).joined(separator: ", "),
                .accessControlAllowHeaders: Self.allowedHeaders,
                .accessControlMaxAge: "600",
                .vary: "Origin",
            ])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        response.headers.append(HTTPField(name: .vary, value: "Origin"))
        return response
    }

    /// The methods of the route whose pattern (`{id}` matching one segment) fits `path`.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let given = path.split(separator: "/", omittingEmptySubsequences: true)
        let matching = routes.filter { route in
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: true)
            return pattern.count == given.count && zip(pattern, given).allSatisfy { p, g in p.hasPrefix("{") || p == g }
        }
        // A literal route (`/v1/sessions/resume`) wins over a pattern (`/v1/sessions/{id}`).
        let literal = matching.filter { !$0.path.contains("{") }
        let chosen = literal.isEmpty ? matching : literal
        guard let path = chosen.first?.path else { return [] }
        return chosen.filter { $0.path == path }.map(\.method)
    }
}
