import Foundation
import Testing

/// Looking back: the audit trail and its formats, a session's history, replaying views as they
/// were, explaining a command, moving a log with export/import, and verify catching tampering —
/// all through the built `quire` binary.
@Suite struct AuditAndReplayTests {
    let a = "a@x.test", b = "b@x.test"
    static let designAuditFields: Set<String> = [
        "position", "recorded_at", "actor_id", "actor_email", "type", "stream", "session_id", "version", "command_id", "payload",
    ]

    /// A small log: A creates a session, records progress 40 with a note full of commas and
    /// quotes, B creates their own and then tries to open A's (refused), A completes hers.
    struct World {
        var ids: [String: String]
        var session: String          // A's, completed at the end
        var other: String            // B's, in progress
        var paper: String            // the file A's session came from
        static let note = #"a, "quoted" value"#
    }

    func world(_ box: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws -> World {
        let ids = try box.setUp(sourceLocation: sourceLocation)
        let paper = try box.write("a/p.json", paperJSON(code: "9709/12", questions: 4))
        let session = try box.createSession(paper, as: a, extra: ["--command-id", "a-create"], sourceLocation: sourceLocation)
        try box.ok(["session", "update", session, "--progress", "40", "--meta", "note=\(World.note)", "--command-id", "a-update"],
                   as: a, sourceLocation: sourceLocation)
        let other = try box.createSession(try box.write("b/q.json", paperJSON(code: "9702/22", subject: "Physics")), as: b,
                                          sourceLocation: sourceLocation)
        let peek = try box.run("session", "show", session, "--command-id", "b-peek", as: b)
        if peek.status != 66 { Issue.record("expected exit 66:\n\(peek)", sourceLocation: sourceLocation) }
        try box.ok("session", "complete", session, "--command-id", "a-complete", as: a, sourceLocation: sourceLocation)
        return World(ids: ids, session: session, other: other, paper: paper)
    }

    func positions(_ rows: [[String: Any]]) -> [Int] { rows.compactMap { $0["position"] as? Int } }
    func types(_ rows: [[String: Any]]) -> [String] { rows.compactMap { $0["type"] as? String } }

    /// `quire audit ARGS… --json --as USER`, which must succeed.
    func audit(_ box: Sandbox, _ args: [String], as user: String = Sandbox.ops,
               sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let run = try box.ok(["audit", "--json", "--limit", "100000"] + args, as: user, sourceLocation: sourceLocation)
        if run.json as? [Any] == nil { Issue.record("not a JSON array:\n\(run)", sourceLocation: sourceLocation) }
        return run.array
    }

    // MARK: - audit

    @Test func auditFiltersByActorSessionTypeDeniedAndCommand() throws {
        let box = try Sandbox()
        let w = try world(box)
        let all = try box.auditRows()
        #expect(positions(all) == positions(all).sorted(by: >), "newest first")
        // 3 users registered, 2 sessions created, 1 update, 1 denied peek, 1 completion.
        #expect(all.count == 8, "\(types(all))")
        #expect(Set(types(all)) == ["user.registered", "session.created", "session.updated", "access.denied", "session.completed"])

        // --actor by email and by id: the same rows, all A's.
        let byEmail = try audit(box, ["--actor", a]), byID = try audit(box, ["--actor", try #require(w.ids[a])])
        #expect(!byEmail.isEmpty && positions(byEmail) == positions(byID))
        #expect(byEmail.allSatisfy { $0["actor_id"] as? String == w.ids[a] && $0["actor_email"] as? String == a })
        #expect(positions(byEmail) == positions(all.filter { $0["actor_id"] as? String == w.ids[a] }))
        #expect(types(try audit(box, ["--actor", b])).contains("access.denied"))

        // --session: the session's own events and the denied attempt on it, nothing else.
        let session = try audit(box, ["--session", w.session])
        #expect(types(session) == ["session.completed", "access.denied", "session.updated", "session.created"], "\(session)")
        let denial = try #require(session.first { $0["type"] as? String == "access.denied" })
        #expect(denial["actor_email"] as? String == b && denial["command_id"] as? String == "b-peek")
        #expect(session.filter { $0["type"] as? String != "access.denied" }.allSatisfy { $0["session_id"] as? String == w.session })
        #expect(types(try audit(box, ["--session", w.other])) == ["session.created"])

        // --type: a prefix matches a family; a full name matches that type; repeatable.
        let family = try audit(box, ["--type", "session."])
        #expect(positions(family) == positions(all.filter { ($0["type"] as? String)?.hasPrefix("session.") == true }))
        #expect(family.count == 4)
        let denied = try audit(box, ["--type", "access.denied"])
        #expect(types(denied) == ["access.denied"])
        #expect(positions(denied) == positions(try audit(box, ["--denied"])))
        let two = try audit(box, ["--type", "access.denied", "--type", "user.registered"])
        #expect(positions(two) == positions(all.filter { ["access.denied", "user.registered"].contains($0["type"] as? String) }))
        #expect(two.count == 4)
        #expect(try audit(box, ["--type", "session.updated", "--actor", b]).isEmpty)

        // --command: the events of that command id.
        #expect(types(try audit(box, ["--command", "a-update"])) == ["session.updated"])
        #expect(types(try audit(box, ["--command", "b-peek"])) == ["access.denied"])
        #expect(try audit(box, ["--command", "never-sent"]).isEmpty)

        // The table a person reads names the same events.
        let table = try box.ok("audit", "--session", w.session, as: Sandbox.ops).stdout
        #expect(table.contains("session.completed") && table.contains("access.denied") && table.contains(b), "\(table)")
        #expect(!table.contains("user.registered"), "\(table)")
    }

    @Test func auditSinceAndUntilTakeRFC3339AndRelativeTimes() throws {
        let box = try Sandbox()
        _ = try world(box)
        let all = try box.auditRows()
        let stamps = all.compactMap { $0["recorded_at"] as? String }
        #expect(stamps.count == all.count && stamps == stamps.sorted(by: >), "\(stamps)")
        let middle = stamps[stamps.count / 2]

        let since = try audit(box, ["--since", middle]), until = try audit(box, ["--until", middle])
        #expect(positions(since) == positions(all.filter { ($0["recorded_at"] as! String) >= middle }))
        #expect(positions(until) == positions(all.filter { ($0["recorded_at"] as! String) <= middle }))
        #expect(!since.isEmpty && !until.isEmpty && since.count < all.count && until.count < all.count)
        let window = try audit(box, ["--since", middle, "--until", middle])
        #expect(!window.isEmpty && window.allSatisfy { $0["recorded_at"] as? String == middle })

        // The same moment written with an offset selects the same events.
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let printer = ISO8601DateFormatter()
        printer.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        printer.timeZone = TimeZone(secondsFromGMT: 2 * 3600)
        let shifted = printer.string(from: try #require(parser.date(from: middle)))
        #expect(shifted.hasSuffix("+02:00"), "\(shifted)")
        #expect(positions(try audit(box, ["--since", shifted])) == positions(since))

        // Relative times count back from now.
        #expect(positions(try audit(box, ["--since", "1h"])) == positions(all))
        #expect(try audit(box, ["--until", "1h"]).isEmpty)
        #expect(positions(try audit(box, ["--until", "0s"])) == positions(all))

        let bad = try box.run("audit", "--since", "yesterday", as: Sandbox.ops)
        #expect(bad.status == 64 && bad.stderr.hasPrefix("error: ") && bad.stdout.isEmpty, "\(bad)")
    }

    @Test func auditPagesBackWithLimitAndBeforeAndForwardWithAfter() throws {
        let box = try Sandbox()
        _ = try world(box)
        let all = positions(try box.auditRows())

        var pages: [[Int]] = []
        var before: Int?
        while pages.count <= all.count {
            let run = try box.ok(["audit", "--json", "--limit", "3"] + (before.map { ["--before", String($0)] } ?? []), as: Sandbox.ops)
            #expect(run.json as? [Any] != nil, "\(run)")
            let page = positions(run.array)
            if page.isEmpty { break }
            pages.append(page)
            before = page.last
        }
        #expect(pages.allSatisfy { $0.count <= 3 && $0 == $0.sorted(by: >) }, "\(pages)")
        #expect(pages.dropLast().allSatisfy { $0.count == 3 }, "\(pages)")
        #expect(pages.joined().map { $0 } == all, "pages \(pages) vs \(all)")
        #expect(Set(pages.joined()).count == all.count, "pages overlap: \(pages)")
        #expect(pages.count == (all.count + 2) / 3)

        // The same through the plain option spelling a person would type.
        let first = try box.ok("audit", "--json", "--limit", "4", as: Sandbox.ops).array
        #expect(positions(first) == Array(all.prefix(4)))
        let next = try box.ok("audit", "--json", "--limit", "4", "--before", String(try #require(positions(first).last)),
                              as: Sandbox.ops).array
        #expect(positions(next) == Array(all.dropFirst(4).prefix(4)))

        // --after: only later events, still newest first.
        let cut = all[all.count / 2]
        #expect(positions(try audit(box, ["--after", String(cut)])) == all.filter { $0 > cut })
        #expect(positions(try audit(box, ["--after", String(cut - 3), "--before", String(cut + 1)])) == [cut, cut - 1, cut - 2])

        let zero = try box.run("audit", "--limit", "0", as: Sandbox.ops)
        #expect(zero.status == 64, "\(zero)")
    }

    @Test func auditCSVParsesWithARealCSVParser() throws {
        let box = try Sandbox()
        let w = try world(box)
        let all = try box.auditRows()
        let csv = try box.ok("audit", "--format", "csv", "--limit", "1000", as: Sandbox.ops)
        #expect(csv.stdout.hasPrefix("position,recorded_at,actor_id,actor_email,type,stream,session_id,version,command_id,payload\n"))

        let parsed = try SideProcess.run("/usr/bin/env", ["python3", "-c",
            "import csv,sys,json; print(json.dumps(list(csv.DictReader(sys.stdin))))"], stdin: Data(csv.stdout.utf8), in: box)
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: parsed.stdout) as? [[String: String]])
        #expect(rows.count == all.count)
        #expect(Set(rows.first?.keys.map { $0 } ?? []) == Self.designAuditFields)
        for (row, expected) in zip(rows, all) {
            #expect(row["position"] == String(expected["position"] as! Int))
            #expect(row["recorded_at"] == expected["recorded_at"] as? String)
            #expect(row["actor_id"] == expected["actor_id"] as? String)
            #expect(row["actor_email"] == (expected["actor_email"] as? String ?? ""))
            #expect(row["type"] == expected["type"] as? String)
            #expect(row["stream"] == expected["stream"] as? String)
            #expect(row["session_id"] == (expected["session_id"] as? String ?? ""))
            #expect(row["version"] == String(expected["version"] as! Int))
            #expect(row["command_id"] == (expected["command_id"] as? String ?? ""))
            // The payload column is the payload's JSON, commas and quotes intact.
            let payload = try JSONSerialization.jsonObject(with: Data((row["payload"] ?? "").utf8)) as? NSDictionary
            #expect(payload == (expected["payload"] as? NSDictionary), "\(row)")
        }
        let updated = try #require(rows.first { $0["command_id"] == "a-update" })
        #expect(updated["session_id"] == w.session)
        #expect(updated["payload"]?.contains(#"a, \"quoted\" value"#) == true, "\(updated)")
    }

    @Test func auditJSONAndJSONLCarryTheDesignFields() throws {
        let box = try Sandbox()
        let w = try world(box)
        let json = try box.ok("audit", "--json", as: Sandbox.ops)
        let rows = try #require(json.json as? [[String: Any]])
        #expect(rows.count == 8)
        for row in rows { #expect(Set(row.keys) == Self.designAuditFields, "\(row)") }
        let update = try #require(rows.first { $0["command_id"] as? String == "a-update" })
        #expect(update["type"] as? String == "session.updated" && update["session_id"] as? String == w.session)
        #expect(update["actor_email"] as? String == a && update["actor_id"] as? String == w.ids[a])
        #expect(update["stream"] as? String == "session-\(w.session)" && update["version"] as? Int == 2)
        let payload = try #require(update["payload"] as? [String: Any], "the payload is JSON, not a string: \(update)")
        #expect("\(payload)".contains("quoted"))
        #expect(rows.contains { $0["session_id"] is NSNull }, "user events have a null session_id")
        // The format option says the same as --json.
        #expect((try box.ok("audit", "--format", "json", as: Sandbox.ops).json as? NSArray) == (json.json as? NSArray))

        let jsonl = try box.ok("audit", "--format", "jsonl", as: Sandbox.ops)
        let lines = jsonl.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "" && lines.count == rows.count + 1, "one object per line, newline-terminated:\n\(jsonl)")
        let objects = jsonl.jsonLines
        #expect(objects.count == rows.count)
        for (object, row) in zip(objects, rows) {
            #expect(object["unparsable"] == nil, "\(object)")
            #expect(NSDictionary(dictionary: object) == NSDictionary(dictionary: row))
        }
    }

    @Test func anAdminReadsOnlyTheirOwnTrailAndAskingForAnothersIsRecorded() throws {
        let box = try Sandbox()
        let w = try world(box)
        let deniedBefore = try box.auditRows(denied: true)

        let refused = try box.run("audit", "--actor", b, as: a)
        #expect(refused.status == 77, "\(refused)")
        #expect(refused.errorLines.count == 1 && refused.stderr.hasPrefix("error: ") && refused.stdout.isEmpty, "\(refused)")
        let byID = try box.run("audit", "--actor", try #require(w.ids[Sandbox.ops]), "--json", as: a)
        #expect(byID.status == 77 && byID.stdout.isEmpty, "\(byID)")

        let deniedAfter = try box.auditRows(denied: true)
        #expect(deniedAfter.count == deniedBefore.count + 2, "\(deniedAfter)")
        let newest = try #require(deniedAfter.first)
        #expect(newest["actor_email"] as? String == a)
        #expect((newest["payload"] as? [String: Any])?["reason"] as? String == "role", "\(newest)")

        // A's plain audit: only A's own actions, refusals included.
        let own = try audit(box, [], as: a)
        #expect(!own.isEmpty && own.allSatisfy { $0["actor_id"] as? String == w.ids[a] }, "\(own)")
        #expect(positions(own) == positions(try audit(box, ["--actor", a])))
        #expect(types(own).filter { $0 == "access.denied" }.count == 2)
        // Asking for oneself is fine; filters still apply within one's own trail.
        #expect(positions(try audit(box, ["--actor", a], as: a)) == positions(own))
        #expect(try audit(box, ["--session", w.session], as: a).allSatisfy { $0["actor_id"] as? String == w.ids[a] })
        #expect(try audit(box, ["--session", w.other], as: a).isEmpty)
        let table = try box.ok("audit", as: a).stdout
        #expect(!table.contains(b) && !table.contains(Sandbox.ops), "\(table)")
    }

    @Test(.timeLimit(.minutes(1)))
    func auditFollowPrintsEachNewMatchingEventOnceInOrder() throws {
        let box = try Sandbox()
        let w = try world(box)
        let backlog = try audit(box, ["--type", "session."]).reversed() as [[String: Any]]
        let follower = try box.start(["audit", "--follow", "--format", "jsonl", "--type", "session."], as: Sandbox.ops)
        let lines = LineCollector(follower)
        defer { lines.stop() }

        let start = lines.wait(for: backlog.count, seconds: 5)
        #expect(positions(start.map(parse)) == positions(backlog), "the backlog comes first, oldest first: \(start)")
        let last = try #require(positions(backlog).last)

        // Other processes commit: matching events, and some that do not match (a user, a denial).
        let fresh = try box.createSession(try box.write("a/fresh.json", paperJSON(code: "9709/32")), as: a)
        try box.ok("user", "add", "c@x.test", as: Sandbox.ops)
        try box.ok("session", "update", fresh, "--progress", "10", as: a)
        _ = try box.run("session", "show", fresh, as: b)
        try box.ok("session", "update", w.other, "--step", "review", as: b)
        let submitted = try box.run(["submit", "-"], as: a, stdin: """
            {"type":"session.update","session_id":"\(fresh)","progress":60,"command_id":"f-1"}
            {"type":"session.complete","session_id":"\(fresh)","command_id":"f-2"}

            """)
        #expect(submitted.status == 0, "\(submitted)")

        let expected = try audit(box, ["--type", "session.", "--after", String(last)]).reversed() as [[String: Any]]
        #expect(expected.count == 5, "\(expected)")
        let got = lines.wait(for: backlog.count + expected.count, seconds: 6)
        Thread.sleep(forTimeInterval: 1.2)  // a couple more polls: nothing may come twice
        let final = lines.snapshot.dropFirst(backlog.count).map(parse)
        #expect(got.count >= backlog.count + expected.count, "timed out: \(got)")
        #expect(positions(final) == positions(expected), "followed \(final) vs log \(expected)")
        #expect(types(final) == types(expected))
        #expect(final.allSatisfy { ($0["type"] as? String)?.hasPrefix("session.") == true })
        for (line, row) in zip(final, expected) {
            #expect(NSDictionary(dictionary: line) == NSDictionary(dictionary: row))
        }
        #expect(follower.process.isRunning, "follow keeps running until stopped")
    }

    func parse(_ line: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? ["unparsable": line]
    }

    // MARK: - history

    @Test func historyListsEachEventWithTheStateAfterIt() throws {
        let box = try Sandbox()
        let w = try world(box)
        let entries = try box.ok("history", w.session, "--json", as: a).array
        #expect(types(entries) == ["session.created", "session.updated", "access.denied", "session.completed"], "\(entries)")
        #expect(positions(entries) == positions(entries).sorted() && Set(positions(entries)).count == 4)
        #expect(positions(entries) == positions(try audit(box, ["--session", w.session])).reversed())
        #expect(entries.map { $0["actor_email"] as? String } == [a, a, b, a])
        let statuses = entries.map { ($0["state"] as? [String: Any])?["status"] as? String }
        #expect(statuses == ["in_progress", "in_progress", "in_progress", "completed"], "\(statuses)")
        #expect(entries.map { ($0["state"] as? [String: Any])?["progress"] as? Int } == [0, 40, 40, 100])

        let changes = entries[1]["changes"] as? [[String: Any]] ?? []
        let progress = try #require(changes.first { $0["field"] as? String == "progress" }, "\(changes)")
        #expect(progress["from"] as? Int == 0 && progress["to"] as? Int == 40)
        let note = changes.first { $0["field"] as? String == "metadata.note" }
        #expect(note?["from"] is NSNull && note?["to"] as? String == World.note, "\(changes)")
        #expect((entries[2]["changes"] as? [Any])?.isEmpty == true && entries[2]["command_id"] as? String == "b-peek")
        let completion = entries[3]["changes"] as? [[String: Any]] ?? []
        #expect(completion.contains { $0["field"] as? String == "status" && $0["from"] as? String == "in_progress"
                                      && $0["to"] as? String == "completed" }, "\(completion)")

        let table = try box.ok("history", w.session, as: a).stdout
        #expect(table.contains("progress 0 → 40"), "\(table)")
        #expect(table.contains("refused") && table.contains(b), "\(table)")
        #expect(table.contains("completed"), "\(table)")
        // The system admin reads it too; it is the same history.
        #expect(positions(try box.ok("history", w.session, "--json", as: Sandbox.ops).array) == positions(entries))
    }

    @Test func historyOfADeletedSessionIsForItsOwnerAndSystemAdminsOnly() throws {
        let box = try Sandbox()
        let w = try world(box)
        let gone = try box.createSession(try box.write("a/gone.json", paperJSON(code: "9709/42")), as: a)
        try box.ok("session", "update", gone, "--progress", "20", as: a)
        try box.ok("session", "delete", gone, "--reason", "wrong paper", as: a)

        let own = try box.ok("history", gone, "--json", as: a).array
        #expect(types(own) == ["session.created", "session.updated", "session.deleted"], "\(own)")
        #expect((own.last?["state"] as? [String: Any])?["status"] as? String == "deleted", "\(own)")
        #expect(positions(try box.ok("history", gone, "--json", as: Sandbox.ops).array) == positions(own))

        // B: the answer a missing session gets, and the attempt is recorded.
        let before = try box.eventCount()
        let refused = try box.run("history", gone, "--json", as: b)
        let missing = try box.run("history", "00000000-0000-4000-8000-000000000000", "--json", as: b)
        #expect(refused.status == 66 && refused.stdout.isEmpty && refused.errorLines.count == 1, "\(refused)")
        #expect(missing.status == 66, "\(missing)")
        #expect(refused.stderr.replacingOccurrences(of: gone, with: "ID")
                == missing.stderr.replacingOccurrences(of: "00000000-0000-4000-8000-000000000000", with: "ID"),
                "history leaks existence:\n\(refused)\n\(missing)")
        #expect(try box.eventCount() == before + 1)
        let denial = try #require(try box.auditRows(denied: true).first)
        #expect(denial["actor_email"] as? String == b)
        #expect((denial["payload"] as? [String: Any])?["target"] as? String == "session-\(gone)", "\(denial)")
        #expect((denial["payload"] as? [String: Any])?["reason"] as? String == "not_owner", "\(denial)")

        // The denied attempt is part of the session's history now.
        let after = try box.ok("history", gone, "--json", as: a).array
        #expect(types(after) == ["session.created", "session.updated", "session.deleted", "access.denied"], "\(after)")
        #expect(after.last?["actor_email"] as? String == b)
        // B's refusal on A's live session also stands; and B's own session is B's.
        #expect(try box.run("history", w.session, as: b).status == 66)
        #expect(try box.run("history", w.other, "--json", as: b).status == 0)
    }

    // MARK: - replay

    @Test func replayShowsTheSessionsAsTheyWereAtAPositionOrTime() throws {
        let box = try Sandbox()
        let w = try world(box)
        let all = try box.auditRows()
        let completion = try #require(all.first { $0["type"] as? String == "session.completed" }?["position"] as? Int)
        let head = try #require(positions(all).first)

        func sessionsView(_ args: [String], as user: String) throws -> (position: Int?, status: String?, raw: NSDictionary?) {
            let run = try box.ok(["replay", "--view", "sessions", "--json"] + args, as: user)
            let mine = run.object["sessions"] as? [[String: Any]] ?? []
            return (run.object["position"] as? Int, mine.first { $0["id"] as? String == w.session }?["status"] as? String,
                    run.json as? NSDictionary)
        }
        let justBefore = try sessionsView(["--until-position", String(completion - 1)], as: a)
        #expect(justBefore.position == completion - 1 && justBefore.status == "in_progress", "\(String(describing: justBefore.raw))")
        let at = try sessionsView(["--until-position", String(completion)], as: a)
        #expect(at.position == completion && at.status == "completed")
        let later = try sessionsView(["--until-position", String(head + 50)], as: a)
        #expect(later.position == head && later.status == "completed")
        // B's list then never holds A's session.
        #expect(try sessionsView(["--until-position", String(completion)], as: b).status == nil)
        let early = try box.ok("replay", "--until-position", String(completion - 1), "--view", "sessions", "--json", as: a).object
        #expect((early["sessions"] as? [[String: Any]])?.first { $0["id"] as? String == w.session }?["progress"] as? Int == 40)

        // --until-time with an event's recorded_at replays through the last event recorded by then.
        for row in all where [completion - 1, completion].contains(row["position"] as? Int) {
            let time = try #require(row["recorded_at"] as? String)
            let through = try #require(all.filter { ($0["recorded_at"] as! String) <= time }.compactMap { $0["position"] as? Int }.max())
            let byTime = try sessionsView(["--until-time", time], as: a)
            let byPosition = try sessionsView(["--until-position", String(through)], as: a)
            #expect(byTime.position == through)
            #expect(byTime.raw == byPosition.raw, "\(time): \(String(describing: byTime.raw)) vs \(String(describing: byPosition.raw))")
        }

        // A person's view says the same.
        let table = try box.ok("replay", "--until-position", String(completion - 1), as: a).stdout
        #expect(table.contains("As of position \(completion - 1)") && table.contains("in_progress"), "\(table)")
    }

    @Test func replayMonitorAndDuplicatesAreForSystemAdmins() throws {
        let box = try Sandbox()
        let w = try world(box)
        let again = try box.createSession(w.paper, as: a, extra: ["--allow-duplicate"])
        let all = try box.auditRows()
        let completion = try #require(all.first { $0["type"] as? String == "session.completed" }?["position"] as? Int)
        let head = try #require(positions(all).first)

        func monitorIDs(_ position: Int) throws -> [String] {
            let result = try box.ok("replay", "--until-position", String(position), "--view", "monitor", "--json", as: Sandbox.ops).object
            return (result["monitor"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        }
        #expect(Set(try monitorIDs(completion - 1)) == [w.session, w.other])
        #expect(Set(try monitorIDs(completion)) == [w.other])
        #expect(Set(try monitorIDs(head)) == [w.other, again])
        let monitorTable = try box.ok("replay", "--until-position", String(completion - 1), "--view", "monitor", as: Sandbox.ops).stdout
        #expect(monitorTable.contains(w.session) && monitorTable.contains(a), "\(monitorTable)")

        func groups(_ position: Int) throws -> [[String: Any]] {
            let result = try box.ok("replay", "--until-position", String(position), "--view", "duplicates", "--json", as: Sandbox.ops)
            return result.object["duplicates"] as? [[String: Any]] ?? []
        }
        let now = try groups(head)
        let mine = try #require(now.first { $0["owner_email"] as? String == a }, "\(now)")
        #expect(Set(mine["sessions"] as? [String] ?? []) == [w.session, again])
        #expect(now.first { $0["owner_email"] as? String == b }?["sessions"] as? [String] == [w.other])
        #expect(try groups(head - 1).first { $0["owner_email"] as? String == a }?["sessions"] as? [String] == [w.session])

        // An admin may replay their own list, but not the monitor or the duplicate index.
        let before = try box.auditRows(denied: true).count
        for view in ["monitor", "duplicates"] {
            let refused = try box.run("replay", "--until-position", String(head), "--view", view, "--json", as: a)
            #expect(refused.status == 77 && refused.stdout.isEmpty && refused.stderr.hasPrefix("error: "), "\(refused)")
        }
        let ownersOther = try box.run("replay", "--until-position", String(head), "--view", "sessions", "--for", b, as: a)
        #expect(ownersOther.status == 77, "\(ownersOther)")
        #expect(try box.auditRows(denied: true).count == before + 3)
        let both = try box.run("replay", "--until-position", "3", "--until-time", "1h", as: a)
        #expect(both.status == 64, "\(both)")
    }

    // MARK: - explain

    @Test func explainSaysWhatACommandDidOrWhyItWasRefused() throws {
        let box = try Sandbox()
        let w = try world(box)

        let accepted = try box.ok("explain", "a-update", "--json", as: a).object
        #expect(accepted["outcome"] as? String == "accepted" && accepted["command_id"] as? String == "a-update", "\(accepted)")
        let events = accepted["events"] as? [[String: Any]] ?? []
        #expect(types(events) == ["session.updated"] && events.first?["session_id"] as? String == w.session, "\(events)")
        #expect(positions(events) == positions(try audit(box, ["--command", "a-update"])))
        let text = try box.ok("explain", "a-update", as: a).stdout
        #expect(text.contains("accepted") && text.contains("session.updated"), "\(text)")

        let denied = try box.ok("explain", "b-peek", "--json", as: Sandbox.ops).object
        #expect(denied["outcome"] as? String == "denied", "\(denied)")
        #expect((denied["reason"] as? String ?? "").lowercased().contains("owner"), "\(denied)")
        let facts = denied["facts"] as? [String: Any] ?? [:]
        #expect(facts["session_owner_email"] as? String == a, "\(facts)")
        #expect(facts["session_owner"] as? String == w.ids[a] && facts["session_status"] as? String == "in_progress", "\(facts)")
        #expect(facts["actor"] as? String == b, "\(facts)")
        #expect(types(denied["events"] as? [[String: Any]] ?? []) == ["access.denied"])
        let why = try box.ok("explain", "b-peek", as: Sandbox.ops).stdout
        #expect(why.contains("refused") && why.contains("session_owner_email: \(a)"), "\(why)")

        let unknown = try box.ok("explain", "no-such-command", "--json", as: Sandbox.ops).object
        #expect(unknown["outcome"] as? String == "unknown" && (unknown["events"] as? [Any])?.isEmpty == true, "\(unknown)")
        #expect(!(unknown["reason"] as? String ?? "").isEmpty)
    }

    /// An admin may explain their own commands, a refused one too; but a refusal on someone
    /// else's session must not tell them what `session show` would not: that it exists, whose it
    /// is, or its status (DESIGN §4: exit 66 means "no such session (also: not yours)").
    @Test func explainingOnesOwnRefusedAttemptDoesNotRevealTheSessionsOwner() throws {
        let box = try Sandbox()
        let w = try world(box)
        let own = try box.run("explain", "b-peek", "--json", as: b)
        #expect(own.status == 0, "\(own)")
        let facts = own.object["facts"] as? [String: Any] ?? [:]
        for leaked in ["session_owner", "session_owner_email", "session_status"] {
            #expect(facts[leaked] == nil, "explain tells B \(leaked) = \(facts[leaked] ?? "")")
        }
        let text = try box.run("explain", "b-peek", as: b)
        let ownerID = try #require(w.ids[a])
        #expect(!text.stdout.contains(a) && !text.stdout.contains(ownerID), "\(text)")
        // Another user's command stays theirs to explain.
        let others = try box.run("explain", "a-update", as: b)
        #expect(others.status == 77 && others.stdout.isEmpty, "\(others)")
    }

    // MARK: - export and import

    func sqlite(_ db: String, _ sql: String, in box: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws -> Data {
        let run = try SideProcess.run("/usr/bin/env", ["sqlite3", db, sql], in: box)
        if run.status != 0 { Issue.record("sqlite3 \(sql) failed: \(run.stderr)", sourceLocation: sourceLocation) }
        return run.stdout
    }

    func exportLines(_ box: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let export = try box.ok("export", as: Sandbox.ops, sourceLocation: sourceLocation)
        #expect(export.stdout.hasSuffix("\n"), sourceLocation: sourceLocation)
        return export.stdout.split(separator: "\n").map(String.init)
    }

    /// Imports CONTENTS into a fresh database file of the sandbox; returns the run and that path.
    func importInto(_ box: Sandbox, _ name: String, _ contents: String) throws -> (run: QuireRun, db: String) {
        let file = try box.write("\(name).jsonl", contents)
        let db = box.directory.appendingPathComponent("\(name).sqlite").path
        return (try box.run("import", file, "--db", db), db)
    }

    func leftBehind(_ db: String) -> [String] {
        ["", "-wal", "-shm", "-journal"].map { db + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    @Test func exportThenImportGivesAByteIdenticalLog() throws {
        let box = try Sandbox()
        _ = try world(box)
        let file = box.directory.appendingPathComponent("log.jsonl").path
        let export = try box.ok("export", "-o", file, as: Sandbox.ops)
        #expect(export.stdout.contains("Exported 8 events"), "\(export)")
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 9 && lines.last?.hasPrefix(#"{"export_end""#) == true, "\(lines)")
        #expect(try exportLines(box).joined(separator: "\n") == lines.joined(separator: "\n"), "stdout and -o agree")

        let copy = box.directory.appendingPathComponent("copy.sqlite").path
        let imported = try box.run("import", file, "--db", copy, "--json")
        #expect(imported.status == 0, "\(imported)")
        #expect(imported.object["events"] as? Int == 8, "\(imported)")

        let everything = "SELECT * FROM events ORDER BY position"
        let hashes = "SELECT position, hex(prev_hash), hex(hash) FROM events ORDER BY position"
        let original = try sqlite(box.database, everything, in: box), copied = try sqlite(copy, everything, in: box)
        #expect(!original.isEmpty && original == copied)
        let originalHashes = try sqlite(box.database, hashes, in: box)
        #expect(String(decoding: originalHashes, as: UTF8.self).split(separator: "\n").count == 8)
        #expect(originalHashes == (try sqlite(copy, hashes, in: box)))

        let verify = try box.run("verify", "--db", copy, "--json")
        #expect(verify.status == 0 && verify.object["ok"] as? Bool == true, "\(verify)")
        // The projections were rebuilt: the copy answers like the original.
        #expect((try box.ok("session", "list", "--json", "--db", copy, as: a).json as? NSArray)
                == (try box.ok("session", "list", "--json", as: a).json as? NSArray))
        // A stdin import works the same.
        let viaStdin = box.directory.appendingPathComponent("stdin.sqlite").path
        #expect(try box.run(["import", "-", "--db", viaStdin], stdin: try String(contentsOfFile: file, encoding: .utf8)).status == 0)
        #expect(try sqlite(viaStdin, everything, in: box) == original)

        let refused = try box.run("export", as: a)
        #expect(refused.status == 77 && refused.stdout.isEmpty, "\(refused)")
    }

    @Test func importRefusesATamperedExportNamingTheLine() throws {
        let box = try Sandbox()
        _ = try world(box)
        let lines = try exportLines(box)
        let index = try #require(lines.firstIndex { $0.contains(#""type":"session.updated""#) })
        let line = lines[index]
        let payloadStart = try #require(line.range(of: #""payload":""#))
        let word = try #require(line.range(of: "quoted", range: payloadStart.upperBound..<line.endIndex), "\(line)")
        var tampered = lines
        tampered[index] = line.replacingCharacters(in: word, with: "quotes")
        #expect(tampered[index].count == line.count && tampered[index] != line)

        let (run, db) = try importInto(box, "tampered", tampered.joined(separator: "\n") + "\n")
        #expect(run.status == 65, "\(run)")
        #expect(run.stderr.hasPrefix("error: ") && run.stderr.contains("Line \(index + 1)"), "\(run)")
        #expect(!run.stderr.contains("Line \(index + 2)"))
        #expect(leftBehind(db).isEmpty, "a refused import left \(leftBehind(db))")
    }

    @Test func importRefusesATruncatedExportOrANonEmptyDatabase() throws {
        let box = try Sandbox()
        _ = try world(box)
        let lines = try exportLines(box)
        let lastEvent = lines[lines.count - 2]
        let cases: [(name: String, contents: String)] = [
            ("no-end-line", lines.dropLast().joined(separator: "\n") + "\n"),
            ("no-last-event", (lines.dropLast(2) + [lines.last!]).joined(separator: "\n") + "\n"),
            ("cut-mid-line", lines.dropLast(2).joined(separator: "\n") + "\n" + lastEvent.prefix(lastEvent.count / 2)),
            ("cut-mid-end-line", lines.dropLast().joined(separator: "\n") + "\n" + lines.last!.prefix(12)),
            ("empty", ""),
        ]
        for c in cases {
            let (run, db) = try importInto(box, c.name, c.contents)
            #expect(run.status == 65, "\(c.name): \(run)")
            #expect(run.errorLines.count == 1 && run.stderr.hasPrefix("error: "), "\(c.name): \(run)")
            #expect(leftBehind(db).isEmpty, "\(c.name) left \(leftBehind(db))")
        }

        // Into a database that already holds events: refused, and nothing is added.
        let count = try box.eventCount()
        let whole = try box.write("whole.jsonl", lines.joined(separator: "\n") + "\n")
        let refused = try box.run("import", whole)
        #expect(refused.status == 65 && refused.stderr.contains("empty"), "\(refused)")
        #expect(try box.eventCount() == count)
        #expect(try box.run("verify").status == 0)
    }

    // MARK: - verify

    @Test func verifyNamesTheTamperedPosition() throws {
        let box = try Sandbox()
        _ = try world(box)
        #expect(try box.run("verify").status == 0)
        let k = try #require(try audit(box, ["--command", "a-update"]).first?["position"] as? Int)

        // The log refuses an UPDATE while its trigger stands.
        let blocked = try SideProcess.run("/usr/bin/env", ["sqlite3", box.database,
            "UPDATE events SET payload = replace(payload, 'quoted', 'quotes') WHERE position = \(k)"], in: box)
        #expect(blocked.status != 0, "the events_no_update trigger let an UPDATE through")
        #expect(try box.run("verify").status == 0)

        _ = try sqlite(box.database, """
            DROP TRIGGER events_no_update;
            UPDATE events SET payload = replace(payload, 'quoted', 'quotes') WHERE position = \(k);
            """, in: box)
        #expect(String(decoding: try sqlite(box.database, "SELECT payload FROM events WHERE position = \(k)", in: box),
                       as: UTF8.self).contains("quotes"))

        let verify = try box.run("verify")
        #expect(verify.status == 1, "\(verify)")
        #expect(verify.stdout.contains("BROKEN at position \(k)"), "\(verify)")
        let report = try box.run("verify", "--json")
        #expect(report.status == 1, "\(report)")
        #expect(report.object["ok"] as? Bool == false && report.object["chain_intact"] as? Bool == false, "\(report)")
        #expect((report.object["chain_fault"] as? [String: Any])?["position"] as? Int == k, "\(report)")
    }

    @Test func verifyFindsAProjectionThatDriftedAndRebuildRepairsIt() throws {
        let box = try Sandbox()
        let w = try world(box)
        let honest = try #require(try box.ok("session", "show", w.session, "--json", as: a).object["progress"] as? Int)
        #expect(honest != 99)
        _ = try sqlite(box.database, "UPDATE session_views SET progress = 99 WHERE session_id = '\(w.session)'", in: box)
        #expect(try box.ok("session", "show", w.session, "--json", as: a).object["progress"] as? Int == 99, "the tamper took")

        let verify = try box.run("verify")
        #expect(verify.status == 1, "\(verify)")
        #expect(verify.stdout.contains("Chain intact"), "\(verify)")
        #expect(verify.stdout.contains("DIFFERS in session_views"), "\(verify)")
        let report = try box.run("verify", "--json")
        #expect(report.status == 1 && report.object["ok"] as? Bool == false && report.object["chain_intact"] as? Bool == true)
        let checks = report.object["projections"] as? [[String: Any]] ?? []
        let drifted = checks.filter { $0["matches"] as? Bool == false }
        #expect(drifted.count == 1 && drifted.first?["table"] as? String == "session_views", "\(checks)")

        let rebuild = try box.run("rebuild")
        #expect(rebuild.status == 0, "\(rebuild)")
        let again = try box.run("verify", "--json")
        #expect(again.status == 0 && again.object["ok"] as? Bool == true, "\(again)")
        #expect(try box.ok("session", "show", w.session, "--json", as: a).object["progress"] as? Int == honest)
    }
}

/// Running another program (python3, sqlite3) on the side, output through files.
enum SideProcess {
    static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil,
                    in box: Sandbox) throws -> (status: Int32, stdout: Data, stderr: String) {
        let id = UUID().uuidString
        let out = box.directory.appendingPathComponent(".helper-\(id).out"), err = box.directory.appendingPathComponent(".helper-\(id).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        if let stdin {
            let input = box.directory.appendingPathComponent(".helper-\(id).in")
            try stdin.write(to: input)
            process.standardInput = try FileHandle(forReadingFrom: input)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return (process.terminationStatus, try Data(contentsOf: out), String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }
}

/// Collects a running process's stdout lines on a background thread, so a test can wait for
/// them with a deadline instead of blocking forever on a read.
final class LineCollector: @unchecked Sendable {
    // @unchecked: `lines` is only touched under `lock`; `running` is read only by the reader thread until `stop`.
    private let lock = NSLock()
    private var lines: [String] = []
    private let running: RunningQuire

    init(_ running: RunningQuire) {
        self.running = running
        let thread = Thread { [self] in
            while let line = running.readLine() { lock.withLock { lines.append(line) } }
        }
        thread.start()
    }

    var snapshot: [String] { lock.withLock { lines } }

    /// Waits until at least `count` lines came or `seconds` passed; returns what came.
    func wait(for count: Int, seconds: Double) -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let now = snapshot
            if now.count >= count { return now }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return snapshot
    }

    /// Terminates the process (SIGTERM) and waits for it.
    func stop() {
        if running.process.isRunning { running.process.terminate() }
        running.process.waitUntilExit()
        try? running.input.close()
    }
}
