import Foundation
import Testing

/// Tamper evidence: someone with the sqlite3 shell drops the triggers and edits the log. Whatever
/// column of whichever row they change — or if they swap two rows' contents, or forge a row at
/// the end — `verify` exits 1 and names the first position that no longer checks out.
@Suite(.enabled(if: SQLiteShell.available, "needs the sqlite3 shell"))
struct TamperTests {
    static let a = "a@x.test"

    /// One log built once and copied for each tampering (building it is the slow part).
    static let shared = Result { try log() }

    /// A copy of the shared log's database file in its sandbox, to tamper with.
    static func copy(_ name: String) throws -> String {
        let box = try shared.get()
        let path = box.directory.appendingPathComponent("\(name)-\(UUID().uuidString).sqlite").path
        try FileManager.default.copyItem(atPath: box.database, toPath: path)
        return path
    }

    /// A log of a few dozen events: users, sessions, updates, a completion, a deletion, a denial.
    static func log() throws -> Sandbox {
        let box = try Sandbox()
        try box.setUp(admins: [a, "b@x.test"])
        let first = try box.createSession(try box.write("p1.json", paperJSON(code: "T/1", questions: 6)), as: a)
        let second = try box.createSession(try box.write("p2.json", paperJSON(code: "T/2")), as: a)
        for p in [10, 30, 60] { try box.ok("session", "update", first, "--progress", "\(p)", "--meta", "p=\(p)", as: a) }
        try box.ok("session", "complete", first, "--questions-imported", "6", as: a)
        _ = try box.run("session", "show", second, as: "b@x.test")  // denied, recorded
        try box.ok("session", "delete", second, "--reason", "wrong paper", as: a)
        try box.ok("session", "update", try box.createSession(try box.write("p3.json", paperJSON(code: "T/3")), as: a),
                   "--step", "review", as: a)
        try box.ok("verify")
        try box.sqlite("PRAGMA wal_checkpoint(TRUNCATE);")
        return box
    }

    /// One way to tamper with the row at `position` of a log of `count` rows.
    struct Tampering: CustomStringConvertible, Sendable {
        var name: String
        /// The position verify must name.
        var faultAt: @Sendable (_ position: Int, _ count: Int) -> Int
        var sql: @Sendable (_ position: Int, _ count: Int) -> String
        /// A known bug that makes verify miss this tampering at some positions (reported to the lead).
        var knownBug: String?
        var description: String { name }

        init(name: String, knownBug: String? = nil, faultAt: @escaping @Sendable (Int, Int) -> Int = { p, _ in p },
             sql: @escaping @Sendable (_ position: Int, _ count: Int) -> String) {
            self.name = name
            self.knownBug = knownBug
            self.faultAt = faultAt
            self.sql = sql
        }
    }

    /// BUG (reported): verify replays the log into a fresh database before it reports the chain;
    /// a row the replay cannot take (a version or position out of sequence, a type or schema
    /// whose payload does not decode) makes verify fail with that error — exit 1 or 65, no
    /// position named — instead of "Chain BROKEN at position N".

    static let dropTriggers = "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; DROP TRIGGER events_gapless;"

    static let tamperings: [Tampering] = [
        .init(name: "payload") { p, _ in "UPDATE events SET payload = replace(payload, '\"session_id\"', '\"session_id\" ') || ' ' WHERE position = \(p);" },
        .init(name: "actor") { p, _ in "UPDATE events SET actor = 'mallory' WHERE position = \(p);" },
        .init(name: "recorded_at") { p, _ in "UPDATE events SET recorded_at = '2020-01-01T00:00:00.000Z' WHERE position = \(p);" },
        .init(name: "command_id") { p, _ in "UPDATE events SET command_id = 'forged-\(p)' WHERE position = \(p);" },
        .init(name: "stream") { p, _ in "UPDATE events SET stream = stream || '-x' WHERE position = \(p);" },
        .init(name: "version") { p, _ in "UPDATE events SET version = version + 1000 WHERE position = \(p);" },
        .init(name: "type") { p, _ in
            "UPDATE events SET type = CASE type WHEN 'session.accessed' THEN 'session.completed' ELSE 'session.accessed' END WHERE position = \(p);"
        },
        .init(name: "schema") { p, _ in "UPDATE events SET schema = schema + 1 WHERE position = \(p);" },
        .init(name: "event_id") { p, _ in "UPDATE events SET event_id = lower(hex(randomblob(16))) WHERE position = \(p);" },
        .init(name: "prev_hash") { p, _ in "UPDATE events SET prev_hash = randomblob(32) WHERE position = \(p);" },
        .init(name: "hash") { p, _ in "UPDATE events SET hash = randomblob(32) WHERE position = \(p);" },
        .init(name: "position (moved away)") { p, _ in "UPDATE events SET position = position + 100000 WHERE position = \(p);" },
        // INTEGER PRIMARY KEY rows cannot trade places, so trade everything but the position.
        .init(name: "two rows' contents swapped", faultAt: { p, count in min(p, p == count ? p - 1 : p + 1) }) { p, count in
            let q = p == count ? p - 1 : p + 1
            return """
                CREATE TEMP TABLE saved AS SELECT * FROM events WHERE position IN (\(p), \(q));
                UPDATE events SET event_id = 'tmp-' || event_id, stream = 'tmp-' || stream WHERE position IN (\(p), \(q));
                UPDATE events SET (stream, version, type, schema, event_id, actor, command_id, recorded_at, payload, prev_hash, hash) =
                    (SELECT stream, version, type, schema, event_id, actor, command_id, recorded_at, payload, prev_hash, hash
                     FROM saved WHERE saved.position = CASE events.position WHEN \(p) THEN \(q) ELSE \(p) END)
                WHERE position IN (\(p), \(q));
                """
        },
    ]

