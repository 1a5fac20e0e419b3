import Foundation
import Testing

/// Each admin works in sessions only they own: lists, resume, reach by id, duplicates and
/// similar-file warnings — all through the built `quire` binary.
@Suite struct SessionOwnershipTests {
    let a = "a@x.test", b = "b@x.test"

    @Test func eachAdminSeesOnlyTheirOwnSessionsAndTheLegacyOnes() throws {
        let box = try Sandbox()
        try box.setUp()
        let legacy = try box.write("legacy.csv", """
            id,created_by,status,json_hash,file_name,created_at,updated_at,last_accessed_at,metadata
            old-1,,in_progress,,old.json,2025-01-10T09:00:00Z,2025-01-10T09:00:00Z,2025-01-10T09:00:00Z,
            """)
        try box.ok("legacy", "import", legacy, as: Sandbox.ops)

        let sessionA = try box.createSession(try box.write("a/p1.json", paperJSON(code: "9709/12")), as: a)
        #expect(try box.sessions(as: a).compactMap { $0["id"] as? String }.sorted() == [sessionA, "old-1"].sorted())
        #expect(!(try box.sessions(as: b).contains { $0["id"] as? String == sessionA }))

        // B works at the same time on another paper: both lists stay independent.
        let sessionB = try box.createSession(try box.write("b/p2.json", paperJSON(code: "9702/22", subject: "Physics")), as: b)
        let listA = try box.sessions(as: a), listB = try box.sessions(as: b)
        #expect(listA.compactMap { $0["id"] as? String }.sorted() == [sessionA, "old-1"].sorted())
        #expect(listB.compactMap { $0["id"] as? String }.sorted() == [sessionB, "old-1"].sorted())
        let ownA = try #require(listA.first { $0["id"] as? String == sessionA })
        #expect(ownA["owner_email"] as? String == a)
        #expect(ownA["legacy"] as? Bool == false)
        #expect(ownA["status"] as? String == "in_progress")
        #expect(listB.first { $0["id"] as? String == "old-1" }?["legacy"] as? Bool == true)

        // The table a person reads says the same.
        let table = try box.ok("session", "list", as: b).stdout
        #expect(table.contains(sessionB) && table.contains("old-1") && !table.contains(sessionA))
    }

    @Test func resumeOpensTheActorsMostRecentlyUsedInProgressSession() throws {
        let box = try Sandbox()
        try box.setUp()
        let first = try box.createSession(try box.write("a1.json", paperJSON(code: "A/1")), as: a)
        let second = try box.createSession(try box.write("a2.json", paperJSON(code: "A/2")), as: a)
        let done = try box.createSession(try box.write("a3.json", paperJSON(code: "A/3")), as: a)
        try box.ok("session", "complete", done, as: a)
        // B's session is the most recent of all; A must still never get it.
        let theirs = try box.createSession(try box.write("b1.json", paperJSON(code: "B/1")), as: b)

        #expect(try box.ok("session", "resume", "--json", as: a).object["id"] as? String == second)
        try box.ok("session", "show", first, as: a)
        let resumed = try box.ok("session", "resume", "--json", as: a).object
        #expect(resumed["id"] as? String == first)
        #expect(resumed["owner_email"] as? String == a)
        #expect(try box.ok("session", "resume", "--json", as: b).object["id"] as? String == theirs)

        // With nothing in progress there is nothing to resume.
        try box.ok("user", "add", "c@x.test", as: Sandbox.ops)
        let none = try box.run("session", "resume", as: "c@x.test")
        #expect(none.status == 66, "\(none)")
        #expect(none.errorLines.count == 1 && none.stderr.hasPrefix("error: "), "\(none)")
    }

    @Test func anotherAdminCannotReachASessionByIdAndEveryAttemptIsAudited() throws {
        let box = try Sandbox()
        let ids = try box.setUp()
        let session = try box.createSession(try box.write("p.json", paperJSON(code: "9709/12")), as: a)
        let before = try #require(try box.sessions(as: a).first { $0["id"] as? String == session })
        let missing = "00000000-0000-4000-8000-000000000000"

        let attempts: [(name: String, args: (String) -> [String], commandID: String?)] = [
            ("show", { ["session", "show", $0] }, nil),
            ("update", { ["session", "update", $0, "--progress", "10", "--command-id", "b-update"] }, "b-update"),
            ("complete", { ["session", "complete", $0, "--command-id", "b-complete"] }, "b-complete"),
            ("delete", { ["session", "delete", $0, "--command-id", "b-delete"] }, "b-delete"),
        ]
        for attempt in attempts {
            let denied = try box.run(attempt.args(session), as: b)
            // A missing id (with a fresh command id, so idempotency plays no part) is the yardstick.
            let absent = try box.run(attempt.args(missing).map { $0.hasPrefix("b-") ? $0 + "-missing" : $0 }, as: b)
            #expect(denied.status == 66, "\(attempt.name): \(denied)")
            #expect(absent.status == 66, "\(attempt.name): \(absent)")
            #expect(denied.errorLines.count == 1 && denied.stderr.hasPrefix("error: "), "\(denied)")
            #expect(denied.stderr.replacingOccurrences(of: session, with: "ID") == absent.stderr.replacingOccurrences(of: missing, with: "ID"),
                    "\(attempt.name) leaks existence:\n\(denied)\n\(absent)")
            #expect(denied.stdout.isEmpty, "\(denied)")
        }

