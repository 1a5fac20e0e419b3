import Foundation
import QuireStorage

/// How the PostgreSQL backend creates a declared projection table, protects it, and writes and
/// reads its rows: the only SQL the projections need, derived from each `TableSchema`.
enum PostgresTables {
    /// `CREATE TABLE` and its indexes, under `prefix + name` (a rebuild builds `rebuild__…` tables
    /// beside the live ones and renames them in its swap). Text columns compare as bytes
    /// (`COLLATE "C"`), as SQLite's do.
    static func create(_ table: TableSchema, prefix: String = "", _ sql: PostgresSQL) throws {
        let columns = table.columns.map { c in
            "\(c.name) \(c.type == .text ? "text COLLATE \"C\"" : "bigint")\(c.nullable ? "" : " NOT NULL")"
        }
        var statements = ["""
            CREATE TABLE \(prefix)\(table.name)(\(columns.joined(separator: ", ")),
                CONSTRAINT \(prefix)\(table.name)_pkey PRIMARY KEY(\(table.primaryKey.joined(separator: ", "))))
            """]
        for index in table.indexes {
            let partial = index.whereColumn.map { " WHERE \($0) = '\(index.whereValue ?? "")'" } ?? ""
            statements.append("""
                CREATE \(index.unique ? "UNIQUE " : "")INDEX \(prefix)\(index.name) ON \(prefix)\(table.name)(\(index.columns.joined(separator: ", ")))\(partial)
                """)
        }
        try sql.execute(statements.joined(separator: ";\n"))
    }

    /// Replaces the live table with the one built under `prefix`: inside the swap's transaction.
    static func swap(_ table: TableSchema, from prefix: String, schema: String, _ sql: PostgresSQL) throws {
        // Renaming the primary-key constraint renames its index too.
        var statements = [
            "DROP TABLE IF EXISTS \(table.name)",
            "ALTER TABLE \(prefix)\(table.name) RENAME TO \(table.name)",
            "ALTER TABLE \(table.name) RENAME CONSTRAINT \(prefix)\(table.name)_pkey TO \(table.name)_pkey",
        ]
        for index in table.indexes {
            statements.append("ALTER INDEX \(prefix)\(index.name) RENAME TO \(index.name)")
        }
        try sql.execute(statements.joined(separator: ";\n"))
        try protect(table, schema: schema, sql)
    }

    static func drop(_ table: TableSchema, prefix: String = "", _ sql: PostgresSQL) throws {
        try sql.execute("DROP TABLE IF EXISTS \(prefix)\(table.name)")
    }

    /// Row-level security on a projection table. Nobody but quire's own role writes any of them.
    /// The web app (role `authenticated`, the user's JWT claims set) may read exactly two:
    /// `session_views` — what `quire session list` shows that user: their own sessions that are
    /// not deleted, the legacy ones and those shared with them — and `monitor_sessions`, for system admins only.
    static func protect(_ table: TableSchema, schema: String, _ sql: PostgresSQL) throws {
        var statements = [
            "ALTER TABLE \(table.name) ENABLE ROW LEVEL SECURITY",
            "REVOKE ALL ON \(table.name) FROM PUBLIC, anon, authenticated",
        ]
        switch table.name {
        case "session_views":
            statements += [
                "GRANT SELECT ON \(table.name) TO authenticated",
                """
                CREATE POLICY session_views_listed ON \(table.name) FOR SELECT TO authenticated
                USING (
                    (SELECT \(schema).viewer_role()) IS NOT NULL
                    AND status IN ('in_progress', 'completed', 'expired')
                    AND (owner_id = (SELECT auth.uid())::text OR owner_id IS NULL
                         OR session_id IN (SELECT \(schema).sessions_shared_with_viewer()))
                )
                """,
            ]
        case "monitor_sessions":
            statements += [
                "GRANT SELECT ON \(table.name) TO authenticated",
                """
                CREATE POLICY monitor_sessions_system_admins ON \(table.name) FOR SELECT TO authenticated
                USING ((SELECT \(schema).viewer_role()) = 'system_admin')
                """,
            ]
        default:
            break
        }
        try sql.execute(statements.joined(separator: ";\n"))
    }

    static func selectAll(_ table: TableSchema, prefix: String = "") -> String {
        "SELECT \(table.columnNames.joined(separator: ", ")) FROM \(prefix)\(table.name)"
    }

    /// Every row, ordered by the primary key (what `verify` compares).
    static func orderedRows(_ table: TableSchema) -> String {
        selectAll(table) + " ORDER BY " + table.primaryKey.joined(separator: ", ")
    }

    /// `k1 = $n AND k2 = $n+1 …`, numbering from `first`.
    static func keyCondition(_ table: TableSchema, from first: Int = 1) -> String {
        table.primaryKey.enumerated().map { "\($1) = $\(first + $0)" }.joined(separator: " AND ")
    }
}

