import Foundation
import QuireService
import QuireStorage
import Synchronization

/// Wakes the open event streams when this server commits events, so a stream shows a new event
/// as soon as it is durable instead of on its next poll.
///
/// Each subscriber holds a stream of "something may have changed" ticks that keeps at most one
/// pending tick: a burst of commits wakes a slow subscriber once, and it reads them all.
final class EventFeed: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<Void>.Continuation]>([:])
    /// The database's own commit notices, where it has them (PostgreSQL's LISTEN/NOTIFY): other
    /// processes' commits then wake the streams too, and nobody polls.
    private let watch = Mutex<(any CommitWatch)?>(nil)

    /// Listens for every process's commits to the service's database, if the database can say.
    func listen(to service: QuireService) {
        let handle = service.watchCommits { [weak self] in self?.publish() }
        watch.withLock { $0 = handle }
    }

    /// Whether other processes' commits arrive as notices (else streams poll for them).
    var hearsOtherProcesses: Bool { watch.withLock { $0 != nil } }

    deinit { watch.withLock { $0?.cancel() } }

    struct Subscription: Sendable {
        let id: UUID
        let ticks: AsyncStream<Void>
        let continuation: AsyncStream<Void>.Continuation
        /// Asks the subscriber to look again (its poll timer, or "the page was full").
        func tick() { continuation.yield() }
        /// Ends the subscriber's loop (graceful shutdown).
        func finish() { continuation.finish() }
    }

    /// A new subscription, with one tick already pending so that the first read happens at once.
    func subscribe() -> Subscription {
        let (ticks, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        subscribers.withLock { $0[id] = continuation }
        continuation.yield()
        return Subscription(id: id, ticks: ticks, continuation: continuation)
    }

    func unsubscribe(_ subscription: Subscription) {
        let continuation = subscribers.withLock { $0.removeValue(forKey: subscription.id) }
        continuation?.finish()
    }

    /// Called after a transaction that appended events has committed.
    func publish() {
        // Copy under the lock, yield after releasing it.
        let all = subscribers.withLock { Array($0.values) }
        for continuation in all { continuation.yield() }
    }
}
