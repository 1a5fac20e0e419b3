import Dispatch
import QuireCore
import Synchronization

/// Runs the service's synchronous work (SQLite reads and writes, fsync) off the few threads Swift
/// concurrency and the event loops run on.
///
/// Not on `DispatchQueue.global()`: on Linux its pool has one thread per core, so a writer
/// waiting for fsync and a few reads held every thread and left the CPU idle while requests
/// queued. Each private serial queue here gets a thread of its own when it has work, so the
/// writer (which has a queue to itself) and the reads never wait for one another's threads.
enum Blocking {
    /// The group-commit writer's queue: one transaction at a time anyway.
    static let writer = DispatchQueue(label: "quire.writer")
    private static let readers = (0..<8).map { DispatchQueue(label: "quire.reader.\($0)") }
    private static let next = Atomic<Int>(0)

    private static var reader: DispatchQueue {
        readers[next.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count]
    }

    static func run<T: Sendable>(on queue: DispatchQueue? = nil, _ body: @escaping @Sendable () throws(QuireError) -> T) async throws(QuireError) -> T {
        let result: Result<T, QuireError> = await withCheckedContinuation { continuation in
            (queue ?? reader).async {
                continuation.resume(returning: Result { () throws(QuireError) -> T in try body() })
            }
        }
        return try result.get()
    }

    /// For work that cannot fail.
    static func perform<T: Sendable>(on queue: DispatchQueue? = nil, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            (queue ?? reader).async { continuation.resume(returning: body()) }
        }
    }
}
