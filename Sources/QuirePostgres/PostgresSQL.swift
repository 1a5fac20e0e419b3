import Foundation
import Logging
import NIOCore
import PostgresNIO
import QuireCore
import QuireStorage
import Synchronization

/// One value bound to a query's `$n`: quire's projection values plus the log's own types.
enum SQLValue {
    case null
    case integer(Int64)
    case text(String)
    case bytes(Data)

    init(_ value: StoredValue) {
        switch value {
        case .null: self = .null
        case .integer(let n): self = .integer(n)
        case .text(let t): self = .text(t)
        }
    }

    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    init(_ n: Int) { self = .integer(Int64(n)) }
    init(_ n: Int64) { self = .integer(n) }
}

/// How many statements a store sent to PostgreSQL and how many times it waited for an answer —
/// each wait is a round trip this thread sits out; the benchmark and a test count them per command.
public final class PostgresTraffic: Sendable {
    private let counts = Mutex<(statements: Int, waits: Int)>((0, 0))

    public var statements: Int { counts.withLock { $0.statements } }
    public var waits: Int { counts.withLock { $0.waits } }

    func count(statements: Int) { counts.withLock { $0.statements += statements; $0.waits += 1 } }
}

/// Queries on one leased connection, the synchronous face the storage contract needs: a read
/// waits for its rows; a write may be held back and sent with the next statement that needs an
/// answer (`hold`). Every value is a bound parameter; only identifiers quire itself chose (its
/// schema and table names) are written into the SQL text.
struct PostgresSQL {
    let connection: PostgresConnection
    let location: PostgresLocation
    let logger: Logger
    /// Shared by the copies of this value (one transaction's statements, one thread at a time).
    let lost = Flag()
    /// Writes held back until a statement needs an answer (see `hold`); shared like `lost`.
    let held = Held()
    /// The store's tally of statements sent and answers waited for.
    var traffic: PostgresTraffic? = nil

