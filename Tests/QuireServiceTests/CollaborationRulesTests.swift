import Foundation
import QuireCore
@testable import QuireService
import QuireStorage
import Testing

// Issue 17 §4: collaborators. Editors show, update and complete; viewers show; only the owner
// deletes, transfers, offers or changes collaborators.

private let s1 = SessionID("s-1")
private let alice = DeciderSpecification.As.user("alice@example.org")
private let bob = DeciderSpecification.As.user("bob@example.org")
private let root = DeciderSpecification.As.user("root@example.org")

@Suite("Collaborating on a session")
struct CollaborationRulesTests {
    static let alices: [Event] = Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID))]
    static func shared(_ role: CollaboratorRole) -> [Event] {
        alices + [.collaboratorAdded(CollaboratorAdded(sessionID: s1, userID: Spec.bobID, role: role))]
    }

    static let commands: [(name: String, command: Command, event: Event)] = [
        ("session.access", .accessSession(s1), .sessionAccessed(SessionAccessed(sessionID: s1))),
        ("session.update", .updateSession(UpdateSession(sessionID: s1, progress: 5)), .sessionUpdated(SessionUpdated(sessionID: s1, progress: 5))),
        ("session.complete", .completeSession(CompleteSession(sessionID: s1, questionsImported: 1)),
         .sessionCompleted(SessionCompleted(sessionID: s1, questionsImported: 1))),
        ("session.delete", .deleteSession(DeleteSession(sessionID: s1)), .sessionDeleted(SessionDeleted(sessionID: s1))),
        ("session.offer", .offerSession(OfferSession(sessionID: s1, to: "root@example.org")), .sessionAccessed(SessionAccessed(sessionID: s1))),
        ("session.share", .shareSession(ShareSession(sessionID: s1, with: "root@example.org")), .sessionAccessed(SessionAccessed(sessionID: s1))),
    ]

    @Test(arguments: CollaboratorRole.allCases)
    func aCollaboratorMayDoWhatTheirRoleAllowsAndEveryOtherAttemptIsRecorded(_ role: CollaboratorRole) {
        let spec = given(Self.shared(role))
        for (name, command, event) in Self.commands {
            let allowed = role == .editor ? ["session.access", "session.update", "session.complete"] : ["session.access"]
            if allowed.contains(name) {
                spec.when(command, actor: bob).then([event])
            } else {
                let error = spec.when(command, actor: bob).thenDenied(reason: .notOwner, .notFound, command: name, target: "session-s-1")
                #expect(error == QuireError.sessionNotFound(s1), "\(role) \(name)")
            }
        }
    }

    @Test func theOwnerOrASystemAdminSharesAndUnshares() {
        given(Self.alices).when(.shareSession(ShareSession(sessionID: s1, with: "bob@example.org", role: .viewer)), actor: alice)
            .then([.collaboratorAdded(CollaboratorAdded(sessionID: s1, userID: Spec.bobID, role: .viewer))])
        given(Self.alices).when(.shareSession(ShareSession(sessionID: s1, with: "bob@example.org")), actor: root)
            .then([.collaboratorAdded(CollaboratorAdded(sessionID: s1, userID: Spec.bobID, role: .editor))])
        given(Self.shared(.editor)).when(.unshareSession(UnshareSession(sessionID: s1, with: "bob@example.org")), actor: alice)
            .then([.collaboratorRemoved(CollaboratorRemoved(sessionID: s1, userID: Spec.bobID))])
        // Another admin: the answer a missing session gets, recorded.
        given(Self.alices).when(.shareSession(ShareSession(sessionID: s1, with: "root@example.org")), actor: bob)
            .thenDenied(reason: .notOwner, .notFound, command: "session.share")
    }

    @Test func sharingIsCheckedInOneSentence() {
        let again = given(Self.shared(.editor)).when(.shareSession(ShareSession(sessionID: s1, with: "bob@example.org")), actor: alice)
            .thenThrows(.invalidInput)
        #expect(again?.message == "Session s-1 is already shared with bob@example.org as editor.")
        // Sharing again with another role changes it.
        given(Self.shared(.editor)).when(.shareSession(ShareSession(sessionID: s1, with: "bob@example.org", role: .viewer)), actor: alice)
            .then([.collaboratorAdded(CollaboratorAdded(sessionID: s1, userID: Spec.bobID, role: .viewer))])
        let owner = given(Self.alices).when(.shareSession(ShareSession(sessionID: s1, with: "alice@example.org")), actor: alice)
            .thenThrows(.invalidInput)
        #expect(owner?.message == "alice@example.org owns session s-1.")
        let notShared = given(Self.alices).when(.unshareSession(UnshareSession(sessionID: s1, with: "bob@example.org")), actor: alice)
            .thenThrows(.invalidInput)
        #expect(notShared?.message == "Session s-1 is not shared with bob@example.org.")
        given(Self.alices).when(.shareSession(ShareSession(sessionID: s1, with: "mallory@example.org")), actor: alice).thenThrows(.unknownUser)
    }

    @Test func removalRevokesAtOnce() {
        let spec = given(Self.shared(.editor) + [.collaboratorRemoved(CollaboratorRemoved(sessionID: s1, userID: Spec.bobID))])
        spec.when(.updateSession(UpdateSession(sessionID: s1, progress: 5)), actor: bob).thenDenied(reason: .notOwner, .notFound)
        spec.when(.accessSession(s1), actor: bob).thenDenied(reason: .notOwner, .notFound)
    }

    @Test func aSharedSessionInProgressWarnsTheCollaboratorButIsNotTheirDuplicate() {
        let outcome = given(Self.shared(.viewer)).when(.createSession(CreateSession(file: Spec.paper())), actor: bob)
        let warnings = outcome.accepted()?.warnings ?? []
        #expect(warnings.map(\.message) == ["Session s-1 (\"Paper\"), shared with you, is in progress with the same file name 9709_s23_qp_12.json."])
    }

    @Test func anEditorsStaleCopyGetsTheConflictNamingWhoChangedIt() {
        let spec = given(Self.shared(.editor) + [.sessionUpdated(SessionUpdated(sessionID: s1, progress: 10))])
        let error = spec.when(.updateSession(UpdateSession(sessionID: s1, progress: 20, expectedVersion: 1)), actor: bob).thenThrows(.conflict)
        #expect(error?.actualVersion == 2)
        #expect(error?.exitCode == 75)
    }
}

