import Foundation
import PostgresNIO
import QuireCore
import QuireProjections
import QuireStorage

/// The storage contract's reads and writes on one PostgreSQL transaction. It lives only inside
/// the closure of `PostgresStore.write` or `read`, like the connection it holds.
final class PostgresTransaction: StorageWriter {
    let sql: PostgresSQL
    let projections: Projections
    let schema: String
    private var savepoints = 0
    /// The log's head as this transaction sees it: a write transaction has it from the row it
    /// locked and moves it with each append; a read transaction's snapshot never changes it.
    private var cachedHead: Head?
    /// Users read in this transaction, by id and by the name they were asked for: a command reads
    /// its actor several times. Forgotten when a write touches `auth_users`. (What this and the
    /// caches below hold is restored to what it was at a savepoint when the savepoint rolls back.)
    private var knownUsers: [String: UserState?] = [:]
    /// A session's view and its stream's version, read with its access row (`sessionAccess`): a
    /// command on a session asks for all three before it decides. A view moves on with its
    /// session's events by `SessionState.evolve`, a version with each insert into its stream.
    private var knownSessions: [SessionID: SessionState?] = [:]
    private var knownVersions: [String: Int] = [:]
    /// Command records read ahead for a batch (`expect`), and those recorded since.
    private var knownCommands: [String: CommandRecord?] = [:]

    typealias Head = (tip: LogTip, recordedAt: String?)

    init(_ sql: PostgresSQL, _ projections: Projections, schema: String, head: Head? = nil) {
        self.sql = sql
        self.projections = projections
        self.schema = schema
        self.cachedHead = head
    }

    // MARK: - The log

    static let columns = "position, stream, version, type, schema, event_id, actor, command_id, recorded_at, payload, prev_hash, hash"

    static func record(_ row: PostgresRandomAccessRow) throws -> RecordedEvent {
        RecordedEvent(position: try PostgresSQL.int64(row[0]) ?? 0, stream: try PostgresSQL.string(row[1]),
                      version: try PostgresSQL.int(row[2]), type: try PostgresSQL.string(row[3]),
                      schema: try PostgresSQL.int(row[4]), eventID: try PostgresSQL.string(row[5]),
                      actor: try PostgresSQL.string(row[6]), commandID: try PostgresSQL.optionalString(row[7]),
                      recordedAt: try PostgresSQL.string(row[8]), payload: try PostgresSQL.string(row[9]),
                      prevHash: try PostgresSQL.data(row[10]), hash: try PostgresSQL.data(row[11]))
    }

    private func events(_ statement: String, _ values: [SQLValue]) throws -> [RecordedEvent] {
        try sql.query(statement, values).map(Self.record)
    }

    /// The head row: the last position, its hash and its time.
    func head() throws -> Head {
        if let cachedHead { return cachedHead }
        let head = try Self.head(sql.query("SELECT position, hash, recorded_at FROM log_head"), sql)
        cachedHead = head
        return head
    }

    /// The head from a query of `position, hash, recorded_at` on `log_head`.
    static func head(_ rows: [PostgresRandomAccessRow], _ sql: PostgresSQL) throws -> Head {
        guard let row = rows.first else {
            throw QuireError.internal("The log's head row is missing from \(sql.location): the database was changed behind quire's back.")
        }
        return (LogTip(position: try PostgresSQL.int64(row[0]) ?? 0, hash: try PostgresSQL.data(row[1])),
                try PostgresSQL.optionalString(row[2]))
    }

    func tip() throws -> LogTip {
        let tip = try head().tip
        return tip.position == 0 ? .empty : tip
    }

    func lastRecordedAt() throws -> Timestamp? { try head().recordedAt.flatMap { Timestamp(rfc3339: $0) } }

    func events(after position: Int64, limit: Int) throws -> [RecordedEvent] {
        try events("SELECT \(Self.columns) FROM events WHERE position > $1 ORDER BY position LIMIT $2",
                   [.integer(position), .integer(Int64(min(limit, Int(Int64.max))))])
    }

