import Foundation
import QuireCore
import QuireStorage

/// One event as `audit` shows it.
public struct AuditRow: Sendable, Equatable, Codable {
    public var position: Int64
    public var recordedAt: String
    public var actorID: String
    public var actorEmail: String?
    public var type: String
    public var stream: String
    public var sessionID: String?
    public var version: Int
    public var commandID: String?
    public var payload: JSONValue

    enum CodingKeys: String, CodingKey {
        case position, recordedAt = "recorded_at", actorID = "actor_id", actorEmail = "actor_email", type, stream
        case sessionID = "session_id", version, commandID = "command_id", payload
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(position, forKey: .position)
        try c.encode(recordedAt, forKey: .recordedAt)
        try c.encode(actorID, forKey: .actorID)
        try c.encode(actorEmail, forKey: .actorEmail)
        try c.encode(type, forKey: .type)
        try c.encode(stream, forKey: .stream)
        try c.encode(sessionID, forKey: .sessionID)
        try c.encode(version, forKey: .version)
        try c.encode(commandID, forKey: .commandID)
        try c.encode(payload, forKey: .payload)
    }
}

/// What `verify` found.
public struct VerifyReport: Sendable, Equatable, Codable {
    public var events: Int64
    public var chainIntact: Bool
    public var chainFault: ChainFaultView?
    public var projections: [ProjectionCheck]
    /// SQLite's `PRAGMA quick_check` of the whole file: `ok`, or what it found.
    public var integrity: String = "ok"
    public var ok: Bool { integrity == "ok" && chainIntact && projections.allSatisfy(\.matches) }

    public struct ChainFaultView: Sendable, Equatable, Codable {
        public var position: Int64
        public var reason: String
    }

    public struct ProjectionCheck: Sendable, Equatable, Codable {
        public var name: String
        public var matches: Bool
        public var table: String?
        public var detail: String?
    }

    enum CodingKeys: String, CodingKey { case ok, events, integrity, chainIntact = "chain_intact", chainFault = "chain_fault", projections }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok)
        try c.encode(events, forKey: .events)
        try c.encode(integrity, forKey: .integrity)
        try c.encode(chainIntact, forKey: .chainIntact)
        try c.encode(chainFault, forKey: .chainFault)
        try c.encode(projections, forKey: .projections)
    }

    public init(events: Int64, chainIntact: Bool, chainFault: ChainFaultView?, projections: [ProjectionCheck]) {
        self.events = events
        self.chainIntact = chainIntact
        self.chainFault = chainFault
        self.projections = projections
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        events = try c.decode(Int64.self, forKey: .events)
        chainIntact = try c.decode(Bool.self, forKey: .chainIntact)
        chainFault = try c.decodeIfPresent(ChainFaultView.self, forKey: .chainFault)
        projections = try c.decode([ProjectionCheck].self, forKey: .projections)
        integrity = try c.decodeIfPresent(String.self, forKey: .integrity) ?? "ok"
    }
}

extension QuireService {
    // MARK: - Actors

    /// The acting user, registered and active; throws exit-67 errors otherwise. Appends nothing.
    public func actingUser(_ name: ActorName) throws(QuireError) -> UserState {
        try store.read { reader in
            try Decider.activeUser(try resolve(name, reader))
        }
    }

    /// Checks a role-restricted question. A refusal is recorded as `access.denied` (committed)
    /// and thrown as the `forbidden` error.
    @discardableResult
    public func authorize(_ query: Query, as name: ActorName) throws(QuireError) -> UserState {
        // Decide on a read snapshot: an allowed query never takes the write lock.
        let decision = try store.read { reader in try Decider.authorize(query, Facts(actor: try resolve(name, reader))) }
        switch decision {
        case .accepted:
            return try actingUser(name)
        case .denied(let denial, let error):
            try recordDenial(denial, as: name)
            throw error
        }
    }

    // MARK: - Sessions

