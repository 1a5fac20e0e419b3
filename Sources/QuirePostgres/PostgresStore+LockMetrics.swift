import CoreMetrics

extension PostgresStore {
    /// `quire_append_lock_seconds`: how long one write transaction held the log's head row, from
    /// the answer to its `SELECT position FROM log_head FOR UPDATE` to the answer to its `COMMIT`.
    ///
    /// No other writer on the schema can overlap that span (see the type's documentation), so its
    /// total over a stretch of time, divided by the time, is the serial fraction of the appends:
    /// what bounds how far the rate grows with more cores and more `quire serve` processes. It is
    /// recorded through the process-wide `MetricsSystem`, a no-op unless the process bootstrapped
    /// one (`quire serve` does, into its `/metrics`). Transactions that roll back are not counted.
    static let lockHoldLabel = "quire_append_lock_seconds"

    static func recordLockHeld(since start: ContinuousClock.Instant) {
        let held = ContinuousClock.now - start
        CoreMetrics.Timer(label: lockHoldLabel)
            .recordNanoseconds(held.components.seconds * 1_000_000_000 + held.components.attoseconds / 1_000_000_000)
    }
}
