import Foundation

/// Reads a stored payload straight into its event, for `Event.decode`: the reading half of
/// `PayloadWriter`.
///
/// Rebuild, replay, verify, history and audit decode every event they touch; `JSONDecoder`
/// was most of their time. This reader takes exactly the shape quire writes — each key of the
/// type known and present at most once, integers without a fraction or exponent, no legacy
/// record — and returns nil for anything else, so that `Event.decode` hands the payload to
/// `JSONDecoder` after all: every result and every error message stays what `JSONDecoder` gives
/// (tests compare the two on generated events and on payloads made to miss the fast path).
struct PayloadReader {
    private var json: StrictJSONReader

    /// The event these bytes hold as a payload of `type`, or nil when only `JSONDecoder` should say.
    static func event(type: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Event? {
        var reader = PayloadReader(json: StrictJSONReader(bytes))
        guard let event = reader.event(type), reader.json.atEnd else { return nil }
        return event
    }

    private init(json: StrictJSONReader) { self.json = json }

    // Keys in the order PayloadWriter writes them; a reader's `member` gets a key's index here.
    private static let created: [StaticString] = ["blob", "file_name", "json_hash", "name", "owner_id", "paper",
                                                  "question_count", "session_id"]
    private static let session: [StaticString] = ["session_id"]
    private static let updated: [StaticString] = ["metadata", "progress", "questions_imported", "session_id", "step"]
    private static let completed: [StaticString] = ["questions_imported", "session_id"]
    private static let deleted: [StaticString] = ["reason", "session_id"]
    private static let registered: [StaticString] = ["email", "role", "user_id"]
    private static let roleChanged: [StaticString] = ["role", "user_id"]
    private static let deactivated: [StaticString] = ["reason", "user_id"]
    private static let denied: [StaticString] = ["command", "reason", "target"]
    private static let expired: [StaticString] = ["expire_after", "idle_seconds", "last_accessed_at", "session_id"]
    private static let setting: [StaticString] = ["key", "value"]
    private static let transferred: [StaticString] = ["from", "reason", "session_id", "to"]
    private static let offered: [StaticString] = ["expires_at", "from", "session_id", "to"]
    private static let accepted: [StaticString] = ["from", "session_id", "to"]
    private static let declined: [StaticString] = ["expired", "session_id", "to"]
    private static let added: [StaticString] = ["role", "session_id", "user_id"]
    private static let removed: [StaticString] = ["session_id", "user_id"]

    private mutating func event(_ type: String) -> Event? {
        switch type {
        case "session.created":
            var id: String?, owner: String?, name: String?, file: String?, hash: String?, count: Int?
            var paper: [String: JSONValue]?, blob: String?
            guard members(Self.created, { r, key in
                switch key {
                case 0: r.optionalString(&blob)
                case 1: r.string(&file)
                case 2: r.optionalString(&hash)
                case 3: r.string(&name)
                case 4: r.optionalString(&owner)
                case 5: r.optionalObject(&paper)
                case 6: r.int(&count)
                default: r.string(&id)
                }
            }), let id, let name, let file, let count else { return nil }
            return .sessionCreated(SessionCreated(sessionID: SessionID(id), ownerID: owner.map { UserID($0) }, name: name,
                                                  fileName: file, jsonHash: hash, questionCount: count, paper: paper ?? [:],
                                                  blob: blob))
        case "session.accessed":
            var id: String?
            guard members(Self.session, { r, _ in r.string(&id) }), let id else { return nil }
            return .sessionAccessed(SessionAccessed(sessionID: SessionID(id)))
        case "session.updated":
            var id: String?, step: String?, progress: Int?, imported: Int?, metadata: [String: JSONValue]?
            guard members(Self.updated, { r, key in
                switch key {
                case 0: r.optionalObject(&metadata)
                case 1: r.optionalInt(&progress)
                case 2: r.optionalInt(&imported)
                case 3: r.string(&id)
                default: r.optionalString(&step)
                }
            }), let id else { return nil }
            var importStep: ImportStep?
            if let step {
                guard let known = ImportStep(rawValue: step) else { return nil }
                importStep = known
            }
            return .sessionUpdated(SessionUpdated(sessionID: SessionID(id), step: importStep, progress: progress,
                                                  questionsImported: imported, metadata: metadata))
        case "session.completed":
            var id: String?, imported: Int?
            guard members(Self.completed, { r, key in key == 0 ? r.int(&imported) : r.string(&id) }),
                  let id, let imported else { return nil }
            return .sessionCompleted(SessionCompleted(sessionID: SessionID(id), questionsImported: imported))
        case "session.deleted":
            var id: String?, reason: String?
            guard members(Self.deleted, { r, key in key == 0 ? r.optionalString(&reason) : r.string(&id) }),
                  let id else { return nil }
            return .sessionDeleted(SessionDeleted(sessionID: SessionID(id), reason: reason))
        case "session.expired":
            var id: String?, rule: String?, idle: Int?, last: String?
            guard members(Self.expired, { r, key in
                switch key {
                case 0: r.string(&rule)
                case 1: r.int(&idle)
                case 2: r.string(&last)
                default: r.string(&id)
                }
            }), let id, let rule, let idle, let last = last.flatMap(Timestamp.init(rfc3339:)) else { return nil }
            return .sessionExpired(SessionExpired(sessionID: SessionID(id), expireAfter: rule, idleSeconds: idle, lastAccessedAt: last))
        case "session.reopened":
            var id: String?
            guard members(Self.session, { r, _ in r.string(&id) }), let id else { return nil }
            return .sessionReopened(SessionReopened(sessionID: SessionID(id)))
        case "setting.changed":
            var key: String?, value: String?
            guard members(Self.setting, { r, k in k == 0 ? r.string(&key) : r.string(&value) }), let key, let value else { return nil }
            return .settingChanged(SettingChanged(key: key, value: value))
        case "session.transferred":
            var id: String?, from: String?, to: String?, reason: String?
            guard members(Self.transferred, { r, key in
                switch key {
                case 0: r.optionalString(&from)
                case 1: r.optionalString(&reason)
                case 2: r.string(&id)
                default: r.string(&to)
                }
            }), let id, let to else { return nil }
            return .sessionTransferred(SessionTransferred(sessionID: SessionID(id), from: from.map { UserID($0) }, to: UserID(to),
                                                          reason: reason))
        case "session.offered":
            var id: String?, from: String?, to: String?, until: String?
            guard members(Self.offered, { r, key in
                switch key {
                case 0: r.string(&until)
                case 1: r.string(&from)
                case 2: r.string(&id)
                default: r.string(&to)
                }
            }), let id, let from, let to, let until = until.flatMap(Timestamp.init(rfc3339:)) else { return nil }
            return .sessionOffered(SessionOffered(sessionID: SessionID(id), from: UserID(from), to: UserID(to), expiresAt: until))
        case "session.accepted":
            var id: String?, from: String?, to: String?
            guard members(Self.accepted, { r, key in
                switch key {
                case 0: r.string(&from)
                case 1: r.string(&id)
                default: r.string(&to)
                }
            }), let id, let from, let to else { return nil }
            return .sessionAccepted(SessionAccepted(sessionID: SessionID(id), from: UserID(from), to: UserID(to)))
        case "session.declined":
            var id: String?, to: String?, expired: Bool?
            guard members(Self.declined, { r, key in
                switch key {
                case 0: r.bool(&expired)
                case 1: r.string(&id)
                default: r.string(&to)
                }
            }), let id, let to, let expired else { return nil }
            return .sessionDeclined(SessionDeclined(sessionID: SessionID(id), to: UserID(to), expired: expired))
        case "session.collaborator_added":
            var id: String?, user: String?, role: String?
            guard members(Self.added, { r, key in
                switch key {
                case 0: r.string(&role)
                case 1: r.string(&id)
                default: r.string(&user)
                }
            }), let id, let user, let role = role.flatMap(CollaboratorRole.init(rawValue:)) else { return nil }
            return .collaboratorAdded(CollaboratorAdded(sessionID: SessionID(id), userID: UserID(user), role: role))
        case "session.collaborator_removed":
            var id: String?, user: String?
            guard members(Self.removed, { r, key in key == 0 ? r.string(&id) : r.string(&user) }), let id, let user else { return nil }
            return .collaboratorRemoved(CollaboratorRemoved(sessionID: SessionID(id), userID: UserID(user)))
        case "user.registered":
            var id: String?, email: String?, role: String?
            guard members(Self.registered, { r, key in
                switch key {
                case 0: r.string(&email)
                case 1: r.string(&role)
                default: r.string(&id)
                }
            }), let id, let email, let role = role.flatMap(Role.init(rawValue:)) else { return nil }
            return .userRegistered(UserRegistered(userID: UserID(id), email: email, role: role))
        case "user.role_changed":
            var id: String?, role: String?
            guard members(Self.roleChanged, { r, key in key == 0 ? r.string(&role) : r.string(&id) }),
                  let id, let role = role.flatMap(Role.init(rawValue:)) else { return nil }
            return .userRoleChanged(UserRoleChanged(userID: UserID(id), role: role))
        case "user.deactivated":
            var id: String?, reason: String?
            guard members(Self.deactivated, { r, key in key == 0 ? r.optionalString(&reason) : r.string(&id) }),
                  let id else { return nil }
            return .userDeactivated(UserDeactivated(userID: UserID(id), reason: reason))
        case "access.denied":
            var command: String?, reason: String?, target: String?
            guard members(Self.denied, { r, key in
                switch key {
                case 0: r.string(&command)
                case 1: r.string(&reason)
                default: r.string(&target)
                }
            }), let command, let target, let reason = reason.flatMap(AccessDenied.Reason.init(rawValue:)) else { return nil }
            return .accessDenied(AccessDenied(command: command, target: target, reason: reason))
        default:
            return nil
        }
    }

    /// Reads one object whose keys are all among `keys`, none twice, calling `member` with each
    /// key's index to read its value. False on anything else, or when `member` says false.
    private mutating func members(_ keys: [StaticString], _ member: (inout PayloadReader, Int) -> Bool) -> Bool {
        json.skipSpace()
        guard next(is: "{") else { return false }
        json.skipSpace()
        if next(is: "}") { return true }
        var seen: UInt32 = 0
        while true {
            json.skipSpace()
            guard let key = key(among: keys), seen & (1 << key) == 0 else { return false }
            seen |= 1 << key
            json.skipSpace()
            guard next(is: ":") else { return false }
            json.skipSpace()
            guard member(&self, key) else { return false }
            json.skipSpace()
            if next(is: ",") { continue }
            return next(is: "}")
        }
    }

    private mutating func key(among keys: [StaticString]) -> Int? { json.key(among: keys) }

    private mutating func next(is character: Unicode.Scalar) -> Bool { json.next(is: character) }

    private mutating func bool(_ out: inout Bool?) -> Bool {
        if json.literal("true", .bool(true)) != nil { out = true; return true }
        if json.literal("false", .bool(false)) != nil { out = false; return true }
        return false
    }

    /// Consumes a `null`, if that is what comes next.
    private mutating func null() -> Bool { json.literal("null", .null) != nil }

    private mutating func string(_ out: inout String?) -> Bool {
        guard json.i < json.bytes.count, json.bytes[json.i] == UInt8(ascii: "\"") else { return false }
        out = json.string()
        return out != nil
    }

    /// `-?(0|[1-9][0-9]*)` and nothing more: a fraction or an exponent is for `JSONDecoder` to judge.
    private mutating func int(_ out: inout Int?) -> Bool {
        let bytes = json.bytes
        var i = json.i
        let negative = i < bytes.count && bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let start = i
        var value = 0
        while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
            value = value &* 10 &+ Int(bytes[i] &- 48)
            i += 1
        }
        let count = i - start
        guard count > 0, count <= 18, count == 1 || bytes[start] != UInt8(ascii: "0") else { return false }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            return false
        }
        json.i = i
        out = negative ? -value : value
        return true
    }

    private mutating func object(_ out: inout [String: JSONValue]?) -> Bool {
        guard json.i < json.bytes.count, json.bytes[json.i] == UInt8(ascii: "{"), let value = json.value()?.objectValue else {
            return false
        }
        out = value
        return true
    }

    // `decodeIfPresent`'s reading: `null` is the same as no key at all.
    private mutating func optionalString(_ out: inout String?) -> Bool { null() || string(&out) }
    private mutating func optionalInt(_ out: inout Int?) -> Bool { null() || int(&out) }
    private mutating func optionalObject(_ out: inout [String: JSONValue]?) -> Bool { null() || object(&out) }
}
