import Foundation
import Testing

/// Issue 17 §1 through the built binary: `settings`, `sweep`, expired sessions and `session reopen`.
@Suite struct StaleSessionTests {
    let a = "a@x.test", b = "b@x.test"

    @Test func onlyASystemAdminChangesSettingsAndTheRefusalIsRecorded() throws {
        let box = try Sandbox()
        try box.setUp()
        let refused = try box.run("settings", "set", "expire_after", "14d", as: a)
        #expect(refused.status == 77, "\(refused)")
        #expect(refused.errorLines == ["error: Only a system admin may change settings (quire settings set)."])
        let denial = try #require(try box.auditRows(denied: true).first)
        #expect((denial["payload"] as? [String: Any])?["command"] as? String == "settings.set")

        let bad = try box.run("settings", "set", "expire_after", "fortnight", as: Sandbox.ops)
        #expect(bad.status == 65, "\(bad)")
        #expect(bad.errorLines == ["error: expire_after takes a duration of at least 1s (90s, 30m, 8h, 7d) or off, not 'fortnight'."])

        #expect(try box.ok("settings", "set", "expire_after", "14d", as: Sandbox.ops).stdout == "expire_after is now 14d.\n")
        let shown = try box.ok("settings", "--json", as: a).array
        #expect(shown.first?["key"] as? String == "expire_after")
        #expect(shown.first?["value"] as? String == "14d")
        let stored = try #require(try box.auditRows().first)
        #expect(stored["type"] as? String == "setting.changed")
        #expect(stored["stream"] as? String == "settings")
    }

    @Test func aSweepWithoutATimeoutSaysHowToSetOne() throws {
        let box = try Sandbox()
        try box.setUp()
        let none = try box.run("sweep")
        #expect(none.status == 64, "\(none)")
        #expect(none.errorLines == ["error: No stale-session timeout is set: a system admin sets one with quire settings set expire_after 14d, or pass --expire-after."])
        let bare = try box.run("sweep", "--expire-after", "14")
        #expect(bare.status == 64, "\(bare)")
        #expect(bare.errorLines == ["error: --expire-after takes a duration of at least 1s (90s, 30m, 8h, 7d), not '14'."])
        try box.ok("settings", "set", "expire_after", "off", as: Sandbox.ops)
        #expect(try box.ok("sweep", "--expire-after", "1s").stdout
                == "The stale-session timeout is off (expire_after off): nothing expires.\n")
    }

    @Test func aStaleSessionExpiresByTheSweepAndItsOwnerReopensIt() throws {
        let box = try Sandbox()
        try box.setUp()
        let stale = try box.createSession(try box.write("p.json", paperJSON(code: "9709/12")), as: a)
        try box.ok("settings", "set", "expire_after", "1s", as: Sandbox.ops)
        Thread.sleep(forTimeInterval: 1.3)

        // The dry run names it and appends nothing.
        let before = try box.eventCount()
        let dry = try box.ok("sweep", "--dry-run", "--json").object
        #expect(dry["dry_run"] as? Bool == true)
        #expect((dry["expired"] as? [[String: Any]])?.compactMap { $0["session_id"] as? String } == [stale])
        #expect(try box.eventCount() == before)

        let swept = try box.ok("sweep", "--json").object
        let expired = try #require((swept["expired"] as? [[String: Any]])?.first)
        #expect(expired["session_id"] as? String == stale)
        #expect(expired["owner_email"] as? String == a)
        #expect((expired["idle_seconds"] as? Int ?? 0) >= 1)
        #expect(try box.eventCount() == before + 1)
        #expect(try box.ok("sweep").stdout == "No session has been idle longer than 1s; nothing expired.\n", "each session expires once")

        // Its owner still sees it, as expired; it is no longer in progress.
        #expect(try box.sessions(as: a).first?["status"] as? String == "expired")
        #expect(try box.run("session", "resume", as: a).status == 66)
        let update = try box.run("session", "update", stale, "--progress", "10", as: a)
        #expect(update.status == 65, "\(update)")
        #expect(update.errorLines == ["error: Session \(stale) expired after being idle; reopen it first (quire session reopen \(stale)), then it can be updated."])
        let monitor = try box.ok("monitor", as: Sandbox.ops).stdout
        #expect(monitor.contains("0 active, 1 expired, 0 offered and not yet accepted (sessions expire after 1s idle)."), "\(monitor)")

        // Nobody else may reopen it: the answer a missing session gets, and the attempt is recorded.
        let theirs = try box.run("session", "reopen", stale, as: b)
        #expect(theirs.status == 66, "\(theirs)")
        #expect(try box.auditRows(denied: true).first.flatMap { ($0["payload"] as? [String: Any])?["command"] as? String } == "session.reopen")

        let reopened = try box.ok("session", "reopen", stale, "--json", as: a).object
        #expect(reopened["status"] as? String == "in_progress")
        let again = try box.run("session", "reopen", stale, as: a)
        #expect(again.status == 65)
        #expect(again.errorLines == ["error: Session \(stale) is in progress; only an expired session can be reopened."])

        // The history tells the story: the expiry by quire itself, b's refused attempt, the reopening.
        let history = try box.ok("history", stale, "--json", as: a).array
        #expect(history.compactMap { $0["type"] as? String } == ["session.created", "session.expired", "access.denied", "session.reopened"])
        #expect(history[1]["actor_id"] as? String == "system")
        #expect(history[3]["actor_email"] as? String == a)
        #expect(try box.run("verify").status == 0)
    }
}
