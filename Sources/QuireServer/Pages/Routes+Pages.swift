import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import QuireCore
import QuireService

/// The pages people open: sign-in, the admin's workspace, a session, the system admins' monitor,
/// the audit view. Server-rendered; every command goes through the same writer as the API.
extension Routes {
    func registerPages(on router: Router<QuireRequestContext>) {
        router.get("/") { request, _ in try await page(request) { viewer in try await workspace(request, viewer) } signedOut: {
            signIn(error: nil, status: .ok)
        } }
        router.post("login") { request, _ in try await login(request) }
        router.post("logout") { request, _ in try await logout(request) }
        router.post("sessions") { request, _ in try await page(request) { viewer in try await upload(request, viewer) } }
        router.get("sessions/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await page(request) { viewer in try await sessionPage(id, viewer) }
        }
        router.post("sessions/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await page(request) { viewer in try await sessionAction(id, request, viewer) }
        }
        router.get("sessions/:id/history") { request, context in
            let id = try context.parameters.require("id")
            return try await page(request) { viewer in try await historyPage(id, viewer) }
        }
        router.get("monitor") { request, _ in try await page(request) { viewer in try await monitorPage(request, viewer) } }
        router.post("monitor") { request, _ in try await page(request) { viewer in try await monitorTransfer(request, viewer) } }
        router.get("cleanup") { request, _ in try await page(request) { viewer in try await cleanupPage(request, viewer) } }
        router.post("cleanup") { request, _ in try await page(request) { viewer in try await cleanupAction(request, viewer) } }
        router.get("audit") { request, _ in try await page(request) { viewer in try await auditPage(request, viewer) } }
        router.get("audit/download") { request, _ in try await page(request) { viewer in try await auditDownload(request, viewer) } }
        router.get("explain/:command") { request, context in
            let command = try context.parameters.require("command")
            return try await page(request) { viewer in try await explainPage(command, viewer) }
        }
        router.get("live") { request, _ in try await page(request) { viewer in try await liveStream(request, viewer) } }
        router.get("assets/:file") { _, context in
            let name = try context.parameters.require("file")
            guard let asset = PageAssets.files[name] else { throw HTTPError(.notFound) }
            return Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "public, max-age=3600"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: asset.body)))
        }
    }

    // MARK: - Signing in

    /// The signed-in viewer, when the cookie holds a valid token of an active user.
    func viewer(_ request: Request) async -> Viewer? {
        guard let token = request.cookies[PageSession.tokenCookie]?.value, !token.isEmpty,
              let csrf = request.cookies[PageSession.csrfCookie]?.value, !csrf.isEmpty,
              case .success(let subject) = await tokens.verify(token) else { return nil }
        let service = service
        guard let user = try? await Blocking.run({ () throws(QuireError) in try service.user(named: subject) }),
              user.id.rawValue == subject, user.active else { return nil }
        return Viewer(user: user, csrf: csrf)
    }

    /// Runs a page for the signed-in viewer; anyone else goes to the sign-in page. Errors become
    /// pages in words, with the status the API would give.
    func page(_ request: Request, _ body: (Viewer) async throws -> Response,
              signedOut: () -> Response = { Response(status: .seeOther, headers: [.location: "/"]) }) async throws -> Response {
        guard let viewer = await viewer(request) else { return signedOut() }
        do {
            return try await body(viewer)
        } catch let error as QuireError {
            return errorPage(APIError(error), viewer)
        } catch let error as APIError {
            return errorPage(error, viewer)
        }
    }

    func errorPage(_ error: APIError, _ viewer: Viewer?) -> Response {
        let model = PageModel.Message(viewer: viewer.map(PageModel.ViewerModel.init), csrf: viewer?.csrf,
                                      heading: error.status == .notFound ? "Not found" : error.status.reasonPhrase,
                                      message: error.message)
        return html(error.status == .notFound ? "notfound" : "error", model, status: error.status)
    }

    func signIn(error: String?, status: HTTPResponse.Status) -> Response {
        let demo = configuration.demoSignIns.map {
            PageModel.DemoButton(email: $0.email, roleName: $0.role == Role.systemAdmin.rawValue ? "system admin" : "admin", token: $0.token)
        }
        return html("signin", PageModel.SignIn(error: error, hasDemo: !demo.isEmpty, demo: demo), status: status)
    }

    /// `POST /login` with `token`: checked as the API checks a bearer token, then kept in the cookie.
    func login(_ request: Request) async throws -> Response {
        try PageSession.checkOrigin(request)
        let form = FormData.urlEncoded(try await request.collectBody(limit: 64 * 1024, timeout: configuration.readTimeout))
        let token = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let bare = token.lowercased().hasPrefix("bearer ") ? String(token.dropFirst(7)) : token
        guard !bare.isEmpty else { return signIn(error: "Paste your access token to sign in.", status: .unauthorized) }
        let subject: String
        switch await tokens.verify(bare) {
        case .success(let sub): subject = sub
        case .failure(let rejection): return signIn(error: rejection.message, status: .unauthorized)
        }
        let service = service
        let user = try await Blocking.run { () throws(QuireError) in try service.user(named: subject) }
        guard let user, user.id.rawValue == subject, user.active else {
            return signIn(error: "The token's user is not registered here, or is deactivated.", status: .unauthorized)
        }
        var response = Response(status: .seeOther, headers: [.location: "/"])
        for cookie in PageSession.signInCookies(token: bare, secure: PageSession.isSecure(request)) { response.setCookie(cookie) }
        return response
    }

    /// `POST /logout`: clears the cookies. Needs the form's CSRF token when someone is signed in.
    func logout(_ request: Request) async throws -> Response {
        if let viewer = await viewer(request) {
            let form = FormData.urlEncoded(try await request.collectBody(limit: 64 * 1024, timeout: configuration.readTimeout))
            try PageSession.checkForm(form, viewer, request)
        }
        var response = Response(status: .seeOther, headers: [.location: "/"])
        for cookie in PageSession.signOutCookies(secure: PageSession.isSecure(request)) { response.setCookie(cookie) }
        return response
    }

    // MARK: - Workspace

    static let workspaceLimit = 50

    func workspace(_ request: Request, _ viewer: Viewer, notices: [PageModel.Notice] = [],
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        var notices = notices
        if request.uri.queryParameters.get("deleted") != nil { notices.append(.ok("The session was deleted.")) }
        let service = service, actor = viewer.actor
        let (sessions, resumeID, offered) = try await Blocking.run { () throws(QuireError) in
            (try service.sessions(as: actor), try service.resumeTarget(as: actor), try service.offers(as: actor))
        }
        let now = service.now
        let rows = sessions.prefix(Self.workspaceLimit).map { PageModel.SessionRow($0, now: now) }
        let inProgress = resumeID.flatMap { id in sessions.first { $0.id == id.rawValue } }.map { PageModel.SessionRow($0, now: now) }
        let more = sessions.count > Self.workspaceLimit
            ? "Showing the \(Self.workspaceLimit) most recently used of your \(sessions.count) sessions; the audit view has them all."
            : nil
        let model = PageModel.Workspace(viewer: .init(viewer), csrf: viewer.csrf, notices: notices, inProgress: inProgress,
                                        hasSessions: !rows.isEmpty, sessions: Array(rows), moreNote: more,
                                        hasOffers: !offered.isEmpty, offers: offered.map { o in
                                            PageModel.OfferRow(id: o.id, name: o.name, fileName: o.fileName, fromEmail: o.ownerEmail ?? "another admin",
                                                               until: o.offerExpiresAt?.description ?? "",
                                                               status: PageModel.SessionRow(o, now: now).statusName)
                                        })
        return html("workspace", model, status: status)
    }

    /// `POST /sessions`, a multipart form with the paper: the duplicate refusal and the
    /// similar-session warning come back as sentences naming the other session.
    func upload(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let body: Data
        do {
            // The form's own fields and boundaries come on top of the paper.
            body = try await request.collectBody(limit: service.paperLimit + 64 * 1024, timeout: configuration.readTimeout)
        } catch let error as APIError where error.status == .contentTooLarge {
            return try await workspace(request, viewer, notices: [.error("That file is too large: a paper may be at most \(service.paperLimit) bytes.")],
                                       status: .contentTooLarge)
        }
        let form = try FormData.parse(body, contentType: request.headers[.contentType])
        try PageSession.checkForm(form, viewer, request)
        guard let file = form.files["paper"], !file.data.isEmpty else {
            return try await workspace(request, viewer, notices: [.error("Choose a paper file (JSON) to import.")], status: .badRequest)
        }
        let name = form["name"]?.trimmingCharacters(in: .whitespaces)
        let command = CommandRequest.createSession(name: name?.isEmpty == false ? name : nil,
                                                   paper: .bytes(fileName: file.fileName.isEmpty ? "paper.json" : file.fileName, data: file.data),
                                                   allowDuplicate: form["allow_duplicate"] == "true")
        let outcome: Outcome
        do throws(QuireError) {
            outcome = try await submit(command, as: viewer.actor)
        } catch {
            let link = error.existingSession.map { "/sessions/\($0.rawValue)" }
            return try await workspace(request, viewer, notices: [.error(error.message, link: link, linkText: link == nil ? nil : "Open that session")],
                                       status: APIError(error).status)
        }
        var notices: [PageModel.Notice] = []
        if let s = outcome.session {
            notices.append(.ok("Imported \"\(s.name)\" from \(s.fileName): \(s.questionCount) questions.", link: "/sessions/\(s.id)", linkText: "Open it"))
        }
        for warning in outcome.warnings {
            notices.append(.warn(warning.message, link: warning.sessionID.map { "/sessions/\($0.rawValue)" },
                                 linkText: warning.sessionID == nil ? nil : "Open that session"))
        }
        return try await workspace(request, viewer, notices: notices, status: .created)
    }

    // MARK: - One session

    /// `GET /sessions/{id}`: opening it is an access, recorded like `quire session show`. Someone
    /// else's session gets exactly the page a missing one gets (and the attempt is recorded).
    func sessionPage(_ id: String, _ viewer: Viewer) async throws -> Response {
        let outcome = try await submit(.command(.accessSession(SessionID(id))), as: viewer.actor)
        guard let session = outcome.session else { throw QuireError.notFound("No session \(id) is visible to you.") }
        return try await sessionResponse(session, viewer, notices: [])
    }

    func sessionResponse(_ session: SessionView, _ viewer: Viewer, notices: [PageModel.Notice],
                         status: HTTPResponse.Status = .ok) async throws -> Response {
        let row = PageModel.SessionRow(session, now: service.now)
        let isOwner = session.ownerID == viewer.user.id.rawValue
        let live = row.status != SessionStatus.deleted.rawValue
        // The collaborators and the offer's recipient, by email; only the owner's page lists them.
        let people = isOwner ? Array((session.collaborators ?? [:]).keys) + [session.offeredTo].compactMap { $0 } : []
        let service = service, actor = viewer.actor
        let emails = try await Blocking.run { () throws(QuireError) in try service.emails(of: people, as: actor) }
        let collaborators = isOwner
            ? (session.collaborators ?? [:]).map { PageModel.CollaboratorRow(email: emails[$0.key] ?? $0.key, role: $0.value) }
                .sorted { $0.email < $1.email }
            : []
        let pending: String? = session.offeredTo.flatMap { to in
            guard isOwner, let until = session.offerExpiresAt, service.now < until else { return nil }
            return "Offered to \(emails[to] ?? to) until \(until): it stays yours until they accept."
        }
        // A collaborator sees only the controls their role allows: an editor records progress and
        // completes, a viewer only looks; only the owner deletes, reopens, shares or offers it.
        let changeable = row.inProgress && !row.legacy && session.sharedWithYou != CollaboratorRole.viewer.rawValue
        let model = PageModel.SessionPage(
            viewer: .init(viewer), csrf: viewer.csrf, notices: notices, session: row,
            steps: ImportStep.allCases.map { .init(value: $0.rawValue, selected: $0.rawValue == row.step) },
            changeable: changeable, reopenable: row.status == SessionStatus.expired.rawValue && !row.legacy && session.sharedWithYou == nil,
            deletable: live && session.sharedWithYou == nil,
            legacyNote: row.legacy ? "This is a legacy session from the old system: every admin sees it, and it cannot be changed, only deleted." : nil,
            shareable: isOwner && live, hasCollaborators: !collaborators.isEmpty, collaborators: collaborators,
            roles: [.init(value: CollaboratorRole.editor.rawValue, label: "editor (may update and complete)"),
                    .init(value: CollaboratorRole.viewer.rawValue, label: "viewer (may only look)")],
            offerable: isOwner && live && pending == nil, pendingOffer: pending,
            // A system admin hands over their own sessions and the legacy ones here; anyone else's from the monitor.
            transferable: viewer.isSystemAdmin && live && (isOwner || row.legacy),
            sharedNote: session.sharedWithYou.map { "Shared with you as \($0) by \(row.ownerEmail)." })
        return html("session", model, status: status)
    }

    /// The actions a session page's forms post, as the `submit` command each one is.
    static let sessionActions: [String: String] = [
        "progress": "session.update", "complete": "session.complete", "reopen": "session.reopen", "delete": "session.delete",
        "share": "session.share", "unshare": "session.unshare", "offer": "session.offer", "transfer": "session.transfer",
        "accept": "session.accept", "decline": "session.decline",
    ]

    /// `POST /sessions/{id}` with `action` (progress, complete, reopen, delete, share, unshare,
    /// offer, transfer, accept, decline) and the version the page showed: a change made meanwhile
    /// is a conflict, explained, and nothing is saved. Each is the same command the CLI and the
    /// API send, decided by the same rules.
    func sessionAction(_ id: String, _ request: Request, _ viewer: Viewer) async throws -> Response {
        let form = FormData.urlEncoded(try await request.collectBody(limit: 64 * 1024, timeout: configuration.readTimeout))
        try PageSession.checkForm(form, viewer, request)
        var object: [String: JSONValue] = ["session_id": .string(id)]
        func number(_ field: String) {
            guard let raw = form[field]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return }
            object[field] = Int(raw).map { .number(Double($0)) } ?? .string(raw)
        }
        func text(_ field: String, required: Bool = false) {
            let value = form[field]?.trimmingCharacters(in: .whitespaces) ?? ""
            // A required field left empty reaches the command as "", so its refusal names it.
            if !value.isEmpty || required { object[field] = .string(value) }
        }
        let action = form["action"] ?? ""
        guard let type = Self.sessionActions[action] else {
            throw APIError.badRequest("Unknown action '\(action)'; use \(Self.sessionActions.keys.sorted().joined(separator: ", ")).")
        }
        object["type"] = .string(type)
        let seen = form["version"].flatMap { Int($0) }
        // Only the commands that change the content compare versions; the hand-over ones carry none.
        if let seen, ["progress", "complete", "reopen", "delete"].contains(action) { object["expected_version"] = .number(Double(seen)) }
        switch action {
        case "progress":
            if let step = form["step"], !step.isEmpty { object["step"] = .string(step) }
            number("progress")
            number("questions_imported")
        case "delete": text("reason")
        case "share":
            text("with", required: true)
            text("role")
        case "unshare": text("with", required: true)
        case "offer": text("to", required: true)
        case "transfer":
            text("to", required: true)
            text("reason")
        case "accept":
            if form["allow_duplicate"] == "true" { object["allow_duplicate"] = .bool(true) }
        default: break
        }
        let who = form["with"] ?? form["to"] ?? ""
        let outcome: Outcome
        do throws(QuireError) {
            let command = try JSONCommand(value: .object(object), readFile: nil)
            outcome = try await submit(command.request, as: viewer.actor)
        } catch {
            return try await refusedAction(error, action: action, id: id, seen: seen, request, viewer)
        }
        switch action {
        case "delete":
            return Response(status: .seeOther, headers: [.location: "/?deleted=1"])
        case "decline":
            let whose = outcome.session?.ownerEmail ?? "its owner"
            return try await workspace(request, viewer, notices: [.ok("You declined \"\(outcome.session?.name ?? id)\"; it stays with \(whose).")])
        case "transfer":
            // The new owner's now: the system admin may no longer see it.
            return try await workspace(request, viewer, notices: [.ok("Transferred \"\(outcome.session?.name ?? id)\" to \(who).")])
        default: break
        }
        guard let session = outcome.session else { throw QuireError.notFound("No session \(id) is visible to you.") }
        let notice = switch action {
        case "complete": "The import is completed."
        case "reopen": "The session is in progress again."
        case "share": "Shared with \(who) as \(form["role"].flatMap { $0.isEmpty ? nil : $0 } ?? CollaboratorRole.editor.rawValue)."
        case "unshare": "\(who) no longer has access to this session."
        case "offer": "Offered to \(who): the session stays yours until they accept (within 7 days)."
        case "accept": "You accepted the offer: the session is yours now."
        default: "Progress saved."
        }
        return try await sessionResponse(session, viewer, notices: [.ok(notice)])
    }

    /// A session command the rules refused, as a page: someone else's session is the not-found
    /// page (the attempt is recorded by the command); otherwise the refusal in one sentence above
    /// the session as it now is — or, for an offer's recipient, above their workspace.
    func refusedAction(_ error: QuireError, action: String, id: String, seen: Int?, _ request: Request, _ viewer: Viewer) async throws -> Response {
        if error.code == .notFound { throw error }
        if action == "accept" || action == "decline" {
            return try await workspace(request, viewer, notices: [.error(error.message)], status: APIError(error).status)
        }
        // Show the session as it is now, without recording another access.
        let service = service, actor = viewer.actor
        let current = try await Blocking.run { () throws(QuireError) in try service.sessions(as: actor).first { $0.id == id } }
        guard let current else { throw error }
        let message = if error.code == .conflict {
            "Someone changed this session since you opened it: you saw version \(error.expectedVersion ?? seen ?? 0), "
                + "it is now version \(error.actualVersion ?? current.version). Nothing was saved. The page now shows "
                + "the session as it is; check it and make your change again."
        } else {
            error.message
        }
        return try await sessionResponse(current, viewer, notices: [.error(message)], status: APIError(error).status)
    }

    func historyPage(_ id: String, _ viewer: Viewer) async throws -> Response {
        let service = service, actor = viewer.actor
        let entries = try await Blocking.run { () throws(QuireError) in try service.history(SessionID(id), as: actor) }
        let lines = entries.map { e in
            PageModel.HistoryLine(type: e.type, actor: e.actorEmail ?? e.actorID, recordedAt: e.recordedAt, version: e.version,
                                  commandID: e.commandID, hasChanges: !e.changes.isEmpty,
                                  changes: e.changes.map { .init(field: $0.field, from: $0.from.canonical, to: $0.to.canonical) })
        }
        let name = entries.last(where: { $0.state != nil })?.state?.name ?? id
        return html("history", PageModel.History(viewer: .init(viewer), csrf: viewer.csrf, id: id, name: name, entries: lines))
    }

    func explainPage(_ commandID: String, _ viewer: Viewer) async throws -> Response {
        let service = service, actor = viewer.actor
        let e = try await Blocking.run { () throws(QuireError) in try service.explain(commandID, as: actor) }
        let facts = (e.facts ?? [:]).sorted { $0.key < $1.key }.map { PageModel.Fact(key: $0.key, value: $0.value.stringValue ?? $0.value.canonical) }
        return html("explain", PageModel.Explain(
            viewer: .init(viewer), csrf: viewer.csrf, commandID: e.commandID, outcome: e.outcome, reason: e.reason,
            hasFacts: !facts.isEmpty, facts: facts, hasEvents: !e.events.isEmpty,
            events: e.events.map { .init(position: $0.position, type: $0.type, recordedAt: $0.recordedAt) }))
    }

    // MARK: - Helpers

    func submit(_ command: CommandRequest, as actor: ActorName) async throws(QuireError) -> Outcome {
        try await writer.submit(QuireService.Submission(command, as: actor, commandID: nil)).get()
    }

    /// A rendered page, never cached, under a policy that runs only our own script and style.
    func html(_ template: String, _ model: Any, status: HTTPResponse.Status = .ok) -> Response {
        let text = pages.render(model, withTemplate: template) ?? "<!doctype html><title>quire</title><p>The page could not be drawn.</p>"
        return Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            Self.referrerPolicy: "same-origin", Self.contentTypeOptions: "nosniff",
        ], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!

    /// The templates, parsed once when the server starts.
    static func pageLibrary() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in PageTemplates.all { try library.register(text, named: name) }
        return library
    }
}
