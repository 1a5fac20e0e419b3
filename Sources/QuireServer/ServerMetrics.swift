import CoreMetrics
import Metrics
import Prometheus
import QuireCore
import QuireService
import Synchronization

/// The service's metrics, in a registry of its own (not the process-wide `MetricsSystem`, so that
/// several applications in one test process keep separate counts), served as Prometheus text.
///
/// - `quire_commands_total{type, outcome}`: commands handled, by type and `ok` or error code;
/// - `quire_append_duration_seconds`: how long one transaction (one group commit) took;
/// - `quire_batch_size`: commands per transaction; `quire_batch_size_max`: the largest so far;
/// - `quire_open_streams`: event streams open now;
/// - `quire_sweeps_total{outcome}`: periodic sweeps run, by `ok`, `off` (timeout turned off),
///   `no_timeout` (none set) or the error's code; `quire_sweep_expired_total`: sessions they
///   expired; `quire_sweep_last_run_timestamp_seconds`: when the last one ran;
/// - `quire_sessions{status}`: sessions in progress and expired now, and `quire_pending_offers`,
///   read from the projections when `/metrics` is scraped;
/// - `quire_append_lock_seconds` (PostgreSQL only, and only under `quire serve`, which makes this
///   registry the process-wide `MetricsSystem`'s): how long each write transaction held the log's
///   head row, the part of an append no other writer can overlap.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let appendLatency: CoreMetrics.Timer
    private let batchSize: Recorder
    private let largestBatch: CoreMetrics.Gauge
    private let openStreams: CoreMetrics.Gauge
    private let state = Mutex(State())

    private struct State {
        var largestBatch = 0
        var openStreams = 0
        var lastSweep: Timestamp?
    }

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets["quire_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
        factory.durationHistogramBuckets["quire_append_duration_seconds"] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        // Fine at the low end: a lone PostgreSQL append holds the head row for a few milliseconds.
        factory.durationHistogramBuckets["quire_append_lock_seconds"] = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(3), .milliseconds(5),
            .milliseconds(7), .milliseconds(10), .milliseconds(15), .milliseconds(20), .milliseconds(30), .milliseconds(50),
            .milliseconds(75), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        self.factory = factory
        appendLatency = CoreMetrics.Timer(label: "quire_append_duration_seconds", dimensions: [], factory: factory)
        batchSize = Recorder(label: "quire_batch_size", dimensions: [], aggregate: true, factory: factory)
        largestBatch = CoreMetrics.Gauge(label: "quire_batch_size_max", dimensions: [], factory: factory)
        openStreams = CoreMetrics.Gauge(label: "quire_open_streams", dimensions: [], factory: factory)
    }

    /// One command's result; `outcome` is `ok` or the error's code.
    func command(type: String, outcome: String) {
        Counter(label: "quire_commands_total", dimensions: [("type", type), ("outcome", outcome)], factory: factory).increment()
    }

    func transaction(commands: Int, duration: Duration) {
        appendLatency.recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        batchSize.record(commands)
        let largest = state.withLock { s in
            s.largestBatch = max(s.largestBatch, commands)
            return s.largestBatch
        }
        largestBatch.record(largest)
    }

    func streamOpened() { openStreams.record(state.withLock { s in s.openStreams += 1; return s.openStreams }) }
    func streamClosed() { openStreams.record(state.withLock { s in s.openStreams -= 1; return s.openStreams }) }

    func sweep(outcome: String, expired: Int) {
        Counter(label: "quire_sweeps_total", dimensions: [("outcome", outcome)], factory: factory).increment()
        Counter(label: "quire_sweep_expired_total", dimensions: [], factory: factory).increment(by: expired)
        let now = Timestamp.now()
        CoreMetrics.Gauge(label: "quire_sweep_last_run_timestamp_seconds", dimensions: [], factory: factory)
            .record(Double(now.milliseconds) / 1000)
        state.withLock { $0.lastSweep = now }
    }

    func sessions(_ counts: MonitorSummary) {
        CoreMetrics.Gauge(label: "quire_sessions", dimensions: [("status", "in_progress")], factory: factory).record(counts.active)
        CoreMetrics.Gauge(label: "quire_sessions", dimensions: [("status", "expired")], factory: factory).record(counts.expired)
        CoreMetrics.Gauge(label: "quire_pending_offers", dimensions: [], factory: factory).record(counts.pendingOffers)
    }

    /// When the periodic sweep last ran (nil before the first, or when it is off).
    var lastSweep: Timestamp? { state.withLock { $0.lastSweep } }

    /// Makes this registry the process's `MetricsSystem`, so that what the storage backend measures
    /// itself (the PostgreSQL head-row lock) is served on this `/metrics` too. Once per process:
    /// `quire serve` runs one server; the tests' applications keep to their own registries.
    func bootstrapProcessWide() { MetricsSystem.bootstrap(factory) }

    /// Prometheus text exposition format.
    func render() -> String { registry.emitToString() }
}
