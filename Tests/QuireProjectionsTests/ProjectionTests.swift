import Foundation
import GRDB
import QuireCore
import QuireProjections
import QuireStore
import Testing

/// Drives a store with a random but valid stream of events, each batch appended and projected
/// inline in one transaction, the way the command handler does.
struct RandomWorkload {
    var rng: SeededRandom
    var users: [UserID] = []
    var sessions: [SessionID: (owner: UserID?, status: SessionStatus)] = [:]
    var clock = Timestamp(milliseconds: 1_764_000_000_000)

    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    mutating func nextEvents() -> (Actor, [Event]) {
        clock = clock.adding(milliseconds: Int64(rng.next() % 5_000_000))
        if users.count < 3 || rng.next() % 25 == 0 {
            let id = UserID("u\(users.count)")
            users.append(id)
            return (.system, [.userRegistered(UserRegistered(userID: id, email: "u\(users.count - 1)@x.test",
                                                             role: users.count == 1 ? .systemAdmin : .admin))])
        }
        let actor = users[Int(rng.next() % UInt64(users.count))]
        let live = sessions.filter { $0.value.status != .deleted }.keys.sorted()
        let roll = rng.next() % 10
        if live.isEmpty || roll < 2 {
            let id = SessionID("s\(sessions.count)")
            let legacy = rng.next() % 6 == 0
            sessions[id] = (legacy ? nil : actor, .inProgress)
            let hash = String(repeating: String(rng.next() % 4), count: 64)
            return (.user(actor), [.sessionCreated(SessionCreated(
                sessionID: id, ownerID: legacy ? nil : actor, name: "Paper \(id)", fileName: "f\(rng.next() % 3).json",
                jsonHash: hash, questionCount: 10, paper: ["code": .string("C\(rng.next() % 3)")], blob: nil,
                legacy: legacy ? LegacyRecord(status: .inProgress, createdAt: clock.adding(milliseconds: -1000), updatedAt: nil,
                                              lastAccessedAt: nil, metadata: ["progress": .number(20)]) : nil))])
        }
        let id = live[Int(rng.next() % UInt64(live.count))]
        let state = sessions[id]!
        switch roll {
        case 2, 3: return (.user(actor), [.sessionAccessed(SessionAccessed(sessionID: id))])
        case 4 where state.status == .inProgress, 5 where state.status == .inProgress:
            return (.user(actor), [.sessionUpdated(SessionUpdated(
                sessionID: id, step: ImportStep.allCases[Int(rng.next() % 5)], progress: Int(rng.next() % 101),
                questionsImported: Int(rng.next() % 11), metadata: rng.next() % 2 == 0 ? ["k": .string("v\(rng.next() % 9)")] : nil))])
        case 6 where state.status == .inProgress:
            sessions[id]!.status = .completed
            return (.user(actor), [.sessionCompleted(SessionCompleted(sessionID: id, questionsImported: Int(rng.next() % 11)))])
        case 7:
            sessions[id]!.status = .deleted
            return (.user(actor), [.sessionDeleted(SessionDeleted(sessionID: id, reason: "r"))])
        case 8:
            return (.user(actor), [.accessDenied(AccessDenied(command: "session.update", target: id.stream, reason: .notOwner))])
        default:
            return (.user(actor), [.sessionAccessed(SessionAccessed(sessionID: id))])
        }
    }

    mutating func run(_ n: Int, on store: EventStore, projections: Projections = .core) throws {
        for _ in 0..<n {
            let (actor, events) = nextEvents()
            let at = clock
            try store.write { db in
                let appended = try EventLog.append(events.map { NewEvent($0) }, envelope: Envelope(actor: actor, commandID: nil, recordedAt: at), db)
                try projections.apply(Array(zip(appended, events)), db)
            }
        }
    }
}

func tempStore() throws -> EventStore {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-proj-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let store = try EventStore(path: dir.appendingPathComponent("q.sqlite").path, options: .init(create: true))
    try Projections.core.prepare(store)
    return store
}

