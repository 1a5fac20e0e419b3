import Foundation
import QuireCore
import QuireService

/// The HTTP path under `wrk`, a load generator in a process of its own (C, epoll, one thread),
/// instead of client threads inside the benchmark: authenticated PATCHes of the clients' own
/// sessions at several connection counts against one `quire serve` (group commit on), the
/// server's CPU per command from `/proc/PID/stat`, and the in-process `submit` rate of the same
/// commands (`handleBatch`, batches of up to `Submit.maxBatchLines` lines) as the baseline.
enum WrkBenchmark {
    static func run(quire: String, levels: [Int], seconds: Int, inProcessCommands: Int) async throws -> [Figure] {
        guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            log("(no wrk on this machine — apt-get install wrk: skipping the wrk figures)")
            return []
        }
        let clients = levels.max() ?? 1
        let baseline = try await inProcessRate(clients: clients, commands: inProcessCommands)
        log("  in-process submit of the same updates: \(Int(baseline)) commands/s")

        let prepared = try await GroupCommitBenchmark.prepare(clients: clients)
        let script = temporaryDirectory("wrk") + "/patch.lua"
        try luaScript(tokens: prepared.tokens, sessions: prepared.sessions).write(toFile: script, atomically: true, encoding: .utf8)
        let (server, port) = try GroupCommitBenchmark.launch(quire, path: prepared.path, groupCommit: true)
        defer { GroupCommitBenchmark.stop([server]) }
        _ = try drive(wrk, script: script, port: port, connections: 1, seconds: 1)  // warm-up