    func events(stream: String) throws -> [RecordedEvent] {
        try events("SELECT \(Self.columns) FROM events WHERE stream = $1 ORDER BY version", [.text(stream)])
    }

    /// Pages of 1,000 by position: memory stays flat, and inside a read transaction every page
    /// comes from the same snapshot.
    func forEachEvent(after position: Int64, until: Int64, _ body: (RecordedEvent) throws -> Void) throws {
        try forEachPage(after: position, until: until) { page in for e in page { try body(e) } }
    }

    func forEachPage(after position: Int64, until: Int64, size: Int = 1000, _ body: ([RecordedEvent]) throws -> Void) throws {
        var last = position
        while true {
            let page = try events("SELECT \(Self.columns) FROM events WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3",
                                  [.integer(last), .integer(until), .integer(Int64(size))])
            guard let end = page.last else { return }
            try body(page)
            last = end.position
            if page.count < size { return }
        }
    }

    func audit(_ filter: AuditFilter, ascending: Bool) throws -> [RecordedEvent] {
        let (statement, values) = PostgresAudit.statement(filter, ascending: ascending)
        return try events(statement, values)
    }

    func position(atOrBefore time: Timestamp) throws -> Int64 {
        try sql.scalar("SELECT MAX(position) FROM events WHERE recorded_at <= $1", [.text(time.description)]) ?? 0
    }

    func verifyChain(progress: ((Int64) -> Void)?) throws -> Result<Int64, ChainFault> {
        var verifier = ChainVerifier()
        var fault: ChainFault?
        do {
            try forEachPage(after: 0, until: Int64.max, size: 5000) { page in
                for e in page where fault == nil {
                    fault = verifier.check(e)
                }
                if fault != nil { throw Stop() }
                progress?(verifier.checked)
            }
        } catch is Stop {}
        if let fault { return .failure(fault) }
        return .success(verifier.checked)
    }

    private struct Stop: Error {}

    // MARK: - Authorization

    private func users(_ condition: String, _ values: [SQLValue]) throws -> [UserState] {
        try sql.query(PostgresTables.selectAll(AuthorizationProjector.users) + " " + condition, values)
            .map { AuthorizationProjector.user(try PostgresSQL.storedRow($0)) }
    }

    func user(named name: String) throws -> UserState? {
        if let known = knownUsers[name] { return known }
        // An id first, else an email: one statement.
        let user = try users("WHERE user_id = $1 OR email = $2 ORDER BY user_id = $1 DESC LIMIT 1", [.text(name), .text(name.lowercased())]).first
        knownUsers[name] = .some(user)
        if let user { knownUsers[user.id.rawValue] = .some(user) }
        return user
    }

    func user(id: UserID) throws -> UserState? {
        if let known = knownUsers[id.rawValue] { return known }
        let user = try users("WHERE user_id = $1", [.text(id.rawValue)]).first
        knownUsers[id.rawValue] = .some(user)
        return user
    }

    func users() throws -> [UserState] { try users("ORDER BY email", []) }

    func users(_ ids: [UserID]) throws -> [UserState] {
        guard !ids.isEmpty else { return [] }
        return try users("WHERE user_id IN (\(Self.marks(ids.count)))", ids.map { .text($0.rawValue) })
    }

    func activeSystemAdmins() throws -> Int {
        Int(try sql.scalar("SELECT COUNT(*) FROM auth_users WHERE role = 'system_admin' AND active = 1") ?? 0)
    }

