import Foundation
import QuireCore
import QuireStorage

/// One step of a session's history: the event, who did it, and the session's state after it.
public struct HistoryEntry: Sendable, Equatable, Codable {
    public var position: Int64
    public var recordedAt: String
    public var actorID: String
    public var actorEmail: String?
    public var type: String
    public var version: Int?
    public var commandID: String?
    /// What changed, field by field; empty for accesses' other fields and for denied attempts.
    public var changes: [Change]
    /// The session as it stood after this event.
    public var state: SessionView?
    /// For a denied attempt: what was tried and why it was refused (`session.update`, `not_owner`).
    public var refusal: AccessDenied?

    public struct Change: Sendable, Equatable, Codable {
        public var field: String
        public var from: JSONValue
        public var to: JSONValue
        public init(field: String, from: JSONValue, to: JSONValue) {
            self.field = field
            self.from = from
            self.to = to
        }
    }

    enum CodingKeys: String, CodingKey {
        case position, recordedAt = "recorded_at", actorID = "actor_id", actorEmail = "actor_email", type, version
        case commandID = "command_id", changes, state, refusal
    }
}

/// What `explain` found out about one command id.
public struct Explanation: Sendable, Equatable, Codable {
    public var commandID: String
    /// `accepted`, `denied`, or `unknown` (nothing in the log carries the id).
    public var outcome: String
    public var events: [AuditRow]
    /// For a denied command: the rule, in words, and the facts at that position.
    public var reason: String?
    public var facts: [String: JSONValue]?

    enum CodingKeys: String, CodingKey { case commandID = "command_id", outcome, events, reason, facts }
}

extension QuireService {
    // MARK: - History

    /// One session's events in order, with its state after each and what changed. The owner and
    /// system admins may read it (deleted sessions too); every admin may read a legacy session's.
    /// Anyone else gets the not-found answer and the attempt is recorded.
    public func history(_ id: SessionID, as name: ActorName) throws(QuireError) -> [HistoryEntry] {
        let me = try actingUser(name)
        let access: SessionAccess? = try store.read { reader in try reader.sessionAccess(id) }
        guard let access else { throw .sessionNotFound(id) }
        let allowed = me.role == .systemAdmin || access.owner == me.id || (access.owner == nil && access.status != .deleted)
        if !allowed {
            try recordDenial(AccessDenied(command: "session.history", target: id.stream, reason: .notOwner), as: name)
            throw .sessionNotFound(id)
        }
        let records: [RecordedEvent] = try store.read { reader in
            let own = try reader.events(stream: id.stream)
            let denied = try reader.audit(AuditFilter(session: id, deniedOnly: true, limit: 100_000))
            return (own + denied).sorted { $0.position < $1.position }
        }
        var emails = try emails(for: records)
        // The chain of custody names every owner the session had, by email.
        var owners: [UserID] = access.owner.map { [$0] } ?? []
        for r in records where ["session.created", "session.transferred", "session.accepted", "session.offered",
                                "session.collaborator_added"].contains(r.type) {
            switch try r.decoded() {
            case .sessionCreated(let e): owners += e.ownerID.map { [$0] } ?? []
            case .sessionTransferred(let e): owners += [e.to] + (e.from.map { [$0] } ?? [])
            case .sessionAccepted(let e): owners += [e.to, e.from]
            case .sessionOffered(let e): owners += [e.to]
            case .collaboratorAdded(let e): owners += [e.userID]
            default: break
            }
        }
        let ownerEmails: [String: String] = try store.read { reader in
            Dictionary(try reader.users(owners).map { ($0.id.rawValue, $0.email) }) { a, _ in a }
        }
        emails.merge(ownerEmails) { a, _ in a }
        var state: SessionState?
        var entries: [HistoryEntry] = []
        for record in records {
            let event = try record.decoded()
            let before = state
            if case .accessDenied = event {} else {
                state = SessionState.evolve(state, event, version: record.version, at: record.timestamp)
            }
            let isDenied: Bool = if case .accessDenied = event { true } else { false }
            entries.append(HistoryEntry(
                position: record.position, recordedAt: record.recordedAt, actorID: record.actor, actorEmail: emails[record.actor],
                type: record.type, version: isDenied ? nil : record.version, commandID: record.commandID,
                changes: isDenied ? [] : Self.changes(from: before, to: state, emails: emails),
                state: state.map { SessionView($0, ownerEmail: $0.ownerID.flatMap { emails[$0.rawValue] }) },
                refusal: { if case .accessDenied(let d) = event { d } else { nil } }()))
        }
        return entries
    }

    /// What an event changed, field by field. Creation lists nothing (the state after it says it
    /// all); the last-access time is listed only when nothing else changed (an access).
    static func changes(from a: SessionState?, to b: SessionState?, emails: [String: String] = [:]) -> [HistoryEntry.Change] {
        guard let a, let b else { return [] }
        func int(_ n: Int) -> JSONValue { .number(Double(n)) }
        var out: [HistoryEntry.Change] = []
        func diff(_ field: String, _ x: JSONValue, _ y: JSONValue) {
            if x != y { out.append(.init(field: field, from: x, to: y)) }
        }
        func owner(_ id: UserID?) -> JSONValue { id.map { .string(emails[$0.rawValue] ?? $0.rawValue) } ?? .null }
        diff("owner", owner(a.ownerID), owner(b.ownerID))
        diff("offered_to", owner(a.offeredTo), owner(b.offeredTo))
        for user in Set(a.collaborators.keys).union(b.collaborators.keys).sorted() {
            diff("shared_with.\(emails[user] ?? user)", a.collaborators[user].map { .string($0.rawValue) } ?? .null,
                 b.collaborators[user].map { .string($0.rawValue) } ?? .null)
        }
        diff("status", .string(a.status.rawValue), .string(b.status.rawValue))
        diff("step", .string(a.step.rawValue), .string(b.step.rawValue))
        diff("progress", int(a.progress), int(b.progress))
        diff("questions_imported", int(a.questionsImported), int(b.questionsImported))
        for key in Set(a.metadata.keys).union(b.metadata.keys).sorted() {
            diff("metadata.\(key)", a.metadata[key] ?? .null, b.metadata[key] ?? .null)
        }
        if out.isEmpty {
            diff("last_accessed_at", .string(a.lastAccessedAt.description), .string(b.lastAccessedAt.description))
        }
        return out
    }

