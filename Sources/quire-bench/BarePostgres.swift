import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import QuirePostgres
import QuireStorage

/// The PostgreSQL baseline's database access: one postgres-nio connection and bound statements,
/// nothing around them (no pool, no head-row lock unless asked, no reads, no projection rules).
final class BarePostgres {
    let connection: PostgresConnection
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let logger = Logger(label: "bare")

    enum Value { case int(Int64), text(String), bytes(Data), null }

    init(url: String) throws {
        let location = try PostgresLocation(url)
        let configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                             password: location.password, database: location.database, tls: .disable)
        connection = try PostgresConnection.connect(on: group.next(), configuration: configuration, id: 1, logger: logger).wait()
        run("SELECT set_config('search_path', $1, false)", [.text(location.schema)])
    }

    deinit {
        try? connection.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Statements run so far (each one round trip).
    private(set) var statements = 0

    func run(_ sql: String, _ values: [Value] = []) {
        statements += 1
        var binds = PostgresBindings(capacity: values.count)
        for v in values {
            switch v {
            case .int(let n): binds.append(n)
            case .text(let t): binds.append(t)
            case .bytes(let d): binds.append(ByteBuffer(bytes: d))
            case .null: binds.appendNull()
            }
        }
        do {
            _ = try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait()
        } catch {
            fatalError("\(sql): \(String(reflecting: error))")
        }
    }
}

/// The writes the handler makes per command on PostgreSQL, as bare INSERTs into quire's own
/// schema (same tables, indexes and triggers), one transaction per command: BareCommands' rows.
final class BarePostgresCommands {
    let db: BarePostgres
    let papers: [Data]
    let lockHead: Bool
    var position: Int64
    var prevHash = Data(repeating: 0, count: 32)
    let now = "2026-12-01T00:00:00.000Z"

    /// `url` names a schema `quire init` has made; `lockHead` adds quire's
    /// `SELECT position FROM log_head FOR UPDATE` at the start of each transaction.
    /// Whether the Merkle tree's nodes and checkpoint are written too, as quire's fifth projection
    /// writes them (`false`: the baseline as it was before it was given them, for comparison).
    let merkle: Bool

    init(url: String, papers: [Data], lockHead: Bool, merkle: Bool = true) throws {
        db = try BarePostgres(url: url)
        self.papers = papers
        self.lockHead = lockHead
        self.merkle = merkle
        position = 0
    }

    func begin() {
        db.run("BEGIN ISOLATION LEVEL READ COMMITTED")
        if lockHead { db.run("SELECT position FROM log_head FOR UPDATE") }
    }

    func event(_ stream: String, _ version: Int, _ type: String, _ payload: String) {
        position += 1
        let hash = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        db.run("INSERT INTO events(position, stream, version, type, schema, event_id, actor, command_id, recorded_at, payload, prev_hash, hash) VALUES ($1,$2,$3,$4,1,$5,$6,$7,$8,$9,$10,$11)",
               [.int(position), .text(stream), .int(Int64(version)), .text(type), .text(UUID().uuidString), .text("a1"), .text(UUID().uuidString),
                .text(now), .text(payload), .bytes(prevHash), .bytes(hash)])
        prevHash = hash
        if merkle { nodes() }
    }

    /// The Merkle nodes the event completes (MerkleProjector's rows: one INSERT when there are
    /// any, as quire sends them), with stand-in hashes; quire also reads each left sibling, which
    /// the baseline does not.
    func nodes() {
        let completed = (try? MerkleTree.completedNodes(leafIndex: position - 1, leafHash: prevHash) { _, _ in prevHash }) ?? []
        guard completed.count > 1 else { return }
        var values: [BarePostgres.Value] = []
        let tuples = completed.dropFirst().enumerated().map { i, node in
            values += [.int(Int64(node.level)), .int(node.index), .text(node.hash.map { String(format: "%02x", $0) }.joined())]
            return "($\(i * 3 + 1), $\(i * 3 + 2), $\(i * 3 + 3))"
        }
        db.run("INSERT INTO merkle_nodes(level, idx, hash) VALUES " + tuples.joined(separator: ", "), values)
    }

