/// Everything that can happen, as it is stored in the `events` table's `type` and `payload`.
///
/// Payload fields are snake_case JSON. `events/` holds one golden example of each type and
/// schema version; tests decode and re-encode them byte for byte.
public enum Event: Equatable, Sendable {
    case sessionCreated(SessionCreated)
    case sessionAccessed(SessionAccessed)
    case sessionUpdated(SessionUpdated)
    case sessionCompleted(SessionCompleted)
    case sessionDeleted(SessionDeleted)
    case userRegistered(UserRegistered)
    case userRoleChanged(UserRoleChanged)
    case userDeactivated(UserDeactivated)
    case accessDenied(AccessDenied)
    case sessionExpired(SessionExpired)
    case sessionReopened(SessionReopened)
    case settingChanged(SettingChanged)
    case sessionTransferred(SessionTransferred)
    case sessionOffered(SessionOffered)
    case sessionAccepted(SessionAccepted)
    case sessionDeclined(SessionDeclined)
    case collaboratorAdded(CollaboratorAdded)
    case collaboratorRemoved(CollaboratorRemoved)

    /// Every event type, in the order the catalogue lists them.
    public static let types = [
        "session.created", "session.accessed", "session.updated", "session.completed", "session.deleted",
        "user.registered", "user.role_changed", "user.deactivated", "access.denied",
        "session.expired", "session.reopened", "setting.changed", "session.transferred",
        "session.offered", "session.accepted", "session.declined",
        "session.collaborator_added", "session.collaborator_removed",
    ]

    /// The stream that access-denied events go to: one stream for everything a system admin
    /// should review.
    public static let securityStream = "security"

    /// The stream of `setting.changed` events: settings every process reads from the log, so all
    /// of them agree (`expire_after`).
    public static let settingsStream = "settings"

    public var type: String {
        switch self {
        case .sessionCreated: "session.created"
        case .sessionAccessed: "session.accessed"
        case .sessionUpdated: "session.updated"
        case .sessionCompleted: "session.completed"
        case .sessionDeleted: "session.deleted"
        case .userRegistered: "user.registered"
        case .userRoleChanged: "user.role_changed"
        case .userDeactivated: "user.deactivated"
        case .accessDenied: "access.denied"
        case .sessionExpired: "session.expired"
        case .sessionReopened: "session.reopened"
        case .settingChanged: "setting.changed"
        case .sessionTransferred: "session.transferred"
        case .sessionOffered: "session.offered"
        case .sessionAccepted: "session.accepted"
        case .sessionDeclined: "session.declined"
        case .collaboratorAdded: "session.collaborator_added"
        case .collaboratorRemoved: "session.collaborator_removed"
        }
    }

    /// The payload schema version this code writes. Older versions are upcast when decoded.
    public var schema: Int { 1 }

    public var stream: String {
        switch self {
        case .sessionCreated(let e): e.sessionID.stream
        case .sessionAccessed(let e): e.sessionID.stream
        case .sessionUpdated(let e): e.sessionID.stream
        case .sessionCompleted(let e): e.sessionID.stream
        case .sessionDeleted(let e): e.sessionID.stream
        case .userRegistered(let e): e.userID.stream
        case .userRoleChanged(let e): e.userID.stream
        case .userDeactivated(let e): e.userID.stream
        case .accessDenied: Event.securityStream
        case .sessionExpired(let e): e.sessionID.stream
        case .sessionReopened(let e): e.sessionID.stream
        case .settingChanged: Event.settingsStream
        case .sessionTransferred(let e): e.sessionID.stream
        case .sessionOffered(let e): e.sessionID.stream
        case .sessionAccepted(let e): e.sessionID.stream
        case .sessionDeclined(let e): e.sessionID.stream
        case .collaboratorAdded(let e): e.sessionID.stream
        case .collaboratorRemoved(let e): e.sessionID.stream
        }
    }

