import GRDB
import QuireCore
import QuireStore

/// (owner, json_hash) → the owner's non-deleted sessions of that file: what `session create`
/// checks before importing a file again. Owner-less legacy sessions never count as anyone's.
public struct DuplicateIndexProjector: Projector {
    public init() {}
    public let name = "duplicates"
    public let codeVersion = 1
    public let tables = [ProjectionTable("duplicate_index", orderBy: "owner_id, json_hash, session_id")]

    public func createTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE duplicate_index(
                owner_id   TEXT NOT NULL,
                json_hash  TEXT NOT NULL,
                session_id TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY(owner_id, json_hash, session_id)
            ) WITHOUT ROWID;
            CREATE INDEX duplicate_index_by_session ON duplicate_index(session_id);
            """)
    }

    public func apply(_ event: Event, _ record: RecordedEvent, _ db: Database) throws {
        switch event {
        case .sessionCreated(let e):
            guard let owner = e.ownerID, let hash = e.jsonHash, e.legacy?.status != .deleted else { return }
            try db.cachedStatement(sql: "INSERT INTO duplicate_index(owner_id, json_hash, session_id, created_at) VALUES (?, ?, ?, ?)")
                .execute(arguments: [owner.rawValue, hash, e.sessionID.rawValue, record.recordedAt])
        case .sessionDeleted(let e):
            try db.cachedStatement(sql: "DELETE FROM duplicate_index WHERE session_id = ?").execute(arguments: [e.sessionID.rawValue])
        case .sessionAccessed, .sessionUpdated, .sessionCompleted, .userRegistered, .userRoleChanged, .userDeactivated, .accessDenied:
            break
        }
    }

    /// The owner's non-deleted sessions with this file hash, oldest first.
    public static func sessions(owner: UserID, jsonHash: String, _ db: Database) throws -> [SessionID] {
        try String.fetchAll(db.cachedStatement(sql: """
            SELECT session_id FROM duplicate_index WHERE owner_id = ? AND json_hash = ? ORDER BY created_at, session_id
            """), arguments: [owner.rawValue, jsonHash]).map { SessionID($0) }
    }

    /// Every (owner, hash) pair with its sessions, for `replay --view duplicates`.
    public static func all(_ db: Database) throws -> [(owner: UserID, jsonHash: String, sessions: [SessionID])] {
        var result: [(owner: UserID, jsonHash: String, sessions: [SessionID])] = []
        for row in try Row.fetchAll(db, sql: "SELECT owner_id, json_hash, session_id FROM duplicate_index ORDER BY owner_id, json_hash, created_at") {
            let owner = UserID(row[0] as String), hash: String = row[1], id = SessionID(row[2] as String)
            if let last = result.last, last.owner == owner, last.jsonHash == hash {
                result[result.count - 1].sessions.append(id)
            } else {
                result.append((owner, hash, [id]))
            }
        }
        return result
    }
}
