import Foundation
import QuireCore
import QuireStore

/// One row of the `events` table as `GET /v1/events` and the event stream show it: the columns'
/// names, the hashes in hex, and the payload as the JSON object it stores.
public struct EventView: Sendable, Equatable, Codable {
    public var position: Int64
    public var stream: String
    public var version: Int
    public var type: String
    public var schema: Int
    public var eventID: String
    public var actor: String
    public var commandID: String?
    public var recordedAt: String
    public var payload: JSONValue
    public var prevHash: String
    public var hash: String

    enum CodingKeys: String, CodingKey {
        case position, stream, version, type, schema, eventID = "event_id", actor, commandID = "command_id"
        case recordedAt = "recorded_at", payload, prevHash = "prev_hash", hash
    }

    public init(_ r: RecordedEvent) {
        position = r.position
        stream = r.stream
        version = r.version
        type = r.type
        schema = r.schema
        eventID = r.eventID
        actor = r.actor
        commandID = r.commandID
        recordedAt = r.recordedAt
        payload = (try? EventCoding.decoder.decode(JSONValue.self, from: Data(r.payload.utf8))) ?? .string(r.payload)
        prevHash = r.prevHash.hex
        hash = r.hash.hex
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(position, forKey: .position)
        try c.encode(stream, forKey: .stream)
        try c.encode(version, forKey: .version)
        try c.encode(type, forKey: .type)
        try c.encode(schema, forKey: .schema)
        try c.encode(eventID, forKey: .eventID)
        try c.encode(actor, forKey: .actor)
        try c.encode(commandID, forKey: .commandID)
        try c.encode(recordedAt, forKey: .recordedAt)
        try c.encode(payload, forKey: .payload)
        try c.encode(prevHash, forKey: .prevHash)
        try c.encode(hash, forKey: .hash)
    }
}

/// A page of the log as one reader may see it.
public struct EventPage: Sendable, Equatable, Codable {
    public var events: [EventView]
    /// The last position this page looked at: ask for events after it next. For an admin it can be
    /// past the last event shown, when the events in between were other actors'.
    public var nextAfter: Int64

    enum CodingKeys: String, CodingKey { case events, nextAfter = "next_after" }
}

extension QuireService {
    /// How many rows one `events` call examines at most, so that an admin's page over a long log
    /// of other people's events stays cheap; the caller continues from `nextAfter`.
    static let maxEventsScanned = 10_000

    /// Events after `position`, in log order, at most `limit`. A system admin sees every event; an
    /// admin only the events they are the actor of. The reader must be an active user.
    public func events(after position: Int64, limit: Int, as name: ActorName) throws(QuireError) -> EventPage {
        let me = try actingUser(name)
        guard limit > 0 else { throw .usage("limit must be at least 1.") }
        guard position >= 0 else { throw .usage("after must be zero or more.") }
        let everyone = me.role == .systemAdmin
        let mine = me.id.rawValue
        return try store.read { db in
            var shown: [EventView] = []
            var cursor = position
            var scanned = 0
            while shown.count < limit && scanned < Self.maxEventsScanned {
                let chunk = try EventLog.read(after: cursor, limit: everyone ? limit - shown.count : min(1000, Self.maxEventsScanned - scanned), db)
                guard let last = chunk.last else { break }
                for record in chunk where everyone || record.actor == mine {
                    shown.append(EventView(record))
                    if shown.count == limit {
                        cursor = record.position
                        break
                    }
                }
                if shown.count < limit { cursor = last.position }
                scanned += chunk.count
            }
            return EventPage(events: shown, nextAfter: cursor)
        }
    }

    /// The position of the last event: how many events the log holds (`/healthz`).
    public func lastPosition() throws(QuireError) -> Int64 {
        try store.read { db in try EventLog.count(db) }
    }
}
