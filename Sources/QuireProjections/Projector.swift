import GRDB
import QuireCore
import QuireStore

/// A projector folds events, in position order, into tables of its own.
///
/// Its `codeVersion` is stored with its checkpoint; when the code changes what the tables hold,
/// bump it and every database rebuilds that projection from the log when it next opens.
public protocol Projector: Sendable {
    /// The checkpoint's name, e.g. `session_views`.
    var name: String { get }
    var codeVersion: Int { get }
    /// The tables it owns, each with the columns that order its rows for comparison.
    var tables: [ProjectionTable] { get }
    /// Creates its tables and indexes (they do not exist yet).
    func createTables(_ db: Database) throws
    /// Folds one event into its tables.
    func apply(_ event: Event, _ record: RecordedEvent, _ db: Database) throws
    /// Folds a batch of consecutive events (a rebuild or replay): by default one by one. It must
    /// leave the tables exactly as `apply` of each event would.
    func apply(_ batch: EventBatch, _ db: Database) throws
}

/// A projection table and the key that orders its rows, so that two copies can be compared.
public struct ProjectionTable: Sendable, Equatable {
    public var name: String
    public var orderBy: String
    public init(_ name: String, orderBy: String) {
        self.name = name
        self.orderBy = orderBy
    }
}

extension Projector {
    public func apply(_ batch: EventBatch, _ db: Database) throws {
        for (record, event) in batch.events { try apply(event, record, db) }
    }

    func dropTables(_ db: Database) throws {
        for table in tables {
            try db.execute(sql: "DROP TABLE IF EXISTS \(table.name)")
        }
    }
}
