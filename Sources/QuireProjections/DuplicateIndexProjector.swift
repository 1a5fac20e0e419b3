import QuireCore
import QuireStorage

/// (owner, json_hash) → the owner's non-deleted sessions of that file: what `session create`
/// checks before importing a file again. Owner-less legacy sessions never count as anyone's.
public struct DuplicateIndexProjector: Projector {
    public init() {}
    public let name = "duplicates"
    public let codeVersion = 1
    public var tables: [TableSchema] { [Self.index] }

    public static let index = TableSchema("duplicate_index", columns: [
        .init("owner_id", .text), .init("json_hash", .text), .init("session_id", .text), .init("created_at", .text),
    ], primaryKey: ["owner_id", "json_hash", "session_id"], indexes: [
        .init("duplicate_index_by_session", on: ["session_id"]),
    ])

    public func changes(for event: Event, _ record: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
        switch event {
        case .sessionCreated(let e):
            guard let owner = e.ownerID, let hash = e.jsonHash, e.legacy?.status != .deleted else { return [] }
            return [.insert(Self.index, [.text(owner.rawValue), .text(hash), .text(e.sessionID.rawValue), .text(record.recordedAt)])]
        case .sessionDeleted(let e):
            return [.delete(Self.index, whereColumn: "session_id", equals: .text(e.sessionID.rawValue))]
        case .sessionAccessed, .sessionUpdated, .sessionCompleted, .userRegistered, .userRoleChanged, .userDeactivated, .accessDenied,
             .sessionExpired, .sessionReopened, .settingChanged:
            // An expired session still holds its file: importing it again is still a duplicate.
            return []
        }
    }

    public func changes(forFolded s: SessionState, createdBy creation: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
        guard let owner = s.ownerID, let hash = s.jsonHash, s.status != .deleted else { return [] }
        // Indexed at the time the creation was recorded (a legacy row's own `created_at` is older).
        return [.insert(Self.index, [.text(owner.rawValue), .text(hash), .text(s.id.rawValue), .text(creation.recordedAt)])]
    }
}
