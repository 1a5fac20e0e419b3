import Foundation
import QuireTestSupport
import Testing

/// quire on PostgreSQL as its users run it: the built binary, several processes on one database,
/// `export` from one backend and `import` into the other, a live tail through `quire serve`.
/// Needs `QUIRE_TEST_POSTGRES` (see `PostgresTestServer`); each test has a schema of its own.
@Suite("PostgreSQL end to end", .enabled(if: PostgresTestServer.url != nil))
struct PostgresEndToEndTests {
    static let ops = "ops@x.test"

    /// A sandbox whose database is a fresh PostgreSQL schema, with a system admin.
    func postgresSandbox() throws -> Sandbox {
        let box = try Sandbox(database: PostgresTestServer.freshSchema())
        try box.ok(["init", "--admin", Self.ops])
        return box
    }

    func paperLine(code: String, file: String, commandID: String? = nil) -> String {
        let id = commandID.map { ",\"command_id\":\"\($0)\"" } ?? ""
        return "{\"type\":\"session.create\",\"file_name\":\"\(file)\",\"paper\":{\"paper\":{\"code\":\"\(code)\",\"subject\":\"Maths\"},\"questions\":[{\"number\":1,\"text\":\"Q1\"},{\"number\":2,\"text\":\"Q2\"}]}\(id)}"
    }

