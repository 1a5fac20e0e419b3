import Foundation
import GRDB
import QuireCore
import QuireProjections
import QuireStorage

/// How a rebuild or replay reads the SQLite log into `EventBatch`es.
extension EventBatch {
    /// Reads and decodes the log after `position` (up to `until`, inclusive) in runs of `size`
    /// events, holding no more than one run in memory.
    static func forEachRun(after position: Int64 = 0, until: Int64 = Int64.max, size: Int = 1024, _ db: Database,
                           _ body: ([(record: RecordedEvent, event: Event)]) throws -> Void) throws {
        var pending: [(record: RecordedEvent, event: Event)] = []
        pending.reserveCapacity(size)
        try SQLiteLog.forEach(after: position, until: until, db) { record in
            pending.append((record, try record.decoded()))
            if pending.count == size {
                try body(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { try body(pending) }
    }

    /// The same, as batches.
    static func forEach(after position: Int64 = 0, until: Int64 = Int64.max, _ db: Database,
                        _ body: (EventBatch) throws -> Void) throws {
        try forEachRun(after: position, until: until, db) { try body(EventBatch($0)) }
    }
}

extension EventBatch {
    /// Streams the log from the snapshot `source` into one write transaction of `target`, on two
    /// threads: this one reads and decodes; another folds the batches and applies them to `target`
    /// with `apply`, through one row writer. A bounded hand-off between them keeps memory flat. Both halves cost about the same,
    /// so a rebuild takes little more than reading and decoding the log alone on a machine with
    /// two cores. Returns the position of the last event applied.
    static func pipe(from source: Database, after position: Int64 = 0, until: Int64 = Int64.max,
                     into target: SQLiteStore, progress: StorageProgress? = nil,
                     apply: @escaping @Sendable (EventBatch, SQLiteRowWriter) throws -> Void) throws -> Int64 {
        let total = min(try SQLiteLog.tip(source).position, until)
        let handoff = Handoff<[(record: RecordedEvent, event: Event)]>(capacity: 4)
        let outcome = Outcome()
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do {
                let last: Int64 = try target.writeDatabase { db in
                    var last = position
                    let rows = SQLiteRowWriter(db)  // one writer, so its prepared statements serve every batch
                    while let run = try handoff.receive() {
                        let batch = EventBatch(run)
                        try apply(batch, rows)
                        last = batch.last ?? last
                        progress?(last, total)
                    }
                    return last
                }
                outcome.set(.success(last))
            } catch {
                handoff.close()
                outcome.set(.failure(error))
            }
            finished.signal()
        }
        do {
            try forEachRun(after: position, until: until, source) { run in
                // false: the applying side failed and has said why; stop reading.
                guard handoff.send(run) else { throw CancellationError() }
            }
            handoff.finish()
        } catch {
            handoff.abandon()
            finished.wait()
            // Reading stopped because applying failed: that failure is the one to report.
            if error is CancellationError, case .failure(let applyError)? = outcome.value { throw applyError }
            throw error
        }
        finished.wait()
        return try outcome.value!.get()
    }
}

/// A bounded, blocking queue from one producing thread to one consuming thread.
final class Handoff<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private let capacity: Int
    private var state = State.open
    private enum State { case open, finished, abandoned, closed }

    init(capacity: Int) { self.capacity = capacity }

    /// Waits for room and enqueues; false when the consumer has closed the hand-off.
    func send(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && state == .open { condition.wait() }
        guard state == .open else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The next item, or nil once the producer has finished and everything was taken. Throws
    /// when the producer abandoned the work (what was received must not be committed).
    func receive() throws -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && state == .open { condition.wait() }
        if state == .abandoned { throw CancellationError() }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// The producer is done: the consumer takes what is left, then sees the end.
    func finish() { set(.finished) }
    /// The producer failed: the consumer stops without finishing its work.
    func abandon() { set(.abandoned) }
    /// The consumer failed: the producer's next `send` returns false.
    func close() { set(.closed) }

    private func set(_ new: State) {
        condition.lock()
        if state == .open || new == .abandoned { state = new }
        condition.broadcast()
        condition.unlock()
    }
}

/// The result of the consuming thread, read once it has signalled.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Int64, any Error>?
    func set(_ r: Result<Int64, any Error>) { lock.withLock { result = r } }
    var value: Result<Int64, any Error>? { lock.withLock { result } }
}
