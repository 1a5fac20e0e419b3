import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import QuireCore
import QuireService

/// The routes: each parses, calls the service (commands through the group-commit writer, queries
/// directly), and encodes. Thin, like the CLI's commands.
struct Routes: Sendable {
    let service: QuireService
    let writer: CommandWriter
    let feed: EventFeed
    let metrics: ServerMetrics
    let configuration: QuireServerConfiguration
    /// Checks the pages' sign-in cookie as `AuthMiddleware` checks the API's bearer header.
    let tokens: TokenAuthority
    let pages: MustacheLibrary
    let streams: StreamLimiter

    /// Every `/v1` route: what `register` adds, what CORS preflights answer and what
    /// `openapi.json` must describe (a test holds the three together).
    static let api: [(method: HTTPRequest.Method, path: String)] = [
        (.post, "/v1/sessions"), (.get, "/v1/sessions"), (.get, "/v1/sessions/resume"),
        (.get, "/v1/sessions/{id}"), (.patch, "/v1/sessions/{id}"), (.delete, "/v1/sessions/{id}"),
        (.post, "/v1/sessions/{id}/complete"), (.post, "/v1/sessions/{id}/reopen"),
        (.post, "/v1/sessions/{id}/transfer"), (.post, "/v1/sessions/{id}/offer"), (.post, "/v1/sessions/{id}/accept"),
        (.post, "/v1/sessions/{id}/decline"), (.get, "/v1/offers"), (.post, "/v1/sessions/{id}/share"),
        (.post, "/v1/sessions/{id}/unshare"), (.post, "/v1/cleanup"), (.get, "/v1/monitor"),
        (.get, "/v1/monitor/summary"), (.get, "/v1/settings"), (.put, "/v1/settings/{key}"), (.get, "/v1/audit"), (.post, "/v1/commands"),
        (.get, "/v1/events"), (.get, "/v1/events/stream"),
        (.get, "/v1/checkpoint"), (.get, "/v1/proofs/inclusion"), (.get, "/v1/proofs/consistency"),
    ]

