import Foundation
import QuireCore
import QuireBackends
import QuirePostgres
import QuireSQLite
import QuireService
import QuireStorage

/// `quire-bench --postgres URL`: the figures that make sense on PostgreSQL, each against its
/// baseline measured in the same run, and the same workloads on SQLite beside them. Every
/// database is a schema of its own (`?schema=bench_…`) in the URL's database.
enum PostgresBenchmarks {
    static func schema(_ url: String, _ label: String) -> String {
        url + (url.contains("?") ? "&" : "?") + "schema=bench_\(label)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// A fresh service at `location` with a system admin and ten admins (Benchmarks.freshService's).
    static func freshService(_ location: String) throws -> QuireService {
        try register(QuireService.open(location: location, options: .init(create: true)))
    }

    static func register(_ service: QuireService) throws -> QuireService {
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "ops@bench.example", role: .systemAdmin))), as: .system)
        for u in 0..<10 {
            _ = try service.handle(.command(.registerUser(RegisterUser(email: "a\(u)@bench.example", role: .admin))), as: Benchmarks.ops)
        }
        return service
    }

    static func requests(_ id: SessionID) -> [Request] {
        [.command(.accessSession(id)),
         .command(.updateSession(UpdateSession(sessionID: id, step: .questions, progress: 50))),
         .command(.updateSession(UpdateSession(sessionID: id, progress: 90, questionsImported: 8))),
         .command(.completeSession(CompleteSession(sessionID: id)))]
    }

    static func quireCycle(_ service: QuireService, _ c: Int, _ paper: Data) throws {
        let actor = ActorName.named("a\(c % 10)@bench.example")
        let created = try service.handle(.createSession(name: nil, paper: .bytes(fileName: "p\(c).json", data: paper), allowDuplicate: false), as: actor)
        for r in requests(SessionID(created.session!.id)) { _ = try service.handle(r, as: actor) }
    }

    // MARK: - Durable commands in process

    /// The handler on PostgreSQL, one transaction per command, against bare postgres-nio doing the
    /// same INSERTs into quire's schema one transaction per command, without and with the head-row
    /// lock (and, for comparison, without the Merkle rows it once left out); interleaved rounds,
    /// each side first in turn. Beside the rates: the process's CPU a command on each side (the
    /// client's share: quire's decisions, JSON, hashing and the driver's work) and quire's
    /// statements and waited-for answers a command (`PostgresStore.traffic`).
    static func durableCommands(url: String, _ n: Int) throws -> [Figure] {
        let store = try PostgresStore(url: schema(url, "commands"), options: StorageOptions(create: true))
        let service = try register(QuireService.open(store))
        let cycles = max(n / 5, 1)
        let papers = (0..<cycles).map(SyntheticLog.paper)
        let urls = [schema(url, "bare"), schema(url, "bare_locked"), schema(url, "bare_nomerkle")]
        for u in urls { _ = try QuireService.open(location: u, options: .init(create: true)) }
        let bare = try BarePostgresCommands(url: urls[0], papers: papers, lockHead: false)
        let locked = try BarePostgresCommands(url: urls[1], papers: papers, lockHead: true)
        let noMerkle = try BarePostgresCommands(url: urls[2], papers: papers, lockHead: false, merkle: false)
        let rounds = min(10, cycles)
        var seconds = [0.0, 0.0, 0.0, 0.0], cpu = [0.0, 0.0, 0.0, 0.0]
        let traffic = (store.traffic.statements, store.traffic.waits), bareBefore = bare.db.statements
        for round in 0..<rounds {
            let chunk = (cycles * round / rounds)..<(cycles * (round + 1) / rounds)
            let sides: [() throws -> Void] = [
                { for c in chunk { try quireCycle(service, c, papers[c]) } },
                { for c in chunk { bare.cycle(c) } },
                { for c in chunk { locked.cycle(c) } },
                { for c in chunk { noMerkle.cycle(c) } },
            ]
            for k in 0..<sides.count {
                let side = (k + round) % sides.count
                let before = processCPUSeconds()
                seconds[side] += try Clock.seconds { try sides[side]() }
                cpu[side] += processCPUSeconds() - before
            }
        }
        let commands = Double(cycles * 5)
        let rates = seconds.map { commands / $0 }
        let cpuMs = cpu.map { $0 * 1000 / commands }
        let statements = Double(store.traffic.statements - traffic.0) / commands, waits = Double(store.traffic.waits - traffic.1) / commands
        let bareStatements = Double(bare.db.statements - bareBefore) / commands
        return [
            Figure(name: "pg durable command rate", quire: rates[0], baseline: rates[1], unit: "commands/s", ratio: rates[0] / rates[1],
                   target: ">= 0.7", note: "handler on PostgreSQL, one transaction per command; baseline: bare postgres-nio INSERTs of the same event, projection (Merkle nodes included), checkpoint and idempotency rows into quire's schema, one transaction each, no head-row lock; \(rounds) interleaved rounds"),
            Figure(name: "pg bare + head-row lock", quire: rates[2], baseline: rates[1], unit: "commands/s", ratio: rates[2] / rates[1],
                   target: nil, note: "information: the bare baseline with SELECT position FROM log_head FOR UPDATE first in each transaction (one writer: one more round trip)"),
            Figure(name: "pg bare without the Merkle rows", quire: rates[3], baseline: rates[1], unit: "commands/s", ratio: rates[3] / rates[1],
                   target: nil, note: "information: the bare baseline as it was before it wrote the Merkle tree's nodes and checkpoint, which quire's fifth projection writes"),
            Figure(name: "pg client CPU a command", quire: cpuMs[0], baseline: cpuMs[1], unit: "ms", ratio: cpuMs[0] / cpuMs[1],
                   target: nil, note: "information: this process's user+system CPU a command (the PostgreSQL server's is not in it); baseline: the bare side's"),
            Figure(name: "pg statements a command", quire: statements, baseline: bareStatements, unit: "statements", ratio: statements / bareStatements,
                   target: nil, note: "information: statements quire sent a command (PostgresStore.traffic; held writes joined into one count once); baseline: the bare side's, each its own round trip"),
            Figure(name: "pg answers waited for a command", quire: waits, baseline: bareStatements, unit: "round trips", ratio: waits / bareStatements,
                   target: nil, note: "information: how many times quire's thread waited for PostgreSQL a command; the bare side waits for every statement"),
        ]
    }

    /// This process's user + system CPU time so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    // MARK: - Group commit in process

    /// `sessions` sessions' five commands through `handleBatch` in batches of `batch` (creates
    /// first, then the other four commands of every session) against the same commands through
    /// `handle`, one transaction each, on fresh databases from `location`; alternating rounds.
    static func groupCommit(_ location: () -> String, sessions: Int, batch: Int, name: String, backend: String) throws -> Figure {
        var seconds = [true: 0.0, false: 0.0]
        let rounds = 2
        for round in 0..<rounds {
            for batched in round % 2 == 0 ? [true, false] : [false, true] {
                let service = try freshService(location())
                let range = (sessions * round / rounds)..<(sessions * (round + 1) / rounds)
                let actor = ActorName.named("a0@bench.example")
                let creates = range.map { c in
                    QuireService.Submission(.createSession(name: nil, paper: .bytes(fileName: "p\(c).json", data: SyntheticLog.paper(c)), allowDuplicate: false), as: actor)
                }
                seconds[batched]! += try Clock.seconds {
                    var ids: [SessionID] = []
                    if batched {
                        for start in stride(from: 0, to: creates.count, by: batch) {
                            for r in service.handleBatch(Array(creates[start..<min(start + batch, creates.count)])) { ids.append(SessionID(try r.get().session!.id)) }
                        }
                        let rest = ids.flatMap { id in requests(id).map { QuireService.Submission($0, as: actor) } }
                        for start in stride(from: 0, to: rest.count, by: batch) {
                            for r in service.handleBatch(Array(rest[start..<min(start + batch, rest.count)])) { _ = try r.get() }
                        }
                    } else {
                        for s in creates { ids.append(SessionID(try service.handle(s.request, as: actor).session!.id)) }
                        for id in ids { for r in requests(id) { _ = try service.handle(r, as: actor) } }
                    }
                }
            }
        }
        let on = Double(sessions * 5) / seconds[true]!, off = Double(sessions * 5) / seconds[false]!
        return Figure(name: name, quire: on, baseline: off, unit: "commands/s", ratio: on / off, target: nil,
                      note: "\(sessions * 5) commands through handleBatch, \(batch) to a transaction, \(backend); baseline: the same commands through handle, one transaction each; \(rounds) alternating rounds")
    }

    // MARK: - Several writer processes

    /// `processes` `quire submit` processes at once on one database, each with its own admin and
    /// `total / processes` sessions (creates, then the other four commands), against one process
    /// submitting all of them: wall time of both phases.
    static func writers(quire: String, location: () -> String, processes: Int, sessions total: Int, groupCommit: Bool) throws -> Double {
        let loc = location()
        let store = try Backends.open(loc, options: .init(create: true))
        let service = try QuireService.open(store)
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "ops@bench.example", role: .systemAdmin))), as: .system)
        for p in 0..<processes {
            _ = try service.handle(.command(.registerUser(RegisterUser(email: "w\(p)@bench.example", role: .admin))), as: Benchmarks.ops)
        }
        let dir = temporaryDirectory("writers")
        func launch(_ files: [String]) throws -> [(Process, Pipe)] {
            try files.enumerated().map { p, file in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: quire)
                process.arguments = ["submit", file, "--db", loc, "--as", "w\(p)@bench.example"] + (groupCommit ? [] : ["--no-group-commit"])
                let output = Pipe()
                process.standardOutput = output
                process.standardError = FileHandle.nullDevice
                try process.run()
                return (process, output)
            }
        }
        func collect(_ running: [(Process, Pipe)]) throws -> [[JSONValue]] {
            // Each process's output is read on a thread of its own: a full pipe would stall it.
            let outputs = running.map { _, pipe in
                let box = OutputBox()
                let thread = Thread { box.data = pipe.fileHandleForReading.readDataToEndOfFile(); box.done.signal() }
                thread.start()
                return box
            }
            return try zip(running, outputs).map { item, box in
                box.done.wait()
                item.0.waitUntilExit()
                let results = try box.data.split(separator: UInt8(ascii: "\n")).map { try JSONValue.parse(Data($0), what: "a result line") }
                guard item.0.terminationStatus == 0,
                      results.allSatisfy({ if case .object(let o) = $0, o["ok"] == .bool(true) { true } else { false } }) else {
                    throw QuireError.internal("a concurrent quire submit failed (exit \(item.0.terminationStatus))")
                }
                return results
            }
        }
        let per = total / processes
        var createFiles: [String] = []
        for p in 0..<processes {
            let lines = (p * per..<(p + 1) * per).map { c in
                "{\"type\":\"session.create\",\"file_name\":\"p\(c).json\",\"command_id\":\"create-\(c)\",\"paper\":"
                    + String(decoding: SyntheticLog.paper(c), as: UTF8.self) + "}"
            }
            let file = dir + "/creates-\(p).jsonl"
            try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            createFiles.append(file)
        }
        var created: [[JSONValue]] = []
        var seconds = try Clock.seconds { created = try collect(try launch(createFiles)) }
        var restFiles: [String] = []
        for (p, results) in created.enumerated() {
            let lines = try results.flatMap { result -> [String] in
                guard case .object(let o) = result, case .object(let session)? = o["session"], case .string(let id)? = session["id"] else {
                    throw QuireError.internal("submit answered a create without a session")
                }
                return [
                    "{\"type\":\"session.access\",\"session_id\":\"\(id)\"}",
                    "{\"type\":\"session.update\",\"session_id\":\"\(id)\",\"step\":\"questions\",\"progress\":50}",
                    "{\"type\":\"session.update\",\"session_id\":\"\(id)\",\"progress\":90,\"questions_imported\":8}",
                    "{\"type\":\"session.complete\",\"session_id\":\"\(id)\"}",
                ]
            }
            let file = dir + "/rest-\(p).jsonl"
            try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            restFiles.append(file)
        }
        seconds += try Clock.seconds { _ = try collect(try launch(restFiles)) }
        // Nothing lost, nothing duplicated: every command appended exactly its one event.
        let events = try store.read { r in try r.eventCount() }
        let expected = Int64(1 + processes + per * processes * 5)
        guard events == expected else { throw QuireError.internal("\(processes) writers left \(events) events, expected \(expected)") }
        return Double(per * processes * 5) / seconds
    }

    final class OutputBox: @unchecked Sendable {
        var data = Data()
        let done = DispatchSemaphore(value: 0)
    }

    static func writerFigures(quire: String, url: String, sessions: Int) throws -> [Figure] {
        var figures: [Figure] = []
        for groupCommit in [false, true] {
            let label = groupCommit ? "group commit" : "--no-group-commit"
            // 1 and 4 writers alternate twice; each measurement on a schema of its own.
            var rates = [1: 0.0, 4: 0.0]
            for order in [[4, 1], [1, 4]] {
                for p in order {
                    rates[p]! += try writers(quire: quire, location: { schema(url, "writers") }, processes: p,
                                             sessions: sessions / 2, groupCommit: groupCommit) / 2
                }
            }
            figures.append(Figure(name: "pg 4 writers vs 1 (\(groupCommit ? "gc" : "no gc"))", quire: rates[4]!, baseline: rates[1]!, unit: "commands/s",
                                  ratio: rates[4]! / rates[1]!, target: ">= 0.9",
                                  note: "4 quire submit processes at once on one PostgreSQL schema (\(sessions / 2 / 4 * 4 * 5) commands for 4 writers, \(sessions / 2 * 5) for 1, each measured twice, \(label)); baseline: 1 process submitting as many; every event counted after"))
        }
        return figures
    }

    // MARK: - Import, rebuild and queries on one log

    static func log(url: String, events: Int, samples: Int) throws -> [Figure] {
        let synthetic = SyntheticLog.sized(events: events)
        let source = temporaryDirectory("pg-log") + "/q.sqlite"
        try Benchmarks.generate(synthetic, sessions: 0..<synthetic.sessions, into: try SQLiteStore.logOnly(path: source))
        try SQLiteStore(path: source).prepareProjections()
        var export = Data()
        let count = try QuireService.open(location: source).export(as: .named(synthetic.userID(0).rawValue)) { export.append($0) }
        let lines = export.split(separator: UInt8(ascii: "\n")).map { [UInt8]($0) }
        let pgURL = schema(url, "log")
        let pg = try QuireService.open(location: pgURL, options: .init(create: true))
        let sqlitePath = temporaryDirectory("pg-log-sqlite") + "/q.sqlite"
        let sqlite = try QuireService.open(location: sqlitePath, options: .init(create: true))
        let pgImport = try Clock.seconds { _ = try pg.importLog(lines: lines) }
        let sqliteImport = try Clock.seconds { _ = try sqlite.importLog(lines: lines) }
        var figures = [Figure(name: "pg import of an export", quire: Double(count) / pgImport, baseline: Double(count) / sqliteImport, unit: "events/s",
                              ratio: sqliteImport / pgImport, target: nil,
                              note: "quire import of \(count) exported events into PostgreSQL (chain checked, projections rebuilt in the transaction); baseline: the same lines imported into SQLite")]
        // Rebuilds alternate, twice each.
        var pgRebuild = 0.0, sqliteRebuild = 0.0
        for round in 0..<2 {
            let sides: [() throws -> Void] = [
                { pgRebuild += try Clock.seconds { _ = try pg.rebuild() } },
                { sqliteRebuild += try Clock.seconds { _ = try sqlite.rebuild() } },
            ]
            try sides[round % 2](); try sides[(round + 1) % 2]()
        }
        figures.append(Figure(name: "pg rebuild (all projections)", quire: 2 * Double(count) / pgRebuild, baseline: 2 * Double(count) / sqliteRebuild,
                              unit: "events/s", ratio: sqliteRebuild / pgRebuild, target: nil,
                              note: "rebuild of every projection of \(count) events on PostgreSQL (new tables, then a swap); baseline: the SQLite rebuild of the same log; 2 alternating rounds each"))
        let label = "\(count / 1000)k"
        let pgQueries = try Benchmarks.queries(pg, log: synthetic, label: "pg " + label, samples: samples)
        let sqliteQueries = try Benchmarks.queries(sqlite, log: synthetic, label: "sqlite " + label, samples: samples)
        for (p, s) in zip(pgQueries, sqliteQueries) {
            var f = p
            f.baseline = s.quire
            f.note = String(format: "p50 %.3f ms; baseline: the SQLite p99 on the same log (p50 %.3f ms)", p.p50 ?? 0, s.p50 ?? 0)
            figures.append(f)
        }
        return figures
    }
}
