import Dispatch
import QuireCore

/// Runs the service's synchronous work (SQLite reads and writes, fsync) on Dispatch's threads, so
/// that it never blocks the few threads Swift concurrency and the event loops run on.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(QuireError) -> T) async throws(QuireError) -> T {
        let result: Result<T, QuireError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(QuireError) -> T in try body() })
            }
        }
        return try result.get()
    }

    /// For work that cannot fail.
    static func perform<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }
}
