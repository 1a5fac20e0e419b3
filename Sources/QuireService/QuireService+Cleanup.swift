import Foundation
import QuireCore
import QuireStorage

/// What `quire cleanup` (and `POST /v1/cleanup`) deletes: every filter given must match.
public struct CleanupFilter: Sendable, Equatable {
    /// Legacy sessions (imported from the old table, no owner).
    public var legacy = false
    /// Sessions the stale-session timeout expired.
    public var expired = false
    public var status: SessionStatus?
    /// Last changed (completed, updated…) at least this long ago.
    public var olderThan: TimeSpan?
    /// Sessions of this user (email or id); for an admin only themselves.
    public var owner: String?
    /// Not used for at least this many hours.
    public var idleHours: Double?

    public init(legacy: Bool = false, expired: Bool = false, status: SessionStatus? = nil, olderThan: TimeSpan? = nil,
                owner: String? = nil, idleHours: Double? = nil) {
        self.legacy = legacy
        self.expired = expired
        self.status = status
        self.olderThan = olderThan
        self.owner = owner
        self.idleHours = idleHours
    }

    public var isEmpty: Bool { !legacy && !expired && status == nil && olderThan == nil && owner == nil && idleHours == nil }

    /// The filter as the command line spells it: what each `session.deleted` reason names.
    public var description: String {
        var parts: [String] = []
        if legacy { parts.append("--legacy") }
        if expired { parts.append("--expired") }
        if let status { parts.append("--status \(status.rawValue)") }
        if let olderThan { parts.append("--older-than \(olderThan)") }
        if let owner { parts.append("--owner \(owner)") }
        if let idleHours { parts.append("--idle-hours \(Int(exactly: idleHours).map(String.init) ?? String(idleHours))") }
        return parts.joined(separator: " ")
    }
}

/// What a cleanup deleted, or with `dry_run` would delete.
public struct CleanupReport: Sendable, Equatable, Codable {
    public var commandID: String?
    public var dryRun: Bool
    public var filter: String
    public var sessions: [Item]
    /// Sessions of the plan deleted by this run (0 in a dry run; fewer than planned when resuming).
    public var deleted: Int

    public struct Item: Sendable, Equatable, Codable {
        public var sessionID: String
        public var name: String
        public var ownerEmail: String?
        public var status: String
        enum CodingKeys: String, CodingKey { case sessionID = "session_id", name, ownerEmail = "owner_email", status }
    }

    enum CodingKeys: String, CodingKey { case commandID = "command_id", dryRun = "dry_run", filter, sessions, deleted }
}

extension QuireService {
    /// Above this many sessions a cleanup needs `--yes`.
    public static let cleanupConfirmationThreshold = 20
    /// Sessions deleted per write transaction.
    static let cleanupBatch = 100

    /// Deletes every session the filter matches that the actor may clean up — a system admin
    /// everyone's, an admin their own and the legacy ones — each with its own `session.deleted`
    /// (reason naming the cleanup and its filter), all under one command id.
    ///
    /// The first transaction records the plan (the matching sessions) under the command id. Run
    /// again with the same id, a cleanup works through that plan: a finished one appends nothing,
    /// a killed one deletes what it had not reached. The same id with another filter is refused.
    public func cleanup(_ filter: CleanupFilter, dryRun: Bool = false, confirmed: Bool = false, as name: ActorName,
                        commandID givenID: String? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil) throws(QuireError) -> CleanupReport {
        try cleanup(filter, dryRun: dryRun, confirmed: confirmed, as: name, commandID: givenID, progress: progress, stopAfterBatches: nil)
    }

