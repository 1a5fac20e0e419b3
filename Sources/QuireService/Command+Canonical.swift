import QuireCore

extension Command {
    /// The command as canonical JSON: the basis of its idempotency fingerprint.
    var canonicalDescription: JSONValue {
        func text(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        func int(_ n: Int?) -> JSONValue { n.map { .number(Double($0)) } ?? .null }
        func time(_ t: Timestamp?) -> JSONValue { text(t?.description) }
        var fields: [String: JSONValue] = ["command": .string(name)]
        switch self {
        case .registerUser(let c):
            fields["email"] = .string(c.email.lowercased())
            fields["role"] = .string(c.role.rawValue)
            fields["id"] = text(c.id?.rawValue)
        case .changeRole(let c):
            fields["user"] = .string(c.user.lowercased())
            fields["role"] = .string(c.role.rawValue)
        case .deactivateUser(let c):
            fields["user"] = .string(c.user.lowercased())
            fields["reason"] = text(c.reason)
        case .createSession(let c):
            fields["name"] = text(c.name)
            fields["file_name"] = .string(c.file.fileName)
            fields["json_hash"] = .string(c.file.jsonHash)
            fields["blob"] = .string(c.file.blob)
            fields["allow_duplicate"] = .bool(c.allowDuplicate)
        case .accessSession(let id):
            fields["session_id"] = .string(id.rawValue)
        case .updateSession(let c):
            fields["session_id"] = .string(c.sessionID.rawValue)
            fields["step"] = text(c.step?.rawValue)
            fields["progress"] = int(c.progress)
            fields["questions_imported"] = int(c.questionsImported)
            fields["metadata"] = c.metadata.map(JSONValue.object) ?? .null
            fields["expected_version"] = int(c.expectedVersion)
        case .completeSession(let c):
            fields["session_id"] = .string(c.sessionID.rawValue)
            fields["questions_imported"] = int(c.questionsImported)
            fields["expected_version"] = int(c.expectedVersion)
        case .deleteSession(let c):
            fields["session_id"] = .string(c.sessionID.rawValue)
            fields["reason"] = text(c.reason)
            fields["expected_version"] = int(c.expectedVersion)
        case .reopenSession(let c):
            fields["session_id"] = .string(c.sessionID.rawValue)
            fields["expected_version"] = int(c.expectedVersion)
        case .changeSetting(let c):
            fields["key"] = .string(c.key)
            fields["value"] = .string(c.value)
        case .transferSession(let c):
            fields["session_id"] = .string(c.sessionID.rawValue)
            fields["to"] = .string(c.to.lowercased())
            fields["reason"] = text(c.reason)
            fields["allow_duplicate"] = .bool(c.allowDuplicate)
        case .offerSession(let c):
            fields["session_id"] = .string(c.sessionID.rawValue)
            fields["to"] = .string(c.to.lowercased())
        case .acceptOffer(let c):
            fields["session_id"] = .string(c.sessionID.rawValue)
            fields["allow_duplicate"] = .bool(c.allowDuplicate)
        case .declineOffer(let id):
            fields["session_id"] = .string(id.rawValue)
        case .shareSession(let c):
            fields["session_id"] = .string(c.sessionID.rawValue)
            fields["with"] = .string(c.with.lowercased())
            fields["role"] = .string(c.role.rawValue)
        case .unshareSession(let c):
            fields["session_id"] = .string(c.sessionID.rawValue)
            fields["with"] = .string(c.with.lowercased())
        case .cleanupSession(let c):
            fields["session_id"] = .string(c.sessionID.rawValue)
            fields["reason"] = text(c.reason)
        case .sweep(let c):
            fields["fallback_expire_after"] = text(c.fallbackExpireAfter?.description)
        case .importLegacySession(let row):
            fields["session_id"] = .string(row.id.rawValue)
            fields["created_by"] = text(row.createdBy?.rawValue)
            fields["status"] = .string(row.status.rawValue)
            fields["json_hash"] = text(row.jsonHash)
            fields["file_name"] = .string(row.fileName)
            fields["created_at"] = time(row.createdAt)
            fields["updated_at"] = time(row.updatedAt)
            fields["last_accessed_at"] = time(row.lastAccessedAt)
            fields["metadata"] = .object(row.metadata)
        }
        return .object(fields)
    }
}
