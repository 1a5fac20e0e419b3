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
