import Foundation
import QuireCore
import QuireService

/// The sentences commands print for people, in one place: the commands print them, and the demo
/// tour prints them under the `$ quire …` line it shows, so the tour shows what the command says.
extension Render {
    static func initialised(_ path: String, admin: UserView?) -> String {
        guard let admin else { return "\(path) is ready." }
        return "Initialised \(path); \(admin.email) is its first system admin (id \(admin.id))."
    }

    static func registered(_ user: UserView) -> String { "Registered \(user.email) as \(user.role) (id \(user.id))." }

    static func created(_ s: SessionView) -> String {
        "Created session \(s.id) \"\(s.name)\" (\(s.questionCount) question\(s.questionCount == 1 ? "" : "s"))."
    }

    static func updated(_ s: SessionView) -> String {
        "Session \(s.id): step \(s.step), \(s.progress)%, \(s.questionsImported)/\(s.questionCount) questions (version \(s.version))."
    }

    static func completed(_ s: SessionView) -> String {
        "Completed session \(s.id) with \(s.questionsImported) of \(s.questionCount) questions imported."
    }

    static func deleted(_ s: SessionView) -> String { "Deleted session \(s.id) \"\(s.name)\"." }

    static func transferred(_ s: SessionView) -> String {
        "Transferred session \(s.id) \"\(s.name)\" to \(s.ownerEmail ?? s.ownerID ?? "?")."
    }

    static func cleanup(_ r: CleanupReport) -> String {
        let n = r.dryRun ? r.sessions.count : r.deleted
        let s = n == 1 ? "" : "s"
        let head = r.dryRun
            ? (n == 0 ? "No session matches \(r.filter); nothing would be deleted." : "Would delete \(n) session\(s) (\(r.filter)):")
            : (n == 0 ? "Nothing left to delete for \(r.filter) (command id \(r.commandID ?? "-"))."
                      : "Deleted \(n) session\(s) (\(r.filter)) under command id \(r.commandID ?? "-").")
        guard r.dryRun, n > 0 else { return head }
        return head + "\n" + Console.table(["ID", "OWNER", "NAME", "STATUS"], r.sessions.map { i in
            [i.sessionID, i.ownerEmail ?? "legacy", clip(i.name, 32), i.status]
        })
    }

    static func reopened(_ s: SessionView) -> String { "Reopened session \(s.id) \"\(s.name)\": it is in progress again." }

    static func sweep(_ r: SweepReport) -> String {
        guard let rule = r.expireAfter else { return "The stale-session timeout is off (expire_after off): nothing expires." }
        let n = r.expired.count
        let head = r.dryRun
            ? (n == 0 ? "No session has been idle longer than \(rule); nothing would expire." : "Would expire \(n) session\(n == 1 ? "" : "s") idle longer than \(rule):")
            : (n == 0 ? "No session has been idle longer than \(rule); nothing expired." : "Expired \(n) session\(n == 1 ? "" : "s") idle longer than \(rule):")
        guard n > 0 else { return head }
        return head + "\n" + Console.table(["ID", "OWNER", "NAME", "LAST ACCESSED", "IDLE"], r.expired.map { e in
            [e.sessionID, e.ownerEmail ?? "-", clip(e.name, 32), short(e.lastAccessedAt), idle(Double(e.idleSeconds) / 3600)]
        })
    }

    /// `legacy import`: a warning per skipped row, then the summary line.
    static func legacyImport(_ reports: [LegacyImport.RowReport]) -> (warnings: [String], summary: String) {
        let imported = reports.filter { $0.result == "imported" }.count
        let again = reports.filter { $0.result == "already_imported" }.count
        let skipped = reports.filter { $0.result == "skipped" }
        return (skipped.map { $0.message ?? "Row \($0.row) was skipped." },
                "Imported \(imported) legacy session\(imported == 1 ? "" : "s")"
                    + (again > 0 ? ", \(again) already imported" : "")
                    + (skipped.isEmpty ? "." : ", skipped \(skipped.count)."))
    }

    static func verify(_ report: VerifyReport) -> String {
        var lines: [String] = []
        if report.integrity != "ok" { lines.append("File integrity FAILED (PRAGMA quick_check): \(report.integrity).") }
        if let fault = report.chainFault {
            lines.append("Chain BROKEN at position \(fault.position): \(fault.reason).")
        } else {
            lines.append("Chain intact: \(report.events) event\(report.events == 1 ? "" : "s") verified.")
        }
        for check in report.projections {
            lines.append(check.matches ? "Projection \(check.name) matches a fresh replay."
                                       : "Projection \(check.name) DIFFERS in \(check.table ?? "?"): \(check.detail ?? "").")
        }
        return lines.joined(separator: "\n")
    }
}
