import Foundation
import QuireCore
import QuirePostgres

/// PostgreSQL's own `pgbench` and its built-in TPC-B-like transaction (three UPDATEs, a SELECT and
/// an INSERT between BEGIN and END: seven round trips, one commit) on the same server: the floor a
/// PostgreSQL user recognises, beside quire's one-transaction-per-command rate. It runs in a
/// database of its own, made for the run and dropped after it.
enum PgBench {
    /// pgbench on PATH, else in Debian's versioned folder (/usr/lib/postgresql/VERSION/bin, the
    /// newest), where `tools/postgres` finds initdb.
    static func find() -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { String($0) + "/pgbench" }
        let debian = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .sorted { $0.compare($1, options: .numeric) == .orderedDescending }
            .map { "/usr/lib/postgresql/\($0)/bin/pgbench" }
        return (path + debian).first(where: FileManager.default.isExecutableFile(atPath:))
    }

    struct Run {
        var clients: Int
        var tps: Double
        var latency: Double  // ms, pgbench's "latency average"
        var transactions: Int
    }

    /// `pgbench -i -s 1` into a new database next to `url`'s, then, alternating, `rounds` runs of
    /// `seconds` each at every client count in `clients` (one thread); the database is dropped
    /// afterwards whatever happened. Empty when there is no pgbench on this machine.
    static func run(url: String, clients: [Int], seconds: Int, rounds: Int = 2) throws -> [Int: Run] {
        guard let pgbench = find() else {
            log("(no pgbench on this machine — apt-get install postgresql-client: skipping the pgbench figures)")
            return [:]
        }
        let location = try PostgresLocation(url)
        let database = "bench_pgbench_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try BarePostgres(url: url)
        admin.run("CREATE DATABASE \(database)")
        // FORCE: a pgbench connection the server has not yet seen close must not fail the drop.
        defer { admin.run("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }

        var environment = ProcessInfo.processInfo.environment
        environment["PGHOST"] = location.host
        environment["PGPORT"] = String(location.port)
        environment["PGUSER"] = location.user
        environment["PGDATABASE"] = database
        if let password = location.password { environment["PGPASSWORD"] = password }
        environment["PGSSLMODE"] = location.tls.rawValue
        func invoke(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: pgbench)
            process.arguments = arguments
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw QuireError.internal("pgbench \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus)): \(text.suffix(400))")
            }
            return text
        }
        _ = try invoke(["-i", "-s", "1", "-q"])
        var runs: [Int: [Run]] = [:]
        for round in 0..<rounds {
            for c in round % 2 == 0 ? clients : clients.reversed() {
                let text = try invoke(["-c", String(c), "-j", "1", "-T", String(seconds)])
                runs[c, default: []].append(try parse(text, clients: c))
            }
        }
        return runs.mapValues { parts in
            let transactions = parts.map(\.transactions).reduce(0, +)
            // The rounds as one run: transactions over their time, latency weighted by transactions.
            let seconds = parts.map { Double($0.transactions) / $0.tps }.reduce(0, +)
            let latency = parts.map { $0.latency * Double($0.transactions) }.reduce(0, +) / Double(max(transactions, 1))
            return Run(clients: parts[0].clients, tps: Double(transactions) / seconds, latency: latency, transactions: transactions)
        }
    }

    /// quire's rate (one transaction per command) against pgbench's tps at the same concurrency.
    static func figure(_ name: String, quire: Double, _ run: Run, what: String) -> Figure {
        Figure(name: name, quire: quire, baseline: run.tps, unit: "commands/s", ratio: quire / run.tps, target: nil,
               note: String(format: "%@; baseline: pgbench's built-in TPC-B-like transaction (BEGIN, 3 UPDATEs, SELECT, INSERT, END; scale 1), -c %d -j 1, %d transactions, latency average %.2f ms, on the same server in a database of its own",
                            what, run.clients, run.transactions, run.latency))
    }

    /// pgbench's summary: "number of transactions actually processed: N", "latency average = X ms",
    /// "tps = X (without initial connection time)".
    static func parse(_ text: String, clients: Int) throws -> Run {
        func number(after prefix: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(prefix) }
                .flatMap { Double($0.dropFirst(prefix.count).split(separator: " ").first.map { $0.split(separator: "/")[0] } ?? "") }
        }
        guard let tps = number(after: "tps = "), let latency = number(after: "latency average = "),
              let transactions = number(after: "number of transactions actually processed: ") else {
            throw QuireError.internal("pgbench printed no summary: \(text.suffix(400))")
        }
        return Run(clients: clients, tps: tps, latency: latency, transactions: Int(transactions))
    }
}
