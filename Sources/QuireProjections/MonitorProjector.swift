import GRDB
import QuireCore
import QuireStore

/// The system admins' view: every active (in-progress) session of everyone, with its owner's
/// email, progress, question counts and last access, stalest first.
public struct MonitorProjector: Projector {
    public init() {}
    public let name = "monitor"
    public let codeVersion = 1
    public let tables = [
        ProjectionTable("monitor_sessions", orderBy: "session_id"),
        ProjectionTable("monitor_users", orderBy: "user_id"),
    ]

    public func createTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE monitor_users(
                user_id TEXT PRIMARY KEY,
                email   TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE monitor_sessions(
                session_id         TEXT PRIMARY KEY,
                owner_id           TEXT,
                owner_email        TEXT,
                name               TEXT NOT NULL,
                file_name          TEXT NOT NULL,
                step               TEXT NOT NULL,
                progress           INTEGER NOT NULL,
                question_count     INTEGER NOT NULL,
                questions_imported INTEGER NOT NULL,
                json_hash          TEXT,
                created_at         TEXT NOT NULL,
                updated_at         TEXT NOT NULL,
                last_accessed_at   TEXT NOT NULL,
                version            INTEGER NOT NULL
            ) WITHOUT ROWID;
            -- stalest first, and --stale-hours as a range scan.
            CREATE INDEX monitor_by_access ON monitor_sessions(last_accessed_at, session_id);
            """)
    }

    public func apply(_ event: Event, _ record: RecordedEvent, _ db: Database) throws {
        switch event {
        case .userRegistered(let e):
            try db.cachedStatement(sql: "INSERT INTO monitor_users(user_id, email) VALUES (?, ?)")
                .execute(arguments: [e.userID.rawValue, e.email])
        case .sessionCreated:
            guard let state = SessionState.evolve(nil, event, version: record.version, at: record.timestamp) else { return }
            try Self.insert(state, db)
        case .sessionAccessed(let e):
            try db.cachedStatement(sql: "UPDATE monitor_sessions SET last_accessed_at = ?, version = ? WHERE session_id = ?")
                .execute(arguments: [record.recordedAt, record.version, e.sessionID.rawValue])
        case .sessionUpdated(let e):
            try db.cachedStatement(sql: """
                UPDATE monitor_sessions SET step = COALESCE(?, step), progress = COALESCE(?, progress),
                    questions_imported = COALESCE(?, questions_imported), updated_at = ?, last_accessed_at = ?, version = ?
                WHERE session_id = ?
                """).execute(arguments: [e.step?.rawValue, e.progress, e.questionsImported, record.recordedAt, record.recordedAt,
                                         record.version, e.sessionID.rawValue])
        case .sessionCompleted(let e):
            try db.cachedStatement(sql: "DELETE FROM monitor_sessions WHERE session_id = ?").execute(arguments: [e.sessionID.rawValue])
        case .sessionDeleted(let e):
            try db.cachedStatement(sql: "DELETE FROM monitor_sessions WHERE session_id = ?").execute(arguments: [e.sessionID.rawValue])
        case .userRoleChanged, .userDeactivated, .accessDenied:
            break
        }
    }

    /// Sessions created in the batch get their row once, in their folded state, if they are
    /// still in progress at its end; events of older sessions are applied one by one.
    public func apply(_ batch: EventBatch, _ db: Database) throws {
        for (record, event) in batch.unfolded {
            try apply(event, record, db)
        }
        for state in batch.newSessions.values { try Self.insert(state, db) }
    }

    /// The row of an in-progress session; nothing for any other.
    static func insert(_ state: SessionState, _ db: Database) throws {
        guard state.status == .inProgress else { return }
        try db.cachedStatement(sql: """
            INSERT INTO monitor_sessions(session_id, owner_id, owner_email, name, file_name, step, progress, question_count,
                questions_imported, json_hash, created_at, updated_at, last_accessed_at, version)
            VALUES (?, ?, (SELECT email FROM monitor_users WHERE user_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                state.id.rawValue, state.ownerID?.rawValue, state.ownerID?.rawValue, state.name, state.fileName,
                state.step.rawValue, state.progress, state.questionCount, state.questionsImported, state.jsonHash,
                state.createdAt.description, state.updatedAt.description, state.lastAccessedAt.description, state.version,
            ])
    }

    /// One row of the monitor.
    public struct Entry: Equatable, Sendable {
        public var sessionID: SessionID
        public var ownerID: UserID?
        public var ownerEmail: String?
        public var name: String
        public var fileName: String
        public var step: ImportStep
        public var progress: Int
        public var questionCount: Int
        public var questionsImported: Int
        public var jsonHash: String?
        public var createdAt: Timestamp
        public var updatedAt: Timestamp
        public var lastAccessedAt: Timestamp
        public var version: Int
    }

    /// Active sessions last accessed at or before `accessedBefore` (all when nil), stalest first.
    public static func entries(accessedBefore: Timestamp? = nil, limit: Int = 1000, offset: Int = 0, _ db: Database) throws -> [Entry] {
        let epoch = Timestamp(milliseconds: 0)
        return try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM monitor_sessions WHERE last_accessed_at <= ? ORDER BY last_accessed_at, session_id LIMIT ? OFFSET ?
            """), arguments: [(accessedBefore ?? Timestamp(milliseconds: 253_402_300_799_000)).description, limit, offset]).map { row in
            Entry(sessionID: SessionID(row["session_id"] as String), ownerID: (row["owner_id"] as String?).map { UserID($0) },
                  ownerEmail: row["owner_email"], name: row["name"], fileName: row["file_name"],
                  step: ImportStep(rawValue: row["step"]) ?? .upload, progress: row["progress"],
                  questionCount: row["question_count"], questionsImported: row["questions_imported"],
                  jsonHash: row["json_hash"], createdAt: Timestamp(rfc3339: row["created_at"]) ?? epoch,
                  updatedAt: Timestamp(rfc3339: row["updated_at"]) ?? epoch,
                  lastAccessedAt: Timestamp(rfc3339: row["last_accessed_at"]) ?? epoch, version: row["version"])
        }
    }

    public static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM monitor_sessions") ?? 0
    }
}