func snapshot(_ store: EventStore, _ projections: Projections = .core) throws -> [String: [Row]] {
    try store.read { db in
        var tables: [String: [Row]] = [:]
        for p in projections.projectors {
            for t in p.tables { tables[t.name] = try Row.fetchAll(db, sql: "SELECT * FROM \(t.name) ORDER BY \(t.orderBy)") }
        }
        return tables
    }
}

@Suite("Projections")
struct ProjectionTests {
    @Test(arguments: [1, 2, 3, 42] as [UInt64])
    func inlineProjectionsEqualARebuildFromTheLog(seed: UInt64) throws {
        let store = try tempStore()
        var workload = RandomWorkload(seed: seed)
        try workload.run(300, on: store)
        #expect(try Projections.core.drift(store) == [])
        let inline = try snapshot(store)
        #expect(!(inline["session_views"] ?? []).isEmpty)
        try Projections.core.rebuild(nil, store)
        let rebuilt = try snapshot(store)
        #expect(inline == rebuilt)
        let checkpoints = try store.read { db in try Projections.checkpoints(db) }
        #expect(checkpoints.count == 4)
        let head = try store.read { db in try EventLog.count(db) }
        #expect(checkpoints.allSatisfy { $0.position == head })
    }

    @Test func sessionViewsAreTheFoldOfEachStream() throws {
        let store = try tempStore()
        var workload = RandomWorkload(seed: 7)
        try workload.run(200, on: store)
        try store.read { db in
            for id in workload.sessions.keys {
                var state: SessionState?
                for record in try EventLog.read(stream: id.stream, db) {
                    state = SessionState.evolve(state, try record.decoded(), version: record.version, at: record.timestamp)
                }
                #expect(try SessionViewsProjector.state(id, db) == state)
            }
        }
    }

    @Test func driftNamesTheProjectionAndRowThatDiffers() throws {
        let store = try tempStore()
        var workload = RandomWorkload(seed: 9)
        try workload.run(80, on: store)
        try store.write { db in try db.execute(sql: "UPDATE session_views SET progress = 77 WHERE session_id = (SELECT MIN(session_id) FROM session_views)") }
        let drift = try Projections.core.drift(store)
        #expect(drift.map(\.projection) == ["session_views"])
        #expect(drift.first?.detail.contains("77") == true)
        try Projections.core.rebuild(["session_views"], store)
        #expect(try Projections.core.drift(store) == [])
    }

    @Test func aChangedCodeVersionIsRebuiltWhenTheDatabaseOpens() throws {
        let store = try tempStore()
        var workload = RandomWorkload(seed: 11)
        try workload.run(60, on: store)
        try store.write { db in
            try db.execute(sql: "DELETE FROM monitor_sessions")
            try db.execute(sql: "UPDATE projection_checkpoints SET code_version = 0 WHERE name = 'monitor'")
        }
        #expect(try Projections.core.prepare(store) == ["monitor"])
        #expect(try Projections.core.drift(store) == [])
        #expect(try Projections.core.prepare(store) == [])
    }

    @Test func aRebuildThatFailsLeavesTheOldProjectionsServing() throws {
        let store = try tempStore()
        var workload = RandomWorkload(seed: 5)
        try workload.run(100, on: store)
        let before = try snapshot(store)
        /// A projector that fails half-way through the log.
        struct Failing: Projector {
            let name = "session_views"
            let codeVersion = 1
            let tables = [ProjectionTable("session_views", orderBy: "session_id")]
            func createTables(_ db: Database) throws { try SessionViewsProjector().createTables(db) }
            func apply(_ event: Event, _ record: RecordedEvent, _ db: Database) throws {
                if record.position == 50 { throw QuireError.internal("injected failure") }
                try SessionViewsProjector().apply(event, record, db)
            }
        }
        // The applying thread's failure is what the rebuild reports.
        #expect(throws: QuireError.internal("injected failure")) { try Projections([Failing()]).rebuild(nil, store) }
        #expect(try snapshot(store) == before)
    }

