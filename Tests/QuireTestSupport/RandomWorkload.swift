import QuireCore
import QuireStorage

/// Drives a store with a random but valid stream of events, each batch appended and projected
/// inline in one transaction, the way the command handler does.
public struct RandomWorkload {
    public var rng: SeededRandom
    public var users: [UserID] = []
    public var sessions: [SessionID: (owner: UserID?, status: SessionStatus)] = [:]
    public var clock = Timestamp(milliseconds: 1_764_000_000_000)

    public init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    public mutating func nextEvents() -> (EventActor, [Event]) {
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
            // A legacy row whose `created_by` is a registered user stays theirs (and counts for
            // their duplicates, created at the time it was imported, not the old row's time).
            let owner: UserID? = legacy && rng.next() % 2 == 0 ? nil : actor
            sessions[id] = (owner, .inProgress)
            let hash = String(repeating: String(rng.next() % 4), count: 64)
            return (.user(actor), [.sessionCreated(SessionCreated(
                sessionID: id, ownerID: owner, name: "Paper \(id)", fileName: "f\(rng.next() % 3).json",
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
        case 9 where state.status != .expired && rng.next() % 3 == 0:
            // A system admin hands it (a legacy one too) to another user.
            let to = users[Int(rng.next() % UInt64(users.count))]
            guard to != state.owner else { return (.user(actor), [.sessionAccessed(SessionAccessed(sessionID: id))]) }
            sessions[id]!.owner = to
            return (.user(users[0]), [.sessionTransferred(SessionTransferred(sessionID: id, from: state.owner, to: to, reason: "r"))])
        case 9 where state.status == .inProgress && state.owner != nil:
            sessions[id]!.status = .expired
            return (.system, [.sessionExpired(SessionExpired(sessionID: id, expireAfter: "1h", idleSeconds: 3600, lastAccessedAt: clock))])
        case 9 where state.status == .expired:
            sessions[id]!.status = .inProgress
            return (.user(actor), [.sessionReopened(SessionReopened(sessionID: id))])
        default:
            return (.user(actor), [.sessionAccessed(SessionAccessed(sessionID: id))])
        }
    }

    /// Appends `n` batches, each in its own transaction with its inline projections.
    public mutating func run(_ n: Int, on store: any EventStorage) throws {
        for _ in 0..<n {
            let (actor, events) = nextEvents()
            let at = clock
            try store.write { tx in
                try tx.append(events.map { NewEvent($0) }, envelope: Envelope(actor: actor, commandID: nil, recordedAt: at))
            }
        }
    }
}
