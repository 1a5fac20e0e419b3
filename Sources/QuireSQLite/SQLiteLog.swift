import Foundation
import GRDB
import QuireCore
import QuireStorage

/// The operations on the `events` table. Each takes the `Database` of a transaction the caller
/// opened, so that an append and the inline projections commit together.
enum SQLiteLog {
    static func tip(_ db: Database) throws -> LogTip { try last(db).tip }

    /// The last event's position, hash and time, in one read: what an append chains from and
    /// must not be earlier than.
    static func last(_ db: Database) throws -> (tip: LogTip, recordedAt: String?) {
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"))
        guard let row else { return (.empty, nil) }
        return (LogTip(position: row[0], hash: row[1]), row[2])
    }

    /// The stored `recorded_at` of the last event.
    static func lastRecordedAt(_ db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT recorded_at FROM events ORDER BY position DESC LIMIT 1"))
    }

    /// The stream's current version: 0 when it has no events.
    static func version(of stream: String, _ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT MAX(version) FROM events WHERE stream = ?"), arguments: [stream]) ?? 0
    }

    /// Appends the events in order, chaining each to the previous one. Checks every stream's
    /// expected version first: a mismatch throws `QuireError.conflict` with both versions and
    /// appends nothing.
    @discardableResult
    static func append(_ events: [NewEvent], envelope: Envelope, _ db: Database) throws -> [RecordedEvent] {
        guard !events.isEmpty else { return [] }
        var versions: [String: Int] = [:]
        for new in events where versions[new.event.stream] == nil {
            let stream = new.event.stream
            let current = try version(of: stream, db)
            try AppendRules.check(new.expectedVersion, stream: stream, current: current)
            versions[stream] = current
        }
        let (tip, lastTime) = try last(db)
        try AppendRules.checkTime(envelope.recordedAt.description, after: tip, recordedAt: lastTime)
        let appended = try AppendRules.records(events, envelope: envelope, after: tip, versions: versions)
        for record in appended { try insert(record, db) }
        return appended
    }

    /// Inserts a row exactly as given (also what `import` uses to copy a verified log).
    static func insert(_ e: RecordedEvent, _ db: Database) throws {
        try db.cachedStatement(sql: insertSQL(rows: 1)).execute { bind(e, &$0) }
    }

    /// Inserts rows exactly as given, in order, `rowsPerStatement` to a statement: `import`'s runs.
    ///
    /// Each insert into `events` fires its triggers, so inside a transaction SQLite opens a
    /// statement journal for it and copies there every page the statement changes, the first time
    /// it does: one row per statement copied ~8 pages (16 writes into the journal) and opened and
    /// closed a savepoint for every event, 41,000 instructions an event in a profile of `import`.
    /// A statement of many rows copies each page it changes once. The rows still go in one at a
    /// time, in order, each after its triggers have checked it against the rows before it.
    static func insert(_ rows: some Collection<RecordedEvent>, _ db: Database) throws {
        var rest = rows[...]
        if rest.count >= rowsPerStatement {
            let statement = try db.cachedStatement(sql: insertSQL(rows: rowsPerStatement))
            while rest.count >= rowsPerStatement {
                try statement.execute { binder in
                    for e in rest.prefix(rowsPerStatement) { bind(e, &binder) }
                }
                rest = rest.dropFirst(rowsPerStatement)
            }
        }
        for e in rest { try insert(e, db) }
    }

    static let rowsPerStatement = 64

    private static func insertSQL(rows: Int) -> String {
        """
        INSERT INTO events(position, stream, version, type, schema, event_id, actor, command_id,
                           recorded_at, payload, prev_hash, hash)
        VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", "))
        """
    }

    private static func bind(_ e: RecordedEvent, _ row: inout SQLiteBinder) {
        row.bind(e.position)
        row.bind(e.stream)
        row.bind(e.version)
        row.bind(e.type)
        row.bind(e.schema)
        row.bind(e.eventID)
        row.bind(e.actor)
        row.bind(e.commandID)
        row.bind(e.recordedAt)
        row.bind(e.payload)
        row.bind(e.prevHash)
        row.bind(e.hash)
    }

    // MARK: - Reading

    static let columns = "position, stream, version, type, schema, event_id, actor, command_id, recorded_at, payload, prev_hash, hash"

    static func record(_ row: Row) -> RecordedEvent {
        RecordedEvent(position: row[0], stream: row[1], version: row[2], type: row[3], schema: row[4], eventID: row[5],
                      actor: row[6], commandID: row[7], recordedAt: row[8], payload: row[9], prevHash: row[10], hash: row[11])
    }

    /// Events after `position`, in order, at most `limit`.
    static func read(after position: Int64, limit: Int = Int.max, _ db: Database) throws -> [RecordedEvent] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(columns) FROM events WHERE position > ? ORDER BY position LIMIT ?"),
                         arguments: [position, min(limit, Int(Int64.max))]).map(record)
    }

    /// One stream's events in version order.
    static func read(stream: String, _ db: Database) throws -> [RecordedEvent] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(columns) FROM events WHERE stream = ? ORDER BY version"),
                         arguments: [stream]).map(record)
    }

    /// Visits every event after `position` (up to `until`, inclusive) in order without holding
    /// more than one row in memory: rebuild, replay and verify stream the log through this.
    static func forEach(after position: Int64 = 0, until: Int64 = Int64.max, _ db: Database,
                               _ body: (RecordedEvent) throws -> Void) throws {
        let cursor = try Row.fetchCursor(
            db.makeStatement(sql: "SELECT \(columns) FROM events WHERE position > ? AND position <= ? ORDER BY position"),
            arguments: [position, until])
        while let row = try cursor.next() {
            try body(record(row))
        }
    }

    static func count(_ db: Database) throws -> Int64 {
        try tip(db).position
    }

    /// The position of the last event recorded at or before `time`.
    static func position(atOrBefore time: Timestamp, _ db: Database) throws -> Int64 {
        // The last position whose time is not after `time`. Since the time-order rule, that is
        // exactly the log's prefix up to `time`; in a log written before it (positions below
        // `time_order.since_position`), that prefix can hold an event stamped a few milliseconds
        // after `time` by a writer whose clock ran ahead.
        try Int64.fetchOne(db, sql: "SELECT MAX(position) FROM events WHERE recorded_at <= ?", arguments: [time.description]) ?? 0
    }

    // MARK: - Chain

    /// Recomputes every hash from the rows as stored. Returns the number of events checked, or
    /// the first position where the chain breaks.
    static func verifyChain(_ db: Database, progress: ((Int64) -> Void)? = nil) throws -> Result<Int64, ChainFault> {
        var verifier = ChainVerifier()
        let cursor = try Row.fetchCursor(db.makeStatement(sql: "SELECT \(columns) FROM events ORDER BY position"))
        while let row = try cursor.next() {
            if let fault = verifier.check(record(row)) { return .failure(fault) }
            if verifier.checked % 10_000 == 0 { progress?(verifier.checked) }
        }
        return .success(verifier.checked)
    }
}
