import Dispatch
import Synchronization
import QuireCore
import QuireService

/// The server's one writer: group commit.
///
/// Requests hand their commands to `submit` and wait. While a transaction is being written and
/// fsynced, the commands that arrive queue up; when it commits, the writer takes everything queued
/// (up to `maxBatch` commands) into the next transaction, `QuireService.handleBatch`, where each
/// command runs in its own savepoint, so a rejected command never fails its neighbours. A lone
/// request never waits for company: there is no timer, only "whatever is queued right now", and a
/// command that finds nobody else queued is written in a transaction of its own, exactly as with
/// group commit off.
///
/// The loop runs on the writer's own queue and goes from one transaction straight to the next.
/// (It was an actor: between two transactions it had to wait for a turn on Swift's cooperative
/// threads, which the requests it had just answered kept busy, so the writer sat idle and batching
/// came out slower than one transaction per command whenever fsync was cheap.)
///
/// Once submitted, a command is committed or refused whether or not its client is still there:
/// the request's task only waits for the answer.
final class CommandWriter: Sendable {
    private let service: QuireService
    private let groupCommit: Bool
    private let maxBatch: Int
    private let metrics: ServerMetrics
    private let feed: EventFeed
    private let state = Mutex(State())

    typealias Results = [Result<Outcome, QuireError>]

    private struct State {
        /// Commands waiting for the next transaction, one entry per request, in arrival order.
        var queue: [Pending] = []
        /// True while the loop on the writer's queue runs; it stops when it finds the queue empty.
        var draining = false
    }

    private struct Pending {
        var submissions: [QuireService.Submission]
        var continuation: CheckedContinuation<Results, Never>
    }

    init(service: QuireService, groupCommit: Bool, maxBatch: Int, metrics: ServerMetrics, feed: EventFeed) {
        self.service = service
        self.groupCommit = groupCommit
        self.maxBatch = max(1, maxBatch)
        self.metrics = metrics
        self.feed = feed
    }

    /// Handles one command.
    func submit(_ submission: QuireService.Submission) async -> Result<Outcome, QuireError> {
        await submit([submission])[0]
    }

    /// Handles a request's commands, in order and in the same transaction (when group commit is
    /// on); one result each.
    func submit(_ submissions: [QuireService.Submission]) async -> Results {
        guard !submissions.isEmpty else { return [] }
        guard groupCommit else { return await handleOneByOne(submissions) }
        return await withCheckedContinuation { continuation in
            let start = state.withLock { state in
                state.queue.append(Pending(submissions: submissions, continuation: continuation))
                let idle = !state.draining
                state.draining = true
                return idle
            }
            if start { Blocking.writer.async { self.drain() } }
        }
    }

    /// Writes transactions until nothing is queued, on the writer's queue; while it writes one,
    /// new submissions join the queue for the next.
    private func drain() {
        while true {
            let batch: [Pending] = state.withLock { state in
                var taken = 0
                var count = 0
                while taken < state.queue.count, taken == 0 || count + state.queue[taken].submissions.count <= maxBatch {
                    count += state.queue[taken].submissions.count
                    taken += 1
                }
                if taken == 0 { state.draining = false }
                let batch = Array(state.queue.prefix(taken))
                state.queue.removeFirst(taken)
                return batch
            }
            guard !batch.isEmpty else { return }
            let submissions = batch.flatMap(\.submissions)
            let clock = ContinuousClock()
            let start = clock.now
            let results: Results
            if submissions.count == 1 {
                // Nobody else was waiting: the same transaction as with group commit off.
                results = [Result { () throws(QuireError) -> Outcome in
                    try service.handle(submissions[0].request, as: submissions[0].actor, commandID: submissions[0].commandID)
                }]
            } else {
                results = service.handleBatch(submissions)
            }
            record(submissions, results, duration: clock.now - start)
            var next = 0
            for pending in batch {
                pending.continuation.resume(returning: Array(results[next..<next + pending.submissions.count]))
                next += pending.submissions.count
            }
        }
    }

    /// Without group commit: one transaction per command (`QuireService.handle`), which also
    /// retries a command whose decision another writer made stale.
    private func handleOneByOne(_ submissions: [QuireService.Submission]) async -> Results {
        var results: Results = []
        for submission in submissions {
            let service = service
            let clock = ContinuousClock()
            let start = clock.now
            let result = await Blocking.perform(on: Blocking.writer) {
                Result { () throws(QuireError) -> Outcome in
                    try service.handle(submission.request, as: submission.actor, commandID: submission.commandID)
                }
            }
            record([submission], [result], duration: clock.now - start)
            results.append(result)
        }
        return results
    }

    private func record(_ submissions: [QuireService.Submission], _ results: Results, duration: Duration) {
        metrics.transaction(commands: submissions.count, duration: duration)
        var appended = false
        for (submission, result) in zip(submissions, results) {
            switch result {
            case .success(let outcome):
                metrics.command(type: submission.request.name, outcome: "ok")
                if !outcome.positions.isEmpty { appended = true }
            case .failure(let error):
                metrics.command(type: submission.request.name, outcome: error.code.rawValue)
                // A refused attempt on someone's session still appends its access.denied.
                if error.code == .notFound || error.code == .forbidden { appended = true }
            }
        }
        if appended { feed.publish() }
    }
}