        let deniedRows = try box.auditRows(denied: true)
        #expect(deniedRows.count == 4, "\(deniedRows)")
        for row in deniedRows {
            #expect(row["type"] as? String == "access.denied")
            #expect(row["actor_id"] as? String == ids[b])
            #expect(row["actor_email"] as? String == b)
            let payload = row["payload"] as? [String: Any] ?? [:]
            #expect(payload["target"] as? String == "session-\(session)")
            #expect(payload["reason"] as? String == "not_owner")
            #expect(!((row["command_id"] as? String) ?? "").isEmpty)
        }
        let commands = Set(deniedRows.compactMap { ($0["payload"] as? [String: Any])?["command"] as? String })
        #expect(commands == ["session.access", "session.update", "session.complete", "session.delete"])
        let commandIDs = Set(deniedRows.compactMap { $0["command_id"] as? String })
        #expect(commandIDs.isSuperset(of: ["b-update", "b-complete", "b-delete"]), "\(commandIDs)")

        // A's session is exactly as it was.
        let after = try #require(try box.sessions(as: a).first { $0["id"] as? String == session })
        #expect(after["version"] as? Int == before["version"] as? Int)
        #expect(after["progress"] as? Int == 0)
        #expect(after["status"] as? String == "in_progress")
    }

    @Test func duplicatesCountOnlyTheActorsOwnLiveSessions() throws {
        let box = try Sandbox()
        try box.setUp()
        let path = try box.write("math.json", paperJSON(code: "9709/12", questions: 4))
        let first = try box.createSession(path, as: a)
        let countBefore = try box.eventCount()

        let again = try box.run("session", "create", "--file", path, as: a)
        #expect(again.status == 65, "\(again)")
        #expect(again.errorLines.count == 1 && again.stderr.hasPrefix("error: ") && again.stderr.contains(first), "\(again)")

        // Keys reordered and whitespace changed: the same paper to quire.
        let reformatted = try box.write("copy/math-reformatted.json", """
            {"questions":[{"text":"Question 1 ","number":1},{"text":"Question 2 ","number":2},
                          {"text":"Question 3 ","number":3},{"text":"Question 4 ","number":4}],
             "paper":{"year":2023,"subject":"Mathematics","code":"9709/12"}}
            """)
        let copy = try box.run("session", "create", "--file", reformatted, as: a)
        #expect(copy.status == 65, "\(copy)")
        #expect(copy.stderr.contains(first), "\(copy)")
        #expect(try box.eventCount() == countBefore)

        let allowed = try box.createSession(path, as: a, extra: ["--allow-duplicate"])
        #expect(allowed != first)

        // Other users' sessions never count.
        try box.createSession(path, as: b)

        // Once A's sessions holding the file are deleted, A may import it again.
        try box.ok("session", "delete", first, as: a)
        let stillDuplicate = try box.run("session", "create", "--file", path, as: a)
        #expect(stillDuplicate.status == 65 && stillDuplicate.stderr.contains(allowed), "\(stillDuplicate)")
        try box.ok("session", "delete", allowed, "--reason", "re-import", as: a)
        let fresh = try box.createSession(path, as: a)
        #expect(![first, allowed].contains(fresh))
    }

    @Test func similarFilesWarnOnlyAboutTheActorsOwnInProgressSessions() throws {
        let box = try Sandbox()
        try box.setUp()
        let s1 = try box.ok("session", "create", "--file", try box.write("one/math.json", paperJSON(code: "9709/12")), "--json", as: a)
        #expect(!s1.stderr.contains("warning:"), "\(s1)")
        let first = try #require(s1.object["id"] as? String)

        // Same file name, different paper.
        let sameName = try box.ok("session", "create", "--file", try box.write("two/math.json", paperJSON(code: "9709/13")), "--json", as: a)
        #expect(sameName.errorLines.count == 1, "\(sameName)")
        #expect(sameName.stderr.hasPrefix("warning:") && sameName.stderr.contains(first), "\(sameName)")
        let second = try #require(sameName.object["id"] as? String)

        // Other file name, same paper code (different content, so not a duplicate).
        let sameCode = try box.ok("session", "create", "--file",
                                  try box.write("other.json", paperJSON(code: "9709/12", note: "v2")), "--json", as: a)
        #expect(sameCode.errorLines.count == 1, "\(sameCode)")
        #expect(sameCode.stderr.hasPrefix("warning:") && sameCode.stderr.contains(first) && !sameCode.stderr.contains(second),
                "\(sameCode)")
        let third = try #require(sameCode.object["id"] as? String)

        // B has no session of that kind: no warning, although A has three.
        let bob = try box.ok("session", "create", "--file", try box.write("three/math.json", paperJSON(code: "9709/12", note: "b")), as: b)
        #expect(!bob.stderr.contains("warning:"), "\(bob)")

        // Once A's are completed, only B's in-progress math.json remains: still no warning for A.
        for id in [first, second, third] { try box.ok("session", "complete", id, as: a) }
        let later = try box.ok("session", "create", "--file", try box.write("four/math.json", paperJSON(code: "9709/12", note: "v3")), as: a)
        #expect(!later.stderr.contains("warning:"), "\(later)")
    }
}
