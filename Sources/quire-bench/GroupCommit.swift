import Foundation
import Synchronization
import QuireCore
import QuireBackends
import QuireServer
import QuireService

/// Group commit through a real `quire serve`: N clients each sending PATCH updates to their own
/// session as fast as the server answers, against the same server with `--no-group-commit`.
enum GroupCommitBenchmark {
    struct Run {
        var clients: Int
        var rate: Double
        var p50: Double
        var p99: Double
        var latencies: [Double]
        var seconds: Double
    }

    static let secret = String(repeating: "b", count: 64)

    /// A database with `clients` admins, each with one session to update: a new SQLite file, or
    /// `location` (a PostgreSQL URL naming a schema of its own).
    static func prepare(clients: Int, location: String? = nil) async throws -> (path: String, tokens: [String], sessions: [String]) {
        let path = location ?? temporaryDirectory("group") + "/q.sqlite"
        let service = try QuireService.open(location: path, options: .init(create: true))
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "ops@bench.example", role: .systemAdmin))), as: .system)
        let authority = try await TokenAuthority(secret: secret)
        var tokens: [String] = [], sessions: [String] = []
        for c in 0..<clients {
            let email = "c\(c)@bench.example"
            let user = try service.handle(.command(.registerUser(RegisterUser(email: email, role: .admin))), as: .named("ops@bench.example")).user!
            let session = try service.handle(.createSession(name: nil, paper: .bytes(fileName: "p\(c).json", data: SyntheticLog.paper(c)),
                                                            allowDuplicate: false), as: .named(email)).session!
            tokens.append(try await authority.issue(for: UserID(user.id), ttl: 3600))
            sessions.append(session.id)
        }
        return (path, tokens, sessions)
    }

    static func serve(_ quire: String, path: String, port: Int, groupCommit: Bool, log: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: quire)
        process.arguments = ["serve", "--db", path, "--port", String(port)] + (groupCommit ? [] : ["--no-group-commit"])
        var environment = ProcessInfo.processInfo.environment
        environment["QUIRE_JWT_SECRET"] = secret
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        if let log, FileManager.default.createFile(atPath: log, contents: nil), let file = FileHandle(forWritingAtPath: log) {
            process.standardError = file
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    /// Starts `quire serve` on a free loopback port and waits until it answers `/healthz`. Ports
    /// are drawn below Linux's ephemeral range (32768–60999), where the benchmark's own outgoing
    /// connections live; a server that exits at once (its port taken after all) is started again
    /// on another, up to five times. (CI once lost a whole run to a server that never came up on a
    /// port drawn inside that range.)
    static func launch(_ quire: String, path: String, groupCommit: Bool, avoiding taken: [Int] = []) throws -> (process: Process, port: Int) {
        var tried: [Int] = []
        let logs = temporaryDirectory("serve")
        var said = ""
        for _ in 0..<5 {
            var port = 0
            repeat { port = Int.random(in: 20_000..<32_000) } while taken.contains(port) || tried.contains(port)
            tried.append(port)
            let log = logs + "/\(port).log"
            let process = try serve(quire, path: path, port: port, groupCommit: groupCommit, log: log)
            if try waitUntilUp(port: port, process) { return (process, port) }
            said = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").last.map(String.init) ?? ""
        }
        throw QuireError.internal("quire serve did not start on any of ports \(tried.map(String.init).joined(separator: ", ")); it said: \(said)")
    }

    /// Whether the server on `port` answered within 30 s; false as soon as it has exited.
    static func waitUntilUp(port: Int, _ process: Process) throws -> Bool {
        for _ in 0..<600 {
            if let client = try? LoadClient(port: port), (try? client.send("GET", "/healthz"))?.status == 200 { return true }
            if !process.isRunning { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop([process])
        throw QuireError.internal("quire serve did not answer on port \(port) within 30 s")
    }

    /// Each of `clients` clients, on a thread and a connection of its own, sends updates to its
    /// own session for `seconds`, each as soon as the previous one is answered; returns the rate
    /// and the latencies.
    static func drive(port: Int, tokens: [String], sessions: [String], clients: Int, seconds: Double) throws -> Run {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        let results = Mutex<(latencies: [Double], error: String?)>(([], nil))
        let done = DispatchGroup()
        for c in 0..<clients {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                var samples: [Double] = []
                do {
                    let client = try LoadClient(port: port)
                    var n = 0
                    while DispatchTime.now().uptimeNanoseconds < deadline {
                        n += 1
                        let start = DispatchTime.now().uptimeNanoseconds
                        let status = try client.send("PATCH", "/v1/sessions/\(sessions[c])",
                                                     headers: [("Authorization", "Bearer \(tokens[c])"), ("Content-Type", "application/json")],
                                                     body: "{\"progress\":\(n % 100)}").status
                        guard status == 200 else { throw LoadError("update answered \(status)") }
                        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    }
                    results.withLock { $0.latencies += samples }
                } catch {
                    results.withLock { $0.error = "\(error)" }
                }
            }
        }
        done.wait()
        let (latencies, error) = results.withLock { $0 }
        if let error { throw QuireError.internal("a benchmark client failed: \(error)") }
        let p = percentiles(latencies)
        return Run(clients: clients, rate: Double(latencies.count) / seconds, p50: p.p50, p99: p.p99, latencies: latencies, seconds: seconds)
    }

    /// Both servers run side by side, each on its own database, and are driven in alternating
    /// rounds (off, on, off, on…) so that whatever else the machine is doing falls on both alike.
    static func run(quire: String, levels: [Int], seconds: Double, rounds: Int = 5) async throws -> [Figure] {
        let maxClients = levels.max() ?? 1
        var figures: [Figure] = []
        var results: [Bool: [Int: Run]] = [:]
        var servers: [Bool: (process: Process, port: Int, tokens: [String], sessions: [String])] = [:]
        var peakMiB = 0.0
        var meanBatch: [Int: Double] = [:]
        do {
            for groupCommit in [false, true] {
                let prepared = try await prepare(clients: maxClients)
                let (server, port) = try launch(quire, path: prepared.path, groupCommit: groupCommit, avoiding: servers.values.map(\.port))
                servers[groupCommit] = (server, port, prepared.tokens, prepared.sessions)
                _ = try drive(port: port, tokens: prepared.tokens, sessions: prepared.sessions, clients: 1, seconds: 0.5)  // warm-up
            }
            for level in levels {
                let before = try batches(port: servers[true]!.port)
                var parts: [Bool: [Run]] = [:]
                for _ in 0..<rounds {
                    for groupCommit in [false, true] {
                        let s = servers[groupCommit]!
                        parts[groupCommit, default: []].append(
                            try drive(port: s.port, tokens: s.tokens, sessions: s.sessions, clients: level,
                                      seconds: seconds / Double(rounds)))
                    }
                }
                let after = try batches(port: servers[true]!.port)
                meanBatch[level] = (after.commands - before.commands) / max(after.transactions - before.transactions, 1)
                for groupCommit in [false, true] {
                    let run = Run.combined(parts[groupCommit]!)
                    results[groupCommit, default: [:]][level] = run
                    log("  group commit \(groupCommit ? "on " : "off"), \(level) clients: \(Int(run.rate)) commands/s, p50 \(String(format: "%.2f", run.p50)) ms")
                }
            }
            peakMiB = servers[true].map { peakResidentMiB(pid: $0.process.processIdentifier) } ?? 0
        } catch {
            stop(servers.values.map(\.process))
            throw error
        }
        stop(servers.values.map(\.process))
        for level in levels {
            guard let on = results[true]?[level], let off = results[false]?[level] else { continue }
            figures.append(Figure(name: "group commit, \(level) client\(level == 1 ? "" : "s")", quire: on.rate, baseline: off.rate,
                                  unit: "commands/s", ratio: on.rate / off.rate, target: level == 32 ? ">= 2" : nil,
                                  note: String(format: "p50 %.2f ms vs %.2f ms batching off; %.1f commands per transaction", on.p50, off.p50, meanBatch[level] ?? 0)))
        }
        if let on = results[true]?[1], let off = results[false]?[1] {
            figures.append(Figure(name: "lone request latency", quire: on.p50, baseline: off.p50, unit: "ms p50",
                                  ratio: on.p50 / off.p50, target: "<= 1.2", note: "one client, group commit on vs off"))
        }
        // This machine's fsync is fast, so most of a command's cost is CPU, which batching does
        // not save. What batching would give with a 2 ms fsync, from the measured figures: each
        // transaction's fsync replaced by 2 ms, shared by the transaction's commands.
        if let on = results[true]?[32], let off = results[false]?[32], let batch = meanBatch[32] {
            let fsync = fsyncSeconds()
            let slowOff = 1 / (1 / off.rate - fsync + 0.002)
            let slowOn = 1 / (1 / on.rate - fsync / batch + 0.002 / batch)
            figures.append(Figure(name: "group commit, 32 clients, 2 ms fsync", quire: slowOn, baseline: slowOff, unit: "commands/s (model)",
                                  ratio: slowOn / slowOff, target: nil,
                                  note: String(format: "a model, not a measurement: this disk's fsync measured %.2f ms, replaced by 2 ms; %.1f commands per transaction",
                                               fsync * 1000, batch)))
        }
        figures.append(Figure(name: "service peak memory", quire: peakMiB, baseline: nil, unit: "MiB RSS", ratio: nil, target: nil,
                              note: "quire serve (group commit on) after every load level, up to \(maxClients) clients"))
        return figures
    }

    /// What fsync adds to one small commit on this disk: bare SQLite commits with
    /// `synchronous=FULL` against the same with `OFF`, in the same run.
    static func fsyncSeconds(commits: Int = 300) -> Double {
        let db = BareSQLite(path: temporaryDirectory("fsync") + "/f.sqlite")
        db.exec("CREATE TABLE t(x INTEGER)")
        func perCommit() -> Double {
            Clock.seconds {
                for i in 0..<commits {
                    db.exec("BEGIN IMMEDIATE")
                    db.run("INSERT INTO t VALUES (?)", [.int(Int64(i))])
                    db.exec("COMMIT")
                }
            } / Double(commits)
        }
        let full = perCommit()
        db.exec("PRAGMA synchronous = OFF")
        let off = perCommit()
        return max(full - off, 0)
    }

    /// Commands and transactions the server has written so far, from its `/metrics`.
    static func batches(port: Int) throws -> (commands: Double, transactions: Double) {
        let text = String(decoding: try LoadClient(port: port).send("GET", "/metrics").body, as: UTF8.self)
        func value(_ name: String) -> Double {
            text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) } ?? 0
        }
        return (value("quire_batch_size_sum"), value("quire_batch_size_count"))
    }

    static func stop(_ processes: [Process]) {
        for p in processes where p.isRunning {
            p.terminate()
            p.waitUntilExit()
        }
    }
}

extension GroupCommitBenchmark.Run {
    /// Rounds of the same level as one run: the rate over all of them, percentiles over all samples.
    static func combined(_ runs: [Self]) -> Self {
        let latencies = runs.flatMap(\.latencies)
        let p = percentiles(latencies)
        let seconds = runs.map(\.seconds).reduce(0, +)
        return Self(clients: runs.first?.clients ?? 0, rate: Double(latencies.count) / max(seconds, 1e-9), p50: p.p50, p99: p.p99,
                    latencies: latencies, seconds: seconds)
    }
}
