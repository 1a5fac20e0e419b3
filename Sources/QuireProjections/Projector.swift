import QuireCore
import QuireStorage

/// A projector's rules: what each event does to its tables, as row changes. No SQL and no driver:
/// every backend runs the same rules and only knows how to create the declared tables and write
/// and read their rows.
///
/// Its `codeVersion` is stored with its checkpoint; when the rules change what the tables hold,
/// bump it and every database rebuilds that projection from the log when it next opens.
public protocol Projector: Sendable {
    /// The checkpoint's name, e.g. `session_views`.
    var name: String { get }
    var codeVersion: Int { get }
    /// The tables it owns, declared as data.
    var tables: [TableSchema] { get }
    /// The changes one event makes, given the rows as they stand before it.
    func changes(for event: Event, _ record: RecordedEvent, _ rows: any RowReader) throws -> [RowChange]
    /// The rows of a session that was created and folded within one batch of a rebuild or replay
    /// (`EventBatch.newSessions`), given the event that created it: exactly what `changes(for:)` of
    /// each of its events would leave.
    func changes(forFolded session: SessionState, createdBy creation: RecordedEvent, _ rows: any RowReader) throws -> [RowChange]
    /// Whether a batch may hand it folded sessions (`changes(forFolded:)`) instead of their events;
    /// `false` for a projector that needs every event (the Merkle tree).
    var foldsSessions: Bool { get }
}

extension Projector {
    public var foldsSessions: Bool { true }
}

/// The inline projectors: their rules applied in the append's transaction, or to the batches of a
/// rebuild or replay, through whatever `RowWriter` the backend provides.
public struct Projections: Sendable {
    public let projectors: [any Projector]

    /// The four core projectors of DESIGN §3, and the Merkle tree over the log.
    public static let core = Projections([
        AuthorizationProjector(), SessionViewsProjector(), DuplicateIndexProjector(), MonitorProjector(), MerkleProjector(),
    ])

    public init(_ projectors: [any Projector]) { self.projectors = projectors }

    public func projector(named name: String) -> (any Projector)? {
        projectors.first { $0.name == name }
    }

    public var names: [String] { projectors.map(\.name) }

    /// The projections a database must rebuild when it opens, given its checkpoints and the log's
    /// last position: those without a checkpoint, written by other rules (code version) or
    /// lagging the log. Throws when a checkpoint is ahead of the log — events were removed from
    /// its end, which only `verify` should look into.
    public func stale(_ checkpoints: [Checkpoint], head: Int64) throws(QuireError) -> [String] {
        if let ahead = checkpoints.map(\.position).max(), ahead > head {
            throw .internal("The log ends at position \(head) but its projections were built from \(ahead) events: events were removed from the end of the log. Run `quire verify`; nothing was changed.")
        }
        return projectors.filter { p in
            guard let cp = checkpoints.first(where: { $0.name == p.name }) else { return true }
            return cp.codeVersion != p.codeVersion || cp.position != head
        }.map(\.name)
    }

    /// The projections another version of the rules wrote (or none did): what an upgrade builds.
    public func outdated(_ checkpoints: [Checkpoint]) -> [String] {
        projectors.filter { p in checkpoints.first { $0.name == p.name }?.codeVersion != p.codeVersion }.map(\.name)
    }

    /// These projections restricted to `names` (in this set's order).
    public func only(_ names: [String]) -> Projections {
        Projections(projectors.filter { names.contains($0.name) })
    }

    /// Folds freshly appended events into every projection, in order.
    public func apply(_ appended: [(record: RecordedEvent, event: Event)], to rows: any RowWriter) throws {
        for projector in projectors {
            for (record, event) in appended {
                for change in try projector.changes(for: event, record, rows) { try rows.apply(change) }
            }
        }
    }

    /// Folds a batch of consecutive events: sessions created in it are written once, in their folded
    /// state; every other event is applied one by one.
    public func apply(_ batch: EventBatch, to rows: any RowWriter) throws {
        for projector in projectors {
            for (record, event) in projector.foldsSessions ? batch.unfolded : batch.events {
                for change in try projector.changes(for: event, record, rows) { try rows.apply(change) }
            }
            for (id, state) in batch.newSessions where projector.foldsSessions {
                for change in try projector.changes(forFolded: state, createdBy: batch.creations[id]!, rows) { try rows.apply(change) }
            }
        }
    }
}