    func register(on router: Router<QuireRequestContext>, auth: AuthMiddleware) {
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPI.document)))
        }
        registerPages(on: router)
        router.get("healthz") { _, _ in try await healthz() }
        router.get("metrics") { _, _ in
            let service = service
            let counts = try await Blocking.run { () throws(QuireError) in try service.sessionCounts() }
            metrics.sessions(counts)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
        }

        registerProofs(on: router)
        let v1 = router.group("v1").add(middleware: auth).add(middleware: CheckpointHeaderMiddleware(service: service))
        v1.post("sessions") { request, context in try await createSession(request, context) }
        v1.get("sessions") { request, context in try await listSessions(request, context) }
        v1.get("sessions/resume") { request, context in try await resume(request, context) }
        v1.get("sessions/:id") { request, context in try await show(request, context) }
        v1.patch("sessions/:id") { request, context in try await update(request, context) }
        v1.delete("sessions/:id") { request, context in try await delete(request, context) }
        v1.post("sessions/:id/complete") { request, context in try await complete(request, context) }
        v1.post("sessions/:id/reopen") { request, context in try await reopen(request, context) }
        v1.post("sessions/:id/transfer") { request, context in try await transfer(request, context) }
        v1.post("sessions/:id/offer") { request, context in
            try await sessionCommand("session.offer", request, context, fields: ["to", "command_id"])
        }
        v1.post("sessions/:id/accept") { request, context in
            try await sessionCommand("session.accept", request, context, fields: ["allow_duplicate", "command_id"])
        }
        v1.post("sessions/:id/decline") { request, context in
            try await sessionCommand("session.decline", request, context, fields: ["command_id"])
        }
        v1.post("sessions/:id/share") { request, context in
            try await sessionCommand("session.share", request, context, fields: ["with", "role", "command_id"])
        }
        v1.post("sessions/:id/unshare") { request, context in
            try await sessionCommand("session.unshare", request, context, fields: ["with", "command_id"])
        }
        v1.post("cleanup") { request, context in try await cleanup(request, context) }
        v1.get("offers") { request, context in
            _ = try request.query(allowing: [])
            let service = service, actor = context.actor
            return JSONResponse.make(.ok, try await Blocking.run { () throws(QuireError) in try service.offers(as: actor) })
        }
        v1.get("monitor") { request, context in try await monitor(request, context) }
        v1.get("monitor/summary") { request, context in try await monitorSummary(request, context) }
        v1.get("settings") { request, context in try await settings(request, context) }
        v1.put("settings/:key") { request, context in try await setSetting(request, context) }
        v1.get("audit") { request, context in try await audit(request, context) }
        v1.post("commands") { request, context in try await commands(request, context) }
        v1.get("events") { request, context in try await events(request, context) }
        v1.get("events/stream") { request, context in try await eventStream(request, context) }
    }

    // MARK: - Health

    func healthz() async throws -> Response {
        let service = service
        let events = try await Blocking.run { () throws(QuireError) in try service.lastPosition() }
        return JSONResponse.make(.ok, Health(status: "ok", events: events))
    }

    struct Health: Encodable {
        var status: String
        var events: Int64
    }

    // MARK: - Sessions

    /// `POST /v1/sessions?name=&file_name=&allow_duplicate=&command_id=` with the paper as the body.
    func createSession(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        let query = try request.query(allowing: ["name", "file_name", "allow_duplicate", "command_id"])
        let allowDuplicate = try query.bool("allow_duplicate") ?? false
        let data = try await request.collectBody(limit: service.paperLimit, timeout: configuration.readTimeout)
        let command = CommandRequest.createSession(name: query.string("name"),
                                                   paper: query.string("file_name").map { .bytes(fileName: $0, data: data) } ?? .body(data),
                                                   allowDuplicate: allowDuplicate)
        let outcome = try await submit(command, context, commandID: query.string("command_id"))
        return sessionResponse(outcome, status: outcome.replayed ? .ok : .created)
    }

    func listSessions(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        _ = try request.query(allowing: [])
        let service = service, actor = context.actor
        let sessions = try await Blocking.run { () throws(QuireError) in try service.sessions(as: actor) }
        return JSONResponse.make(.ok, sessions)
    }

    func resume(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        _ = try request.query(allowing: [])
        let service = service, actor = context.actor
        guard let target = try await Blocking.run({ () throws(QuireError) in try service.resumeTarget(as: actor) }) else {
            throw QuireError.notFound("You have no session in progress to resume.")
        }
        return sessionResponse(try await submit(.command(.accessSession(target)), context))
    }

    /// `GET /v1/sessions/{id}` opens the session: like `quire session show`, it records an access.
    func show(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        _ = try request.query(allowing: [])
        let id = try context.parameters.require("id")
        return sessionResponse(try await submit(.command(.accessSession(SessionID(id))), context))
    }

    /// `PATCH /v1/sessions/{id}` with `{step, progress, questions_imported, metadata}`; `If-Match`
    /// names the version the client saw.
    func update(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        try await sessionCommand("session.update", request, context,
                                 fields: ["step", "progress", "questions_imported", "metadata", "expected_version", "command_id"])
    }

    /// `POST /v1/sessions/{id}/complete`, optionally with `{questions_imported}`.
    func complete(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        try await sessionCommand("session.complete", request, context, fields: ["questions_imported", "expected_version", "command_id"])
    }

    /// `POST /v1/sessions/{id}/reopen`: the owner puts an expired session back in progress.
    func reopen(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        try await sessionCommand("session.reopen", request, context, fields: ["expected_version", "command_id"])
    }

    /// `POST /v1/sessions/{id}/transfer` with `{"to": USER, "reason": …, "allow_duplicate": …}` (system admins).
    func transfer(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        try await sessionCommand("session.transfer", request, context, fields: ["to", "reason", "allow_duplicate", "command_id"])
    }

    /// `DELETE /v1/sessions/{id}?reason=…`, or the reason in a JSON body.
    func delete(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        try await sessionCommand("session.delete", request, context, fields: ["reason", "expected_version", "command_id"],
                                 queryFields: ["reason", "command_id"])
    }

    /// A command on one session, built as the JSON command `submit` takes so that it is checked by
    /// the same code with the same messages.
    func sessionCommand(_ type: String, _ request: Request, _ context: QuireRequestContext, fields: Set<String>,
                        queryFields: Set<String> = ["command_id"]) async throws -> Response {
        let id = try context.parameters.require("id")
        let query = try request.query(allowing: queryFields)
        var object: [String: JSONValue] = [:]
        switch try await request.jsonBody(limit: Self.commandBodyLimit, what: "The request body", timeout: configuration.readTimeout) {
        case nil: break
        case .object(let o)?: object = o
        case let other?: throw APIError.badRequest("The request body must be a JSON object, not \(other.typeName).")
        }
        if let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
            throw APIError.badRequest("Unknown field '\(unknown)'; use \(fields.sorted().joined(separator: ", ")).")
        }
        for name in queryFields.sorted() {
            guard let value = query.string(name) else { continue }
            if object[name] != nil { throw APIError.badRequest("Give '\(name)' in the query or in the body, not both.") }
            object[name] = .string(value)
        }
        let ifMatch = try request.ifMatchVersion()
        if let ifMatch {
            if let given = object["expected_version"], given.intValue != ifMatch {
                throw APIError.badRequest("If-Match says version \(ifMatch) but expected_version says \(given.canonical).")
            }
            object["expected_version"] = .number(Double(ifMatch))
        }
        object["type"] = .string(type)
        object["session_id"] = .string(id)
        let command = try JSONCommand(value: .object(object), readFile: nil)
        let outcome: Outcome
        do throws(QuireError) {
            outcome = try await submit(command.request, context, commandID: command.commandID)
        } catch {
            throw APIError(error, ifMatch: ifMatch != nil)
        }
        return sessionResponse(outcome)
    }

    /// Bodies that are commands, not papers, are small.
    static let commandBodyLimit = 1 << 20

    // MARK: - Helpers

    func submit(_ command: CommandRequest, _ context: QuireRequestContext, commandID: String? = nil) async throws(QuireError) -> Outcome {
        try await writer.submit(QuireService.Submission(command, as: context.actor, commandID: commandID)).get()
    }

    /// A session as the CLI's `--json` prints it, plus `warnings` and `replayed` when there are
    /// any; its version as the ETag, for `If-Match`.
    func sessionResponse(_ outcome: Outcome, status: HTTPResponse.Status = .ok) -> Response {
        guard let session = outcome.session else { return Response(status: .noContent) }
        // The content version: reading a session never makes a client's If-Match stale.
        var headers: HTTPFields = [.eTag: "\"\(session.contentVersion ?? session.version)\"", Self.commandIDHeader: outcome.commandID]
        if outcome.replayed { headers[Self.replayedHeader] = "true" }
        return JSONResponse.make(status, SessionBody(session: session, warnings: outcome.warnings, replayed: outcome.replayed),
                                 headers: headers)
    }

    /// The command's id, so that a web app can ask `explain` about it; `Quire-Replayed` when it
    /// is the first result of an earlier submission.
    static let commandIDHeader = HTTPField.Name("Quire-Command-Id")!
    static let replayedHeader = HTTPField.Name("Quire-Replayed")!

    struct SessionBody: Encodable {
        var session: SessionView
        var warnings: [Warning]
        var replayed: Bool

        enum ExtraKeys: String, CodingKey { case warnings, replayed }

        func encode(to encoder: any Encoder) throws {
            try session.encode(to: encoder)
            var c = encoder.container(keyedBy: ExtraKeys.self)
            if !warnings.isEmpty { try c.encode(warnings, forKey: .warnings) }
            if replayed { try c.encode(true, forKey: .replayed) }
        }
    }
}
