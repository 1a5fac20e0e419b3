import Foundation
import QuireBackends
import QuireCore
import QuireSQLite
@testable import QuireService
import QuireStorage
import Testing

/// A service on a fresh database file with a system admin and two admins.
struct Fixture {
    let service: QuireService
    let path: String
    static let ops = ActorName.named("ops@x.test"), alice = ActorName.named("alice@x.test"), bob = ActorName.named("bob@x.test")

    init(paperLimit: Int = PaperFile.defaultLimit) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-svc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        path = dir.appendingPathComponent("q.sqlite").path
        service = try QuireService.open(try SQLiteStore(path: path, options: .init(create: true)), paperLimit: paperLimit)
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "ops@x.test", role: .systemAdmin))), as: .system)
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "alice@x.test", role: .admin))), as: Self.ops)
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "bob@x.test", role: .admin))), as: Self.ops)
    }

    func eventCount() throws -> Int64 { try service.lastPosition() }

    /// The SQLite file behind the service, for the checks an auditor makes with the `sqlite3` shell.
    var sqlite: SQLiteStore { service.store as! SQLiteStore }

    static func paper(_ code: String = "9709/12", questions: Int = 4, indent: Bool = false) -> Data {
        let qs = (1...questions).map { "{\"number\":\($0),\"text\":\"Q\($0)\"}" }.joined(separator: ",")
        let text = indent ? "{\n  \"questions\": [\(qs)],\n  \"paper\": {\"subject\": \"Maths\", \"code\": \"\(code)\"}\n}"
                          : "{\"paper\":{\"code\":\"\(code)\",\"subject\":\"Maths\"},\"questions\":[\(qs)]}"
        return Data(text.utf8)
    }

    @discardableResult
    func create(_ actor: ActorName, file: String = "p.json", data: Data = Fixture.paper(), allowDuplicate: Bool = false,
                commandID: String? = nil) throws -> Outcome {
        try service.handle(.createSession(name: nil, paper: .bytes(fileName: file, data: data), allowDuplicate: allowDuplicate),
                           as: actor, commandID: commandID)
    }
}

func code(_ body: () throws -> Void) -> QuireError.Code? {
    do { try body(); return nil } catch let e as QuireError { return e.code } catch { return .internal }
}

@Suite("The command handler")
struct CommandHandlerTests {
    @Test func theSameCommandIDReturnsTheFirstResultAndAppendsNothing() throws {
        let f = try Fixture()
        let first = try f.create(Fixture.alice, commandID: "create-1")
        let count = try f.eventCount()
        let again = try f.create(Fixture.alice, commandID: "create-1")
        #expect(again.replayed)
        #expect(again.session == first.session)
        #expect(try f.eventCount() == count)
        #expect(try f.service.sessions(as: Fixture.alice).count == 1)
    }

    @Test func theSameCommandIDForADifferentCommandIsRejected() throws {
        let f = try Fixture()
        let s = try #require(try f.create(Fixture.alice, commandID: "c-1").session)
        let count = try f.eventCount()
        #expect(code { _ = try f.service.handle(.command(.accessSession(SessionID(s.id))), as: Fixture.alice, commandID: "c-1") } == .commandIDReused)
        // Another user reusing the id is a different command too.
        #expect(code { _ = try f.create(Fixture.bob, commandID: "c-1") } == .commandIDReused)
        #expect(try f.eventCount() == count)
    }

