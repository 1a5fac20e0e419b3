import Foundation
import NIOCore
import PostgresNIO
import QuireCore
import QuireProjections
import QuireSQLite
import QuireStorage

/// The PostgreSQL backend: quire's log, blobs, command record and projections in one schema of a
/// PostgreSQL database, so that an append, its projections and its command record commit together,
/// and any number of quire processes can share it.
///
/// Write transactions begin by locking the log's head row (`SELECT … FOR UPDATE`): writers are
/// serialised exactly as SQLite's `BEGIN IMMEDIATE` serialises them, so a position is never
/// visible before every lower one has committed, a command id is looked up and recorded without a
/// race, and the previous hash the chain needs is on that row. Reads run in a `REPEATABLE READ`
/// snapshot and never wait for writers.
public final class PostgresStore: EventStorage, @unchecked Sendable {
    public let connection: PostgresLocation
    let pool: PostgresPool
    let projections: Projections
    var schema: String { connection.schema }
    /// Statements sent and answers waited for since the store was opened.
    public let traffic = PostgresTraffic()

    public var location: String? { connection.url }
    public var projectionNames: [String] { projections.names }

    /// Opens (and migrates) the quire schema at `url`; with `options.create`, creates it first.
    ///
    /// Throws a one-sentence `QuireError` when the database cannot be reached, has no quire schema
    /// (unless `create`), or was written by a newer quire.
    public init(url: String, options: StorageOptions = StorageOptions(), projections: Projections = .core) throws(QuireError) {
        let location = try PostgresLocation(url)
        self.connection = location
        self.projections = projections
        self.pool = try PostgresPool(location)
        try withConnection { sql in
            try PostgresSchema.migrate(sql, schema: location.schema, create: options.create, location: location)
        }
        try createMissingTables()
    }

    deinit { pool.close() }

    // MARK: - Transactions

    /// Leases a connection (its `search_path` set to quire's schema when it was opened), runs `body`, and gives it
    /// back; a connection whose failure leaves it unusable is closed, and the next lease opens a
    /// new one — so quire reconnects by itself once the database is back.
    func withConnection<T>(_ body: (PostgresSQL) throws -> T) throws(QuireError) -> T {
        let connection = try pool.lease()
        var sql = PostgresSQL(connection: connection, location: self.connection, logger: pool.logger)
        sql.traffic = traffic
        do {
            let result = try body(sql)
            // Every transaction ends with a statement that sends what was held (COMMIT); anything
            // else must not leave a write behind unsent.
            try sql.sendHeld()
            pool.release(connection)
            return result
        } catch {
            let translated = PostgresErrors.translate(error, self.connection)
            // A failed statement leaves the transaction (if any) aborted; rolling back makes the
            // connection usable again. If even that fails, the connection is gone.
            let gone = translated.code == .unavailable || connection.isClosed
            sql.discardHeld()
            let usable = !gone && (try? sql.execute("ROLLBACK")) != nil
            pool.release(connection, broken: !usable)
            throw translated
        }
    }

    @discardableResult
    public func write<T>(_ body: (any StorageWriter) throws -> T) throws(QuireError) -> T {
        let projections = projections, schema = schema
        return try withConnection { sql in
            sql.hold("BEGIN ISOLATION LEVEL READ COMMITTED", into: nil)
            // Serialise writers on the head row: see the type's documentation. The row is the
            // log's head for the whole transaction (only this transaction can move it now).
            let head = try PostgresTransaction.head(sql.query("SELECT position, hash, recorded_at FROM log_head FOR UPDATE"), sql)
            let locked = ContinuousClock.now
            let result = try body(PostgresTransaction(sql, projections, schema: schema, head: head))
            try commit(sql)
            Self.recordLockHeld(since: locked)
            return result
        }
    }

    public func read<T>(_ body: (any StorageReader) throws -> T) throws(QuireError) -> T {
        let projections = projections, schema = schema
        return try withConnection { sql in
            try sql.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            let result = try body(PostgresTransaction(sql, projections, schema: schema))
            try sql.execute("COMMIT")
            return result
        }
    }

