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
