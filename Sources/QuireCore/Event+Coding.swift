import Foundation

extension Event {
    /// The payload exactly as the `events.payload` column stores it: compact JSON, keys sorted.
    ///
    /// Written field by field, byte for byte what `EventCoding.compact` makes of the event (tests
    /// compare the two on every golden file and on generated events), several times faster; an
    /// event holding a number only Foundation formats exactly (fractional, or 10^15 and more) or
    /// a key outside ASCII in its paper or metadata goes through `EventCoding.compact` itself.
    public func encodedPayload() throws -> String {
        var json = PayloadWriter()
        json.write(self)
        if json.exact { return json.text }
        return try foundationEncodedPayload()
    }

    /// The payload as Foundation's `JSONEncoder` writes it: what `encodedPayload` must equal.
    func foundationEncodedPayload() throws -> String {
        String(decoding: try encode(payloadEncoder: EventCoding.compact), as: UTF8.self)
    }

    /// Decodes a stored payload of the given type and schema version, upcasting older schemas.
    ///
    /// Throws `QuireError.invalidInput` naming the type when the payload does not fit. What quire
    /// writes is read by `PayloadReader`; anything else by `JSONDecoder`, with the same result.
    public static func decode(type: String, schema: Int, payload: Data) throws(QuireError) -> Event {
        if schema == 1, let event = payload.withUnsafeBytes({ PayloadReader.event(type: type, $0.bindMemory(to: UInt8.self)) }) {
            return event
        }
        return try foundationDecoded(type: type, schema: schema, payload: payload)
    }

    public static func decode(type: String, schema: Int, payload: String) throws(QuireError) -> Event {
        var payload = payload
        if schema == 1, let event = payload.withUTF8({ PayloadReader.event(type: type, $0) }) { return event }
        return try foundationDecoded(type: type, schema: schema, payload: Data(payload.utf8))
    }

    /// The payload as Foundation's `JSONDecoder` reads it: what `decode` must equal (and what it
    /// did alone before `PayloadReader`; the benchmark measures both).
    public static func foundationDecoded(type: String, schema: Int, payload: Data) throws(QuireError) -> Event {
        guard schema == 1 else {
            throw .invalidInput("Event type \(type) has no schema version \(schema) in this version of quire.")
        }
        guard !JSONValue.nestsTooDeep(payload) else {
            throw .invalidInput("The \(type) payload does not fit schema \(schema) (\(JSONValue.tooDeepReason)).")
        }
        let decoder = EventCoding.decoder
        do {
            switch type {
            case "session.created": return .sessionCreated(try decoder.decode(SessionCreated.self, from: payload))
            case "session.accessed": return .sessionAccessed(try decoder.decode(SessionAccessed.self, from: payload))
            case "session.updated": return .sessionUpdated(try decoder.decode(SessionUpdated.self, from: payload))
            case "session.completed": return .sessionCompleted(try decoder.decode(SessionCompleted.self, from: payload))
            case "session.deleted": return .sessionDeleted(try decoder.decode(SessionDeleted.self, from: payload))
            case "user.registered": return .userRegistered(try decoder.decode(UserRegistered.self, from: payload))
            case "user.role_changed": return .userRoleChanged(try decoder.decode(UserRoleChanged.self, from: payload))
            case "user.deactivated": return .userDeactivated(try decoder.decode(UserDeactivated.self, from: payload))
            case "access.denied": return .accessDenied(try decoder.decode(AccessDenied.self, from: payload))
            case "session.expired": return .sessionExpired(try decoder.decode(SessionExpired.self, from: payload))
            case "session.reopened": return .sessionReopened(try decoder.decode(SessionReopened.self, from: payload))
            case "setting.changed": return .settingChanged(try decoder.decode(SettingChanged.self, from: payload))
            case "session.transferred": return .sessionTransferred(try decoder.decode(SessionTransferred.self, from: payload))
            case "session.offered": return .sessionOffered(try decoder.decode(SessionOffered.self, from: payload))
            case "session.accepted": return .sessionAccepted(try decoder.decode(SessionAccepted.self, from: payload))
            case "session.declined": return .sessionDeclined(try decoder.decode(SessionDeclined.self, from: payload))
            case "session.collaborator_added": return .collaboratorAdded(try decoder.decode(CollaboratorAdded.self, from: payload))
            case "session.collaborator_removed": return .collaboratorRemoved(try decoder.decode(CollaboratorRemoved.self, from: payload))
            default: throw QuireError.invalidInput("Unknown event type \(type).")
            }
        } catch let error as QuireError {
            throw error
        } catch let error as DecodingError {
            throw .invalidInput("The \(type) payload does not fit schema \(schema) (\(error.shortReason)).")
        } catch {
            throw .invalidInput("The \(type) payload does not fit schema \(schema).")
        }
    }

    func encode(payloadEncoder encoder: JSONEncoder) throws -> Data {
        switch self {
        case .sessionCreated(let e): try encoder.encode(e)
        case .sessionAccessed(let e): try encoder.encode(e)
        case .sessionUpdated(let e): try encoder.encode(e)
        case .sessionCompleted(let e): try encoder.encode(e)
        case .sessionDeleted(let e): try encoder.encode(e)
        case .userRegistered(let e): try encoder.encode(e)
        case .userRoleChanged(let e): try encoder.encode(e)
        case .userDeactivated(let e): try encoder.encode(e)
        case .accessDenied(let e): try encoder.encode(e)
        case .sessionExpired(let e): try encoder.encode(e)
        case .sessionReopened(let e): try encoder.encode(e)
        case .settingChanged(let e): try encoder.encode(e)
        case .sessionTransferred(let e): try encoder.encode(e)
        case .sessionOffered(let e): try encoder.encode(e)
        case .sessionAccepted(let e): try encoder.encode(e)
        case .sessionDeclined(let e): try encoder.encode(e)
        case .collaboratorAdded(let e): try encoder.encode(e)
        case .collaboratorRemoved(let e): try encoder.encode(e)
        }
    }
}

