import Foundation
import GRDB
import QuireCore
import QuireProjections
import QuireStorage

/// The storage contract's reads and writes on one SQLite transaction. It lives only inside the
/// closure of `SQLiteStore.write` or `read`, like the `Database` it wraps.
struct SQLiteConnection: StorageWriter {
    let db: Database
    let projections: Projections

    init(_ db: Database, _ projections: Projections) {
        self.db = db
        self.projections = projections
    }

    // MARK: - The log

    func tip() throws -> LogTip { try SQLiteLog.tip(db) }

    func lastRecordedAt() throws -> Timestamp? { try SQLiteLog.lastRecordedAt(db).flatMap { Timestamp(rfc3339: $0) } }

    func events(after position: Int64, limit: Int) throws -> [RecordedEvent] {
        try SQLiteLog.read(after: position, limit: limit, db)
    }

    func events(stream: String) throws -> [RecordedEvent] { try SQLiteLog.read(stream: stream, db) }

    func forEachEvent(after position: Int64, until: Int64, _ body: (RecordedEvent) throws -> Void) throws {
        try SQLiteLog.forEach(after: position, until: until, db, body)
    }

    func audit(_ filter: AuditFilter, ascending: Bool) throws -> [RecordedEvent] {
        try SQLiteAudit.query(filter, ascending: ascending, db)
    }

    func position(atOrBefore time: Timestamp) throws -> Int64 { try SQLiteLog.position(atOrBefore: time, db) }

    func verifyChain(progress: ((Int64) -> Void)?) throws -> Result<Int64, ChainFault> {
        try SQLiteLog.verifyChain(db, progress: progress)
    }

    // MARK: - Authorization

    private static let users = AuthorizationProjector.users
    private static let views = SessionViewsProjector.views
    private static let userColumns = SQLiteTables.selectAll(AuthorizationProjector.users)
    private static let viewColumns = SQLiteTables.selectAll(SessionViewsProjector.views)

