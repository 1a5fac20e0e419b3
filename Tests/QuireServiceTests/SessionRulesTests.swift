import Testing
@testable import QuireCore

// DESIGN §1: ownership, legacy sessions, the session life cycle, duplicates and similar sessions,
// update validation, legacy import, and how each event evolves a session.

private let s1 = SessionID("s-1")

// MARK: - Command × actor × session state

/// The session commands that target an existing session.
enum SessionCommandKind: String, CaseIterable, Sendable {
    case access, update, complete, delete, reopen

    var command: Command {
        switch self {
        case .access: .accessSession(s1)
        case .update: .updateSession(UpdateSession(sessionID: s1, step: .structure, progress: 40, questionsImported: 3))
        case .complete: .completeSession(CompleteSession(sessionID: s1, questionsImported: 10))
        case .delete: .deleteSession(DeleteSession(sessionID: s1, reason: "wrong file"))
        case .reopen: .reopenSession(ReopenSession(sessionID: s1))
        }
    }

    /// What the command appends when it is allowed.
    var acceptedEvent: Event {
        switch self {
        case .access: .sessionAccessed(SessionAccessed(sessionID: s1))
        case .update: .sessionUpdated(SessionUpdated(sessionID: s1, step: .structure, progress: 40, questionsImported: 3))
        case .complete: .sessionCompleted(SessionCompleted(sessionID: s1, questionsImported: 10))
        case .delete: .sessionDeleted(SessionDeleted(sessionID: s1, reason: "wrong file"))
        case .reopen: .sessionReopened(SessionReopened(sessionID: s1))
        }
    }

    /// Whether the command changes the session (and so needs it in progress and not legacy).
    var changes: Bool { self == .update || self == .complete }
    /// Whether the command needs the session expired (and not legacy).
    var needsExpired: Bool { self == .reopen }
}

/// Who issues the command, relative to session `s-1` (which alice owns unless it is legacy).
enum ActorKind: String, CaseIterable, Sendable {
    case owner, otherAdmin, nonOwnerSystemAdmin, anonymous, unknown, deactivated

    var actor: DeciderSpecification.As {
        switch self {
        case .owner: .user("alice@example.org")
        case .otherAdmin: .user("bob@example.org")
        case .nonOwnerSystemAdmin: .user("root@example.org")
        case .anonymous: .anonymous
        case .unknown: .user("mallory@example.org")
        // The owner herself, deactivated: her sessions stay, but she can no longer act.
        case .deactivated: .user("alice@example.org")
        }
    }

    var isActive: Bool { ![.anonymous, .unknown, .deactivated].contains(self) }
}

enum SessionStateKind: String, CaseIterable, Sendable {
    case inProgress, completed, deleted, legacy, missing, expired

    /// `s-1`'s stream for this state; alice owns it unless it is legacy.
    var events: [Event] {
        let created = Event.sessionCreated(Spec.created("s-1", by: Spec.aliceID))
        switch self {
        case .inProgress: return [created]
        case .completed: return [created, .sessionCompleted(SessionCompleted(sessionID: s1, questionsImported: 7))]
        case .deleted: return [created, .sessionDeleted(SessionDeleted(sessionID: s1))]
        case .expired:
            return [created, .sessionExpired(SessionExpired(sessionID: s1, expireAfter: "14d", idleSeconds: 1_300_000,
                                                            lastAccessedAt: Spec.start))]
        case .legacy:
            var legacy = Spec.created("s-1", by: nil)
            legacy.legacy = LegacyRecord(status: .inProgress, createdAt: Spec.start, updatedAt: nil, lastAccessedAt: nil, metadata: [:])
            return [.sessionCreated(legacy)]
        case .missing: return []
        }
    }
}

struct SessionCase: Sendable, CustomTestStringConvertible {
    var command: SessionCommandKind
    var actor: ActorKind
    var state: SessionStateKind
    var testDescription: String { "\(command.rawValue) by \(actor.rawValue) on \(state.rawValue)" }

    static let all: [SessionCase] = SessionCommandKind.allCases.flatMap { c in
        ActorKind.allCases.flatMap { a in SessionStateKind.allCases.map { s in SessionCase(command: c, actor: a, state: s) } }
    }

    enum Expected: Equatable {
        case accepted(Event)
        /// Denied as not the owner, answered exactly like a missing session.
        case deniedNotOwner
        case thrown(QuireError.Code)
    }

