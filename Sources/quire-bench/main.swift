import Foundation
import GRDB
import QuireCore
import QuireBackends
import QuireProjections
import QuireSQLite
import QuireService
import QuireStorage

// quire-bench: every figure as a ratio against a baseline measured in the same run, because
// absolute times on a shared machine drift. `tools/bench` builds it in release mode and runs it.
//
//   quire-bench [--smoke] [--events N] [--commands N] [--only SECTION,…] [--json PATH]
//
// Sections: commands, submit (the quire binary, group commit on/off), append (batch append, import), log (queries at two sizes, rebuild,
// footprint), proofs (the Merkle tree's append cost, proof latencies and bytes), server (group
// commit and the service's memory), wrk (the HTTP path under wrk against in-process submit).
// `--rebuild-child PATH` is what the run itself starts to measure a rebuild's peak memory in a process of its own. `--generate PATH [--events N]` writes
// the synthetic log to a file that stays, to profile commands on. `--callgrind-commands N`,
// `--callgrind-rebuild PATH` and `--callgrind-import EXPORT --into PATH` are the workloads `tools/bench --callgrind` runs under valgrind.

let arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}

if let path = option("--rebuild-child") {
    // The same call `quire rebuild` makes, then this process's own peak resident memory.
    do {
        _ = try QuireService.open(location: path, prepareProjections: false).rebuild()
        print(peakResidentMiB(pid: getpid()))
        exit(0)
    } catch {
        log("rebuild failed: \(error)")
        exit(1)
    }
}

if let path = option("--generate") {
    // The benchmark's synthetic log in a file that stays, for profiling a command on it
    // (`perf record -g quire rebuild --db PATH`, `valgrind --tool=callgrind …`).
    let synthetic = SyntheticLog.sized(events: option("--events").flatMap(Int.init) ?? 1_000_000)
    do {
        let store = try SQLiteStore.logOnly(path: path)
        try Benchmarks.generate(synthetic, sessions: 0..<synthetic.sessions, into: store)
        try SQLiteStore(path: path).prepareProjections()
        print("\(synthetic.events) events in \(path)")
        exit(0)
    } catch {
        log("generating failed: \(error)")
        exit(1)
    }
}

if let count = option("--callgrind-commands").flatMap(Int.init) {
    // For `tools/bench --callgrind`: `count` commands through the handler in this process (the
    // durable command benchmark's cycles), run under callgrind at two counts; the difference of
    // the instruction counts, divided by the difference of the counts, is the cost of a command.
    do {
        try Benchmarks.commandCycles(count)
        exit(0)
    } catch {
        log("commands failed: \(error)")
        exit(1)
    }
}

if let path = option("--callgrind-rebuild") {
    // For `tools/bench --callgrind`: one rebuild of every projection of the log at `path`.
    do {
        try SQLiteStore(path: path).rebuild(Projections.core.names)
        exit(0)
    } catch {
        log("rebuild failed: \(error)")
        exit(1)
    }
}

if let export = option("--callgrind-import"), let target = option("--into") {
    // For `tools/bench --callgrind`: what `quire import --db TARGET EXPORT` does (the CLI itself
    // does not run under valgrind 3.19: its async entry point crashes it), into a new file.
    do {
        guard let handle = FileHandle(forReadingAtPath: export) else { throw QuireError.invalidInput("Cannot read \(export).") }
        let service = try QuireService.open(location: target, options: .init(create: true))
        let reader = LineReader(handle, name: export)
        _ = try service.importLog(lines: reader)
        if let failure = reader.failure { throw failure }
        exit(0)
    } catch {
        log("import failed: \(error)")
        exit(1)
    }
}

let smoke = arguments.contains("--smoke")
let totalEvents = option("--events").flatMap(Int.init) ?? (smoke ? 20_000 : 1_000_000)
let commands = option("--commands").flatMap(Int.init) ?? (smoke ? 250 : 5_000)
let jsonPath = option("--json") ?? "tools/bench-last-run.json"
let querySamples = smoke ? 50 : 1000
// --postgres URL runs the PostgreSQL figures (section postgres) instead of the SQLite run, unless --only names sections.
let postgresURL = option("--postgres")
let sections = Set((option("--only") ?? (postgresURL == nil ? "commands,submit,append,log,proofs,server,wrk" : "postgres"))
    .split(separator: ",").map(String.init))
let knownSections: Set<String> = ["commands", "submit", "append", "log", "proofs", "server", "wrk", "postgres", "pg-commands", "pg-writers"]
guard sections.isSubset(of: knownSections) else {
    log("--only takes a comma-separated list of: commands, submit, append, log, proofs, server, wrk, and with --postgres URL: postgres (every PostgreSQL figure), pg-commands, pg-writers.")
    exit(64)
}

var figures: [Figure] = []
@MainActor func record(_ f: Figure) {
    figures.append(f)
    log("  " + pad(f.name, 36) + pad(String(format: "%.1f", f.quire), 12) + pad(f.unit, 14)
        + (f.ratio.map { String(format: "ratio %.2f", $0) } ?? (f.note ?? "")))
}
let quire = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("quire").path

