import Foundation
import Hummingbird
import QuireCore
import QuireService
import QuireStorage

extension Routes {
    /// `GET /v1/monitor?stale_hours=H`: every active session, stalest first (system admins).
    func monitor(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        let query = try request.query(allowing: ["stale_hours"])
        let staleHours = try query.double("stale_hours")
        let service = service, actor = context.actor
        let rows = try await Blocking.run { () throws(QuireError) in try service.monitor(as: actor, staleHours: staleHours) }
        return JSONResponse.make(.ok, rows)
    }

    /// `GET /v1/monitor/summary`: the counts beside the active list, and when this server last swept.
    func monitorSummary(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        _ = try request.query(allowing: [])
        let service = service, actor = context.actor
        let summary = try await Blocking.run { () throws(QuireError) in try service.monitorSummary(as: actor) }
        return JSONResponse.make(.ok, MonitorSummaryBody(summary: summary, lastSweepAt: metrics.lastSweep))
    }

    struct MonitorSummaryBody: Encodable {
        var summary: MonitorSummary
        var lastSweepAt: Timestamp?
        enum ExtraKeys: String, CodingKey { case lastSweepAt = "last_sweep_at" }
        func encode(to encoder: any Encoder) throws {
            try summary.encode(to: encoder)
            var c = encoder.container(keyedBy: ExtraKeys.self)
            try c.encode(lastSweepAt, forKey: .lastSweepAt)
        }
    }

    /// `POST /v1/cleanup` with `quire cleanup`'s filters as JSON (`legacy`, `expired`, `status`,
    /// `older_than`, `owner`, `idle_hours`) and `dry_run`, `yes`, `command_id`.
    func cleanup(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        _ = try request.query(allowing: [])
        var body: [String: JSONValue] = [:]
        switch try await request.jsonBody(limit: Self.commandBodyLimit, what: "The request body", timeout: configuration.readTimeout) {
        case nil: break
        case .object(let o)?: body = o
        case let other?: throw APIError.badRequest("The request body must be a JSON object, not \(other.typeName).")
        }
        let fields: Set<String> = ["legacy", "expired", "status", "older_than", "owner", "idle_hours", "dry_run", "yes", "command_id"]
        if let unknown = body.keys.sorted().first(where: { !fields.contains($0) }) {
            throw APIError.badRequest("Unknown field '\(unknown)'; use \(fields.sorted().joined(separator: ", ")).")
        }
        func flag(_ key: String) throws -> Bool {
            switch body[key] {
            case nil, .null?: return false
            case .bool(let b)?: return b
            default: throw APIError.badRequest("Field '\(key)' must be true or false.")
            }
        }
        func text(_ key: String) throws -> String? {
            switch body[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default: throw APIError.badRequest("Field '\(key)' must be a string.")
            }
        }
        var filter = CleanupFilter(legacy: try flag("legacy"), expired: try flag("expired"), owner: try text("owner"))
        if let status = try text("status") {
            guard let s = SessionStatus(rawValue: status), s != .deleted else {
                throw APIError.badRequest("Field 'status' must be in_progress, completed or expired, not '\(status)'.")
            }
            filter.status = s
        }
        if let older = try text("older_than") {
            guard let span = TimeSpan(older) else { throw APIError.badRequest("Field 'older_than' takes a duration (\(TimeSpan.examples)), not '\(older)'.") }
            filter.olderThan = span
        }
        if let idle = body["idle_hours"], idle != .null {
            guard case .number(let hours) = idle else { throw APIError.badRequest("Field 'idle_hours' must be a number.") }
            filter.idleHours = hours
        }
        let dryRun = try flag("dry_run"), yes = try flag("yes"), commandID = try text("command_id")
        let service = service, actor = context.actor, chosen = filter
        let report = try await Blocking.run(on: Blocking.writer) { () throws(QuireError) -> CleanupReport in
            try service.cleanup(chosen, dryRun: dryRun, confirmed: yes, as: actor, commandID: commandID)
        }
        return JSONResponse.make(.ok, report)
    }

    /// `GET /v1/settings`: every setting and its stored value (any signed-in user).
    func settings(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        _ = try request.query(allowing: [])
        let service = service, actor = context.actor
        return JSONResponse.make(.ok, try await Blocking.run { () throws(QuireError) in try service.settings(as: actor) })
    }

    /// `PUT /v1/settings/{key}` with `{"value": "14d"}` (system admins; a refusal is recorded).
    func setSetting(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        let key = try context.parameters.require("key")
        let query = try request.query(allowing: ["command_id"])
        guard case .object(let body)? = try await request.jsonBody(limit: Self.commandBodyLimit, what: "The request body",
                                                                   timeout: configuration.readTimeout) else {
            throw APIError.badRequest("The request body must be a JSON object such as {\"value\": \"14d\"}.")
        }
        if let unknown = body.keys.sorted().first(where: { $0 != "value" }) {
            throw APIError.badRequest("Unknown field '\(unknown)'; use value.")
        }
        guard case .string(let value)? = body["value"] else {
            throw APIError.badRequest("Field 'value' must be a string such as \"14d\" or \"off\".")
        }
        _ = try await submit(.command(.changeSetting(ChangeSetting(key: key, value: value))), context, commandID: query.string("command_id"))
        let service = service, actor = context.actor
        let all = try await Blocking.run { () throws(QuireError) in try service.settings(as: actor) }
        return JSONResponse.make(.ok, all.first { $0.key == key } ?? SettingView(key: key, value: value, about: ""))
    }

    /// `GET /v1/audit?actor=&session=&type=&type=&since=&until=&denied=&limit=`: the CLI's
    /// `quire audit` filters. Admins see their own actions; asking for another's is a 403.
    func audit(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        let query = try request.query(allowing: ["actor", "session", "type", "since", "until", "denied", "limit"])
        let service = service, actor = context.actor
        let now = service.now
        let filter = AuditFilter(
            session: query.string("session").map { SessionID($0) }, types: query.strings("type"),
            since: try query.time("since", now: now), until: try query.time("until", now: now),
            deniedOnly: try query.bool("denied") ?? false, limit: try query.int("limit", in: 1...10_000) ?? 1000)
        let actorName = query.string("actor")
        let rows = try await Blocking.run { () throws(QuireError) in
            // An unknown name in the filter is a bad query, not an unknown caller (which would be a 401).
            if let actorName, actorName != "system", try service.user(named: actorName) == nil {
                throw .invalidInput("Query parameter 'actor': no registered user is called \(actorName).")
            }
            return try service.audit(filter, actorName: actorName, as: actor)
        }
        return JSONResponse.make(.ok, rows)
    }
}
