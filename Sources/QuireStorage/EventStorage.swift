import Foundation
import QuireCore

/// The storage contract: everything the service may ask of a backend, in quire's own values.
///
/// A backend owns its driver and its SQL. It keeps the log (`events`), the idempotency record,
/// the blobs and the projections in one database, so that an append, its projections and its
/// command record commit in one transaction. The projection *rules* are not the backend's: it
/// runs `Projections` (QuireProjections) and only creates their declared tables and writes and
/// reads their rows.
///
/// Errors: every method throws `QuireError` — `.conflict` with expected and actual versions for a
/// stale append, `.conflict` for a database that stayed busy, `.internal` with one sentence for
/// a database that is unavailable, corrupt, read-only or full.
public protocol EventStorage: Sendable {
    /// Where the database is, as the user named it (a path or a URL), or `nil` in memory.
    var location: String? { get }

    /// One write transaction: everything `body` does commits together or not at all.
    @discardableResult
    func write<T>(_ body: (any StorageWriter) throws -> T) throws(QuireError) -> T
    /// A read-only snapshot that does not wait for writers.
    func read<T>(_ body: (any StorageReader) throws -> T) throws(QuireError) -> T

    /// The projections this store keeps, by name.
    var projectionNames: [String] { get }
    /// Brings every projection up to date when the database opens: creates missing ones, rebuilds
    /// those whose code version changed and catches up any that lag. Returns those it rebuilt.
    @discardableResult
    func prepareProjections(progress: StorageProgress?) throws(QuireError) -> [String]
    /// Builds only the projections this version of quire keeps differently from the file: missing
    /// ones, and those written by another version of their rules. Those that lag the log or differ
    /// from it are left as they are (`verify` must see them). Returns those it built.
    @discardableResult
    func upgradeProjections(progress: StorageProgress?) throws(QuireError) -> [String]
    /// Rebuilds the named projections from the whole log while writers go on; readers never see
    /// half-built tables.
    func rebuild(_ names: [String], progress: StorageProgress?) throws(QuireError)
    /// The projections as of `position`, replayed from the log into a scratch store that holds no
    /// copy of the log itself.
    func replay(until position: Int64, progress: StorageProgress?) throws(QuireError) -> any EventStorage
    /// Every stored projection compared with a fresh replay: the first differing row of each.
    func drift() throws(QuireError) -> [Drift]
    /// What the database's own consistency check finds wrong (empty when sound).
    func integrityProblems() throws(QuireError) -> [String]

    /// Calls `onCommit` soon after any process commits events to this database, where the
    /// database can say so (PostgreSQL's `LISTEN`/`NOTIFY`), and once more after the notices were
    /// interrupted (a reconnect), so that a reader catches up by position. Nil when the backend
    /// has no such notice: readers of an SQLite file poll. Stop it with `cancel()`.
    func watchCommits(_ onCommit: @escaping @Sendable () -> Void) -> (any CommitWatch)?
}

/// A running `watchCommits`.
public protocol CommitWatch: Sendable {
    func cancel()
}

extension EventStorage {
    public func watchCommits(_ onCommit: @escaping @Sendable () -> Void) -> (any CommitWatch)? { nil }
}

/// The reads: the log, the projections' answers, the command record and the blobs.
public protocol StorageReader {
    // The log
    func tip() throws -> LogTip
    /// When the last event was recorded (nil for an empty log): no append may be earlier.
    func lastRecordedAt() throws -> Timestamp?
    /// Events after `position` in order, at most `limit`.
    func events(after position: Int64, limit: Int) throws -> [RecordedEvent]
    /// One stream's events in version order.
    func events(stream: String) throws -> [RecordedEvent]
    /// Visits the events after `position` up to `until` (inclusive) in order, holding one at a time.
    func forEachEvent(after position: Int64, until: Int64, _ body: (RecordedEvent) throws -> Void) throws
    /// Matching events, newest first (oldest first with `ascending`).
    func audit(_ filter: AuditFilter, ascending: Bool) throws -> [RecordedEvent]
    /// The position of the last event recorded at or before `time` (0 when none).
    func position(atOrBefore time: Timestamp) throws -> Int64
    /// Recomputes every hash from the rows as stored: the number of events, or the first fault.
    func verifyChain(progress: ((Int64) -> Void)?) throws -> Result<Int64, ChainFault>

    // The authorization projection
    /// The user with this id, or else this email (case-insensitive).
    func user(named name: String) throws -> UserState?
    func user(id: UserID) throws -> UserState?
    /// Every user, by email.
    func users() throws -> [UserState]
    func users(_ ids: [UserID]) throws -> [UserState]
    func activeSystemAdmins() throws -> Int
    func sessionAccess(_ id: SessionID) throws -> SessionAccess?