    func checkpoints() {
        for name in ["authorization", "session_views", "duplicates", "monitor"] + (merkle ? ["merkle"] : []) {
            db.run("INSERT INTO projection_checkpoints(name, code_version, position) VALUES ($1, 1, $2) ON CONFLICT(name) DO UPDATE SET position = excluded.position",
                   [.text(name), .int(position)])
        }
    }

    func view(_ id: String, _ status: String, _ version: Int) {
        db.run("""
            INSERT INTO session_views VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)
            ON CONFLICT(session_id) DO UPDATE SET status = excluded.status, progress = excluded.progress, version = excluded.version,
                updated_at = excluded.updated_at, last_accessed_at = excluded.last_accessed_at
            """,
               [.text(id), .text("a1"), .text("Paper"), .text("p.json"), .text(String(repeating: "a", count: 64)), .int(10),
                .text("{\"code\":\"B1/1\",\"subject\":\"Mathematics\",\"year\":2024}"), .text("B1/1"), .text(String(repeating: "b", count: 64)),
                .text(status), .text("questions"), .int(50), .int(8), .text("{}"), .int(Int64(version)), .int(Int64(version)),
                .text(now), .text(now), .text(now), .null, .null, .text("{}")])
    }

    func command() {
        db.run("INSERT INTO commands(command_id, fingerprint, actor, outcome, first_position, recorded_at) VALUES ($1,$2,$3,$4,$5,$6)",
               [.text(UUID().uuidString), .text(String(repeating: "f", count: 64)), .text("a1"), .text(String(repeating: "x", count: 700)),
                .int(position), .text(now)])
    }

    /// One session's five commands, one transaction each.
    func cycle(_ c: Int) {
        let id = UUID().uuidString.lowercased()
        let stream = "session-" + id
        begin()
        db.run("INSERT INTO blobs(hash, size, content, stored_at) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING",
               [.text(UUID().uuidString), .int(Int64(papers[c].count)), .bytes(papers[c]), .text(now)])
        event(stream, 1, "session.created", String(repeating: "p", count: 420))
        db.run("INSERT INTO auth_sessions(session_id, owner_id, status) VALUES ($1,$2,$3)", [.text(id), .text("a1"), .text("in_progress")])
        view(id, "in_progress", 1)
        db.run("INSERT INTO duplicate_index(owner_id, json_hash, session_id, created_at) VALUES ($1,$2,$3,$4)",
               [.text("a1"), .text(UUID().uuidString), .text(id), .text(now)])
        db.run("INSERT INTO monitor_sessions VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
               [.text(id), .text("a1"), .text("a1@bench.example"), .text("Paper"), .text("p.json"), .text("upload"), .int(0), .int(10), .int(0),
                .text(String(repeating: "a", count: 64)), .text(now), .text(now), .text(now), .int(1)])
        checkpoints()
        command()
        db.run("COMMIT")
        for v in 2...4 {
            begin()
            event(stream, v, v == 2 ? "session.accessed" : "session.updated", String(repeating: "p", count: 90))
            view(id, "in_progress", v)
            db.run("UPDATE monitor_sessions SET progress = $1, last_accessed_at = $2, version = $3 WHERE session_id = $4",
                   [.int(50), .text(now), .int(Int64(v)), .text(id)])
            checkpoints()
            command()
            db.run("COMMIT")
        }
        begin()
        event(stream, 5, "session.completed", String(repeating: "p", count: 80))
        db.run("UPDATE auth_sessions SET status = 'completed' WHERE session_id = $1", [.text(id)])
        view(id, "completed", 5)
        db.run("DELETE FROM monitor_sessions WHERE session_id = $1", [.text(id)])
        checkpoints()
        command()
        db.run("COMMIT")
    }
}