    /// The session's access row — and, in the same statement, its view and its stream's version,
    /// which the command that asked will read next.
    func sessionAccess(_ id: SessionID) throws -> SessionAccess? {
        let access = AuthorizationProjector.sessions, view = SessionViewsProjector.views
        guard let row = try sql.query("""
            SELECT \(access.columnNames.map { "a." + $0 }.joined(separator: ", ")), \(view.columnNames.map { "v." + $0 }.joined(separator: ", ")),
                (SELECT MAX(version) FROM events WHERE stream = $2)
            FROM (VALUES (1)) AS one(x) LEFT JOIN auth_sessions a ON a.session_id = $1 LEFT JOIN session_views v ON v.session_id = $1
            """, [.text(id.rawValue), .text(id.stream)]).first else { return nil }
        let cells = try PostgresSQL.storedRow(row)
        let viewStart = access.columns.count, viewEnd = viewStart + view.columns.count
        knownSessions[id] = .some(cells[viewStart] == .null ? nil : SessionViewsProjector.state(Array(cells[viewStart..<viewEnd])))
        if case .integer(let version) = cells[viewEnd] { knownVersions[id.stream] = Int(version) } else { knownVersions[id.stream] = 0 }
        return cells[0] == .null ? nil : AuthorizationProjector.access(Array(cells[0..<viewStart]))
    }

    // MARK: - Session views

    private static let viewColumns = PostgresTables.selectAll(SessionViewsProjector.views)

    private func sessions(_ statement: String, _ values: [SQLValue]) throws -> [SessionState] {
        try sql.query(statement, values).map { SessionViewsProjector.state(try PostgresSQL.storedRow($0)) }
    }

    func session(_ id: SessionID) throws -> SessionState? {
        if let known = knownSessions[id] { return known }
        let session = try sessions(Self.viewColumns + " WHERE session_id = $1", [.text(id.rawValue)]).first
        knownSessions[id] = .some(session)
        return session
    }

    func sessions(_ ids: [SessionID]) throws -> [SessionState] {
        guard !ids.isEmpty else { return [] }
        return try sessions(Self.viewColumns + " WHERE session_id IN (\(Self.marks(ids.count))) ORDER BY created_at",
                            ids.map { .text($0.rawValue) })
    }

    func sessions(visibleTo user: UserID) throws -> [SessionState] {
        try sessions("""
            \(Self.viewColumns) WHERE owner_id = $1 AND status IN ('in_progress', 'completed', 'expired')
            UNION ALL
            \(Self.viewColumns) WHERE owner_id IS NULL AND status IN ('in_progress', 'completed', 'expired')
            UNION ALL
            \(Self.viewColumns) WHERE session_id IN (SELECT session_id FROM session_collaborators WHERE user_id = $1)
                AND status IN ('in_progress', 'completed', 'expired')
            ORDER BY last_accessed_at DESC, session_id
            """, [.text(user.rawValue)])
    }

    func offers(to user: UserID, at now: Timestamp) throws -> [SessionState] {
        try sessions("""
            \(Self.viewColumns) WHERE offered_to = $1 AND offer_expires_at > $2 AND status <> 'deleted'
            ORDER BY offer_expires_at, session_id
            """, [.text(user.rawValue), .text(now.description)])
    }

    func lapsedOffers(at time: Timestamp, limit: Int) throws -> [SessionState] {
        try sessions("""
            \(Self.viewColumns) WHERE offered_to IS NOT NULL AND offer_expires_at <= $1 AND status <> 'deleted'
            ORDER BY offer_expires_at, session_id LIMIT $2
            """, [.text(time.description), SQLValue(limit)])
    }

    func pendingOfferCount(at now: Timestamp) throws -> Int {
        Int(try sql.scalar("""
            SELECT COUNT(*) FROM session_views WHERE offered_to IS NOT NULL AND offer_expires_at > $1 AND status <> 'deleted'
            """, [.text(now.description)]) ?? 0)
    }

    func mostRecentInProgress(of user: UserID) throws -> SessionState? {
        try sessions("""
            \(Self.viewColumns) WHERE owner_id = $1 AND status = 'in_progress'
            ORDER BY last_accessed_at DESC, session_id DESC LIMIT 1
            """, [.text(user.rawValue)]).first
    }

