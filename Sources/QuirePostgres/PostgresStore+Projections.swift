import Foundation
import QuireCore
import QuireProjections
import QuireSQLite
import QuireStorage

/// The projections' tables in PostgreSQL: checkpoints, opening, rebuild (shadow tables beside the
/// live ones, then a swap), replay into an in-memory store and the comparison `verify` makes. The
/// rules come from QuireProjections; this is only where their rows go.
extension PostgresStore {
    static let shadowPrefix = "rebuild__"

    static func setCheckpoints(_ projectors: [any Projector], position: Int64, _ sql: PostgresSQL) throws {
        guard !projectors.isEmpty else { return }
        var values: [SQLValue] = []
        let tuples = projectors.enumerated().map { i, p in
            values += [.text(p.name), SQLValue(p.codeVersion), .integer(position)]
            return "($\(i * 3 + 1), $\(i * 3 + 2), $\(i * 3 + 3))"
        }
        sql.hold("""
            INSERT INTO projection_checkpoints(name, code_version, position) VALUES \(tuples.joined(separator: ", "))
            ON CONFLICT (name) DO UPDATE SET code_version = EXCLUDED.code_version, position = EXCLUDED.position
            """, values, into: "projection_checkpoints")
    }

    private static func tableExists(_ name: String, schema: String, _ sql: PostgresSQL) throws -> Bool {
        try sql.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = $2", [.text(schema), .text(name)]) == 1
    }

    /// Creates the tables of any projection that has none yet, empty and without a checkpoint, so
    /// that appends can project into them at once; `prepareProjections` then builds them.
    func createMissingTables() throws(QuireError) {
        let schema = schema
        let tables = projections.projectors.flatMap(\.tables)
        let missing: [TableSchema] = try read { reader in
            let r = reader as! PostgresTransaction
            return try tables.filter { !(try Self.tableExists($0.name, schema: schema, r.sql)) }
        }
        guard !missing.isEmpty else { return }
        try write { writer in
            let w = writer as! PostgresTransaction
            for table in missing where !(try Self.tableExists(table.name, schema: schema, w.sql)) {
                try PostgresTables.create(table, w.sql)
                try PostgresTables.protect(table, schema: schema, w.sql)
            }
        }
    }

    // MARK: - Opening

    @discardableResult
    public func prepareProjections(progress: StorageProgress? = nil) throws(QuireError) -> [String] {
        let projections = projections
        let stale: [String] = try read { reader in try projections.stale(try reader.checkpoints(), head: try reader.tip().position) }
        guard !stale.isEmpty else { return [] }
        try rebuild(stale, progress: progress)
        return stale
    }

    @discardableResult
    public func upgradeProjections(progress: StorageProgress? = nil) throws(QuireError) -> [String] {
        let projections = projections
        let outdated: [String] = try read { reader in projections.outdated(try reader.checkpoints()) }
        guard !outdated.isEmpty else { return [] }
        try rebuild(outdated, progress: progress)
        return outdated
    }

    // MARK: - Rebuild

    /// Rebuilds the named projections from the whole log while writers go on:
    ///
    /// 1. new tables (`rebuild__<name>`) are built in one transaction that reads the log from a
    ///    `REPEATABLE READ` snapshot; it takes no lock writers wait for, and readers never see these
    ///    tables;
    /// 2. one short write transaction (holding the head row, so no append slips between) folds in
    ///    what was committed meanwhile, drops the old tables, renames the new ones into their
    ///    place, puts their row-level security back and moves the checkpoints.
    ///
    /// A rebuild that fails or is killed before the swap commits leaves the old tables serving.
    public func rebuild(_ names: [String], progress: StorageProgress? = nil) throws(QuireError) {
        let chosen = projections.only(names)
        guard !chosen.projectors.isEmpty else { return }
        let prefix = Self.shadowPrefix, schema = schema
        let tables = chosen.projectors.flatMap(\.tables)
        // 1. Build from a snapshot.
        var built: Int64 = try withConnection { sql in
            try sql.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            let reader = PostgresTransaction(sql, chosen, schema: schema)
            let total = try reader.tip().position
            for table in tables {
                try PostgresTables.drop(table, prefix: prefix, sql)
                try PostgresTables.create(table, prefix: prefix, sql)
            }
            let rows = PostgresRowWriter(sql, prefix: prefix)
            var last: Int64 = 0
            try reader.forEachPage(after: 0, until: total, size: 2000) { page in
                let batch = EventBatch(try page.map { ($0, try $0.decoded()) })
                try chosen.apply(batch, to: rows)
                last = batch.last ?? last
                progress?(last, total)
            }
            try rows.flush()
            try sql.execute("COMMIT")
            return last
        }
        // 2. Catch up and swap.
        do {
            try write { writer in
                let w = writer as! PostgresTransaction
                let rows = PostgresRowWriter(w.sql, prefix: prefix)
                try w.forEachPage(after: built, until: Int64.max) { page in
                    try chosen.apply(page.map { ($0, try $0.decoded()) }, to: rows)
                    built = page.last?.position ?? built
                }
                try rows.flush()
                for table in tables { try PostgresTables.swap(table, from: prefix, schema: schema, w.sql) }
                try Self.setCheckpoints(chosen.projectors, position: built, w.sql)
            }
        } catch {
            try? withConnection { sql in for table in tables { try PostgresTables.drop(table, prefix: prefix, sql) } }
            throw error
        }
        progress?(built, built)
    }