    /// DESIGN §1, spelled out.
    var expected: Expected {
        // Only registered, active users act.
        guard actor.isActive else { return .thrown(.unknownUser) }
        switch state {
        case .missing:
            return .thrown(.notFound)
        case .legacy:
            // Any admin may show and delete a legacy session; nobody may change or reopen it.
            return command.changes || command.needsExpired ? .thrown(.notInProgress) : .accepted(command.acceptedEvent)
        case .inProgress, .completed, .deleted, .expired:
            // Someone else's session, in any status: recorded, and answered as missing.
            guard actor == .owner else { return .deniedNotOwner }
            if state == .deleted { return .thrown(.notFound) }
            // Only an in-progress session changes; only an expired one reopens (an expired one
            // can still be shown and deleted).
            if state != .inProgress, command.changes { return .thrown(.notInProgress) }
            if state != .expired, command.needsExpired { return .thrown(.notInProgress) }
            return .accepted(command.acceptedEvent)
        }
    }
}

@Suite("Session commands: command × actor × session state")
struct SessionAccessMatrixTests {
    @Test(arguments: SessionCase.all)
    func outcome(_ c: SessionCase) {
        var history = Spec.staff + c.state.events
        if c.actor == .deactivated { history.append(.userDeactivated(UserDeactivated(userID: Spec.aliceID))) }
        let outcome = given(history).when(c.command.command, actor: c.actor.actor)

        switch c.expected {
        case .accepted(let event):
            outcome.then([event])
        case .deniedNotOwner:
            let error = outcome.thenDenied(reason: .notOwner, .notFound, command: c.command.command.name, target: "session-s-1")
            // Exactly the missing session's answer, so existence does not leak.
            #expect(error == QuireError.sessionNotFound(s1))
            #expect(error?.exitCode == 66)
        case .thrown(let code):
            let error = outcome.thenThrows(code)
            switch code {
            case .notFound: #expect(error == QuireError.sessionNotFound(s1))
            case .unknownUser: #expect(error?.exitCode == 67)
            case .notInProgress: #expect(error?.exitCode == 65)
            default: break
            }
        }
    }

    @Test func theTableCoversEveryCombination() {
        #expect(SessionCase.all.count == 5 * 6 * 6)
        #expect(Set(SessionCase.all.map(\.testDescription)).count == SessionCase.all.count)
    }
}

// MARK: - Ownership details

@Suite("Ownership and legacy sessions")
struct OwnershipTests {
    @Test func aNonOwnersAnswerIsWordForWordTheMissingSessionsAnswer() throws {
        let spec = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID))])
        let denied = spec.when(.accessSession(s1), actor: .user("bob@example.org"))
            .thenDenied(reason: .notOwner, .notFound)
        let missing = given(Spec.staff).when(.accessSession(s1), actor: .user("bob@example.org"))
            .thenThrows(.notFound)
        #expect(denied != nil)
        #expect(denied?.message == missing?.message)
        #expect(denied?.message.contains("s-1") == true)
    }

    @Test func aSessionIDThatDoesNotMatchTheFactsIsNotFound() {
        // The handler looked up another session: the decider must not act on it.
        let spec = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID))])
        var facts = spec.facts(for: .accessSession(s1), actor: .user("alice@example.org"))
        facts.session?.id = SessionID("s-2")
        #expect(throws: QuireError.sessionNotFound(s1)) {
            try Decider.decide(.accessSession(s1), facts, Spec.context)
        }
    }

    @Test func theSystemItselfCannotActOnSessions() {
        given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID))])
            .when(.accessSession(s1), actor: .system)
            .thenThrows(.unknownUser)
    }

    @Test func aDeletedLegacySessionIsGoneForEveryone() {
        var legacy = Spec.created("s-1", by: nil)
        legacy.legacy = LegacyRecord(status: .inProgress, createdAt: nil, updatedAt: nil, lastAccessedAt: nil, metadata: [:])
        let spec = given(Spec.staff + [.sessionCreated(legacy), .sessionDeleted(SessionDeleted(sessionID: s1))])
        for actor in ["alice@example.org", "root@example.org"] {
            spec.when(.accessSession(s1), actor: .user(actor)).thenThrows(.notFound)
            spec.when(.deleteSession(DeleteSession(sessionID: s1)), actor: .user(actor)).thenThrows(.notFound)
        }
    }

    @Test func aCompletedLegacySessionCanBeShownAndDeletedButNotChanged() {
        var legacy = Spec.created("s-1", by: nil)
        legacy.legacy = LegacyRecord(status: .completed, createdAt: Spec.start, updatedAt: nil, lastAccessedAt: nil, metadata: [:])
        let spec = given(Spec.staff + [.sessionCreated(legacy)])
        spec.when(.accessSession(s1), actor: .user("bob@example.org"))
            .then([.sessionAccessed(SessionAccessed(sessionID: s1))])
        spec.when(.deleteSession(DeleteSession(sessionID: s1)), actor: .user("bob@example.org"))
            .then([.sessionDeleted(SessionDeleted(sessionID: s1))])
        spec.when(.updateSession(UpdateSession(sessionID: s1, progress: 5)), actor: .user("bob@example.org"))
            .thenThrows(.notInProgress)
        spec.when(.completeSession(CompleteSession(sessionID: s1)), actor: .user("root@example.org"))
            .thenThrows(.notInProgress)
    }

    @Test func aDeactivatedUsersSessionStaysTheirsAndNobodyElseGetsIt() {
        let spec = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID)),
                                       .userDeactivated(UserDeactivated(userID: Spec.aliceID))])
        #expect(spec.sessions[s1]?.ownerID == Spec.aliceID)
        spec.when(.accessSession(s1), actor: .user("root@example.org")).thenDenied(reason: .notOwner, .notFound)
    }
}

