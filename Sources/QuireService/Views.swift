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

/// One row of the monitor: an active session of anyone, with how long it has been idle.
public struct MonitorView: Sendable, Equatable, Codable {
    public var session: SessionView
    public var hoursSinceAccess: Double

    public init(_ e: MonitorEntry, now: Timestamp) {
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
    }

    public func encode(to encoder: any Encoder) throws {
        try session.encode(to: encoder)
        var c = encoder.container(keyedBy: ExtraKeys.self)
        try c.encode(hoursSinceAccess, forKey: .hoursSinceAccess)
    }

    enum ExtraKeys: String, CodingKey { case hoursSinceAccess = "hours_since_access" }

    public init(from decoder: any Decoder) throws {
        session = try SessionView(from: decoder)
        hoursSinceAccess = try decoder.container(keyedBy: ExtraKeys.self).decode(Double.self, forKey: .hoursSinceAccess)
    }
}
