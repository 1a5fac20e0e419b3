import Dispatch
import QuireCore
import QuireService

/// The server's one writer: group commit.
///
/// Requests hand their commands to `submit` and wait. While a transaction is being written and
/// fsynced, the commands that arrive queue up; when it commits, the writer takes everything queued
/// (up to `maxBatch` commands) into the next transaction, `QuireService.handleBatch`, where each
/// command runs in its own savepoint, so a rejected command never fails its neighbours. A lone
/// request never waits for company: there is no timer, only "whatever is queued right now", and
/// a request that finds the writer idle is written at once in a transaction of its own.
///
/// Once submitted, a command is committed or refused whether or not its client is still there:
/// the request's task only waits for the answer.
actor CommandWriter {
    private let service: QuireService
    private let groupCommit: Bool
    private let maxBatch: Int
    private let metrics: ServerMetrics
    private let feed: EventFeed
    /// Commands waiting for the next transaction, one entry per request, in arrival order.
    private var queue: [Pending] = []
    private var draining = false

    typealias Results = [Result<Outcome, QuireError>]

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
        if !draining, queue.isEmpty, submissions.count == 1 {
            // Nobody else is waiting: this command goes to the writer at once, exactly as it
            // would with group commit off, so a lone request pays nothing for batching. Whoever
            // arrives meanwhile queues for the next transaction.
            draining = true
            let results = await handleOneByOne(submissions)
            if queue.isEmpty {
                draining = false
            } else {
                Task { await self.drain() }
            }
            return results
        }
        return await withCheckedContinuation { continuation in
            queue.append(Pending(submissions: submissions, continuation: continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    /// Writes transactions until nothing is queued. Runs as one task at a time (`draining`); while
    /// it waits for a transaction, new submissions join the queue.
    private func drain() async {
        while !queue.isEmpty {
            var taken = 0
            var count = 0
            while taken < queue.count, taken == 0 || count + queue[taken].submissions.count <= maxBatch {
                count += queue[taken].submissions.count
                taken += 1
            }
            let batch = Array(queue.prefix(taken))
            queue.removeFirst(taken)
            let submissions = batch.flatMap(\.submissions)
            let service = service
            let clock = ContinuousClock()
            let start = clock.now
            let results = await Blocking.perform(on: Blocking.writer) { service.handleBatch(submissions) }
            record(submissions, results, duration: clock.now - start)
            var next = 0
            for pending in batch {
                pending.continuation.resume(returning: Array(results[next..<next + pending.submissions.count]))
                next += pending.submissions.count
            }
        }
        draining = false
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