        var figures: [Figure] = []
        for level in levels {
            let before = cpuSeconds(pid: server.processIdentifier)
            let batchesBefore = try GroupCommitBenchmark.batches(port: port)
            let result = try drive(wrk, script: script, port: port, connections: level, seconds: seconds)
            let cpu = cpuSeconds(pid: server.processIdentifier) - before
            let batchesAfter = try GroupCommitBenchmark.batches(port: port)
            let perTransaction = (batchesAfter.commands - batchesBefore.commands) / max(batchesAfter.transactions - batchesBefore.transactions, 1)
            guard result.failed == 0 else { throw QuireError.internal("wrk: \(result.failed) of \(result.requests) PATCHes were not answered 200") }
            let rate = Double(result.requests) / result.seconds
            let cpuPerCommand = cpu / Double(max(result.requests, 1)) * 1000
            log("  wrk, \(level) connection\(level == 1 ? "" : "s"): \(Int(rate)) commands/s, server CPU \(String(format: "%.3f", cpuPerCommand)) ms per command")
            figures.append(Figure(
                name: "wrk PATCH, \(level) connection\(level == 1 ? "" : "s")", quire: rate, baseline: baseline, unit: "commands/s",
                ratio: rate / baseline, target: level == 32 ? ">= 0.5" : nil,
                note: String(format: "baseline: in-process submit of the same updates; server CPU %.3f ms per command (/proc), p50 %.2f ms, p99 %.2f ms, %.1f commands per transaction, %d s",
                             cpuPerCommand, result.p50, result.p99, perTransaction, seconds)))
            figures.append(Figure(name: "server CPU per command, \(level) connection\(level == 1 ? "" : "s")", quire: cpuPerCommand,
                                  baseline: nil, unit: "ms CPU", ratio: nil, target: nil,
                                  note: "utime + stime of quire serve over the wrk run (/proc/PID/stat), per answered PATCH"))
        }
        return figures
    }

    /// The same updates (each admin's own session, `{"progress": n}`) through `handleBatch` in this
    /// process, as `quire submit` sends lines that are waiting: commands per second.
    static func inProcessRate(clients: Int, commands: Int, location: String? = nil) async throws -> Double {
        let prepared = try await GroupCommitBenchmark.prepare(clients: clients, location: location)
        let service = try QuireService.open(location: prepared.path)
        let submissions = (0..<commands).map { n in
            QuireService.Submission(.command(.updateSession(UpdateSession(sessionID: SessionID(prepared.sessions[n % clients]), progress: n % 100))),
                                    as: .named("c\(n % clients)@bench.example"), commandID: Identifier.newUUID())
        }
        let seconds = try Clock.seconds {
            var start = 0
            while start < submissions.count {
                let end = min(start + 500, submissions.count)  // Submit.maxBatchLines
                for result in service.handleBatch(Array(submissions[start..<end])) { _ = try result.get() }
                start = end
            }
        }
        return Double(commands) / seconds
    }

    /// A wrk script: each request PATCHes the next client's session with that client's token, so
    /// consecutive requests (and so concurrent connections) touch different sessions.
    ///
    /// With `commandIDs`, every request carries the command id `PREFIX-n` and the script counts
    /// the requests it sent and the 2xx answers it got (a `response` callback, which costs wrk a
    /// little): what the PostgreSQL figures check the log against.
    static func luaScript(tokens: [String], sessions: [String], commandIDs prefix: String? = nil) -> String {
        let pairs = zip(tokens, sessions).map { "{\"\($0)\", \"\($1)\"}" }.joined(separator: ",\n  ")
        let body = prefix.map { "'{\"command_id\":\"\($0)-' .. n .. '\",\"progress\":' .. (n % 100) .. '}'" }
            ?? "'{\"progress\":' .. (n % 100) .. '}'"
        // wrk runs request and response in each thread's Lua state and done in another: the
        // counts are globals of the threads', collected through setup's thread handles.
        let counting = prefix == nil ? "" : """
            ok, sent = 0, 0
            local threads = {}
            setup = function(thread) table.insert(threads, thread) end
            response = function(status, headers, body)
              if status >= 200 and status < 300 then ok = ok + 1 end
            end

            """
        let totals = prefix == nil ? "" : """
              local o, s = 0, 0
              for _, t in ipairs(threads) do o = o + t:get("ok"); s = s + t:get("sent") end
              io.write(string.format("QUIRE-COUNTS %d %d\\n", o, s))

            """
        return counting + """
            local clients = {
              \(pairs)
            }
            local i, n = 0, 0
            request = function()
              i = i % #clients + 1
              n = n + 1
              \(prefix == nil ? "" : "sent = sent + 1")
              local c = clients[i]
              return wrk.format("PATCH", "/v1/sessions/" .. c[2],
                {["Authorization"] = "Bearer " .. c[1], ["Content-Type"] = "application/json"},
                \(body))
            end
            done = function(summary, latency, requests)
              local e = summary.errors
              io.write(string.format("QUIRE %d %d %d %d %d\\n", summary.requests, summary.duration,
                latency:percentile(50), latency:percentile(99), e.status + e.connect + e.read + e.write + e.timeout))
            \(totals)end

            """
    }

    struct Result {
        var requests: Int
        var seconds: Double
        var p50: Double, p99: Double  // ms
        var failed: Int
        /// With a counting script: 2xx answers, and requests sent (answered or not when wrk stopped).
        var acknowledged: Int?
        var sent: Int?
    }

    static func drive(_ wrk: String, script: String, port: Int, connections: Int, seconds: Int) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t", "1", "-c", String(connections), "-d", "\(seconds)s", "--timeout", "10s", "-s", script,
                             "http://127.0.0.1:\(port)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("QUIRE ") }) else {
            throw QuireError.internal("wrk printed no summary: \(text)")
        }
        let f = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard f.count == 5 else { throw QuireError.internal("wrk's summary is unreadable: \(line)") }
        var result = Result(requests: Int(f[0]), seconds: f[1] / 1e6, p50: f[2] / 1000, p99: f[3] / 1000, failed: Int(f[4]))
        if let counts = text.split(separator: "\n").first(where: { $0.hasPrefix("QUIRE-COUNTS ") }) {
            let c = counts.split(separator: " ").dropFirst().compactMap { Int($0) }
            guard c.count == 2 else { throw QuireError.internal("wrk's counts are unreadable: \(counts)") }
            (result.acknowledged, result.sent) = (c[0], c[1])
        }
        return result
    }

    /// User plus system CPU time of a process so far, in seconds (`/proc/PID/stat` fields 14, 15).
    static func cpuSeconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        // Fields after the command name, which may contain spaces: state is field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return 0 }
        return (utime + stime) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
