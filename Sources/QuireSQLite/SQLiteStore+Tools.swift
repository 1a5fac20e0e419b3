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
