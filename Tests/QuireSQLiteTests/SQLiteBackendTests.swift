import Foundation
import QuireCore
import QuireProjections
import QuireSQLite
import QuireService
import QuireStorage
import Testing

func temporaryDatabasePath() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-sqlite-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("q.sqlite").path
}

/// A store with projections and a few hundred events of a realistic life.
func populatedStore(seed: UInt64 = 5, events: Int = 200) throws -> SQLiteStore {
    let store = try SQLiteStore(path: try temporaryDatabasePath(), options: StorageOptions(create: true))
    try store.prepareProjections()
    var rng = seed
    func next() -> UInt64 {
        rng = rng &* 6364136223846793005 &+ 1442695040888963407
        return rng >> 33
    }
    let at = { (ms: Int64) in Envelope(actor: .system, commandID: nil, recordedAt: Timestamp(milliseconds: 1_764_000_000_000 + ms)) }
    try store.write { tx in
        try tx.append([NewEvent(.userRegistered(UserRegistered(userID: UserID("u1"), email: "u1@x.test", role: .admin)))], envelope: at(0))
    }
    for i in 0..<events {
        let id = SessionID("s\(i % 20)")
        let exists = try store.read { r in try r.session(id) } != nil
        let event: Event = exists
            ? .sessionUpdated(SessionUpdated(sessionID: id, progress: Int(next() % 101)))
            : .sessionCreated(SessionCreated(sessionID: id, ownerID: UserID("u1"), name: "Paper \(id)", fileName: "\(id).json",
                                             jsonHash: String(repeating: "a", count: 64), questionCount: 3, blob: nil))
        try store.write { tx in try tx.append([NewEvent(event)], envelope: at(Int64(i + 1) * 1000)) }
    }
    return store
}

/// What only the SQLite backend has: its file settings, its tables as an auditor sees them with
/// the `sqlite3` shell, the rebuild's shadow file, and files written by earlier versions.
@Suite("SQLite backend")
struct SQLiteBackendTests {
    @Test func aDatabaseRunsInWALWithFullSynchronousByDefault() throws {
        let store = try SQLiteStore(path: try temporaryDatabasePath(), options: StorageOptions(create: true))
        #expect(try store.query(sql: "PRAGMA journal_mode").first?.first == .text("wal"))
        #expect(try store.query(sql: "PRAGMA synchronous").first?.first == .integer(2))  // FULL
    }

    /// The monitor's collaborators for a page of sessions: one index search per session, never a
    /// scan of every collaborator or user.
    @Test(arguments: [1, 50, 1000])
    func theCollaboratorsOfAPageAreReadThroughIndexes(_ count: Int) throws {
        let store = try SQLiteStore(path: try temporaryDatabasePath(), options: StorageOptions(create: true))
        try store.prepareProjections()
        let plan = try store.collaboratorsPlan(count: count)
        #expect(plan.contains { $0.contains("USING INDEX session_collaborators_by_session") }, "\(plan)")
        #expect(plan.contains { $0.hasPrefix("SEARCH u USING INDEX") || $0.hasPrefix("SEARCH u USING PRIMARY KEY") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
    }

