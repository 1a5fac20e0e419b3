import QuireCore
import QuireStorage

/// Who several sessions are shared with, read in one statement: the monitor's "Shared with"
/// column for a whole page.
enum PostgresCollaborators {
    /// Served by `session_collaborators_by_session` and `auth_users`' primary key
    /// (`PostgresStore.collaboratorsPlan` shows it; the tests hold it to that).
    static func statement(_ sessions: [SessionID]) -> (String, [SQLValue]) {
        ("""
            SELECT c.session_id, c.user_id, u.email, c.role FROM session_collaborators c
            LEFT JOIN auth_users u ON u.user_id = c.user_id
            WHERE c.session_id IN (\(PostgresTransaction.marks(sessions.count)))
            """, sessions.map { .text($0.rawValue) })
    }
}

extension PostgresTransaction {
    func collaborators(of sessions: [SessionID]) throws -> [SessionCollaborator] {
        guard !sessions.isEmpty else { return [] }
        let (statement, values) = PostgresCollaborators.statement(sessions)
        return try sql.query(statement, values).compactMap { row in
            guard let role = CollaboratorRole(rawValue: try PostgresSQL.string(row[3])) else { return nil }
            return SessionCollaborator(sessionID: SessionID(try PostgresSQL.string(row[0])), userID: UserID(try PostgresSQL.string(row[1])),
                                       email: try PostgresSQL.optionalString(row[2]), role: role)
        }
    }
}

extension PostgresStore {
    /// PostgreSQL's plan for reading the collaborators of `count` sessions (`EXPLAIN`, sequential
    /// scans off: on a small table one is the cheapest plan; the question is whether an index can
    /// serve the read).
    public func collaboratorsPlan(count: Int) throws(QuireError) -> [String] {
        let (statement, values) = PostgresCollaborators.statement((0..<max(count, 1)).map { SessionID("s\($0)") })
        return try withConnection { sql in
            try sql.execute("SET enable_seqscan = off")
            defer { try? sql.execute("RESET enable_seqscan") }
            return try sql.query("EXPLAIN " + statement, values).map { try PostgresSQL.string($0[0]) }
        }
    }
}
