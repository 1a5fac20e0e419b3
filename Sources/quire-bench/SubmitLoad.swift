import Foundation
import QuireCore
import QuireService

/// `quire submit` — the binary a migration script pipes its commands into — with group commit
/// and with `--no-group-commit`: `sessions` sessions' whole life (create with the paper inline,
/// access, update, update, complete), so five commands each. The creates go first (their results
/// name the new sessions), then the other four commands of every session; both invocations are
/// timed, start-up included. The two modes run in alternating rounds on fresh databases.
enum SubmitBenchmark {
    /// `location`, when given, makes a fresh database for each round (a PostgreSQL URL with a schema
    /// of its own); otherwise each round gets a new SQLite file.
    static func run(quire: String, sessions: Int, rounds: Int = 2, location: (() -> String)? = nil, name: String = "submit, group commit",
                    backend: String = "synchronous=FULL") throws -> [Figure] {
        var seconds: [Bool: Double] = [:]
        for round in 0..<rounds {
            for groupCommit in round % 2 == 0 ? [true, false] : [false, true] {
                let first = sessions * round / rounds, end = sessions * (round + 1) / rounds
                seconds[groupCommit, default: 0] += try once(quire: quire, sessions: first..<end, groupCommit: groupCommit, location: location?())
            }
        }
        let commands = Double(sessions * 5)
        let on = commands / seconds[true]!, off = commands / seconds[false]!
        return [Figure(name: name, quire: on, baseline: off, unit: "commands/s", ratio: on / off, target: ">= 2",
                       note: "quire submit of \(sessions * 5) commands (\(sessions) sessions' create/access/update/update/complete, papers inline), \(backend); baseline: the same with --no-group-commit; \(rounds) alternating rounds")]
    }

    /// One database, the creates of `range` and then their other four commands each; seconds.
    static func once(quire: String, sessions range: Range<Int>, groupCommit: Bool, location: String? = nil) throws -> Double {
        let dir = temporaryDirectory("submit")
        let path = location ?? dir + "/q.sqlite"
        do {
            let service = try QuireService.open(location: path, options: .init(create: true))
            _ = try service.handle(.command(.registerUser(RegisterUser(email: "ops@bench.example", role: .systemAdmin))), as: .system)
            _ = try service.handle(.command(.registerUser(RegisterUser(email: "a0@bench.example", role: .admin))), as: .named("ops@bench.example"))
        }
        let creates = range.map { c in
            "{\"type\":\"session.create\",\"file_name\":\"p\(c).json\",\"command_id\":\"create-\(c)\",\"paper\":"
                + String(decoding: SyntheticLog.paper(c), as: UTF8.self) + "}"
        }
        var total = 0.0
        let created = try submit(quire, path: path, lines: creates, file: dir + "/creates.jsonl", groupCommit: groupCommit, seconds: &total)
        let ids = try created.map { result -> String in
            guard case .object(let o) = result, case .object(let session)? = o["session"], case .string(let id)? = session["id"] else {
                throw QuireError.internal("submit answered a create without a session: \(result)")
            }
            return id
        }
        let rest = ids.flatMap { id in [
            "{\"type\":\"session.access\",\"session_id\":\"\(id)\"}",
            "{\"type\":\"session.update\",\"session_id\":\"\(id)\",\"step\":\"questions\",\"progress\":50}",
            "{\"type\":\"session.update\",\"session_id\":\"\(id)\",\"progress\":90,\"questions_imported\":8}",
            "{\"type\":\"session.complete\",\"session_id\":\"\(id)\"}",
        ] }
        _ = try submit(quire, path: path, lines: rest, file: dir + "/rest.jsonl", groupCommit: groupCommit, seconds: &total)
        return total
    }

    /// Runs `quire submit FILE`, adds its wall time to `seconds`, and returns its result lines, each
    /// checked to say `"ok": true`.
    static func submit(_ quire: String, path: String, lines: [String], file: String, groupCommit: Bool,
                       seconds: inout Double) throws -> [JSONValue] {
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: quire)
        process.arguments = ["submit", file, "--db", path, "--as", "a0@bench.example"] + (groupCommit ? [] : ["--no-group-commit"])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        var data = Data()
        seconds += try Clock.seconds {
            try process.run()
            data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
        }
        let results = try data.split(separator: UInt8(ascii: "\n")).map { try JSONValue.parse(Data($0), what: "a result line") }
        guard process.terminationStatus == 0, results.count == lines.count,
              results.allSatisfy({ if case .object(let o) = $0, o["ok"] == .bool(true) { true } else { false } }) else {
            throw QuireError.internal("quire submit failed (exit \(process.terminationStatus), \(results.count) of \(lines.count) results)")
        }
        return results
    }
}
