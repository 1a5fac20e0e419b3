import Foundation
import HTTPTypes
import Hummingbird
import QuireCore
import QuireService
import QuireStorage

/// The cleanup page: `quire cleanup`'s filters, a dry run first, and only then — after the
/// admin has seen exactly what would go — the deletion, under one command id.
extension Routes {
    /// `GET /cleanup`: the filters, nothing run yet.
    func cleanupPage(_ request: Request, _ viewer: Viewer) async throws -> Response {
        _ = try request.query(allowing: [])
        return cleanupResponse(viewer, fields: .init(legacy: false, expired: false, status: "", olderThan: "", owner: "", idleHours: ""))
    }

    /// `POST /cleanup` with the filters and `action`: `preview` lists what the filters match (a
    /// dry run, appending nothing); `confirm` carries a digest of the listed ids and the command id
    /// the preview chose, and deletes — unless the filters now match another list, which is then
    /// shown to confirm again. Sending the same confirmation twice deletes nothing more: the
    /// command id makes the cleanup idempotent.
    func cleanupAction(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let form = FormData.urlEncoded(try await request.collectBody(limit: 64 * 1024, timeout: configuration.readTimeout))
        try PageSession.checkForm(form, viewer, request)
        func field(_ name: String) -> String { form[name]?.trimmingCharacters(in: .whitespaces) ?? "" }
        let fields = PageModel.CleanupFields(legacy: form["legacy"] == "true", expired: form["expired"] == "true", status: field("status"),
                                             olderThan: field("older_than"), owner: field("owner"), idleHours: field("idle_hours"))
        let filter: CleanupFilter
        do {
            filter = try Self.cleanupFilter(fields)
        } catch let error as APIError {
            return cleanupResponse(viewer, fields: fields, notices: [.error(error.message)], status: error.status)
        }
        let service = service, actor = viewer.actor
        do throws(QuireError) {
            let dry = try await Blocking.run { () throws(QuireError) in try service.cleanup(filter, dryRun: true, as: actor) }
            let commandID = field("command_id")
            // Nothing left to match is a confirmation sent again: the run under its command id
            // appends nothing, or finishes the plan it recorded (the list that was confirmed).
            let same = dry.sessions.isEmpty || Self.listDigest(dry.sessions.map(\.sessionID)) == field("expected")
            guard form["action"] == "confirm", !commandID.isEmpty, same else {
                var notices: [PageModel.Notice] = []
                if form["action"] == "confirm" {
                    notices.append(.warn("The sessions these filters match changed since you looked. Nothing was deleted; check the list again."))
                }
                if dry.sessions.isEmpty { notices.append(.ok("No session matches \(dry.filter): there is nothing to delete.")) }
                return cleanupResponse(viewer, fields: fields, notices: notices, preview: dry)
            }
            // The admin saw this list and confirmed it: no further `yes` is needed above 20.
            let report = try await Blocking.run(on: Blocking.writer) { () throws(QuireError) -> CleanupReport in
                try service.cleanup(filter, dryRun: false, confirmed: true, as: actor, commandID: commandID)
            }
            let sentence = report.deleted == 0 && !report.sessions.isEmpty
                ? "This cleanup already ran under command id \(commandID); nothing more was deleted."
                : "Deleted \(report.deleted) \(report.deleted == 1 ? "session" : "sessions") (\(report.filter)) under command id \(commandID)."
            return cleanupResponse(viewer, fields: fields, notices: [.ok(sentence)])
        } catch {
            // A filter naming another user's sessions is refused (and recorded) by the service.
            let status = error.code == .unknownUser ? .badRequest : APIError(error).status
            return cleanupResponse(viewer, fields: fields, notices: [.error(error.message)], status: status)
        }
    }

    /// The filter the form describes, checked as `POST /v1/cleanup` checks its fields.
    static func cleanupFilter(_ f: PageModel.CleanupFields) throws -> CleanupFilter {
        var filter = CleanupFilter(legacy: f.legacy, expired: f.expired, owner: f.owner.isEmpty ? nil : f.owner)
        if !f.status.isEmpty {
            guard let s = SessionStatus(rawValue: f.status), s != .deleted else {
                throw APIError.badRequest("The status must be in progress, completed or expired, not '\(f.status)'.")
            }
            filter.status = s
        }
        if !f.olderThan.isEmpty {
            guard let span = TimeSpan(f.olderThan) else {
                throw APIError.badRequest("'Last changed at least' takes a duration (\(TimeSpan.examples)), not '\(f.olderThan)'.")
            }
            filter.olderThan = span
        }
        if !f.idleHours.isEmpty {
            guard let hours = Double(f.idleHours), hours.isFinite else {
                throw APIError.badRequest("'Not used for at least' takes a number of hours, not '\(f.idleHours)'.")
            }
            filter.idleHours = hours
        }
        guard !filter.isEmpty else { throw APIError.badRequest("Choose at least one filter: what should be cleaned up?") }
        return filter
    }

    /// What the confirm form carries instead of the list itself, which may be long.
    static func listDigest(_ ids: [String]) -> String {
        HashChain.sha256Hex(Array(ids.sorted().joined(separator: "\n").utf8))
    }

    /// The dry run's list shows at most this many sessions.
    static let cleanupRows = 500

    func cleanupResponse(_ viewer: Viewer, fields: PageModel.CleanupFields, notices: [PageModel.Notice] = [],
                         preview: CleanupReport? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let statuses = [("", "any status"), ("in_progress", "in progress"), ("completed", "completed"), ("expired", "expired")]
            .map { PageModel.StatusOption(value: $0.0, label: $0.1, selected: $0.0 == fields.status) }
        let all = preview?.sessions ?? []
        let matches = all.prefix(Self.cleanupRows).map {
            PageModel.CleanupRow(id: $0.sessionID, name: $0.name, ownerEmail: $0.ownerEmail ?? "nobody (legacy)",
                                 status: $0.status.replacingOccurrences(of: "_", with: " "))
        }
        let model = PageModel.Cleanup(
            viewer: .init(viewer), csrf: viewer.csrf, isSystemAdmin: viewer.isSystemAdmin, notices: notices, filter: fields,
            statuses: statuses, preview: !matches.isEmpty,
            countText: all.count == 1 ? "1 session matches." : "\(all.count) sessions match.", matches: Array(matches),
            moreNote: all.count > Self.cleanupRows ? "… and \(all.count - Self.cleanupRows) more; quire cleanup --dry-run lists them all." : nil,
            expected: Self.listDigest(all.map(\.sessionID)), commandID: "page-cleanup-" + Identifier.newUUID())
        return html("cleanup", model, status: status)
    }
}
