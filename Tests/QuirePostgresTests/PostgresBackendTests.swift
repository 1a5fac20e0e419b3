import Foundation
import Synchronization
import QuireBackends
import QuireCore
import QuirePostgres
import QuireService
import QuireStorage
import QuireTestSupport
import Testing

/// A service on a fresh schema with a system admin (ops), two admins (alice, bob) whose ids are
/// UUIDs, as the web app's are, each with a session, and a legacy session nobody owns.
struct PostgresFixture {
    let store: PostgresStore
    let service: QuireService
    let ops = UserID("0e4a5c44-1111-4d0a-9d7e-000000000001")
    let alice = UserID("0e4a5c44-2222-4d0a-9d7e-000000000002")
    let bob = UserID("0e4a5c44-3333-4d0a-9d7e-000000000003")
    var aliceSession: SessionID!
    var bobSession: SessionID!

    init() throws {
        store = try PostgresStore(url: PostgresTestServer.freshSchema(), options: StorageOptions(create: true))
        service = try QuireService.open(store)
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "ops@x.test", role: .systemAdmin, id: ops))), as: .system)
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "alice@x.test", role: .admin, id: alice))), as: .named("ops@x.test"))
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "bob@x.test", role: .admin, id: bob))), as: .named("ops@x.test"))
        aliceSession = try service.handle(.createSession(name: nil, paper: .bytes(fileName: "a.json", data: Self.paper("9709/12")), allowDuplicate: false),
                                          as: .named("alice@x.test")).session.map { SessionID($0.id) }
        bobSession = try service.handle(.createSession(name: nil, paper: .bytes(fileName: "b.json", data: Self.paper("9702/22")), allowDuplicate: false),
                                        as: .named("bob@x.test")).session.map { SessionID($0.id) }
        let csv = """
            id,created_by,status,json_hash,file_name,created_at,updated_at,last_accessed_at,metadata
            legacy-1,,in_progress,,old.json,2024-03-04T09:11:57Z,,,{}
            """
        _ = try service.importLegacy(Data(csv.utf8), fileName: "rows.csv", as: .named("ops@x.test"))
    }

    static func paper(_ code: String) -> Data {
        Data("{\"paper\":{\"code\":\"\(code)\",\"subject\":\"Maths\"},\"questions\":[{\"number\":1,\"text\":\"Q1\"}]}".utf8)
    }

    static func claims(_ id: UserID) -> String { "{\"sub\":\"\(id.rawValue)\",\"role\":\"authenticated\"}" }

    func webRead(_ sql: String, as user: UserID?) throws -> [StoredRow] {
        try store.query(as: user == nil ? "anon" : "authenticated", claims: user.map(Self.claims), sql: sql)
    }
}

@Suite("PostgreSQL backend", .enabled(if: PostgresTestServer.url != nil || PostgresTestServer.required))
struct PostgresBackendTests {
    @Test func aServerIsConfiguredWhereTheRunRequiresOne() {
        #expect(PostgresTestServer.url != nil, "CI=true but QUIRE_TEST_POSTGRES is not set: .ci/run starts a cluster with tools/postgres")
    }

    // MARK: - Row-level security for the web app

    @Test func anAdminReadsExactlyTheirSessionListThroughRowLevelSecurity() throws {
        let f = try PostgresFixture()
        let sql = "SELECT session_id FROM session_views ORDER BY session_id"
        let alice = try f.webRead(sql, as: f.alice).map { $0[0].text! }
        #expect(Set(alice) == [f.aliceSession.rawValue, "legacy-1"])
        // The same rows `quire session list` shows her.
        #expect(Set(try f.service.sessions(as: .named("alice@x.test")).map(\.id)) == Set(alice))
        let bob = try f.webRead(sql, as: f.bob).map { $0[0].text! }
        #expect(Set(bob) == [f.bobSession.rawValue, "legacy-1"])
        // A session shared with bob is in his list too, and leaves it when it is unshared.
        _ = try f.service.handle(.command(.shareSession(ShareSession(sessionID: f.aliceSession, with: "bob@x.test", role: .viewer))),
                                 as: .named("alice@x.test"))
        #expect(Set(try f.webRead(sql, as: f.bob).map { $0[0].text! }) == [f.bobSession.rawValue, f.aliceSession.rawValue, "legacy-1"])
        #expect(Set(try f.service.sessions(as: .named("bob@x.test")).map(\.id)) == [f.bobSession.rawValue, f.aliceSession.rawValue, "legacy-1"])
        // A deleted session leaves every list, in the database as in the CLI.
        _ = try f.service.handle(.command(.deleteSession(DeleteSession(sessionID: f.aliceSession, reason: nil))), as: .named("alice@x.test"))
        #expect(try f.webRead(sql, as: f.alice).map { $0[0].text! } == ["legacy-1"])
        #expect(Set(try f.webRead(sql, as: f.bob).map { $0[0].text! }) == [f.bobSession.rawValue, "legacy-1"])
    }

