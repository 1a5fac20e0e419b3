import Foundation
import Synchronization
import Testing

/// Runs every row of `authorizationMatrix` and `roleMatrix` (AuthorizationMatrix.swift) through
/// the built binary: the exit code, one `error:` sentence for a refusal, and exactly the events
/// the row says — one `access.denied` for a reach into someone else's session, nothing at all for
/// any other refusal.
@Suite struct AuthorizationMatrixTests {
    static let owner = "a@x.test", other = "b@x.test", retired = "d@x.test", ghost = "ghost@x.test"

    /// What a row's command line is on its own session `id`.
    static func arguments(_ command: AuthorizationCase.Command, _ id: String) -> [String] {
        switch command {
        case .show: ["session", "show", id]
        case .update: ["session", "update", id, "--progress", "10"]
        case .complete: ["session", "complete", id]
        case .delete: ["session", "delete", id]
        case .history: ["history", id]
        }
    }

    /// The `command` an `access.denied` names for each of them.
    static func deniedName(_ command: AuthorizationCase.Command) -> String {
        switch command {
        case .show: "session.access"
        case .update: "session.update"
        case .complete: "session.complete"
        case .delete: "session.delete"
        case .history: "session.history"
        }
    }

    static func user(_ actor: AuthorizationCase.Actor) -> String? {
        switch actor {
        case .owner: owner
        case .otherAdmin: other
        case .systemAdmin: Sandbox.ops
        case .unknownUser: ghost
        case .noUser: nil
        case .deactivated: retired
        }
    }

    @Test func theTableCoversEveryCommandActorAndStateOnce() {
        let keys = authorizationMatrix.map { "\($0.command)/\($0.actor)/\($0.state)" }
        #expect(Set(keys).count == keys.count, "a row appears twice")
        #expect(keys.count == 5 * 6 * 4)
    }

