import Foundation
import GRDB
import QuireCore
import QuireProjections
import QuireStorage

/// The projections' tables in the SQLite file: checkpoints, opening, rebuild (a shadow file, then
/// a swap), replay into memory and the comparison `verify` makes. The rules come from
/// QuireProjections; this is only where their rows go.
extension SQLiteStore {
    // MARK: - Checkpoints

    static func createCheckpointTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS projection_checkpoints(
                name         TEXT PRIMARY KEY,
                code_version INTEGER NOT NULL,
                position     INTEGER NOT NULL
            ) WITHOUT ROWID
            """)
    }

    static func checkpoints(_ db: Database) throws -> [Checkpoint] {
        guard try db.tableExists("projection_checkpoints") else { return [] }
        return try Row.fetchAll(db, sql: "SELECT name, code_version, position FROM projection_checkpoints ORDER BY name")
            .map { Checkpoint(name: $0[0], codeVersion: $0[1], position: $0[2]) }
    }

    static func setCheckpoint(_ p: any Projector, position: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO projection_checkpoints(name, code_version, position) VALUES (?, ?, ?)
            ON CONFLICT(name) DO UPDATE SET code_version = excluded.code_version, position = excluded.position
            """).execute(arguments: [p.name, p.codeVersion, position])
    }

    /// Creates the tables of any projection that has none yet (a new file, or a projector added
    /// since the file was written), empty and without a checkpoint, so that appends can project
    /// into them at once; `prepareProjections` then builds them from the log.
    func createMissingTables() throws(QuireError) {
        let (missing, noCheckpoints): ([TableSchema], Bool) = try readDatabase { db in
            (try projections.projectors.flatMap(\.tables).filter { !(try db.tableExists($0.name)) },
             !(try db.tableExists("projection_checkpoints")))
        }
        guard !missing.isEmpty || noCheckpoints else { return }
        try writeDatabase { db in
            try Self.createCheckpointTable(db)
            for table in missing where !(try db.tableExists(table.name)) { try SQLiteTables.create(table, db) }
        }
    }

    static func createTables(_ projections: Projections, _ db: Database) throws {
        try createCheckpointTable(db)
        for p in projections.projectors {
            for table in p.tables { try SQLiteTables.create(table, db) }
        }
    }

    // MARK: - Opening

    @discardableResult
    public func prepareProjections(progress: StorageProgress? = nil) throws(QuireError) -> [String] {
        let projections = projections
        let stale: [String] = try readDatabase { db in try projections.stale(try Self.checkpoints(db), head: try SQLiteLog.tip(db).position) }
        guard !stale.isEmpty else { return [] }
        try rebuild(stale, progress: progress)
        return stale
    }

    @discardableResult
    public func upgradeProjections(progress: StorageProgress? = nil) throws(QuireError) -> [String] {
        let projections = projections
        let outdated: [String] = try readDatabase { db in projections.outdated(try Self.checkpoints(db)) }
        guard !outdated.isEmpty else { return [] }
        try rebuild(outdated, progress: progress)
        return outdated
    }

    // MARK: - Rebuild

    /// Rebuilds the named projections from the whole log, safely:
    ///
    /// 1. the new tables are built in a shadow database file next to the live one, from a
    ///    snapshot of the log, without holding the write lock (other writers go on);
    /// 2. one short transaction on the live database applies what was committed meanwhile and
    ///    swaps the shadow tables in.
    ///
    /// Readers see the old tables until the swap commits; a rebuild that fails or is killed at
    /// any point leaves the old projections serving. The log is streamed, so memory stays flat.
    public func rebuild(_ names: [String], progress: StorageProgress? = nil) throws(QuireError) {
        let chosen = projections.only(names)
        guard !chosen.projectors.isEmpty else { return }
        guard let livePath = path else {
            try writeDatabase { db in try Self.rebuild(chosen, within: db, progress: progress) }
            return
        }
        let shadowPath = livePath + "-rebuild"
        Self.removeShadow(shadowPath)
        defer { Self.removeShadow(shadowPath) }
        let shadow = try SQLiteStore.scratch(path: shadowPath, projections: chosen)
        // 1. Build from a snapshot, outside the live write lock.
        try shadow.writeDatabase { target in try Self.createTables(chosen, target) }
        var built: Int64 = try readDatabase { live in
            try EventBatch.pipe(from: live, into: shadow, progress: progress) { batch, rows in
                try chosen.apply(batch, to: rows)
            }
        }
        // 2. Catch up and swap in one transaction: SQLite cannot ATTACH inside a transaction, so
        //    attach first, on the writer connection.
        try writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS shadow", arguments: [shadowPath])
            // The copy reuses the pages the dropped tables freed, and a statement journal keeps
            // what they held: in memory (the connection's temp_store) that was ~90 MiB at 1M
            // events, so this transaction keeps it in a temporary file (set before BEGIN, when
            // SQLite decides where the journal goes).
            try db.execute(sql: "PRAGMA temp_store = FILE")
            defer {
                try? db.execute(sql: "PRAGMA temp_store = MEMORY")
                try? db.execute(sql: "DETACH DATABASE shadow")
            }
            try db.inTransaction(.immediate) {
                try Self.createCheckpointTable(db)
                for p in chosen.projectors {
                    for table in p.tables {
                        try SQLiteTables.drop(table, db)
                        try SQLiteTables.create(table, db)
                        try db.execute(sql: "INSERT INTO main.\(table.name) SELECT * FROM shadow.\(table.name)")
                    }
                }
                // What was committed while the shadow was being built is folded in here, on the
                // swapped-in tables. (BEGIN IMMEDIATE also locks the attached shadow, so it cannot
                // be written from its own connection any more.)
                let rows = SQLiteRowWriter(db)
                for record in try SQLiteLog.read(after: built, db) {
                    try chosen.apply([(record, try record.decoded())], to: rows)
                    built = record.position
                }
                for p in chosen.projectors { try Self.setCheckpoint(p, position: built, db) }
                return .commit
            }
        }
        progress?(built, built)
    }

    /// Rebuilds these projections from the whole log inside the caller's transaction, so that they
    /// commit together with whatever else it wrote: `import` uses this, so that a killed import
    /// leaves either nothing or the log with its projections, never a log without them.
    static func rebuild(_ projections: Projections, within db: Database, progress: StorageProgress?) throws {
        try emptyTables(projections, db)
        let total = try SQLiteLog.tip(db).position
        var last: Int64 = 0
        let rows = SQLiteRowWriter(db)
        try EventBatch.forEach(db) { batch in
            try projections.apply(batch, to: rows)
            last = batch.last ?? last
            progress?(last, total)
        }
        for p in projections.projectors { try setCheckpoint(p, position: last, db) }
        progress?(last, total)
    }

    /// Drops and creates the projections' tables (and the checkpoint table if missing).
    static func emptyTables(_ projections: Projections, _ db: Database) throws {
        try createCheckpointTable(db)
        for p in projections.projectors {
            for table in p.tables {
                try SQLiteTables.drop(table, db)
                try SQLiteTables.create(table, db)
            }
        }
    }

    static func removeShadow(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    // MARK: - Replay

    /// Replays the log up to and including `position` into a fresh in-memory database holding
    /// these projections: the state as of then.
    ///
    /// The events themselves are not copied into it: the views, `explain` and `verify` read only
    /// projections, the log never changes (read it from the live store), and copying every row
    /// with its indexes and triggers was two thirds of a replay's time.
    public func replay(until position: Int64 = Int64.max, progress: StorageProgress? = nil) throws(QuireError) -> any EventStorage {
        try replayed(until: position, progress: progress)
    }

    func replayed(until position: Int64, progress: StorageProgress?) throws(QuireError) -> SQLiteStore {
        let memory = try SQLiteStore.inMemory(projections: projections)  // with the projections' empty tables
        let all = projections
        // Read the live log in one snapshot and fold it into the memory database.
        let last = try readDatabase { source in
            try EventBatch.pipe(from: source, until: position, into: memory, progress: progress) { batch, rows in
                try all.apply(batch, to: rows)
            }
        }
        try memory.writeDatabase { target in
            for p in all.projectors { try Self.setCheckpoint(p, position: last, target) }
        }
        return memory
    }

    // MARK: - Verify

    /// Compares every stored projection with a fresh replay of the log.
    public func drift() throws(QuireError) -> [Drift] {
        let fresh = try replayed(until: Int64.max, progress: nil)
        let projectors = projections.projectors
        return try readDatabase { live in
            try fresh.readDatabase { replayed in
                var drifts: [Drift] = []
                for p in projectors {
                    for table in p.tables {
                        if let detail = try Self.firstDifference(table, live, replayed) {
                            drifts.append(Drift(projection: p.name, table: table.name, detail: detail))
                            break
                        }
                    }
                }
                return drifts
            }
        }
    }

    static func firstDifference(_ table: TableSchema, _ a: Database, _ b: Database) throws -> String? {
        guard try a.tableExists(table.name) else { return "table \(table.name) is missing" }
        let sql = SQLiteTables.orderedRows(table)
        let left = try Row.fetchCursor(a, sql: sql)
        let right = try Row.fetchCursor(b, sql: sql)
        return try Drift.firstDifference(table, stored: { try left.next().map(SQLiteTables.stored) },
                                         fresh: { try right.next().map(SQLiteTables.stored) })
    }
}