    /// `stopAfterBatches` ends the run early, as a killed process would (tests of resuming).
    func cleanup(_ filter: CleanupFilter, dryRun: Bool, confirmed: Bool, as name: ActorName, commandID givenID: String?,
                 progress: (@Sendable (Int, Int) -> Void)?, stopAfterBatches: Int?) throws(QuireError) -> CleanupReport {
        let me = try actingUser(name)
        guard !filter.isEmpty else {
            throw .usage("Name what to clean up: --legacy, --expired, --status S, --older-than D, --owner USER or --idle-hours H.")
        }
        // At most a million hours (114 years): beyond that no session qualifies, and the hours
        // would overflow the milliseconds they are compared in.
        if let idle = filter.idleHours, idle < 0 || !idle.isFinite || idle > 1_000_000 {
            throw .usage("--idle-hours must be between 0 and 1000000.")
        }
        var ownerID: UserID?
        if let owner = filter.owner {
            guard let user = try user(named: owner) else { throw .unknownUser("No registered user is called \(owner).") }
            if user.id != me.id, me.role != .systemAdmin {
                try recordDenial(AccessDenied(command: "cleanup", target: "sessions", reason: .role), as: name)
                throw .forbidden("Only a system admin may clean up other users' sessions.")
            }
            ownerID = user.id
        }
        if let givenID, !Identifier.isAcceptable(givenID) {
            throw .invalidInput("command_id must be 1 to 128 letters, digits, '-', '_', '.' or ':'.")
        }
        let commandID = givenID ?? Identifier.newUUID()
        let fingerprint = HashChain.sha256Hex(Array("cleanup\n\(me.id.rawValue)\n\(filter.description)".utf8))
        let now = clock()

        // The plan: recorded by an earlier run of this command id, or what matches now.
        let recorded: CommandRecord? = try store.read { reader in try reader.command(commandID) }
        if let recorded, recorded.fingerprint != fingerprint {
            throw QuireError(.commandIDReused, "command_id \(commandID) was already used for a different command.")
        }
        let plan: [SessionState] = try store.read { reader in
            if let recorded, let ids = try? JSONDecoder().decode(CleanupPlan.self, from: Data(recorded.outcome.utf8)).plan {
                return try reader.sessions(ids.map { SessionID($0) })
            }
            return try Self.cleanupCandidates(filter, owner: ownerID, for: me, now: now, reader)
        }
        let items: [CleanupReport.Item] = try store.read { reader in
            let emails = Dictionary(try reader.users(Array(Set(plan.compactMap(\.ownerID)))).map { ($0.id, $0.email) }) { a, _ in a }
            return plan.map { .init(sessionID: $0.id.rawValue, name: $0.name, ownerEmail: $0.ownerID.flatMap { emails[$0] },
                                    status: $0.status.rawValue) }
        }
        if dryRun {
            return CleanupReport(commandID: nil, dryRun: true, filter: filter.description, sessions: items.filter { $0.status != "deleted" }, deleted: 0)
        }
        let pending = plan.filter { $0.status != .deleted }
        if recorded == nil, pending.count > Self.cleanupConfirmationThreshold, !confirmed {
            throw .usage("This cleanup would delete \(pending.count) sessions; add --yes to go ahead, or --dry-run to list them.")
        }

        let reason = "cleanup \(filter.description)"
        let planText = String(decoding: try Self.encode(CleanupPlan(cleanup: filter.description, plan: plan.map(\.id.rawValue))), as: UTF8.self)
        var deleted = 0
        var done = 0
        for (batch, start) in stride(from: 0, to: max(pending.count, 1), by: Self.cleanupBatch).enumerated() {
            if let stopAfterBatches, batch >= stopAfterBatches { break }
            let chunk = Array(pending[start..<min(start + Self.cleanupBatch, pending.count)])
            deleted += try store.write { tx in
                let time = try recordingTime(tx)
                let actor = try resolve(name, tx)
                var count = 0
                var first: Int64?
                for session in chunk {
                    let command = Command.cleanupSession(DeleteSession(sessionID: session.id, reason: reason))
                    let facts = try gather(command, actor: actor, tx, now: time)
                    let decision: Decision
                    do {
                        decision = try Decider.decide(command, facts, DecisionContext(now: time, newSessionID: session.id, newUserID: me.id))
                    } catch let error as QuireError where error.code == .notFound {
                        continue  // deleted meanwhile (by its owner, or by this cleanup's earlier run)
                    }
                    guard case .accepted(let events, _) = decision else { continue }
                    let appended = try tx.append(events.map { NewEvent($0, expectedVersion: Self.expectedVersion(for: $0, facts)) },
                                                 envelope: Envelope(actor: .user(me.id), commandID: commandID, recordedAt: time))
                    first = first ?? appended.first?.position
                    count += 1
                }
                if try tx.command(commandID) == nil, let first {
                    try tx.record(CommandRecord(commandID: commandID, fingerprint: fingerprint, actor: me.id.rawValue, outcome: planText,
                                                firstPosition: first), at: time)
                }
                return count
            }
            done += chunk.count
            progress?(done, pending.count)
        }
        return CleanupReport(commandID: commandID, dryRun: false, filter: filter.description, sessions: items, deleted: deleted)
    }

    /// What a cleanup run records under its command id: the filter and the sessions it planned to delete.
    struct CleanupPlan: Codable {
        var cleanup: String
        var plan: [String]
    }

    static func encode<T: Encodable>(_ value: T) throws(QuireError) -> Data {
        do { return try EventCoding.compact.encode(value) } catch { throw .internal("Could not encode a cleanup plan: \(error).") }
    }

    /// The sessions `filter` matches among those the actor may clean up: for a system admin
    /// everyone's (every user's own and the legacy ones), for an admin their own and the legacy ones.
    static func cleanupCandidates(_ filter: CleanupFilter, owner: UserID?, for me: UserState, now: Timestamp,
                                  _ reader: any StorageReader) throws -> [SessionState] {
        let people = me.role == .systemAdmin ? try reader.users().map(\.id) : [me.id]
        var seen = Set<SessionID>()
        var all: [SessionState] = []
        for person in people {
            for s in try reader.sessions(visibleTo: person) where (s.ownerID == person || s.isLegacy) && seen.insert(s.id).inserted {
                all.append(s)
            }
        }
        return all.filter { s in
            if filter.legacy, !s.isLegacy { return false }
            if filter.expired, s.status != .expired { return false }
            if let status = filter.status, s.status != status { return false }
            if let span = filter.olderThan, s.updatedAt.milliseconds > now.milliseconds - span.milliseconds { return false }
            if let owner, s.ownerID != owner { return false }
            if let hours = filter.idleHours, Double(now.milliseconds - s.lastAccessedAt.milliseconds) < hours * 3_600_000 { return false }
            return true
        }.sorted { ($0.createdAt, $0.id.rawValue) < ($1.createdAt, $1.id.rawValue) }
    }
}