// MARK: - Update, complete and delete validation

@Suite("Updating, completing and deleting")
struct SessionValidationTests {
    /// Alice's in-progress session of 10 questions, at version 1.
    let spec = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID))])
    let alice = DeciderSpecification.As.user("alice@example.org")

    @Test(arguments: [-1, 101, 1000, Int.min])
    func progressOutsideZeroToHundredIsInvalid(_ progress: Int) {
        spec.when(.updateSession(UpdateSession(sessionID: s1, progress: progress)), actor: alice)
            .thenThrows(.invalidInput)
    }

    @Test(arguments: [0, 1, 99, 100])
    func progressFromZeroToHundredIsAccepted(_ progress: Int) {
        spec.when(.updateSession(UpdateSession(sessionID: s1, progress: progress)), actor: alice)
            .then([.sessionUpdated(SessionUpdated(sessionID: s1, progress: progress))])
    }

    @Test(arguments: [-1, 11, 500])
    func questionsImportedOutsideTheQuestionCountIsInvalid(_ imported: Int) {
        spec.when(.updateSession(UpdateSession(sessionID: s1, questionsImported: imported)), actor: alice)
            .thenThrows(.invalidInput)
    }

    @Test(arguments: [0, 10])
    func questionsImportedUpToTheQuestionCountIsAccepted(_ imported: Int) {
        spec.when(.updateSession(UpdateSession(sessionID: s1, questionsImported: imported)), actor: alice)
            .then([.sessionUpdated(SessionUpdated(sessionID: s1, questionsImported: imported))])
    }

    @Test func everyStepIsAccepted() {
        for step in ImportStep.allCases {
            spec.when(.updateSession(UpdateSession(sessionID: s1, step: step)), actor: alice)
                .then([.sessionUpdated(SessionUpdated(sessionID: s1, step: step))])
        }
    }

    @Test func nothingToUpdateIsAUsageError() {
        let error = spec.when(.updateSession(UpdateSession(sessionID: s1)), actor: alice).thenThrows(.usage)
        #expect(error?.exitCode == 64)
    }

    @Test func metadataIsPassedThroughIncludingNullsThatRemoveKeys() {
        let metadata: [String: JSONValue] = ["board": .string("CAIE"), "draft": .null]
        spec.when(.updateSession(UpdateSession(sessionID: s1, metadata: metadata)), actor: alice)
            .then([.sessionUpdated(SessionUpdated(sessionID: s1, metadata: metadata))])
    }

    @Test func anEmptyMetadataKeyIsInvalid() {
        spec.when(.updateSession(UpdateSession(sessionID: s1, metadata: ["": .string("x")])), actor: alice)
            .thenThrows(.invalidInput)
    }

    @Test func anExpectedVersionThatMatchesIsAccepted() {
        spec.when(.updateSession(UpdateSession(sessionID: s1, progress: 10, expectedVersion: 1)), actor: alice)
            .then([.sessionUpdated(SessionUpdated(sessionID: s1, progress: 10))])
    }

    @Test func anExpectedVersionMismatchIsAConflictNamingWhoChangedItAndBothVersions() {
        let spec = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID)),
                                       .sessionUpdated(SessionUpdated(sessionID: s1, progress: 5)),
                                       .sessionAccessed(SessionAccessed(sessionID: s1))])
        let commands: [Command] = [
            .updateSession(UpdateSession(sessionID: s1, progress: 10, expectedVersion: 1)),
            .completeSession(CompleteSession(sessionID: s1, expectedVersion: 1)),
            .deleteSession(DeleteSession(sessionID: s1, expectedVersion: 1)),
        ]
        for command in commands {
            let error = spec.when(command, actor: alice).thenThrows(.conflict)
            #expect(error?.expectedVersion == 1)
            #expect(error?.actualVersion == 2)
            #expect(error?.exitCode == 75)
            #expect(error?.staleCopy == true)
            #expect(error?.message.contains("since your version 1") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("it is at version 2") == true)
        }
    }

    /// Reading a session never makes anyone's copy stale: only content changes move the version
    /// a client compares.
    @Test func anAccessDoesNotMakeACopyStale() {
        let spec = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID)),
                                       .sessionAccessed(SessionAccessed(sessionID: s1)),
                                       .sessionAccessed(SessionAccessed(sessionID: s1))])
        #expect(spec.sessions[s1]?.contentVersion == 1)
        #expect(spec.sessions[s1]?.version == 3)
        spec.when(.updateSession(UpdateSession(sessionID: s1, progress: 10, expectedVersion: 1)), actor: alice)
            .then([.sessionUpdated(SessionUpdated(sessionID: s1, progress: 10))])
    }

    @Test func completingWithoutACountKeepsTheImportedCount() {
        let spec = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID)),
                                       .sessionUpdated(SessionUpdated(sessionID: s1, questionsImported: 6))])
        spec.when(.completeSession(CompleteSession(sessionID: s1)), actor: alice)
            .then([.sessionCompleted(SessionCompleted(sessionID: s1, questionsImported: 6))])
    }

    @Test(arguments: [-1, 11])
    func completingWithACountOutsideTheQuestionCountIsInvalid(_ imported: Int) {
        spec.when(.completeSession(CompleteSession(sessionID: s1, questionsImported: imported)), actor: alice)
            .thenThrows(.invalidInput)
    }

    @Test func aCompletedSessionCannotBeCompletedAgain() {
        let spec = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID)),
                                       .sessionCompleted(SessionCompleted(sessionID: s1, questionsImported: 10))])
        let error = spec.when(.completeSession(CompleteSession(sessionID: s1)), actor: alice).thenThrows(.notInProgress)
        #expect(error?.message.contains("completed") == true)
    }

    @Test func aDeleteReasonIsTrimmed() {
        spec.when(.deleteSession(DeleteSession(sessionID: s1, reason: "  test run \n")), actor: alice)
            .then([.sessionDeleted(SessionDeleted(sessionID: s1, reason: "test run"))])
    }

    @Test(arguments: ["", "   ", String(repeating: "x", count: 501), "bad\u{07}bell"])
    func anUnusableDeleteReasonIsInvalid(_ reason: String) {
        spec.when(.deleteSession(DeleteSession(sessionID: s1, reason: reason)), actor: alice)
            .thenThrows(.invalidInput)
    }

    @Test func aDeletedSessionCannotBeDeletedAgain() {
        let spec = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID)),
                                       .sessionDeleted(SessionDeleted(sessionID: s1))])
        spec.when(.deleteSession(DeleteSession(sessionID: s1)), actor: alice).thenThrows(.notFound)
    }
}

