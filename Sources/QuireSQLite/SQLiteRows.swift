import Foundation
import GRDB
import QuireStorage

/// How the SQLite backend creates a declared projection table and writes and reads its rows: the
/// only SQL the projections need, derived from each `TableSchema`. The rules themselves live in
/// QuireProjections.
enum SQLiteTables {
    /// `CREATE TABLE` and `CREATE INDEX` for a declared table. Tables are `WITHOUT ROWID`: every
    /// projection table is read and written by its primary key.
    static func create(_ table: TableSchema, _ db: Database) throws {
        let columns = table.columns.map { c in
            "\(c.name) \(c.type == .text ? "TEXT" : "INTEGER")\(c.nullable ? "" : " NOT NULL")"
        }
        try db.execute(sql: """
            CREATE TABLE \(table.name)(\(columns.joined(separator: ", ")), PRIMARY KEY(\(table.primaryKey.joined(separator: ", ")))) WITHOUT ROWID
            """)
        for index in table.indexes {
            let partial = index.whereColumn.map { " WHERE \($0) = '\(index.whereValue ?? "")'" } ?? ""
            try db.execute(sql: """
                CREATE \(index.unique ? "UNIQUE " : "")INDEX \(index.name) ON \(table.name)(\(index.columns.joined(separator: ", ")))\(partial)
                """)
        }
    }

    static func drop(_ table: TableSchema, schema: String = "main", _ db: Database) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS \(schema).\(table.name)")
    }

    static func selectAll(_ table: TableSchema) -> String {
        "SELECT \(table.columnNames.joined(separator: ", ")) FROM \(table.name)"
    }

    /// Every row, ordered by the primary key (what `verify` compares).
    static func orderedRows(_ table: TableSchema) -> String {
        selectAll(table) + " ORDER BY " + table.primaryKey.joined(separator: ", ")
    }

    static func keyCondition(_ table: TableSchema) -> String {
        table.primaryKey.map { "\($0) = ?" }.joined(separator: " AND ")
    }

    /// A GRDB row as the rules read it.
    static func stored(_ row: Row) -> StoredRow {
        var values: StoredRow = []
        values.reserveCapacity(row.count)
        for i in 0..<row.count {
            let value: DatabaseValue = row[i]
            switch value.storage {
            case .null: values.append(.null)
            case .int64(let n): values.append(.integer(n))
            case .string(let s): values.append(.text(s))
            case .double(let d): values.append(.integer(Int64(d)))
            case .blob(let b): values.append(.text(String(decoding: b, as: UTF8.self)))
            }
        }
        return values
    }

    static func binding(_ value: StoredValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let n): n.databaseValue
        case .text(let t): t.databaseValue
        }
    }

    static func arguments(_ values: [StoredValue]) -> StatementArguments {
        StatementArguments(values.map(binding))
    }
}

/// The rules' view of one SQLite transaction: read a row by key, apply a change.
///
/// A rebuild applies hundreds of thousands of changes through one writer, so each statement is
/// prepared once per table and shape and kept here, found by the table's identity and a small
/// code rather than by building and hashing its SQL text for every row.
final class SQLiteRowWriter: RowWriter {
    let db: Database
    private struct Key: Hashable {
        var table: ObjectIdentifier
        var kind: Int
        /// For updates and deletes: the positions of the columns named, in order.
        var columns: [Int]
    }
    private var statements: [Key: Statement] = [:]
    /// Rows read or inserted since their table was last updated or deleted from: a rebuild asks for
    /// the same owner's email once per session it folds, and the Merkle projection for the node it
    /// has just written. An update or delete forgets the table's rows at once.
    private var reads: [ObjectIdentifier: [[StoredValue]: StoredRow?]] = [:]
    private static let readsPerTable = 4096

    init(_ db: Database) { self.db = db }

    private func statement(_ table: TableSchema, _ kind: Int, columns: [Int] = [], _ make: () -> String) throws -> Statement {
        let key = Key(table: ObjectIdentifier(table), kind: kind, columns: columns)
        if let statement = statements[key] { return statement }
        let statement = try db.cachedStatement(sql: make())
        statements[key] = statement
        return statement
    }

    private static func mask(_ table: TableSchema, _ columns: [String]) -> [Int] {
        columns.map(table.position(of:))
    }

    func row(_ table: TableSchema, key: [StoredValue]) throws -> StoredRow? {
        let id = ObjectIdentifier(table)
        if let known = reads[id]?[key] { return known }
        let statement = try statement(table, 0) { SQLiteTables.selectAll(table) + " WHERE " + SQLiteTables.keyCondition(table) }
        statement.bind { $0.bind(key) }
        let row = try Row.fetchOne(statement).map(SQLiteTables.stored)
        reads[id, default: [:]][key] = .some(row)
        return row
    }

    func apply(_ change: RowChange) throws {
        switch change {
        case .insert(let table, let row), .upsert(let table, let row):
            let replace: Bool
            if case .upsert = change { replace = true } else { replace = false }
            try self.statement(table, replace ? 2 : 1) {
                "\(replace ? "INSERT OR REPLACE" : "INSERT") INTO \(table.name)(\(table.columnNames.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: table.columns.count).joined(separator: ", ")))"
            }.execute { $0.bind(row) }
        case .update(let table, let key, let set):
            let columns = set.map { $0.column }
            try self.statement(table, 3, columns: Self.mask(table, columns)) {
                "UPDATE \(table.name) SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE \(SQLiteTables.keyCondition(table))"
            }.execute { binder in
                for (_, value) in set { binder.bind(value) }
                binder.bind(key)
            }
        case .increment(let table, let key, let column):
            try self.statement(table, 4, columns: Self.mask(table, [column])) {
                "UPDATE \(table.name) SET \(column) = \(column) + 1 WHERE \(SQLiteTables.keyCondition(table))"
            }.execute { $0.bind(key) }
        case .delete(let table, let column, let value):
            try self.statement(table, 5, columns: Self.mask(table, [column])) {
                "DELETE FROM \(table.name) WHERE \(column) = ?"
            }.execute { $0.bind(value) }
        }
        switch change {
        case .insert(let table, let row), .upsert(let table, let row):
            // Written through, once it is written: the row is what a later read of its key gets (the
            // Merkle projection reads the sibling it wrote a moment ago). Bounded per table.
            let id = ObjectIdentifier(table)
            if reads[id, default: [:]].count >= Self.readsPerTable { reads[id] = [:] }
            reads[id, default: [:]][table.keyPositions.map { row[$0] }] = .some(row)
        case .update(let table, _, _), .increment(let table, _, _), .delete(let table, _, _):
            if !reads.isEmpty { reads[ObjectIdentifier(table)] = nil }
        }
    }
}
