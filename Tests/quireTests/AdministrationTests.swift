import Foundation
import Testing

/// What system admins use: verify, the user list, the monitor, and the demo.
@Suite struct AdministrationTests {
    let a = "a@x.test", b = "b@x.test"

    @Test func verifySaysTheChainIsIntactOnAHealthyDatabase() throws {
        let box = try Sandbox()
        try box.setUp()
        let session = try box.createSession(try box.write("p.json", paperJSON(code: "9709/12")), as: a)
        try box.ok("session", "update", session, "--progress", "50", "--meta", "board=CAIE", as: a)
        let count = try box.eventCount()

        let verify = try box.run("verify")
        #expect(verify.status == 0, "\(verify)")
        #expect(verify.stdout.contains("Chain intact"), "\(verify)")
        #expect(verify.stdout.contains("\(count) events"), "\(verify)")
        #expect(!verify.stdout.contains("DIFFERS"), "\(verify)")
        let report = try box.ok("verify", "--json").object
        #expect(report["ok"] as? Bool == true && report["chain_intact"] as? Bool == true && report["events"] as? Int == count)
    }

    @Test func userListGivesIdEmailAndRole() throws {
        let box = try Sandbox()
        let ids = try box.setUp()
        let users = try box.ok("user", "list", "--json", as: Sandbox.ops).array
        #expect(users.count == 3)
        for user in users {
            let email = try #require(user["email"] as? String)
            #expect(user["id"] as? String == ids[email])
            #expect(user["role"] as? String == (email == Sandbox.ops ? "system_admin" : "admin"))
        }
        // Listing users is a system admin's question.
        let refused = try box.run("user", "list", "--json", as: a)
        #expect(refused.status == 77 && refused.stderr.hasPrefix("error: "), "\(refused)")
    }

    @Test func monitorListsActiveSessionsStalestFirstForSystemAdminsOnly() throws {
        let box = try Sandbox()
        let ids = try box.setUp()
        let first = try box.createSession(try box.write("a1.json", paperJSON(code: "A/1")), as: a)
        let second = try box.createSession(try box.write("b1.json", paperJSON(code: "B/1")), as: b)
        let third = try box.createSession(try box.write("a2.json", paperJSON(code: "A/2")), as: a)
        let finished = try box.createSession(try box.write("a3.json", paperJSON(code: "A/3")), as: a)
        try box.ok("session", "complete", finished, as: a)
        try box.ok("session", "show", first, as: a)  // now the freshest

        let rows = try box.ok("monitor", "--json", as: Sandbox.ops).array
        #expect(rows.compactMap { $0["id"] as? String } == [second, third, first], "\(rows)")
        for row in rows {
            let hours = try #require(row["hours_since_access"] as? Double)
            #expect(hours >= 0 && hours < 1)
        }
        #expect(rows.first?["owner_email"] as? String == b)
        let stamps = rows.compactMap { $0["last_accessed_at"] as? String }
        #expect(stamps == stamps.sorted())

        let before = try box.eventCount()
        let refused = try box.run("monitor", "--json", as: a)
        #expect(refused.status == 77, "\(refused)")
        #expect(refused.errorLines.count == 1 && refused.stderr.hasPrefix("error: ") && refused.stdout.isEmpty, "\(refused)")
        let denied = try box.auditRows(denied: true)
        #expect(denied.count == 1 && denied.first?["actor_id"] as? String == ids[a], "\(denied)")
        #expect((denied.first?["payload"] as? [String: Any])?["reason"] as? String == "role")
        #expect(try box.eventCount() == before + 1)
    }