// MARK: - Creating sessions: duplicates and similar sessions

@Suite("Creating a session")
struct CreateSessionTests {
    let alice = DeciderSpecification.As.user("alice@example.org")

    @Test func aNewFileCreatesASessionOwnedByTheActor() {
        let file = Spec.paper()
        given(Spec.staff).when(.createSession(CreateSession(file: file)), actor: alice).then([
            .sessionCreated(SessionCreated(
                sessionID: Spec.newSessionID, ownerID: Spec.aliceID, name: "Mathematics 9709/12 2023",
                fileName: file.fileName, jsonHash: file.jsonHash, questionCount: 10, paper: file.paper, blob: file.blob)),
        ])
    }

    @Test func aGivenNameIsTrimmedAndWithoutADescribedPaperTheFileNameIsUsed() {
        let file = PaperFacts(fileName: "notes.json", jsonHash: Spec.hashA, questionCount: 0, paper: [:], blob: "f")
        let named = given(Spec.staff).when(.createSession(CreateSession(name: "  June set ", file: file)), actor: alice)
        let unnamed = given(Spec.staff).when(.createSession(CreateSession(file: file)), actor: alice)
        guard case .sessionCreated(let a)? = named.accepted()?.events.first,
              case .sessionCreated(let b)? = unnamed.accepted()?.events.first
        else { return }
        #expect(a.name == "June set")
        #expect(b.name == "notes")
    }

    @Test(arguments: ["", String(repeating: "n", count: 201)])
    func anUnusableNameIsInvalid(_ name: String) {
        given(Spec.staff).when(.createSession(CreateSession(name: name, file: Spec.paper())), actor: alice)
            .thenThrows(.invalidInput)
    }

