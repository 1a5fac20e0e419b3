import Foundation
import QuireCore
import QuireStorage

/// A session as every edge shows it: the CLI's `--json`, `submit` results and HTTP bodies.
public struct SessionView: Sendable, Equatable, Codable {
    public var id: String
    public var ownerID: String?
    public var ownerEmail: String?
    public var name: String
    public var fileName: String
    public var status: String
    public var step: String
    public var progress: Int
    public var questionCount: Int
    public var questionsImported: Int
    public var jsonHash: String?
    public var legacy: Bool
    /// The session stream's version (every event, accesses too).
    public var version: Int
    /// The version to compare (`ETag`, `If-Match`, `--expect-version`, `expected_version`): it
    /// moves only when the session's content changes, never when someone reads it. Absent in
    /// monitor rows.
    public var contentVersion: Int?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var lastAccessedAt: Timestamp
    /// The paper's description and the session's metadata; absent in monitor rows.
    public var paper: [String: JSONValue]?
    public var metadata: [String: JSONValue]?
    /// A pending offer: to whom, and until when (absent when there is none).
    public var offeredTo: String?
    public var offerExpiresAt: Timestamp?
    /// Who the session is shared with (user id → `editor` or `viewer`); absent when nobody.
    public var collaborators: [String: String]?
    /// For a session shared with the user looking at it: their role ("Shared with you").
    public var sharedWithYou: String?

    enum CodingKeys: String, CodingKey {
        case id, ownerID = "owner_id", ownerEmail = "owner_email", name, fileName = "file_name", status, step, progress
        case questionCount = "question_count", questionsImported = "questions_imported", jsonHash = "json_hash", legacy
        case version, contentVersion = "content_version", createdAt = "created_at", updatedAt = "updated_at", lastAccessedAt = "last_accessed_at", paper, metadata
        case offeredTo = "offered_to", offerExpiresAt = "offer_expires_at", collaborators, sharedWithYou = "shared_with_you"
    }

    public init(_ s: SessionState, ownerEmail: String?) {
        id = s.id.rawValue
        ownerID = s.ownerID?.rawValue
        self.ownerEmail = ownerEmail
        name = s.name
        fileName = s.fileName
        status = s.status.rawValue
        step = s.step.rawValue
        progress = s.progress
        questionCount = s.questionCount
        questionsImported = s.questionsImported
        jsonHash = s.jsonHash
        legacy = s.isLegacy
        version = s.version
        contentVersion = s.contentVersion
        createdAt = s.createdAt
        updatedAt = s.updatedAt
        lastAccessedAt = s.lastAccessedAt
        paper = s.paper
        metadata = s.metadata
        offeredTo = s.offeredTo?.rawValue
        offerExpiresAt = s.offerExpiresAt
        collaborators = s.collaborators.isEmpty ? nil : s.collaborators.mapValues(\.rawValue)
    }

    public init(from decoder: any Decoder) throws {
        try self.init(from: decoder, collaboratorsMap: true)
    }

    /// Without `collaboratorsMap`, `collaborators` is left for the caller: a monitor row keeps its
    /// list of collaborators under that key.
    init(from decoder: any Decoder, collaboratorsMap: Bool) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        ownerID = try c.decodeIfPresent(String.self, forKey: .ownerID)
        ownerEmail = try c.decodeIfPresent(String.self, forKey: .ownerEmail)
        name = try c.decode(String.self, forKey: .name)
        fileName = try c.decode(String.self, forKey: .fileName)
        status = try c.decode(String.self, forKey: .status)
        step = try c.decode(String.self, forKey: .step)
        progress = try c.decode(Int.self, forKey: .progress)
        questionCount = try c.decode(Int.self, forKey: .questionCount)
        questionsImported = try c.decode(Int.self, forKey: .questionsImported)
        jsonHash = try c.decodeIfPresent(String.self, forKey: .jsonHash)
        legacy = try c.decode(Bool.self, forKey: .legacy)
        version = try c.decode(Int.self, forKey: .version)
        contentVersion = try c.decodeIfPresent(Int.self, forKey: .contentVersion)
        createdAt = try c.decode(Timestamp.self, forKey: .createdAt)
        updatedAt = try c.decode(Timestamp.self, forKey: .updatedAt)
        lastAccessedAt = try c.decode(Timestamp.self, forKey: .lastAccessedAt)
        paper = try c.decodeIfPresent([String: JSONValue].self, forKey: .paper)
        metadata = try c.decodeIfPresent([String: JSONValue].self, forKey: .metadata)
        offeredTo = try c.decodeIfPresent(String.self, forKey: .offeredTo)
        offerExpiresAt = try c.decodeIfPresent(Timestamp.self, forKey: .offerExpiresAt)
        collaborators = collaboratorsMap ? try c.decodeIfPresent([String: String].self, forKey: .collaborators) : nil
        sharedWithYou = try c.decodeIfPresent(String.self, forKey: .sharedWithYou)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(ownerID, forKey: .ownerID)
        try c.encode(ownerEmail, forKey: .ownerEmail)
        try c.encode(name, forKey: .name)
        try c.encode(fileName, forKey: .fileName)
        try c.encode(status, forKey: .status)
        try c.encode(step, forKey: .step)
        try c.encode(progress, forKey: .progress)
        try c.encode(questionCount, forKey: .questionCount)
        try c.encode(questionsImported, forKey: .questionsImported)
        try c.encode(jsonHash, forKey: .jsonHash)
        try c.encode(legacy, forKey: .legacy)
        try c.encode(version, forKey: .version)
        try c.encodeIfPresent(contentVersion, forKey: .contentVersion)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(lastAccessedAt, forKey: .lastAccessedAt)
        try c.encodeIfPresent(paper, forKey: .paper)
        try c.encodeIfPresent(metadata, forKey: .metadata)
        try c.encodeIfPresent(offeredTo, forKey: .offeredTo)
        try c.encodeIfPresent(offerExpiresAt, forKey: .offerExpiresAt)
        try c.encodeIfPresent(collaborators, forKey: .collaborators)
        try c.encodeIfPresent(sharedWithYou, forKey: .sharedWithYou)
    }
}

