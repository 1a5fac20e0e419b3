import Foundation
import QuireCore
import QuireStorage

/// How an `EventRow` carries the payload: as the stored text (`export`, which must be re-hashable)
/// or parsed (the HTTP event list and stream).
public protocol EventPayloadForm: Codable, Sendable, Equatable {
    init(storedPayload: String)
}

extension String: EventPayloadForm {
    public init(storedPayload: String) { self = storedPayload }
}

extension JSONValue: EventPayloadForm {
    public init(storedPayload: String) {
        self = (try? JSONValue(stored: storedPayload)) ?? .string(storedPayload)
    }
}

/// An `events` row with the column names as keys and the hashes in hex.
public struct EventRow<Payload: EventPayloadForm>: Sendable, Equatable, Codable {
    public var position: Int64
    public var stream: String
    public var version: Int
    public var type: String
    public var schema: Int
    public var eventID: String
    public var actor: String
    public var commandID: String?
    public var recordedAt: String
    public var payload: Payload
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
        payload = Payload(storedPayload: r.payload)
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
        try c.encode(commandID, forKey: .commandID)  // null, not absent: every line names every column
        try c.encode(recordedAt, forKey: .recordedAt)
        try c.encode(payload, forKey: .payload)
        try c.encode(prevHash, forKey: .prevHash)
        try c.encode(hash, forKey: .hash)
    }
}

/// One line of `export`: the payload exactly as stored, so that the hash can be recomputed.
public typealias ExportedEvent = EventRow<String>

extension EventRow where Payload == String {
    /// The row as stored, or nil when a hash is not 32 bytes of hex.
    var record: RecordedEvent? {
        guard let prev = Data(hex: prevHash), let h = Data(hex: hash), prev.count == 32, h.count == 32 else { return nil }
        return RecordedEvent(position: position, stream: stream, version: version, type: type, schema: schema, eventID: eventID,
                             actor: actor, commandID: commandID, recordedAt: recordedAt, payload: payload, prevHash: prev, hash: h)
    }
}

/// The last line of an export: how many events it holds and the last hash, so that a file cut
/// short at a line boundary is still recognised as truncated.
public struct ExportEnd: Sendable, Equatable, Codable {
    public var exportEnd: Summary
    public struct Summary: Sendable, Equatable, Codable {
        public var events: Int64
        public var lastHash: String
        enum CodingKeys: String, CodingKey { case events, lastHash = "last_hash" }
    }
    enum CodingKeys: String, CodingKey { case exportEnd = "export_end" }
}

extension QuireService {
    /// Writes the whole log as JSON lines, in position order, from one snapshot, one line at a
    /// time (memory stays flat). System admins only: the log holds everyone's actions.
    public func export(as name: ActorName, progress: StorageProgress? = nil,
                       write: (Data) -> Void) throws(QuireError) -> Int64 {
        try authorize(.exportLog, as: name)
        return try store.read { reader in
            let total = try reader.eventCount()
            let encoder = EventCoding.compact
            var count: Int64 = 0
            var last = HashChain.genesis
            try reader.forEachEvent { record in
                write(try encoder.encode(ExportedEvent(record)) + Data("\n".utf8))
                count += 1
                last = record.hash
                if count % 10_000 == 0 { progress?(count, total) }
            }
            write(try encoder.encode(ExportEnd(exportEnd: .init(events: count, lastHash: last.hex))) + Data("\n".utf8))
            progress?(count, total)
            return count
        }
    }

    /// Imports an exported log into this (empty) database: checks every line's chain link and
    /// hash while reading, and refuses a tampered, reordered or truncated file naming the first bad
    /// line, leaving the database as it was. Then rebuilds every projection from the log.
    public func importLog(lines: some Sequence<[UInt8]>, progress: StorageProgress? = nil) throws(QuireError) -> Int64 {
        let decoder = JSONDecoder()
        let count: Int64 = try store.write { tx in
            guard try tx.eventCount() == 0 else {
                throw QuireError.invalidInput("The database already holds events; import only into an empty database.")
            }
            // A log written before recorded_at was kept in order may break it somewhere: the copy
            // keeps every event as it was, and the rule holds again after the last such pair.
            try tx.enforceTimeOrder(from: Int64.max)
            var orderedFrom: Int64 = 1
            var previousTime = ""
            var prev = HashChain.genesis
            var position: Int64 = 0
            var lineNumber = 0
            var ended = false
            for line in lines {
                lineNumber += 1
                if line.isEmpty { continue }
                guard !ended else { throw QuireError.invalidInput("Line \(lineNumber) follows the export's end line.") }
                // JSONDecoder can trap on text nested past its limit (see JSONValue.maximumDepth).
                guard !JSONValue.nestsTooDeep(line) else {
                    throw QuireError.invalidInput("Line \(lineNumber) is not an exported event (\(JSONValue.tooDeepReason)).")
                }
                // An event line first: the end line comes once, and trying it first on every line
                // cost a failed decode per event.
                let data = Data(line)
                let exported: ExportedEvent
                do { exported = try decoder.decode(ExportedEvent.self, from: data) } catch {
                    if let end = try? decoder.decode(ExportEnd.self, from: data) {
                        guard end.exportEnd.events == position, end.exportEnd.lastHash == prev.hex else {
                            throw QuireError.invalidInput("Line \(lineNumber): the end line says \(end.exportEnd.events) events but \(position) came before it; the file was cut or altered.")
                        }
                        ended = true
                        continue
                    }
                    throw QuireError.invalidInput("Line \(lineNumber) is not an exported event (\((error as? DecodingError)?.shortReason ?? "unreadable")).")
                }
                guard let record = exported.record else { throw QuireError.invalidInput("Line \(lineNumber) has a malformed hash.") }
                guard record.position == position + 1 else {
                    throw QuireError.invalidInput("Line \(lineNumber) holds position \(record.position) where \(position + 1) was expected.")
                }
                guard record.prevHash == prev else {
                    throw QuireError.invalidInput("Line \(lineNumber) (position \(record.position)): prev_hash does not match the previous event's hash.")
                }
                guard HashChain.hash(of: record, after: prev) == record.hash else {
                    throw QuireError.invalidInput("Line \(lineNumber) (position \(record.position)): the hash does not match its contents; the event was altered.")
                }
                do throws(QuireError) { _ = try record.decoded() } catch {
                    throw QuireError.invalidInput("Line \(lineNumber) (position \(record.position)): \(error.message)")
                }
                do { try tx.insertVerbatim(record) } catch {
                    throw QuireError.invalidInput("Line \(lineNumber) (position \(record.position)) cannot be stored: \(error).")
                }
                if record.recordedAt < previousTime { orderedFrom = record.position + 1 }
                previousTime = record.recordedAt
                prev = record.hash
                position = record.position
                if position % 10_000 == 0 { progress?(position, 0) }
            }
            guard ended else {
                throw QuireError.invalidInput("The file ends after line \(lineNumber) without the export's end line: it is truncated.")
            }
            try tx.enforceTimeOrder(from: orderedFrom)
            // The projections commit with the events: a killed import leaves nothing or everything.
            try tx.rebuildProjections(progress: progress)
            return position
        }
        return count
    }
}
