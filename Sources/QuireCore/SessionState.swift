/// An import session as its events leave it: what `decide` needs and what the session views show.
public struct SessionState: Equatable, Sendable, Codable {
    public var id: SessionID
    public var ownerID: UserID?
    public var name: String
    public var fileName: String
    public var jsonHash: String?
    public var questionCount: Int
    public var paper: [String: JSONValue]
    public var blob: String?
    public var status: SessionStatus
    public var step: ImportStep
    public var progress: Int
    public var questionsImported: Int
    public var metadata: [String: JSONValue]
    /// The session stream's version: the number of events in it. The store's append check;
    /// every access moves it.
    public var version: Int
    /// The version a client compares (`ETag`, `If-Match`, `--expect-version`): 1 at creation, and
    /// one more for each change of the session's content (updated, completed, deleted). Reading a
    /// session (`session.accessed`) never moves it, so nobody's copy goes stale by being looked at.
    public var contentVersion: Int
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var lastAccessedAt: Timestamp
    /// A pending offer (`session offer`): who may accept the session, and until when. Nothing
    /// changes hands until they accept.
    public var offeredTo: UserID?
    public var offerExpiresAt: Timestamp?
    /// Who the session is shared with, by user id, and as what.
    public var collaborators: [String: CollaboratorRole] = [:]

    public init(id: SessionID, ownerID: UserID?, name: String, fileName: String, jsonHash: String?, questionCount: Int,
                paper: [String: JSONValue], blob: String?, status: SessionStatus, step: ImportStep, progress: Int,
                questionsImported: Int, metadata: [String: JSONValue], version: Int, createdAt: Timestamp,
                updatedAt: Timestamp, lastAccessedAt: Timestamp, contentVersion: Int = 1) {
        self.id = id
        self.ownerID = ownerID
        self.name = name
        self.fileName = fileName
        self.jsonHash = jsonHash
        self.questionCount = questionCount
        self.paper = paper
        self.blob = blob
        self.status = status
        self.step = step
        self.progress = progress
        self.questionsImported = questionsImported
        self.metadata = metadata
        self.version = version
        self.contentVersion = contentVersion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastAccessedAt = lastAccessedAt
    }

    /// A legacy session came from the old table without an owner: every admin sees it.
    public var isLegacy: Bool { ownerID == nil }
    public var paperCode: String? { paper["code"]?.stringValue }

    enum CodingKeys: String, CodingKey {
        case id, ownerID = "owner_id", name, fileName = "file_name", jsonHash = "json_hash"
        case questionCount = "question_count", paper, blob, status, step, progress
        case questionsImported = "questions_imported", metadata, version, contentVersion = "content_version"
        case createdAt = "created_at", updatedAt = "updated_at", lastAccessedAt = "last_accessed_at"
        case offeredTo = "offered_to", offerExpiresAt = "offer_expires_at", collaborators
    }

    /// The role `user` has on this session as a collaborator, if any.
    public func role(of user: UserID) -> CollaboratorRole? { collaborators[user.rawValue] }

    /// The pending offer's recipient, when it has not lapsed by `now`.
    public func pendingOffer(at now: Timestamp) -> UserID? {
        guard let to = offeredTo, let until = offerExpiresAt, now < until else { return nil }
        return to
    }

