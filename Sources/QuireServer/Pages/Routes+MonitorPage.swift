import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QuireCore
import QuireService

/// The system admins' dashboard and the audit view.
extension Routes {
    static let chartHours = 72
    /// The table shows the stalest sessions; totals and the idle chart count up to `monitorScan`.
    static let monitorRows = 200
    static let monitorScan = 5000

    /// `GET /monitor?stale_hours=H`: every active session, totals, two charts and the last day's
    /// denied attempts. A region of it refreshes itself from the event stream.
    func monitorPage(_ request: Request, _ viewer: Viewer, notices: [PageModel.Notice] = [], transfer: PageModel.TransferForm? = nil,
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let query = try request.query(allowing: ["stale_hours", "transfer"])
        let staleHours = (query.string("stale_hours") ?? "").isEmpty ? 24 : try query.double("stale_hours") ?? 24
        let service = service, actor = viewer.actor
        let now = service.now
        let (entries, perHour, denied, summary) = try await Blocking.run { () throws(QuireError) in
            let entries = try service.monitor(as: actor, limit: Self.monitorScan)
            let perHour = try service.eventsPerHour(hours: Self.chartHours, as: actor)
            let denied = try service.audit(AuditQuery(since: now.adding(milliseconds: -24 * 3_600_000), deniedOnly: true, limit: 100), as: actor)
            return (entries, perHour, denied, try service.monitorSummary(as: actor))
        }
        let shown = Array(entries.prefix(Self.monitorRows))
        let rows = shown.map { e in
            PageModel.MonitorRow(id: e.session.id, ownerEmail: e.session.ownerEmail ?? "legacy", name: e.session.name,
                                 fileName: e.session.fileName, hours: String(format: "%.1f", e.hoursSinceAccess),
                                 stale: e.hoursSinceAccess >= staleHours, step: e.session.step, progress: e.session.progress,
                                 questionCount: e.session.questionCount, questionsImported: e.session.questionsImported,
                                 collaborators: e.collaborators.map { "\($0.email) (\($0.role))" }.joined(separator: ", "))
        }
        let lastSweep = metrics.lastSweep
        let totals = PageModel.Totals(active: entries.count, stale: entries.filter { $0.hoursSinceAccess >= staleHours }.count,
                                      owners: Set(entries.compactMap(\.session.ownerID)).count,
                                      questions: entries.map(\.session.questionCount).reduce(0, +),
                                      imported: entries.map(\.session.questionsImported).reduce(0, +), denied: denied.count,
                                      expired: summary.expired, expireAfter: summary.expireAfter ?? "not set",
                                      pendingOffers: summary.pendingOffers,
                                      lastSweep: lastSweep.map { PageModel.ago($0, now: now) } ?? "not since this server started",
                                      lastSweepAt: lastSweep?.description)
        let more: String? = switch entries.count {
        case Self.monitorScan...: "Showing the \(Self.monitorRows) stalest of \(Self.monitorScan) or more active sessions; totals count the \(Self.monitorScan) stalest."
        case (Self.monitorRows + 1)...: "Showing the \(Self.monitorRows) stalest of \(entries.count) active sessions."
        default: nil
        }
        let buckets: [(String, ClosedRange<Double>)] = [
            ("< 1 h", 0...0.999), ("1–4 h", 1...3.999), ("4–24 h", 4...23.999), ("1–3 d", 24...71.999),
            ("3–7 d", 72...167.999), ("> 7 d", 168...Double.greatestFiniteMagnitude),
        ]
        let idle = buckets.map { label, range in Charts.Bar(label: label, value: entries.filter { range.contains($0.hoursSinceAccess) }.count) }
        let hourLabels = perHour.enumerated().map { i, n in
            Charts.Bar(label: i == perHour.count - 1 ? "now" : "-\(perHour.count - 1 - i)h", value: n)
        }
        let deniedRows = denied.map { r in
            PageModel.DeniedRow(recordedAt: r.recordedAt, when: PageModel.ago(Timestamp(rfc3339: r.recordedAt) ?? now, now: now),
                                actor: r.actorEmail ?? r.actorID, command: r.payload.objectValue?["command"]?.stringValue ?? "",
                                target: r.sessionID.map { "session \($0)" } ?? r.payload.objectValue?["target"]?.stringValue ?? "",
                                commandID: r.commandID)
        }
        let model = PageModel.Monitor(
            viewer: .init(viewer), csrf: viewer.csrf, staleHours: Self.number(staleHours), totals: totals, hasRows: !rows.isEmpty,
            rows: Array(rows), moreNote: more, idleChart: Charts.bars(idle, title: "Active sessions by hours idle"),
            eventsChart: Charts.bars(hourLabels, title: "Events per hour", labelEvery: 12, color: "#047857"),
            chartHours: Self.chartHours, hasDenied: !deniedRows.isEmpty, denied: deniedRows, notices: notices,
            transfer: transfer ?? .init(sessionID: query.string("transfer") ?? "", to: "", reason: ""))
        return html("monitor", model, status: status)
    }