    /// The session an event is about, if any.
    public var sessionID: SessionID? {
        switch self {
        case .sessionCreated(let e): e.sessionID
        case .sessionAccessed(let e): e.sessionID
        case .sessionUpdated(let e): e.sessionID
        case .sessionCompleted(let e): e.sessionID
        case .sessionDeleted(let e): e.sessionID
        case .sessionExpired(let e): e.sessionID
        case .sessionReopened(let e): e.sessionID
        case .sessionTransferred(let e): e.sessionID
        case .sessionOffered(let e): e.sessionID
        case .sessionAccepted(let e): e.sessionID
        case .sessionDeclined(let e): e.sessionID
        case .collaboratorAdded(let e): e.sessionID
        case .collaboratorRemoved(let e): e.sessionID
        case .userRegistered, .userRoleChanged, .userDeactivated, .settingChanged: nil
        case .accessDenied(let e): e.target.hasPrefix("session-") ? SessionID(String(e.target.dropFirst(8))) : nil
        }
    }
}

/// A paper file's identity and description, computed when the file is read.
public struct SessionCreated: Equatable, Sendable, Codable {
    public var sessionID: SessionID
    /// `nil` for a legacy session imported from the old table: visible to every admin.
    public var ownerID: UserID?
    public var name: String
    public var fileName: String
    /// SHA-256 (hex) of the file's canonical JSON; `nil` only for legacy rows that had none.
    public var jsonHash: String?
    public var questionCount: Int
    /// `code`, `subject`, `year`… when the file has them.
    public var paper: [String: JSONValue]
    /// SHA-256 (hex) of the stored file's bytes, the key of the `blobs` table; `nil` for legacy rows.
    public var blob: String?
    /// For rows imported from the old `past_paper_import_sessions` table: what that table knew.
    public var legacy: LegacyRecord?

    public init(sessionID: SessionID, ownerID: UserID?, name: String, fileName: String, jsonHash: String?,
                questionCount: Int, paper: [String: JSONValue] = [:], blob: String?, legacy: LegacyRecord? = nil) {
        self.sessionID = sessionID
        self.ownerID = ownerID
        self.name = name
        self.fileName = fileName
        self.jsonHash = jsonHash
        self.questionCount = questionCount
        self.paper = paper
        self.blob = blob
        self.legacy = legacy
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", ownerID = "owner_id", name, fileName = "file_name", jsonHash = "json_hash"
        case questionCount = "question_count", paper, blob, legacy
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sessionID = try c.decode(SessionID.self, forKey: .sessionID)
        ownerID = try c.decodeIfPresent(UserID.self, forKey: .ownerID)
        name = try c.decode(String.self, forKey: .name)
        fileName = try c.decode(String.self, forKey: .fileName)
        jsonHash = try c.decodeIfPresent(String.self, forKey: .jsonHash)
        questionCount = try c.decode(Int.self, forKey: .questionCount)
        paper = try c.decodeIfPresent([String: JSONValue].self, forKey: .paper) ?? [:]
        blob = try c.decodeIfPresent(String.self, forKey: .blob)
        legacy = try c.decodeIfPresent(LegacyRecord.self, forKey: .legacy)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sessionID, forKey: .sessionID)
        try c.encode(ownerID, forKey: .ownerID)      // an explicit null marks a legacy session
        try c.encode(name, forKey: .name)
        try c.encode(fileName, forKey: .fileName)
        try c.encode(jsonHash, forKey: .jsonHash)
        try c.encode(questionCount, forKey: .questionCount)
        try c.encode(paper, forKey: .paper)
        try c.encode(blob, forKey: .blob)
        try c.encodeIfPresent(legacy, forKey: .legacy)
    }
}

/// What the old `past_paper_import_sessions` table knew about a row, kept in `session.created`.
public struct LegacyRecord: Equatable, Sendable, Codable {
    public var status: SessionStatus
    public var createdAt: Timestamp?
    public var updatedAt: Timestamp?
    public var lastAccessedAt: Timestamp?
    public var metadata: [String: JSONValue]

    public init(status: SessionStatus, createdAt: Timestamp?, updatedAt: Timestamp?, lastAccessedAt: Timestamp?,
                metadata: [String: JSONValue]) {
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastAccessedAt = lastAccessedAt
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case status, createdAt = "created_at", updatedAt = "updated_at", lastAccessedAt = "last_accessed_at", metadata
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(lastAccessedAt, forKey: .lastAccessedAt)
        try c.encode(metadata, forKey: .metadata)
    }
}