    @Test func theSameFileAsOneOfYourInProgressSessionsIsADuplicateNamingIt() {
        let error = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID, name: "First try"))])
            .when(.createSession(CreateSession(file: Spec.paper("renamed.json"))), actor: alice)
            .thenThrows(.duplicate)
        #expect(error?.existingSession == s1)
        #expect(error?.message.contains("s-1") == true)
        #expect(error?.exitCode == 65)
    }

    @Test func theSameFileAsOneOfYourCompletedSessionsIsADuplicate() {
        let error = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID)),
                                        .sessionCompleted(SessionCompleted(sessionID: s1, questionsImported: 10))])
            .when(.createSession(CreateSession(file: Spec.paper())), actor: alice)
            .thenThrows(.duplicate)
        #expect(error?.existingSession == s1)
    }

    @Test func withSeveralDuplicatesTheOldestIsNamed() {
        let error = given(Spec.staff + [.sessionCreated(Spec.created("s-old", by: Spec.aliceID)),
                                        .sessionCreated(Spec.created("s-young", by: Spec.aliceID))])
            .when(.createSession(CreateSession(file: Spec.paper())), actor: alice)
            .thenThrows(.duplicate)
        #expect(error?.existingSession == SessionID("s-old"))
    }

    @Test func allowDuplicateImportsTheFileAgain() {
        let spec = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID, Spec.paper("old.json", code: nil))),
                                       .sessionCompleted(SessionCompleted(sessionID: s1, questionsImported: 10))])
        let accepted = spec.when(.createSession(CreateSession(file: Spec.paper(), allowDuplicate: true)), actor: alice).accepted()
        #expect(accepted?.events.map(\.type) == ["session.created"])
        #expect(accepted?.warnings == [])
    }

    @Test func yourDeletedSessionsAreNotDuplicates() {
        given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID)),
                            .sessionDeleted(SessionDeleted(sessionID: s1))])
            .when(.createSession(CreateSession(file: Spec.paper())), actor: alice)
            .then([.sessionCreated(SessionCreated(
                sessionID: Spec.newSessionID, ownerID: Spec.aliceID, name: "Mathematics 9709/12 2023",
                fileName: Spec.paper().fileName, jsonHash: Spec.hashA, questionCount: 10, paper: Spec.paper().paper,
                blob: Spec.paper().blob))])
    }

    @Test func otherUsersSessionsAreNeitherDuplicatesNorSimilar() {
        let accepted = given(Spec.staff + [.sessionCreated(Spec.created("s-bob", by: Spec.bobID)),
                                           .sessionCreated(Spec.created("s-root", by: Spec.rootID))])
            .when(.createSession(CreateSession(file: Spec.paper())), actor: alice).accepted()
        #expect(accepted?.events.count == 1)
        #expect(accepted?.warnings == [])
    }

    @Test func legacySessionsAreNeitherDuplicatesNorSimilar() {
        let accepted = given(Spec.staff + [.sessionCreated(Spec.created("s-legacy", by: nil))])
            .when(.createSession(CreateSession(file: Spec.paper())), actor: alice).accepted()
        #expect(accepted?.events.count == 1)
        #expect(accepted?.warnings == [])
    }

    @Test func theDeciderItselfIgnoresSessionsThatAreNotTheActorsOwnLiveOnes() throws {
        // Even if a handler passed too much, other users' and deleted sessions never count.
        let spec = given(Spec.staff)
        var facts = spec.facts(for: .createSession(CreateSession(file: Spec.paper())), actor: .user("alice@example.org"))
        let t = Spec.start
        func session(_ id: String, owner: UserID?, status: SessionStatus) -> SessionState {
            SessionState(id: SessionID(id), ownerID: owner, name: id, fileName: "9709_s23_qp_12.json", jsonHash: Spec.hashA,
                         questionCount: 10, paper: ["code": .string("9709/12")], blob: nil, status: status, step: .upload,
                         progress: 0, questionsImported: 0, metadata: [:], version: 1, createdAt: t, updatedAt: t, lastAccessedAt: t)
        }
        facts.duplicates = [session("s-bob", owner: Spec.bobID, status: .inProgress),
                            session("s-gone", owner: Spec.aliceID, status: .deleted)]
        facts.similar = [session("s-bob", owner: Spec.bobID, status: .inProgress),
                         session("s-done", owner: Spec.aliceID, status: .completed)]
        let decision = try Decider.decide(.createSession(CreateSession(file: Spec.paper())), facts, Spec.context)
        guard case .accepted(let events, let warnings) = decision else {
            Issue.record("expected acceptance, got \(decision)")
            return
        }
        #expect(events.count == 1)
        #expect(warnings == [])
    }

    @Test func anInProgressSessionWithTheSameFileNameWarnsNamingIt() {
        let accepted = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID, Spec.paper(hash: Spec.hashB, code: nil)))])
            .when(.createSession(CreateSession(file: Spec.paper(code: nil))), actor: alice).accepted()
        #expect(accepted?.events.map(\.type) == ["session.created"])
        #expect(accepted?.warnings.map(\.sessionID) == [s1])
        #expect(accepted?.warnings.map(\.code) == ["similar_session"])
        #expect(accepted?.warnings.first?.message.contains("s-1") == true)
    }

    @Test func anInProgressSessionForTheSamePaperCodeWarnsNamingIt() {
        let accepted = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID, Spec.paper("other.json", hash: Spec.hashB)))])
            .when(.createSession(CreateSession(file: Spec.paper())), actor: alice).accepted()
        #expect(accepted?.events.count == 1)
        #expect(accepted?.warnings.map(\.sessionID) == [s1])
        #expect(accepted?.warnings.first?.message.contains("9709/12") == true)
    }

    @Test func aCompletedSessionWithTheSameFileNameOrCodeDoesNotWarn() {
        let accepted = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID, Spec.paper(hash: Spec.hashB))),
                                           .sessionCompleted(SessionCompleted(sessionID: s1, questionsImported: 10))])
            .when(.createSession(CreateSession(file: Spec.paper())), actor: alice).accepted()
        #expect(accepted?.events.count == 1)
        #expect(accepted?.warnings == [])
    }

    @Test func aDifferentFileNameAndCodeDoesNotWarn() {
        let accepted = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID, Spec.paper("a.json", hash: Spec.hashB, code: "0580/22")))])
            .when(.createSession(CreateSession(file: Spec.paper())), actor: alice).accepted()
        #expect(accepted?.warnings == [])
    }

    @Test func eachSimilarSessionIsNamedOldestFirst() {
        let accepted = given(Spec.staff + [
            .sessionCreated(Spec.created("s-2", by: Spec.aliceID, Spec.paper(hash: Spec.hashB, code: nil))),
            .sessionCreated(Spec.created("s-3", by: Spec.aliceID, Spec.paper("x.json", hash: Spec.hashB))),
        ]).when(.createSession(CreateSession(file: Spec.paper())), actor: alice).accepted()
        #expect(accepted?.warnings.map(\.sessionID) == [SessionID("s-2"), SessionID("s-3")])
    }

    @Test func anAllowedDuplicateStillWarnsAboutASimilarInProgressSession() {
        let accepted = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID))])
            .when(.createSession(CreateSession(file: Spec.paper(), allowDuplicate: true)), actor: alice).accepted()
        #expect(accepted?.events.count == 1)
        #expect(accepted?.warnings.map(\.sessionID) == [s1])
    }

    @Test(arguments: [ActorKind.anonymous, .unknown, .deactivated])
    func onlyActiveUsersCreate(_ actor: ActorKind) {
        given(Spec.staff + [.userDeactivated(UserDeactivated(userID: Spec.aliceID))])
            .when(.createSession(CreateSession(file: Spec.paper())), actor: actor.actor)
            .thenThrows(.unknownUser)
    }

    @Test func aSystemAdminCreatesTheirOwnSessions() {
        guard case .sessionCreated(let e)? = given(Spec.staff)
            .when(.createSession(CreateSession(file: Spec.paper())), actor: .user("root@example.org")).accepted()?.events.first
        else { return }
        #expect(e.ownerID == Spec.rootID)
    }
}

