import GRDB
import QuireCore
import QuireStorage

/// The read side of the log for `audit`: filtered, newest first, every filter served by an index.
enum SQLiteAudit {
    /// Matching events, newest first (or oldest first with `ascending`, for following the log).
    static func query(_ filter: AuditFilter, ascending: Bool = false, _ db: Database) throws -> [RecordedEvent] {
        let (sql, arguments) = statement(filter, ascending: ascending)
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(SQLiteLog.record)
    }

    static func statement(_ filter: AuditFilter, ascending: Bool) -> (String, StatementArguments) {
        let order = ascending ? "ASC" : "DESC"
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let actor = filter.actor {
            conditions.append("actor = ?")
            arguments.append(actor)
        }
        if filter.deniedOnly {
            conditions.append("type = 'access.denied'")
        }
        if filter.hideOwnershipDenials {
            conditions.append("NOT (type = 'access.denied' AND json_extract(payload, '$.reason') = 'not_owner')")
        }
        if !filter.types.isEmpty {
            // A prefix match that SQLite can serve from the (type, position) index: type >= p AND type < p + U+FFFF.
            let ors = filter.types.map { _ in "(type >= ? AND type < ?)" }.joined(separator: " OR ")
            conditions.append("(\(ors))")
            for prefix in filter.types {
                arguments.append(prefix)
                arguments.append(prefix + "\u{FFFF}")
            }
        }
        if let since = filter.since {
            conditions.append("recorded_at >= ?")
            arguments.append(since.description)
        }
        if let until = filter.until {
            conditions.append("recorded_at <= ?")
            arguments.append(until.description)
        }
        if let commandID = filter.commandID {
            conditions.append("command_id = ?")
            arguments.append(commandID)
        }
        if let before = filter.before {
            conditions.append("position < ?")
            arguments.append(before)
        }
        if let after = filter.after {
            conditions.append("position > ?")
            arguments.append(after)
        }
        let rest = conditions.isEmpty ? "" : " AND " + conditions.joined(separator: " AND ")
        let sql: String
        var all: [any DatabaseValueConvertible] = []
        if let session = filter.session {
            // The session's own stream, plus denied attempts that targeted it (indexed on the payload's target).
            sql = """
                SELECT \(SQLiteLog.columns) FROM events WHERE stream = ?\(rest)
                UNION ALL
                SELECT \(SQLiteLog.columns) FROM events
                WHERE type = 'access.denied' AND json_extract(payload, '$.target') = ?\(rest)
                ORDER BY position \(order) LIMIT ?
                """
            all.append(session.stream)
            all.append(contentsOf: arguments)
            all.append(session.stream)
            all.append(contentsOf: arguments)
        } else {
            sql = "SELECT \(SQLiteLog.columns) FROM events WHERE 1\(rest) ORDER BY position \(order) LIMIT ?"
            all = arguments
        }
        all.append(filter.limit)
        return (sql, StatementArguments(all.map { $0.databaseValue }))
    }
}

extension SQLiteStore {
    /// SQLite's query plan for a filter: the tests assert that every filter is served by an index.
    public func auditPlan(_ filter: AuditFilter) throws(QuireError) -> [String] {
        try readDatabase { db in
            var captured: [String] = []
            let (sql, arguments) = SQLiteAudit.statement(filter, ascending: false)
            for row in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments) {
                captured.append(row["detail"])
            }
            return captured
        }
    }
}
