import Crypto
import Foundation
import QuireCore
import QuireService
import QuireStorage
import QuireTestSupport
import Testing

let alice = UserID("a1")
let envelope = Envelope(actor: .user(alice), commandID: "cmd-1", recordedAt: Timestamp(milliseconds: 1_764_030_756_123))

func created(_ id: String, owner: UserID? = alice) -> Event {
    .sessionCreated(SessionCreated(sessionID: SessionID(id), ownerID: owner, name: "Paper \(id)", fileName: "\(id).json",
                                   jsonHash: String(repeating: "ab", count: 32), questionCount: 3, blob: nil))
}

func accessed(_ id: String) -> Event { .sessionAccessed(SessionAccessed(sessionID: SessionID(id))) }

/// Everything the projections answer, read through the contract: two stores hold the same
/// projections exactly when their snapshots are equal.
struct ProjectionSnapshot: Equatable {
    var users: [UserState] = []
    var visible: [UserID: [SessionState]] = [:]
    var sessions: [SessionState] = []
    var access: [SessionID: SessionAccess] = [:]
    var monitor: [MonitorEntry] = []
    var duplicates: [DuplicateGroup] = []
    var expired = 0
    var collaborators: [String] = []

    init(_ store: any EventStorage, sessionIDs: [SessionID]) throws {
        try store.read { r in
            users = try r.users()
            for u in users { visible[u.id] = try r.sessions(visibleTo: u.id) }
            sessions = try r.sessions(sessionIDs)
            for id in sessionIDs { access[id] = try r.sessionAccess(id) }
            monitor = try r.monitor(accessedBefore: nil, limit: 100_000, offset: 0)
            duplicates = try r.duplicateGroups()
            expired = try r.monitorExpiredCount()
            collaborators = try r.collaborators(of: sessionIDs).map { "\($0.sessionID) \($0.userID) \($0.email ?? "-") \($0.role)" }.sorted()
        }
    }
}

/// The storage contract, written once and run against every backend (Emmett's `features.ts`,
/// Eventuous's `StoreAppendTests<T>`).
@Suite("Storage contract")
struct StorageContractTests {
    // MARK: - Append

    @Test(arguments: BackendUnderTest.all)
    func appendAssignsGaplessPositionsAndStreamVersions(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        let appended = try store.write { tx in
            try tx.append([NewEvent(created("s1")), NewEvent(accessed("s1")), NewEvent(created("s2"))], envelope: envelope)
        }
        #expect(appended.map(\.position) == [1, 2, 3])
        #expect(appended.map(\.version) == [1, 2, 1])
        #expect(appended.map(\.stream) == ["session-s1", "session-s1", "session-s2"])
        let more = try store.write { tx in try tx.append([NewEvent(accessed("s2"))], envelope: envelope) }
        #expect(more.map(\.position) == [4])
        #expect(more.map(\.version) == [2])
        let all = try store.read { r in try r.events(after: 0) }
        #expect(all == appended + more)
        #expect(all.allSatisfy { $0.actor == "a1" && $0.commandID == "cmd-1" && $0.recordedAt == "2025-11-25T00:32:36.123Z" })
        #expect(try store.read { r in try r.events(stream: "session-s1") }.map(\.position) == [1, 2])
        #expect(try store.read { r in try r.events(after: 1, limit: 2) }.map(\.position) == [2, 3])
        #expect(try store.read { r in try r.tip() } == LogTip(position: 4, hash: more[0].hash))
    }

    // MARK: - The stale-session timeout

