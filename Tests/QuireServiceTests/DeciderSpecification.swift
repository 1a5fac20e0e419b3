import Testing
@testable import QuireCore
import QuireSQLite
@testable import QuireService
import QuireStorage

/// Given/when/then for the decider, after Emmett's `deciderSpecification`:
///
///     given([.userRegistered(alice), .sessionCreated(s1)])
///         .when(.accessSession(s1.sessionID), actor: .user("alice@example.org"))
///         .then([.sessionAccessed(SessionAccessed(sessionID: s1.sessionID))])
///
/// The given events are appended to a real (in-memory) store with its inline projections, and the
/// `Facts` are read from it by the command handler's own `QuireService.gather` and actor
/// resolution, so a specification tests the decider on exactly the facts production gives it, and
/// reads like a user's story rather than a hand-built `Facts`.
struct DeciderSpecification {
    /// One event of the log with its envelope's stream version and time.
    struct Recorded: Sendable {
        var event: Event
        var version: Int
        var at: Timestamp
        init(_ event: Event, version: Int, at: Timestamp) {
            self.event = event
            self.version = version
            self.at = at
        }
    }

    /// Who issues the command, as the CLI's `--as` names them.
    enum As: Sendable {
        /// A user named by email or id; an unregistered name becomes `.unknown`.
        case user(String)
        case anonymous
        case system
    }

    let history: [Recorded]
    /// The log and its projections, as the command handler would find them.
    let store: SQLiteStore
    private(set) var sessions: [SessionID: SessionState] = [:]
    private(set) var users: [UserID: UserState] = [:]

    init(_ history: [Recorded]) {
        self.history = history
        do {
            store = try SQLiteStore.inMemory()
            try store.prepareProjections()
            for r in history {
                try store.write { tx in
                    try tx.append([NewEvent(r.event)], envelope: Envelope(actor: .system, commandID: nil, recordedAt: r.at))
                }
            }
        } catch {
            fatalError("the given history cannot be stored: \(error)")
        }
        for r in history {
            switch r.event {
            case .sessionCreated, .sessionAccessed, .sessionUpdated, .sessionCompleted, .sessionDeleted, .sessionExpired, .sessionReopened,
                 .sessionTransferred, .sessionOffered, .sessionAccepted, .sessionDeclined,
                 .collaboratorAdded, .collaboratorRemoved:
                let id = r.event.sessionID!
                sessions[id] = SessionState.evolve(sessions[id], r.event, version: r.version, at: r.at)
            case .userRegistered(let e):
                users[e.userID] = UserState.evolve(users[e.userID], r.event, version: r.version, at: r.at)
            case .userRoleChanged(let e):
                users[e.userID] = UserState.evolve(users[e.userID], r.event, version: r.version, at: r.at)
            case .userDeactivated(let e):
                users[e.userID] = UserState.evolve(users[e.userID], r.event, version: r.version, at: r.at)
            case .accessDenied, .settingChanged:
                break
            }
        }
    }

    func actorName(_ actor: As) -> ActorName {
        switch actor {
        case .anonymous: .none
        case .system: .system
        case .user(let name): .named(name)
        }
    }

    func actorFacts(_ actor: As) -> ActorFacts {
        do {
            return try store.read { reader in try QuireService.resolve(actorName(actor), reader) }
        } catch {
            fatalError("\(error)")
        }
    }

    /// What the handler reads before deciding `command` for `actor`: the production path.
    func facts(for command: Command, actor: As, now: Timestamp = Spec.now) -> Facts {
        do {
            return try store.read { reader in
                try QuireService.gather(command, actor: try QuireService.resolve(actorName(actor), reader), reader, now: now)
            }
        } catch {
            fatalError("\(error)")
        }
    }

    func when(_ command: Command, actor: As, context: DecisionContext = Spec.context) -> Outcome {
        let facts = facts(for: command, actor: actor, now: context.now)
        let result: Result<Decision, QuireError>
        do {
            result = .success(try Decider.decide(command, facts, context))
        } catch {
            result = .failure(error)
        }
        return Outcome(command: command, facts: facts, result: result)
    }

    /// Whether `actor` may ask `query` (`Decider.authorize`).
    func whenAsking(_ query: Query, actor: As) -> Outcome {
        let facts = Facts(actor: actorFacts(actor))
        let result: Result<Decision, QuireError>
        do {
            result = .success(try Decider.authorize(query, facts))
        } catch {
            result = .failure(error)
        }
        return Outcome(command: nil, facts: facts, result: result)
    }

    /// The result of a `when`, to be checked with one of the `then…` methods.
    struct Outcome {
        let command: Command?
        let facts: Facts
        let result: Result<Decision, QuireError>

        /// The command is accepted with exactly these events and no warnings.
        func then(_ expected: [Event], sourceLocation: SourceLocation = #_sourceLocation) {
            thenWarns(expected, [], sourceLocation: sourceLocation)
        }

