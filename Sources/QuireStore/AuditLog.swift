import GRDB
import QuireCore

/// The read side of the log for `audit`: filtered, newest first, every filter served by an index.
public enum AuditLog {
    public struct Filter: Sendable, Equatable {
        /// Only events by this actor (a user id, or `system`).
        public var actor: String?
        /// Only events of this session, and the denied attempts on it.
        public var session: SessionID?
        /// Type prefixes: `session.` matches every session event, `access.denied` only that type.
        public var types: [String] = []
        public var since: Timestamp?
        public var until: Timestamp?
        /// Only `access.denied` events.
        public var deniedOnly = false
        public var commandID: String?
        /// Only events before this position (paging backwards, newest first).
        public var before: Int64?
        /// Only events after this position (following the log forwards).
        public var after: Int64?
        /// Leave out `access.denied` events for someone else's session (an admin's own trail).
        public var hideOwnershipDenials = false
        public var limit: Int = 1000

        public init(actor: String? = nil, session: SessionID? = nil, types: [String] = [], since: Timestamp? = nil,
                    until: Timestamp? = nil, deniedOnly: Bool = false, commandID: String? = nil, before: Int64? = nil,
                    after: Int64? = nil, limit: Int = 1000) {
            self.actor = actor
            self.session = session
            self.types = types
            self.since = since
            self.until = until
            self.deniedOnly = deniedOnly
            self.commandID = commandID
            self.before = before
            self.after = after
            self.limit = limit
        }
    }

    /// Matching events, newest first (or oldest first with `ascending`, for following the log).
    public static func query(_ filter: Filter, ascending: Bool = false, _ db: Database) throws -> [RecordedEvent] {
        let (sql, arguments) = statement(filter, ascending: ascending)
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(EventLog.record)
    }

    static func statement(_ filter: Filter, ascending: Bool) -> (String, StatementArguments) {
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
                SELECT \(EventLog.columns) FROM events WHERE stream = ?\(rest)
                UNION ALL
                SELECT \(EventLog.columns) FROM events
                WHERE type = 'access.denied' AND json_extract(payload, '$.target') = ?\(rest)
                ORDER BY position \(order) LIMIT ?
                """
            all.append(session.stream)
            all.append(contentsOf: arguments)
            all.append(session.stream)
            all.append(contentsOf: arguments)
        } else {
            sql = "SELECT \(EventLog.columns) FROM events WHERE 1\(rest) ORDER BY position \(order) LIMIT ?"
            all = arguments
        }
        all.append(filter.limit)
        return (sql, StatementArguments(all.map { $0.databaseValue }))
    }
}

extension AuditLog {
    /// SQLite's query plan for a filter: the tests assert that every filter is served by an index.
    public static func plan(_ filter: Filter, _ db: Database) throws -> [String] {
        var captured: [String] = []
        let (sql, arguments) = statement(filter, ascending: false)
        for row in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments) {
            captured.append(row["detail"])
        }
        return captured
    }
}