    /// Starts `quire ARGS…` without waiting, its output in files of the sandbox.
    func start(_ box: Sandbox, _ arguments: [String], stdin: String? = nil, name: String) throws -> Process {
        let process = Process()
        process.executableURL = try QuireBinary.require()
        process.arguments = arguments
        process.environment = box.environment(["QUIRE_JWT_SECRET": ServeTests.secret])
        process.currentDirectoryURL = box.directory
        let out = box.directory.appendingPathComponent("\(name).out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: out)
        if let stdin {
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: try box.write("\(name).in", stdin)))
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    func curl(_ arguments: [String], output: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func eventCount(_ box: Sandbox) throws -> Int {
        let verify = try box.ok(["verify", "--json"])
        return (verify.object["events"] as? Int) ?? (verify.object["chain"] as? [String: Any])?["events"] as? Int ?? -1
    }

    // MARK: - The same log on both backends

    @Test func anExportMovesFromSQLiteToPostgresAndBackByteForByte() throws {
        let sqlite = try Sandbox()
        try sqlite.ok(["demo", "--db", sqlite.database])
        let first = try sqlite.ok(["export", "--as", "ops@riverside.example", "--output", "first.jsonl"])
        _ = first
        let exported = try Data(contentsOf: sqlite.directory.appendingPathComponent("first.jsonl"))

        let postgres = try Sandbox(database: PostgresTestServer.freshSchema())
        try postgres.ok(["import", sqlite.directory.appendingPathComponent("first.jsonl").path])
        let verified = try postgres.ok(["verify"])
        #expect(verified.stdout.contains("Chain intact"))
        #expect(!verified.stdout.contains("differs"))
        try postgres.ok(["export", "--as", "ops@riverside.example", "--output", "second.jsonl"])
        let again = try Data(contentsOf: postgres.directory.appendingPathComponent("second.jsonl"))
        #expect(again == exported, "the events PostgreSQL holds are byte for byte those SQLite held")

        // The projections answer the same on both.
        for user in ["alice@riverside.example", "bob@riverside.example"] {
            let here = try sqlite.ok(["session", "list", "--json"], as: user).stdout
            let there = try postgres.ok(["session", "list", "--json"], as: user).stdout
            #expect(here == there, "\(user)'s session list")
        }

        let back = try Sandbox()
        try back.ok(["import", postgres.directory.appendingPathComponent("second.jsonl").path])
        try back.ok(["verify"])
        try back.ok(["export", "--as", "ops@riverside.example", "--output", "third.jsonl"])
        #expect(try Data(contentsOf: back.directory.appendingPathComponent("third.jsonl")) == exported)
    }

    // MARK: - Many processes on one database

    /// Four processes write at once (two with group commit, two without) while `quire serve`
    /// tails the log for a system admin: the tail sees every position exactly once, in order.
    @Test func fourWritersAndALiveTailSeeEveryPositionOnceInOrder() throws {
        let box = try postgresSandbox()
        for i in 1...4 { try box.ok(["user", "add", "w\(i)@x.test", "--role", "admin"], as: Self.ops) }
        let port = UInt16.random(in: 20_000...40_000)
        let (server, serverLog) = try ServeTests().startServer(box, port: port)
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        #expect(server.isRunning, "\((try? String(contentsOf: serverLog, encoding: .utf8)) ?? "")")
        let token = try box.ok(["token", "issue", "--user", Self.ops], env: ["QUIRE_JWT_SECRET": ServeTests.secret])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let tail = box.directory.appendingPathComponent("tail.txt")
        let tailer = try curl(["-sN", "--max-time", "120", "-H", "Authorization: Bearer \(token)",
                               "http://127.0.0.1:\(port)/v1/events/stream?after=0"], output: tail)
        defer { if tailer.isRunning { tailer.terminate() } }

        let writers = try (1...4).map { i in
            let lines = (1...30).map { j in paperLine(code: "\(i)/\(j)", file: "w\(i)-\(j).json") }.joined(separator: "\n") + "\n"
            return try start(box, ["submit", "--as", "w\(i)@x.test"] + (i % 2 == 0 ? ["--no-group-commit"] : []), stdin: lines, name: "writer-\(i)")
        }
        for writer in writers { writer.waitUntilExit() }
        for (i, writer) in writers.enumerated() {
            let out = (try? String(contentsOf: box.directory.appendingPathComponent("writer-\(i + 1).out"), encoding: .utf8)) ?? ""
            #expect(writer.terminationStatus == 0, "writer \(i + 1): \(out.suffix(600))")
            #expect(out.components(separatedBy: "\"ok\":true").count - 1 == 30, "writer \(i + 1) acknowledged every line")
        }
        let total = try eventCount(box)
        #expect(total >= 4 + 1 + 120, "the registrations and 120 sessions are in the log (\(total))")

        // The tail catches up through NOTIFY; give it a bounded while.
        let deadline = Date().addingTimeInterval(30)
        var seen: [Int] = []
        repeat {
            let text = (try? String(contentsOf: tail, encoding: .utf8)) ?? ""
            seen = text.split(separator: "\n").compactMap { $0.hasPrefix("id: ") ? Int($0.dropFirst(4)) : nil }
            if seen.count >= total { break }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < deadline
        #expect(seen == Array(1...total), "the tail saw \(seen.count) of \(total) positions; out of order or doubled: \(seen.enumerated().filter { $0.element != $0.offset + 1 }.prefix(5))")
    }

    /// The same `command_id` sent to two servers on one database at the same moment appends once,
    /// and both answer with the one session it created.
    @Test func theSameCommandIDSentToTwoServersAtOnceAppendsOnce() throws {
        let box = try postgresSandbox()
        try box.ok(["user", "add", "alice@x.test", "--role", "admin"], as: Self.ops)
        let ports = [UInt16.random(in: 20_000...30_000), UInt16.random(in: 30_001...40_000)]
        let servers = try ports.map { try ServeTests().startServer(box, port: $0).0 }
        defer { for s in servers { s.terminate(); s.waitUntilExit() } }
        let token = try box.ok(["token", "issue", "--user", "alice@x.test"], env: ["QUIRE_JWT_SECRET": ServeTests.secret])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let paper = try box.write("paper.json", "{\"paper\":{\"code\":\"9709/12\"},\"questions\":[{\"number\":1,\"text\":\"Q\"}]}")
        for round in 1...5 {
            let outputs = ports.map { box.directory.appendingPathComponent("post-\(round)-\($0).json") }
            let posts = try zip(ports, outputs).map { port, output in
                try curl(["-s", "--max-time", "30", "-X", "POST", "-H", "Authorization: Bearer \(token)",
                          "-H", "Content-Type: application/json", "--data-binary", "@\(paper)",
                          "http://127.0.0.1:\(port)/v1/sessions?command_id=same-\(round)&file_name=p\(round).json&allow_duplicate=true"],
                         output: output)
            }
            for post in posts { post.waitUntilExit() }
            let ids = try outputs.map { url -> String in
                let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
                return (object["id"] as? String) ?? (object["session"] as? [String: Any])?["id"] as? String ?? "none: \(object)"
            }
            #expect(!ids[0].hasPrefix("none"), "round \(round): \(ids[0])")
            #expect(ids[0] == ids[1], "round \(round): both servers answer with the one session")
        }
        let list = try box.ok(["session", "list", "--json"], as: "alice@x.test")
        #expect(list.array.count == 5, "five rounds, five sessions: \(list.stdout.prefix(300))")

        // Each server's /metrics says how long its transactions held the head row: every round
        // ran one write transaction on each server, the one that appended and the one that found
        // the command already recorded.
        for port in ports {
            let output = box.directory.appendingPathComponent("metrics-\(port).txt")
            let scrape = try curl(["-s", "--max-time", "10", "http://127.0.0.1:\(port)/metrics"], output: output)
            scrape.waitUntilExit()
            let text = try String(contentsOf: output, encoding: .utf8)
            let count = text.split(separator: "\n").first { $0.hasPrefix("quire_append_lock_seconds_count ") }
                .flatMap { Int($0.split(separator: " ")[1]) }
            #expect((count ?? 0) >= 5, "server on \(port): quire_append_lock_seconds_count is \(count.map(String.init) ?? "missing")")
        }
    }
}

/// PostgreSQL going away under quire — crashed, restarted — on a cluster of the test's own
/// (`tools/postgres` with `QUIRE_PG_DIR`), so that the other tests' server stays up.
@Suite("PostgreSQL faults", .enabled(if: PostgresTestServer.url != nil))
struct PostgresFaultTests {
    final class Cluster {
        let directory = "/tmp/quire-pg-fault-\(UInt32.random(in: 0...UInt32.max))"
        let port = Int.random(in: 41_000...49_000)
        var url = ""

        /// Runs `tools/postgres ARGS…` for this cluster and returns what it printed. Spawned and
        /// reaped here rather than through `Process`: the server the script leaves running made
        /// Foundation miss the script's own exit.
        func tool(_ arguments: [String]) throws -> String {
            let output = directory + ".out"
            let script = QuireBinary.packageRoot.appendingPathComponent("tools/postgres").path
            let command = "QUIRE_PG_DIR='\(directory)' '\(script)' \(arguments.joined(separator: " ")) >'\(output)' 2>&1 </dev/null"
            var pid: pid_t = 0
            var argv: [UnsafeMutablePointer<CChar>?] = [String]([  "/bin/sh", "-c", command]).map { strdup($0) } + [nil]
            defer { for a in argv { free(a) } }
            guard posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ) == 0 else { throw CocoaError(.fileReadUnknown) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            defer { try? FileManager.default.removeItem(atPath: output) }
            return String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: output))) ?? Data(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func start() throws {
            url = try tool(["start", String(port)])
            guard url.hasPrefix("postgresql://") else { throw CocoaError(.fileReadUnknown, userInfo: ["tools/postgres": url]) }
        }
        func crash() throws { _ = try tool(["kill"]) }
        deinit { _ = try? tool(["stop"]) }
    }

    func request(_ method: String, _ url: String, token: String, body: String? = nil) throws -> (status: Int, headers: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-o", "/dev/null", "-D", "-", "--max-time", "20", "-X", method, "-H", "Authorization: Bearer \(token)"]
            + (body.map { ["-H", "Content-Type: application/json", "--data-binary", $0] } ?? []) + [url]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let status = out.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, out)
    }

    @Test func aCrashedDatabaseIsTemporarilyUnavailableAndQuireReconnectsByItself() throws {
        let cluster = Cluster()
        try cluster.start()
        let box = try Sandbox(database: cluster.url)
        try box.ok(["init", "--admin", "ops@x.test"])
        try box.ok(["user", "add", "alice@x.test", "--role", "admin"], as: "ops@x.test")
        let port = UInt16.random(in: 20_000...40_000)
        let (server, _) = try ServeTests().startServer(box, port: port)
        defer { server.terminate(); server.waitUntilExit() }
        let token = try box.ok(["token", "issue", "--user", "alice@x.test"], env: ["QUIRE_JWT_SECRET": ServeTests.secret])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let base = "http://127.0.0.1:\(port)/v1/sessions"
        let paper = "{\"paper\":{\"code\":\"9709/12\"},\"questions\":[{\"number\":1,\"text\":\"Q\"}]}"
        #expect(try request("POST", base + "?file_name=before.json", token: token, body: paper).status == 201)

        try cluster.crash()
        let cli = try box.run(["session", "list"], as: "alice@x.test")
        #expect(cli.status == 75, "\(cli)")
        #expect(cli.stderr.contains("temporarily unavailable") && cli.stderr.contains("safe to retry"), "\(cli.stderr)")
        #expect(cli.errorLines.count == 1, "one sentence: \(cli.stderr)")
        let other = paper.replacingOccurrences(of: "9709/12", with: "9709/13")
        let down = try request("POST", base + "?file_name=during.json&command_id=during-1", token: token, body: other)
        #expect(down.status == 503, "\(down.headers)")
        #expect(down.headers.lowercased().contains("retry-after:"), "\(down.headers)")
        #expect(try request("GET", base, token: token).status == 503)

        try cluster.start()
        // The server was not restarted: it reconnects on its own once the database is back.
        var status = 0
        let deadline = Date().addingTimeInterval(20)
        repeat {
            status = try request("POST", base + "?file_name=during.json&command_id=during-1", token: token, body: other).status
            if status == 201 { break }
            Thread.sleep(forTimeInterval: 0.5)
        } while Date() < deadline
        #expect(status == 201)
        let list = try box.ok(["session", "list", "--json"], as: "alice@x.test")
        #expect(Set(list.array.compactMap { $0["file_name"] as? String }) == ["before.json", "during.json"])
        let verify = try box.ok(["verify"])
        #expect(verify.stdout.contains("Chain intact"))
    }

    /// A `submit` running while the database crashes and comes back: every line it acknowledged is
    /// in the log once, the refused ones say they are safe to retry, and nothing is half-applied.
    @Test func nothingAcknowledgedIsLostWhenTheDatabaseCrashesMidLoad() throws {
        let cluster = Cluster()
        try cluster.start()
        let box = try Sandbox(database: cluster.url)
        try box.ok(["init", "--admin", "ops@x.test"])
        try box.ok(["user", "add", "alice@x.test", "--role", "admin"], as: "ops@x.test")
        let lines = (1...400).map { i in
            "{\"type\":\"session.create\",\"file_name\":\"p\(i).json\",\"command_id\":\"load-\(i)\",\"paper\":{\"paper\":{\"code\":\"\(i)\"},\"questions\":[{\"number\":1,\"text\":\"Q\"}]}}"
        }
        let input = try box.write("load.jsonl", lines.joined(separator: "\n") + "\n")
        let out = box.directory.appendingPathComponent("load.out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        let submit = Process()
        submit.executableURL = try QuireBinary.require()
        submit.arguments = ["submit", "--no-group-commit", "--as", "alice@x.test"]
        submit.environment = box.environment([:])
        submit.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        submit.standardOutput = try FileHandle(forWritingTo: out)
        let err = box.directory.appendingPathComponent("load.err")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        submit.standardError = try FileHandle(forWritingTo: err)
        try submit.run()
        // Crash once some lines are in, then bring it back while the rest arrive.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? String(contentsOf: out, encoding: .utf8)) ?? "").components(separatedBy: "\n").count < 40 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        try cluster.crash()
        Thread.sleep(forTimeInterval: 1)
        try cluster.start()
        submit.waitUntilExit()

        let answers = (try String(contentsOf: out, encoding: .utf8)).split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        #expect(answers.count == 400, "every line is answered; exit \(submit.terminationStatus): \(String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self).prefix(2000))")
        let acknowledged = Set(answers.filter { $0["ok"] as? Bool == true }.compactMap { $0["command_id"] as? String })
        let refused = answers.filter { $0["ok"] as? Bool == false }
        for answer in refused {
            let error = answer["error"] as? [String: Any] ?? [:]
            #expect(error["exit_code"] as? Int == 75, "\(answer)")
        }
        // Retrying the refused ones (same command ids) completes the load exactly once.
        let retry = lines.filter { line in !acknowledged.contains(where: { line.contains("\"\($0)\"") }) }
        if !retry.isEmpty { try box.ok(["submit", "--as", "alice@x.test"], stdin: retry.joined(separator: "\n") + "\n") }
        let list = try box.ok(["session", "list", "--json"], as: "alice@x.test")
        #expect(list.array.count == 400, "every command applied once")
        let verify = try box.ok(["verify"])
        #expect(verify.stdout.contains("Chain intact"))
        #expect(!verify.stdout.contains("differs"), "\(verify.stdout)")
    }
}
