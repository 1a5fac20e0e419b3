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

extension EventRow where Payload == String {
    // In the order `export` writes them (sorted); `FlatJSONReader` finds them in any order.
    private static let keys: [StaticString] = ["actor", "command_id", "event_id", "hash", "payload", "position",
                                               "prev_hash", "recorded_at", "schema", "stream", "type", "version"]

    /// An export line read without `JSONDecoder`, or nil when the line is not in the plain shape
    /// `export` writes (then `JSONDecoder` reads it, and says what is wrong with it). In a profile
    /// of `quire import`, `JSONDecoder` was 94,000 of the verifying thread's 156,000 instructions
    /// per event: it learns the shape of every line anew through generic containers.
    static func reading(_ line: [UInt8]) -> ExportedEvent? {
        guard let v = line.withUnsafeBufferPointer({ FlatJSONReader.members($0, keys: Self.keys) }) else { return nil }
        func text(_ i: Int) -> String? { if case .string(let s)? = v[i] { s } else { nil } }
        func integer(_ i: Int) -> Int64? { if case .integer(let n)? = v[i] { n } else { nil } }
        // `command_id` is decoded if present: absent and null both mean none; anything but text
        // is for JSONDecoder to refuse.
        let commandID: String?
        switch v[1] {
        case nil, .null?: commandID = nil
        case .string(let s)?: commandID = s
        case .integer?: return nil
        }
        guard let actor = text(0), let eventID = text(2), let hash = text(3), let payload = text(4),
              let position = integer(5), let prevHash = text(6), let recordedAt = text(7), let schema = integer(8),
              let stream = text(9), let type = text(10), let version = integer(11),
              let schemaInt = Int(exactly: schema), let versionInt = Int(exactly: version) else { return nil }
        return ExportedEvent(position: position, stream: stream, version: versionInt, type: type, schema: schemaInt, eventID: eventID,
                             actor: actor, commandID: commandID, recordedAt: recordedAt, payload: payload, prevHash: prevHash, hash: hash)
    }

    init(position: Int64, stream: String, version: Int, type: String, schema: Int, eventID: String, actor: String,
         commandID: String?, recordedAt: String, payload: String, prevHash: String, hash: String) {
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
    /// line, leaving the database as it was. The projections are built in the same transaction.
    ///
    /// Two threads: this one reads, parses and verifies the lines (JSON, hash chain, payload);
    /// another writes the verified runs of events in one transaction and folds them into the
    /// projections as they go, through a bounded hand-off, so that memory stays flat. On two cores
    /// the import costs little more than its writing alone.
    public func importLog(lines: some Sequence<[UInt8]>, progress: StorageProgress? = nil) throws(QuireError) -> Int64 {
        let notEmpty = QuireError.invalidInput("The database already holds events; import only into an empty database.")
        // Asked before reading a line, so that a non-empty database is what is reported; asked
        // again in the write transaction against a writer that came in between.
        guard try store.read({ reader in try reader.eventCount() }) == 0 else { throw notEmpty }
        let store = self.store
        let handoff = ImportHandoff(capacity: 4)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do {
                try store.write { tx in
                    guard try tx.eventCount() == 0 else { throw notEmpty }
                    // A log written before recorded_at was kept in order may break it somewhere:
                    // the copy keeps every event as it was, and the rule holds again after the
                    // last such pair.
                    try tx.enforceTimeOrder(from: Int64.max)
                    var projected = false
                    while let run = try handoff.receive() {
                        do { projected = try tx.insertVerbatim(run.events) } catch let error as QuireError {
                            throw error
                        } catch {
                            let first = run.events.first!.record.position, last = run.events.last!.record.position
                            throw QuireError.invalidInput("Lines \(run.firstLine)–\(run.lastLine) (positions \(first)–\(last)) cannot be stored: \(error).")
                        }
                    }
                    try tx.enforceTimeOrder(from: handoff.orderedFrom)
                    // The projections commit with the events: a killed import leaves nothing or
                    // everything.
                    if !projected { try tx.rebuildProjections(progress: progress) }
                }
            } catch {
                handoff.fail(error as? QuireError ?? .internal("The import failed: \(error)."))
            }
            finished.signal()
        }
        let count: Int64
        do {
            count = try Self.verify(lines: lines, into: handoff, progress: progress)
            handoff.finish()
        } catch {
            handoff.abandon()
            finished.wait()
            // Reading stopped because writing failed: that failure is the one to report.
            if error is CancellationError, let writing = handoff.failure { throw writing }
            throw error as? QuireError ?? .internal("The import failed: \(error).")
        }
        finished.wait()
        if let failure = handoff.failure { throw failure }
        return count
    }