        /// The command is accepted with exactly these events and these warnings.
        func thenWarns(_ expected: [Event], _ warnings: [Warning], sourceLocation: SourceLocation = #_sourceLocation) {
            switch result {
            case .success(.accepted(let events, let actual)):
                #expect(events == expected, sourceLocation: sourceLocation)
                #expect(actual == warnings, sourceLocation: sourceLocation)
            case .success(let other):
                Issue.record("expected acceptance, got \(other)", sourceLocation: sourceLocation)
            case .failure(let error):
                Issue.record("expected acceptance, got \(error.code): \(error.message)", sourceLocation: sourceLocation)
            }
        }

        /// The accepted events, for checks that `then` cannot express.
        func accepted(sourceLocation: SourceLocation = #_sourceLocation) -> (events: [Event], warnings: [Warning])? {
            guard case .success(.accepted(let events, let warnings)) = result else {
                Issue.record("expected acceptance, got \(result)", sourceLocation: sourceLocation)
                return nil
            }
            return (events, warnings)
        }

        /// The command is refused with `code` and the attempt is recorded as one `access.denied`
        /// event in the `security` stream. Returns the error for further checks.
        @discardableResult
        func thenDenied(reason: AccessDenied.Reason, _ code: QuireError.Code, command name: String? = nil,
                        target: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> QuireError? {
            switch result {
            case .success(let decision):
                guard case .denied(let denial, let error) = decision else {
                    Issue.record("expected a denial, got \(decision)", sourceLocation: sourceLocation)
                    return nil
                }
                #expect(denial.reason == reason, sourceLocation: sourceLocation)
                #expect(error.code == code, sourceLocation: sourceLocation)
                if let expectedName = name ?? command?.name {
                    #expect(denial.command == expectedName, sourceLocation: sourceLocation)
                }
                if let target { #expect(denial.target == target, sourceLocation: sourceLocation) }
                #expect(decision.events == [.accessDenied(denial)], sourceLocation: sourceLocation)
                #expect(decision.events.map(\.stream) == [Event.securityStream], sourceLocation: sourceLocation)
                return error
            case .failure(let error):
                Issue.record("expected a denial, got thrown \(error.code): \(error.message)", sourceLocation: sourceLocation)
                return nil
            }
        }

        /// The command fails with `code` and appends nothing (not even a denial). Returns the
        /// error for further checks.
        @discardableResult
        func thenThrows(_ code: QuireError.Code, sourceLocation: SourceLocation = #_sourceLocation) -> QuireError? {
            switch result {
            case .success(let decision):
                Issue.record("expected \(code) with no events, got \(decision)", sourceLocation: sourceLocation)
                return nil
            case .failure(let error):
                #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
                return error
            }
        }
    }
}

func given(_ history: [DeciderSpecification.Recorded]) -> DeciderSpecification {
    DeciderSpecification(history)
}

/// Events numbered as the store would number them: versions count per stream from 1, and each
/// event is recorded one second after the previous one, from `Spec.start`.
func given(_ events: [Event]) -> DeciderSpecification {
    var versions: [String: Int] = [:]
    let recorded = events.enumerated().map { i, event in
        versions[event.stream, default: 0] += 1
        return DeciderSpecification.Recorded(event, version: versions[event.stream]!,
                                             at: Spec.start.adding(milliseconds: Int64(i) * 1000))
    }
    return DeciderSpecification(recorded)
}

/// The cast and props the specifications share.
enum Spec {
    static let start = Timestamp(rfc3339: "2026-01-05T09:00:00.000Z")!
    static let now = Timestamp(rfc3339: "2026-01-05T10:00:00.000Z")!
    static let newSessionID = SessionID("s-new")
    static let newUserID = UserID("u-new")
    static let context = DecisionContext(now: now, newSessionID: newSessionID, newUserID: newUserID)

    static let rootID = UserID("u-root")
    static let aliceID = UserID("u-alice")
    static let bobID = UserID("u-bob")
    static let root = UserRegistered(userID: rootID, email: "root@example.org", role: .systemAdmin)
    static let alice = UserRegistered(userID: aliceID, email: "alice@example.org", role: .admin)
    static let bob = UserRegistered(userID: bobID, email: "bob@example.org", role: .admin)
    /// A system admin, and two admins.
    static let staff: [Event] = [.userRegistered(root), .userRegistered(alice), .userRegistered(bob)]

    static let hashA = String(repeating: "a", count: 64)
    static let hashB = String(repeating: "b", count: 64)

    static func paper(_ fileName: String = "9709_s23_qp_12.json", hash: String = hashA, questions: Int = 10,
                      code: String? = "9709/12") -> PaperFacts {
        var paper: [String: JSONValue] = ["subject": .string("Mathematics"), "year": .number(2023)]
        if let code { paper["code"] = .string(code) }
        return PaperFacts(fileName: fileName, jsonHash: hash, questionCount: questions, paper: paper,
                          blob: String(repeating: "f", count: 64))
    }

    /// `session.created` for `owner`'s session `id` of `file`.
    static func created(_ id: String, by owner: UserID?, _ file: PaperFacts = paper(), name: String = "Paper") -> SessionCreated {
        SessionCreated(sessionID: SessionID(id), ownerID: owner, name: name, fileName: file.fileName,
                       jsonHash: file.jsonHash, questionCount: file.questionCount, paper: file.paper, blob: file.blob)
    }
}

/// An empty log: nothing has happened yet.
func given() -> DeciderSpecification {
    DeciderSpecification([])
}