// MARK: - Legacy import

@Suite("Importing legacy rows")
struct LegacyImportTests {
    let root = DeciderSpecification.As.user("root@example.org")

    func row(_ id: String = "old-1", createdBy: UserID? = Spec.aliceID, status: SessionStatus = .inProgress,
             metadata: [String: JSONValue] = ["name": .string("Physics 2019"), "question_count": .number(12)]) -> LegacyRow {
        LegacyRow(id: SessionID(id), createdBy: createdBy, status: status, jsonHash: Spec.hashA, fileName: "physics.json",
                  createdAt: Timestamp(rfc3339: "2019-03-01T08:00:00Z"), updatedAt: Timestamp(rfc3339: "2019-03-02T08:00:00Z"),
                  lastAccessedAt: Timestamp(rfc3339: "2019-03-03T08:00:00Z"), metadata: metadata)
    }

    @Test func aSystemAdminImportsARowKeepingItsOwnerAndWhatTheOldTableKnew() {
        let r = row()
        given(Spec.staff).when(.importLegacySession(r), actor: root).then([
            .sessionCreated(SessionCreated(
                sessionID: r.id, ownerID: Spec.aliceID, name: "Physics 2019", fileName: "physics.json", jsonHash: Spec.hashA,
                questionCount: 12, paper: [:], blob: nil,
                legacy: LegacyRecord(status: .inProgress, createdAt: r.createdAt, updatedAt: r.updatedAt,
                                     lastAccessedAt: r.lastAccessedAt, metadata: r.metadata))),
        ])
    }

