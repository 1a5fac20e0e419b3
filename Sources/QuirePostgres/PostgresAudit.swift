import QuireCore
import QuireStorage

/// The read side of the log for `audit`: filtered, newest first, every filter served by an index
/// (the PostgreSQL suite checks the plans with `EXPLAIN`).
enum PostgresAudit {
    static func statement(_ filter: AuditFilter, ascending: Bool) -> (String, [SQLValue]) {
        let order = ascending ? "ASC" : "DESC"
        var values: [SQLValue] = []
        func bind(_ value: SQLValue) -> String {
            values.append(value)
            return "$\(values.count)"
        }
        var conditions: [String] = []
        // Written once with the numbers the first copy binds; the session's second branch reuses them.
        if let actor = filter.actor { conditions.append("actor = \(bind(.text(actor)))") }
        if filter.deniedOnly { conditions.append("type = 'access.denied'") }
        if filter.hideOwnershipDenials {
            conditions.append("NOT (type = 'access.denied' AND (payload::jsonb ->> 'reason') = 'not_owner')")
        }
        if !filter.types.isEmpty {
            // A prefix match served by the (type, position) index: type >= p AND type < p || U+FFFF
            // (the column compares as bytes, COLLATE "C").
            let ors = filter.types.map { prefix in
                "(type >= \(bind(.text(prefix))) AND type < \(bind(.text(prefix + "\u{FFFF}"))))"
            }
            conditions.append("(" + ors.joined(separator: " OR ") + ")")
        }
        if let since = filter.since { conditions.append("recorded_at >= \(bind(.text(since.description)))") }
        if let until = filter.until { conditions.append("recorded_at <= \(bind(.text(until.description)))") }
        if let commandID = filter.commandID { conditions.append("command_id = \(bind(.text(commandID)))") }
        if let before = filter.before { conditions.append("position < \(bind(.integer(before)))") }
        if let after = filter.after { conditions.append("position > \(bind(.integer(after)))") }
        let rest = conditions.isEmpty ? "" : " AND " + conditions.joined(separator: " AND ")
        let columns = PostgresTransaction.columns
        let sql: String
        if let session = filter.session {
            let stream = bind(.text(session.stream))
            let limit = bind(SQLValue(filter.limit))
            // The session's own stream, plus denied attempts that targeted it (indexed on the payload's target).
            sql = """
                (SELECT \(columns) FROM events WHERE stream = \(stream)\(rest) ORDER BY position \(order) LIMIT \(limit))
                UNION ALL
                (SELECT \(columns) FROM events
                 WHERE type = 'access.denied' AND (payload::jsonb ->> 'target') = \(stream)\(rest) ORDER BY position \(order) LIMIT \(limit))
                ORDER BY position \(order) LIMIT \(limit)
                """
        } else {
            sql = "SELECT \(columns) FROM events WHERE true\(rest) ORDER BY position \(order) LIMIT \(bind(SQLValue(filter.limit)))"
        }
        return (sql, values)
    }
}
