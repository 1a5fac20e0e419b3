import Foundation
import QuireCore
import QuireSQLite
@testable import QuireService
import QuireStorage
import Testing

// Issue 17 §3: a system admin transfers a session; from then on the new owner has every right the
// owner had and the former owner none.

private let s1 = SessionID("s-1")
private let root = DeciderSpecification.As.user("root@example.org")
private let alice = DeciderSpecification.As.user("alice@example.org")
private let bob = DeciderSpecification.As.user("bob@example.org")

private func transfer(to: String = "bob@example.org", reason: String? = "alice is on leave", allowDuplicate: Bool = false) -> Command {
    .transferSession(TransferSession(sessionID: s1, to: to, reason: reason, allowDuplicate: allowDuplicate))
}

private func transferred(from: UserID? = Spec.aliceID, to: UserID = Spec.bobID, reason: String? = "alice is on leave") -> Event {
    .sessionTransferred(SessionTransferred(sessionID: s1, from: from, to: to, reason: reason))
}

@Suite("Transferring a session")
struct TransferRulesTests {
    static let alices: [Event] = Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID))]

    static func legacy() -> Event {
        var legacy = Spec.created("s-1", by: nil)
        legacy.legacy = LegacyRecord(status: .inProgress, createdAt: Spec.start, updatedAt: nil, lastAccessedAt: nil, metadata: [:])
        return .sessionCreated(legacy)
    }

    @Test func aSystemAdminTransfersASessionInAnyLiveState() {
        let states: [[Event]] = [
            [],
            [.sessionCompleted(SessionCompleted(sessionID: s1, questionsImported: 2))],
            [.sessionExpired(SessionExpired(sessionID: s1, expireAfter: "1d", idleSeconds: 90_000, lastAccessedAt: Spec.start))],
        ]
        for extra in states {
            given(Self.alices + extra).when(transfer(), actor: root).then([transferred()])
        }
    }

    @Test func aLegacySessionIsTransferredFromNobodyAndStopsBeingLegacy() throws {
        given(Spec.staff + [Self.legacy()]).when(transfer(), actor: root).then([transferred(from: nil)])
        let before = try #require(SessionState.evolve(nil, Self.legacy(), version: 1, at: Spec.start))
        let after = try #require(SessionState.evolve(before, transferred(from: nil), version: 2, at: Spec.now))
        #expect(before.isLegacy && !after.isLegacy)
        #expect(after.ownerID == Spec.bobID)
        #expect(after.contentVersion == 2)
    }

    @Test func anAdminEvenTheOwnerIsRefusedByRoleAndRecorded() {
        for actor in [alice, bob] {
            let error = given(Self.alices).when(transfer(), actor: actor)
                .thenDenied(reason: .role, .forbidden, command: "session.transfer", target: "session-s-1")
            #expect(error?.message == "Only a system admin may transfer a session to another user (quire session transfer).")
        }
    }

    @Test func aDeletedOrMissingSessionIsNotFound() {
        given(Self.alices + [.sessionDeleted(SessionDeleted(sessionID: s1))]).when(transfer(), actor: root).thenThrows(.notFound)
        given(Spec.staff).when(transfer(), actor: root).thenThrows(.notFound)
    }

    @Test func theNewOwnerMustBeAnotherActiveUser() {
        let unknown = given(Self.alices).when(transfer(to: "mallory@example.org"), actor: root).thenThrows(.unknownUser)
        #expect(unknown?.message == "No registered user is called mallory@example.org.")
        let retired = given(Self.alices + [.userDeactivated(UserDeactivated(userID: Spec.bobID))]).when(transfer(), actor: root)
            .thenThrows(.invalidInput)
        #expect(retired?.message == "bob@example.org is deactivated and cannot take over a session.")
        let same = given(Self.alices).when(transfer(to: "alice@example.org"), actor: root).thenThrows(.invalidInput)
        #expect(same?.message == "Session s-1 already belongs to alice@example.org.")
    }

    @Test func duplicateDetectionFollowsTheSessionIntoTheNewOwnersScope() {
        let bobsCopy: [Event] = [.sessionCreated(Spec.created("s-2", by: Spec.bobID, name: "Bob's copy"))]
        let error = given(Self.alices + bobsCopy).when(transfer(), actor: root).thenThrows(.duplicate)
        #expect(error?.message == "bob@example.org already has this file in session s-2 (\"Bob's copy\"); allow a duplicate to transfer it anyway.")
        given(Self.alices + bobsCopy).when(transfer(allowDuplicate: true), actor: root).then([transferred()])
        // Bob's deleted copy does not count; another file does not either.
        given(Self.alices + bobsCopy + [.sessionDeleted(SessionDeleted(sessionID: SessionID("s-2")))]).when(transfer(), actor: root)
            .then([transferred()])
        let other: [Event] = [.sessionCreated(Spec.created("s-3", by: Spec.bobID, Spec.paper(hash: Spec.hashB)))]
        given(Self.alices + other).when(transfer(), actor: root).then([transferred()])
    }

    @Test func afterTheTransferTheFormerOwnerIsRefusedLikeAnyoneAndTheNewOwnerActs() {
        let spec = given(Self.alices + [transferred()])
        let commands: [Command] = [
            .accessSession(s1), .updateSession(UpdateSession(sessionID: s1, progress: 10)),
            .completeSession(CompleteSession(sessionID: s1)), .deleteSession(DeleteSession(sessionID: s1)),
        ]
        for command in commands {
            let error = spec.when(command, actor: alice).thenDenied(reason: .notOwner, .notFound, target: "session-s-1")
            #expect(error == QuireError.sessionNotFound(s1))
        }
        spec.when(.updateSession(UpdateSession(sessionID: s1, progress: 10)), actor: bob)
            .then([.sessionUpdated(SessionUpdated(sessionID: s1, progress: 10))])
        // The transfer changed the content: a copy from before it is stale.
        spec.when(.updateSession(UpdateSession(sessionID: s1, progress: 10, expectedVersion: 1)), actor: bob).thenThrows(.conflict)
    }

    @Test func theReasonIsCheckedLikeEveryReason() {
        given(Self.alices).when(transfer(reason: "  "), actor: root).thenThrows(.invalidInput)
        given(Self.alices).when(transfer(reason: nil), actor: root).then([transferred(reason: nil)])
    }
}

