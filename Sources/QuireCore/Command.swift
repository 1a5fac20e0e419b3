/// What a user asks quire to do. Each command is decided by `Decider.decide` against the facts
/// the handler gathered, and either produces events or is refused.
public enum Command: Equatable, Sendable {
    case registerUser(RegisterUser)
    case changeRole(ChangeRole)
    case deactivateUser(DeactivateUser)
    case createSession(CreateSession)
    case accessSession(SessionID)
    case updateSession(UpdateSession)
    case completeSession(CompleteSession)
    case deleteSession(DeleteSession)
    case importLegacySession(LegacyRow)
    case reopenSession(ReopenSession)
    case changeSetting(ChangeSetting)
    /// Expire every in-progress session idle longer than the timeout (`quire sweep`, the server's
    /// periodic sweep). Decided from the time in the context, so a replay decides the same.
    case sweep(Sweep)
    /// A system admin assigns a session to another active user (`session transfer`).
    case transferSession(TransferSession)
    /// The owner offers their session to another user, who accepts or declines it within 7 days.
    case offerSession(OfferSession)
    case acceptOffer(AcceptOffer)
    case declineOffer(SessionID)
    /// The owner (or a system admin) adds or removes a collaborator.
    case shareSession(ShareSession)
    case unshareSession(UnshareSession)
    /// One session of a bulk cleanup (`quire cleanup`): a system admin may delete anyone's, an
    /// admin their own and the legacy ones.
    case cleanupSession(DeleteSession)

    /// The command's name as `submit` lines and `access.denied` events spell it.
    public var name: String {
        switch self {
        case .registerUser: "user.register"
        case .changeRole: "user.change_role"
        case .deactivateUser: "user.deactivate"
        case .createSession: "session.create"
        case .accessSession: "session.access"
        case .updateSession: "session.update"
        case .completeSession: "session.complete"
        case .deleteSession: "session.delete"
        case .importLegacySession: "legacy.import"
        case .reopenSession: "session.reopen"
        case .changeSetting: "settings.set"
        case .sweep: "sweep"
        case .transferSession: "session.transfer"
        case .offerSession: "session.offer"
        case .acceptOffer: "session.accept"
        case .declineOffer: "session.decline"
        case .shareSession: "session.share"
        case .unshareSession: "session.unshare"
        case .cleanupSession: "cleanup"
        }
    }

    /// The session the command targets, when it targets an existing one.
    public var targetSession: SessionID? {
        switch self {
        case .accessSession(let id): id
        case .updateSession(let c): c.sessionID
        case .completeSession(let c): c.sessionID
        case .deleteSession(let c): c.sessionID
        case .importLegacySession(let row): row.id
        case .reopenSession(let c): c.sessionID
        case .transferSession(let c): c.sessionID
        case .offerSession(let c): c.sessionID
        case .acceptOffer(let c): c.sessionID
        case .declineOffer(let id): id
        case .shareSession(let c): c.sessionID
        case .unshareSession(let c): c.sessionID
        case .cleanupSession(let c): c.sessionID
        case .registerUser, .changeRole, .deactivateUser, .createSession, .changeSetting, .sweep: nil
        }
    }
}

public struct RegisterUser: Equatable, Sendable {
    public var email: String
    public var role: Role
    /// Keeps the id the web app already uses (its tokens' `sub`); quire generates one otherwise.
    public var id: UserID?
    /// `email` is kept as `Email.normalized` writes it, so every lookup and the decider agree on it.
    public init(email: String, role: Role, id: UserID? = nil) {
        self.email = Email.normalized(email)
        self.role = role
        self.id = id
    }
}

public struct ChangeRole: Equatable, Sendable {
    public var user: String
    public var role: Role
    public init(user: String, role: Role) {
        self.user = user
        self.role = role
    }
}

public struct DeactivateUser: Equatable, Sendable {
    public var user: String
    public var reason: String?
    public init(user: String, reason: String? = nil) {
        self.user = user
        self.reason = reason
    }
}

/// A paper file as read: its identity and what it describes. Hashing happens at the edge (the
/// service), so the core stays free of crypto and I/O.
public struct PaperFacts: Equatable, Sendable {
    public var fileName: String
    public var jsonHash: String
    public var questionCount: Int
    public var paper: [String: JSONValue]
    public var blob: String
    public init(fileName: String, jsonHash: String, questionCount: Int, paper: [String: JSONValue], blob: String) {
        self.fileName = fileName
        self.jsonHash = jsonHash
        self.questionCount = questionCount
        self.paper = paper
        self.blob = blob
    }
}

public struct CreateSession: Equatable, Sendable {
    public var name: String?
    public var file: PaperFacts
    public var allowDuplicate: Bool
    public init(name: String? = nil, file: PaperFacts, allowDuplicate: Bool = false) {
        self.name = name
        self.file = file
        self.allowDuplicate = allowDuplicate
    }
}

