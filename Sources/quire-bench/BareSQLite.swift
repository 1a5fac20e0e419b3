import Foundation
import GRDBSQLite

/// The baseline's database access: the SQLite C API and prepared statements, nothing around them.
final class BareSQLite {
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    init(path: String) {
        precondition(sqlite3_open(path, &db) == SQLITE_OK, "cannot open \(path)")
        exec("PRAGMA journal_mode = WAL")
        exec("PRAGMA synchronous = FULL")
        exec("PRAGMA busy_timeout = 30000")
    }

    deinit {
        for s in statements.values { sqlite3_finalize(s) }
        sqlite3_close(db)
    }

    func exec(_ sql: String) {
        var error: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &error) != SQLITE_OK {
            fatalError("\(sql): \(String(cString: error!))")
        }
    }

    enum Value {
        case int(Int64), real(Double), text(String), blob(Data), null
    }

    /// Runs a cached prepared statement with these values bound.
    func run(_ sql: String, _ values: [Value]) {
        let stmt: OpaquePointer
        if let cached = statements[sql] {
            stmt = cached
        } else {
            var s: OpaquePointer?
            precondition(sqlite3_prepare_v2(db, sql, -1, &s, nil) == SQLITE_OK, String(cString: sqlite3_errmsg(db)))
            statements[sql] = s!
            stmt = s!
        }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (i, v) in values.enumerated() {
            let index = Int32(i + 1)
            switch v {
            case .int(let n): sqlite3_bind_int64(stmt, index, n)
            case .text(let t): sqlite3_bind_text(stmt, index, t, -1, transient)
            case .blob(let d): _ = d.withUnsafeBytes { sqlite3_bind_blob(stmt, index, $0.baseAddress, Int32(d.count), transient) }
            case .real(let x): sqlite3_bind_double(stmt, index, x)
            case .null: sqlite3_bind_null(stmt, index)
            }
        }
        var rc = sqlite3_step(stmt)
        while rc == SQLITE_ROW { rc = sqlite3_step(stmt) }
        precondition(rc == SQLITE_DONE, "\(sql): \(String(cString: sqlite3_errmsg(db)))")
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    /// Visits every row of a query: column 0 as text.
    func scanText(_ sql: String, _ body: (String) -> Void) {
        var s: OpaquePointer?
        precondition(sqlite3_prepare_v2(db, sql, -1, &s, nil) == SQLITE_OK)
        while sqlite3_step(s) == SQLITE_ROW {
            body(String(cString: sqlite3_column_text(s, 0)))
        }
        sqlite3_finalize(s)
    }

    /// The current row's columns as values to bind again, each with the storage class it has.
    static func values(of row: OpaquePointer) -> [Value] {
        (0..<sqlite3_column_count(row)).map { i in
            switch sqlite3_column_type(row, i) {
            case SQLITE_INTEGER: return .int(sqlite3_column_int64(row, i))
            case SQLITE_NULL: return .null
            case SQLITE_BLOB:
                let count = Int(sqlite3_column_bytes(row, i))
                return .blob(count == 0 ? Data() : Data(bytes: sqlite3_column_blob(row, i), count: count))
            case SQLITE_FLOAT: return .real(sqlite3_column_double(row, i))
            default: return .text(String(cString: sqlite3_column_text(row, i)))
            }
        }
    }

    func scanRows(_ sql: String, _ body: (OpaquePointer) -> Void) {
        var s: OpaquePointer?
        precondition(sqlite3_prepare_v2(db, sql, -1, &s, nil) == SQLITE_OK)
        while sqlite3_step(s) == SQLITE_ROW { body(s!) }
        sqlite3_finalize(s)
    }
}