    /// Folds one event of this session's stream into the state. `version` and `at` come from the
    /// event's envelope. Events of other streams, and events after deletion, leave it unchanged
    /// except for the version.
    public static func evolve(_ state: SessionState?, _ event: Event, version: Int, at time: Timestamp) -> SessionState? {
        switch event {
        case .sessionCreated(let e):
            guard state == nil else { return state }
            let legacy = e.legacy
            // A legacy row's metadata may say how far the old importer got.
            let completed = legacy?.status == .completed
            let oldStep = legacy?.metadata["step"]?.stringValue.flatMap(ImportStep.init(rawValue:))
            let oldProgress = legacy?.metadata["progress"]?.intValue.map { min(max($0, 0), 100) }
            let oldImported = legacy?.metadata["questions_imported"]?.intValue.map { min(max($0, 0), e.questionCount) }
            return SessionState(
                id: e.sessionID, ownerID: e.ownerID, name: e.name, fileName: e.fileName, jsonHash: e.jsonHash,
                questionCount: e.questionCount, paper: e.paper, blob: e.blob,
                status: legacy?.status ?? .inProgress, step: oldStep ?? (completed ? .review : .upload),
                progress: completed ? 100 : oldProgress ?? 0,
                questionsImported: completed ? oldImported ?? e.questionCount : oldImported ?? 0,
                metadata: legacy?.metadata ?? [:], version: version,
                createdAt: legacy?.createdAt ?? time, updatedAt: legacy?.updatedAt ?? legacy?.createdAt ?? time,
                lastAccessedAt: legacy?.lastAccessedAt ?? legacy?.updatedAt ?? legacy?.createdAt ?? time)
        case .sessionAccessed:
            guard var s = state else { return nil }
            s.version = version
            s.lastAccessedAt = time
            return s
        case .sessionUpdated(let e):
            guard var s = state else { return nil }
            s.version = version
            s.contentVersion += 1
            if let step = e.step { s.step = step }
            if let progress = e.progress { s.progress = progress }
            if let imported = e.questionsImported { s.questionsImported = imported }
            if let metadata = e.metadata {
                for (key, value) in metadata {
                    if value == .null { s.metadata[key] = nil } else { s.metadata[key] = value }
                }
            }
            s.updatedAt = time
            s.lastAccessedAt = time
            return s
        case .sessionCompleted(let e):
            guard var s = state else { return nil }
            s.version = version
            s.contentVersion += 1
            s.status = .completed
            s.questionsImported = e.questionsImported
            s.progress = 100
            s.updatedAt = time
            s.lastAccessedAt = time
            return s
        case .sessionDeleted:
            guard var s = state else { return nil }
            s.version = version
            s.contentVersion += 1
            s.status = .deleted
            s.updatedAt = time
            return s
        case .sessionExpired:
            // The session's content is unchanged but its status is, so a client's copy is stale.
            guard var s = state else { return nil }
            s.version = version
            s.contentVersion += 1
            s.status = .expired
            s.updatedAt = time
            return s
        case .sessionReopened:
            // Reopening counts as using it: the idle time starts again.
            guard var s = state else { return nil }
            s.version = version
            s.contentVersion += 1
            s.status = .inProgress
            s.updatedAt = time
            s.lastAccessedAt = time
            return s
        case .sessionTransferred(let e):
            // Handing over counts as using it: the new owner's idle time starts now.
            guard var s = state else { return nil }
            s.version = version
            s.contentVersion += 1
            s.ownerID = e.to
            s.collaborators[e.to.rawValue] = nil  // the owner needs no share of their own session
            s.offeredTo = nil
            s.offerExpiresAt = nil
            s.updatedAt = time
            s.lastAccessedAt = time
            return s
        case .sessionAccepted(let e):
            guard var s = state else { return nil }
            s.version = version
            s.contentVersion += 1
            s.ownerID = e.to
            s.collaborators[e.to.rawValue] = nil
            s.offeredTo = nil
            s.offerExpiresAt = nil
            s.updatedAt = time
            s.lastAccessedAt = time
            return s
        case .sessionOffered(let e):
            // An offer is not a change of content: nobody's copy goes stale by it.
            guard var s = state else { return nil }
            s.version = version
            s.offeredTo = e.to
            s.offerExpiresAt = e.expiresAt
            return s
        case .sessionDeclined:
            guard var s = state else { return nil }
            s.version = version
            s.offeredTo = nil
            s.offerExpiresAt = nil
            return s
        case .collaboratorAdded(let e):
            // Sharing is not a change of content: nobody's copy goes stale by it.
            guard var s = state else { return nil }
            s.version = version
            s.collaborators[e.userID.rawValue] = e.role
            return s
        case .collaboratorRemoved(let e):
            guard var s = state else { return nil }
            s.version = version
            s.collaborators[e.userID.rawValue] = nil
            return s
        case .userRegistered, .userRoleChanged, .userDeactivated, .accessDenied, .settingChanged:
            return state
        }
    }
}

/// A registered user as their events leave them.
public struct UserState: Equatable, Sendable, Codable {
    public var id: UserID
    public var email: String
    public var role: Role
    public var active: Bool
    public var version: Int
    public var registeredAt: Timestamp

    public init(id: UserID, email: String, role: Role, active: Bool = true, version: Int = 1, registeredAt: Timestamp) {
        self.id = id
        self.email = email
        self.role = role
        self.active = active
        self.version = version
        self.registeredAt = registeredAt
    }

    enum CodingKeys: String, CodingKey {
        case id, email, role, active, version, registeredAt = "registered_at"
    }

    public static func evolve(_ state: UserState?, _ event: Event, version: Int, at time: Timestamp) -> UserState? {
        switch event {
        case .userRegistered(let e):
            guard state == nil else { return state }
            return UserState(id: e.userID, email: e.email, role: e.role, version: version, registeredAt: time)
        case .userRoleChanged(let e):
            guard var u = state else { return nil }
            u.role = e.role
            u.version = version
            return u
        case .userDeactivated:
            guard var u = state else { return nil }
            u.active = false
            u.version = version
            return u
        case .sessionCreated, .sessionAccessed, .sessionUpdated, .sessionCompleted, .sessionDeleted, .accessDenied,
             .sessionExpired, .sessionReopened, .settingChanged, .sessionTransferred, .sessionOffered, .sessionAccepted,
             .sessionDeclined, .collaboratorAdded, .collaboratorRemoved:
            return state
        }
    }
}
