import QuireCore
import QuireStorage

/// (owner, json_hash) → the owner's non-deleted sessions of that file: what `session create`
/// checks before importing a file again. Owner-less legacy sessions never count as anyone's.
///
/// Every non-deleted session with a hash is also kept in `duplicate_sessions`, so that when one
/// is transferred (a legacy one too) its file follows it into the new owner's scope.
public struct DuplicateIndexProjector: Projector {
    public init() {}
    public let name = "duplicates"
    /// 2: `duplicate_sessions`, and transfers move a session's row to its new owner.
    public let codeVersion = 2
    public var tables: [TableSchema] { [Self.index, Self.sessions] }

    public static let index = TableSchema("duplicate_index", columns: [
        .init("owner_id", .text), .init("json_hash", .text), .init("session_id", .text), .init("created_at", .text),
    ], primaryKey: ["owner_id", "json_hash", "session_id"], indexes: [
        .init("duplicate_index_by_session", on: ["session_id"]),
    ])

    /// Each live session's file hash and the time its creation was recorded.
    public static let sessions = TableSchema("duplicate_sessions", columns: [
        .init("session_id", .text), .init("json_hash", .text), .init("created_at", .text),
    ], primaryKey: ["session_id"])

    public func changes(for event: Event, _ record: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
        switch event {
        case .sessionCreated(let e):
            guard let hash = e.jsonHash, e.legacy?.status != .deleted else { return [] }
            let id = StoredValue.text(e.sessionID.rawValue), at = StoredValue.text(record.recordedAt)
            var out: [RowChange] = [.insert(Self.sessions, [id, .text(hash), at])]
            if let owner = e.ownerID { out.append(.insert(Self.index, [.text(owner.rawValue), .text(hash), id, at])) }
            return out
        case .sessionDeleted(let e):
            return [.delete(Self.index, whereColumn: "session_id", equals: .text(e.sessionID.rawValue)),
                    .delete(Self.sessions, whereColumn: "session_id", equals: .text(e.sessionID.rawValue))]
        case .sessionTransferred(let e):
            return try move(e.sessionID, to: e.to, rows)
        case .sessionAccepted(let e):
            return try move(e.sessionID, to: e.to, rows)
        case .sessionAccessed, .sessionUpdated, .sessionCompleted, .userRegistered, .userRoleChanged, .userDeactivated, .accessDenied,
             .sessionExpired, .sessionReopened, .settingChanged, .sessionOffered, .sessionDeclined,
             .collaboratorAdded, .collaboratorRemoved:
            // An expired session still holds its file: importing it again is still a duplicate.
            return []
        }
    }

    /// A session changed hands: its file now counts among the new owner's.
    func move(_ session: SessionID, to owner: UserID, _ rows: any RowReader) throws -> [RowChange] {
        let id = StoredValue.text(session.rawValue)
        guard let row = try rows.row(Self.sessions, key: [id]) else { return [] }
        return [.delete(Self.index, whereColumn: "session_id", equals: id), .insert(Self.index, [.text(owner.rawValue), row[1], id, row[2]])]
    }

    public func changes(forFolded s: SessionState, createdBy creation: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
        guard let hash = s.jsonHash, s.status != .deleted else { return [] }
        // Indexed at the time the creation was recorded (a legacy row's own `created_at` is older).
        let id = StoredValue.text(s.id.rawValue), at = StoredValue.text(creation.recordedAt)
        var out: [RowChange] = [.insert(Self.sessions, [id, .text(hash), at])]
        if let owner = s.ownerID { out.append(.insert(Self.index, [.text(owner.rawValue), .text(hash), id, at])) }
        return out
    }
}