    @Test func aRowWithoutCreatorBecomesALegacySessionEveryAdminSees() {
        guard case .sessionCreated(let e)? = given(Spec.staff)
            .when(.importLegacySession(row(createdBy: nil)), actor: root).accepted()?.events.first
        else { return }
        #expect(e.ownerID == nil)
        let state = given(Spec.staff + [.sessionCreated(e)])
        #expect(state.sessions[e.sessionID]?.isLegacy == true)
        state.when(.accessSession(e.sessionID), actor: .user("bob@example.org"))
            .then([.sessionAccessed(SessionAccessed(sessionID: e.sessionID))])
    }

    @Test func anAdminIsDeniedByRole() {
        let error = given(Spec.staff).when(.importLegacySession(row()), actor: .user("alice@example.org"))
            .thenDenied(reason: .role, .forbidden, command: "legacy.import", target: "legacy")
        #expect(error?.exitCode == 77)
    }

    @Test func quireItselfMayNotImport() {
        given(Spec.staff).when(.importLegacySession(row()), actor: .system).thenThrows(.forbidden)
    }

    @Test(arguments: [ActorKind.anonymous, .unknown])
    func anUnknownActorIsRefused(_ actor: ActorKind) {
        given(Spec.staff).when(.importLegacySession(row()), actor: actor.actor).thenThrows(.unknownUser)
    }

    @Test func anExistingSessionIsInvalidInput() {
        given(Spec.staff + [.sessionCreated(Spec.created("old-1", by: Spec.bobID))])
            .when(.importLegacySession(row()), actor: root).thenThrows(.invalidInput)
    }

    @Test func aCreatorWhoIsNotRegisteredIsAnUnknownUser() {
        given(Spec.staff).when(.importLegacySession(row(createdBy: UserID("u-ghost"))), actor: root)
            .thenThrows(.unknownUser)
    }

    @Test func aDeletedRowIsInvalidInput() {
        given(Spec.staff).when(.importLegacySession(row(status: .deleted)), actor: root).thenThrows(.invalidInput)
    }

    @Test func anUnusableRowIDIsInvalidInput() {
        given(Spec.staff).when(.importLegacySession(row("old 1; drop")), actor: root).thenThrows(.invalidInput)
    }

    @Test func withoutANameOrCountTheFileNameAndZeroAreUsed() {
        guard case .sessionCreated(let e)? = given(Spec.staff)
            .when(.importLegacySession(row(metadata: ["total_questions": .number(7)])), actor: root).accepted()?.events.first
        else { return }
        #expect(e.name == "physics")
        #expect(e.questionCount == 7)
    }

    @Test func aCompletedRowEvolvesToACompletedSessionWithTheOldTimes() {
        let r = row(status: .completed)
        guard case .sessionCreated(let e)? = given(Spec.staff).when(.importLegacySession(r), actor: root).accepted()?.events.first
        else { return }
        let state = given([DeciderSpecification.Recorded(.sessionCreated(e), version: 1, at: Spec.now)]).sessions[r.id]
        #expect(state?.status == .completed)
        #expect(state?.progress == 100)
        #expect(state?.questionsImported == 12)
        #expect(state?.createdAt == r.createdAt)
        #expect(state?.updatedAt == r.updatedAt)
        #expect(state?.lastAccessedAt == r.lastAccessedAt)
        #expect(state?.metadata == r.metadata)
        #expect(state?.version == 1)
    }

    @Test func anInProgressRowEvolvesToAnInProgressSession() {
        let r = row()
        guard case .sessionCreated(let e)? = given(Spec.staff).when(.importLegacySession(r), actor: root).accepted()?.events.first
        else { return }
        let state = given([.sessionCreated(e)]).sessions[r.id]
        #expect(state?.status == .inProgress)
        #expect(state?.progress == 0)
        #expect(state?.ownerID == Spec.aliceID)
    }
}

// MARK: - Evolve

@Suite("How events evolve a session")
struct SessionEvolveTests {
    let t0 = Timestamp(rfc3339: "2026-02-01T10:00:00.000Z")!
    var t1: Timestamp { t0.adding(milliseconds: 60_000) }
    var t2: Timestamp { t0.adding(milliseconds: 120_000) }

    func fold(_ events: [Event]) -> SessionState? {
        let recorded = events.enumerated().map { i, event in
            DeciderSpecification.Recorded(event, version: i + 1, at: t0.adding(milliseconds: Int64(i) * 60_000))
        }
        return given(recorded).sessions[s1]
    }