    /// `POST /monitor` with `session_id`, `to` and `reason`: a system admin assigns anyone's
    /// session to another admin (`quire session transfer`). The monitor shows the result in a
    /// sentence; a refusal keeps what was typed. (Posted to the monitor's own URL, so that its
    /// live region, which fetches that URL again, keeps working afterwards.)
    func monitorTransfer(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let form = FormData.urlEncoded(try await request.collectBody(limit: 64 * 1024, timeout: configuration.readTimeout))
        try PageSession.checkForm(form, viewer, request)
        func field(_ name: String) -> String { form[name]?.trimmingCharacters(in: .whitespaces) ?? "" }
        let typed = PageModel.TransferForm(sessionID: field("session_id"), to: field("to"), reason: field("reason"))
        var object: [String: JSONValue] = ["type": .string("session.transfer"), "session_id": .string(typed.sessionID), "to": .string(typed.to)]
        if !typed.reason.isEmpty { object["reason"] = .string(typed.reason) }
        let outcome: Outcome
        do throws(QuireError) {
            guard !typed.sessionID.isEmpty else { throw QuireError.invalidInput("Give the id of the session to transfer.") }
            let command = try JSONCommand(value: .object(object), readFile: nil)
            outcome = try await submit(command.request, as: viewer.actor)
        } catch {
            // An admin's attempt is refused (and recorded) by the command; they have no monitor to go back to.
            if error.code == .forbidden { throw error }
            return try await monitorPage(request, viewer, notices: [.error(error.message)], transfer: typed, status: APIError(error).status)
        }
        let name = outcome.session?.name ?? typed.sessionID
        return try await monitorPage(request, viewer, notices: [.ok("Transferred \"\(name)\" to \(typed.to).")])
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x)
    }

    // MARK: - Audit

    static let auditFields: Set<String> = ["actor", "session", "type", "since", "until", "denied", "before", "limit"]

    /// The filter a request asks for; empty form fields mean "no filter".
    func auditQuery(_ request: Request, defaultLimit: Int, maxLimit: Int) throws -> (AuditQuery, PageModel.AuditFilter) {
        let query = try request.query(allowing: Self.auditFields.union(["format"]))
        func given(_ name: String) -> String? {
            guard let v = query.string(name)?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        let now = service.now
        func time(_ name: String) throws -> Timestamp? {
            guard let raw = given(name) else { return nil }
            if let t = Timestamp.parse(raw, before: now) { return t }
            throw APIError.badRequest("'\(name)' takes a time such as 2026-11-25T09:00:00Z or a duration ago (30m, 24h, 7d), not '\(raw)'.")
        }
        let limit = try given("limit").map { raw -> Int in
            guard let n = Int(raw), (1...maxLimit).contains(n) else {
                throw APIError.badRequest("Rows per page must be a whole number from 1 to \(maxLimit), not '\(raw)'.")
            }
            return n
        } ?? defaultLimit
        let before = try given("before").map { raw -> Int64 in
            guard let n = Int64(raw), n > 0 else { throw APIError.badRequest("'before' must be an event position, not '\(raw)'.") }
            return n
        }
        let denied = try query.bool("denied") ?? false
        let audit = AuditQuery(actor: given("actor"), session: given("session"), types: given("type").map { [$0] } ?? [],
                               since: try time("since"), until: try time("until"), deniedOnly: denied, before: before, limit: limit)
        let filter = PageModel.AuditFilter(actor: given("actor") ?? "", session: given("session") ?? "", type: given("type") ?? "",
                                           since: given("since") ?? "", until: given("until") ?? "", denied: denied, limit: limit)
        return (audit, filter)
    }

    /// The query string of a filter (without paging), for the download and "older" links.
    static func queryString(_ f: PageModel.AuditFilter) -> String {
        var parts: [(String, String)] = [("actor", f.actor), ("session", f.session), ("type", f.type), ("since", f.since), ("until", f.until)]
            .filter { !$0.1.isEmpty }
        if f.denied { parts.append(("denied", "true")) }
        parts.append(("limit", String(f.limit)))
        return parts.map { "\($0.0)=\(Self.percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// `GET /audit`: the CLI's filters, newest first, a page at a time.
    func auditPage(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let service = service, actor = viewer.actor
        let (query, filter): (AuditQuery, PageModel.AuditFilter)
        do {
            (query, filter) = try auditQuery(request, defaultLimit: 50, maxLimit: 1000)
        } catch let error as APIError {
            let empty = PageModel.AuditFilter(actor: "", session: "", type: "", since: "", until: "", denied: false, limit: 50)
            return html("audit", PageModel.Audit(viewer: .init(viewer), csrf: viewer.csrf, isSystemAdmin: viewer.isSystemAdmin, filter: empty,
                                                 error: error.message, downloadQuery: "limit=50", hasRows: false, rows: [], olderLink: nil),
                        status: .badRequest)
        }
        let rows: [AuditRow]
        do throws(QuireError) {
            rows = try await Blocking.run { () throws(QuireError) in try service.audit(query, as: actor) }
        } catch {
            return html("audit", PageModel.Audit(viewer: .init(viewer), csrf: viewer.csrf, isSystemAdmin: viewer.isSystemAdmin, filter: filter,
                                                 error: error.message, downloadQuery: Self.queryString(filter), hasRows: false, rows: [],
                                                 olderLink: nil),
                        status: APIError(error).status)
        }
        let lines = rows.map { r in
            let summary = r.payload.canonical
            return PageModel.AuditLine(position: r.position, recordedAt: r.recordedAt, actor: r.actorEmail ?? r.actorID, type: r.type,
                                       sessionID: r.sessionID, sessionShort: r.sessionID.map { String($0.prefix(8)) + "…" } ?? "",
                                       summary: summary.count > 160 ? String(summary.prefix(160)) + "…" : summary,
                                       commandID: r.commandID, denied: r.type == "access.denied")
        }
        let older = rows.count == query.limit ? rows.last.map { "/audit?\(Self.queryString(filter))&before=\($0.position)" } : nil
        return html("audit", PageModel.Audit(viewer: .init(viewer), csrf: viewer.csrf, isSystemAdmin: viewer.isSystemAdmin, filter: filter,
                                             error: nil, downloadQuery: Self.queryString(filter), hasRows: !lines.isEmpty, rows: lines,
                                             olderLink: older))
    }

    /// `GET /audit/download?format=csv|jsonl&…`: the current filter as `quire audit --format`
    /// prints it, up to 10,000 rows.
    func auditDownload(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let format = request.uri.queryParameters.get("format") ?? "csv"
        guard format == "csv" || format == "jsonl" else { throw APIError.badRequest("format must be csv or jsonl, not '\(format)'.") }
        var (asked, _) = try auditQuery(request, defaultLimit: 10_000, maxLimit: 10_000)
        asked.limit = 10_000
        let query = asked
        let service = service, actor = viewer.actor
        let rows = try await Blocking.run { () throws(QuireError) in try service.audit(query, as: actor) }
        var text = ""
        if format == "csv" {
            text = "position,recorded_at,actor_id,actor_email,type,stream,session_id,version,command_id,payload\n"
            for r in rows {
                text += [String(r.position), r.recordedAt, r.actorID, r.actorEmail ?? "", r.type, r.stream, r.sessionID ?? "",
                         String(r.version), r.commandID ?? "", r.payload.canonical].map(Self.csvField).joined(separator: ",") + "\n"
            }
        } else {
            for r in rows { text += Self.json(r) + "\n" }
        }
        return Response(status: .ok, headers: [
            .contentType: format == "csv" ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8",
            .contentDisposition: "attachment; filename=\"quire-audit.\(format)\"", .cacheControl: "no-store",
        ], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// `GET /live`: the viewer's event stream for the pages' live regions, signed in by cookie
    /// (an `EventSource` cannot send a bearer header). Starts at the present.
    func liveStream(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let service = service
        let start = try await Blocking.run { () throws(QuireError) in try service.lastPosition() }
        return try streamResponse(request, after: start, as: viewer.actor, userKey: viewer.user.id.rawValue, typed: false)
    }
}
