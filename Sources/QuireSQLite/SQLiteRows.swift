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

/// The rules' view of one SQLite transaction: read a row by key, apply a change. The statements
/// are built once per table and shape and then come from GRDB's statement cache.
final class SQLiteRowWriter: RowWriter {
    let db: Database
    private var sql: [String: String] = [:]

    init(_ db: Database) { self.db = db }

    private func statement(_ key: String, _ make: () -> String) throws -> Statement {
        if let text = sql[key] { return try db.cachedStatement(sql: text) }
        let text = make()
        sql[key] = text
        return try db.cachedStatement(sql: text)
    }

    func row(_ table: TableSchema, key: [StoredValue]) throws -> StoredRow? {
        let statement = try statement("row " + table.name) {
            SQLiteTables.selectAll(table) + " WHERE " + SQLiteTables.keyCondition(table)
        }
        return try Row.fetchOne(statement, arguments: SQLiteTables.arguments(key)).map(SQLiteTables.stored)
    }

    func apply(_ change: RowChange) throws {
        switch change {
        case .insert(let table, let row), .upsert(let table, let row):
            let verb: String
            if case .insert = change { verb = "INSERT" } else { verb = "INSERT OR REPLACE" }
            let statement = try statement(verb + " " + table.name) {
                "\(verb) INTO \(table.name)(\(table.columnNames.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: table.columns.count).joined(separator: ", ")))"
            }
            try statement.execute(arguments: SQLiteTables.arguments(row))
        case .update(let table, let key, let set):
            let columns = set.map(\.column)
            let statement = try statement("UPDATE " + table.name + " " + columns.joined(separator: ",")) {
                "UPDATE \(table.name) SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE \(SQLiteTables.keyCondition(table))"
            }
            try statement.execute(arguments: SQLiteTables.arguments(set.map(\.value) + key))
        case .increment(let table, let key, let column):
            let statement = try statement("INCREMENT " + table.name + " " + column) {
                "UPDATE \(table.name) SET \(column) = \(column) + 1 WHERE \(SQLiteTables.keyCondition(table))"
            }
            try statement.execute(arguments: SQLiteTables.arguments(key))
        case .delete(let table, let column, let value):
            let statement = try statement("DELETE " + table.name + " " + column) {
                "DELETE FROM \(table.name) WHERE \(column) = ?"
            }
            try statement.execute(arguments: SQLiteTables.arguments([value]))
        }
    }
}