    /// The emails of the events' actors, in one query.
    func emails(for records: [RecordedEvent]) throws(QuireError) -> [String: String] {
        let ids = Set(records.map(\.actor)).filter { $0 != "system" }.map { UserID($0) }
        return try store.read { reader in
            Dictionary(try reader.users(ids).map { ($0.id.rawValue, $0.email) }) { a, _ in a }
        }
    }

    /// Appends an `access.denied` for a refused read (history, explain), in its own transaction.
    func recordDenial(_ denial: AccessDenied, as name: ActorName) throws(QuireError) {
        try store.write { tx in
            let now = try recordingTime(tx)
            let actor = try resolve(name, tx)
            try tx.append([NewEvent(.accessDenied(denial))],
                          envelope: Envelope(actor: Self.envelopeActor(actor), commandID: Identifier.newUUID(), recordedAt: now))
        }
    }

    // MARK: - Explain

    /// What a command produced, or for a refused one, why: the rule and the ownership and role
    /// facts as they stood just before it. System admins may explain any command; an admin only
    /// their own.
    public func explain(_ commandID: String, as name: ActorName) throws(QuireError) -> Explanation {
        let me = try actingUser(name)
        let records: [RecordedEvent] = try store.read { reader in
            try reader.audit(AuditFilter(commandID: commandID, limit: 10_000)).reversed()
        }
        if me.role != .systemAdmin, records.contains(where: { $0.actor != me.id.rawValue }) {
            try recordDenial(AccessDenied(command: "explain", target: "commands", reason: .role), as: name)
            throw .forbidden("Only a system admin may explain other users' commands.")
        }
        let rows = try auditRows(records)
        let unknown = Explanation(commandID: commandID, outcome: "unknown", events: [],
                               reason: "No event carries this command id: it was never submitted, or it was refused before anything was appended (invalid input, a rule such as a duplicate, an unknown user), which quire does not record.",
                               facts: nil)
        guard let first = records.first else { return unknown }
        guard case .accessDenied(let denial) = try first.decoded() else {
            return Explanation(commandID: commandID, outcome: "accepted", events: rows, reason: nil, facts: nil)
        }
        let verb = denial.command.replacingOccurrences(of: "session.", with: "")
        // A former owner's attempt: name the transfer that took the session from them.
        var handedOver: String?
        if denial.reason == .notOwner, denial.target.hasPrefix("session-") {
            let stream: [RecordedEvent] = try store.read { reader in try reader.events(stream: denial.target) }
            for record in stream.reversed() where record.position < first.position {
                let (from, to, how): (UserID?, UserID, String)
                switch try record.decoded() {
                case .sessionTransferred(let e): (from, to, how) = (e.from, e.to, "transferred to")
                case .sessionAccepted(let e): (from, to, how) = (e.from, e.to, "handed over (offer accepted) to")
                default: continue
                }
                guard from?.rawValue == first.actor else { continue }
                let email = try user(named: to.rawValue)?.email ?? to.rawValue
                handedOver = "Ownership: the session was \(how) \(email) at position \(record.position); from then on only its owner may \(verb) it, and the attempt is recorded."
                break
            }
        }
        // An admin's own refused attempt on someone else's session is answered as if nothing
        // were recorded: anything more would tell them the session exists. A former owner knew
        // it existed, and is told where it went.
        if me.role != .systemAdmin, handedOver == nil { return unknown }
        // The facts just before the refusal, from a replay of the log up to then.
        let past = try store.replay(until: first.position - 1, progress: nil)
        let facts: [String: JSONValue] = try past.read { reader in
            var facts: [String: JSONValue] = ["position": .number(Double(first.position))]
            if let actor = try reader.user(id: UserID(first.actor)) {
                facts["actor"] = .string(actor.email)
                facts["actor_role"] = .string(actor.role.rawValue)
                facts["actor_active"] = .bool(actor.active)
            }
            if denial.target.hasPrefix("session-") {
                let id = SessionID(String(denial.target.dropFirst(8)))
                if let session = try reader.sessionAccess(id) {
                    facts["session_owner"] = session.owner.map { .string($0.rawValue) } ?? .null
                    if let owner = session.owner, let u = try reader.user(id: owner) {
                        facts["session_owner_email"] = .string(u.email)
                    }
                    facts["session_status"] = .string(session.status.rawValue)
                }
            }
            return facts
        }
        let rule: String = switch denial.reason {
        case .notOwner:
            handedOver ?? "Ownership: only a session's owner may \(verb) it; anyone else gets the answer a missing session gets, and the attempt is recorded."
        case .role:
            "Role: \(denial.command) is for system admins only, and the actor was \(facts["actor_role"]?.stringValue ?? "not one")."
        }
        return Explanation(commandID: commandID, outcome: "denied", events: rows, reason: rule, facts: facts)
    }
}
