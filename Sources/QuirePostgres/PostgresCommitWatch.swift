import Foundation
import NIOCore
import PostgresNIO
import QuireStorage
import Synchronization

/// `LISTEN` on the channel the log's insert trigger notifies (`<schema>.events`, sent at commit,
/// in commit order), on one connection of its own. When that connection drops — the server
/// restarted, the network went — it reconnects with a short back-off and wakes its reader once,
/// so the reader catches up by position whatever it missed meanwhile.
final class PostgresCommitWatch: CommitWatch, @unchecked Sendable {
    private let pool: PostgresPool
    private let channel: String
    private let onCommit: @Sendable () -> Void
    private let state = Mutex<(cancelled: Bool, connection: PostgresConnection?)>((false, nil))

    init(pool: PostgresPool, schema: String, onCommit: @escaping @Sendable () -> Void) {
        self.pool = pool
        self.channel = schema + ".events"
        self.onCommit = onCommit
        let thread = Thread { [self] in run() }
        thread.name = "quire.postgres.listen"
        thread.start()
    }

    private var cancelled: Bool { state.withLock { $0.cancelled } }

    private func run() {
        var first = true
        while !cancelled {
            do {
                let connection = try pool.dedicated()
                state.withLock { $0.connection = connection }
                defer {
                    // Closed (and forgotten) before it goes away, however this round ended.
                    _ = try? (connection.close() as EventLoopFuture<Void>).wait()
                    state.withLock { $0.connection = nil }
                }
                if cancelled { break }
                let onCommit = onCommit
                connection.addListener(channel: channel) { _, _ in onCommit() }
                _ = try PostgresSQL.answer(connection.query(PostgresQuery(unsafeSQL: "LISTEN \"\(channel)\""), logger: pool.logger),
                                           on: connection)
                // Whatever was committed while nobody listened is read by position now.
                if !first { onCommit() }
                first = false
                try? connection.closeFuture.wait()
            } catch {
                // Unreachable for now: try again shortly.
            }
            if !cancelled { Thread.sleep(forTimeInterval: 0.5) }
        }
    }

    func cancel() {
        let connection = state.withLock { s -> PostgresConnection? in
            s.cancelled = true
            return s.connection
        }
        if let connection { PostgresPool.closeSoon(connection) }
    }
}

extension PostgresStore {
    public func watchCommits(_ onCommit: @escaping @Sendable () -> Void) -> (any CommitWatch)? {
        PostgresCommitWatch(pool: pool, schema: schema, onCommit: onCommit)
    }
}