    @Test(arguments: BackendUnderTest.all)
    func anExpiredSessionStaysInItsOwnersListButLeavesEveryInProgressRead(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        let s1 = SessionID("s1"), s2 = SessionID("s2")
        let expired = Event.sessionExpired(SessionExpired(sessionID: s1, expireAfter: "1h", idleSeconds: 3700,
                                                          lastAccessedAt: envelope.recordedAt))
        try store.write { tx in
            try tx.append([NewEvent(.userRegistered(UserRegistered(userID: alice, email: "a@x.test", role: .admin))),
                           NewEvent(created("s1")), NewEvent(created("s2")), NewEvent(expired)], envelope: envelope)
        }
        try store.read { (r: any StorageReader) throws in
            #expect(try r.sessions(visibleTo: alice).map(\.id).sorted { $0.rawValue < $1.rawValue } == [s1, s2])
            #expect(try r.session(s1)?.status == .expired)
            #expect(try r.sessionAccess(s1)?.status == .expired)
            #expect(try r.mostRecentInProgress(of: alice)?.id == s2)
            #expect(try r.similarSessions(owner: alice, fileName: "s1.json", paperCode: nil).isEmpty)
            #expect(try r.monitor(accessedBefore: nil, limit: 10, offset: 0).map(\.sessionID) == [s2])
            #expect(try r.monitorCount() == 1)
            #expect(try r.monitorExpiredCount() == 1)
            #expect(try r.duplicateSessions(owner: alice, jsonHash: String(repeating: "ab", count: 32)) == [s1, s2])
        }
        try store.write { tx in try tx.append([NewEvent(.sessionReopened(SessionReopened(sessionID: s1)))], envelope: envelope) }
        try store.read { (r: any StorageReader) throws in
            #expect(try r.session(s1)?.status == .inProgress)
            #expect(try r.monitorExpiredCount() == 0)
            #expect(Set(try r.monitor(accessedBefore: nil, limit: 10, offset: 0).map(\.sessionID)) == [s1, s2])
        }
        try store.write { tx in
            try tx.append([NewEvent(expired), NewEvent(.sessionDeleted(SessionDeleted(sessionID: s1)))], envelope: envelope)
        }
        #expect(try store.read { r in try r.monitorExpiredCount() } == 0, "a deleted session is no longer counted as expired")
        #expect(try store.drift().isEmpty)
    }

    @Test(arguments: BackendUnderTest.all)
    func aSharedSessionIsInItsCollaboratorsListAndSimilarSessionsUntilUnshared(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        let bob = UserID("b1"), s1 = SessionID("s1")
        try store.write { tx in
            try tx.append([NewEvent(.userRegistered(UserRegistered(userID: alice, email: "a@x.test", role: .admin))),
                           NewEvent(.userRegistered(UserRegistered(userID: bob, email: "b@x.test", role: .admin))),
                           NewEvent(created("s1")),
                           NewEvent(.collaboratorAdded(CollaboratorAdded(sessionID: s1, userID: bob, role: .viewer)))], envelope: envelope)
        }
        try store.read { (r: any StorageReader) throws in
            #expect(try r.sessions(visibleTo: bob).map(\.id) == [s1])
            #expect(try r.sessions(visibleTo: bob).first?.role(of: bob) == .viewer)
            #expect(try r.similarSessions(owner: bob, fileName: "s1.json", paperCode: nil).map(\.id) == [s1])
            #expect(try r.duplicateSessions(owner: bob, jsonHash: String(repeating: "ab", count: 32)).isEmpty)
        }
        try store.write { tx in
            try tx.append([NewEvent(.collaboratorRemoved(CollaboratorRemoved(sessionID: s1, userID: bob)))], envelope: envelope)
        }
        #expect(try store.read { r in try r.sessions(visibleTo: bob) }.isEmpty)
        #expect(try store.drift().isEmpty)
    }

    @Test(arguments: BackendUnderTest.all)
    func theCollaboratorsOfManySessionsAreReadAtOnceWithTheirEmails(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        let bob = UserID("b1"), cy = UserID("c1"), s1 = SessionID("s1"), s2 = SessionID("s2"), s3 = SessionID("s3")
        try store.write { tx in
            try tx.append([NewEvent(.userRegistered(UserRegistered(userID: alice, email: "a@x.test", role: .admin))),
                           NewEvent(.userRegistered(UserRegistered(userID: bob, email: "b@x.test", role: .admin))),
                           NewEvent(.userRegistered(UserRegistered(userID: cy, email: "c@x.test", role: .admin))),
                           NewEvent(created("s1")), NewEvent(created("s2")), NewEvent(created("s3")),
                           NewEvent(.collaboratorAdded(CollaboratorAdded(sessionID: s1, userID: bob, role: .editor))),
                           NewEvent(.collaboratorAdded(CollaboratorAdded(sessionID: s1, userID: cy, role: .viewer))),
                           NewEvent(.collaboratorAdded(CollaboratorAdded(sessionID: s2, userID: cy, role: .editor)))], envelope: envelope)
        }
        func read(_ ids: [SessionID] = [s1, s2, s3]) throws -> [String] {
            try store.read { r in
                // The rows agree with each live session's own collaborators (its view's map; a
                // deleted session's view keeps the map it had, but nobody is a collaborator any more).
                let views = try r.sessions(ids).filter { $0.status != .deleted }
                    .flatMap { s in s.collaborators.map { "\(s.id) \($0.key) \($0.value)" } }
                let rows = try r.collaborators(of: ids)
                #expect(rows.map { "\($0.sessionID) \($0.userID) \($0.role)" }.sorted() == views.sorted())
                return rows.map { "\($0.sessionID) \($0.email ?? "?") \($0.role)" }.sorted()
            }
        }
        #expect(try read() == ["s1 b@x.test editor", "s1 c@x.test viewer", "s2 c@x.test editor"])
        #expect(try read([s2, SessionID("unknown")]) == ["s2 c@x.test editor"])
        #expect(try read([]) == [])

        // Unsharing, deleting and handing the session to its collaborator each end a row.
        try store.write { tx in
            try tx.append([NewEvent(.collaboratorRemoved(CollaboratorRemoved(sessionID: s1, userID: bob))),
                           NewEvent(.sessionDeleted(SessionDeleted(sessionID: s2)))], envelope: envelope)
        }
        #expect(try read() == ["s1 c@x.test viewer"])
        try store.write { tx in
            try tx.append([NewEvent(.sessionTransferred(SessionTransferred(sessionID: s1, from: alice, to: cy)))], envelope: envelope)
        }
        #expect(try read() == [])
        #expect(try store.drift().isEmpty)
    }