public struct SessionAccessed: Equatable, Sendable, Codable {
    public var sessionID: SessionID
    public init(sessionID: SessionID) { self.sessionID = sessionID }
    enum CodingKeys: String, CodingKey { case sessionID = "session_id" }
}

/// Progress through the import; only the fields that changed are present.
public struct SessionUpdated: Equatable, Sendable, Codable {
    public var sessionID: SessionID
    public var step: ImportStep?
    public var progress: Int?
    public var questionsImported: Int?
    /// Merged into the session's metadata key by key; a `null` value removes the key.
    public var metadata: [String: JSONValue]?

    public init(sessionID: SessionID, step: ImportStep? = nil, progress: Int? = nil, questionsImported: Int? = nil,
                metadata: [String: JSONValue]? = nil) {
        self.sessionID = sessionID
        self.step = step
        self.progress = progress
        self.questionsImported = questionsImported
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", step, progress, questionsImported = "questions_imported", metadata
    }
}

public struct SessionCompleted: Equatable, Sendable, Codable {
    public var sessionID: SessionID
    public var questionsImported: Int
    public init(sessionID: SessionID, questionsImported: Int) {
        self.sessionID = sessionID
        self.questionsImported = questionsImported
    }
    enum CodingKeys: String, CodingKey { case sessionID = "session_id", questionsImported = "questions_imported" }
}

public struct SessionDeleted: Equatable, Sendable, Codable {
    public var sessionID: SessionID
    public var reason: String?
    public init(sessionID: SessionID, reason: String? = nil) {
        self.sessionID = sessionID
        self.reason = reason
    }
    enum CodingKeys: String, CodingKey { case sessionID = "session_id", reason }
}

public struct UserRegistered: Equatable, Sendable, Codable {
    public var userID: UserID
    public var email: String
    public var role: Role
    public init(userID: UserID, email: String, role: Role) {
        self.userID = userID
        self.email = email
        self.role = role
    }
    enum CodingKeys: String, CodingKey { case userID = "user_id", email, role }
}

public struct UserRoleChanged: Equatable, Sendable, Codable {
    public var userID: UserID
    public var role: Role
    public init(userID: UserID, role: Role) {
        self.userID = userID
        self.role = role
    }
    enum CodingKeys: String, CodingKey { case userID = "user_id", role }
}

public struct UserDeactivated: Equatable, Sendable, Codable {
    public var userID: UserID
    public var reason: String?
    public init(userID: UserID, reason: String? = nil) {
        self.userID = userID
        self.reason = reason
    }
    enum CodingKeys: String, CodingKey { case userID = "user_id", reason }
}

/// A command refused because the actor may not act on its target. The actor and the command's
/// id are in the envelope.
public struct AccessDenied: Equatable, Sendable, Codable {
    /// The command's type, e.g. `session.update`.
    public var command: String
    /// The stream the command aimed at (`session-<id>`), or what it asked for (`monitor`, `users`).
    public var target: String
    public var reason: Reason

    public enum Reason: String, Equatable, Sendable, Codable {
        /// Someone else's session (including a deleted one).
        case notOwner = "not_owner"
        /// The actor's role does not allow the command.
        case role
    }

    public init(command: String, target: String, reason: Reason) {
        self.command = command
        self.target = target
        self.reason = reason
    }
}

/// A session idle longer than the stale-session timeout, found by a sweep (actor `system`). The
/// payload keeps the rule that applied and how long the session had been idle, so the history
/// can say why without knowing what the setting was then.
public struct SessionExpired: Equatable, Sendable, Codable {
    public var sessionID: SessionID
    /// The timeout that applied, as the setting spells it (`14d`).
    public var expireAfter: String
    /// Seconds from the session's last access to the sweep.
    public var idleSeconds: Int
    public var lastAccessedAt: Timestamp

    public init(sessionID: SessionID, expireAfter: String, idleSeconds: Int, lastAccessedAt: Timestamp) {
        self.sessionID = sessionID
        self.expireAfter = expireAfter
        self.idleSeconds = idleSeconds
        self.lastAccessedAt = lastAccessedAt
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", expireAfter = "expire_after", idleSeconds = "idle_seconds", lastAccessedAt = "last_accessed_at"
    }
}

