import Foundation
import GRDB
import QuireCore
import QuireStore

/// Every session with its status, step, progress, counts and times: what `session list`,
/// `show` and `resume` print, and the state `decide` sees. Rows are the fold of each session's
/// stream by `SessionState.evolve`, so the view and the decider can never disagree.
public struct SessionViewsProjector: Projector {
    public init() {}
    public let name = "session_views"
    public let codeVersion = 1
    public let tables = [ProjectionTable("session_views", orderBy: "session_id")]

    public func createTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE session_views(
                session_id         TEXT PRIMARY KEY,
                owner_id           TEXT,
                name               TEXT NOT NULL,
                file_name          TEXT NOT NULL,
                json_hash          TEXT,
                question_count     INTEGER NOT NULL,
                paper              TEXT NOT NULL,
                paper_code         TEXT,
                blob               TEXT,
                status             TEXT NOT NULL,
                step               TEXT NOT NULL,
                progress           INTEGER NOT NULL,
                questions_imported INTEGER NOT NULL,
                metadata           TEXT NOT NULL,
                version            INTEGER NOT NULL,
                created_at         TEXT NOT NULL,
                updated_at         TEXT NOT NULL,
                last_accessed_at   TEXT NOT NULL
            ) WITHOUT ROWID;
            -- session list / resume: one user's sessions by status and recency.
            CREATE INDEX session_views_by_owner ON session_views(owner_id, status, last_accessed_at);
            -- similar-session warnings: the actor's in-progress sessions by file name or paper code.
            CREATE INDEX session_views_similar_file ON session_views(owner_id, file_name) WHERE status = 'in_progress';
            CREATE INDEX session_views_similar_code ON session_views(owner_id, paper_code) WHERE status = 'in_progress';
            """)
    }

    public func apply(_ event: Event, _ record: RecordedEvent, _ db: Database) throws {
        let at = record.recordedAt, version = record.version
        switch event {
        case .accessDenied, .userRegistered, .userRoleChanged, .userDeactivated:
            return  // access.denied names a session as its target but does not change it
        // The frequent events touch a few columns in place; they mirror `SessionState.evolve`
        // exactly (the projection tests check the view against the fold of every stream).
        case .sessionAccessed(let e):
            try db.cachedStatement(sql: "UPDATE session_views SET version = ?, last_accessed_at = ? WHERE session_id = ?")
                .execute(arguments: [version, at, e.sessionID.rawValue])
        case .sessionUpdated(let e) where e.metadata == nil:
            try db.cachedStatement(sql: """
                UPDATE session_views SET step = COALESCE(?, step), progress = COALESCE(?, progress),
                    questions_imported = COALESCE(?, questions_imported), version = ?, updated_at = ?, last_accessed_at = ?
                WHERE session_id = ?
                """).execute(arguments: [e.step?.rawValue, e.progress, e.questionsImported, version, at, at, e.sessionID.rawValue])
        case .sessionCompleted(let e):
            try db.cachedStatement(sql: """
                UPDATE session_views SET status = 'completed', questions_imported = ?, progress = 100, version = ?,
                    updated_at = ?, last_accessed_at = ?
                WHERE session_id = ?
                """).execute(arguments: [e.questionsImported, version, at, at, e.sessionID.rawValue])
        case .sessionDeleted(let e):
            try db.cachedStatement(sql: "UPDATE session_views SET status = 'deleted', version = ?, updated_at = ? WHERE session_id = ?")
                .execute(arguments: [version, at, e.sessionID.rawValue])
        case .sessionCreated, .sessionUpdated:
            // Creation and metadata merges go through the fold itself.
            guard let id = event.sessionID else { return }
            let before = try Self.state(id, db)
            guard let after = SessionState.evolve(before, event, version: version, at: record.timestamp) else { return }
            try Self.save(after, db)
        }
    }

    /// Sessions created in the batch are written once, in their folded state; events of older
    /// sessions are applied one by one.
    public func apply(_ batch: EventBatch, _ db: Database) throws {
        for (record, event) in batch.unfolded {
            try apply(event, record, db)
        }
        for state in batch.newSessions.values { try Self.save(state, db) }
    }

    static func save(_ s: SessionState, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO session_views(session_id, owner_id, name, file_name, json_hash, question_count, paper,
                paper_code, blob, status, step, progress, questions_imported, metadata, version, created_at, updated_at,
                last_accessed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                s.id.rawValue, s.ownerID?.rawValue, s.name, s.fileName, s.jsonHash, s.questionCount,
                JSONValue.object(s.paper).canonical, s.paperCode, s.blob, s.status.rawValue, s.step.rawValue, s.progress,
                s.questionsImported, JSONValue.object(s.metadata).canonical, s.version, s.createdAt.description,
                s.updatedAt.description, s.lastAccessedAt.description,
            ])
    }

    static func decodeObject(_ text: String) -> [String: JSONValue] {
        (try? JSONValue(stored: text))?.objectValue ?? [:]
    }

    /// A row of `SELECT *`, read by position in the table's column order above (by name, GRDB
    /// compares every column's name case-insensitively: a tenth of a command's decision).
    static func session(_ row: Row) -> SessionState {
        let epoch = Timestamp(milliseconds: 0)
        return SessionState(
            id: SessionID(row[0] as String), ownerID: (row[1] as String?).map { UserID($0) },
            name: row[2], fileName: row[3], jsonHash: row[4], questionCount: row[5],
            paper: decodeObject(row[6]), blob: row[8],
            status: SessionStatus(rawValue: row[9]) ?? .inProgress, step: ImportStep(rawValue: row[10]) ?? .upload,
            progress: row[11], questionsImported: row[12], metadata: decodeObject(row[13]),
            version: row[14], createdAt: Timestamp(rfc3339: row[15]) ?? epoch,
            updatedAt: Timestamp(rfc3339: row[16]) ?? epoch,
            lastAccessedAt: Timestamp(rfc3339: row[17]) ?? epoch)
    }

    // MARK: - Queries

    /// A session in any status (deleted included), or nil.
    public static func state(_ id: SessionID, _ db: Database) throws -> SessionState? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM session_views WHERE session_id = ?"), arguments: [id.rawValue])
            .map(session)
    }

    /// What `session list` shows a user: their own sessions that are not deleted, and the legacy
    /// (owner-less) ones, most recently used first.
    public static func visible(to user: UserID, _ db: Database) throws -> [SessionState] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM session_views WHERE owner_id = ? AND status IN ('in_progress', 'completed')
            UNION ALL
            SELECT * FROM session_views WHERE owner_id IS NULL AND status IN ('in_progress', 'completed')
            ORDER BY last_accessed_at DESC, session_id
            """), arguments: [user.rawValue]).map(session)
    }

    /// The user's most recently used in-progress session: what `session resume` opens.
    public static func mostRecentInProgress(of user: UserID, _ db: Database) throws -> SessionState? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT * FROM session_views WHERE owner_id = ? AND status = 'in_progress'
            ORDER BY last_accessed_at DESC, session_id DESC LIMIT 1
            """), arguments: [user.rawValue]).map(session)
    }

    /// The user's in-progress sessions with this file name or paper code.
    public static func similar(owner: UserID, fileName: String, paperCode: String?, _ db: Database) throws -> [SessionState] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM session_views WHERE owner_id = ? AND status = 'in_progress' AND file_name = ?
            UNION
            SELECT * FROM session_views WHERE owner_id = ? AND status = 'in_progress' AND paper_code = ?
            ORDER BY created_at
            """), arguments: [owner.rawValue, fileName, owner.rawValue, paperCode]).map(session)
    }

    /// Several sessions by id, in one query.
    public static func states(_ ids: [SessionID], _ db: Database) throws -> [SessionState] {
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        return try Row.fetchAll(db, sql: "SELECT * FROM session_views WHERE session_id IN (\(marks)) ORDER BY created_at",
                                arguments: StatementArguments(ids.map(\.rawValue))).map(session)
    }
}
