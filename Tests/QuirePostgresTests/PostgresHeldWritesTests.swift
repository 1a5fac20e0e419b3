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
}
