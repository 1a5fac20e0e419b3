import Foundation
import QuireCore
import QuireService

/// How each kind of result reads in a terminal. `--json` bypasses all of this.
enum Render {
    static func short(_ time: Timestamp) -> String {
        let text = time.description  // 2026-11-25T00:32:36.123Z
        return String(text.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    static func clip(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    static func sessions(_ sessions: [SessionView]) -> String {
        guard !sessions.isEmpty else { return "No sessions." }
        return Console.table(
            ["ID", "NAME", "FILE", "STATUS", "STEP", "PROGRESS", "QUESTIONS", "LAST ACCESSED", "OWNER"],
            sessions.map { s in
                [s.id, clip(s.name, 32), clip(s.fileName, 32), s.status, s.step, "\(s.progress)%",
                 "\(s.questionsImported)/\(s.questionCount)", short(s.lastAccessedAt),
                 s.legacy ? "legacy" : (s.ownerEmail ?? "-") + (s.sharedWithYou.map { " (Shared with you, \($0))" } ?? "")]
            })
    }

    static func session(_ s: SessionView) -> String {
        var lines: [(String, String)] = [
            ("id", s.id), ("name", s.name), ("file", s.fileName),
            ("owner", s.legacy ? "none (legacy session)" : "\(s.ownerEmail ?? "?") (\(s.ownerID ?? "?"))"),
            ("status", s.status), ("step", s.step), ("progress", "\(s.progress)%"),
            ("questions", "\(s.questionsImported) of \(s.questionCount) imported"),
            ("json hash", s.jsonHash ?? "-"), ("version", "\(s.version)"),
            ("created", s.createdAt.description), ("updated", s.updatedAt.description),
            ("last accessed", s.lastAccessedAt.description),
        ]
        if let paper = s.paper, !paper.isEmpty {
            lines.append(("paper", paper.keys.sorted().map { "\($0)=\(plain(paper[$0]!))" }.joined(separator: ", ")))
        }
        if let metadata = s.metadata, !metadata.isEmpty {
            lines.append(("metadata", metadata.keys.sorted().map { "\($0)=\(plain(metadata[$0]!))" }.joined(separator: ", ")))
        }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
    }

    static func plain(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return value.canonical
    }

    static func monitor(_ rows: [MonitorView]) -> String {
        guard !rows.isEmpty else { return "No active sessions." }
        return Console.table(
            ["ID", "OWNER", "SHARED WITH", "NAME", "STEP", "PROGRESS", "QUESTIONS", "LAST ACCESSED", "IDLE"],
            rows.map { m in
                let s = m.session
                return [s.id, s.legacy ? "legacy" : (s.ownerEmail ?? "-"), sharedWith(m.collaborators), clip(s.name, 32), s.step,
                        "\(s.progress)%", "\(s.questionsImported)/\(s.questionCount)", short(s.lastAccessedAt), idle(m.hoursSinceAccess)]
            })
    }

    /// "bob@school.example (editor), cy@school.example (viewer)", clipped; "-" for nobody.
    static func sharedWith(_ collaborators: [CollaboratorView]) -> String {
        collaborators.isEmpty ? "-" : clip(collaborators.map { "\($0.email) (\($0.role))" }.joined(separator: ", "), 48)
    }

    static func idle(_ hours: Double) -> String {
        if hours < 1 { return "\(Int(hours * 60))m" }
        if hours < 48 { return String(format: "%.1fh", hours) }
        return "\(Int(hours / 24))d"
    }

    static func users(_ users: [UserView]) -> String {
        guard !users.isEmpty else { return "No users." }
        return Console.table(["ID", "EMAIL", "ROLE", "ACTIVE", "REGISTERED"],
                             users.map { [$0.id, $0.email, $0.role, $0.active ? "yes" : "no", short($0.registeredAt)] })
    }

    static func audit(_ rows: [AuditRow]) -> String {
        guard !rows.isEmpty else { return "No matching events." }
        return Console.table(
            ["POSITION", "RECORDED AT", "ACTOR", "TYPE", "SESSION", "DETAIL"],
            rows.map { r in
                [String(r.position), r.recordedAt, r.actorEmail ?? r.actorID, r.type, r.sessionID ?? "-", clip(detail(r), 60)]
            })
    }

    /// The interesting part of a payload, in words.
    static func detail(_ r: AuditRow) -> String {
        guard case .object(let p) = r.payload else { return "" }
        func s(_ k: String) -> String? { p[k].map(plain) }
        switch r.type {
        case "access.denied": return "\(s("command") ?? "?") refused: \(s("reason") ?? "?") (\(s("target") ?? "?"))"
        case "session.created": return "\"\(s("name") ?? "")\" from \(s("file_name") ?? "?")\(p["owner_id"] == .null ? " (legacy)" : "")"
        case "session.updated":
            return ["step", "progress", "questions_imported", "metadata"].compactMap { k in s(k).map { "\(k)=\($0)" } }.joined(separator: " ")
        case "session.completed": return "questions_imported=\(s("questions_imported") ?? "?")"
        case "session.deleted": return s("reason").map { "reason: \($0)" } ?? ""
        case "user.registered": return "\(s("email") ?? "?") as \(s("role") ?? "?")"
        case "user.role_changed": return "role \(s("role") ?? "?")"
        case "user.deactivated": return s("reason").map { "reason: \($0)" } ?? ""
        default: return ""
        }
    }
}