    private func users(_ sql: String, _ arguments: StatementArguments = []) throws -> [UserState] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { AuthorizationProjector.user(SQLiteTables.stored($0)) }
    }

    func user(named name: String) throws -> UserState? {
        if let user = try users(Self.userColumns + " WHERE user_id = ?", [name]).first { return user }
        return try users(Self.userColumns + " WHERE email = ?", [name.lowercased()]).first
    }

    func user(id: UserID) throws -> UserState? {
        try users(Self.userColumns + " WHERE user_id = ?", [id.rawValue]).first
    }

    func users() throws -> [UserState] { try users(Self.userColumns + " ORDER BY email") }

    func users(_ ids: [UserID]) throws -> [UserState] {
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        return try Row.fetchAll(db, sql: Self.userColumns + " WHERE user_id IN (\(marks))", arguments: StatementArguments(ids.map(\.rawValue)))
            .map { AuthorizationProjector.user(SQLiteTables.stored($0)) }
    }

    func activeSystemAdmins() throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM auth_users WHERE role = 'system_admin' AND active = 1")) ?? 0
    }

    func sessionAccess(_ id: SessionID) throws -> SessionAccess? {
        try Row.fetchOne(db.cachedStatement(sql: SQLiteTables.selectAll(AuthorizationProjector.sessions) + " WHERE session_id = ?"),
                         arguments: [id.rawValue])
            .map { AuthorizationProjector.access(SQLiteTables.stored($0)) }
    }

    // MARK: - Session views

    private func sessions(_ sql: String, _ arguments: StatementArguments) throws -> [SessionState] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { SessionViewsProjector.state(SQLiteTables.stored($0)) }
    }

    func session(_ id: SessionID) throws -> SessionState? {
        try sessions(Self.viewColumns + " WHERE session_id = ?", [id.rawValue]).first
    }

    func sessions(_ ids: [SessionID]) throws -> [SessionState] {
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        return try Row.fetchAll(db, sql: Self.viewColumns + " WHERE session_id IN (\(marks)) ORDER BY created_at",
                                arguments: StatementArguments(ids.map(\.rawValue)))
            .map { SessionViewsProjector.state(SQLiteTables.stored($0)) }
    }

    func sessions(visibleTo user: UserID) throws -> [SessionState] {
        try sessions("""
            \(Self.viewColumns) WHERE owner_id = ? AND status IN ('in_progress', 'completed', 'expired')
            UNION ALL
            \(Self.viewColumns) WHERE owner_id IS NULL AND status IN ('in_progress', 'completed', 'expired')
            UNION ALL
            \(Self.viewColumns) WHERE session_id IN (SELECT session_id FROM session_collaborators WHERE user_id = ?)
                AND status IN ('in_progress', 'completed', 'expired')
            ORDER BY last_accessed_at DESC, session_id
            """, [user.rawValue, user.rawValue])
    }

    func mostRecentInProgress(of user: UserID) throws -> SessionState? {
        try sessions("""
            \(Self.viewColumns) WHERE owner_id = ? AND status = 'in_progress'
            ORDER BY last_accessed_at DESC, session_id DESC LIMIT 1
            """, [user.rawValue]).first
    }

    func offers(to user: UserID, at now: Timestamp) throws -> [SessionState] {
        try sessions("""
            \(Self.viewColumns) WHERE offered_to = ? AND offer_expires_at > ? AND status != 'deleted'
            ORDER BY offer_expires_at, session_id
            """, [user.rawValue, now.description])
    }

    func lapsedOffers(at time: Timestamp, limit: Int) throws -> [SessionState] {
        try sessions("""
            \(Self.viewColumns) WHERE offered_to IS NOT NULL AND offer_expires_at <= ? AND status != 'deleted'
            ORDER BY offer_expires_at, session_id LIMIT ?
            """, [time.description, limit])
    }

    func pendingOfferCount(at now: Timestamp) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: """
            SELECT COUNT(*) FROM session_views WHERE offered_to IS NOT NULL AND offer_expires_at > ? AND status != 'deleted'
            """), arguments: [now.description]) ?? 0
    }

    func similarSessions(owner: UserID, fileName: String, paperCode: String?) throws -> [SessionState] {
        try sessions("""
            \(Self.viewColumns) WHERE owner_id = ? AND status = 'in_progress' AND file_name = ?
            UNION
            \(Self.viewColumns) WHERE owner_id = ? AND status = 'in_progress' AND paper_code = ?
            UNION
            \(Self.viewColumns) WHERE session_id IN (SELECT session_id FROM session_collaborators WHERE user_id = ?)
                AND status = 'in_progress' AND (file_name = ? OR paper_code = ?)
            ORDER BY created_at
            """, [owner.rawValue, fileName, owner.rawValue, paperCode, owner.rawValue, fileName, paperCode])
    }

    // MARK: - Duplicates

    func duplicateSessions(owner: UserID, jsonHash: String) throws -> [SessionID] {
        try String.fetchAll(db.cachedStatement(sql: """
            SELECT session_id FROM duplicate_index WHERE owner_id = ? AND json_hash = ? ORDER BY created_at, session_id
            """), arguments: [owner.rawValue, jsonHash]).map { SessionID($0) }
    }

    func duplicateGroups() throws -> [DuplicateGroup] {
        DuplicateGroup.grouping(try Row.fetchAll(db, sql: "SELECT owner_id, json_hash, session_id FROM duplicate_index ORDER BY owner_id, json_hash, created_at")
            .map { (UserID($0[0] as String), $0[1] as String, SessionID($0[2] as String)) })
    }

    // MARK: - Monitor

    func monitor(accessedBefore: Timestamp?, limit: Int, offset: Int) throws -> [MonitorEntry] {
        try Row.fetchAll(db.cachedStatement(sql: """
            \(SQLiteTables.selectAll(MonitorProjector.sessions)) WHERE last_accessed_at <= ?
            ORDER BY last_accessed_at, session_id LIMIT ? OFFSET ?
            """), arguments: [(accessedBefore ?? Timestamp(milliseconds: 253_402_300_799_000)).description, limit, offset])
            .map { MonitorProjector.entry(SQLiteTables.stored($0)) }
    }

    func monitorCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM monitor_sessions") ?? 0
    }

    func monitorExpiredCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM monitor_expired") ?? 0
    }

    func checkpoints() throws -> [Checkpoint] { try SQLiteStore.checkpoints(db) }

    func merkleNode(level: Int, index: Int64) throws -> Data {
        // Leaves are not stored in merkle_nodes: each is its event's own hash, leaf-hashed.
        guard level == 0 else { return try MerkleProjector.node(level: level, index: index, SQLiteRowWriter(db)) }
        guard let hash = try Data.fetchOne(db, sql: "SELECT hash FROM events WHERE position = ?", arguments: [index + 1]) else {
            throw QuireError.notFound("No event at position \(index + 1).")
        }
        return MerkleTree.leafHash(hash)
    }

    // MARK: - Commands and blobs

    func command(_ commandID: String) throws -> CommandRecord? { try SQLiteCommands.find(commandID, db) }
    func lastCommandPosition() throws -> Int64 { try SQLiteCommands.lastPosition(db) }
    func blob(_ hash: String) throws -> Data? { try SQLiteBlobs.load(hash, db) }

    // MARK: - Writes

    func append(_ events: [NewEvent], envelope: Envelope) throws -> [RecordedEvent] {
        let appended = try SQLiteLog.append(events, envelope: envelope, db)
        guard let last = appended.last else { return [] }
        try projections.apply(zip(appended, events).map { ($0, $1.event) }, to: SQLiteRowWriter(db))
        for p in projections.projectors { try SQLiteStore.setCheckpoint(p, position: last.position, db) }
        return appended
    }

    func record(_ command: CommandRecord, at time: Timestamp) throws { try SQLiteCommands.record(command, at: time, db) }

    func storeBlob(_ bytes: [UInt8], at time: Timestamp) throws -> String { try SQLiteBlobs.store(bytes, at: time, db) }

    @discardableResult
    func savepoint<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        try db.inSavepoint {
            result = try body()
            return .commit
        }
        return result!
    }

    func insertVerbatim(_ event: RecordedEvent) throws { try SQLiteLog.insert(event, db) }

    func enforceTimeOrder(from position: Int64) throws {
        try db.execute(sql: "UPDATE time_order SET since_position = ?", arguments: [position])
    }

    func rebuildProjections(progress: StorageProgress?) throws {
        try SQLiteStore.rebuild(projections, within: db, progress: progress)
    }

    /// The rows, then the projections folded over them as one `EventBatch`, as a rebuild folds
    /// the runs it reads back: an import no longer reads and decodes the whole log a second time.
    func insertVerbatim(_ run: [(record: RecordedEvent, event: Event)]) throws -> Bool {
        guard let first = run.first, let last = run.last else { return true }
        if first.record.position == 1 {
            try SQLiteStore.emptyTables(projections, db)
            // One transaction writes the whole log and its indexes: with SQLite's 2 MiB page
            // cache it spilled pages into the WAL and read them back all along (system time
            // 1.8 -> 0.8 s, wall 14-16 -> 12 s on 202,001 events). 64 MiB for this connection
            // from now on; an import has a process of its own (`quire import`).
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        try SQLiteLog.insert(run.lazy.map { $0.record }, db)
        try projections.apply(EventBatch(run), to: SQLiteRowWriter(db))
        for p in projections.projectors { try SQLiteStore.setCheckpoint(p, position: last.record.position, db) }
        return true
    }
}