    @Test func everyRowOfTheMatrix() throws {
        let box = try Sandbox()
        let ids = try box.setUp(admins: [Self.owner, Self.other, Self.retired])
        try box.ok("user", "deactivate", Self.retired, as: Sandbox.ops)

        // One fresh session per row, in the row's state: created in one submit, completed or
        // deleted in a second; the legacy ones in one legacy import.
        let owned = authorizationMatrix.indices.filter { authorizationMatrix[$0].state != .legacy }
        let creates = owned.map { i in
            #"{"type":"session.create","command_id":"setup-\#(i)","file_name":"row-\#(i).json","paper":{"paper":{"code":"M/\#(i)"},"questions":[1,2,3]}}"#
        }
        let created = try box.ok(["submit"], as: Self.owner, stdin: creates.joined(separator: "\n") + "\n").jsonLines
        try #require(created.count == owned.count)
        var session: [Int: String] = [:]
        for (i, line) in zip(owned, created) {
            session[i] = try #require((line["session"] as? [String: Any])?["id"] as? String, "\(line)")
        }
        let transitions = owned.compactMap { i -> String? in
            switch authorizationMatrix[i].state {
            case .completed: #"{"type":"session.complete","session_id":"\#(session[i]!)"}"#
            case .deleted: #"{"type":"session.delete","session_id":"\#(session[i]!)"}"#
            default: nil
            }
        }
        try box.ok(["submit"], as: Self.owner, stdin: transitions.joined(separator: "\n") + "\n")
        let legacy = authorizationMatrix.indices.filter { authorizationMatrix[$0].state == .legacy }
        let csv = ["id,created_by,status,json_hash,file_name"] + legacy.map { "legacy-row-\($0),,in_progress,,old-\($0).json" }
        try box.ok("legacy", "import", try box.write("legacy.csv", csv.joined(separator: "\n") + "\n"), as: Sandbox.ops)
        for i in legacy { session[i] = "legacy-row-\(i)" }
        let baseline = try #require(try box.auditRows().first?["position"] as? Int)
        let targets = session

        // The rows are independent (each has its own session): run them two at a time.
        let results = Mutex<[Int: QuireRun]>([:])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for i in stride(from: worker, to: authorizationMatrix.count, by: 2) {
                let row = authorizationMatrix[i]
                do {
                    let run = try box.run(Self.arguments(row.command, targets[i]!), as: Self.user(row.actor))
                    results.withLock { $0[i] = run }
                } catch {
                    failures.withLock { $0.append("\(row): \(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")

        let appended = try box.auditRows().filter { ($0["position"] as? Int ?? 0) > baseline }
        let runs = results.withLock { $0 }
        for (i, row) in authorizationMatrix.enumerated() {
            guard let run = runs[i], let id = session[i] else { continue }
            #expect(run.status == row.exit, "\(row): \(run)")
            if row.exit != 0 {
                #expect(run.errorLines.count == 1 && run.stderr.hasPrefix("error: "), "\(row): \(run)")
                #expect(run.stdout.isEmpty, "\(row): \(run)")
            }
            let touching = appended.filter { event in
                event["stream"] as? String == "session-\(id)"
                    || (event["payload"] as? [String: Any])?["target"] as? String == "session-\(id)"
            }
            let denied = touching.filter { $0["type"] as? String == "access.denied" }
            switch (row.event, row.exit) {
            case (.denied, _):
                #expect(denied.count == 1 && touching.count == 1, "\(row): \(touching)")
                if let event = denied.first {
                    let payload = event["payload"] as? [String: Any] ?? [:]
                    #expect(payload["reason"] as? String == "not_owner", "\(row): \(event)")
                    #expect(payload["command"] as? String == Self.deniedName(row.command), "\(row): \(event)")
                    #expect(event["actor_id"] as? String == Self.user(row.actor).flatMap { ids[$0] }, "\(row): \(event)")
                }
            case (.silent, 0):
                // show appends its access, update/complete/delete their event; history only reads.
                let expected = row.command == .history ? 0 : 1
                #expect(touching.count == expected && denied.isEmpty, "\(row): \(touching)")
            case (.silent, _):
                #expect(touching.isEmpty, "\(row) appended \(touching)")
            }
        }
        try box.ok("verify")
    }

    @Test func roleRestrictedCommandsRefuseAnAdminAndRecordIt() throws {
        let box = try Sandbox()
        let ids = try box.setUp(admins: [Self.other])
        let legacyFile = try box.write("legacy.csv", "id,created_by,status,json_hash,file_name\nold-1,,in_progress,,old.json\n")
        let before = try box.eventCount()
        for row in roleMatrix {
            let arguments = row.arguments.map { $0 == RoleCase.legacyFile ? legacyFile : $0 }
            let run = try box.run(arguments, as: Self.other)
            #expect(run.status == 77, "\(row): \(run)")
            #expect(run.errorLines.count == 1 && run.stderr.hasPrefix("error: "), "\(row): \(run)")
            #expect(run.stdout.isEmpty, "\(row): \(run)")
        }
        let rows = try box.auditRows()
        #expect(rows.count == before + roleMatrix.count, "only the refusals are appended")
        let denied = rows.prefix(roleMatrix.count).reversed()
        for (row, event) in zip(roleMatrix, denied) {
            let payload = event["payload"] as? [String: Any] ?? [:]
            #expect(event["type"] as? String == "access.denied", "\(row): \(event)")
            #expect(payload["reason"] as? String == "role", "\(row): \(event)")
            #expect(payload["command"] as? String == row.deniedCommand, "\(row): \(event)")
            #expect(event["actor_id"] as? String == ids[Self.other], "\(row): \(event)")
        }
        // Nothing the refused commands would have done happened.
        let users = try box.ok("user", "list", "--json", as: Sandbox.ops).array.compactMap { $0["email"] as? String }
        #expect(!users.contains("new@x.test"))
        #expect(try box.sessions(as: Self.other).isEmpty)
    }
}