    func similarSessions(owner: UserID, fileName: String, paperCode: String?) throws -> [SessionState] {
        try sessions("""
            \(Self.viewColumns) WHERE owner_id = $1 AND status = 'in_progress' AND file_name = $2
            UNION
            \(Self.viewColumns) WHERE owner_id = $1 AND status = 'in_progress' AND paper_code = $3
            UNION
            \(Self.viewColumns) WHERE session_id IN (SELECT session_id FROM session_collaborators WHERE user_id = $1)
                AND status = 'in_progress' AND (file_name = $2 OR paper_code = $3)
            ORDER BY created_at
            """, [.text(owner.rawValue), .text(fileName), SQLValue(paperCode)])
    }

    // MARK: - Duplicates

    func duplicateSessions(owner: UserID, jsonHash: String) throws -> [SessionID] {
        try sql.query("SELECT session_id FROM duplicate_index WHERE owner_id = $1 AND json_hash = $2 ORDER BY created_at, session_id",
                      [.text(owner.rawValue), .text(jsonHash)]).map { SessionID(try PostgresSQL.string($0[0])) }
    }

    func duplicateGroups() throws -> [DuplicateGroup] {
        DuplicateGroup.grouping(try sql.query("SELECT owner_id, json_hash, session_id FROM duplicate_index ORDER BY owner_id, json_hash, created_at")
            .map { (UserID(try PostgresSQL.string($0[0])), try PostgresSQL.string($0[1]), SessionID(try PostgresSQL.string($0[2]))) })
    }

    // MARK: - Monitor

    func monitor(accessedBefore: Timestamp?, limit: Int, offset: Int) throws -> [MonitorEntry] {
        try sql.query("""
            \(PostgresTables.selectAll(MonitorProjector.sessions)) WHERE last_accessed_at <= $1
            ORDER BY last_accessed_at, session_id LIMIT $2 OFFSET $3
            """, [.text((accessedBefore ?? Timestamp(milliseconds: 253_402_300_799_000)).description), SQLValue(limit), SQLValue(offset)])
            .map { MonitorProjector.entry(try PostgresSQL.storedRow($0)) }
    }

    func monitorCount() throws -> Int { Int(try sql.scalar("SELECT COUNT(*) FROM monitor_sessions") ?? 0) }

    func monitorExpiredCount() throws -> Int { Int(try sql.scalar("SELECT COUNT(*) FROM monitor_expired") ?? 0) }

    func checkpoints() throws -> [Checkpoint] {
        try sql.query("SELECT name, code_version, position FROM projection_checkpoints ORDER BY name").map {
            Checkpoint(name: try PostgresSQL.string($0[0]), codeVersion: try PostgresSQL.int($0[1]), position: try PostgresSQL.int64($0[2]) ?? 0)
        }
    }

    func merkleNode(level: Int, index: Int64) throws -> Data {
        guard level == 0 else { return try MerkleProjector.node(level: level, index: index, PostgresRowWriter(sql)) }
        guard let row = try sql.query("SELECT hash FROM events WHERE position = $1", [.integer(index + 1)]).first else {
            throw QuireError.notFound("No event at position \(index + 1).")
        }
        return MerkleTree.leafHash(try PostgresSQL.data(row[0]))
    }

    // MARK: - Commands and blobs

    func command(_ commandID: String) throws -> CommandRecord? {
        if let known = knownCommands[commandID] { return known }
        return try sql.query("SELECT command_id, fingerprint, actor, outcome, first_position FROM commands WHERE command_id = $1",
                             [.text(commandID)]).first.map(Self.commandRecord)
    }

    static func commandRecord(_ row: PostgresRandomAccessRow) throws -> CommandRecord {
        CommandRecord(commandID: try PostgresSQL.string(row[0]), fingerprint: try PostgresSQL.string(row[1]),
                      actor: try PostgresSQL.string(row[2]), outcome: try PostgresSQL.string(row[3]),
                      firstPosition: try PostgresSQL.int64(row[4]) ?? 0)
    }