    static func bindings(_ values: [SQLValue]) -> PostgresBindings {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: binds.appendNull()
            case .integer(let n): binds.append(n)
            case .text(let t): binds.append(t)
            case .bytes(let d): binds.append(ByteBuffer(bytes: d))
            }
        }
        return binds
    }

    /// Runs one statement and returns its rows, after sending the writes held back before it.
    @discardableResult
    func query(_ sql: String, _ values: [SQLValue] = []) throws -> [PostgresRandomAccessRow] {
        // A statement sent on a connection the server already cut is not answered (the driver
        // neither sends nor fails it), so without this each one waited `answerTimeout`: a
        // group-commit batch cut by a crashed server sat silent for a minute per statement left.
        // Once one statement found the connection gone, the transaction and every later statement
        // on it are gone too (`connection.isClosed` may lag behind the server's goodbye).
        if lost.value || connection.isClosed {
            held.statements.removeAll()
            throw PostgresErrors.translate(ConnectionLost(), location)
        }
        // The held writes and this statement go to the driver at once, which sends each as soon
        // as the one before it is answered: this thread waits once, for the last answer.
        let sent = held.groups().map { connection.query(PostgresQuery(unsafeSQL: $0.sql, binds: Self.bindings($0.values)), logger: logger) }
        held.statements.removeAll(keepingCapacity: true)
        let own = connection.query(PostgresQuery(unsafeSQL: sql, binds: Self.bindings(values)), logger: logger)
        traffic?.count(statements: sent.count + 1)
        do {
            let rows: Result<PostgresQueryResult, any Error>
            do { rows = .success(try Self.answer(own, on: connection)) } catch { rows = .failure(error) }
            // A held write that failed made the server refuse everything after it ("current
            // transaction is aborted"): its error is the one to report.
            for write in sent { _ = try Self.answer(write, on: connection) }
            return try rows.get().rows.map { $0.makeRandomAccess() }
        } catch {
            let translated = PostgresErrors.translate(error, location)
            if translated.code == .unavailable { lost.value = true }
            throw translated
        }
    }

    /// Holds a write back until the next statement that needs an answer — a read, a savepoint's
    /// release, `COMMIT` — which sends it first. A command's writes (the event, its projection
    /// rows, the checkpoints, the command record) thus cost one round trip per group instead of one
    /// each: consecutive held writes into different tables go as one statement, the later ones as
    /// data-modifying `WITH` parts of it. An error in a held write surfaces from that next
    /// statement, inside the same transaction (and savepoint), so it fails what it would have
    /// failed. `table` is what the statement writes: two writes into one table are never joined
    /// (the parts of one statement do not see each other's changes); nil sends the statement on
    /// its own (`BEGIN`, `SAVEPOINT`).
    func hold(_ sql: String, _ values: [SQLValue] = [], into table: String?) {
        held.statements.append(.init(sql: sql, values: values, table: table))
    }

    /// Sends the held writes and waits for their answers.
    func sendHeld() throws {
        guard let last = held.statements.popLast() else { return }
        try query(last.sql, last.values)
    }

    /// Forgets the held writes: their transaction is being rolled back.
    func discardHeld() { held.statements.removeAll() }

    final class Held: @unchecked Sendable {
        struct Statement {
            var sql: String
            var values: [SQLValue]
            var table: String?
        }
        var statements: [Statement] = []

        /// PostgreSQL takes up to 65,535 parameters in a statement; joined statements stay well under.
        static let parametersPerStatement = 30_000

        /// The held statements joined into as few as the rules allow, in order.
        func groups() -> [(sql: String, values: [SQLValue])] {
            var result: [(sql: String, values: [SQLValue])] = []
            var parts: [Statement] = []
            var tables: Set<String> = []
            var count = 0
            func close() {
                guard let last = parts.last else { return }
                if parts.count == 1 {
                    result.append((last.sql, last.values))
                } else {
                    var values: [SQLValue] = []
                    var with: [String] = []
                    for (i, part) in parts.enumerated() {
                        let text = Self.renumbered(part.sql, from: values.count)
                        values += part.values
                        if i < parts.count - 1 { with.append("w\(i) AS (\(text))") } else { result.append(("WITH " + with.joined(separator: ", ") + " " + text, values)) }
                    }
                }
                parts.removeAll()
                tables.removeAll()
                count = 0
            }
            for statement in statements {
                guard let table = statement.table else {
                    close()
                    result.append((statement.sql, statement.values))
                    continue
                }
                if tables.contains(table) || count + statement.values.count > Self.parametersPerStatement { close() }
                parts.append(statement)
                tables.insert(table)
                count += statement.values.count
            }
            close()
            return result
        }

        /// `sql` with each `$n` moved up by `offset` (the statements quire holds have no other `$`).
        static func renumbered(_ sql: String, from offset: Int) -> String {
            guard offset > 0 else { return sql }
            var out = ""
            out.reserveCapacity(sql.utf8.count + 16)
            var digits = ""
            func end() {
                if let n = Int(digits) { out += String(n + offset) } else { out += digits }
                digits = ""
            }
            var inParameter = false
            for c in sql {
                if inParameter, c.isASCII, c.isNumber { digits.append(c); continue }
                if inParameter { end(); inParameter = false }
                out.append(c)
                if c == "$" { inParameter = true }
            }
            if inParameter { end() }
            return out
        }
    }

    /// Whether a statement on this connection already failed because the connection was lost.
    var isLost: Bool { lost.value || connection.isClosed }

    final class Flag: @unchecked Sendable { var value = false }

    /// How long a statement may go unanswered before its connection is given up: well past the
    /// server's own `lock_timeout` (30 s, set on every connection), so it only fires when the
    /// server or the network has gone silent.
    static let answerTimeout: TimeAmount = .seconds(60)

    struct NoAnswer: Error {}
    struct ConnectionLost: Error {}

    /// Waits for `future`, but not for ever: a connection whose server vanished mid-query may
    /// never complete it. After `answerTimeout` the connection is closed and the wait fails.
    static func answer<T: Sendable>(_ future: EventLoopFuture<T>, on connection: PostgresConnection) throws -> T {
        let loop = future.eventLoop
        let promise = loop.makePromise(of: T.self)
        let settled = NIOLoopBoundBox.makeBoxSendingValue(false, as: Bool.self, eventLoop: loop)
        future.whenComplete { result in
            guard !settled.value else { return }
            settled.value = true
            promise.completeWith(result)
        }
        let timer = loop.scheduleTask(in: answerTimeout) {
            guard !settled.value else { return }
            settled.value = true
            promise.fail(NoAnswer())
            PostgresPool.closeSoon(connection)
        }
        defer { timer.cancel() }
        return try promise.futureResult.wait()
    }

    /// Runs SQL without parameters, several statements allowed (DDL, migrations), one statement
    /// at a time (the driver sends each as a prepared statement, which holds one command).
    func execute(_ sql: String) throws {
        for statement in Self.statements(sql) { try query(statement) }
    }

    /// Splits a script at the semicolons that end its statements: not those inside quotes, quoted
    /// names, dollar-quoted bodies (`$$ … $$`, `$f$ … $f$`) or `--` comments.
    static func statements(_ script: String) -> [String] {
        var result: [String] = []
        var current = ""
        let chars = Array(script)
        var i = 0
        func flush() {
            let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { result.append(trimmed) }
            current = ""
        }
        while i < chars.count {
            let c = chars[i]
            if c == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "'" || c == "\"" {
                current.append(c)
                i += 1
                while i < chars.count {
                    current.append(chars[i])
                    if chars[i] == c {
                        if i + 1 < chars.count, chars[i + 1] == c { current.append(c); i += 2; continue }
                        break
                    }
                    i += 1
                }
                i += 1
                continue
            }
            if c == "$", let close = chars[(i + 1)...].firstIndex(of: "$"),
               chars[(i + 1)..<close].allSatisfy({ $0.isLetter || $0 == "_" }) {
                let tag = Array(chars[i...close])
                current.append(contentsOf: tag)
                i = close + 1
                while i < chars.count {
                    if chars[i] == "$", i + tag.count <= chars.count, Array(chars[i..<(i + tag.count)]) == tag {
                        current.append(contentsOf: tag)
                        i += tag.count
                        break
                    }
                    current.append(chars[i])
                    i += 1
                }
                continue
            }
            if c == ";" {
                flush()
            } else {
                current.append(c)
            }
            i += 1
        }
        flush()
        return result
    }

    func scalar(_ sql: String, _ values: [SQLValue] = []) throws -> Int64? {
        guard let row = try query(sql, values).first else { return nil }
        return try Self.int64(row[0])
    }

    // MARK: - Reading cells

    static func string(_ cell: PostgresCell) throws -> String {
        try cell.decode(String.self)
    }

    static func optionalString(_ cell: PostgresCell) throws -> String? {
        cell.bytes == nil ? nil : try cell.decode(String.self)
    }

    static func int64(_ cell: PostgresCell) throws -> Int64? {
        guard cell.bytes != nil else { return nil }
        switch cell.dataType {
        case .int2: return Int64(try cell.decode(Int16.self))
        case .int4: return Int64(try cell.decode(Int32.self))
        case .numeric, .text, .varchar: return Int64(try cell.decode(String.self))
        default: return try cell.decode(Int64.self)
        }
    }

    static func int(_ cell: PostgresCell) throws -> Int { Int(try int64(cell) ?? 0) }

    static func data(_ cell: PostgresCell) throws -> Data {
        guard var buffer = cell.bytes else { return Data() }
        return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    /// A projection column as the rules read it.
    static func stored(_ cell: PostgresCell) throws -> StoredValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .numeric: return .integer(try int64(cell) ?? 0)
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea: return .text(String(decoding: try data(cell), as: UTF8.self))
        default: return .text(try cell.decode(String.self))
        }
    }

    static func storedRow(_ row: PostgresRandomAccessRow) throws -> StoredRow {
        var values: StoredRow = []
        values.reserveCapacity(row.count)
        for i in 0..<row.count { values.append(try stored(row[i])) }
        return values
    }
}