    /// Reads and verifies an export's lines, handing them on in runs of 1,024 events; returns how
    /// many events there were. Throws `CancellationError` when the writing side has stopped.
    private static func verify(lines: some Sequence<[UInt8]>, into handoff: ImportHandoff, progress: StorageProgress?) throws -> Int64 {
        let decoder = JSONDecoder()
        var orderedFrom: Int64 = 1
        var previousTime = ""
        var prev = HashChain.genesis
        var position: Int64 = 0
        var lineNumber = 0
        var ended = false
        var run = ImportRun()
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
            let exported: ExportedEvent
            if let plain = ExportedEvent.reading(line) { exported = plain } else {
                let data = Data(line)
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
            let event: Event
            do throws(QuireError) { event = try record.decoded() } catch {
                throw QuireError.invalidInput("Line \(lineNumber) (position \(record.position)): \(error.message)")
            }
            if run.events.isEmpty { run.firstLine = lineNumber }
            run.events.append((record, event))
            run.lastLine = lineNumber
            if run.events.count == ImportRun.size {
                guard handoff.send(run) else { throw CancellationError() }
                run = ImportRun()
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
        if !run.events.isEmpty { guard handoff.send(run) else { throw CancellationError() } }
        handoff.orderedFrom = orderedFrom
        return position
    }
}

/// Consecutive verified events of an export and the lines they came from.
struct ImportRun: Sendable {
    static let size = 1024
    var events: [(record: RecordedEvent, event: Event)] = []
    var firstLine = 0, lastLine = 0
    init() { events.reserveCapacity(Self.size) }
}

/// The bounded hand-off from the thread verifying an export to the one writing it, and what the
/// writer needs at the end (where time order holds again) or failed with.
final class ImportHandoff: Sendable {
    private struct State {
        var runs: [ImportRun] = []
        var phase = Phase.open
        var orderedFrom: Int64 = 1
        var failure: QuireError?
    }
    private enum Phase { case open, finished, abandoned, failed }
    private let capacity: Int
    private let condition = NSCondition()
    // Every access holds `condition`'s lock, so the state is never touched from two threads at once.
    nonisolated(unsafe) private var state = State()

    init(capacity: Int) { self.capacity = capacity }

    private func locked<T>(_ body: (inout State) -> T) -> T {
        condition.lock()
        defer { condition.broadcast(); condition.unlock() }
        return body(&state)
    }

    /// Waits for room and enqueues; false once the writer has failed.
    func send(_ run: ImportRun) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while state.runs.count >= capacity && state.phase == .open { condition.wait() }
        guard state.phase == .open else { return false }
        state.runs.append(run)
        condition.broadcast()
        return true
    }

    /// The next run, or nil once the reader has finished and everything was taken. Throws when
    /// the reader abandoned the import (nothing received may be committed).
    func receive() throws -> ImportRun? {
        condition.lock()
        defer { condition.unlock() }
        while state.runs.isEmpty && state.phase == .open { condition.wait() }
        if state.phase == .abandoned { throw CancellationError() }
        guard !state.runs.isEmpty else { return nil }
        let run = state.runs.removeFirst()
        condition.broadcast()
        return run
    }

    var orderedFrom: Int64 {
        get { locked { $0.orderedFrom } }
        set { locked { $0.orderedFrom = newValue } }
    }
    var failure: QuireError? { locked { $0.failure } }

    func finish() { locked { if $0.phase == .open { $0.phase = .finished } } }
    func abandon() { locked { if $0.phase != .failed { $0.phase = .abandoned } } }
    /// The writer failed: the reader's next `send` returns false and reports `error`.
    func fail(_ error: QuireError) {
        locked {
            $0.phase = .failed
            $0.failure = error
        }
    }
}
