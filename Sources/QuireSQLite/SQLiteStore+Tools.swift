import GRDB
import QuireCore
import QuireProjections
import QuireStorage

/// What only tools need of the SQLite backend (the benchmark, the backend's own tests): never
/// reached by the service.
extension SQLiteStore {
    /// A store at `path` (created when missing) that keeps no projections: appends write only the
    /// log. The benchmark generates large logs this way and measures the rebuild separately; the
    /// next ordinary open of the file builds the projections.
    public static func logOnly(path: String) throws(QuireError) -> SQLiteStore {
        try SQLiteStore(path: path, options: StorageOptions(create: true), projections: Projections([]))
    }

    /// Folds the WAL back into the database file (to measure its size).
    public func checkpointWAL() throws(QuireError) {
        try writeWithoutTransaction { db in _ = try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }
}

extension SQLiteStore {
    /// Runs a read-only query and returns its rows as the rules see them: for the backend's own
    /// tests and tools (an auditor's `sqlite3` shell, in code), never for the service.
    public func query(sql: String, arguments: [StoredValue] = []) throws(QuireError) -> [StoredRow] {
        try readDatabase { db in
            try Row.fetchAll(db, sql: sql, arguments: SQLiteTables.arguments(arguments)).map(SQLiteTables.stored)
        }
    }

    /// Runs raw SQL with arguments in a write transaction (see `execute(sql:)`).
    public func execute(sql: String, arguments: [StoredValue]) throws(QuireError) {
        try writeDatabase { db in try db.execute(sql: sql, arguments: SQLiteTables.arguments(arguments)) }
    }
}

extension SQLiteStore {
    /// A fresh in-memory store holding `projections` as folded from another backend's log: the
    /// scratch that backend's `replay` and `verify` read. `feed` hands each batch of consecutive
    /// events to the function it is given, in order, and returns the last position it fed; every
    /// projection's checkpoint is set there.
    public static func folded(_ projections: Projections,
                              from feed: (_ apply: (EventBatch) throws -> Void) throws -> Int64) throws(QuireError) -> SQLiteStore {
        let memory = try SQLiteStore.inMemory(projections: projections)
        try memory.writeDatabase { db in
            let rows = SQLiteRowWriter(db)
            let last = try feed { batch in try projections.apply(batch, to: rows) }
            for p in projections.projectors { try setCheckpoint(p, position: last, db) }
        }
        return memory
    }

    /// Every row of a projection table, ordered by its primary key as bytes: what `verify`
    /// compares across backends.
    public func orderedRows(of table: TableSchema) throws(QuireError) -> [StoredRow] {
        try query(sql: SQLiteTables.orderedRows(table))
    }
}