    @Test func createdStartsInProgressAtTheUploadStep() throws {
        let created = Spec.created("s-1", by: Spec.aliceID)
        let s = try #require(fold([.sessionCreated(created)]))
        #expect(s == SessionState(
            id: s1, ownerID: Spec.aliceID, name: "Paper", fileName: created.fileName, jsonHash: Spec.hashA, questionCount: 10,
            paper: created.paper, blob: created.blob, status: .inProgress, step: .upload, progress: 0, questionsImported: 0,
            metadata: [:], version: 1, createdAt: t0, updatedAt: t0, lastAccessedAt: t0))
        #expect(s.paperCode == "9709/12")
        #expect(!s.isLegacy)
    }

    @Test func accessedMovesOnlyTheLastAccessTimeAndVersion() throws {
        let before = try #require(fold([.sessionCreated(Spec.created("s-1", by: Spec.aliceID))]))
        let after = try #require(fold([.sessionCreated(Spec.created("s-1", by: Spec.aliceID)),
                                       .sessionAccessed(SessionAccessed(sessionID: s1))]))
        var expected = before
        expected.version = 2
        expected.lastAccessedAt = t1
        #expect(after == expected)
    }

    @Test func updatedSetsTheGivenFieldsAndMergesMetadata() throws {
        let s = try #require(fold([
            .sessionCreated(Spec.created("s-1", by: Spec.aliceID)),
            .sessionUpdated(SessionUpdated(sessionID: s1, step: .structure, progress: 20,
                                           metadata: ["board": .string("CAIE"), "draft": .bool(true), "tier": .number(1)])),
            .sessionUpdated(SessionUpdated(sessionID: s1, progress: 55, questionsImported: 4,
                                           metadata: ["draft": .null, "tier": .number(2)])),
        ]))
        #expect(s.step == .structure)   // not named in the second update: kept
        #expect(s.progress == 55)
        #expect(s.questionsImported == 4)
        #expect(s.metadata == ["board": .string("CAIE"), "tier": .number(2)])
        #expect(s.version == 3)
        #expect(s.createdAt == t0)
        #expect(s.updatedAt == t2)
        #expect(s.lastAccessedAt == t2)
        #expect(s.status == .inProgress)
    }

    @Test func completedSetsStatusCountAndFullProgress() throws {
        let s = try #require(fold([
            .sessionCreated(Spec.created("s-1", by: Spec.aliceID)),
            .sessionCompleted(SessionCompleted(sessionID: s1, questionsImported: 9)),
        ]))
        #expect(s.status == .completed)
        #expect(s.questionsImported == 9)
        #expect(s.progress == 100)
        #expect(s.version == 2)
        #expect(s.updatedAt == t1)
        #expect(s.lastAccessedAt == t1)
    }

    @Test func deletedSetsStatusButNotTheLastAccess() throws {
        let s = try #require(fold([
            .sessionCreated(Spec.created("s-1", by: Spec.aliceID)),
            .sessionDeleted(SessionDeleted(sessionID: s1, reason: "oops")),
        ]))
        #expect(s.status == .deleted)
        #expect(s.version == 2)
        #expect(s.updatedAt == t1)
        #expect(s.lastAccessedAt == t0)
    }

    @Test func eventsBeforeCreationLeaveNoSession() {
        #expect(SessionState.evolve(nil, .sessionAccessed(SessionAccessed(sessionID: s1)), version: 1, at: t0) == nil)
        #expect(SessionState.evolve(nil, .sessionUpdated(SessionUpdated(sessionID: s1, progress: 1)), version: 1, at: t0) == nil)
        #expect(SessionState.evolve(nil, .sessionCompleted(SessionCompleted(sessionID: s1, questionsImported: 1)), version: 1, at: t0) == nil)
        #expect(SessionState.evolve(nil, .sessionDeleted(SessionDeleted(sessionID: s1)), version: 1, at: t0) == nil)
    }

    @Test func aSecondCreationAndOtherStreamsEventsChangeNothing() throws {
        let s = try #require(fold([.sessionCreated(Spec.created("s-1", by: Spec.aliceID))]))
        #expect(SessionState.evolve(s, .sessionCreated(Spec.created("s-1", by: Spec.bobID)), version: 2, at: t1) == s)
        #expect(SessionState.evolve(s, .userRegistered(Spec.bob), version: 1, at: t1) == s)
        #expect(SessionState.evolve(s, .accessDenied(AccessDenied(command: "session.access", target: "session-s-1", reason: .notOwner)),
                                    version: 1, at: t1) == s)
    }
}
