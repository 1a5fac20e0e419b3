import Foundation
import GRDB
import QuireCore
import QuireProjections
import QuireStorage

/// The SQLite backend: one file holds quire's event log, its blobs and its projections (WAL
/// mode), so that an append, its projections and its command record commit together.
///
/// A small `Sendable` value that owns its database connection(s): callers get the storage
/// contract's named operations and transactions, never the pool itself. One `SQLiteStore` per
/// file per process; GRDB serialises this process's writes, and `BEGIN IMMEDIATE` plus a busy
/// timeout serialise writers across processes (the CLI and the server may share one file).
public struct SQLiteStore: EventStorage {
    private let writer: any DatabaseWriter
    /// Where the database lives, or `nil` for an in-memory replay database.
    public let path: String?
    /// The projections kept in this file; their rules come from QuireProjections.
    let projections: Projections

    public var location: String? { path }
    public var projectionNames: [String] { projections.names }

    /// Opens (and migrates) the database at `path`.
    ///
    /// Throws a one-sentence `QuireError` when the file is missing (unless `create`), unreadable,
    /// not a quire database, or written by a newer quire.
    public init(path: String, options: StorageOptions = StorageOptions(), projections: Projections = .core) throws(QuireError) {
        let exists = FileManager.default.fileExists(atPath: path)
        guard exists || options.create else {
            throw .internal("No quire database at \(path): run `quire init --admin EMAIL` first, or pass --db.")
        }
        var config = Configuration()
        config.busyMode = .timeout(options.busyTimeout)
        config.journalMode = .wal
        let durability = options.durability
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability.rawValue)")
            // Keep the WAL from growing without bound under a steady stream of small commits.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            // Statement journals in memory. Every insert into `events` fires its triggers, so
            // inside a long transaction (an import, a batch) SQLite keeps a statement journal of
            // the pages each statement touches; once that has spilled to a temporary file, every
            // statement wrote each page it touched there again: 3.8 million small pwrite calls
            // in an import of 200,000 events, a quarter of its time. Sorts that need a temporary
            // table are small here (every query reads an index).
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            self.writer = pool
            self.path = path
            self.projections = projections
            try Schema.migrate(pool)
            try createMissingTables()
        } catch let error as QuireError {
            throw error
        } catch let error as DatabaseError {
            throw Self.describe(error, path: path)
        } catch {
            throw .internal("Cannot open the database at \(path): \(error).")
        }
    }

    /// A fresh in-memory database with the same schema: the target of replay and verify.
    public static func inMemory(projections: Projections = .core) throws(QuireError) -> SQLiteStore {
        do {
            let queue = try DatabaseQueue()
            try Schema.migrate(queue)
            let store = SQLiteStore(writer: queue, projections: projections)
            try store.createMissingTables()
            return store
        } catch {
            throw .internal("Cannot create an in-memory database: \(error).")
        }
    }

    /// A throwaway file with the same schema: the shadow a rebuild builds its tables in.
    ///
    /// No journal and no fsync: a crash only means building it again, and its pages are written
    /// once, straight into the file, instead of into a WAL and then again into the file. Without a
    /// journal a rolled-back transaction leaves the file in no defined state; a failed build is
    /// thrown away all the same, and the live database is never touched by it. A page
    /// cache larger than SQLite's 2 MiB default keeps the tables' pages from being spilled and
    /// re-read while they are built.
    static func scratch(path: String, projections: Projections) throws(QuireError) -> SQLiteStore {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA cache_size = -32768")
        }
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            try Schema.migrate(queue)
            return SQLiteStore(writer: queue, projections: projections)
        } catch {
            throw .internal("Cannot create the scratch database at \(path): \(error).")
        }
    }

    private init(writer: any DatabaseWriter, projections: Projections) {
        self.writer = writer
        self.path = nil
        self.projections = projections
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction: everything it does commits together or
    /// not at all. SQLite errors become `QuireError`s; a `QuireError` thrown by `body` rolls back.
    @discardableResult
    public func write<T>(_ body: (any StorageWriter) throws -> T) throws(QuireError) -> T {
        let projections = projections
        return try writeDatabase { db in try body(SQLiteConnection(db, projections)) }
    }

    /// Runs `body` on a read-only snapshot; it never waits for a writer (WAL).
    public func read<T>(_ body: (any StorageReader) throws -> T) throws(QuireError) -> T {
        let projections = projections
        return try readDatabase { db in try body(SQLiteConnection(db, projections)) }
    }

    /// Runs raw SQL in a write transaction: for the backend's own tests (the triggers must refuse
    /// what someone holding the `sqlite3` shell would try) and tools, never for the service.
    public func execute(sql: String) throws(QuireError) {
        try writeDatabase { db in try db.execute(sql: sql) }
    }

    func writeDatabase<T>(_ body: (Database) throws -> T) throws(QuireError) -> T {
        do {
            return try writer.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    /// Runs `body` outside of a transaction, on the writer connection: for work that manages its
    /// own transactions (a rebuild that commits in one swap).
    func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws(QuireError) -> T {
        do {
            return try writer.writeWithoutTransaction(body)
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    func readDatabase<T>(_ body: (Database) throws -> T) throws(QuireError) -> T {
        do {
            return try writer.read(body)
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    /// What SQLite's `PRAGMA quick_check` finds wrong with the file (empty when it is sound): a
    /// corrupt page anywhere — log, blobs, indexes, projections — shows up here.
    public func integrityProblems() throws(QuireError) -> [String] {
        try readDatabase { db in try String.fetchAll(db, sql: "PRAGMA quick_check").filter { $0 != "ok" } }
    }

    static func translate(_ error: any Error, path: String?) -> QuireError {
        switch error {
        case let error as QuireError: return error
        case let error as DatabaseError: return describe(error, path: path)
        default: return .internal("\(error)")
        }
    }

    static func describe(_ error: DatabaseError, path: String?) -> QuireError {
        let file = path ?? "the database"
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            var e = QuireError(.conflict, "\(file) stayed busy with another writer for too long; retry.")
            e.expectedVersion = nil
            return e
        case .SQLITE_READONLY:
            return .internal("\(file) is read-only: quire cannot append to it.")
        case .SQLITE_FULL:
            return .internal("The disk holding \(file) is full: nothing was appended.")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return .internal("\(file) is not a readable quire database (\(error.message ?? "corrupt")).")
        case .SQLITE_CANTOPEN:
            return .internal("Cannot open \(file): check the path and its permissions.")
        case .SQLITE_IOERR:
            return .internal("Input/output error on \(file) (\(error.message ?? "I/O")): nothing was appended.")
        default:
            return .internal("Database error on \(file): \(error.message ?? error.description).")
        }
    }
}