    @Test func monitorNamesEachSessionsCollaboratorsUntilTheyAreRemoved() throws {
        let box = try Sandbox()
        let c = "c@x.test"
        let ids = try box.setUp(admins: [a, b, c])
        let shared = try box.createSession(try box.write("a1.json", paperJSON(code: "A/1")), as: a)
        let alone = try box.createSession(try box.write("a2.json", paperJSON(code: "A/2")), as: a)
        try box.ok("session", "share", shared, "--with", c, "--role", "viewer", as: a)
        try box.ok("session", "share", shared, "--with", b, as: a)

        func collaborators() throws -> [String: [[String: String]]] {
            var out: [String: [[String: String]]] = [:]
            for row in try box.ok("monitor", "--json", as: Sandbox.ops).array {
                let list = try #require(row["collaborators"] as? [[String: Any]], "\(row)")
                out[row["id"] as? String ?? ""] = list.map { $0.compactMapValues { $0 as? String } }
            }
            return out
        }
        // By email, each with their role; a session shared with nobody has an empty list.
        #expect(try collaborators() == [
            shared: [["user_id": ids[b]!, "email": b, "role": "editor"], ["user_id": ids[c]!, "email": c, "role": "viewer"]],
            alone: [],
        ])
        let table = try box.ok("monitor", as: Sandbox.ops).stdout
        #expect(table.contains("SHARED WITH"), "\(table)")
        let line = try #require(table.split(separator: "\n").first { $0.hasPrefix(shared) })
        #expect(line.contains("\(b) (editor), \(c) (viewer)"), "\(table)")
        let other = try #require(table.split(separator: "\n").first { $0.hasPrefix(alone) })
        #expect(other.contains(" - "), "\(table)")

        // Removal revokes at once, on the monitor too.
        try box.ok("session", "unshare", shared, "--with", b, as: a)
        #expect(try collaborators()[shared] == [["user_id": ids[c]!, "email": c, "role": "viewer"]])
        #expect(!(try box.ok("monitor", as: Sandbox.ops).stdout.contains(b)))

        // The owner is an admin, not a system admin: no monitor, collaborators or not.
        let refused = try box.run("monitor", "--json", as: a)
        #expect(refused.status == 77 && refused.stdout.isEmpty, "\(refused)")
    }

    static let samples = QuireBinary.packageRoot.appendingPathComponent("events/samples")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: samples.path),
                   "events/samples is not in this checkout yet (it is being added on another branch)"))
    func demoRunsAndEndsVerified() throws {
        let box = try Sandbox()
        let demo = box.directory.appendingPathComponent("demo.sqlite").path
        let result = try box.run("demo", "--db", demo, "--samples", Self.samples.path)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("Chain intact"), "\(result)")
    }

    /// The lines the tour prints under `$ quire ARGS` up to the next `$ ` or `== ` line.
    static func tourOutput(_ stdout: String, after command: String) -> [String] {
        let lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("$ quire " + command) }) else { return [] }
        return Array(lines[(start + 1)...].prefix { !$0.hasPrefix("$ ") && !$0.hasPrefix("== ") && !$0.isEmpty })
    }

    /// Issue 12 item 6: each `$ quire …` the tour shows is followed by what that command prints.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: samples.path), "no events/samples in this checkout"))
    func theDemoTourShowsWhatEachCommandReallyPrints() throws {
        let box = try Sandbox()
        let demo = box.directory.appendingPathComponent("demo.sqlite").path
        let tour = try box.ok("demo", "--db", demo, "--samples", Self.samples.path)
        let ops = "ops@riverside.example", alice = "alice@riverside.example"

        // verify: exactly its lines (verify appends nothing, so the count is the same).
        let verify = try box.ok("verify", "--db", demo)
        #expect(Self.tourOutput(tour.stdout, after: "verify") == verify.stdout.split(separator: "\n").map(String.init), "\(tour)")

        // init: the sentence `init` prints, naming the database and the first system admin.
        let initialised = Self.tourOutput(tour.stdout, after: "init")
        #expect(initialised.count == 1 && initialised[0].hasPrefix("Initialised \(demo); \(ops) is its first system admin (id "),
                "\(initialised)")

        // session resume: the same session block `session resume` prints (its times move on: compare the fields).
        let resumed = Self.tourOutput(tour.stdout, after: "session resume")
        let real = try box.ok("session", "resume", "--db", demo, as: alice).stdout.split(separator: "\n").map(String.init)
        func fields(_ lines: [String]) -> [String] { lines.map { String($0.prefix { $0 != " " }) } }
        #expect(!resumed.isEmpty && fields(resumed) == fields(real), "tour:\n\(resumed)\nreal:\n\(real)")
        #expect(resumed.first == real.first, "the same session id: \(resumed.first ?? "-") vs \(real.first ?? "-")")

        // user list and monitor: the tables those commands print.
        let users = try box.ok("user", "list", "--db", demo, as: ops).stdout.split(separator: "\n").map(String.init)
        #expect(Self.tourOutput(tour.stdout, after: "user list") == users, "\(tour)")
    }
}