    @Test func strangersAndAnonymousReadersSeeNothing() throws {
        let f = try PostgresFixture()
        let stranger = UserID("0e4a5c44-9999-4d0a-9d7e-000000000009")
        #expect(try f.webRead("SELECT session_id FROM session_views", as: stranger).isEmpty)
        #expect(throws: QuireError.self, "anon has no grant on session_views") {
            try f.webRead("SELECT session_id FROM session_views", as: nil)
        }
    }

    @Test func onlySystemAdminsReadTheMonitor() throws {
        let f = try PostgresFixture()
        let sql = "SELECT session_id FROM monitor_sessions"
        #expect(try f.webRead(sql, as: f.ops).count == 3)
        #expect(try f.webRead(sql, as: f.alice).isEmpty)
        // A deactivated system admin reads nothing any more.
        _ = try f.service.handle(.command(.registerUser(RegisterUser(email: "ops2@x.test", role: .systemAdmin))), as: .named("ops@x.test"))
        _ = try f.service.handle(.command(.deactivateUser(DeactivateUser(user: f.ops.rawValue))), as: .named("ops2@x.test"))
        #expect(try f.webRead(sql, as: f.ops).isEmpty)
    }

    @Test(arguments: ["events", "commands", "blobs", "auth_users", "auth_sessions", "duplicate_index", "monitor_users",
                      "merkle_nodes", "projection_checkpoints", "log_head"])
    func theWebAppCannotReadTheLogOrTheOtherTables(_ table: String) throws {
        let f = try PostgresFixture()
        #expect(throws: QuireError.self, "\(table) must not be readable as authenticated") {
            try f.webRead("SELECT * FROM \(table)", as: f.ops)
        }
    }

    @Test(arguments: [
        "INSERT INTO session_views(session_id) VALUES ('x')",
        "UPDATE session_views SET name = 'mine'",
        "DELETE FROM session_views",
        "DELETE FROM monitor_sessions",
    ])
    func theWebAppCannotWriteAnyQuireTable(_ sql: String) throws {
        let f = try PostgresFixture()
        #expect(throws: QuireError.self) {
            _ = try f.store.query(as: "authenticated", claims: PostgresFixture.claims(f.ops), sql: sql)
        }
    }

    @Test func thePoliciesCallAuthUidOncePerStatementAsSupabasesLinterAsks() throws {
        let f = try PostgresFixture()
        let schema = try #require(URLComponents(string: f.store.location!)?.queryItems?.first { $0.name == "schema" }?.value)
        let policies = try f.store.query(sql: "SELECT tablename, qual FROM pg_policies WHERE schemaname = $1 ORDER BY tablename",
                                         arguments: [.text(schema)])
        #expect(policies.map { $0[0].text! } == ["monitor_sessions", "session_views"])
        for policy in policies {
            let qual = policy[1].text!
            #expect(!qual.replacingOccurrences(of: "( SELECT auth.uid()", with: "").contains("auth.uid()"), "\(qual)")
        }
    }

    // MARK: - Migrations

    /// Several servers started at once against a new database each migrate a schema of their own:
    /// what the schemas share (the `auth` schema, `auth.uid()`, the roles) is created once and the
    /// others find it made. (CI caught two migrations racing on a role; every one must come up.)
    @Test func quiresMigratingSchemasOfANewDatabaseAtOnceAllComeUp() throws {
        let admin = try PostgresStore(url: PostgresTestServer.freshSchema(), options: StorageOptions(create: true))
        let database = "quire_t_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        _ = try admin.query(sql: "CREATE DATABASE \(database)")
        defer { _ = try? admin.query(sql: "DROP DATABASE \(database) WITH (FORCE)") }
        var components = try #require(URLComponents(string: PostgresTestServer.url!))
        components.path = "/" + database
        let base = try #require(components.string)
        let outcomes = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let url = base + (base.contains("?") ? "&" : "?") + "schema=s\(i)"
            do {
                let store = try PostgresStore(url: url, options: StorageOptions(create: true))
                let service = try QuireService.open(store)
                _ = try service.handle(.command(.registerUser(RegisterUser(email: "ops\(i)@x.test", role: .systemAdmin))), as: .system)
                outcomes.withLock { $0.append("s\(i): ok") }
            } catch {
                outcomes.withLock { $0.append("s\(i): \(error)") }
            }
        }
        #expect(outcomes.withLock { $0.sorted() } == ["s0: ok", "s1: ok", "s2: ok", "s3: ok"])
    }

    // MARK: - The log cannot change, even for a superuser's psql

    @Test(arguments: ["TRUNCATE events", "TRUNCATE commands", "TRUNCATE blobs", "UPDATE commands SET outcome = 'x'",
                      "DELETE FROM log_head", "UPDATE events SET recorded_at = recorded_at"])
    func aSuperuserCannotRewriteTheLog(_ sql: String) throws {
        let f = try PostgresFixture()
        let before = try f.store.read { r in try r.tip() }
        #expect(throws: QuireError.self, "\(sql)") { try f.store.execute(sql: sql) }
        #expect(try f.store.read { r in try r.tip() } == before)
        #expect(try f.store.read { r in try r.verifyChain(progress: nil) } == .success(before.position))
    }

    @Test func anInsertThatSkipsAPositionIsRefusedWithTheTriggersSentence() throws {
        let f = try PostgresFixture()
        do {
            try f.store.execute(sql: """
                INSERT INTO events SELECT position + 10, stream, version + 10, type, schema, event_id || 'x', actor, command_id,
                    recorded_at, payload, prev_hash, hash FROM events ORDER BY position DESC LIMIT 1
                """)
            Issue.record("a gap was accepted")
        } catch {
            #expect(error.message == "Positions and stream versions must follow without gaps.")
        }
    }

    // MARK: - Every audit filter is served by an index

    @Test(arguments: [
        AuditFilter(), AuditFilter(actor: "someone"), AuditFilter(session: SessionID("s-1")), AuditFilter(types: ["session."]),
        AuditFilter(since: Timestamp(milliseconds: 1_700_000_000_000)), AuditFilter(deniedOnly: true), AuditFilter(commandID: "c-1"),
        AuditFilter(before: 10), AuditFilter(after: 10),
    ])
    func everyAuditFilterUsesAnIndex(_ filter: AuditFilter) throws {
        let f = try PostgresFixture()
        let plan = try f.store.auditPlan(filter).joined(separator: "\n")
        #expect(plan.contains("Index"), "\(plan)")
        #expect(!plan.contains("Seq Scan"), "\(plan)")
    }

    /// The monitor's collaborators for a page of sessions can be read through indexes. (For a
    /// list of hundreds of sessions the planner rightly prefers reading the whole table while it
    /// is small — a table of tens of thousands of collaborators, when statistics say so.)
    @Test(arguments: [1, 50])
    func theCollaboratorsOfAPageAreReadThroughIndexes(_ count: Int) throws {
        let f = try PostgresFixture()
        let plan = try f.store.collaboratorsPlan(count: count).joined(separator: "\n")
        #expect(plan.contains("session_collaborators_by_session"), "\(plan)")
        #expect(!plan.contains("Seq Scan"), "\(plan)")
    }

    // MARK: - Opening

    @Test func aMissingSchemaIsOneSentenceAndCreatesNothing() throws {
        let url = PostgresTestServer.freshSchema()
        do {
            _ = try PostgresStore(url: url)
            Issue.record("opened a schema that does not exist")
        } catch {
            #expect(error.message.hasPrefix("No quire database at"))
            #expect(error.message.contains("quire init"))
        }
        let schema = url.components(separatedBy: "schema=").last!
        let probe = try PostgresStore(url: PostgresTestServer.freshSchema(), options: StorageOptions(create: true))
        #expect(try probe.query(sql: "SELECT count(*) FROM pg_namespace WHERE nspname = $1", arguments: [.text(schema)]) == [[.integer(0)]])
    }

    @Test func anUnreachableServerIsTemporarilyUnavailable() throws {
        do {
            _ = try PostgresStore(url: "postgresql://quire@127.0.0.1:1/quire?sslmode=disable")
            Issue.record("connected to nothing")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.exitCode == 75)
            #expect(error.message.contains("safe to retry"))
        }
    }

    @Test func reopeningMigratesNothingTwiceAndKeepsTheLog() throws {
        let f = try PostgresFixture()
        let before = try f.store.read { r in try r.tip() }
        let again = try PostgresStore(url: f.store.location!)
        #expect(try again.read { r in try r.tip() } == before)
        #expect(try again.query(sql: "SELECT name FROM quire_migrations ORDER BY name").map { $0[0].text! } == ["1-events", "2-web-roles", "3-shared-sessions"])
    }
}