    @Test func aNonOwnerGetsNotFoundAndTheAttemptIsRecordedWithItsCommandID() throws {
        let f = try Fixture()
        let s = try #require(try f.create(Fixture.alice).session)
        let count = try f.eventCount()
        var missing: QuireError?
        do { _ = try f.service.show(SessionID("no-such-session"), as: Fixture.bob) } catch { missing = error }
        var denied: QuireError?
        do { _ = try f.service.handle(.command(.updateSession(UpdateSession(sessionID: SessionID(s.id), progress: 5))),
                                      as: Fixture.bob, commandID: "bob-try") } catch { denied = error }
        #expect(denied?.code == .notFound)
        #expect(denied?.message == missing?.message.replacingOccurrences(of: "no-such-session", with: s.id))
        #expect(try f.eventCount() == count + 1)  // the access.denied, nothing else
        let trail = try f.service.audit(AuditFilter(deniedOnly: true), as: Fixture.ops)
        #expect(trail.count == 1)
        #expect(trail.first?.commandID == "bob-try")
        #expect(trail.first?.actorEmail == "bob@x.test")
        #expect(trail.first?.sessionID == s.id)
        // Re-sending the same denied command is answered the same way without a second event.
        #expect(code { _ = try f.service.handle(.command(.updateSession(UpdateSession(sessionID: SessionID(s.id), progress: 5))),
                                                as: Fixture.bob, commandID: "bob-try") } == .notFound)
        #expect(try f.eventCount() == count + 1)
        // Bob's own trail does not show the refusal: that would tell him the session exists.
        #expect(try f.service.audit(AuditFilter(), as: Fixture.bob).allSatisfy { $0.type != "access.denied" })
        #expect(try f.service.explain("bob-try", as: Fixture.bob).outcome == "unknown")
        // Alice's session did not change.
        #expect(try f.service.sessions(as: Fixture.alice).first?.version == s.version)
    }

    @Test func anExplicitStaleVersionIsAConflictAndIsNotRetried() throws {
        let f = try Fixture()
        let s = try #require(try f.create(Fixture.alice).session)
        _ = try f.service.handle(.command(.updateSession(UpdateSession(sessionID: SessionID(s.id), progress: 10))), as: Fixture.alice)
        let count = try f.eventCount()
        do {
            _ = try f.service.handle(.command(.updateSession(UpdateSession(sessionID: SessionID(s.id), progress: 20, expectedVersion: 1))),
                                     as: Fixture.alice)
            Issue.record("a stale version was accepted")
        } catch {
            #expect(error.code == .conflict)
            #expect(error.expectedVersion == 1)
            #expect(error.actualVersion == 2)
            #expect(error.exitCode == 75)
        }
        #expect(try f.eventCount() == count)
    }

    @Test func concurrentWritersOnOneFileLoseNothing() throws {
        let f = try Fixture()
        let s = try #require(try f.create(Fixture.alice).session)
        // Four independent services (like four processes) update the same session at once.
        let services = try (0..<4).map { _ in try QuireService.open(location: f.path) }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            for n in 0..<15 {
                do {
                    _ = try services[i].handle(.command(.updateSession(UpdateSession(sessionID: SessionID(s.id), progress: n))),
                                               as: Fixture.alice, commandID: "w\(i)-\(n)")
                } catch {
                    failures.add("\(error)")
                }
            }
        }
        #expect(failures.all.isEmpty)
        let session = try #require(try f.service.sessions(as: Fixture.alice).first)
        #expect(session.version == 1 + 60)
        #expect(try f.service.verify().ok)
    }

    @Test func unknownOrMissingActorsAppendNothing() throws {
        let f = try Fixture()
        let count = try f.eventCount()
        #expect(code { try f.create(.none) } == .unknownUser)
        #expect(code { try f.create(.named("mallory@x.test")) } == .unknownUser)
        _ = try f.service.handle(.command(.deactivateUser(DeactivateUser(user: "bob@x.test"))), as: Fixture.ops)
        let afterDeactivate = try f.eventCount()
        #expect(afterDeactivate == count + 1)
        #expect(code { try f.create(Fixture.bob) } == .unknownUser)
        #expect(code { _ = try f.service.sessions(as: Fixture.bob) } == .unknownUser)
        #expect(try f.eventCount() == afterDeactivate)
    }

    @Test func roleRestrictedQueriesAreRefusedAndRecorded() throws {
        let f = try Fixture()
        let count = try f.eventCount()
        #expect(code { _ = try f.service.monitor(as: Fixture.alice) } == .forbidden)
        #expect(code { _ = try f.service.users(as: Fixture.alice) } == .forbidden)
        #expect(code { _ = try f.service.audit(AuditFilter(), actorName: "bob@x.test", as: Fixture.alice) } == .forbidden)
        #expect(try f.eventCount() == count + 3)
        let denied = try f.service.audit(AuditFilter(deniedOnly: true), as: Fixture.ops)
        #expect(Set(denied.compactMap { $0.payload.objectValue?["reason"]?.stringValue }) == ["role"])
        #expect(try f.service.monitor(as: Fixture.ops).isEmpty)
    }

    @Test func anAdminsAuditShowsOnlyTheirOwnActions() throws {
        let f = try Fixture()
        try f.create(Fixture.alice)
        try f.create(Fixture.bob, file: "b.json", data: Fixture.paper("other"))
        let mine = try f.service.audit(AuditFilter(), as: Fixture.alice)
        #expect(!mine.isEmpty)
        #expect(mine.allSatisfy { $0.actorEmail == "alice@x.test" })
        let everyone = try f.service.audit(AuditFilter(), as: Fixture.ops)
        #expect(Set(everyone.compactMap(\.actorEmail)).isSuperset(of: ["alice@x.test", "bob@x.test", "ops@x.test"]))
    }

    @Test func thePaperFileIsStoredOnceByContentAndItsHashIsCanonical() throws {
        let f = try Fixture()
        let a = try #require(try f.create(Fixture.alice).session)
        let b = try #require(try f.create(Fixture.bob, data: Fixture.paper(indent: true)).session)
        #expect(a.jsonHash == b.jsonHash)
        let blobs = try f.sqlite.query(sql: "SELECT COUNT(*) FROM blobs").first?.first?.int
        #expect(blobs == 2)  // different bytes, same canonical JSON
        #expect(code { try f.create(Fixture.alice, data: Fixture.paper(indent: true)) } == .duplicate)
    }

    @Test func papersOverTheLimitAreRefusedBeforeAnythingIsWritten() throws {
        let f = try Fixture(paperLimit: 200)
        let count = try f.eventCount()
        #expect(code { try f.create(Fixture.alice, data: Fixture.paper(questions: 30)) } == .tooLarge)
        #expect(code { try f.create(Fixture.alice, data: Data("[1,2]".utf8)) } == .invalidInput)
        #expect(code { try f.create(Fixture.alice, data: Data("{\"questions\": [".utf8)) } == .invalidInput)
        #expect(try f.eventCount() == count)
    }

    @Test func resumeOpensTheMostRecentlyUsedInProgressSession() throws {
        var now = Timestamp(milliseconds: 1_764_000_000_000)
        let clock = Clock(now)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-svc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let service = try QuireService.open(location: dir.appendingPathComponent("q.sqlite").path, options: .init(create: true),
                                            clock: { clock.now })
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "ops@x.test", role: .systemAdmin))), as: .system)
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "alice@x.test", role: .admin))), as: Fixture.ops)
        var ids: [String] = []
        for i in 0..<3 {
            now = now.adding(milliseconds: 60_000)
            clock.now = now
            let s = try service.handle(.createSession(name: nil, paper: .bytes(fileName: "p\(i).json", data: Fixture.paper("c\(i)")),
                                                      allowDuplicate: false), as: Fixture.alice)
            ids.append(try #require(s.session?.id))
        }
        clock.now = now.adding(milliseconds: 60_000)
        _ = try service.show(SessionID(ids[0]), as: Fixture.alice)
        #expect(try service.resume(as: Fixture.alice).session?.id == ids[0])
        clock.now = now.adding(milliseconds: 120_000)
        _ = try service.handle(.command(.completeSession(CompleteSession(sessionID: SessionID(ids[0])))), as: Fixture.alice)
        #expect(try service.resume(as: Fixture.alice).session?.id == ids[2])
        // The monitor reports idle time on the same clock.
        clock.now = now.adding(milliseconds: 3 * 3_600_000)
        let rows = try service.monitor(as: Fixture.ops, staleHours: 2)
        #expect(rows.map(\.session.id) == [ids[1], ids[2]])  // stalest first; the completed one is gone
        #expect(rows.first.map { $0.hoursSinceAccess >= 3 } == true)
        #expect(try service.monitor(as: Fixture.ops, staleHours: 3.5).isEmpty)
    }

    @Test func legacyRowsImportOnceAndKeepRegisteredOwners() throws {
        let f = try Fixture()
        let alice = try #require(try f.service.user(named: "alice@x.test"))
        let csv = """
            id,created_by,status,json_hash,file_name,created_at,updated_at,last_accessed_at,metadata,extra
            l-1,,in_progress,,old.json,2024-03-04 09:11:57.342+00,,,"{""progress"":40,""name"":""Old, with comma""}",x
            l-2,\(alice.id),completed,,mine.json,2024-03-04T09:11:57Z,,,{},y
            l-3,ghost-user,in_progress,,ghost.json,,,,{},z
            l-4,,exploded,,bad.json,,,,{},z
            """
        let reports = try f.service.importLegacy(Data(csv.utf8), fileName: "rows.csv", as: Fixture.ops)
        #expect(reports.map(\.result) == ["imported", "imported", "skipped", "skipped"])
        let bobSees = try f.service.sessions(as: Fixture.bob)
        #expect(bobSees.map(\.id) == ["l-1"])
        #expect(bobSees.first?.name == "Old, with comma")
        #expect(bobSees.first?.progress == 40)
        #expect(bobSees.first?.legacy == true)
        let aliceSees = try f.service.sessions(as: Fixture.alice)
        #expect(Set(aliceSees.map(\.id)) == ["l-1", "l-2"])
        #expect(aliceSees.first { $0.id == "l-2" }?.status == "completed")
        let again = try f.service.importLegacy(Data(csv.utf8), fileName: "rows.csv", as: Fixture.ops)
        #expect(again.map(\.result) == ["already_imported", "already_imported", "skipped", "skipped"])
        #expect(code { _ = try f.service.importLegacy(Data(csv.utf8), fileName: "rows.csv", as: Fixture.alice) } == .forbidden)
    }

    @Test func aBatchCommitsTogetherButARejectedCommandNeverFailsItsNeighbours() throws {
        let f = try Fixture()
        let s = try #require(try f.create(Fixture.alice).session)
        let count = try f.eventCount()
        let results = f.service.handleBatch([
            .init(.command(.updateSession(UpdateSession(sessionID: SessionID(s.id), progress: 30))), as: Fixture.alice),
            .init(.command(.updateSession(UpdateSession(sessionID: SessionID(s.id), progress: 999))), as: Fixture.alice),
            .init(.command(.deleteSession(DeleteSession(sessionID: SessionID(s.id)))), as: Fixture.bob, commandID: "bob-del"),
            .init(.createSession(name: nil, paper: .bytes(fileName: "x.json", data: Data("nope".utf8)), allowDuplicate: false), as: Fixture.alice),
            .init(.command(.updateSession(UpdateSession(sessionID: SessionID(s.id), progress: 60))), as: Fixture.alice),
        ])
        #expect(results.map { (try? $0.get()) != nil } == [true, false, false, false, true])
        #expect((try? results[0].get())?.session?.progress == 30)
        #expect((try? results[4].get())?.session?.progress == 60)
        if case .failure(let e) = results[1] { #expect(e.code == .invalidInput) }
        if case .failure(let e) = results[2] { #expect(e.code == .notFound) }
        // Two updates and Bob's recorded attempt; nothing for the invalid ones.
        #expect(try f.eventCount() == count + 3)
        #expect(try f.service.audit(AuditFilter(deniedOnly: true), as: Fixture.ops).first?.commandID == "bob-del")
        #expect(try f.service.verify().ok)
    }

    @Test func aSubmitLineWithAWrongTypedFieldNamesTheField() {
        let line = Data(#"{"type":"session.update","session_id":"s","progress":"ten"}"#.utf8)
        do {
            _ = try JSONCommand(line: line, readFile: nil)
            Issue.record("accepted a string progress")
        } catch {
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("'progress'"))
        }
        #expect(code { _ = try JSONCommand(line: Data(#"{"type":"session.update","session_id":"s","progres":1}"#.utf8), readFile: nil) } == .invalidInput)
        #expect(code { _ = try JSONCommand(line: Data(#"{"type":"session.create","file":"/etc/passwd"}"#.utf8), readFile: nil) } == .invalidInput)
    }
}

/// A clock the test moves by hand.
final class Clock: @unchecked Sendable {
    // @unchecked: tests set and read it from one thread at a time, guarded by the lock.
    private let lock = NSLock()
    private var value: Timestamp
    init(_ value: Timestamp) { self.value = value }
    var now: Timestamp {
        get { lock.lock(); defer { lock.unlock() }; return value }
        set { lock.lock(); value = newValue; lock.unlock() }
    }
}

final class Failures: @unchecked Sendable {
    // @unchecked: every access holds the lock.
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