    /// The reading thread's failure (a payload that does not decode) is reported as itself, not as
    /// the cancellation of the applying thread, and the old projections keep serving.
    @Test func aRebuildReportsAnUndecodableEventAndChangesNothing() throws {
        let store = try tempStore()
        var workload = RandomWorkload(seed: 9)
        try workload.run(3000, on: store)
        try store.write { db in
            let tip = try EventLog.tip(db)
            try EventLog.insert(RecordedEvent(position: tip.position + 1, stream: "session-broken", version: 1, type: "session.created",
                                              schema: 1, eventID: "e", actor: "system", commandID: nil,
                                              recordedAt: "2026-01-01T00:00:00.000Z", payload: "{}", prevHash: tip.hash,
                                              hash: Data(repeating: 1, count: 32)), db)
        }
        let before = try snapshot(store)
        do {
            try Projections.core.rebuild(nil, store)
            Issue.record("the rebuild went through an undecodable event")
        } catch {
            #expect(error.message.contains("session.created payload does not fit"), "\(error.message)")
        }
        #expect(try snapshot(store) == before)
    }

    @Test func writersGoOnDuringARebuildAndNothingTheyCommitIsLost() throws {
        let store = try tempStore()
        var workload = RandomWorkload(seed: 13)
        try workload.run(400, on: store)
        let done = DispatchSemaphore(value: 0)
        let failure = LockedBox<String?>(nil)
        DispatchQueue.global().async {
            do { try Projections.core.rebuild(nil, store) } catch { failure.value = "\(error)" }
            done.signal()
        }
        try workload.run(100, on: store)
        done.wait()
        #expect(failure.value == nil)
        let head = try store.read { db in try EventLog.count(db) }
        #expect(head == 500)
        #expect(try Projections.core.drift(store) == [])
        #expect(try store.read { db in try Projections.checkpoints(db) }.allSatisfy { $0.position == head })
        #expect(!FileManager.default.fileExists(atPath: store.path! + "-rebuild"))
    }

    @Test func replayUntilAPositionShowsTheStateAsOfThen() throws {
        let store = try tempStore()
        var workload = RandomWorkload(seed: 3)
        try workload.run(120, on: store)
        let past = try Projections.core.replay(from: store, until: 40)
        let (count, head) = try past.read { db in (try EventLog.count(db), try Projections.checkpoints(db).map(\.position)) }
        // The replay holds the projections as of position 40, not a copy of the log (which never
        // changes and is read from the live file).
        #expect(count == 0)
        #expect(head.count == Projections.core.projectors.count && head.allSatisfy { $0 == 40 })
        #expect(try past.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM session_views") ?? 0 } > 0)
        // Every session in the past view is the fold of its stream's first events up to position 40.
        try store.read { live in
            try past.read { old in
                for row in try Row.fetchAll(old, sql: "SELECT session_id FROM session_views") {
                    let id = SessionID(row[0] as String)
                    var state: SessionState?
                    for r in try EventLog.read(stream: id.stream, live) where r.position <= 40 {
                        state = SessionState.evolve(state, try r.decoded(), version: r.version, at: r.timestamp)
                    }
                    #expect(try SessionViewsProjector.state(id, old) == state)
                }
            }
        }
    }

    @Test func legacyAndDeletedSessionsNeverCountAsDuplicates() throws {
        let store = try tempStore()
        var workload = RandomWorkload(seed: 21)
        try workload.run(250, on: store)
        try store.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT d.session_id, v.status, v.owner_id FROM duplicate_index d JOIN session_views v USING (session_id)")
            #expect(!rows.isEmpty)
            for row in rows {
                #expect(row[1] as String != "deleted")
                #expect((row[2] as String?) != nil)
            }
            let monitor = try Row.fetchAll(db, sql: "SELECT v.status FROM monitor_sessions m JOIN session_views v USING (session_id)")
            #expect(monitor.allSatisfy { $0[0] as String == "in_progress" })
        }
    }
}

final class LockedBox<T>: @unchecked Sendable {
    // @unchecked: every access holds the lock.
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