    @Test(arguments: BackendUnderTest.all)
    func pendingOffersAreReadByRecipientAndByLapse(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        let bob = UserID("b1"), s1 = SessionID("s1")
        let until = envelope.recordedAt.adding(milliseconds: 60_000)
        try store.write { tx in
            try tx.append([NewEvent(created("s1")),
                           NewEvent(.sessionOffered(SessionOffered(sessionID: s1, from: alice, to: bob, expiresAt: until)))], envelope: envelope)
        }
        try store.read { (r: any StorageReader) throws in
            #expect(try r.offers(to: bob, at: envelope.recordedAt).map(\.id) == [s1])
            #expect(try r.offers(to: bob, at: until).isEmpty, "a lapsed offer is no longer offered")
            #expect(try r.pendingOfferCount(at: envelope.recordedAt) == 1)
            #expect(try r.lapsedOffers(at: envelope.recordedAt, limit: 10).isEmpty)
            #expect(try r.lapsedOffers(at: until, limit: 10).map(\.id) == [s1])
        }
        try store.write { tx in
            try tx.append([NewEvent(.sessionDeclined(SessionDeclined(sessionID: s1, to: bob, expired: true)))], envelope: envelope)
        }
        #expect(try store.read { r in try r.lapsedOffers(at: until, limit: 10) }.isEmpty)
        #expect(try store.drift().isEmpty)
    }

