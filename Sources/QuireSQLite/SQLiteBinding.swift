import Foundation
import GRDB
import GRDBSQLite
import QuireStorage

/// Binds a statement's parameters straight through SQLite's C API, in order, for the statements
/// quire runs once per event or row (the log's insert, the projections' row writer).
///
/// GRDB's `StatementArguments` boxes every value as a `DatabaseValueConvertible` and builds its
/// array through a generic key path instantiated at run time: in a profile of `quire import`
/// (callgrind, 60,601 events) that was 3.4 billion instructions of the writing thread's 14.8,
/// more than SQLite spent executing the projections' statements. The values bound are the same
/// (64-bit integers, text, blobs, null), so the rows are too.
struct SQLiteBinder {
    private let statement: SQLiteStatement
    private var index: CInt = 0
    /// SQLite copies the bytes: they need not outlive the call.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    fileprivate init(_ statement: SQLiteStatement) { self.statement = statement }

    mutating func bind(_ value: Int64) {
        let (statement, i) = next()
        check(sqlite3_bind_int64(statement, i, value), i)
    }

    mutating func bind(_ value: Int) { bind(Int64(value)) }

    mutating func bind(_ value: String) {
        let (statement, i) = next()
        var value = value
        let code = value.withUTF8 { utf8 in
            // An empty buffer may have no address, and a null pointer would bind NULL, not ''.
            guard let base = utf8.baseAddress else { return sqlite3_bind_text(statement, i, "", 0, Self.transient) }
            return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                sqlite3_bind_text(statement, i, $0, CInt(utf8.count), Self.transient)
            }
        }
        check(code, i)
    }

    mutating func bind(_ value: String?) {
        guard let value else { return bindNull() }
        bind(value)
    }

    mutating func bind(_ value: Data) {
        let (statement, i) = next()
        let code = value.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return sqlite3_bind_zeroblob(statement, i, 0) }
            return sqlite3_bind_blob(statement, i, base, CInt(bytes.count), Self.transient)
        }
        check(code, i)
    }

    mutating func bind(_ value: StoredValue) {
        switch value {
        case .null: bindNull()
        case .integer(let n): bind(n)
        case .text(let t): bind(t)
        }
    }

    mutating func bind(_ values: [StoredValue]) {
        for value in values { bind(value) }
    }

    private mutating func bindNull() {
        let (statement, i) = next()
        check(sqlite3_bind_null(statement, i), i)
    }

    private mutating func next() -> (SQLiteStatement, CInt) {
        index += 1
        return (statement, index)
    }

    private func check(_ code: CInt, _ i: CInt) {
        // Binding only fails for a parameter index out of range: a bug in the SQL quire built.
        precondition(code == SQLITE_OK, "binding parameter \(i) failed with SQLite code \(code)")
    }
}

extension Statement {
    /// Binds the parameters with `body`, in order, for the next `execute()` or fetch.
    func bind(_ body: (inout SQLiteBinder) -> Void) {
        // No GRDB arguments at all (reset, bindings cleared, marked valid), so that GRDB's
        // `execute()` and fetches only reset and step over the values bound here.
        setUncheckedArguments(StatementArguments())
        var binder = SQLiteBinder(sqliteStatement)
        body(&binder)
    }

    /// Binds the parameters with `body`, in order, and runs the statement once.
    func execute(binding body: (inout SQLiteBinder) -> Void) throws {
        bind(body)
        try execute()
    }
}