    @Test(arguments: tamperings)
    func verifyNamesTheTamperedPosition(_ tampering: Tampering) throws {
        let box = try Self.shared.get()
        let count = try box.countEvents()
        try #require(count > 10)
        // The first row, one in the middle and the last.
        for position in [1, count / 2, count] {
            let copy = try Self.copy("tampered-\(position)")
            let edit = try box.sqlite(Self.dropTriggers + tampering.sql(position, count), database: copy)
            try #require(edit.status == 0 && edit.err.isEmpty, "the tampering itself failed: \(edit.err)")
            let expected = tampering.faultAt(position, count)
            let check = {
                let verify = try box.run("verify", "--json", "--db", copy)
                #expect(verify.status == 1, "\(tampering) at \(position): \(verify)")
                let fault = verify.object["chain_fault"] as? [String: Any]
                #expect(fault?["position"] as? Int == expected, "\(tampering) at \(position): verify must name position \(expected)\n\(verify)")
                #expect(verify.object["chain_intact"] as? Bool == false, "\(verify)")
                if position == count / 2 {
                    // The sentence a person reads names it too.
                    let human = try box.run("verify", "--db", copy)
                    #expect(human.status == 1 && human.stdout.contains("position \(expected)"), "\(tampering) at \(position): \(human)")
                }
            }
            if let bug = tampering.knownBug {
                // Intermittent: the bug bites only where the replay trips over the row (not at every position).
                withKnownIssue(Comment(rawValue: bug), isIntermittent: true) { try check() }
            } else {
                try check()
            }
        }
    }

    @Test func theShellCannotEditOrDeleteEventsWhileTheTriggersStand() throws {
        let box = try Self.log()  // its own: this test writes to it
        let before = try box.sqliteValue("SELECT group_concat(hex(hash), '') FROM events;")
        for sql in ["UPDATE events SET actor = 'mallory' WHERE position = 3;", "DELETE FROM events WHERE position = 3;",
                    "DELETE FROM events;", "INSERT INTO events SELECT position + 5, stream, version + 5, type, schema, event_id || 'x', actor, command_id, recorded_at, payload, prev_hash, hash FROM events WHERE position = (SELECT max(position) FROM events);"] {
            let r = try box.sqlite(sql)
            #expect(r.err.contains("quire:"), "\(sql) was not refused: \(r)")
        }
        #expect(try box.sqliteValue("SELECT group_concat(hex(hash), '') FROM events;") == before)
        try box.ok("verify")
    }

    @Test func aForgedRowAtTheEndIsNamed() throws {
        let box = try Self.shared.get()
        let db = try Self.copy("forged")
        let count = try box.countEvents(database: db)
        // Well-formed in every column, with the right prev_hash, but a hash that was not computed.
        try box.sqlite("""
            INSERT INTO events(position, stream, version, type, schema, event_id, actor, command_id, recorded_at, payload, prev_hash, hash)
            SELECT position + 1, 'security', (SELECT count(*) FROM events WHERE stream = 'security') + 1, 'access.denied', 1,
                   lower(hex(randomblob(16))), actor, 'forged', recorded_at,
                   '{"command":"session.access","reason":"not_owner","target":"session-x"}', hash, randomblob(32)
            FROM events WHERE position = \(count);
            """, database: db)
        #expect(try box.countEvents(database: db) == count + 1)
        let verify = try box.run("verify", "--json", "--db", db)
        #expect(verify.status == 1, "\(verify)")
        #expect((verify.object["chain_fault"] as? [String: Any])?["position"] as? Int == count + 1, "\(verify)")
    }

    /// The chain of what is left is intact, but the database still says the log was longer: the
    /// projections' checkpoints and the `commands` table point past its end.
    @Test func aLogCutShortDoesNotVerify() throws {
        let box = try Self.shared.get()
        let db = try Self.copy("cut")
        let count = try box.countEvents(database: db)
        try box.sqlite(Self.dropTriggers + "DELETE FROM events WHERE position = \(count);", database: db)
        let verify = try box.run("verify", "--json", "--db", db)
        #expect(verify.status == 1, "a truncated log verified:\n\(verify)")
        #expect((verify.object["chain_fault"] as? [String: Any])?["position"] as? Int == count, "\(verify)")
        // Every other command refuses the database rather than rebuilding over the gap.
        let list = try box.run("session", "list", "--db", db, as: Sandbox.ops)
        #expect(list.status == 1 && list.stderr.contains("removed from the end"), "\(list)")
    }
}
