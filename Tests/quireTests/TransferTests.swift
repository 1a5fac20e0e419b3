import Foundation
import Testing

/// Issue 17 §3 through the built binary: `session transfer`, and what it leaves behind.
@Suite struct TransferTests {
    let a = "a@x.test", b = "b@x.test"

    @Test func aSystemAdminTransfersASessionAndTheFormerOwnersAttemptIsExplained() throws {
        let box = try Sandbox()
        try box.setUp()
        let id = try box.createSession(try box.write("p.json", paperJSON(code: "9709/12")), as: a)

        let own = try box.run("session", "transfer", id, "--to", b, as: a)
        #expect(own.status == 77, "\(own)")
        #expect(own.errorLines == ["error: Only a system admin may transfer a session to another user (quire session transfer)."])

        let unknown = try box.run("session", "transfer", id, "--to", "nobody@x.test", as: Sandbox.ops)
        #expect(unknown.status == 67, "\(unknown)")
        let moved = try box.ok("session", "transfer", id, "--to", b, "--reason", "a is on leave", "--json", as: Sandbox.ops).object
        #expect(moved["owner_email"] as? String == b)
        #expect(try box.ok("session", "transfer", String(id.prefix(8)), "--to", a, as: Sandbox.ops).stdout.hasPrefix("Transferred session \(id)"),
                "a system admin may name it by prefix")
        try box.ok("session", "transfer", id, "--to", b, as: Sandbox.ops)

        // The former owner is refused like anyone, and told why when they ask.
        let attempt = try box.run("session", "update", id, "--progress", "10", "--command-id", "a-try", as: a)
        #expect(attempt.status == 66, "\(attempt)")
        let why = try box.ok("explain", "a-try", as: a).stdout
        #expect(why.contains("Rule: Ownership: the session was transferred to \(b) at position"), "\(why)")
        #expect(try box.ok("session", "update", id, "--progress", "10", as: b).status == 0)
        #expect(!(try box.sessions(as: a)).contains { $0["id"] as? String == id })

        // The chain of custody, in the new owner's history.
        let table = try box.ok("history", id, as: b).stdout
        #expect(table.contains("owner \(a) → \(b)") && table.contains("owner \(b) → \(a)"), "\(table)")
        #expect(table.contains("refused session.update (not the owner)"), "\(table)")
        #expect(try box.run("verify").status == 0)
    }

    @Test func theNewOwnersDuplicatesRefuseTheTransferUnlessAllowed() throws {
        let box = try Sandbox()
        try box.setUp()
        let paper = try box.write("p.json", paperJSON(code: "9709/12"))
        let theirs = try box.createSession(paper, as: a)
        let bobs = try box.createSession(paper, as: b)
        let refused = try box.run("session", "transfer", theirs, "--to", b, as: Sandbox.ops)
        #expect(refused.status == 65, "\(refused)")
        #expect(refused.errorLines.first?.contains("already has this file in session \(bobs)") == true, "\(refused)")
        try box.ok("session", "transfer", theirs, "--to", b, "--allow-duplicate", as: Sandbox.ops)
        #expect(try box.sessions(as: b).count == 2)
    }
}

/// Issue 17 §3's offers through the built binary.
@Suite struct OfferTests {
    let a = "a@x.test", b = "b@x.test"

    @Test func anOfferChangesNothingUntilTheRecipientAccepts() throws {
        let box = try Sandbox()
        try box.setUp()
        let id = try box.createSession(try box.write("p.json", paperJSON(code: "9709/12")), as: a)
        let offered = try box.ok("session", "offer", id, "--to", b, as: a).stdout
        #expect(offered.hasPrefix("Offered session \(id)") && offered.contains("it stays yours until they accept."), "\(offered)")
        let list = try box.ok("session", "offers", "--json", as: b).array
        #expect(list.compactMap { $0["id"] as? String } == [id])
        #expect(list.first?["owner_email"] as? String == a)

        // Still a's: b cannot change it yet, a can; someone else cannot accept it.
        #expect(try box.run("session", "update", id, "--progress", "10", as: b).status == 66)
        try box.ok("session", "update", id, "--progress", "10", as: a)
        #expect(try box.run("session", "accept", id, as: Sandbox.ops).status == 66)

        let accepted = try box.ok("session", "accept", id, "--json", as: b).object
        #expect(accepted["owner_email"] as? String == b)
        #expect(try box.run("session", "update", id, "--progress", "20", as: a).status == 66)
        try box.ok("session", "update", id, "--progress", "20", as: b)
        let types = try box.ok("history", id, "--json", as: b).array.compactMap { $0["type"] as? String }
        #expect(types == ["session.created", "session.offered", "access.denied", "session.updated", "access.denied",
                          "session.accepted", "access.denied", "session.updated"])
        #expect(try box.run("verify").status == 0)
    }

    @Test func aDeclinedOfferLeavesTheSessionWithItsOwner() throws {
        let box = try Sandbox()
        try box.setUp()
        let id = try box.createSession(try box.write("p.json", paperJSON(code: "9709/12")), as: a)
        try box.ok("session", "offer", id, "--to", b, as: a)
        let twice = try box.run("session", "offer", id, "--to", b, as: a)
        #expect(twice.status == 65, "\(twice)")
        #expect(try box.ok("session", "decline", id, as: b).stdout == "Declined the offer of session \(id).\n")
        #expect(try box.ok("session", "offers", as: b).stdout == "No sessions are offered to you.\n")
        #expect(try box.run("session", "accept", id, as: b).status == 66, "a declined offer cannot be accepted")
        #expect(try box.sessions(as: a).first?["owner_email"] as? String == a)
    }
}