    @Test(arguments: BackendUnderTest.all)
    func aStaleExpectedVersionIsAConflictCarryingBothVersionsAndAppendsNothing(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        try store.write { tx in try tx.append([NewEvent(created("s1")), NewEvent(accessed("s1"))], envelope: envelope) }
        #expect {
            try store.write { tx in try tx.append([NewEvent(accessed("s1"), expectedVersion: .exactly(1))], envelope: envelope) }
        } throws: { error in
            let e = error as? QuireError
            return e?.code == .conflict && e?.expectedVersion == 1 && e?.actualVersion == 2 && e?.exitCode == 75
        }
        #expect {
            try store.write { tx in try tx.append([NewEvent(created("s1"), expectedVersion: .noStream)], envelope: envelope) }
        } throws: { ($0 as? QuireError)?.actualVersion == 2 }
        #expect(try store.read { r in try r.eventCount() } == 2)
        let ok = try store.write { tx in try tx.append([NewEvent(accessed("s1"), expectedVersion: .exactly(2))], envelope: envelope) }
        #expect(ok.first?.version == 3)
    }

    @Test(arguments: BackendUnderTest.all)
    func aFailedTransactionLeavesNoTraceInTheLogOrTheProjections(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        struct Boom: Error {}
        #expect(throws: QuireError.self) {
            try store.write { tx in
                try tx.append([NewEvent(created("s1"))], envelope: envelope)
                throw Boom()
            }
        }
        #expect(try store.read { r in try r.eventCount() } == 0)
        #expect(try store.read { r in try r.session(SessionID("s1")) } == nil)
    }

    /// Group commit: a failed savepoint undoes only its own command; its neighbours commit.
    @Test(arguments: BackendUnderTest.all)
    func aSavepointUndoesOnlyItsOwnWork(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        struct Boom: Error {}
        try store.write { tx in
            try tx.savepoint { try tx.append([NewEvent(created("s1"))], envelope: envelope) }
            #expect(throws: Boom.self) {
                try tx.savepoint {
                    try tx.append([NewEvent(created("s2"))], envelope: envelope)
                    throw Boom()
                }
            }
            try tx.savepoint { try tx.append([NewEvent(created("s3"))], envelope: envelope) }
        }
        let events = try store.read { r in try r.events(after: 0) }
        #expect(events.map(\.stream) == ["session-s1", "session-s3"])
        #expect(events.map(\.position) == [1, 2])
        #expect(try store.read { r in try r.session(SessionID("s2")) } == nil)
        #expect(try store.read { r in try r.session(SessionID("s3")) }?.name == "Paper s3")
        #expect(try store.drift() == [])
    }

    /// "As of time T" has one answer only if times never go back in position order.
    @Test(arguments: BackendUnderTest.all)
    func anEventRecordedBeforeItsPredecessorIsRefused(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        try store.write { tx in try tx.append([NewEvent(created("s1"))], envelope: envelope) }
        #expect(try store.read { r in try r.lastRecordedAt() } == envelope.recordedAt)
        let earlier = Envelope(actor: .user(alice), commandID: nil, recordedAt: envelope.recordedAt.adding(milliseconds: -1))
        #expect(throws: QuireError.self) { try store.write { tx in try tx.append([NewEvent(accessed("s1"))], envelope: earlier) } }
        // The same time is fine: two events in one millisecond.
        try store.write { tx in try tx.append([NewEvent(accessed("s1"))], envelope: envelope) }
        // And the database itself refuses a row that goes back, whoever inserts it.
        let last = try #require(try store.read { r in try r.events(after: 1) }.first)
        var back = last
        back.position = 3
        back.version = 3
        back.eventID = "back"
        back.recordedAt = "2020-01-01T00:00:00.000Z"
        back.prevHash = last.hash
        #expect(throws: QuireError.self) { try store.write { tx in try tx.insertVerbatim(back) } }
        #expect(try store.read { r in try r.eventCount() } == 2)
    }

    // MARK: - The log cannot change

    @Test(arguments: BackendUnderTest.all)
    func theBackendsOwnClientCannotUpdateOrDeleteEvents(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        try store.write { tx in try tx.append([NewEvent(created("s1"))], envelope: envelope) }
        for sql in ["UPDATE events SET payload = '{}' WHERE position = 1", "DELETE FROM events WHERE position = 1",
                    "UPDATE events SET actor = 'mallory'", "DELETE FROM events"] {
            #expect(throws: QuireError.self, "\(sql)") { try backend.execute(store, sql) }
        }
        #expect(try store.read { r in try r.events(after: 0) }.first?.actor == "a1")
    }

    @Test(arguments: BackendUnderTest.all)
    func positionsAndVersionsCannotSkip(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        let first = try store.write { tx in try tx.append([NewEvent(created("s1"))], envelope: envelope) }[0]
        var gap = first
        gap.position = 3
        gap.eventID = "other"
        #expect(throws: QuireError.self) { try store.write { tx in try tx.insertVerbatim(gap) } }
        var skippedVersion = first
        skippedVersion.position = 2
        skippedVersion.version = 5
        skippedVersion.eventID = "other2"
        #expect(throws: QuireError.self) { try store.write { tx in try tx.insertVerbatim(skippedVersion) } }
        #expect(try store.read { r in try r.eventCount() } == 1)
    }

    /// The chain recomputed here from the rule as DESIGN §2 states it, without quire's chain code.
    @Test(arguments: BackendUnderTest.all)
    func theHashChainFollowsTheDocumentedRule(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        try store.write { tx in
            try tx.append([NewEvent(created("s1")), NewEvent(accessed("s1"))], envelope: envelope)
            try tx.append([NewEvent(.accessDenied(AccessDenied(command: "session.update", target: "session-s1", reason: .notOwner)))],
                          envelope: Envelope(actor: .system, commandID: nil, recordedAt: Timestamp(milliseconds: 1_764_030_756_200)))
        }
        var prev = Data(repeating: 0, count: 32)
        let rows = try store.read { r in try r.events(after: 0) }
        for e in rows {
            let fields: [String?] = [String(e.position), e.stream, String(e.version), e.type, String(e.schema), e.eventID, e.actor,
                                     e.commandID, e.recordedAt]
            let text = fields.map { ($0 ?? "") + "\n" }.joined() + e.payload
            let expected = Data(SHA256.hash(data: prev + Data(text.utf8)))
            #expect(e.prevHash == prev)
            #expect(e.hash == expected)
            prev = expected
        }
        #expect(rows.count == 3)
        #expect(try store.read { r in try r.verifyChain(progress: nil) } == .success(3))
    }

    @Test(arguments: BackendUnderTest.all)
    func verifyChainNamesTheFirstRewrittenPosition(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        try store.write { tx in
            for i in 1...5 { try tx.append([NewEvent(created("s\(i)"))], envelope: envelope) }
        }
        try backend.execute(store, backend.allowUpdates)
        try backend.execute(store, "UPDATE events SET payload = replace(payload, 'Paper s3', 'Paper X') WHERE position = 3")
        guard case .failure(let fault) = try store.read({ r in try r.verifyChain(progress: nil) }) else {
            Issue.record("tampering was not detected")
            return
        }
        #expect(fault.position == 3)
    }

    // MARK: - Commands and blobs

    @Test(arguments: BackendUnderTest.all)
    func blobsAreStoredOnceByContentAndCannotChange(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        let bytes = Array("{\"questions\":[]}".utf8)
        let (h1, h2) = try store.write { tx in
            (try tx.storeBlob(bytes, at: Timestamp(milliseconds: 0)), try tx.storeBlob(bytes, at: Timestamp(milliseconds: 5)))
        }
        #expect(h1 == h2)
        #expect(h1 == Data(SHA256.hash(data: bytes)).map { String(format: "%02x", $0) }.joined())
        #expect(try store.read { r in try r.blob(h1) } == Data(bytes))
        #expect(try store.read { r in try r.blob(String(repeating: "0", count: 64)) } == nil)
        #expect(throws: QuireError.self) { try backend.execute(store, "UPDATE blobs SET size = 1") }
        #expect(throws: QuireError.self) { try backend.execute(store, "DELETE FROM blobs") }
        #expect(try store.read { r in try r.blob(h1) } == Data(bytes))
    }

    @Test(arguments: BackendUnderTest.all)
    func recordedCommandsAreKeptOnceAndCannotChange(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        let entry = CommandRecord(commandID: "c1", fingerprint: "f", actor: "a1", outcome: "{}", firstPosition: 1)
        try store.write { tx in try tx.record(entry, at: Timestamp(milliseconds: 0)) }
        #expect(try store.read { r in try r.command("c1") } == entry)
        #expect(try store.read { r in try r.command("c2") } == nil)
        #expect(try store.read { r in try r.lastCommandPosition() } == 1)
        #expect(throws: QuireError.self) { try store.write { tx in try tx.record(entry, at: Timestamp(milliseconds: 0)) } }
        #expect(throws: QuireError.self) { try backend.execute(store, "DELETE FROM commands") }
    }

    /// Idempotency end to end, through the service on this backend: the same id again returns the
    /// first result and appends nothing; the same id with another command is refused.
    @Test(arguments: BackendUnderTest.all)
    func theSameCommandIDIsAppliedOnce(_ backend: BackendUnderTest) throws {
        let service = try QuireService.open(try backend.make())
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "ops@x.test", role: .systemAdmin, id: nil))), as: .system)
        let paper = Data(#"{"questions":[{"q":1},{"q":2}]}"#.utf8)
        let first = try service.handle(.createSession(name: nil, paper: .bytes(fileName: "p.json", data: paper), allowDuplicate: false),
                                       as: .named("ops@x.test"), commandID: "c-1")
        let again = try service.handle(.createSession(name: nil, paper: .bytes(fileName: "p.json", data: paper), allowDuplicate: false),
                                       as: .named("ops@x.test"), commandID: "c-1")
        #expect(again.replayed && !first.replayed)
        #expect(again.session?.id == first.session?.id)
        #expect(try service.lastPosition() == 2)
        #expect(throws: QuireError.self) {
            try service.handle(.command(.accessSession(SessionID(first.session!.id))), as: .named("ops@x.test"), commandID: "c-1")
        }
        #expect(try service.lastPosition() == 2)
    }

    // MARK: - Projections

    @Test(arguments: BackendUnderTest.all, [1, 2, 42] as [UInt64])
    func inlineProjectionsEqualARebuildAfterARandomWorkload(_ backend: BackendUnderTest, seed: UInt64) throws {
        let store = try backend.make()
        try store.prepareProjections(progress: nil)
        var workload = RandomWorkload(seed: seed)
        try workload.run(300, on: store)
        let ids = workload.sessions.keys.sorted()
        #expect(try store.drift() == [])
        let inline = try ProjectionSnapshot(store, sessionIDs: ids)
        #expect(!inline.sessions.isEmpty && !inline.users.isEmpty)
        try store.rebuild(store.projectionNames, progress: nil)
        #expect(try ProjectionSnapshot(store, sessionIDs: ids) == inline)
        let head = try store.read { r in try r.eventCount() }
        let checkpoints = try store.read { r in try r.checkpoints() }
        #expect(checkpoints.count == store.projectionNames.count && checkpoints.allSatisfy { $0.position == head })
        // Sessions are the fold of their streams by SessionState.evolve: the view and the decider agree.
        try store.read { (r: any StorageReader) throws in
            for id in ids {
                var state: SessionState?
                for e in try r.events(stream: id.stream) {
                    state = SessionState.evolve(state, try e.decoded(), version: e.version, at: e.timestamp)
                }
                #expect(try r.session(id) == state)
            }
        }
    }

    /// The whole command path on this backend — decide, append, project, record — driven by random
    /// commands from several users (including refused ones and attempts on others' sessions): the
    /// inline projections always equal a fresh replay, and a rebuild changes nothing.
    @Test(arguments: BackendUnderTest.all, [5, 6] as [UInt64])
    func projectionsEqualARebuildAfterRandomCommands(_ backend: BackendUnderTest, seed: UInt64) throws {
        let store = try backend.make()
        let service = try QuireService.open(store)
        let users = ["ops@x.test", "a@x.test", "b@x.test", "c@x.test"]
        _ = try service.handle(.command(.registerUser(RegisterUser(email: users[0], role: .systemAdmin))), as: .system)
        for u in users.dropFirst() {
            _ = try service.handle(.command(.registerUser(RegisterUser(email: u, role: .admin))), as: .named(users[0]))
        }
        var rng = SeededRandom(seed: seed)
        var sessions: [String] = []
        var accepted = 0, refused = 0
        for i in 0..<250 {
            let actor = ActorName.named(users[Int(rng.next() % UInt64(users.count))])
            let target = sessions.isEmpty ? nil : SessionID(sessions[Int(rng.next() % UInt64(sessions.count))])
            let request: Request
            switch (rng.next() % 8, target) {
            case (0, _), (_, nil):
                let paper = Data(#"{"paper":{"code":"C\#(rng.next() % 4)"},"questions":[1,2,3,4,5,6]}"#.utf8)
                request = .createSession(name: nil, paper: .bytes(fileName: "f\(rng.next() % 3).json", data: paper),
                                         allowDuplicate: rng.next() % 2 == 0)
            case (1, let id?), (2, let id?): request = .command(.accessSession(id))
            case (3, let id?), (4, let id?):
                request = .command(.updateSession(UpdateSession(sessionID: id, step: ImportStep.allCases[Int(rng.next() % 5)],
                                                                progress: Int(rng.next() % 101), questionsImported: Int(rng.next() % 7),
                                                                metadata: rng.next() % 3 == 0 ? ["k": .string("v\(i)")] : nil)))
            case (5, let id?): request = .command(.completeSession(CompleteSession(sessionID: id)))
            case (6, let id?): request = .command(.deleteSession(DeleteSession(sessionID: id, reason: "r")))
            case (_, let id?): request = .command(.updateSession(UpdateSession(sessionID: id, progress: 1, expectedVersion: Int(rng.next() % 3))))
            }
            do {
                let outcome = try service.handle(request, as: actor, commandID: rng.next() % 5 == 0 ? "c\(rng.next() % 40)" : nil)
                if case .createSession = request, let id = outcome.session?.id, !sessions.contains(id) { sessions.append(id) }
                accepted += 1
            } catch {
                refused += 1
            }
        }
        #expect(accepted > 50 && refused > 20, "accepted \(accepted), refused \(refused)")
        let ids = sessions.map { SessionID($0) }
        #expect(try store.drift() == [])
        let inline = try ProjectionSnapshot(store, sessionIDs: ids)
        try store.rebuild(store.projectionNames, progress: nil)
        #expect(try ProjectionSnapshot(store, sessionIDs: ids) == inline)
        #expect(try service.verify().ok)
    }

    @Test(arguments: BackendUnderTest.all)
    func writersGoOnDuringARebuildAndNothingTheyCommitIsLost(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        try store.prepareProjections(progress: nil)
        var workload = RandomWorkload(seed: 13)
        try workload.run(400, on: store)
        let done = DispatchSemaphore(value: 0)
        let failure = LockedBox<String?>(nil)
        let rebuilding = store
        DispatchQueue.global().async {
            do { try rebuilding.rebuild(rebuilding.projectionNames, progress: nil) } catch { failure.value = "\(error)" }
            done.signal()
        }
        try workload.run(100, on: store)
        done.wait()
        #expect(failure.value == nil)
        let head = try store.read { r in try r.eventCount() }
        #expect(head == 500)
        #expect(try store.drift() == [])
        #expect(try store.read { r in try r.checkpoints() }.allSatisfy { $0.position == head })
    }

    @Test(arguments: BackendUnderTest.all)
    func replayUntilAPositionHoldsTheProjectionsAsOfThen(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        try store.prepareProjections(progress: nil)
        var workload = RandomWorkload(seed: 3)
        try workload.run(120, on: store)
        let past = try store.replay(until: 40, progress: nil)
        // The replay holds projections only, not a copy of the log (read the log from the live store).
        #expect(try past.read { r in try r.eventCount() } == 0)
        #expect(try past.read { r in try r.checkpoints() }.map(\.position) == Array(repeating: 40, count: store.projectionNames.count))
        var seen = 0
        try store.read { (live: any StorageReader) throws in
            for id in workload.sessions.keys {
                var state: SessionState?
                for e in try live.events(stream: id.stream) where e.position <= 40 {
                    state = SessionState.evolve(state, try e.decoded(), version: e.version, at: e.timestamp)
                }
                #expect(try past.read { r in try r.session(id) } == state)
                if state != nil { seen += 1 }
            }
        }
        #expect(seen > 0)
    }

    @Test(arguments: BackendUnderTest.all)
    func theViewsAnswerWhatEachUserMaySee(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        try store.prepareProjections(progress: nil)
        let bob = UserID("b1")
        let at = { (ms: Int64) in Envelope(actor: .system, commandID: nil, recordedAt: Timestamp(milliseconds: 1_764_000_000_000 + ms)) }
        try store.write { tx in
            try tx.append([NewEvent(.userRegistered(UserRegistered(userID: alice, email: "alice@x.test", role: .admin))),
                           NewEvent(.userRegistered(UserRegistered(userID: bob, email: "bob@x.test", role: .systemAdmin)))], envelope: at(0))
            try tx.append([NewEvent(created("a-1"))], envelope: at(1))
            try tx.append([NewEvent(created("a-2"))], envelope: at(2))
            try tx.append([NewEvent(created("b-1", owner: bob))], envelope: at(3))
            try tx.append([NewEvent(created("legacy", owner: nil))], envelope: at(4))
            try tx.append([NewEvent(accessed("a-1"))], envelope: at(5))
            try tx.append([NewEvent(.sessionDeleted(SessionDeleted(sessionID: SessionID("a-2"), reason: nil)))], envelope: at(6))
        }
        try store.read { (r: any StorageReader) throws in
            #expect(try r.sessions(visibleTo: alice).map(\.id.rawValue) == ["a-1", "legacy"])
            #expect(try r.sessions(visibleTo: bob).map(\.id.rawValue) == ["legacy", "b-1"])
            #expect(try r.mostRecentInProgress(of: alice)?.id.rawValue == "a-1")
            #expect(try r.similarSessions(owner: alice, fileName: "a-1.json", paperCode: nil).map(\.id.rawValue) == ["a-1"])
            #expect(try r.duplicateSessions(owner: alice, jsonHash: String(repeating: "ab", count: 32)).map(\.rawValue) == ["a-1"])
            #expect(try r.sessionAccess(SessionID("a-2")) == SessionAccess(owner: alice, status: .deleted))
            #expect(try r.sessionAccess(SessionID("legacy")) == SessionAccess(owner: nil, status: .inProgress))
            #expect(try r.user(named: "ALICE@x.test")?.id == alice)
            #expect(try r.user(named: "b1")?.email == "bob@x.test")
            #expect(try r.activeSystemAdmins() == 1)
            // Stalest first; deleted sessions are not active.
            #expect(try r.monitor(accessedBefore: nil, limit: 10, offset: 0).map(\.sessionID.rawValue) == ["b-1", "legacy", "a-1"])
            #expect(try r.monitor(accessedBefore: nil, limit: 10, offset: 0).first?.ownerEmail == "bob@x.test")
            #expect(try r.monitor(accessedBefore: nil, limit: 1, offset: 1).map(\.sessionID.rawValue) == ["legacy"])
            #expect(try r.monitorCount() == 3)
        }
    }

    // MARK: - Audit

    @Test(arguments: BackendUnderTest.all)
    func auditFiltersAndPagesTheLog(_ backend: BackendUnderTest) throws {
        let store = try backend.make()
        let bob = UserID("b1")
        func env(_ actor: EventActor, _ ms: Int64, _ command: String? = nil) -> Envelope {
            Envelope(actor: actor, commandID: command, recordedAt: Timestamp(milliseconds: 1_764_000_000_000 + ms))
        }
        try store.write { tx in
            try tx.append([NewEvent(created("s1"))], envelope: env(.user(alice), 0, "c1"))                  // 1
            try tx.append([NewEvent(accessed("s1"))], envelope: env(.user(alice), 1000, "c2"))              // 2
            try tx.append([NewEvent(created("s2", owner: bob))], envelope: env(.user(bob), 2000, "c3"))     // 3
            try tx.append([NewEvent(.accessDenied(AccessDenied(command: "session.access", target: "session-s1", reason: .notOwner)))],
                          envelope: env(.user(bob), 3000, "c4"))                                              // 4
            try tx.append([NewEvent(.accessDenied(AccessDenied(command: "monitor", target: "monitor", reason: .role)))],
                          envelope: env(.user(alice), 4000, "c5"))                                            // 5
            try tx.append([NewEvent(.userRegistered(UserRegistered(userID: UserID("z"), email: "z@x.test", role: .admin)))],
                          envelope: env(.system, 5000))                                                       // 6
        }
        func positions(_ f: AuditFilter, ascending: Bool = false) throws -> [Int64] {
            try store.read { r in try r.audit(f, ascending: ascending) }.map(\.position)
        }
        #expect(try positions(AuditFilter()) == [6, 5, 4, 3, 2, 1])
        #expect(try positions(AuditFilter(), ascending: true) == [1, 2, 3, 4, 5, 6])
        #expect(try positions(AuditFilter(actor: alice.rawValue)) == [5, 2, 1])
        #expect(try positions(AuditFilter(actor: "system")) == [6])
        #expect(try positions(AuditFilter(session: SessionID("s1"))) == [4, 2, 1])
        #expect(try positions(AuditFilter(types: ["session."])) == [3, 2, 1])
        #expect(try positions(AuditFilter(types: ["session.created", "user."])) == [6, 3, 1])
        #expect(try positions(AuditFilter(deniedOnly: true)) == [5, 4])
        #expect(try positions(AuditFilter(commandID: "c3")) == [3])
        #expect(try positions(AuditFilter(since: Timestamp(milliseconds: 1_764_000_001_000), until: Timestamp(milliseconds: 1_764_000_003_000))) == [4, 3, 2])
        #expect(try positions(AuditFilter(before: 4, limit: 2)) == [3, 2])
        #expect(try positions(AuditFilter(after: 4)) == [6, 5])
        #expect(try positions(AuditFilter(limit: 1)) == [6])
        var own = AuditFilter(actor: bob.rawValue)
        own.hideOwnershipDenials = true
        #expect(try positions(own) == [3])
        #expect(try store.read { r in try r.position(atOrBefore: Timestamp(milliseconds: 1_764_000_002_500)) } == 3)
        #expect(try store.read { r in try r.position(atOrBefore: Timestamp(milliseconds: 1_000)) } == 0)
    }

    // MARK: - Several connections

    @Test(arguments: BackendUnderTest.all.filter { $0.reopen != nil })
    func anotherConnectionWritingTheSameDatabaseIsSerialisedNotLost(_ backend: BackendUnderTest) throws {
        let a = try backend.make()
        let b = try backend.reopen!(a)
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let store = i == 0 ? a : b
            for n in 0..<50 {
                _ = try? store.write { tx in try tx.append([NewEvent(created("w\(i)-\(n)"))], envelope: envelope) }
            }
        }
        #expect(try a.read { r in try r.eventCount() } == 100)
        #expect(try b.read { r in try r.verifyChain(progress: nil) } == .success(100))
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
