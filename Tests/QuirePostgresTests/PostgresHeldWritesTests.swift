import Foundation
import QuireCore
import QuireService
import QuireStorage
import QuireTestSupport
import Testing
@testable import QuirePostgres

/// A command's writes are held back and sent together (`PostgresSQL.hold`): fewer round trips,
/// the same rows.
@Suite("PostgreSQL held writes")
struct PostgresHeldWritesTests {
    typealias Statement = PostgresSQL.Held.Statement

    static func groups(_ statements: [Statement]) -> [(sql: String, values: [SQLValue])] {
        let held = PostgresSQL.Held()
        held.statements = statements
        return held.groups()
    }

    @Test func writesIntoDifferentTablesGoAsOneStatementWithTheirParametersRenumbered() {
        let groups = Self.groups([
            Statement(sql: "INSERT INTO events(a, b) VALUES ($1, $2)", values: [.integer(1), .text("x")], table: "events"),
            Statement(sql: "UPDATE session_views SET p = $1 WHERE session_id = $2", values: [.integer(10), .text("s")], table: "session_views"),
            Statement(sql: "INSERT INTO commands(c) VALUES ($1)", values: [.text("c-1")], table: "commands"),
        ])
        #expect(groups.count == 1)
        #expect(groups[0].sql == "WITH w0 AS (INSERT INTO events(a, b) VALUES ($1, $2)), "
            + "w1 AS (UPDATE session_views SET p = $3 WHERE session_id = $4) INSERT INTO commands(c) VALUES ($5)")
        #expect(groups[0].values.count == 5)
    }

    @Test func aSecondWriteIntoTheSameTableStartsAnotherStatement() {
        // The parts of one statement do not see each other's changes: an increment after an
        // update of the same row must see the update.
        let groups = Self.groups([
            Statement(sql: "UPDATE session_views SET p = $1 WHERE session_id = $2", values: [.integer(10), .text("s")], table: "session_views"),
            Statement(sql: "UPDATE session_views SET v = v + 1 WHERE session_id = $1", values: [.text("s")], table: "session_views"),
            Statement(sql: "UPDATE monitor_sessions SET p = $1 WHERE session_id = $2", values: [.integer(10), .text("s")], table: "monitor_sessions"),
        ])
        #expect(groups.map(\.sql) == [
            "UPDATE session_views SET p = $1 WHERE session_id = $2",
            "WITH w0 AS (UPDATE session_views SET v = v + 1 WHERE session_id = $1) UPDATE monitor_sessions SET p = $2 WHERE session_id = $3",
        ])
    }

    @Test func statementsWithoutATableGoOnTheirOwnInOrder() {
        let groups = Self.groups([
            Statement(sql: "BEGIN", values: [], table: nil),
            Statement(sql: "INSERT INTO events(a) VALUES ($1)", values: [.integer(1)], table: "events"),
            Statement(sql: "SAVEPOINT quire_1", values: [], table: nil),
            Statement(sql: "INSERT INTO commands(c) VALUES ($1)", values: [.text("c")], table: "commands"),
        ])
        #expect(groups.map(\.sql) == ["BEGIN", "INSERT INTO events(a) VALUES ($1)", "SAVEPOINT quire_1", "INSERT INTO commands(c) VALUES ($1)"])
    }

    @Test func renumberingTouchesOnlyParameters() {
        #expect(PostgresSQL.Held.renumbered("SELECT $1, '$', $12 FROM t WHERE a = $2", from: 10) == "SELECT $11, '$', $22 FROM t WHERE a = $12")
    }

    // MARK: - On a server

    /// The round trips of one command, counted: a regression here is a slower PostgreSQL backend
    /// for every user (each wait costs ~0.1–0.5 ms; see the README's "Performance on PostgreSQL").
    @Test(.enabled(if: PostgresTestServer.url != nil))
    func anUpdateCommandWaitsForFewerAnswersThanItSendsStatements() throws {
        let store = try PostgresStore(url: PostgresTestServer.freshSchema(), options: StorageOptions(create: true))
        let service = try QuireService.open(store)
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "ops@x.test", role: .systemAdmin))), as: .system)
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "alice@x.test", role: .admin))), as: .named("ops@x.test"))
        let paper = Data("{\"paper\":{\"code\":\"9709/12\",\"subject\":\"Maths\"},\"questions\":[{\"number\":1,\"text\":\"Q1\"}]}".utf8)
        let created = try service.handle(.createSession(name: nil, paper: .bytes(fileName: "a.json", data: paper), allowDuplicate: false),
                                         as: .named("alice@x.test"))
        let id = SessionID(try #require(created.session?.id))
        let (statements, waits) = (store.traffic.statements, store.traffic.waits)
        let outcome = try service.handle(.command(.updateSession(UpdateSession(sessionID: id, progress: 40))), as: .named("alice@x.test"))
        #expect(outcome.session?.progress == 40)
        let sent = store.traffic.statements - statements, waited = store.traffic.waits - waits
        // 21 statements, each waited for, before writes were held back and the session's rows
        // read in one statement; now: the head lock (BEGIN rides along), the actor, the command
        // id, the session's access row with its view and version, the event and its projection
        // rows in two statements sent with the result's read (and a Merkle node or two), the
        // command record sent with COMMIT.
        #expect(sent <= 10, "statements sent: \(sent)")
        #expect(waited <= 6, "answers waited for: \(waited)")
        // And the rows are the fold of the log: verify compares every projection with a replay.
        #expect(try service.verify().ok)
    }

    /// A group-commit batch reads its command ids and actors in two statements up front; each
    /// command's lookups are then answered from them — with the same answers one by one would get:
    /// a repeated command id replays the first outcome, a reused one is refused, an unknown user is
    /// one, a user named by id or by email is the same user.
    @Test(.enabled(if: PostgresTestServer.url != nil))
    func aBatchReadsItsCommandIDsAndActorsOnceAndAnswersAsOneByOne() throws {
        let store = try PostgresStore(url: PostgresTestServer.freshSchema(), options: StorageOptions(create: true))
        let service = try QuireService.open(store)
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "ops@x.test", role: .systemAdmin))), as: .system)
        let alice = try #require(try service.handle(.command(.registerUser(RegisterUser(email: "alice@x.test", role: .admin))), as: .named("ops@x.test")).user)
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "bob@x.test", role: .admin))), as: .named("ops@x.test"))
        func create(_ who: String, _ code: String) throws -> SessionID {
            let paper = Data("{\"paper\":{\"code\":\"\(code)\",\"subject\":\"Maths\"},\"questions\":[{\"number\":1,\"text\":\"Q1\"}]}".utf8)
            return SessionID(try #require(try service.handle(.createSession(name: nil, paper: .bytes(fileName: "\(code).json", data: paper), allowDuplicate: false),
                                                             as: .named(who)).session?.id))
        }
        let a = try create("alice@x.test", "9709/12"), b = try create("bob@x.test", "9702/22")
        func update(_ id: SessionID, _ progress: Int) -> Request { .command(.updateSession(UpdateSession(sessionID: id, progress: progress))) }
        let waits = store.traffic.waits
        let results = service.handleBatch([
            .init(update(a, 10), as: .named("alice@x.test"), commandID: "c-1"),
            .init(update(b, 20), as: .named("Bob@X.test"), commandID: "c-2"),
            .init(update(a, 10), as: .named(alice.id), commandID: "c-1"),          // the same command again, by id
            .init(update(b, 30), as: .named("bob@x.test"), commandID: "c-1"),      // c-1 reused for another
            .init(update(a, 40), as: .named("nobody@x.test"), commandID: "c-3"),
            .init(update(a, 50), as: .named("alice@x.test"), commandID: "c-4"),
        ])
        let waited = store.traffic.waits - waits
        #expect(try results[0].get().session?.progress == 10)
        #expect(try results[1].get().session?.progress == 20)
        #expect(try results[2].get().replayed == true)
        #expect(throws: QuireError.self) { try results[3].get() }
        if case .failure(let e) = results[3] { #expect(e.code == .commandIDReused) }
        if case .failure(let e) = results[4] { #expect(e.code == .unknownUser) } else { Issue.record("nobody acted: \(results[4])") }
        #expect(try results[5].get().session?.progress == 50)
        // Six commands, each its own lookups before: at least 6 × 3 answers and COMMIT; now the
        // two read-ahead statements, the lock, one session read and one release per command.
        #expect(waited <= 16, "answers waited for: \(waited)")
        #expect(try service.verify().ok)
    }
}
