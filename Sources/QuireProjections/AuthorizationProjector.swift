import QuireCore
import QuireStorage

/// Who owns each session and what state it is in, and who each user is: consulted before every
/// command is decided, and by every query to decide what a user may see.
public struct AuthorizationProjector: Projector {
    public init() {}
    public let name = "authorization"
    public let codeVersion = 1
    public var tables: [TableSchema] { [Self.users, Self.sessions] }

    public static let users = TableSchema("auth_users", columns: [
        .init("user_id", .text), .init("email", .text), .init("role", .text), .init("active", .integer),
        .init("version", .integer), .init("registered_at", .text),
    ], primaryKey: ["user_id"], indexes: [
        .init("auth_users_by_email", on: ["email"], unique: true),
        .init("auth_users_by_role", on: ["role", "active"]),
    ])

    public static let sessions = TableSchema("auth_sessions", columns: [
        .init("session_id", .text), .init("owner_id", .text, nullable: true), .init("status", .text),
    ], primaryKey: ["session_id"])

    public func changes(for event: Event, _ record: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
        let version = StoredValue(record.version)
        switch event {
        case .userRegistered(let e):
            return [.insert(Self.users, [.text(e.userID.rawValue), .text(e.email), .text(e.role.rawValue), .integer(1), version,
                                         .text(record.recordedAt)])]
        case .userRoleChanged(let e):
            return [.update(Self.users, key: [.text(e.userID.rawValue)], set: [("role", .text(e.role.rawValue)), ("version", version)])]
        case .userDeactivated(let e):
            return [.update(Self.users, key: [.text(e.userID.rawValue)], set: [("active", .integer(0)), ("version", version)])]
        case .sessionCreated(let e):
            return [.insert(Self.sessions, [.text(e.sessionID.rawValue), StoredValue(e.ownerID?.rawValue),
                                            .text((e.legacy?.status ?? .inProgress).rawValue)])]
        case .sessionCompleted(let e):
            return [.update(Self.sessions, key: [.text(e.sessionID.rawValue)], set: [("status", .text(SessionStatus.completed.rawValue))])]
        case .sessionDeleted(let e):
            return [.update(Self.sessions, key: [.text(e.sessionID.rawValue)], set: [("status", .text(SessionStatus.deleted.rawValue))])]
        case .sessionExpired(let e):
            return [.update(Self.sessions, key: [.text(e.sessionID.rawValue)], set: [("status", .text(SessionStatus.expired.rawValue))])]
        case .sessionReopened(let e):
            return [.update(Self.sessions, key: [.text(e.sessionID.rawValue)], set: [("status", .text(SessionStatus.inProgress.rawValue))])]
        case .sessionTransferred(let e):
            return [.update(Self.sessions, key: [.text(e.sessionID.rawValue)], set: [("owner_id", .text(e.to.rawValue))])]
        case .sessionAccepted(let e):
            return [.update(Self.sessions, key: [.text(e.sessionID.rawValue)], set: [("owner_id", .text(e.to.rawValue))])]
        case .sessionAccessed, .sessionUpdated, .accessDenied, .settingChanged, .sessionOffered, .sessionDeclined,
             .collaboratorAdded, .collaboratorRemoved:
            return []
        }
    }

    public func changes(forFolded s: SessionState, createdBy creation: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
        [.insert(Self.sessions, [.text(s.id.rawValue), StoredValue(s.ownerID?.rawValue), .text(s.status.rawValue)])]
    }

    // MARK: - Rows

    /// A row of `auth_users`.
    public static func user(_ row: StoredRow) -> UserState {
        UserState(id: UserID(row[0].text ?? ""), email: row[1].text ?? "", role: Role(rawValue: row[2].text ?? "") ?? .admin,
                  active: row[3].int != 0, version: row[4].int,
                  registeredAt: Timestamp(rfc3339: row[5].text ?? "") ?? Timestamp(milliseconds: 0))
    }

    /// A row of `auth_sessions`.
    public static func access(_ row: StoredRow) -> SessionAccess {
        SessionAccess(owner: row[1].text.map { UserID($0) }, status: SessionStatus(rawValue: row[2].text ?? "") ?? .inProgress)
    }
}