    /// COMMIT, saying what a connection lost at that moment means: the outcome is unknown, and a
    /// retry with the same command id answers with the first outcome if it did commit.
    private func commit(_ sql: PostgresSQL) throws {
        do {
            try sql.execute("COMMIT")
        } catch let error as QuireError where error.code == .unavailable {
            throw QuireError.unavailable("The connection to PostgreSQL at \(connection.host):\(connection.port) was lost while committing; retry with the same command id and quire answers with the first outcome if it did commit.")
        }
    }

    /// Runs raw SQL in a write transaction: for the backend's own tests (the triggers must refuse
    /// what someone holding psql would try) and tools, never for the service.
    public func execute(sql text: String) throws(QuireError) {
        try withConnection { sql in
            try sql.execute("BEGIN")
            try sql.execute(text)
            try sql.execute("COMMIT")
        }
    }

    /// Runs one query with `$n` arguments and returns its rows as the rules see them (tests, tools).
    public func query(sql text: String, arguments: [StoredValue] = []) throws(QuireError) -> [StoredRow] {
        try withConnection { sql in try sql.query(text, arguments.map(SQLValue.init)).map(PostgresSQL.storedRow) }
    }

    /// PostgreSQL's plan for an audit filter (`EXPLAIN`): the tests assert every filter uses an index.
    public func auditPlan(_ filter: AuditFilter) throws(QuireError) -> [String] {
        let (statement, values) = PostgresAudit.statement(filter, ascending: false)
        return try withConnection { sql in
            // A small table makes a sequential scan the cheapest plan; the question is whether an
            // index *can* serve the filter.
            try sql.execute("SET enable_seqscan = off")
            defer { try? sql.execute("RESET enable_seqscan") }
            return try sql.query("EXPLAIN " + statement, values).map { try PostgresSQL.string($0[0]) }
        }
    }

    /// What is wrong with the log's bookkeeping (empty when sound): the head row must be the last
    /// event, and every projection table must exist. PostgreSQL checks its own pages (checksums,
    /// WAL); `verify` checks the chain and the projections.
    public func integrityProblems() throws(QuireError) -> [String] {
        let tables = projections.projectors.flatMap(\.tables).map(\.name)
        return try read { reader in
            var problems: [String] = []
            let r = reader as! PostgresTransaction
            let head = try r.head().tip
            let last = try r.events(after: max(0, head.position - 1), limit: 2)
            if let end = last.last, end.position != head.position || end.hash != head.hash {
                problems.append("the head row says position \(head.position) but the log ends at \(end.position)")
            } else if last.isEmpty, head.position != 0 {
                problems.append("the head row says position \(head.position) but the log has no event there")
            }
            for table in tables where try r.sql.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = $2",
                                                        [.text(self.schema), .text(table)]) != 1 {
                problems.append("table \(table) is missing")
            }
            return problems
        }
    }
}

extension PostgresStore {
    /// Runs a read-only query the way PostgREST and `supabase-js` run the web app's requests: as
    /// `role` (`authenticated` or `anon`), with the request's JWT claims in `request.jwt.claims`,
    /// inside a transaction that is rolled back. What row-level security lets through is what the
    /// school's app would see; the backend's tests use it, and so can an operator checking a policy.
    public func query(as role: String, claims: String?, sql text: String, arguments: [StoredValue] = []) throws(QuireError) -> [StoredRow] {
        guard role == "authenticated" || role == "anon" else { throw .usage("The web app's roles are authenticated and anon, not \(role).") }
        return try withConnection { sql in
            try sql.execute("BEGIN READ ONLY")
            defer { try? sql.execute("ROLLBACK") }
            try sql.execute("SET LOCAL ROLE \(role)")
            try sql.query("SELECT set_config('request.jwt.claims', $1, true)", [SQLValue(claims ?? "")])
            return try sql.query(text, arguments.map(SQLValue.init)).map(PostgresSQL.storedRow)
        }
    }
}