    /// Rebuilds these projections from the whole log inside the caller's transaction (`import`):
    /// the log and its projections commit together or not at all.
    static func rebuild(_ projections: Projections, within w: PostgresTransaction, progress: StorageProgress?) throws {
        for p in projections.projectors {
            for table in p.tables {
                try PostgresTables.drop(table, w.sql)
                try PostgresTables.create(table, w.sql)
                try PostgresTables.protect(table, schema: w.schema, w.sql)
            }
        }
        let total = try w.tip().position
        var last: Int64 = 0
        let rows = PostgresRowWriter(w.sql)
        try w.forEachPage(after: 0, until: total, size: 2000) { page in
            let batch = EventBatch(try page.map { ($0, try $0.decoded()) })
            try projections.apply(batch, to: rows)
            last = batch.last ?? last
            progress?(last, total)
        }
        try rows.flush()
        try setCheckpoints(projections.projectors, position: last, w.sql)
        progress?(last, total)
    }

    // MARK: - Replay

    /// The projections as of `position`, folded from a snapshot of the log into a fresh in-memory
    /// SQLite store: the views, `explain` and `verify` read only projections, and the log itself
    /// is never copied (read it from here).
    public func replay(until position: Int64 = Int64.max, progress: StorageProgress? = nil) throws(QuireError) -> any EventStorage {
        try replayed(until: position, progress: progress)
    }

    func replayed(until position: Int64, progress: StorageProgress?) throws(QuireError) -> SQLiteStore {
        let all = projections
        return try read { reader in
            let r = reader as! PostgresTransaction
            let total = min(try r.tip().position, position)
            return try SQLiteStore.folded(all) { apply in
                var last: Int64 = 0
                try r.forEachPage(after: 0, until: total, size: 2000) { page in
                    let batch = EventBatch(try page.map { ($0, try $0.decoded()) })
                    try apply(batch)
                    last = batch.last ?? last
                    progress?(last, total)
                }
                return last
            }
        }
    }

    // MARK: - Verify

    /// Compares every stored projection with a fresh replay of the log: the first differing row of
    /// each. Both sides order rows by primary key as bytes.
    public func drift() throws(QuireError) -> [Drift] {
        let fresh = try replayed(until: Int64.max, progress: nil)
        let projectors = projections.projectors, schema = schema
        var drifts: [Drift] = []
        for p in projectors {
            for table in p.tables {
                let expected = try fresh.orderedRows(of: table)
                let detail: String? = try read { reader in
                    let r = reader as! PostgresTransaction
                    guard try Self.tableExists(table.name, schema: schema, r.sql) else { return "table \(table.name) is missing" }
                    let stored = try r.sql.query(PostgresTables.orderedRows(table)).map(PostgresSQL.storedRow)
                    var storedRows = stored.makeIterator(), freshRows = expected.makeIterator()
                    return Drift.firstDifference(table, stored: { storedRows.next() }, fresh: { freshRows.next() })
                }
                if let detail {
                    drifts.append(Drift(projection: p.name, table: table.name, detail: detail))
                    break
                }
            }
        }
        return drifts
    }
}