    // The session views
    /// A session in any status (deleted included).
    func session(_ id: SessionID) throws -> SessionState?
    func sessions(_ ids: [SessionID]) throws -> [SessionState]
    /// What `session list` shows: the user's own sessions that are not deleted (expired ones
    /// included), the legacy ones, and those shared with the user, most recently used first.
    func sessions(visibleTo user: UserID) throws -> [SessionState]
    /// The user's most recently used in-progress session: what `resume` opens.
    func mostRecentInProgress(of user: UserID) throws -> SessionState?
    /// Sessions with a pending offer to `user` that has not lapsed by `now`, soonest to lapse first.
    func offers(to user: UserID, at now: Timestamp) throws -> [SessionState]
    /// Live sessions whose offer lapsed at or before `time` (still recorded as pending), at most
    /// `limit`, oldest first: what the sweep records as declined.
    func lapsedOffers(at time: Timestamp, limit: Int) throws -> [SessionState]
    /// How many live sessions have a pending offer that has not lapsed by `now`.
    func pendingOfferCount(at now: Timestamp) throws -> Int
    /// The user's in-progress sessions with this file name or paper code, and those shared with
    /// them, oldest first.
    func similarSessions(owner: UserID, fileName: String, paperCode: String?) throws -> [SessionState]
    /// The collaborators of these sessions with their emails, in one statement whatever the
    /// number of sessions (the monitor asks for a whole page at once), in no particular order.
    /// A deleted session has none.
    func collaborators(of sessions: [SessionID]) throws -> [SessionCollaborator]

    // The duplicate index
    /// The owner's non-deleted sessions with this file hash, oldest first.
    func duplicateSessions(owner: UserID, jsonHash: String) throws -> [SessionID]
    func duplicateGroups() throws -> [DuplicateGroup]

    // The monitor
    /// Active sessions last accessed at or before `accessedBefore` (all when nil), stalest first.
    func monitor(accessedBefore: Timestamp?, limit: Int, offset: Int) throws -> [MonitorEntry]
    func monitorCount() throws -> Int
    /// How many sessions the stale-session timeout expired and nobody has reopened or deleted
    /// since (the monitor's `monitor_expired` table).
    func monitorExpiredCount() throws -> Int

    func checkpoints() throws -> [Checkpoint]

    // The Merkle tree (MerkleProjector)
    /// The hash of the complete subtree at `level` and `index` (`MerkleTree`): at level 0 the leaf
    /// hash of the event at position `index + 1`, above it as stored; throws when there is none.
    func merkleNode(level: Int, index: Int64) throws -> Data

    // The command record
    func command(_ commandID: String) throws -> CommandRecord?
    /// The highest position any recorded command appended at (0 when none).
    func lastCommandPosition() throws -> Int64

    func blob(_ hash: String) throws -> Data?
}

/// The writes, inside one transaction.
public protocol StorageWriter: StorageReader {
    /// Appends the events in order, chaining each to the previous one, and applies every inline
    /// projection to them. Checks each stream's expected version first: a mismatch throws
    /// `QuireError.conflict` with both versions and appends nothing. An envelope time earlier than
    /// the last event's is refused: `recorded_at` never decreases in position order.
    @discardableResult
    func append(_ events: [NewEvent], envelope: Envelope) throws -> [RecordedEvent]
    /// Remembers a command's first outcome.
    func record(_ command: CommandRecord, at time: Timestamp) throws
    /// Stores a paper's bytes once, by their SHA-256. Returns the hash.
    @discardableResult
    func storeBlob(_ bytes: [UInt8], at time: Timestamp) throws -> String
    /// Runs `body` in a savepoint: what it did is undone if it throws, and the transaction goes on.
    @discardableResult
    func savepoint<T>(_ body: () throws -> T) throws -> T
    /// Inserts a verified row exactly as given (`import`), without projecting it. Rows copied this
    /// way may come from a log written before times were kept in order; `enforceTimeOrder(from:)`
    /// says from which position on the order holds again.
    func insertVerbatim(_ event: RecordedEvent) throws
    /// From `position` on, an event's `recorded_at` may not be earlier than its predecessor's
    /// (`import` sets it past the events it copied; a new database enforces it from position 1).
    func enforceTimeOrder(from position: Int64) throws
    /// Rebuilds every projection from the whole log inside this transaction (`import`).
    func rebuildProjections(progress: StorageProgress?) throws
    /// Inserts `import`'s verified rows exactly as given, a run of consecutive positions at a
    /// time from position 1, and folds them into the projections as they go when the backend can
    /// (the first run empties them). Returns whether it did; when it did not, `import` calls
    /// `rebuildProjections` once every row is in. The default inserts each with `insertVerbatim`.
    func insertVerbatim(_ run: [(record: RecordedEvent, event: Event)]) throws -> Bool
    /// A hint before a batch of commands (group commit): the command ids and the actors' names
    /// (`user(named:)` keys) the batch will look up, so that a backend whose every read is a round
    /// trip can read them all at once and answer the commands' own lookups from what it read —
    /// the same answers they would get. The default does nothing (SQLite reads in microseconds).
    func expect(commandIDs: [String], userNames: [String]) throws
}

extension StorageWriter {
    public func insertVerbatim(_ run: [(record: RecordedEvent, event: Event)]) throws -> Bool {
        for (record, _) in run { try insertVerbatim(record) }
        return false
    }

    public func expect(commandIDs: [String], userNames: [String]) throws {}
}

extension StorageReader {
    public func eventCount() throws -> Int64 { try tip().position }
    public func events(after position: Int64) throws -> [RecordedEvent] { try events(after: position, limit: Int.max) }
    public func forEachEvent(_ body: (RecordedEvent) throws -> Void) throws {
        try forEachEvent(after: 0, until: Int64.max, body)
    }
    public func audit(_ filter: AuditFilter) throws -> [RecordedEvent] { try audit(filter, ascending: false) }
}