/// The rules' view of one PostgreSQL transaction: read a row by key, apply a change.
///
/// Every statement is a round trip to the server, so consecutive inserts (and upserts) into one
/// table are gathered into one multi-row `INSERT`: a rebuild folds whole batches of sessions, and
/// an append writes a row into each of several tables. Anything else — another table, an update —
/// closes the gathered rows into their statement, and every statement is then held back until
/// the transaction next needs an answer (`PostgresSQL.hold`), so an append's writes into several
/// tables travel together; a read sends them first, so the rules always read what they wrote.
/// `flush()` before the transaction commits.
final class PostgresRowWriter: RowWriter {
    let sql: PostgresSQL
    /// `rebuild__` while a rebuild builds its shadow tables; empty for the live ones.
    let prefix: String
    private var pendingTable: TableSchema?
    private var pendingUpsert = false
    private var pending: [StoredRow] = []
    private var pendingKeys: Set<[StoredValue]> = []
    /// Rows read or written since their table was last updated or deleted from (see the SQLite
    /// backend's writer): the Merkle projection reads the sibling it has just written.
    private var reads: [ObjectIdentifier: [[StoredValue]: StoredRow?]] = [:]
    private var written: Set<ObjectIdentifier> = []
    private static let readsPerTable = 4096
    /// At most this many rows per statement (PostgreSQL takes up to 65,535 parameters).
    private static let rowsPerStatement = 500

    init(_ sql: PostgresSQL, prefix: String = "") {
        self.sql = sql
        self.prefix = prefix
    }

    func row(_ table: TableSchema, key: [StoredValue]) throws -> StoredRow? {
        let id = ObjectIdentifier(table)
        if let known = reads[id]?[key] { return known }
        if pendingTable === table { try flush() }
        let rows = try sql.query(PostgresTables.selectAll(table, prefix: prefix) + " WHERE " + PostgresTables.keyCondition(table),
                                 key.map(SQLValue.init))
        let row = try rows.first.map(PostgresSQL.storedRow)
        remember(table, key: key, row)
        return row
    }

    func apply(_ change: RowChange) throws {
        switch change {
        case .insert(let table, let row), .upsert(let table, let row):
            var upsert = false
            if case .upsert = change { upsert = true }
            let key = table.keyPositions.map { row[$0] }
            if pendingTable !== table || pendingUpsert != upsert || pendingKeys.contains(key) || pending.count >= Self.rowsPerStatement {
                try flush()
            }
            pendingTable = table
            pendingUpsert = upsert
            pending.append(row)
            pendingKeys.insert(key)
            remember(table, key: key, row)
        case .update(let table, let key, let set):
            try flush()
            let assignments = set.enumerated().map { "\($1.column) = $\($0 + 1)" }.joined(separator: ", ")
            write(table, "UPDATE \(prefix)\(table.name) SET \(assignments) WHERE \(PostgresTables.keyCondition(table, from: set.count + 1))",
                  (set.map(\.value) + key).map(SQLValue.init))
            forget(table)
        case .increment(let table, let key, let column):
            try flush()
            write(table, "UPDATE \(prefix)\(table.name) SET \(column) = \(column) + 1 WHERE \(PostgresTables.keyCondition(table))",
                  key.map(SQLValue.init))
            forget(table)
        case .delete(let table, let column, let value):
            try flush()
            write(table, "DELETE FROM \(prefix)\(table.name) WHERE \(column) = $1", [SQLValue(value)])
            forget(table)
        }
    }

    /// Sends the rows held back.
    func flush() throws {
        guard let table = pendingTable, !pending.isEmpty else { return }
        let width = table.columns.count
        var values: [SQLValue] = []
        values.reserveCapacity(pending.count * width)
        var tuples: [String] = []
        tuples.reserveCapacity(pending.count)
        for (i, row) in pending.enumerated() {
            tuples.append("(" + (0..<width).map { "$\(i * width + $0 + 1)" }.joined(separator: ", ") + ")")
            values.append(contentsOf: row.map(SQLValue.init))
        }
        var statement = "INSERT INTO \(prefix)\(table.name)(\(table.columnNames.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))"
        if pendingUpsert {
            let others = table.columnNames.filter { !table.primaryKey.contains($0) }
            statement += " ON CONFLICT (\(table.primaryKey.joined(separator: ", "))) "
            statement += others.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + others.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        }
        pending.removeAll(keepingCapacity: true)
        pendingKeys.removeAll(keepingCapacity: true)
        pendingTable = nil
        write(table, statement, values)
    }

    /// Whether this writer changed `table`'s rows.
    func wrote(_ table: TableSchema) -> Bool { written.contains(ObjectIdentifier(table)) }

    /// Every change is held back until the transaction next needs an answer (`PostgresSQL.hold`),
    /// which joins it with the writes around it; a read sends it first, so the rules read what they wrote.
    private func write(_ table: TableSchema, _ statement: String, _ values: [SQLValue]) {
        written.insert(ObjectIdentifier(table))
        sql.hold(statement, values, into: prefix + table.name)
    }

    private func remember(_ table: TableSchema, key: [StoredValue], _ row: StoredRow?) {
        let id = ObjectIdentifier(table)
        if reads[id, default: [:]].count >= Self.readsPerTable { reads[id] = [:] }
        reads[id, default: [:]][key] = .some(row)
    }

    private func forget(_ table: TableSchema) {
        if !reads.isEmpty { reads[ObjectIdentifier(table)] = nil }
    }
}
