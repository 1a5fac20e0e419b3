import Foundation
import GRDB
import QuireCore
import QuireStore

/// The inline projectors and their checkpoints: applied in the append's transaction, rebuilt
/// from the log on demand or when a projector's `codeVersion` changed.
public struct Projections: Sendable {
    public let projectors: [any Projector]

    /// The four core projectors of DESIGN §3.
    public static let core = Projections([
        AuthorizationProjector(), SessionViewsProjector(), DuplicateIndexProjector(), MonitorProjector(),
    ])

    public init(_ projectors: [any Projector]) { self.projectors = projectors }

    public func projector(named name: String) -> (any Projector)? {
        projectors.first { $0.name == name }
    }

    public var names: [String] { projectors.map(\.name) }

    // MARK: - Checkpoints

    public struct Checkpoint: Equatable, Sendable {
        public var name: String
        public var codeVersion: Int
        public var position: Int64
    }

    static func createCheckpointTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS projection_checkpoints(
                name         TEXT PRIMARY KEY,
                code_version INTEGER NOT NULL,
                position     INTEGER NOT NULL
            ) WITHOUT ROWID
            """)
    }

    public static func checkpoints(_ db: Database) throws -> [Checkpoint] {
        guard try db.tableExists("projection_checkpoints") else { return [] }
        return try Row.fetchAll(db, sql: "SELECT name, code_version, position FROM projection_checkpoints ORDER BY name")
            .map { Checkpoint(name: $0[0], codeVersion: $0[1], position: $0[2]) }
    }

    static func setCheckpoint(_ p: any Projector, position: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO projection_checkpoints(name, code_version, position) VALUES (?, ?, ?)
            ON CONFLICT(name) DO UPDATE SET code_version = excluded.code_version, position = excluded.position
            """).execute(arguments: [p.name, p.codeVersion, position])
    }

    // MARK: - Inline

    /// Folds freshly appended events into every projection and moves the checkpoints, inside the
    /// append's transaction.
    public func apply(_ appended: [(RecordedEvent, Event)], _ db: Database) throws {
        guard let last = appended.last?.0.position else { return }
        for projector in projectors {
            for (record, event) in appended {
                try projector.apply(event, record, db)
            }
            try Self.setCheckpoint(projector, position: last, db)
        }
    }

    // MARK: - Opening

    /// Brings every projection up to date when a database opens: creates missing ones, rebuilds
    /// those whose code version changed, and catches up any that lag behind the log. Returns the
    /// names of the projections it rebuilt.
    @discardableResult
    public func prepare(_ store: EventStore, progress: RebuildProgress? = nil) throws(QuireError) -> [String] {
        let stale: [String] = try store.read { db in
            let existing = try Self.checkpoints(db)
            let head = try EventLog.tip(db).position
            if let ahead = existing.map(\.position).max(), ahead > head {
                // Projections are never ahead of the log unless events were removed from its end.
                throw QuireError.internal("The log ends at position \(head) but its projections were built from \(ahead) events: events were removed from the end of the log. Run `quire verify`; nothing was changed.")
            }
            return projectors.filter { p in
                guard let cp = existing.first(where: { $0.name == p.name }) else { return true }
                return cp.codeVersion != p.codeVersion || cp.position != head
            }.map(\.name)
        }
        guard !stale.isEmpty else { return [] }
        try rebuild(stale, store, progress: progress)
        return stale
    }

    // MARK: - Rebuild

    /// Reports rebuild progress: events done and the total.
    public typealias RebuildProgress = @Sendable (_ done: Int64, _ total: Int64) -> Void

    /// Rebuilds the named projections from the whole log, safely:
    ///
    /// 1. the new tables are built in a shadow database file next to the live one, from a
    ///    snapshot of the log, without holding the write lock (other writers go on);
    /// 2. one short transaction on the live database applies what was committed meanwhile and
    ///    swaps the shadow tables in.
    ///
    /// Readers see the old tables until the swap commits; a rebuild that fails or is killed at
    /// any point leaves the old projections serving. The log is streamed, so memory stays flat.
    public func rebuild(_ names: [String]? = nil, _ store: EventStore, progress: RebuildProgress? = nil) throws(QuireError) {
        let chosen = names.map { n in projectors.filter { n.contains($0.name) } } ?? projectors
        guard !chosen.isEmpty else { return }
        guard let livePath = store.path else {
            try rebuildInPlace(chosen, store, progress: progress)
            return
        }
        let shadowPath = livePath + "-rebuild"
        Self.removeShadow(shadowPath)
        defer { Self.removeShadow(shadowPath) }
        let shadow = try EventStore.scratch(path: shadowPath)
        // 1. Build from a snapshot, outside the live write lock.
        try shadow.write { target in
            try Self.createCheckpointTable(target)
            for p in chosen { try p.createTables(target) }
        }
        var built: Int64 = try store.read { live in
            try EventBatch.pipe(from: live, into: shadow, progress: progress) { batch, target in
                for p in chosen { try p.apply(batch, target) }
            }
        }
        // 2. Catch up and swap in one transaction: SQLite cannot ATTACH inside a transaction, so
        //    attach first, on the writer connection.
        try store.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS shadow", arguments: [shadowPath])
            defer { try? db.execute(sql: "DETACH DATABASE shadow") }
            try db.inTransaction(.immediate) {
                try Self.createCheckpointTable(db)
                for p in chosen {
                    // Unqualified names resolve to main first, so the projector's own DDL
                    // recreates its tables and indexes in the live database.
                    for table in p.tables { try db.execute(sql: "DROP TABLE IF EXISTS main.\(table.name)") }
                    try p.createTables(db)
                    for table in p.tables {
                        try db.execute(sql: "INSERT INTO main.\(table.name) SELECT * FROM shadow.\(table.name)")
                    }
                }
                // What was committed while the shadow was being built is folded in here, on the
                // swapped-in tables. (BEGIN IMMEDIATE also locks the attached shadow, so it cannot
                // be written from its own connection any more.)
                for record in try EventLog.read(after: built, db) {
                    let event = try record.decoded()
                    for p in chosen { try p.apply(event, record, db) }
                    built = record.position
                }
                for p in chosen { try Self.setCheckpoint(p, position: built, db) }
                return .commit
            }
        }
        progress?(built, built)
    }

    /// For in-memory databases (replay): everything in one transaction.
    func rebuildInPlace(_ chosen: [any Projector], _ store: EventStore, progress: RebuildProgress?) throws(QuireError) {
        try store.write { db in try Projections(chosen).rebuild(within: db, progress: progress) }
    }

    /// Rebuilds these projections from the whole log inside the caller's transaction, so that they
    /// commit together with whatever else it wrote: `import` uses this, so that a killed import
    /// leaves either nothing or the log with its projections, never a log without them.
    public func rebuild(within db: Database, progress: RebuildProgress? = nil) throws {
        try Self.createCheckpointTable(db)
        for p in projectors {
            try p.dropTables(db)
            try p.createTables(db)
        }
        let total = try EventLog.tip(db).position
        var last: Int64 = 0
        try EventBatch.forEach(db) { batch in
            for p in projectors { try p.apply(batch, db) }
            last = batch.last ?? last
            progress?(last, total)
        }
        for p in projectors { try Self.setCheckpoint(p, position: last, db) }
        progress?(last, total)
    }

    static func removeShadow(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    // MARK: - Replay

    /// Replays the log up to and including `position` into a fresh in-memory database holding
    /// these projections: the state as of then.
    ///
    /// The events themselves are not copied into it: the views, `explain` and `verify` read only
    /// projections, the log never changes (read it from `store`), and copying every row with its
    /// indexes and triggers was two thirds of a replay's time.
    public func replay(from store: EventStore, until position: Int64 = Int64.max,
                       progress: RebuildProgress? = nil) throws(QuireError) -> EventStore {
        let memory = try EventStore.inMemory()
        try memory.write { target in
            try Self.createCheckpointTable(target)
            for p in projectors { try p.createTables(target) }
        }
        // Read the live log in one snapshot and fold it into the memory database.
        let all = projectors
        let last = try store.read { source in
            try EventBatch.pipe(from: source, until: position, into: memory, progress: progress) { batch, target in
                for p in all { try p.apply(batch, target) }
            }
        }
        try memory.write { target in
            for p in all { try Self.setCheckpoint(p, position: last, target) }
        }
        return memory
    }

    // MARK: - Verify

    /// A projection that differs from a fresh replay of the log.
    public struct Drift: Equatable, Sendable {
        public var projection: String
        public var table: String
        /// The first differing row, as `key: live vs replayed`.
        public var detail: String
    }

    /// Compares every stored projection with a fresh replay of the log.
    public func drift(_ store: EventStore) throws(QuireError) -> [Drift] {
        let fresh = try replay(from: store)
        return try store.read { live in
            try fresh.read { replayed in
                var drifts: [Drift] = []
                for p in projectors {
                    for table in p.tables {
                        if let detail = try Self.firstDifference(table, live, replayed) {
                            drifts.append(Drift(projection: p.name, table: table.name, detail: detail))
                            break
                        }
                    }
                }
                return drifts
            }
        }
    }

    static func firstDifference(_ table: ProjectionTable, _ a: Database, _ b: Database) throws -> String? {
        guard try a.tableExists(table.name) else { return "table \(table.name) is missing" }
        let sql = "SELECT * FROM \(table.name) ORDER BY \(table.orderBy)"
        let left = try Row.fetchCursor(a, sql: sql)
        let right = try Row.fetchCursor(b, sql: sql)
        var index = 0
        while true {
            let l = try left.next(), r = try right.next()
            index += 1
            switch (l, r) {
            case (nil, nil): return nil
            case (let l?, nil): return "row \(index) \(Self.describe(l)) is not in a fresh replay"
            case (nil, let r?): return "row \(index) \(Self.describe(r)) of a fresh replay is missing"
            case (let l?, let r?) where l != r: return "row \(index) is \(Self.describe(l)) but a fresh replay gives \(Self.describe(r))"
            default: continue
            }
        }
    }

    static func describe(_ row: Row) -> String {
        let text = row.description
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