    func lastCommandPosition() throws -> Int64 { try sql.scalar("SELECT MAX(first_position) FROM commands") ?? 0 }

    func blob(_ hash: String) throws -> Data? {
        try sql.query("SELECT content FROM blobs WHERE hash = $1", [.text(hash)]).first.map { try PostgresSQL.data($0[0]) }
    }

    // MARK: - Writes

    func append(_ events: [NewEvent], envelope: Envelope) throws -> [RecordedEvent] {
        guard !events.isEmpty else { return [] }
        var versions: [String: Int] = [:]
        for new in events where versions[new.event.stream] == nil {
            let stream = new.event.stream
            let current = try knownVersions[stream] ?? Int(sql.scalar("SELECT MAX(version) FROM events WHERE stream = $1", [.text(stream)]) ?? 0)
            try AppendRules.check(new.expectedVersion, stream: stream, current: current)
            versions[stream] = current
        }
        let (tip, lastTime) = try head()
        try AppendRules.checkTime(envelope.recordedAt.description, after: tip, recordedAt: lastTime)
        let appended = try AppendRules.records(events, envelope: envelope, after: tip.position == 0 ? .empty : tip, versions: versions)
        try insert(appended)
        let rows = PostgresRowWriter(sql)
        try projections.apply(zip(appended, events).map { ($0, $1.event) }, to: rows)
        try rows.flush()
        if rows.wrote(AuthorizationProjector.users) { knownUsers.removeAll() }
        if rows.wrote(SessionViewsProjector.views), !knownSessions.isEmpty {
            // The view of a session is its stream folded by `SessionState.evolve` (the projector
            // writes exactly that, and only into the rows of its events' sessions), so a view
            // this transaction knows moves with the events just appended, without reading it back.
            for (record, new) in zip(appended, events) {
                guard let id = new.event.sessionID, let known = knownSessions[id] else { continue }
                knownSessions[id] = .some(SessionState.evolve(known, new.event, version: record.version, at: record.timestamp) ?? known)
            }
        }
        try PostgresStore.setCheckpoints(projections.projectors, position: appended.last!.position, sql)
        return appended
    }

    /// One multi-row INSERT per 500 events, held back (see `PostgresSQL.hold`); the head moves
    /// with them (the insert trigger refuses anything but the next positions).
    func insert(_ records: [RecordedEvent]) throws {
        guard let last = records.last else { return }
        cachedHead = (LogTip(position: last.position, hash: last.hash), last.recordedAt)
        for e in records where knownVersions[e.stream] != nil { knownVersions[e.stream] = e.version }
        for start in stride(from: 0, to: records.count, by: 500) {
            let chunk = records[start..<min(start + 500, records.count)]
            var tuples: [String] = []
            var values: [SQLValue] = []
            values.reserveCapacity(chunk.count * 12)
            for (i, e) in chunk.enumerated() {
                tuples.append("(" + (1...12).map { "$\(i * 12 + $0)" }.joined(separator: ", ") + ")")
                values += [.integer(e.position), .text(e.stream), SQLValue(e.version), .text(e.type), SQLValue(e.schema),
                           .text(e.eventID), .text(e.actor), SQLValue(e.commandID), .text(e.recordedAt), .text(e.payload),
                           .bytes(e.prevHash), .bytes(e.hash)]
            }
            sql.hold("INSERT INTO events(\(Self.columns)) VALUES \(tuples.joined(separator: ", "))", values, into: "events")
        }
    }

    func record(_ command: CommandRecord, at time: Timestamp) throws {
        if !knownCommands.isEmpty { knownCommands[command.commandID] = .some(command) }
        sql.hold("""
            INSERT INTO commands(command_id, fingerprint, actor, outcome, first_position, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)
            """, [.text(command.commandID), .text(command.fingerprint), .text(command.actor), .text(command.outcome),
                  .integer(command.firstPosition), .text(time.description)], into: "commands")
    }