    /// The actor's own sessions (in progress and completed) and the legacy ones, most recent first.
    public func sessions(as name: ActorName) throws(QuireError) -> [SessionView] {
        let user = try actingUser(name)
        return try store.read { reader in
            let states = try reader.sessions(visibleTo: user.id)
            // Shared sessions name their owners; the user's own carry the user's email.
            let others = Set(states.compactMap(\.ownerID).filter { $0 != user.id })
            let emails = Dictionary(try reader.users(Array(others)).map { ($0.id, $0.email) }) { a, _ in a }
            return states.map { s in
                var view = SessionView(s, ownerEmail: s.ownerID.map { $0 == user.id ? user.email : emails[$0] ?? $0.rawValue })
                view.sharedWithYou = s.role(of: user.id)?.rawValue
                return view
            }
        }
    }

    /// Opens a session by id: appends `session.accessed` and returns it.
    public func show(_ id: SessionID, as name: ActorName, commandID: String? = nil) throws(QuireError) -> Outcome {
        try handle(.command(.accessSession(id)), as: name, commandID: commandID)
    }

    /// Opens the actor's most recently used in-progress session.
    public func resume(as name: ActorName, commandID: String? = nil) throws(QuireError) -> Outcome {
        guard let latest = try resumeTarget(as: name) else {
            throw .notFound("You have no session in progress to resume.")
        }
        return try handle(.command(.accessSession(latest)), as: name, commandID: commandID)
    }

    // MARK: - Monitor

    /// Every active session of everyone, stalest first, with who it is shared with; with
    /// `staleHours`, only those idle at least that long. System admins only.
    public func monitor(as name: ActorName, staleHours: Double? = nil, limit: Int = 1000) throws(QuireError) -> [MonitorView] {
        try authorize(.monitor, as: name)
        let now = clock()
        let cutoff = staleHours.map { now.adding(milliseconds: -Int64($0 * 3_600_000)) }
        return try store.read { reader in
            try Self.monitorRows(try reader.monitor(accessedBefore: cutoff, limit: limit, offset: 0), now: now, reader)
        }
    }

    /// Monitor rows with their collaborators, read in the same transaction as the rows (so a row
    /// and its collaborators are of one moment) and in one statement for a page of up to 5000
    /// (the dashboard's); a longer list goes in statements of 5000, well inside every backend's
    /// limit on bound values.
    static func monitorRows(_ entries: [MonitorEntry], now: Timestamp, _ reader: any StorageReader) throws -> [MonitorView] {
        var shared: [SessionID: [CollaboratorView]] = [:]
        for start in stride(from: 0, to: entries.count, by: 5000) {
            for c in try reader.collaborators(of: entries[start..<min(start + 5000, entries.count)].map(\.sessionID)) {
                shared[c.sessionID, default: []].append(CollaboratorView(userID: c.userID.rawValue, email: c.email ?? c.userID.rawValue,
                                                                         role: c.role.rawValue))
            }
        }
        // By email, then id: the same order on every backend, whatever its collation.
        return entries.map { e in
            MonitorView(e, now: now, collaborators: (shared[e.sessionID] ?? []).sorted { ($0.email, $0.userID) < ($1.email, $1.userID) })
        }
    }

    // MARK: - Users

    public func users(as name: ActorName) throws(QuireError) -> [UserView] {
        try authorize(.listUsers, as: name)
        return try store.read { reader in try reader.users().map(UserView.init) }
    }

    /// Whether any active system admin exists (`init` creates the first).
    public func hasSystemAdmin() throws(QuireError) -> Bool {
        try store.read { reader in try reader.activeSystemAdmins() > 0 }
    }

    public func user(named name: String) throws(QuireError) -> UserState? {
        try store.read { reader in try reader.user(named: Self.lookupKey(name)) }
    }

    // MARK: - Audit

    /// Who did what, newest first. A system admin may read everyone's trail; an admin reads
    /// their own (asking for someone else's is refused and recorded).
    public func audit(_ filter: AuditFilter, actorName: String? = nil, ascending: Bool = false,
                      as name: ActorName) throws(QuireError) -> [AuditRow] {
        let me = try actingUser(name)
        var filter = filter
        if let actorName {
            if actorName == "system" {
                filter.actor = "system"
            } else {
                guard let target = try user(named: actorName) else {
                    throw .unknownUser("No registered user is called \(actorName).")
                }
                filter.actor = target.id.rawValue
            }
        }
        if me.role != .systemAdmin {
            if let asked = filter.actor, asked != me.id.rawValue {
                try authorize(.auditOthers, as: name)
            }
            filter.actor = me.id.rawValue
        }
        if me.role != .systemAdmin {
            // An admin's own refused attempt on someone else's session stays out of their trail:
            // it would tell them that the session they reached for exists. (System admins see it.)
            filter.hideOwnershipDenials = true
        }
        let records = try store.read { reader in try reader.audit(filter, ascending: ascending) }
        return try auditRows(records)
    }