public struct UpdateSession: Equatable, Sendable {
    public var sessionID: SessionID
    public var step: ImportStep?
    public var progress: Int?
    public var questionsImported: Int?
    public var metadata: [String: JSONValue]?
    /// When given, the update applies only if the session is still at this version.
    public var expectedVersion: Int?
    public init(sessionID: SessionID, step: ImportStep? = nil, progress: Int? = nil, questionsImported: Int? = nil,
                metadata: [String: JSONValue]? = nil, expectedVersion: Int? = nil) {
        self.sessionID = sessionID
        self.step = step
        self.progress = progress
        self.questionsImported = questionsImported
        self.metadata = metadata
        self.expectedVersion = expectedVersion
    }
}

public struct CompleteSession: Equatable, Sendable {
    public var sessionID: SessionID
    /// The final count; the session's current count when not given.
    public var questionsImported: Int?
    public var expectedVersion: Int?
    public init(sessionID: SessionID, questionsImported: Int? = nil, expectedVersion: Int? = nil) {
        self.sessionID = sessionID
        self.questionsImported = questionsImported
        self.expectedVersion = expectedVersion
    }
}

public struct DeleteSession: Equatable, Sendable {
    public var sessionID: SessionID
    public var reason: String?
    public var expectedVersion: Int?
    public init(sessionID: SessionID, reason: String? = nil, expectedVersion: Int? = nil) {
        self.sessionID = sessionID
        self.reason = reason
        self.expectedVersion = expectedVersion
    }
}

/// One row of the old `past_paper_import_sessions` table, already parsed.
public struct LegacyRow: Equatable, Sendable {
    public var id: SessionID
    public var createdBy: UserID?
    public var status: SessionStatus
    public var jsonHash: String?
    public var fileName: String
    public var createdAt: Timestamp?
    public var updatedAt: Timestamp?
    public var lastAccessedAt: Timestamp?
    public var metadata: [String: JSONValue]

    public init(id: SessionID, createdBy: UserID?, status: SessionStatus, jsonHash: String?, fileName: String,
                createdAt: Timestamp?, updatedAt: Timestamp?, lastAccessedAt: Timestamp?, metadata: [String: JSONValue]) {
        self.id = id
        self.createdBy = createdBy
        self.status = status
        self.jsonHash = jsonHash
        self.fileName = fileName
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastAccessedAt = lastAccessedAt
        self.metadata = metadata
    }
}

extension Command {
    /// The session version the client said it saw (`--expect-version`, `If-Match`), if any: a
    /// content version, which reading the session does not move.
    public var expectedVersion: Int? {
        switch self {
        case .updateSession(let c): c.expectedVersion
        case .completeSession(let c): c.expectedVersion
        case .deleteSession(let c): c.expectedVersion
        case .reopenSession(let c): c.expectedVersion
        case .registerUser, .changeRole, .deactivateUser, .createSession, .accessSession, .importLegacySession,
             .changeSetting, .sweep, .transferSession, .offerSession, .acceptOffer, .declineOffer,
             .shareSession, .unshareSession, .cleanupSession: nil
        }
    }
}

public struct ReopenSession: Equatable, Sendable {
    public var sessionID: SessionID
    public var expectedVersion: Int?
    public init(sessionID: SessionID, expectedVersion: Int? = nil) {
        self.sessionID = sessionID
        self.expectedVersion = expectedVersion
    }
}

public struct ChangeSetting: Equatable, Sendable {
    public var key: String
    public var value: String
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

public struct Sweep: Equatable, Sendable {
    /// The timeout when the log holds no `expire_after` setting (`--expire-after`); the stored
    /// setting wins, so every process sweeping one log applies the same rule.
    public var fallbackExpireAfter: TimeSpan?
    public init(fallbackExpireAfter: TimeSpan? = nil) { self.fallbackExpireAfter = fallbackExpireAfter }
}

public struct TransferSession: Equatable, Sendable {
    public var sessionID: SessionID
    /// The new owner, by email or id.
    public var to: String
    public var reason: String?
    /// Transfer even when the new owner already has a session of the same file.
    public var allowDuplicate: Bool
    public init(sessionID: SessionID, to: String, reason: String? = nil, allowDuplicate: Bool = false) {
        self.sessionID = sessionID
        self.to = to
        self.reason = reason
        self.allowDuplicate = allowDuplicate
    }
}

public struct OfferSession: Equatable, Sendable {
    public var sessionID: SessionID
    /// The recipient, by email or id.
    public var to: String
    public init(sessionID: SessionID, to: String) {
        self.sessionID = sessionID
        self.to = to
    }
}

public struct AcceptOffer: Equatable, Sendable {
    public var sessionID: SessionID
    /// Accept even when the recipient already has a session of the same file.
    public var allowDuplicate: Bool
    public init(sessionID: SessionID, allowDuplicate: Bool = false) {
        self.sessionID = sessionID
        self.allowDuplicate = allowDuplicate
    }
}

public struct ShareSession: Equatable, Sendable {
    public var sessionID: SessionID
    /// The collaborator, by email or id.
    public var with: String
    public var role: CollaboratorRole
    public init(sessionID: SessionID, with: String, role: CollaboratorRole = .editor) {
        self.sessionID = sessionID
        self.with = with
        self.role = role
    }
}

public struct UnshareSession: Equatable, Sendable {
    public var sessionID: SessionID
    public var with: String
    public init(sessionID: SessionID, with: String) {
        self.sessionID = sessionID
        self.with = with
    }
}