    @Test func openingAMissingFileWithoutCreateIsAClearError() {
        #expect {
            _ = try SQLiteStore(path: "/nonexistent-\(UUID().uuidString)/x.sqlite")
        } throws: { ($0 as? QuireError)?.message.contains("quire init") == true }
    }

    @Test func driftNamesTheProjectionAndTheRowThatDiffers() throws {
        let store = try populatedStore()
        try store.execute(sql: "UPDATE session_views SET progress = 777 WHERE session_id = 's3'")
        let drift = try store.drift()
        #expect(drift.map(\.projection) == ["session_views"])
        #expect(drift.first?.detail.contains("progress:777") == true, "\(drift)")
        try store.rebuild(["session_views"])
        #expect(try store.drift() == [])
    }

    @Test func aChangedCodeVersionIsRebuiltWhenTheDatabaseOpens() throws {
        let store = try populatedStore()
        try store.execute(sql: "DELETE FROM monitor_sessions")
        try store.execute(sql: "UPDATE projection_checkpoints SET code_version = 0 WHERE name = 'monitor'")
        #expect(try store.prepareProjections() == ["monitor"])
        #expect(try store.drift() == [])
        #expect(try store.prepareProjections() == [])
    }

    @Test func aRebuildThatFailsLeavesTheOldProjectionsServingAndNoShadowBehind() throws {
        let store = try populatedStore()
        let before = try store.query(sql: "SELECT * FROM session_views ORDER BY session_id")
        struct Failing: Projector {
            let name = "session_views"
            let codeVersion = 1
            var tables: [TableSchema] { [SessionViewsProjector.views] }
            func changes(for event: Event, _ record: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
                if record.position > 50 { throw QuireError.internal("injected failure") }
                return try SessionViewsProjector().changes(for: event, record, rows)
            }
            func changes(forFolded session: SessionState, createdBy creation: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
                throw QuireError.internal("injected failure")
            }
        }
        let failing = try SQLiteStore(path: store.path!, projections: Projections([Failing()]))
        #expect(throws: QuireError.internal("injected failure")) { try failing.rebuild(["session_views"]) }
        #expect(try store.query(sql: "SELECT * FROM session_views ORDER BY session_id") == before)
        #expect(!FileManager.default.fileExists(atPath: store.path! + "-rebuild"))
        #expect(try store.drift() == [])
    }

    /// The reading thread's failure (a payload that does not decode) is reported as itself, not as
    /// the cancellation of the applying thread, and the old projections keep serving.
    @Test func aRebuildReportsAnUndecodableEventAndChangesNothing() throws {
        let store = try populatedStore(events: 3000)
        let tip = try store.read { r in try r.tip() }
        try store.write { tx in
            try tx.insertVerbatim(RecordedEvent(position: tip.position + 1, stream: "session-broken", version: 1, type: "session.created",
                                                schema: 1, eventID: "e", actor: "system", commandID: nil,
                                                recordedAt: "2026-01-01T00:00:00.000Z", payload: "{}", prevHash: tip.hash,
                                                hash: Data(repeating: 1, count: 32)))
        }
        let before = try store.query(sql: "SELECT * FROM session_views ORDER BY session_id")
        do {
            try store.rebuild(store.projectionNames)
            Issue.record("the rebuild went through an undecodable event")
        } catch {
            #expect(error.message.contains("session.created payload does not fit"), "\(error.message)")
        }
        #expect(try store.query(sql: "SELECT * FROM session_views ORDER BY session_id") == before)
    }

    /// The tables an auditor reads with the `sqlite3` shell keep their names, columns and
    /// constraints: the projection declarations produce the schema the earlier versions wrote (plus
    /// `content_version`, added with session views' code version 2, and the pending offer's
    /// `offered_to` and `offer_expires_at`, added with code version 3, and `collaborators`, with 4).
    @Test func declaredProjectionTablesHaveTheColumnsAndIndexesOfEarlierVersions() throws {
        let store = try populatedStore(events: 5)
        let columns = try store.query(sql: "SELECT name FROM pragma_table_info('session_views')").compactMap { $0[0].text }
        #expect(columns == ["session_id", "owner_id", "name", "file_name", "json_hash", "question_count", "paper", "paper_code", "blob",
                            "status", "step", "progress", "questions_imported", "metadata", "version", "content_version", "created_at", "updated_at",
                            "last_accessed_at", "offered_to", "offer_expires_at", "collaborators"])
        let indexes = Set(try store.query(sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").compactMap { $0[0].text })
        #expect(indexes.isSuperset(of: ["session_views_by_owner", "session_views_similar_file", "session_views_similar_code",
                                        "duplicate_index_by_session", "monitor_by_access", "auth_users_by_role"]))
        // Emails stay unique, as the earlier schema's UNIQUE constraint made them.
        #expect(throws: QuireError.self) {
            try store.execute(sql: "INSERT INTO auth_users VALUES ('u2', 'u1@x.test', 'admin', 1, 1, '2026-01-01T00:00:00.000Z')")
        }
    }
}

/// A database file written by an earlier version of quire opens, verifies and keeps working.
@Suite("Files from earlier versions")
struct MigrationTests {
    /// Made by `quire demo` at commit 8081930 (the last `main` before the storage contract), with
    /// `QUIRE_DB` pointing at it: see Fixtures/README.md.
    static var fixture: URL { Bundle.module.url(forResource: "main-8081930", withExtension: "sqlite", subdirectory: "Fixtures")! }

    func copyOfFixture() throws -> String {
        let path = try temporaryDatabasePath()
        try FileManager.default.copyItem(at: Self.fixture, to: URL(fileURLWithPath: path))
        return path
    }

    /// `quire verify` opens a file without preparing it; run first on an older file, it still
    /// passes: projections this version keeps differently are built, not reported as drift.
    @Test func verifyIsTheFirstCommandRunOnAnOlderFile() throws {
        let path = try copyOfFixture()
        let report = try QuireService.open(try SQLiteStore(path: path), prepareProjections: false).verify()
        #expect(report.ok, "\(report)")
        #expect(report.projections.allSatisfy { $0.matches })
    }

    @Test func aDatabaseMadeByTheEarlierMainOpensAndVerifies() throws {
        let path = try copyOfFixture()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let events = try SQLiteStore(path: path).query(sql: "SELECT position, hex(hash) FROM events ORDER BY position")
        #expect(events.count > 20)
        // Opening it prepares nothing: every projection is at the log's head, with its code version.
        let service = try QuireService.open(try SQLiteStore(path: path))
        #expect(try service.verify().ok)
        #expect(!before.isEmpty)
        // Same events, same hashes, after opening with this version.
        #expect(try SQLiteStore(path: path).query(sql: "SELECT position, hex(hash) FROM events ORDER BY position") == events)
        let alice = ActorName.named("alice@riverside.example")
        let sessions = try service.sessions(as: alice)
        #expect(!sessions.isEmpty)
        // And it keeps working: a new command appends after the old log, chained to it.
        let outcome = try service.handle(.command(.updateSession(UpdateSession(sessionID: SessionID(try #require(sessions.first { $0.status == "in_progress" && $0.ownerEmail == "alice@riverside.example" }).id),
                                                                              progress: 55))), as: alice)
        #expect(outcome.session?.progress == 55)
        #expect(try service.verify().ok)
        #expect(try service.lastPosition() == Int64(events.count) + 1)
    }
}
