import GRDB
import QuireCore
import QuireStorage

/// Who several sessions are shared with, read in one statement: the monitor's "Shared with"
/// column for a whole page.
enum SQLiteCollaborators {
    /// Served by `session_collaborators_by_session` and `auth_users`' primary key
    /// (`SQLiteStore.collaboratorsPlan` shows it; the tests hold it to that).
    static func statement(_ sessions: [SessionID]) -> (String, StatementArguments) {
        let marks = Array(repeating: "?", count: sessions.count).joined(separator: ",")
        return ("""
            SELECT c.session_id, c.user_id, u.email, c.role FROM session_collaborators c
            LEFT JOIN auth_users u ON u.user_id = c.user_id
            WHERE c.session_id IN (\(marks))
            """, StatementArguments(sessions.map(\.rawValue)))
    }
}

extension SQLiteConnection {
    func collaborators(of sessions: [SessionID]) throws -> [SessionCollaborator] {
        guard !sessions.isEmpty else { return [] }
        let (sql, arguments) = SQLiteCollaborators.statement(sessions)
        return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
            guard let role = CollaboratorRole(rawValue: row[3]) else { return nil }
            return SessionCollaborator(sessionID: SessionID(row[0] as String), userID: UserID(row[1] as String), email: row[2], role: role)
        }
    }
}

extension SQLiteStore {
    /// SQLite's query plan for reading the collaborators of `count` sessions.
    public func collaboratorsPlan(count: Int) throws(QuireError) -> [String] {
        try readDatabase { db in
            let (sql, arguments) = SQLiteCollaborators.statement((0..<max(count, 1)).map { SessionID("s\($0)") })
            return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] }
        }
    }
}
