import Foundation
import QuireCore
import QuireProjections
import QuireStorage
import QuireTestSupport
import Testing

/// Rows in a dictionary: the smallest backend there is. The rules run here exactly as they run on
/// SQLite or PostgreSQL, which is what makes them backend-neutral.
final class MemoryRows: RowWriter {
    struct Duplicate: Error {}
    var tables: [String: [[StoredValue]: StoredRow]] = [:]

    func key(_ table: TableSchema, _ row: StoredRow) -> [StoredValue] { table.keyPositions.map { row[$0] } }

    func row(_ table: TableSchema, key: [StoredValue]) throws -> StoredRow? { tables[table.name]?[key] }

    func apply(_ change: RowChange) throws {
        switch change {
        case .insert(let table, let row):
            guard tables[table.name]?[key(table, row)] == nil else { throw Duplicate() }
            tables[table.name, default: [:]][key(table, row)] = row
        case .upsert(let table, let row):
            tables[table.name, default: [:]][key(table, row)] = row
        case .update(let table, let key, let set):
            guard var row = tables[table.name]?[key] else { return }
            for (column, value) in set { row[table.position(of: column)] = value }
            tables[table.name]![key] = row
        case .increment(let table, let key, let column):
            guard var row = tables[table.name]?[key] else { return }
            let i = table.position(of: column)
            row[i] = .integer((row[i].integer ?? 0) + 1)
            tables[table.name]![key] = row
        case .delete(let table, let column, let value):
            let i = table.position(of: column)
            tables[table.name] = tables[table.name]?.filter { $0.value[i] != value }
        }
    }

    func rows(_ table: TableSchema) -> [StoredRow] {
        (tables[table.name] ?? [:]).sorted { "\($0.key)" < "\($1.key)" }.map(\.value)
    }
}

/// A random, valid log as recorded events (positions, stream versions, times), without a store.
func randomLog(seed: UInt64, batches: Int) -> ([(record: RecordedEvent, event: Event)], RandomWorkload) {
    var workload = RandomWorkload(seed: seed)
    var versions: [String: Int] = [:]
    var out: [(record: RecordedEvent, event: Event)] = []
    for _ in 0..<batches {
        let (actor, events) = workload.nextEvents()
        for event in events {
            let version = versions[event.stream, default: 0] + 1
            versions[event.stream] = version
            let record = RecordedEvent(position: Int64(out.count + 1), stream: event.stream, version: version, type: event.type,
                                       schema: event.schema, eventID: "e\(out.count + 1)", actor: actor.description, commandID: nil,
                                       recordedAt: workload.clock.description, payload: (try? event.encodedPayload()) ?? "{}",
                                       prevHash: Data(), hash: Data())
            out.append((record, event))
        }
    }
    return (out, workload)
}

@Suite("Projection rules")
struct ProjectionRuleTests {
    /// The session-views row of every session is exactly the fold of its stream by
    /// `SessionState.evolve`: the view and the decider can never disagree.
    @Test(arguments: [7, 8, 9] as [UInt64])
    func sessionViewsAreTheFoldOfEachStream(seed: UInt64) throws {
        let (log, workload) = randomLog(seed: seed, batches: 300)
        let rows = MemoryRows()
        try Projections.core.apply(log, to: rows)
        var folded: [SessionID: SessionState] = [:]
        for (record, event) in log {
            guard let id = event.sessionID else { continue }
            if case .accessDenied = event { continue }
            if let state = SessionState.evolve(folded[id], event, version: record.version, at: record.timestamp) { folded[id] = state }
        }
        #expect(folded.count == workload.sessions.count)
        for (id, state) in folded {
            let row = try #require(try rows.row(SessionViewsProjector.views, key: [.text(id.rawValue)]))
            #expect(SessionViewsProjector.state(row) == state)
            #expect(SessionViewsProjector.row(state) == row)
        }
    }

    /// A rebuild folds batches (sessions created in a batch are written once); the rows it leaves
    /// must be those of applying every event one by one, for every projector.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func batchesLeaveTheRowsThatEventsOneByOneLeave(seed: UInt64) throws {
        let (log, _) = randomLog(seed: seed, batches: 400)
        let oneByOne = MemoryRows(), batched = MemoryRows()
        try Projections.core.apply(log, to: oneByOne)
        var rng = SeededRandom(seed: seed)
        var i = 0
        while i < log.count {
            let n = Int(rng.next() % 40) + 1
            try Projections.core.apply(EventBatch(Array(log[i..<min(i + n, log.count)])), to: batched)
            i += n
        }
        for p in Projections.core.projectors {
            for table in p.tables {
                #expect(batched.rows(table) == oneByOne.rows(table), "\(table.name)")
            }
        }
        #expect(!oneByOne.rows(SessionViewsProjector.views).isEmpty)
    }

    @Test func legacyAndDeletedSessionsNeverCountAsDuplicatesAndTheMonitorHoldsOnlyActiveOnes() throws {
        let (log, _) = randomLog(seed: 21, batches: 250)
        let rows = MemoryRows()
        try Projections.core.apply(log, to: rows)
        let duplicates = rows.rows(DuplicateIndexProjector.index)
        #expect(!duplicates.isEmpty)
        for entry in duplicates {
            let view = try #require(try rows.row(SessionViewsProjector.views, key: [entry[2]]).map(SessionViewsProjector.state))
            #expect(view.status != .deleted)
            #expect(view.ownerID != nil)
        }
        for entry in rows.rows(MonitorProjector.sessions) {
            let view = try #require(try rows.row(SessionViewsProjector.views, key: [entry[0]]).map(SessionViewsProjector.state))
            #expect(view.status == .inProgress)
        }
    }

    @Test func everyTableDeclaresItsKeyAmongItsColumns() {
        for p in Projections.core.projectors {
            #expect(!p.tables.isEmpty)
            for table in p.tables {
                #expect(table.keyPositions.count == table.primaryKey.count)
                for index in table.indexes {
                    #expect(index.columns.allSatisfy(table.columnNames.contains), "\(index.name)")
                }
            }
        }
    }
}