/// Issue 17 §4's collaborators through the built binary.
@Suite struct CollaborationTests {
    let a = "a@x.test", b = "b@x.test"

    @Test func aColleagueUpdatesASharedSessionUntilItIsUnshared() throws {
        let box = try Sandbox()
        try box.setUp()
        let id = try box.createSession(try box.write("p.json", paperJSON(code: "9709/12")), as: a)
        #expect(try box.ok("session", "share", id, "--with", b, as: a).stdout == "Shared session \(id) \"Mathematics 9709/12 2023\" with \(b) as editor.\n")
        let table = try box.ok("session", "list", as: b).stdout
        #expect(table.contains("\(a) (Shared with you, editor)"), "\(table)")
        #expect(try box.sessions(as: b).first?["shared_with_you"] as? String == "editor")
        try box.ok("session", "update", id, "--progress", "40", as: b)
        #expect(try box.run("session", "delete", id, as: b).status == 66, "only the owner deletes")
        let badRole = try box.run("session", "share", id, "--with", b, "--role", "admin", as: a)
        #expect(badRole.status == 64 && badRole.errorLines == ["error: --role takes editor or viewer, not 'admin'."], "\(badRole)")

        try box.ok("session", "unshare", id, "--with", b, as: a)
        let after = try box.run("session", "update", id, "--progress", "50", as: b)
        #expect(after.status == 66, "\(after)")
        let denied = try box.auditRows(denied: true).compactMap { ($0["payload"] as? [String: Any])?["command"] as? String }
        #expect(denied.prefix(2) == ["session.update", "session.delete"])
        #expect(try box.sessions(as: a).first?["progress"] as? Int == 40)
        #expect(try box.run("verify").status == 0)
    }
}

/// Issue 17 §2's cleanup through the built binary.
@Suite struct CleanupCommandTests {
    @Test func cleanUpTheLegacyRowsWithADryRunFirst() throws {
        let box = try Sandbox()
        try box.setUp()
        let rows = try box.write("legacy.csv", """
            id,created_by,status,json_hash,file_name,created_at,updated_at,last_accessed_at,metadata
            old-1,,in_progress,,old.json,2025-01-10T09:00:00Z,2025-01-10T09:00:00Z,2025-01-10T09:00:00Z,
            old-2,,completed,,older.json,2025-01-09T09:00:00Z,2025-01-09T09:00:00Z,2025-01-09T09:00:00Z,
            """)
        try box.ok("legacy", "import", rows, as: Sandbox.ops)
        let before = try box.eventCount()
        let dry = try box.ok("cleanup", "--legacy", "--dry-run", as: "a@x.test").stdout
        #expect(dry.hasPrefix("Would delete 2 sessions (--legacy):"), "\(dry)")
        #expect(try box.eventCount() == before)
        let done = try box.ok("cleanup", "--legacy", "--command-id", "tidy", "--json", as: "a@x.test").object
        #expect(done["deleted"] as? Int == 2)
        #expect(try box.ok("cleanup", "--legacy", "--command-id", "tidy", as: "a@x.test").stdout
                == "Nothing left to delete for --legacy (command id tidy).\n")
        let none = try box.run("cleanup", as: "a@x.test")
        #expect(none.status == 64 && none.errorLines.count == 1, "\(none)")
        let others = try box.run("cleanup", "--owner", "b@x.test", as: "a@x.test")
        #expect(others.status == 77, "\(others)")
        #expect(try box.run("verify").status == 0)
    }
}
