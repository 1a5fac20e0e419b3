import Foundation
import GRDB
import GRDBSQLite
import QuireCore
import QuireBackends
import QuireProjections
import QuireSQLite
import QuireService
import QuireStorage

enum Benchmarks {
    static let ops = ActorName.named("ops@bench.example")

    /// A fresh service with a system admin and ten admins.
    static func freshService(_ label: String) throws -> (QuireService, String) {
        let path = temporaryDirectory(label) + "/q.sqlite"
        let service = try QuireService.open(location: path, options: .init(create: true))
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "ops@bench.example", role: .systemAdmin))), as: .system)
        for u in 0..<10 {
            _ = try service.handle(.command(.registerUser(RegisterUser(email: "a\(u)@bench.example", role: .admin))), as: ops)
        }
        return (service, path)
    }

    // MARK: - Durable command rate

    /// Commands through the real handler, one transaction each, synchronous=FULL: cycles of
    /// create, access, update, update, complete — against bare SQLite doing the same writes.
    static func durableCommands(_ n: Int) throws -> Figure {
        let (service, _) = try freshService("commands")
        let cycles = max(n / 5, 1)
        let papers = (0..<cycles).map(SyntheticLog.paper)
        let bare = try BareCommands(papers: papers)
        func quireCycle(_ c: Int) throws {
            let actor = ActorName.named("a\(c % 10)@bench.example")
            let created = try service.handle(.createSession(name: nil, paper: .bytes(fileName: "p\(c).json", data: papers[c]), allowDuplicate: false), as: actor)
            let id = SessionID(created.session!.id)
            _ = try service.handle(.command(.accessSession(id)), as: actor)
            _ = try service.handle(.command(.updateSession(UpdateSession(sessionID: id, step: .questions, progress: 50))), as: actor)
            _ = try service.handle(.command(.updateSession(UpdateSession(sessionID: id, progress: 90, questionsImported: 8))), as: actor)
            _ = try service.handle(.command(.completeSession(CompleteSession(sessionID: id))), as: actor)
        }
        // Interleaved rounds, each side going first in turn: this disk's fsync cost drifts within
        // a minute, and one long run of each would compare two different disks.
        let rounds = min(10, cycles)
        var quireSeconds = 0.0, bareSeconds = 0.0
        for round in 0..<rounds {
            let chunk = (cycles * round / rounds)..<(cycles * (round + 1) / rounds)
            let measureQuire = { try Clock.seconds { for c in chunk { try quireCycle(c) } } }
            let measureBare = { Clock.seconds { for c in chunk { bare.cycle(c) } } }
            if round % 2 == 0 {
                quireSeconds += try measureQuire()
                bareSeconds += measureBare()
            } else {
                bareSeconds += measureBare()
                quireSeconds += try measureQuire()
            }
        }
        let quireRate = Double(cycles * 5) / quireSeconds
        let bareRate = Double(cycles * 5) / bareSeconds
        return Figure(name: "durable command rate", quire: quireRate, baseline: bareRate, unit: "commands/s",
                      ratio: quireRate / bareRate, target: ">= 0.7",
                      note: "baseline: bare SQLite writing the same event, projection, checkpoint and idempotency rows, one transaction each, synchronous=FULL; \(rounds) interleaved rounds")
    }

    /// `n` commands (whole cycles of create, access, update, update, complete) through the handler
    /// on a fresh service, one transaction each: the workload callgrind counts instructions of.
    static func commandCycles(_ n: Int) throws {
        let (service, _) = try freshService("callgrind")
        for c in 0..<max(n / 5, 1) {
            let actor = ActorName.named("a\(c % 10)@bench.example")
            let created = try service.handle(.createSession(name: nil, paper: .bytes(fileName: "p\(c).json", data: SyntheticLog.paper(c)), allowDuplicate: false), as: actor)
            let id = SessionID(created.session!.id)
            _ = try service.handle(.command(.accessSession(id)), as: actor)
            _ = try service.handle(.command(.updateSession(UpdateSession(sessionID: id, step: .questions, progress: 50))), as: actor)
            _ = try service.handle(.command(.updateSession(UpdateSession(sessionID: id, progress: 90, questionsImported: 8))), as: actor)
            _ = try service.handle(.command(.completeSession(CompleteSession(sessionID: id))), as: actor)
        }
        try? FileManager.default.removeItem(at: runDirectory)
    }

    /// The same writes as the handler makes per command, through plain prepared statements.
    final class BareCommands {
        let db: BareSQLite
        let papers: [Data]
        let hash = Data(repeating: 7, count: 32)
        var position: Int64 = 0
        let now = Timestamp.now().description

        init(papers: [Data]) throws {
            let path = temporaryDirectory("bare") + "/q.sqlite"
            do {  // quire's own schema, so both write into identical tables, indexes and triggers
                _ = try QuireService.open(location: path, options: .init(create: true))
            }
            db = BareSQLite(path: path)
            self.papers = papers
        }

        func event(_ stream: String, _ version: Int, _ type: String, _ payload: String, _ command: String) {
            position += 1
            db.run("INSERT INTO events(position, stream, version, type, schema, event_id, actor, command_id, recorded_at, payload, prev_hash, hash) VALUES (?,?,?,?,1,?,?,?,?,?,?,?)",
                   [.int(position), .text(stream), .int(Int64(version)), .text(type), .text(UUID().uuidString), .text("a1"), .text(command),
                    .text(now), .text(payload), .blob(hash), .blob(hash)])
        }

        func checkpoints() {
            for name in ["authorization", "session_views", "duplicates", "monitor"] {
                db.run("INSERT INTO projection_checkpoints(name, code_version, position) VALUES (?, 1, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position",
                       [.text(name), .int(position)])
            }
        }

        func view(_ id: String, _ status: String, _ version: Int) {
            db.run("INSERT OR REPLACE INTO session_views VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   [.text(id), .text("a1"), .text("Paper"), .text("p.json"), .text(String(repeating: "a", count: 64)), .int(10),
                    .text("{\"code\":\"B1/1\",\"subject\":\"Mathematics\",\"year\":2024}"), .text("B1/1"), .text(String(repeating: "b", count: 64)),
                    .text(status), .text("questions"), .int(50), .int(8), .text("{}"), .int(Int64(version)), .int(Int64(version)),
                    .text(now), .text(now), .text(now), .null, .null, .text("{}")])
        }

        func command(_ id: String) {
            db.run("INSERT INTO commands(command_id, fingerprint, actor, outcome, first_position, recorded_at) VALUES (?,?,?,?,?,?)",
                   [.text(id), .text(String(repeating: "f", count: 64)), .text("a1"), .text(String(repeating: "x", count: 700)), .int(position), .text(now)])
        }

        /// One session's five commands, one transaction each.
        func cycle(_ c: Int) {
            let id = UUID().uuidString.lowercased()
            let stream = "session-" + id
            // create
            db.exec("BEGIN IMMEDIATE")
            db.run("INSERT OR IGNORE INTO blobs(hash, size, content, stored_at) VALUES (?,?,?,?)",
                   [.text(UUID().uuidString), .int(Int64(papers[c].count)), .blob(papers[c]), .text(now)])
            event(stream, 1, "session.created", String(repeating: "p", count: 420), UUID().uuidString)
            db.run("INSERT INTO auth_sessions(session_id, owner_id, status) VALUES (?,?,?)", [.text(id), .text("a1"), .text("in_progress")])
            view(id, "in_progress", 1)
            db.run("INSERT INTO duplicate_index(owner_id, json_hash, session_id, created_at) VALUES (?,?,?,?)",
                   [.text("a1"), .text(UUID().uuidString), .text(id), .text(now)])
            db.run("INSERT INTO monitor_sessions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   [.text(id), .text("a1"), .text("a1@bench.example"), .text("Paper"), .text("p.json"), .text("upload"), .int(0), .int(10), .int(0),
                    .text(String(repeating: "a", count: 64)), .text(now), .text(now), .text(now), .int(1)])
            checkpoints()
            command(UUID().uuidString)
            db.exec("COMMIT")
            // access, update, update
            for v in 2...4 {
                db.exec("BEGIN IMMEDIATE")
                event(stream, v, v == 2 ? "session.accessed" : "session.updated", String(repeating: "p", count: 90), UUID().uuidString)
                view(id, "in_progress", v)
                db.run("UPDATE monitor_sessions SET progress = ?, last_accessed_at = ?, version = ? WHERE session_id = ?",
                       [.int(50), .text(now), .int(Int64(v)), .text(id)])
                checkpoints()
                command(UUID().uuidString)
                db.exec("COMMIT")
            }
            // complete
            db.exec("BEGIN IMMEDIATE")
            event(stream, 5, "session.completed", String(repeating: "p", count: 80), UUID().uuidString)
            db.run("UPDATE auth_sessions SET status = 'completed' WHERE session_id = ?", [.text(id)])
            view(id, "completed", 5)
            db.run("DELETE FROM monitor_sessions WHERE session_id = ?", [.text(id)])
            checkpoints()
            command(UUID().uuidString)
            db.exec("COMMIT")
        }
    }

    // MARK: - Batch append

    /// Appending a batch of events in one transaction, hash chain included, against bare SQLite
    /// inserting the same rows in one transaction.
    static func batchAppend(_ n: Int) throws -> Figure {
        let log = SyntheticLog.sized(events: n)
        var events: [Event] = []
        var i = 0
        while events.count < n {
            events += log.sessionEvents(i)
            i += 1
        }
        events = Array(events.prefix(n))
        let path = temporaryDirectory("append") + "/q.sqlite"
        let store = try SQLiteStore.logOnly(path: path)
        let envelope = Envelope(actor: .user(log.userID(1)), commandID: nil, recordedAt: Timestamp.now())
        var rows: [RecordedEvent] = []
        let quireSeconds = try Clock.seconds {
            rows = try store.write { tx in try tx.append(events.map { NewEvent($0) }, envelope: envelope) }
        }
        let barePath = temporaryDirectory("append-bare") + "/q.sqlite"
        _ = try SQLiteStore.logOnly(path: barePath)
        let db = BareSQLite(path: barePath)
        let bareSeconds = Clock.seconds {
            db.exec("BEGIN IMMEDIATE")
            for e in rows {
                db.run("INSERT INTO events(position, stream, version, type, schema, event_id, actor, command_id, recorded_at, payload, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                       [.int(e.position), .text(e.stream), .int(Int64(e.version)), .text(e.type), .int(Int64(e.schema)), .text(e.eventID),
                        .text(e.actor), e.commandID.map { .text($0) } ?? .null, .text(e.recordedAt), .text(e.payload), .blob(e.prevHash), .blob(e.hash)])
            }
            db.exec("COMMIT")
        }
        let quireRate = Double(n) / quireSeconds, bareRate = Double(n) / bareSeconds
        return Figure(name: "batch append", quire: quireRate, baseline: bareRate, unit: "events/s", ratio: quireRate / bareRate,
                      target: ">= 0.7", note: "one transaction of \(n) events; quire encodes, checks versions and chains; baseline inserts the finished rows")
    }

    // MARK: - Import

    /// `quire import` of an export — a batch append plus a rebuild — against the batch append
    /// measured just before it (`appendRate`, events/s): the same service call the CLI makes, on a
    /// synthetic log of about `n` events exported by quire, its lines read into memory first.
    static func importLog(_ n: Int, appendRate: Double) throws -> Figure {
        let synthetic = SyntheticLog.sized(events: n)
        let source = temporaryDirectory("import-source") + "/q.sqlite"
        try generate(synthetic, sessions: 0..<synthetic.sessions, into: try SQLiteStore.logOnly(path: source))
        var export = Data()
        let count = try QuireService.open(location: source).export(as: .named(synthetic.userID(0).rawValue)) { export.append($0) }
        let lines = export.split(separator: UInt8(ascii: "\n")).map { [UInt8]($0) }
        let target = try QuireService.open(location: temporaryDirectory("import") + "/q.sqlite", options: .init(create: true))
        let seconds = try Clock.seconds { _ = try target.importLog(lines: lines) }
        let rate = Double(count) / seconds
        return Figure(name: "import of an export", quire: rate, baseline: appendRate, unit: "events/s", ratio: rate / appendRate,
                      target: ">= 0.7", note: "quire import of \(count) exported events (chain checked, projections rebuilt in the same transaction); baseline: the batch append above")
    }

    // MARK: - A large log

    /// Writes sessions `range` of the synthetic log (no projections), registering their owners
    /// first, in batches; the projections are then built by a rebuild: the rebuild benchmark.
    static func generate(_ log: SyntheticLog, sessions range: Range<Int>, into store: SQLiteStore) throws {
        let firstUser = range.lowerBound == 0 ? 0 : log.owner(ofSession: range.lowerBound - 1) + 1
        let users = log.userEvents(firstUser..<(log.owner(ofSession: range.upperBound - 1) + 1))
        try store.write { tx in
            // Registered just before their first session: times never go back in position order.
            let at = log.start.adding(milliseconds: Int64(range.lowerBound) * 12_000)
            _ = try tx.append(users.map { NewEvent($0) }, envelope: Envelope(actor: .system, commandID: nil, recordedAt: at))
        }
        var s = range.lowerBound
        let batch = 2000
        while s < range.upperBound {
            let end = min(s + batch, range.upperBound)
            try store.write { tx in
                for i in s..<end {
                    let owner = log.userID(log.owner(ofSession: i))
                    // Spread the sessions over 30 days so that recency and staleness vary.
                    let at = log.start.adding(milliseconds: Int64(i) * 12_000)
                    _ = try tx.append(log.sessionEvents(i).map { NewEvent($0) },
                                      envelope: Envelope(actor: .user(owner), commandID: nil, recordedAt: at))
                }
            }
            s = end
        }
    }

    /// Rebuilding every projection from the log, against the floor a rebuild cannot beat: bare
    /// SQLite scanning and decoding the same log and inserting the rows quire's rebuild ends with
    /// into the same tables (same indexes) in one transaction. Beside it, for information, the
    /// decode-only scans it was once measured against.
    static func rebuild(path: String, events: Int64) throws -> [Figure] {
        let store = try SQLiteStore(path: path)
        let seconds = try Clock.seconds { try store.rebuild(store.projectionNames) }
        let db = BareSQLite(path: path)
        /// A bare sequential scan of the log that decodes every payload with `decode`; its seconds.
        func scan(_ decode: (String, Int, Data) -> Bool) -> Double {
            var decoded = 0
            let seconds = Clock.seconds {
                db.scanRows("SELECT type, schema, payload FROM events ORDER BY position") { row in
                    let type = String(cString: sqlite3_column_text(row, 0))
                    let schema = Int(sqlite3_column_int(row, 1))
                    let payload = Data(bytes: sqlite3_column_blob(row, 2), count: Int(sqlite3_column_bytes(row, 2)))
                    if decode(type, schema, payload) { decoded += 1 }
                }
            }
            precondition(Int64(decoded) == events, "the scan decoded \(decoded) of \(events) events")
            return seconds
        }
        let decodeEvent: (String, Int, Data) -> Bool = { (try? Event.decode(type: $0, schema: $1, payload: $2)) != nil }
        let scanRate = Double(events) / scan(decodeEvent)
        // The same scan with Foundation's JSONDecoder, which Event.decode used alone before
        // PayloadReader: what the baseline would be without it.
        let foundationRate = Double(events) / scan { (try? Event.foundationDecoded(type: $0, schema: $1, payload: $2)) != nil }

        // The floor. The rows are those the rebuild just committed, read back untimed, as the batch
        // append's baseline inserts the rows quire produced; the tables are quire's own, created
        // empty in a fresh file by its schema code, so their columns and indexes are the same.
        let tables = Projections.core.projectors.flatMap(\.tables).map(\.name) + ["projection_checkpoints"]
        var rows: [(table: String, values: [[BareSQLite.Value]])] = []
        for table in tables {
            var values: [[BareSQLite.Value]] = []
            db.scanRows("SELECT * FROM \(table)") { row in values.append(BareSQLite.values(of: row)) }
            rows.append((table, values))
        }
        let floorPath = temporaryDirectory("rebuild-floor") + "/q.sqlite"
        _ = try SQLiteStore(path: floorPath, options: .init(create: true))
        let floor = BareSQLite(path: floorPath)
        for table in tables { floor.exec("DELETE FROM \(table)") }
        floor.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        let floorSeconds = Clock.seconds {
            floor.exec("BEGIN IMMEDIATE")
            _ = scan(decodeEvent)
            for (table, values) in rows where !values.isEmpty {
                let sql = "INSERT INTO \(table) VALUES (" + Array(repeating: "?", count: values[0].count).joined(separator: ",") + ")"
                for v in values { floor.run(sql, v) }
            }
            floor.exec("COMMIT")
        }
        let insertedRows = rows.reduce(0) { $0 + $1.values.count }
        let rate = Double(events) / seconds
        let floorRate = Double(events) / floorSeconds
        return [
            Figure(name: "rebuild (all projections)", quire: rate, baseline: floorRate, unit: "events/s", ratio: rate / floorRate,
                   target: ">= 0.5", note: "\(events) events; baseline (the floor): bare SQLite scanning and decoding the log with Event.decode and inserting the same \(insertedRows) final projection rows into the same tables and indexes, one transaction, synchronous=FULL"),
            Figure(name: "rebuild vs a decode-only scan", quire: rate, baseline: scanRate, unit: "events/s", ratio: rate / scanRate,
                   target: nil, note: "information: a bare sequential scan decoding every payload with Event.decode, writing nothing"),
            Figure(name: "rebuild vs a JSONDecoder scan", quire: rate, baseline: foundationRate, unit: "events/s",
                   ratio: rate / foundationRate, target: nil,
                   note: "information: the same scan decoding with Foundation's JSONDecoder alone (Event.decode before PayloadReader)"),
        ]
    }

    // MARK: - Queries

    static func queries(_ service: QuireService, log: SyntheticLog, label: String, samples: Int) throws -> [Figure] {
        var rng = SystemRandomNumberGenerator()
        func user() -> Int { Int.random(in: 1..<log.users, using: &rng) }  // every admin, none of them the system admin
        func time(_ body: () throws -> Void) rethrows -> [Double] {
            try (0..<samples).map { _ in try Clock.seconds(body) }
        }
        let list = try time { _ = try service.sessions(as: .named(log.userID(user()).rawValue)) }
        let resume = try time {
            _ = try service.resumeTarget(as: .named(log.userID(user()).rawValue))
        }
        let monitor = try time { _ = try service.monitor(as: .named(log.userID(0).rawValue), limit: 50) }
        let byActor = try time {
            _ = try service.audit(AuditFilter(limit: 100), actorName: log.userID(user()).rawValue, as: .named(log.userID(0).rawValue))
        }
        let bySession = try time {
            _ = try service.audit(AuditFilter(session: log.sessionID(Int.random(in: 0..<log.sessions, using: &rng)), limit: 100),
                                  as: .named(log.userID(0).rawValue))
        }
        return [("session list", list), ("resume", resume), ("monitor first page", monitor), ("audit by actor", byActor),
                ("audit by session", bySession)].map { name, samples in
            let p = percentiles(samples)
            return Figure(name: "\(name) @\(label)", quire: p.p99, baseline: nil, unit: "ms p99", ratio: nil, target: "p99 < 5 ms",
                          note: String(format: "p50 %.3f ms", p.p50), p50: p.p50)
        }
    }

    /// How each query's latency grew from the small log to the large one, against what log(n)
    /// growth allows: log(large)/log(small), 1.2 from 100k to 1M events. Medians, because one
    /// p99 of a thousand samples on a shared machine is mostly its noise (both p99s are listed).
    static func growth(from figures: [Figure], small: String, large: String, events: (small: Double, large: Double)) -> [Figure] {
        let allowed = log(events.large) / log(events.small)
        return ["session list", "resume", "monitor first page", "audit by actor", "audit by session"].compactMap { name in
            guard let a = figures.first(where: { $0.name == "\(name) @\(small)" }), let b = figures.first(where: { $0.name == "\(name) @\(large)" }),
                  let a50 = a.p50, let b50 = b.p50, a50 > 0 else { return nil }
            return Figure(name: "growth of \(name)", quire: b50 / a50, baseline: allowed, unit: "x from \(small)",
                          ratio: (b50 / a50) / allowed, target: "<= 1 (log n)",
                          note: String(format: "p50 %.3f -> %.3f ms, p99 %.3f -> %.3f ms", a50, b50, a.quire, b.quire))
        }
    }
}