    func storeBlob(_ bytes: [UInt8], at time: Timestamp) throws -> String {
        let hash = HashChain.sha256Hex(bytes)
        sql.hold("INSERT INTO blobs(hash, size, content, stored_at) VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING",
                 [.text(hash), SQLValue(bytes.count), .bytes(Data(bytes)), .text(time.description)], into: "blobs")
        return hash
    }

    @discardableResult
    func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepoints += 1
        let name = "quire_\(savepoints)"
        let mark = sql.held.statements.count
        sql.hold("SAVEPOINT \(name)", into: nil)
        // What this transaction knows, as it stood: a rollback to the savepoint restores it.
        let known = (head: cachedHead, users: knownUsers, sessions: knownSessions, versions: knownVersions, commands: knownCommands)
        do {
            let result = try body()
            // Waits for the body's held writes: their errors belong to this savepoint.
            try sql.execute("RELEASE SAVEPOINT \(name)")
            return result
        } catch {
            // A lost connection took the whole transaction with it: say so, not that the rollback failed.
            if sql.isLost { throw error }
            (cachedHead, knownUsers, knownSessions, knownVersions, knownCommands) = known
            if sql.held.statements.count > mark, sql.held.statements[mark].table == nil, sql.held.statements[mark].sql == "SAVEPOINT \(name)" {
                // Nothing was sent since the savepoint was held: forgetting it and all after is the rollback.
                sql.held.statements.removeSubrange(mark...)
            } else {
                // The savepoint went out with an earlier statement; what is still held came after it.
                sql.discardHeld()
                try sql.execute("ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)")
            }
            throw error
        }
    }

    /// A batch's command records and actors in two statements, instead of two for each command.
    func expect(commandIDs: [String], userNames: [String]) throws {
        let ids = Array(Set(commandIDs)).filter { knownCommands[$0] == nil }
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            var found: [String: CommandRecord] = [:]
            for row in try sql.query("""
                SELECT command_id, fingerprint, actor, outcome, first_position FROM commands WHERE command_id IN (\(Self.marks(chunk.count)))
                """, chunk.map { .text($0) }) {
                let record = try Self.commandRecord(row)
                found[record.commandID] = record
            }
            for id in chunk { knownCommands[id] = .some(found[id]) }
        }
        let names = userNames.filter { knownUsers[$0] == nil }
        for start in stride(from: 0, to: names.count, by: 250) {
            let chunk = Array(names[start..<min(start + 250, names.count)])
            let users = try self.users("WHERE user_id IN (\(Self.marks(chunk.count))) OR email IN (\(Self.marks(chunk.count, from: chunk.count + 1)))",
                                       chunk.map { .text($0) } + chunk.map { .text($0.lowercased()) })
            for name in chunk {
                // As `user(named:)`: an id first, else an email.
                let user = users.first { $0.id.rawValue == name } ?? users.first { $0.email == name.lowercased() }
                knownUsers[name] = .some(user)
                if let user { knownUsers[user.id.rawValue] = .some(user) }
            }
        }
    }

    func insertVerbatim(_ event: RecordedEvent) throws { try insert([event]) }

    /// `import`'s rows 500 to a statement; the projections are rebuilt once they are all in.
    func insertVerbatim(_ run: [(record: RecordedEvent, event: Event)]) throws -> Bool {
        try insert(run.map(\.record))
        return false
    }

    func enforceTimeOrder(from position: Int64) throws {
        // Sent at once, not held: the insert trigger reads time_order.
        try sql.query("UPDATE time_order SET since_position = $1", [.integer(position)])
    }

    func rebuildProjections(progress: StorageProgress?) throws {
        knownUsers.removeAll()
        knownSessions.removeAll()
        try PostgresStore.rebuild(projections, within: self, progress: progress)
    }

    static func marks(_ count: Int, from first: Int = 1) -> String {
        (0..<count).map { "$\(first + $0)" }.joined(separator: ", ")
    }
}