do {
    if sections.contains("pg-commands"), let url = postgresURL {
        // Only the durable-command figures on PostgreSQL: what a change to the backend's round trips moves.
        for f in try PostgresBenchmarks.durableCommands(url: url, option("--commands").flatMap(Int.init) ?? 1_000) { record(f) }
    }
    if sections.contains("pg-writers"), let url = postgresURL {
        // Only the 4-against-1 `quire submit` writer figures on PostgreSQL.
        for f in try PostgresBenchmarks.writerFigures(quire: quire, url: url, sessions: max((option("--commands").flatMap(Int.init) ?? 1_000) / 5, 20)) { record(f) }
    }
    if sections.contains("postgres") {
        guard let url = postgresURL else {
            log("the postgres section needs --postgres URL (tools/postgres start prints one).")
            exit(64)
        }
        // Sizes that finish in about 10 minutes on 2 cores: --commands (default 2,000) and --events (default 100,000).
        let pgCommands = option("--commands").flatMap(Int.init) ?? (smoke ? 250 : 2_000)
        let pgEvents = option("--events").flatMap(Int.init) ?? (smoke ? 5_000 : 100_000)
        let sessions = max(pgCommands / 5, 20)
        log("PostgreSQL: durable commands in process (\(pgCommands)), against bare postgres-nio…")
        let durable = try PostgresBenchmarks.durableCommands(url: url, pgCommands)
        for f in durable { record(f) }
        log("pgbench's TPC-B-like run on the same server, 1 and 4 clients…")
        let pgbench = try PgBench.run(url: url, clients: [1, 4], seconds: smoke ? 1 : 5)
        if let one = pgbench[1] {
            record(PgBench.figure("pg durable commands vs pgbench -c 1", quire: durable[0].quire, one,
                                  what: "quire's durable commands in process, one transaction each (the figure above)"))
        }
        log("SQLite: the same durable commands…")
        record(try Benchmarks.durableCommands(pgCommands))
        log("group commit in process (handleBatch) on PostgreSQL and SQLite…")
        record(try PostgresBenchmarks.groupCommit({ PostgresBenchmarks.schema(url, "batch") }, sessions: sessions, batch: 32,
                                                  name: "pg group commit, in process", backend: "PostgreSQL"))
        record(try PostgresBenchmarks.groupCommit({ temporaryDirectory("batch") + "/q.sqlite" }, sessions: sessions, batch: 32,
                                                  name: "sqlite group commit, in process", backend: "SQLite synchronous=FULL"))
        if FileManager.default.isExecutableFile(atPath: quire) {
            log("quire submit on PostgreSQL and SQLite, group commit on and off…")
            for f in try SubmitBenchmark.run(quire: quire, sessions: sessions, location: { PostgresBenchmarks.schema(url, "submit") },
                                             name: "pg submit, group commit", backend: "PostgreSQL") { record(f) }
            for f in try SubmitBenchmark.run(quire: quire, sessions: sessions) { record(f) }
            log("4 writer processes against 1 on PostgreSQL…")
            let writers = try PostgresBenchmarks.writerFigures(quire: quire, url: url, sessions: sessions)
            for f in writers { record(f) }
            if let four = pgbench[4] {
                record(PgBench.figure("pg 4 writers vs pgbench -c 4", quire: writers[0].quire, four,
                                      what: "4 quire submit --no-group-commit processes at once, one transaction per command (the figure above)"))
            }
            if let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) {
                log("group commit through quire serve on PostgreSQL under wrk, 1, 32 and 128 connections…")
                for f in try await PostgresServeBenchmark.levels(quire: quire, wrk: wrk, url: url, levels: [1, 32, 128], seconds: smoke ? 1 : 10,
                                                                 inProcessCommands: smoke ? 200 : max(pgCommands / 2, 500)) { record(f) }
                log("1, 2 and 4 quire serve processes on one schema, 32 connections each…")
                for f in try await PostgresServeBenchmark.processes(quire: quire, wrk: wrk, url: url, counts: [1, 2, 4], connections: 32,
                                                                    seconds: smoke ? 1 : 8) { record(f) }
            } else {
                log("(no wrk on this machine — apt-get install wrk: skipping the quire serve figures)")
            }
        } else {
            log("(no quire binary next to quire-bench: skipping the submit, writer and serve figures)")
        }
        log("import, rebuild and queries of a \(pgEvents)-event log on PostgreSQL and SQLite…")
        for f in try PostgresBenchmarks.log(url: url, events: pgEvents, samples: querySamples) { record(f) }
    }
    if sections.contains("commands") {
        log("durable commands (\(commands))…")
        record(try Benchmarks.durableCommands(commands))
    }
    if sections.contains("submit") {
        if FileManager.default.isExecutableFile(atPath: quire) {
            log("quire submit, group commit on and off…")
            for f in try SubmitBenchmark.run(quire: quire, sessions: smoke ? 50 : 2_000) { record(f) }
        } else {
            log("(no quire binary next to quire-bench: skipping the submit figures)")
        }
    }
    if sections.contains("append") {
        log("batch append…")
        let append = try Benchmarks.batchAppend(smoke ? 5_000 : 100_000)
        record(append)
        log("import of an export…")
        record(try Benchmarks.importLog(smoke ? 5_000 : 100_000, appendRate: append.quire))
    }
    if sections.contains("log") {
        // One log, grown from a tenth of its size to all of it, measured at both sizes. Every
        // admin has the same twenty sessions at both sizes; there are ten times as many admins.
        let full = SyntheticLog.sized(events: totalEvents)
        let tenth = SyntheticLog(sessions: full.sessions / 10)
        let path = temporaryDirectory("log") + "/q.sqlite"
        let store = try SQLiteStore.logOnly(path: path)
        log("generating \(tenth.events) events…")
        try Benchmarks.generate(full, sessions: 0..<tenth.sessions, into: store)
        try SQLiteStore(path: path).prepareProjections()
        let small = try QuireService.open(location: path)
        let smallCount = try store.read { reader in try reader.eventCount() }
        log("queries at \(smallCount) events…")
        for f in try Benchmarks.queries(small, log: tenth, label: "\(smallCount / 1000)k", samples: querySamples) { record(f) }
        log("growing the log to \(full.events) events…")
        try Benchmarks.generate(full, sessions: tenth.sessions..<full.sessions, into: store)
        let count = try store.read { reader in try reader.eventCount() }
        log("rebuild of \(count) events…")
        for f in try Benchmarks.rebuild(path: path, events: count) { record(f) }
        let service = try QuireService.open(location: path)
        log("queries at \(count) events…")
        let large = try Benchmarks.queries(service, log: full, label: "\(count / 1000)k", samples: querySamples)
        for f in large { record(f) }
        for f in Benchmarks.growth(from: figures, small: "\(smallCount / 1000)k", large: "\(count / 1000)k",
                                   events: (Double(smallCount), Double(count))) { record(f) }

        // Footprint: bytes on disk per event, after a checkpoint folds the WAL into the file.
        try store.checkpointWAL()
        let bytes = fileSize(path) + fileSize(path + "-wal")
        record(Figure(name: "bytes on disk per event", quire: Double(bytes) / Double(count), baseline: nil, unit: "bytes",
                      ratio: nil, target: nil, note: "log, blobs and all projections, \(count) events"))

        // Peak memory of a rebuild, in a process of its own that reports its own high-water mark.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--rebuild-child", path]
        let output = Pipe()
        child.standardOutput = output
        try child.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        guard child.terminationStatus == 0, let mib = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw QuireError.internal("the rebuild child process failed")
        }
        record(Figure(name: "rebuild peak memory", quire: mib, baseline: nil, unit: "MiB RSS",
                      ratio: nil, target: "< 150 MiB", note: "rebuild of \(count) events in a process of its own (VmHWM)"))
    }
    if sections.contains("proofs") {
        log("Merkle tree and proofs at \(totalEvents) events…")
        for f in try Benchmarks.proofs(events: totalEvents, samples: querySamples) { record(f) }
    }
    if sections.contains("server") {
        if FileManager.default.isExecutableFile(atPath: quire) {
            log("group commit through quire serve…")
            for f in try await GroupCommitBenchmark.run(quire: quire, levels: [1, 8, 32, 128], seconds: smoke ? 1 : 10) { record(f) }
        } else {
            log("(no quire binary next to quire-bench: skipping the group commit figures)")
        }
    }
    if sections.contains("wrk") {
        if FileManager.default.isExecutableFile(atPath: quire) {
            log("wrk against quire serve…")
            for f in try await WrkBenchmark.run(quire: quire, levels: smoke ? [1, 32] : [1, 32, 128], seconds: smoke ? 1 : 10,
                                                inProcessCommands: smoke ? 500 : 20_000) { record(f) }
        } else {
            log("(no quire binary next to quire-bench: skipping the wrk figures)")
        }
    }
} catch {
    log("benchmark failed: \(error)")
    try? FileManager.default.removeItem(at: runDirectory)
    exit(1)
}

// The table, then the JSON file.
func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
print(pad("figure", 36) + pad("quire", 12) + pad("unit", 14) + pad("baseline", 12) + pad("ratio", 8) + "target")
for f in figures {
    print(pad(f.name, 36) + pad(String(format: "%.1f", f.quire), 12) + pad(f.unit, 14)
          + pad(f.baseline.map { String(format: "%.1f", $0) } ?? "-", 12) + pad(f.ratio.map { String(format: "%.2f", $0) } ?? "-", 8)
          + (f.target ?? "") + (f.ratio == nil ? "  " + (f.note ?? "") : ""))
}
struct Run: Codable {
    var date: String
    var machine: String
    var smoke: Bool
    var figures: [Figure]
}
let machine = "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB"
let run = Run(date: Timestamp.now().description, machine: machine, smoke: smoke, figures: figures)
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
try encoder.encode(run).write(to: URL(fileURLWithPath: jsonPath))
log("wrote \(jsonPath)")
try? FileManager.default.removeItem(at: runDirectory)
