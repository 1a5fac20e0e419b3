import QuireCore
import QuireStorage

/// What a sweep expired (or, with `--dry-run`, would expire).
public struct SweepReport: Sendable, Equatable, Codable {
    public var dryRun: Bool
    /// The timeout that applied (`14d`), or nil when none applies (turned off in the log).
    public var expireAfter: String?
    public var expired: [ExpiredSession]
    /// Offers that lapsed unanswered, recorded as declined (`session.declined`, `expired`).
    public var lapsedOffers: [String] = []
    /// The sweep commands that appended the expiries (one per batch of `sweepBatch`).
    public var commandIDs: [String]

    public struct ExpiredSession: Sendable, Equatable, Codable {
        public var sessionID: String
        public var name: String
        public var ownerEmail: String?
        public var idleSeconds: Int
        public var lastAccessedAt: Timestamp
        /// The event's position; nil in a dry run.
        public var position: Int64?

        enum CodingKeys: String, CodingKey {
            case sessionID = "session_id", name, ownerEmail = "owner_email", idleSeconds = "idle_seconds"
            case lastAccessedAt = "last_accessed_at", position
        }
    }

    enum CodingKeys: String, CodingKey {
        case dryRun = "dry_run", expireAfter = "expire_after", expired, lapsedOffers = "lapsed_offers", commandIDs = "command_ids"
    }
}

/// One setting as `quire settings` shows it.
public struct SettingView: Sendable, Equatable, Codable {
    public var key: String
    /// As last set, or nil when never set.
    public var value: String?
    public var about: String
    public init(key: String, value: String?, about: String) {
        self.key = key
        self.value = value
        self.about = about
    }
}

/// The monitor's counts beside its list of active sessions.
public struct MonitorSummary: Sendable, Equatable, Codable {
    public var active: Int
    public var expired: Int
    /// The stored stale-session timeout, when one is set.
    public var expireAfter: String?
    /// Sessions offered to someone who has not answered yet.
    public var pendingOffers: Int
    enum CodingKeys: String, CodingKey { case active, expired, expireAfter = "expire_after", pendingOffers = "pending_offers" }
}

extension QuireService {
    // MARK: - The sweep

    /// Expires every owned in-progress session idle longer than the timeout: the `expire_after`
    /// setting from the log, else `fallback`. Runs as quire itself (`system`), in transactions of
    /// at most `sweepBatch` expiries; several sweepers at once expire each session once, because
    /// each expiry is appended at the version the sweep decided on.
    ///
    /// With `dryRun` it decides exactly as a sweep would at this moment and appends nothing.
    public func sweep(fallback: TimeSpan? = nil, dryRun: Bool = false) throws(QuireError) -> SweepReport {
        let command = Command.sweep(Sweep(fallbackExpireAfter: fallback))
        let rule: String? = try store.read { reader in try Self.settings(reader).expireAfter(fallback: fallback)?.description }
        if dryRun {
            let events: [Event] = try store.read { reader in
                let now = try recordingTime(reader)
                var facts = try gather(command, actor: .system, reader, now: nil)
                if let timeout = facts.settings.expireAfter(fallback: fallback) {
                    facts.stale = try Self.staleSessions(before: now.adding(milliseconds: -timeout.milliseconds), reader, limit: Int.max)
                    facts.lapsedOffers = try reader.lapsedOffers(at: now, limit: Int.max)
                }
                let context = DecisionContext(now: now, newSessionID: SessionID(""), newUserID: UserID(""))
                return try Decider.decide(command, facts, context).events
            }
            return SweepReport(dryRun: true, expireAfter: rule, expired: try expiredSessions(events, positions: nil),
                               lapsedOffers: Self.lapsed(events), commandIDs: [])
        }
        var report = SweepReport(dryRun: false, expireAfter: rule, expired: [], commandIDs: [])
        while true {
            let commandID = Identifier.newUUID()
            let outcome = try handle(.command(command), as: .system, commandID: commandID)
            guard let first = outcome.positions.first else { break }
            let records: [RecordedEvent] = try store.read { reader in
                try reader.events(after: first - 1, limit: outcome.positions.count)
            }
            var events: [Event] = []
            for record in records { events.append(try record.decoded()) }
            report.commandIDs.append(commandID)
            report.expired += try expiredSessions(events, positions: records.map(\.position))
            report.lapsedOffers += Self.lapsed(events)
            if outcome.positions.count < Self.sweepBatch { break }
        }
        return report
    }

    static func lapsed(_ events: [Event]) -> [String] {
        events.compactMap { if case .sessionDeclined(let e) = $0 { e.sessionID.rawValue } else { nil } }
    }

    private func expiredSessions(_ events: [Event], positions: [Int64]?) throws(QuireError) -> [SweepReport.ExpiredSession] {
        try store.read { reader in
            var out: [SweepReport.ExpiredSession] = []
            for (i, event) in events.enumerated() {
                guard case .sessionExpired(let e) = event, let s = try reader.session(e.sessionID) else { continue }
                let email = try s.ownerID.flatMap { try reader.user(id: $0)?.email }
                out.append(.init(sessionID: e.sessionID.rawValue, name: s.name, ownerEmail: email, idleSeconds: e.idleSeconds,
                                 lastAccessedAt: e.lastAccessedAt, position: positions?[i]))
            }
            return out
        }
    }

    // MARK: - Offers

    /// The sessions offered to the actor and not yet answered, with who offered each.
    public func offers(as name: ActorName) throws(QuireError) -> [SessionView] {
        let me = try actingUser(name)
        let now = clock()
        return try store.read { reader in try reader.offers(to: me.id, at: now).map { try sessionView($0, reader) } }
    }

    // MARK: - Settings

    /// Every setting quire knows, with its stored value. Any active user may read them.
    public func settings(as name: ActorName) throws(QuireError) -> [SettingView] {
        _ = try actingUser(name)
        let stored = try store.read { reader in try Self.settings(reader) }
        return Settings.keys.map { SettingView(key: $0.key, value: stored.values[$0.key], about: $0.about) }
    }

    /// Stores a setting in the log (system admins only; a refusal is recorded).
    @discardableResult
    public func setSetting(_ key: String, to value: String, as name: ActorName, commandID: String? = nil) throws(QuireError) -> SettingView {
        _ = try handle(.command(.changeSetting(ChangeSetting(key: key, value: value))), as: name, commandID: commandID)
        return try settings(as: name).first { $0.key == key } ?? SettingView(key: key, value: value, about: "")
    }

    // MARK: - The monitor's counts

    public func monitorSummary(as name: ActorName) throws(QuireError) -> MonitorSummary {
        try authorize(.monitor, as: name)
        return try sessionCounts()
    }

    /// The monitor's counts, for `/metrics` (which names no session and needs no user).
    public func sessionCounts() throws(QuireError) -> MonitorSummary {
        try store.read { reader in
            MonitorSummary(active: try reader.monitorCount(), expired: try reader.monitorExpiredCount(),
                           expireAfter: try Self.settings(reader).values["expire_after"],
                           pendingOffers: try reader.pendingOfferCount(at: clock()))
        }
    }
}