/// The encoders quire writes JSON with. Sorted keys make the stored payloads stable, so the same
/// event always hashes the same. They are shared (Foundation's encoders and decoders are
/// `Sendable` and keep no state between calls): building one per event showed up in the append
/// and rebuild benchmarks. Never change their settings.
public enum EventCoding {
    public static let compact: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static let pretty: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return encoder
    }()

    public static let decoder = JSONDecoder()
}

/// Compact JSON with the fields of each payload in sorted order, for `Event.encodedPayload`.
struct PayloadWriter {
    private(set) var text = ""
    /// False once a value was met that only `JSONEncoder` itself writes exactly.
    private(set) var exact = true
    private var first = true

    init() { text.reserveCapacity(256) }

    mutating func write(_ event: Event) {
        open()
        switch event {
        case .sessionCreated(let e):
            string("blob", e.blob)
            string("file_name", e.fileName)
            string("json_hash", e.jsonHash)
            if let legacy = e.legacy {
                key("legacy")
                open()
                string("created_at", legacy.createdAt?.description)
                string("last_accessed_at", legacy.lastAccessedAt?.description)
                value("metadata", .object(legacy.metadata))
                string("status", legacy.status.rawValue)
                string("updated_at", legacy.updatedAt?.description)
                close()
            }
            string("name", e.name)
            string("owner_id", e.ownerID?.rawValue)
            value("paper", .object(e.paper))
            int("question_count", e.questionCount)
            string("session_id", e.sessionID.rawValue)
        case .sessionAccessed(let e):
            string("session_id", e.sessionID.rawValue)
        case .sessionUpdated(let e):
            if let metadata = e.metadata { value("metadata", .object(metadata)) }
            if let progress = e.progress { int("progress", progress) }
            if let imported = e.questionsImported { int("questions_imported", imported) }
            string("session_id", e.sessionID.rawValue)
            if let step = e.step { string("step", step.rawValue) }
        case .sessionCompleted(let e):
            int("questions_imported", e.questionsImported)
            string("session_id", e.sessionID.rawValue)
        case .sessionDeleted(let e):
            if let reason = e.reason { string("reason", reason) }
            string("session_id", e.sessionID.rawValue)
        case .userRegistered(let e):
            string("email", e.email)
            string("role", e.role.rawValue)
            string("user_id", e.userID.rawValue)
        case .userRoleChanged(let e):
            string("role", e.role.rawValue)
            string("user_id", e.userID.rawValue)
        case .userDeactivated(let e):
            if let reason = e.reason { string("reason", reason) }
            string("user_id", e.userID.rawValue)
        case .accessDenied(let e):
            string("command", e.command)
            string("reason", e.reason.rawValue)
            string("target", e.target)
        case .sessionExpired(let e):
            string("expire_after", e.expireAfter)
            int("idle_seconds", e.idleSeconds)
            string("last_accessed_at", e.lastAccessedAt.description)
            string("session_id", e.sessionID.rawValue)
        case .sessionReopened(let e):
            string("session_id", e.sessionID.rawValue)
        case .settingChanged(let e):
            string("key", e.key)
            string("value", e.value)
        case .sessionTransferred(let e):
            string("from", e.from?.rawValue)
            if let reason = e.reason { string("reason", reason) }
            string("session_id", e.sessionID.rawValue)
            string("to", e.to.rawValue)
        case .sessionOffered(let e):
            string("expires_at", e.expiresAt.description)
            string("from", e.from.rawValue)
            string("session_id", e.sessionID.rawValue)
            string("to", e.to.rawValue)
        case .sessionAccepted(let e):
            string("from", e.from.rawValue)
            string("session_id", e.sessionID.rawValue)
            string("to", e.to.rawValue)
        case .sessionDeclined(let e):
            key("expired")
            text += e.expired ? "true" : "false"
            string("session_id", e.sessionID.rawValue)
            string("to", e.to.rawValue)
        case .collaboratorAdded(let e):
            string("role", e.role.rawValue)
            string("session_id", e.sessionID.rawValue)
            string("user_id", e.userID.rawValue)
        case .collaboratorRemoved(let e):
            string("session_id", e.sessionID.rawValue)
            string("user_id", e.userID.rawValue)
        }
        close()
    }

    private mutating func open() {
        text += "{"
        first = true
    }

    private mutating func close() {
        text += "}"
        first = false
    }

    /// Keys are the payloads' own constants: plain ASCII that needs no escaping.
    private mutating func key(_ name: String) {
        if !first { text += "," }
        first = false
        text += "\""
        text += name
        text += "\":"
    }

    private mutating func string(_ name: String, _ value: String?) {
        key(name)
        if let value { JSONValue.writeString(value, into: &text) } else { text += "null" }
    }

    private mutating func int(_ name: String, _ value: Int) {
        key(name)
        text += String(value)
    }

    private mutating func value(_ name: String, _ value: JSONValue) {
        key(name)
        if !value.canonicalMatchesFoundation { exact = false }
        value.write(into: &text)
    }
}
