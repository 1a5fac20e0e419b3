import AsyncHTTPClient
import Foundation
import NIOCore
import QuireCore
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

    /// A database with `clients` admins, each with one session to update.
    static func prepare(clients: Int) async throws -> (path: String, tokens: [String], sessions: [String]) {
        let path = temporaryDirectory("group") + "/q.sqlite"
        let service = try QuireService.open(path: path, options: .init(create: true))
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

    static func serve(_ quire: String, path: String, port: Int, groupCommit: Bool) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: quire)
        process.arguments = ["serve", "--db", path, "--port", String(port)] + (groupCommit ? [] : ["--no-group-commit"])
        var environment = ProcessInfo.processInfo.environment
        environment["QUIRE_JWT_SECRET"] = secret
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func waitUntilUp(_ client: HTTPClient, port: Int) async throws {
        for _ in 0..<200 {
            if let response = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(1)),
               response.status == .ok { return }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw QuireError.internal("quire serve did not start on port \(port)")
    }

    /// Each of `clients` clients sends updates for `seconds`; returns the rate and latencies.
    static func drive(_ client: HTTPClient, port: Int, tokens: [String], sessions: [String], clients: Int, seconds: Double) async throws -> Run {
        let deadline = Date().addingTimeInterval(seconds)
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for c in 0..<clients {
                group.addTask {
                    var samples: [Double] = []
                    var n = 0
                    while Date() < deadline {
                        n += 1
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/sessions/\(sessions[c])")
                        request.method = .PATCH
                        request.headers.add(name: "Authorization", value: "Bearer \(tokens[c])")
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(string: "{\"progress\":\(n % 100)}"))
                        let start = DispatchTime.now().uptimeNanoseconds
                        let response = try await client.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        guard response.status == .ok else { throw QuireError.internal("update answered \(response.status)") }
                        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    }
                    return samples
                }
            }
            var all: [Double] = []
            for try await samples in group { all += samples }
            return all
        }
        let p = percentiles(latencies)
        return Run(clients: clients, rate: Double(latencies.count) / seconds, p50: p.p50, p99: p.p99, latencies: latencies, seconds: seconds)
    }

    /// Both servers run side by side, each on its own database, and are driven in alternating
    /// rounds (off, on, off, on…) so that whatever else the machine is doing falls on both alike.
    static func run(quire: String, levels: [Int], seconds: Double, rounds: Int = 5) async throws -> [Figure] {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)))
        let maxClients = levels.max() ?? 1
        var figures: [Figure] = []
        var results: [Bool: [Int: Run]] = [:]
        var servers: [Bool: (process: Process, port: Int, tokens: [String], sessions: [String])] = [:]
        var peakMiB = 0.0
        do {
            for groupCommit in [false, true] {
                let prepared = try await prepare(clients: maxClients)
                let port = Int.random(in: 20_000..<40_000)
                let server = try serve(quire, path: prepared.path, port: port, groupCommit: groupCommit)
                servers[groupCommit] = (server, port, prepared.tokens, prepared.sessions)
                try await waitUntilUp(client, port: port)
                _ = try await drive(client, port: port, tokens: prepared.tokens, sessions: prepared.sessions, clients: 1, seconds: 0.5)  // warm-up
            }
            for level in levels {
                var parts: [Bool: [Run]] = [:]
                for _ in 0..<rounds {
                    for groupCommit in [false, true] {
                        let s = servers[groupCommit]!
                        parts[groupCommit, default: []].append(
                            try await drive(client, port: s.port, tokens: s.tokens, sessions: s.sessions, clients: level,
                                            seconds: seconds / Double(rounds)))
                    }
                }
                for groupCommit in [false, true] {
                    let run = Run.combined(parts[groupCommit]!)
                    results[groupCommit, default: [:]][level] = run
                    log("  group commit \(groupCommit ? "on " : "off"), \(level) clients: \(Int(run.rate)) commands/s, p50 \(String(format: "%.2f", run.p50)) ms")
                }
            }
            peakMiB = servers[true].map { peakResidentMiB(pid: $0.process.processIdentifier) } ?? 0
        } catch {
            stop(servers.values.map(\.process))
            try? await client.shutdown()
            throw error
        }
        stop(servers.values.map(\.process))
        try await client.shutdown()
        for level in levels {
            guard let on = results[true]?[level], let off = results[false]?[level] else { continue }
            figures.append(Figure(name: "group commit, \(level) client\(level == 1 ? "" : "s")", quire: on.rate, baseline: off.rate,
                                  unit: "commands/s", ratio: on.rate / off.rate, target: level == 32 ? ">= 2" : nil,
                                  note: String(format: "p50 %.2f ms vs %.2f ms batching off", on.p50, off.p50)))
        }
        if let on = results[true]?[1], let off = results[false]?[1] {
            figures.append(Figure(name: "lone request latency", quire: on.p50, baseline: off.p50, unit: "ms p50",
                                  ratio: on.p50 / off.p50, target: "<= 1.2", note: "one client, group commit on vs off"))
        }
        figures.append(Figure(name: "service peak memory", quire: peakMiB, baseline: nil, unit: "MiB RSS", ratio: nil, target: nil,
                              note: "quire serve (group commit on) after every load level, up to \(maxClients) clients"))
        return figures
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