/// An expired session put back in progress by its owner.
public struct SessionReopened: Equatable, Sendable, Codable {
    public var sessionID: SessionID
    public init(sessionID: SessionID) { self.sessionID = sessionID }
    enum CodingKeys: String, CodingKey { case sessionID = "session_id" }
}

/// A setting stored in the log (`quire settings set KEY VALUE`, system admins only).
public struct SettingChanged: Equatable, Sendable, Codable {
    /// One of `Settings.keys`.
    public var key: String
    /// The value as given, e.g. `14d`; `off` turns the setting off.
    public var value: String
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// A system admin gave the session to another user. From this event on the new owner has every
/// right the owner had, and the former owner none.
public struct SessionTransferred: Equatable, Sendable, Codable {
    public var sessionID: SessionID
    /// The former owner; `nil` for a legacy session, which stops being legacy.
    public var from: UserID?
    public var to: UserID
    public var reason: String?

    public init(sessionID: SessionID, from: UserID?, to: UserID, reason: String? = nil) {
        self.sessionID = sessionID
        self.from = from
        self.to = to
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case sessionID = "session_id", from, to, reason }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sessionID = try c.decode(SessionID.self, forKey: .sessionID)
        from = try c.decodeIfPresent(UserID.self, forKey: .from)
        to = try c.decode(UserID.self, forKey: .to)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sessionID, forKey: .sessionID)
        try c.encode(from, forKey: .from)      // an explicit null: it was a legacy session
        try c.encode(to, forKey: .to)
        try c.encodeIfPresent(reason, forKey: .reason)
    }
}

/// The owner offered their session to another user, who may accept it until `expires_at` (seven
/// days). Until they accept nothing changes hands.
public struct SessionOffered: Equatable, Sendable, Codable {
    public var sessionID: SessionID
    public var from: UserID
    public var to: UserID
    public var expiresAt: Timestamp
    public init(sessionID: SessionID, from: UserID, to: UserID, expiresAt: Timestamp) {
        self.sessionID = sessionID
        self.from = from
        self.to = to
        self.expiresAt = expiresAt
    }
    enum CodingKeys: String, CodingKey { case sessionID = "session_id", from, to, expiresAt = "expires_at" }
}

/// The recipient accepted an offer: the session is theirs from this event on.
public struct SessionAccepted: Equatable, Sendable, Codable {
    public var sessionID: SessionID
    public var from: UserID
    public var to: UserID
    public init(sessionID: SessionID, from: UserID, to: UserID) {
        self.sessionID = sessionID
        self.from = from
        self.to = to
    }
    enum CodingKeys: String, CodingKey { case sessionID = "session_id", from, to }
}

/// The recipient declined an offer, or (actor `system`, `expired` true) the sweep found it lapsed.
public struct SessionDeclined: Equatable, Sendable, Codable {
    public var sessionID: SessionID
    public var to: UserID
    public var expired: Bool
    public init(sessionID: SessionID, to: UserID, expired: Bool = false) {
        self.sessionID = sessionID
        self.to = to
        self.expired = expired
    }
    enum CodingKeys: String, CodingKey { case sessionID = "session_id", to, expired }
}

/// The owner (or a system admin) shared the session with a user, as an editor or a viewer; sharing
/// again with another role changes it.
public struct CollaboratorAdded: Equatable, Sendable, Codable {
    public var sessionID: SessionID
    public var userID: UserID
    public var role: CollaboratorRole
    public init(sessionID: SessionID, userID: UserID, role: CollaboratorRole) {
        self.sessionID = sessionID
        self.userID = userID
        self.role = role
    }
    enum CodingKeys: String, CodingKey { case sessionID = "session_id", userID = "user_id", role }
}

/// A collaborator was removed: their rights end with this event.
public struct CollaboratorRemoved: Equatable, Sendable, Codable {
    public var sessionID: SessionID
    public var userID: UserID
    public init(sessionID: SessionID, userID: UserID) {
        self.sessionID = sessionID
        self.userID = userID
    }
    enum CodingKeys: String, CodingKey { case sessionID = "session_id", userID = "user_id" }
}
