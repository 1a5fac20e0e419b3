import GRDB
import QuireCore
import QuireStore

/// Who owns each session and what state it is in, and who each user is: consulted before every
/// command is decided, and by every query to decide what a user may see.
public struct AuthorizationProjector: Projector {
    public init() {}
    public let name = "authorization"
    public let codeVersion = 1
    public let tables = [
        ProjectionTable("auth_users", orderBy: "user_id"),
        ProjectionTable("auth_sessions", orderBy: "session_id"),
    ]

    public func createTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE auth_users(
                user_id       TEXT PRIMARY KEY,
                email         TEXT NOT NULL UNIQUE,
                role          TEXT NOT NULL,
                active        INTEGER NOT NULL,
                version       INTEGER NOT NULL,
                registered_at TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX auth_users_by_role ON auth_users(role, active);
            CREATE TABLE auth_sessions(
                session_id TEXT PRIMARY KEY,
                owner_id   TEXT,
                status     TEXT NOT NULL
            ) WITHOUT ROWID;
            """)
    }

    public func apply(_ event: Event, _ record: RecordedEvent, _ db: Database) throws {
        switch event {
        case .userRegistered(let e):
            try db.cachedStatement(sql: """
                INSERT INTO auth_users(user_id, email, role, active, version, registered_at) VALUES (?, ?, ?, 1, ?, ?)
                """).execute(arguments: [e.userID.rawValue, e.email, e.role.rawValue, record.version, record.recordedAt])
        case .userRoleChanged(let e):
            try db.cachedStatement(sql: "UPDATE auth_users SET role = ?, version = ? WHERE user_id = ?")
                .execute(arguments: [e.role.rawValue, record.version, e.userID.rawValue])
        case .userDeactivated(let e):
            try db.cachedStatement(sql: "UPDATE auth_users SET active = 0, version = ? WHERE user_id = ?")
                .execute(arguments: [record.version, e.userID.rawValue])
        case .sessionCreated(let e):
            try db.cachedStatement(sql: "INSERT INTO auth_sessions(session_id, owner_id, status) VALUES (?, ?, ?)")
                .execute(arguments: [e.sessionID.rawValue, e.ownerID?.rawValue, (e.legacy?.status ?? .inProgress).rawValue])
        case .sessionCompleted(let e):
            try db.cachedStatement(sql: "UPDATE auth_sessions SET status = 'completed' WHERE session_id = ?")
                .execute(arguments: [e.sessionID.rawValue])
        case .sessionDeleted(let e):
            try db.cachedStatement(sql: "UPDATE auth_sessions SET status = 'deleted' WHERE session_id = ?")
                .execute(arguments: [e.sessionID.rawValue])
        case .sessionAccessed, .sessionUpdated, .accessDenied:
            break
        }
    }

    /// Sessions created in the batch get their row once, with their status at its end.
    public func apply(_ batch: EventBatch, _ db: Database) throws {
        for (record, event) in batch.unfolded {
            try apply(event, record, db)
        }
        for state in batch.newSessions.values {
            try db.cachedStatement(sql: "INSERT INTO auth_sessions(session_id, owner_id, status) VALUES (?, ?, ?)")
                .execute(arguments: [state.id.rawValue, state.ownerID?.rawValue, state.status.rawValue])
        }
    }

    // MARK: - Queries

    static func user(_ row: Row) -> UserState {
        UserState(id: UserID(row["user_id"] as String), email: row["email"], role: Role(rawValue: row["role"]) ?? .admin,
                  active: row["active"], version: row["version"],
                  registeredAt: Timestamp(rfc3339: row["registered_at"]) ?? Timestamp(milliseconds: 0))
    }

    /// The user with this id, or else this email (case-insensitive).
    public static func user(named name: String, _ db: Database) throws -> UserState? {
        if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM auth_users WHERE user_id = ?"), arguments: [name]) {
            return user(row)
        }
        return try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM auth_users WHERE email = ?"),
                                arguments: [name.lowercased()]).map(user)
    }

    public static func user(id: UserID, _ db: Database) throws -> UserState? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM auth_users WHERE user_id = ?"), arguments: [id.rawValue]).map(user)
    }

    public static func users(_ db: Database) throws -> [UserState] {
        try Row.fetchAll(db, sql: "SELECT * FROM auth_users ORDER BY email").map(user)
    }

    /// Several users by id, in one query.
    public static func users(_ ids: [UserID], _ db: Database) throws -> [UserState] {
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        return try Row.fetchAll(db, sql: "SELECT * FROM auth_users WHERE user_id IN (\(marks))",
                                arguments: StatementArguments(ids.map(\.rawValue))).map(user)
    }

    public static func activeSystemAdmins(_ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM auth_users WHERE role = 'system_admin' AND active = 1")) ?? 0
    }

    /// The owner and status of a session, if it exists.
    public static func session(_ id: SessionID, _ db: Database) throws -> (owner: UserID?, status: SessionStatus)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT owner_id, status FROM auth_sessions WHERE session_id = ?"),
                         arguments: [id.rawValue])
            .map { row in ((row[0] as String?).map { UserID($0) }, SessionStatus(rawValue: row[1]) ?? .inProgress) }
    }
}