@Suite("Collaboration in the log")
struct CollaborationServiceTests {
    @Test func aSharedSessionIsListedForTheCollaboratorMarkedAndRemovalTakesItAway() throws {
        let f = try Fixture()
        let id = SessionID(try f.create(Fixture.alice).session!.id)
        _ = try f.service.handle(.command(.shareSession(ShareSession(sessionID: id, with: "bob@x.test"))), as: Fixture.alice)
        let listed = try #require(try f.service.sessions(as: Fixture.bob).first)
        #expect(listed.id == id.rawValue && listed.sharedWithYou == "editor" && listed.ownerEmail == "alice@x.test")
        #expect(try f.service.sessions(as: Fixture.alice).first?.sharedWithYou == nil)
        let updated = try f.service.handle(.command(.updateSession(UpdateSession(sessionID: id, progress: 40))), as: Fixture.bob)
        #expect(updated.session?.progress == 40)
        // The owner's stale copy is refused, naming the editor who changed it.
        #expect(throws: QuireError.self) {
            try f.service.handle(.command(.updateSession(UpdateSession(sessionID: id, progress: 50, expectedVersion: 1))), as: Fixture.alice)
        }
        do {
            _ = try f.service.handle(.command(.updateSession(UpdateSession(sessionID: id, progress: 50, expectedVersion: 1))), as: Fixture.alice)
        } catch {
            #expect(error.message.contains("was changed by bob@x.test"), "\(error.message)")
        }
        _ = try f.service.handle(.command(.unshareSession(UnshareSession(sessionID: id, with: "bob@x.test"))), as: Fixture.alice)
        #expect(try f.service.sessions(as: Fixture.bob).isEmpty)
        #expect(code { _ = try f.service.handle(.command(.accessSession(id)), as: Fixture.bob) } == .notFound)
        #expect(try f.service.store.drift().isEmpty)
    }
}
