import Logging
import QuireCore
import QuireService
import ServiceLifecycle

/// The server's periodic sweep: every `interval` it expires the sessions idle longer than the
/// timeout (`QuireService.sweep`), with `--expire-after` as the timeout while the log holds no
/// `expire_after` setting. Several servers on one log may sweep at once; each expiry is appended
/// once (the sweep appends at the version it decided on, and decides again on a conflict).
struct Sweeper: Service {
    let service: QuireService
    let fallback: TimeSpan?
    let interval: Duration
    let metrics: ServerMetrics
    let logger: Logger

    /// Sweeps until the server shuts down. The shutdown interrupts the wait between sweeps, which
    /// is the normal way for this service to end, not a failure of the server.
    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    await sweepOnce()
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            return
        }
    }

    /// One sweep on the writer's queue, so it takes its turn with the group commits.
    func sweepOnce() async {
        let service = self.service, fallback = self.fallback
        do {
            let report = try await Blocking.run(on: Blocking.writer) { () throws(QuireError) -> SweepReport in
                try service.sweep(fallback: fallback)
            }
            metrics.sweep(outcome: report.expireAfter == nil ? "off" : "ok", expired: report.expired.count)
            if !report.expired.isEmpty {
                logger.info("sweep expired \(report.expired.count) session(s) idle longer than \(report.expireAfter ?? "?")")
            }
        } catch where error.code == .usage {
            metrics.sweep(outcome: "no_timeout", expired: 0)  // no setting and no --expire-after: nothing to do
        } catch {
            metrics.sweep(outcome: error.code.rawValue, expired: 0)
            logger.warning("sweep failed: \(error.message)")
        }
    }
}