    func auditRows(_ records: [RecordedEvent]) throws(QuireError) -> [AuditRow] {
        // One query for all the actors' emails, not one per row.
        let emails = try emails(for: records)
        return records.map { r in
            // One parse per row: the session comes from the stream's name, or a denial's target.
            let payload = (try? JSONValue(stored: r.payload)) ?? .string(r.payload)
            let stream = r.type == "access.denied" ? payload.objectValue?["target"]?.stringValue ?? "" : r.stream
            let sessionID = stream.hasPrefix(SessionKind.streamPrefix) ? String(stream.dropFirst(SessionKind.streamPrefix.count)) : nil
            return AuditRow(position: r.position, recordedAt: r.recordedAt, actorID: r.actor, actorEmail: emails[r.actor],
                            type: r.type, stream: r.stream, sessionID: sessionID, version: r.version,
                            commandID: r.commandID, payload: payload)
        }
    }

    // MARK: - Maintenance

    /// Rebuilds the named projections (all when empty) from the log.
    public func rebuild(_ names: [String] = [], progress: StorageProgress? = nil) throws(QuireError) -> [String] {
        let all = store.projectionNames
        for name in names where !all.contains(name) {
            throw .usage("There is no projection called \(name); choose from \(all.joined(separator: ", ")).")
        }
        let chosen = names.isEmpty ? all : names
        try store.rebuild(chosen, progress: progress)
        return chosen
    }

    /// Checks the file's integrity, the hash chain, that nothing was cut from the log's end, and
    /// that every projection equals a fresh replay of the log. Projections are compared only when
    /// the chain is intact: replaying a tampered log proves nothing.
    public func verify() throws(QuireError) -> VerifyReport {
        let integrity = try store.integrityProblems()
        let chain = try store.read { reader in try reader.verifyChain(progress: nil) }
        let (events, ahead) = try store.read { reader in
            (try reader.eventCount(), max(try reader.checkpoints().map(\.position).max() ?? 0, try reader.lastCommandPosition()))
        }
        var fault: VerifyReport.ChainFaultView?
        switch chain {
        case .success:
            if ahead > events {
                fault = .init(position: events + 1, reason: "the log ends at position \(events), but the database recorded events up to position \(ahead): events were removed from its end")
            }
        case .failure(let f):
            fault = .init(position: f.position, reason: f.reason)
        }
        var checks: [VerifyReport.ProjectionCheck]
        if fault == nil {
            // A file written by an older quire may lack a projection this version added, or keep one
            // by older rules (session views before content versions): that is not drift, so those
            // are built from the verified chain first. Every other projection is compared exactly as
            // it is, never repaired.
            try store.upgradeProjections(progress: nil)
            do throws(QuireError) {
                let drifts = try store.drift()
                checks = projectionNames.map { name in
                    let drift = drifts.first { $0.projection == name }
                    return VerifyReport.ProjectionCheck(name: name, matches: drift == nil, table: drift?.table, detail: drift?.detail)
                }
            } catch {
                checks = projectionNames.map { .init(name: $0, matches: false, table: nil, detail: "the log cannot be replayed: \(error.message)") }
            }
        } else {
            checks = projectionNames.map { .init(name: $0, matches: false, table: nil, detail: "not compared: the chain is broken") }
        }
        var report = VerifyReport(events: events, chainIntact: fault == nil, chainFault: fault, projections: checks)
        report.integrity = integrity.isEmpty ? "ok" : integrity.prefix(5).joined(separator: "; ")
        return report
    }

    /// The current time on the service's clock.
    public var now: Timestamp { clock() }
}
