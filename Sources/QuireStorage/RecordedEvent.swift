import Foundation
import QuireCore

/// One row of the `events` table, as stored.
public struct RecordedEvent: Equatable, Sendable {
    public var position: Int64
    public var stream: String
    public var version: Int
    public var type: String
    public var schema: Int
    public var eventID: String
    public var actor: String
    public var commandID: String?
    /// The text exactly as stored (RFC 3339, milliseconds, UTC): the hash covers these bytes.
    public var recordedAt: String
    /// The payload exactly as stored: compact JSON with sorted keys.
    public var payload: String
    public var prevHash: Data
    public var hash: Data

    public init(position: Int64, stream: String, version: Int, type: String, schema: Int, eventID: String, actor: String,
                commandID: String?, recordedAt: String, payload: String, prevHash: Data, hash: Data) {
        self.position = position
        self.stream = stream
        self.version = version
        self.type = type
        self.schema = schema
        self.eventID = eventID
        self.actor = actor
        self.commandID = commandID
        self.recordedAt = recordedAt
        self.payload = payload
        self.prevHash = prevHash
        self.hash = hash
    }

    /// The time it was recorded, or the epoch when the stored text is not RFC 3339 (a hand-edited row).
    public var timestamp: Timestamp { Timestamp(rfc3339: recordedAt) ?? Timestamp(milliseconds: 0) }

    /// The domain event the payload holds.
    public func decoded() throws(QuireError) -> Event {
        try Event.decode(type: type, schema: schema, payload: payload)
    }
}

/// The expected version an append names for a stream.
public enum ExpectedVersion: Equatable, Sendable {
    /// Whatever the stream's version is (the `security` stream; commands that decided inside the
    /// writer's transaction).
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream must be at exactly this version.
    case exactly(Int)
}

/// An event to append, with the version of its stream that the command decided on.
public struct NewEvent: Sendable {
    public var event: Event
    public var expectedVersion: ExpectedVersion
    public init(_ event: Event, expectedVersion: ExpectedVersion = .any) {
        self.event = event
        self.expectedVersion = expectedVersion
    }
}

/// What the envelope of every event appended by one command carries.
public struct Envelope: Sendable {
    public var actor: EventActor
    public var commandID: String?
    public var recordedAt: Timestamp
    public init(actor: EventActor, commandID: String?, recordedAt: Timestamp) {
        self.actor = actor
        self.commandID = commandID
        self.recordedAt = recordedAt
    }
}

/// What every backend's append does the same way, around its own reads and inserts: check each
/// stream's expected version, refuse a time earlier than the log's last, and chain the records.
public enum AppendRules {
    /// Throws `QuireError.conflict` with both versions when `current` is not what `expected` says.
    public static func check(_ expected: ExpectedVersion, stream: String, current: Int) throws(QuireError) {
        switch expected {
        case .any: break
        case .noStream where current != 0:
            throw .conflict(stream: stream, expected: 0, actual: current)
        case .exactly(let version) where version != current:
            throw .conflict(stream: stream, expected: version, actual: current)
        default: break
        }
    }

    /// Times never go back in position order (the backends' triggers say so too, for anyone else).
    public static func checkTime(_ recordedAt: String, after tip: LogTip, recordedAt last: String?) throws(QuireError) {
        if let last, recordedAt < last {
            throw .internal("An event recorded at \(recordedAt) cannot follow position \(tip.position), recorded at \(last): recorded_at never decreases in position order.")
        }
    }

    /// The records for `events`, chained after `tip`, given each stream's current version (the
    /// check above already passed). One fresh event id each.
    public static func records(_ events: [NewEvent], envelope: Envelope, after tip: LogTip,
                               versions: [String: Int]) throws -> [RecordedEvent] {
        var versions = versions
        var tip = tip
        let recordedAt = envelope.recordedAt.description
        let actor = envelope.actor.description
        var records: [RecordedEvent] = []
        records.reserveCapacity(events.count)
        for new in events {
            let stream = new.event.stream
            let version = (versions[stream] ?? 0) + 1
            versions[stream] = version
            let payload = try new.event.encodedPayload()
            let eventID = Identifier.newUUID()
            let position = tip.position + 1
            let hash = HashChain.hash(prev: tip.hash, position: position, stream: stream, version: version,
                                      type: new.event.type, schema: new.event.schema, eventID: eventID, actor: actor,
                                      commandID: envelope.commandID, recordedAt: recordedAt, payload: payload)
            let record = RecordedEvent(position: position, stream: stream, version: version, type: new.event.type,
                                       schema: new.event.schema, eventID: eventID, actor: actor, commandID: envelope.commandID,
                                       recordedAt: recordedAt, payload: payload, prevHash: tip.hash, hash: hash)
            tip = LogTip(position: position, hash: hash)
            records.append(record)
        }
        return records
    }
}