@Suite("Transfers in the log")
struct TransferServiceTests {
    @Test func replayBeforeAndAfterATransferShowsEachOwnersListAsItWas() throws {
        let f = try Fixture()
        let id = SessionID(try f.create(Fixture.alice).session!.id)
        let before = try f.eventCount()
        let outcome = try f.service.handle(.command(.transferSession(TransferSession(sessionID: id, to: "bob@x.test"))), as: Fixture.ops)
        #expect(outcome.session?.ownerEmail == "bob@x.test")
        let ids = try f.service.store.read { r in (try r.user(named: "alice@x.test")!.id, try r.user(named: "bob@x.test")!.id) }

        let then = try f.service.store.replay(until: before, progress: nil)
        #expect(try then.read { try $0.sessions(visibleTo: ids.0) }.map(\.id) == [id])
        #expect(try then.read { try $0.sessions(visibleTo: ids.1) }.isEmpty)
        let now = try f.service.store.replay(until: try f.eventCount(), progress: nil)
        #expect(try now.read { try $0.sessions(visibleTo: ids.0) }.isEmpty)
        #expect(try now.read { try $0.sessions(visibleTo: ids.1) }.map(\.id) == [id])

        // Live: the new owner's duplicate check now sees the file; the former owner's does not.
        #expect(code { try f.create(Fixture.bob) } == .duplicate)
        #expect(code { try f.create(Fixture.alice) } == nil)
        #expect(try f.service.store.drift().isEmpty)
    }

    @Test func aTransferredLegacySessionJoinsItsNewOwnersDuplicates() throws {
        let f = try Fixture()
        let row = LegacyRow(id: SessionID("old-1"), createdBy: nil, status: .inProgress, jsonHash: String(repeating: "c", count: 64),
                            fileName: "old.json", createdAt: nil, updatedAt: nil, lastAccessedAt: nil, metadata: [:])
        _ = try f.service.handle(.command(.importLegacySession(row)), as: Fixture.ops)
        _ = try f.service.handle(.command(.transferSession(TransferSession(sessionID: row.id, to: "alice@x.test"))), as: Fixture.ops)
        let alice = try #require(try f.service.user(named: "alice@x.test"))
        #expect(try f.service.store.read { try $0.duplicateSessions(owner: alice.id, jsonHash: row.jsonHash!) } == [row.id])
        // No longer legacy: bob no longer sees it.
        #expect(!(try f.service.sessions(as: Fixture.bob)).contains { $0.id == "old-1" })
        #expect(try f.service.sessions(as: Fixture.alice).first { $0.id == "old-1" }?.legacy == false)
        #expect(try f.service.store.drift().isEmpty)
    }

    @Test func explainTellsTheFormerOwnerWhereTheSessionWent() throws {
        let f = try Fixture()
        let id = SessionID(try f.create(Fixture.alice).session!.id)
        _ = try f.service.handle(.command(.transferSession(TransferSession(sessionID: id, to: "bob@x.test"))), as: Fixture.ops)
        let position = try f.eventCount()
        #expect(code { _ = try f.service.handle(.command(.updateSession(UpdateSession(sessionID: id, progress: 5))),
                                                as: Fixture.alice, commandID: "alice-try") } == .notFound)
        let e = try f.service.explain("alice-try", as: Fixture.alice)
        #expect(e.outcome == "denied")
        #expect(e.reason == "Ownership: the session was transferred to bob@x.test at position \(position); from then on only its owner may update it, and the attempt is recorded.")
        // Someone who never owned it still learns nothing.
        #expect(code { _ = try f.service.handle(.command(.accessSession(id)), as: Fixture.alice, commandID: "alice-look") } == .notFound)
        let history = try f.service.history(id, as: Fixture.bob)
        #expect(history.map(\.type) == ["session.created", "session.transferred", "access.denied", "access.denied"])
        #expect(history[1].changes.first { $0.field == "owner" } == .init(field: "owner", from: .string("alice@x.test"), to: .string("bob@x.test")))
        #expect(history[2].refusal?.command == "session.update")
    }
}