/// A user as `user list --json` shows them.
public struct UserView: Sendable, Equatable, Codable {
    public var id: String
    public var email: String
    public var role: String
    public var active: Bool
    public var registeredAt: Timestamp

    public init(_ u: UserState) {
        id = u.id.rawValue
        email = u.email
        role = u.role.rawValue
        active = u.active
        registeredAt = u.registeredAt
    }

    enum CodingKeys: String, CodingKey { case id, email, role, active, registeredAt = "registered_at" }
}

/// Someone a session is shared with, as the monitor names them: their email and role (and id,
/// to match the `collaborators` map of a session's own JSON).
public struct CollaboratorView: Sendable, Equatable, Codable {
    public var userID: String
    /// The email as registered (the id, for a user the log does not know, which cannot happen).
    public var email: String
    /// `editor` or `viewer`.
    public var role: String

    public init(userID: String, email: String, role: String) {
        self.userID = userID
        self.email = email
        self.role = role
    }

    enum CodingKeys: String, CodingKey { case userID = "user_id", email, role }
}

/// One row of the monitor: an active session of anyone, with how long it has been idle and who
/// it is shared with.
public struct MonitorView: Sendable, Equatable, Codable {
    public var session: SessionView
    public var hoursSinceAccess: Double
    /// By email, then id; empty when the session is not shared. In JSON this list is the row's
    /// `collaborators` (a session's own JSON has a map of ids to roles there instead).
    public var collaborators: [CollaboratorView]

    public init(_ e: MonitorEntry, now: Timestamp, collaborators: [CollaboratorView] = []) {
        var s = SessionView(
            SessionState(id: e.sessionID, ownerID: e.ownerID, name: e.name, fileName: e.fileName, jsonHash: e.jsonHash,
                         questionCount: e.questionCount, paper: [:], blob: nil, status: .inProgress, step: e.step,
                         progress: e.progress, questionsImported: e.questionsImported, metadata: [:], version: e.version,
                         createdAt: e.createdAt, updatedAt: e.updatedAt, lastAccessedAt: e.lastAccessedAt),
            ownerEmail: e.ownerEmail)
        s.paper = nil
        s.metadata = nil
        s.contentVersion = nil  // the monitor does not keep it; a session's own view does
        session = s
        hoursSinceAccess = (Double(now.milliseconds - e.lastAccessedAt.milliseconds) / 3_600_000 * 10).rounded() / 10
        self.collaborators = collaborators
    }

    public func encode(to encoder: any Encoder) throws {
        var s = session
        s.collaborators = nil  // the key is this row's list
        try s.encode(to: encoder)
        var c = encoder.container(keyedBy: ExtraKeys.self)
        try c.encode(hoursSinceAccess, forKey: .hoursSinceAccess)
        try c.encode(collaborators, forKey: .collaborators)
    }

    enum ExtraKeys: String, CodingKey { case hoursSinceAccess = "hours_since_access", collaborators }

    public init(from decoder: any Decoder) throws {
        session = try SessionView(from: decoder, collaboratorsMap: false)
        let c = try decoder.container(keyedBy: ExtraKeys.self)
        hoursSinceAccess = try c.decode(Double.self, forKey: .hoursSinceAccess)
        collaborators = try c.decodeIfPresent([CollaboratorView].self, forKey: .collaborators) ?? []
    }
}
