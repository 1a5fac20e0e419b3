import QuireCore

/// What `audit` asks the log for: every field narrows the result, and every backend serves each
/// filter from an index.
public struct AuditFilter: Sendable, Equatable {
    /// Only events by this actor (a user id, or `system`).
    public var actor: String?
    /// Only events of this session, and the denied attempts on it.
    public var session: SessionID?
    /// Type prefixes: `session.` matches every session event, `access.denied` only that type.
    public var types: [String] = []
    public var since: Timestamp?
    public var until: Timestamp?
    /// Only `access.denied` events.
    public var deniedOnly = false
    public var commandID: String?
    /// Only events before this position (paging backwards, newest first).
    public var before: Int64?
    /// Only events after this position (following the log forwards).
    public var after: Int64?
    /// Leave out `access.denied` events for someone else's session (an admin's own trail).
    public var hideOwnershipDenials = false
    public var limit: Int = 1000

    public init(actor: String? = nil, session: SessionID? = nil, types: [String] = [], since: Timestamp? = nil,
                until: Timestamp? = nil, deniedOnly: Bool = false, commandID: String? = nil, before: Int64? = nil,
                after: Int64? = nil, limit: Int = 1000) {
        self.actor = actor
        self.session = session
        self.types = types
        self.since = since
        self.until = until
        self.deniedOnly = deniedOnly
        self.commandID = commandID
        self.before = before
        self.after = after
        self.limit = limit
    }
}
