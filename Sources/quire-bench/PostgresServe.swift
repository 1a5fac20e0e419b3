import Foundation
import Synchronization
import QuireCore
import QuirePostgres
import QuireStorage

/// `quire serve` on PostgreSQL under `wrk`: group commit at 1, 32 and 128 connections against the
/// in-process `submit` rate of the same commands; then 1, 2 and 4 servers on one schema, 32
/// connections each, against one server, with the log checked against what wrk was answered; and
/// throughout, how long each append transaction held the head row (`quire_append_lock_seconds`
/// on the servers' `/metrics`), from which the serial fraction follows.
enum PostgresServeBenchmark {
    /// The head-row lock's histogram as one server's `/metrics` shows it (seconds, cumulative buckets).
    struct LockHistogram {
        var buckets: [(le: Double, count: Double)] = []
        var sum = 0.0
        var count = 0.0

        static let name = "quire_append_lock_seconds"

        init() {}

        init(metrics text: String) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                guard parts.count == 2, let value = Double(parts[1]) else { continue }
                if parts[0].hasPrefix(Self.name + "_bucket{le=\""), let le = Double(parts[0].dropFirst(Self.name.count + 12).dropLast(2)) {
                    buckets.append((le, value))
                } else if parts[0] == Self.name + "_sum" {
                    sum = value
                } else if parts[0] == Self.name + "_count" {
                    count = value
                }
            }
        }

        /// What was recorded between `earlier` and this one (the same server).
        func since(_ earlier: Self) -> Self {
            var d = self
            d.sum -= earlier.sum
            d.count -= earlier.count
            for (i, b) in earlier.buckets.enumerated() where i < d.buckets.count { d.buckets[i].count -= b.count }
            return d
        }

        /// Several servers' histograms as one (the same buckets).
        static func merged(_ all: [Self]) -> Self {
            var m = Self()
            for h in all {
                m.sum += h.sum
                m.count += h.count
                if m.buckets.isEmpty { m.buckets = h.buckets } else {
                    for (i, b) in h.buckets.enumerated() where i < m.buckets.count { m.buckets[i].count += b.count }
                }
            }
            return m
        }

        var mean: Double { sum / max(count, 1) }

        /// The `q` quantile, interpolated inside its bucket as Prometheus's `histogram_quantile` does.
        func quantile(_ q: Double) -> Double {
            let rank = q * count
            var lower = 0.0, below = 0.0
            for b in buckets {
                if b.count >= rank {
                    return lower + (b.le - lower) * (rank - below) / max(b.count - below, 1)
                }
                (lower, below) = (b.le, b.count)
            }
            return lower  // in the +Inf bucket: its lower bound
        }
    }

    struct Server {
        var process: Process
        var port: Int
        func metrics() throws -> String { String(decoding: try LoadClient(port: port).send("GET", "/metrics").body, as: UTF8.self) }
        func lock() throws -> LockHistogram { LockHistogram(metrics: try metrics()) }
    }

    static func start(_ quire: String, url: String, count: Int) throws -> [Server] {
        var servers: [Server] = []
        do {
            for _ in 0..<count {
                let (process, port) = try GroupCommitBenchmark.launch(quire, path: url, groupCommit: true, avoiding: servers.map(\.port))
                servers.append(Server(process: process, port: port))
            }
        } catch {
            GroupCommitBenchmark.stop(servers.map(\.process))
            throw error
        }
        return servers
    }

    /// The log's events carrying one of wrk's command ids (`PREFIX-n`): how many, and how many
    /// distinct command ids they carry.
    static func events(_ store: PostgresStore, prefix: String) throws -> (events: Int, commands: Int) {
        let row = try store.query(sql: "SELECT count(*), count(DISTINCT command_id) FROM events WHERE command_id LIKE $1",
                                  arguments: [.text(prefix + "-%")])
        return (row.first?[0].int ?? 0, row.first?[1].int ?? 0)
    }

    /// Nothing lost, nothing duplicated: every 2xx answer has its one event, no command id has two,
    /// and the only events beyond the answers are of requests wrk sent and stopped waiting for.
    static func check(_ store: PostgresStore, prefix: String, _ result: WrkBenchmark.Result) throws -> Int {
        guard result.failed == 0 else { throw QuireError.internal("wrk: \(result.failed) of \(result.requests) PATCHes were not answered 2xx") }
        let acknowledged = result.acknowledged ?? 0, sent = result.sent ?? 0
        let (events, commands) = try events(store, prefix: prefix)
        guard events == commands else { throw QuireError.internal("\(prefix): \(events) events for \(commands) command ids — a command appended twice") }
        guard events >= acknowledged, events <= sent else {
            throw QuireError.internal("\(prefix): \(events) events for \(acknowledged) acknowledged PATCHes (\(sent) sent)")
        }
        return events - acknowledged
    }

    /// The head row's hold time per command: the lock-hold time the servers recorded over the
    /// commands their transactions carried, both read from the same two scrapes of `/metrics`, so
    /// a transaction straddling a scrape does not skew it.
    static func holdPerCommand(_ lock: LockHistogram, commands: Int) -> Double { lock.sum / Double(max(commands, 1)) }

    static func lockNote(_ lock: LockHistogram, commands: Int, rate: Double) -> String {
        let hold = holdPerCommand(lock, commands: commands)
        return String(format: "head row held %.1f ms a transaction (p99 %.1f ms), %.2f ms a command (%.1f commands a transaction): serial fraction %.2f",
                      lock.mean * 1000, lock.quantile(0.99) * 1000, hold * 1000, Double(commands) / max(lock.count, 1), hold * rate)
    }

    /// The lock-hold time and the serial fraction it gives at `rate` (acknowledged commands/s).
    static func lockFigures(_ label: String, _ lock: LockHistogram, commands: Int, rate: Double) -> [Figure] {
        let hold = holdPerCommand(lock, commands: commands)
        return [
            Figure(name: "pg lock held, \(label)", quire: lock.mean * 1000, baseline: nil, unit: "ms a transaction", ratio: nil, target: nil,
                   note: String(format: "quire_append_lock_seconds from the servers' /metrics (FOR UPDATE answered to COMMIT answered): mean over %.0f transactions, p99 %.1f ms; %.2f ms a command (%.1f commands a transaction)",
                                lock.count, lock.quantile(0.99) * 1000, hold * 1000, Double(commands) / max(lock.count, 1))),
            Figure(name: "pg serial fraction, \(label)", quire: hold * rate, baseline: nil, unit: "of the time", ratio: nil, target: nil,
                   note: String(format: "lock-hold time a command × rate (%.2f ms × %.1f/s): the share of time the head row is held; the ceiling at this batch size is 1 / hold = %.0f commands/s, %.1f× this rate, with any number of cores or processes",
                                hold * 1000, rate, 1 / max(hold, 1e-9), 1 / max(hold * rate, 1e-9))),
        ]
    }

    /// Group commit through one `quire serve` at each of `levels` connections.
    static func levels(quire: String, wrk: String, url: String, levels: [Int], seconds: Int, inProcessCommands: Int) async throws -> [Figure] {
        let clients = levels.max() ?? 1
        let baseline = try await WrkBenchmark.inProcessRate(clients: clients, commands: inProcessCommands,
                                                            location: PostgresBenchmarks.schema(url, "submit_inprocess"))
        log("  in-process submit of the same updates on PostgreSQL: \(Int(baseline)) commands/s")
        let location = PostgresBenchmarks.schema(url, "serve")
        let prepared = try await GroupCommitBenchmark.prepare(clients: clients, location: location)
        let store = try PostgresStore(url: location)
        let servers = try start(quire, url: location, count: 1)
        defer { GroupCommitBenchmark.stop(servers.map(\.process)) }
        let server = servers[0]
        let dir = temporaryDirectory("pg-wrk")
        let warmUp = dir + "/warm-up.lua"
        try WrkBenchmark.luaScript(tokens: prepared.tokens, sessions: prepared.sessions).write(toFile: warmUp, atomically: true, encoding: .utf8)
        _ = try WrkBenchmark.drive(wrk, script: warmUp, port: server.port, connections: 1, seconds: 1)

        var figures: [Figure] = []
        var lone: Double?
        for level in levels {
            let prefix = "wrk\(level)-\(UUID().uuidString.prefix(8).lowercased())"
            let script = dir + "/\(prefix).lua"
            try WrkBenchmark.luaScript(tokens: prepared.tokens, sessions: prepared.sessions, commandIDs: prefix)
                .write(toFile: script, atomically: true, encoding: .utf8)
            let cpuBefore = WrkBenchmark.cpuSeconds(pid: server.process.processIdentifier)
            let batchesBefore = try GroupCommitBenchmark.batches(port: server.port)
            let lockBefore = try server.lock()
            let result = try WrkBenchmark.drive(wrk, script: script, port: server.port, connections: level, seconds: seconds)
            let cpu = WrkBenchmark.cpuSeconds(pid: server.process.processIdentifier) - cpuBefore
            // Requests wrk stopped waiting for may still commit: let them, then read the counters.
            try await Task.sleep(for: .milliseconds(500))
            let lock = try server.lock().since(lockBefore)
            let batchesAfter = try GroupCommitBenchmark.batches(port: server.port)
            let unanswered = try check(store, prefix: prefix, result)
            let acknowledged = result.acknowledged ?? result.requests
            let commands = Int(batchesAfter.commands - batchesBefore.commands)
            let rate = Double(acknowledged) / result.seconds
            let cpuPerCommand = cpu / Double(max(acknowledged, 1)) * 1000
            let s = level == 1 ? "" : "s"
            log("  wrk, \(level) connection\(s): \(Int(rate)) commands/s, server CPU \(String(format: "%.2f", cpuPerCommand)) ms a command, p50 \(String(format: "%.1f", result.p50)) ms; "
                + lockNote(lock, commands: commands, rate: rate))
            figures.append(Figure(
                name: "pg serve, \(level) connection\(s)", quire: rate, baseline: baseline, unit: "commands/s", ratio: rate / baseline, target: nil,
                note: String(format: "wrk PATCHes through quire serve on PostgreSQL, group commit; baseline: in-process submit of the same updates (handleBatch, up to 500 a transaction); p50 %.1f ms, p99 %.1f ms, %.1f commands a transaction, %d s; log checked: %d events for %d 2xx answers (%d unanswered when wrk stopped), no command twice",
                             result.p50, result.p99, Double(commands) / max(batchesAfter.transactions - batchesBefore.transactions, 1), seconds,
                             acknowledged + unanswered, acknowledged, unanswered)))
            figures.append(Figure(name: "pg server CPU per command, \(level) connection\(s)", quire: cpuPerCommand, baseline: nil, unit: "ms CPU",
                                  ratio: nil, target: nil, note: "utime + stime of quire serve over the wrk run (/proc/PID/stat), per 2xx answer"))
            if level == 1 {
                lone = result.p50
                figures.append(Figure(name: "pg serve lone request p50", quire: result.p50, baseline: nil, unit: "ms", ratio: nil, target: nil,
                                      note: String(format: "one wrk connection: the latency baseline of the loaded levels (p99 %.1f ms)", result.p99)))
            } else if let lone {
                figures.append(Figure(name: "pg serve p50, \(level) connections", quire: result.p50, baseline: lone, unit: "ms", ratio: result.p50 / lone,
                                      target: nil, note: String(format: "wrk's p50 at %d connections; baseline: the lone request's p50; p99 %.1f ms", level, result.p99)))
            }
            figures += lockFigures("serve \(level) connection\(s)", lock, commands: commands, rate: rate)
        }
        return figures
    }

    /// 1, 2 and 4 `quire serve` processes on one schema, each driven by a wrk of its own with
    /// `connections` connections and its own clients, all at once for `seconds`; `rounds`
    /// alternating rounds. The total rate of each count against one process's, and the log checked
    /// against every wrk's answers after the servers stopped.
    static func processes(quire: String, wrk: String, url: String, counts: [Int], connections: Int, seconds: Int,
                          rounds: Int = 2) async throws -> [Figure] {
        let location = PostgresBenchmarks.schema(url, "processes")
        let most = counts.max() ?? 1
        let prepared = try await GroupCommitBenchmark.prepare(clients: most * connections, location: location)
        let store = try PostgresStore(url: location)
        let dir = temporaryDirectory("pg-processes")
        struct Total { var acknowledged = 0, unanswered = 0, rate = 0.0, seconds = 0.0, cpu = 0.0, commands = 0, lock = [LockHistogram]() }
        var totals: [Int: Total] = [:]
        for round in 0..<rounds {
            for count in round % 2 == 0 ? counts : counts.reversed() {
                let servers = try start(quire, url: location, count: count)
                var stopped = false
                defer { if !stopped { GroupCommitBenchmark.stop(servers.map(\.process)) } }
                var scripts: [(path: String, prefix: String)] = []
                for (k, server) in servers.enumerated() {
                    let clients = (k * connections)..<((k + 1) * connections)
                    let warmUp = dir + "/warm-up-\(k).lua"
                    try WrkBenchmark.luaScript(tokens: Array(prepared.tokens[clients]), sessions: Array(prepared.sessions[clients]))
                        .write(toFile: warmUp, atomically: true, encoding: .utf8)
                    _ = try WrkBenchmark.drive(wrk, script: warmUp, port: server.port, connections: 1, seconds: 1)
                    let prefix = "p\(count)-\(k)-\(UUID().uuidString.prefix(8).lowercased())"
                    let script = dir + "/\(prefix).lua"
                    try WrkBenchmark.luaScript(tokens: Array(prepared.tokens[clients]), sessions: Array(prepared.sessions[clients]), commandIDs: prefix)
                        .write(toFile: script, atomically: true, encoding: .utf8)
                    scripts.append((script, prefix))
                }
                let locksBefore = try servers.map { try $0.lock() }
                let batchesBefore = try servers.map { try GroupCommitBenchmark.batches(port: $0.port) }
                let cpuBefore = servers.map { WrkBenchmark.cpuSeconds(pid: $0.process.processIdentifier) }
                // Every wrk on a thread of its own, started together.
                let results = Mutex<(done: [Int: WrkBenchmark.Result], errors: [String])>(([:], []))
                let done = DispatchGroup()
                for (k, server) in servers.enumerated() {
                    done.enter()
                    let script = scripts[k].path, port = server.port
                    Thread.detachNewThread {
                        defer { done.leave() }
                        do {
                            let r = try WrkBenchmark.drive(wrk, script: script, port: port, connections: connections, seconds: seconds)
                            results.withLock { $0.done[k] = r }
                        } catch {
                            results.withLock { $0.errors.append("\(error)") }
                        }
                    }
                }
                done.wait()
                let (finished, errors) = results.withLock { $0 }
                if let error = errors.first { throw QuireError.internal("a wrk failed: \(error)") }
                let cpu = zip(servers, cpuBefore).map { WrkBenchmark.cpuSeconds(pid: $0.process.processIdentifier) - $1 }.reduce(0, +)
                try await Task.sleep(for: .milliseconds(500))
                let locks = try zip(servers, locksBefore).map { try $0.lock().since($1) }
                let commands = try zip(servers, batchesBefore).map { try GroupCommitBenchmark.batches(port: $0.port).commands - $1.commands }.reduce(0, +)
                // Stopped before the log is counted, so nothing more can commit.
                GroupCommitBenchmark.stop(servers.map(\.process))
                stopped = true
                var total = totals[count] ?? Total()
                var wall = 0.0
                for k in servers.indices {
                    let result = finished[k]!
                    total.unanswered += try check(store, prefix: scripts[k].prefix, result)
                    let acknowledged = result.acknowledged ?? 0
                    total.acknowledged += acknowledged
                    total.rate += Double(acknowledged) / result.seconds / Double(rounds)
                    wall = max(wall, result.seconds)
                }
                total.seconds += wall
                total.cpu += cpu
                total.commands += Int(commands)
                total.lock.append(LockHistogram.merged(locks))
                totals[count] = total
                log("  \(count) server\(count == 1 ? "" : "s"), \(connections) connections each: \(Int(Double(total.acknowledged) / max(total.seconds, 1e-9))) commands/s so far")
            }
        }
        guard let one = totals[1] else { return [] }
        var figures: [Figure] = []
        for count in counts {
            let t = totals[count]!
            let lock = LockHistogram.merged(t.lock)
            let s = count == 1 ? "" : "es"
            figures.append(Figure(
                name: "pg \(count) serve process\(s), \(connections) connections each", quire: t.rate, baseline: one.rate, unit: "commands/s",
                ratio: t.rate / one.rate, target: count == 4 ? ">= 0.9" : nil,
                note: String(format: "%d quire serve on one PostgreSQL schema, a wrk of %d connections each, %d s at once, %d alternating rounds; baseline: 1 process; server CPU %.2f ms a command; log checked after the servers stopped: %d events for %d 2xx answers (%d unanswered when wrk stopped), no command twice; ",
                             count, connections, seconds, rounds, t.cpu / Double(max(t.acknowledged, 1)) * 1000,
                             t.acknowledged + t.unanswered, t.acknowledged, t.unanswered)
                    + lockNote(lock, commands: t.commands, rate: t.rate)))
            figures += lockFigures("\(count) process\(s)", lock, commands: t.commands, rate: t.rate)
        }
        return figures
    }
}
