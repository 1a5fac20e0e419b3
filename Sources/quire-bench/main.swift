import Foundation
import GRDB
import QuireCore
import QuireProjections
import QuireService
import QuireStore

// quire-bench: every figure as a ratio against a baseline measured in the same run, because
// absolute times on a shared machine drift. `tools/bench` builds it in release mode and runs it.
//
//   quire-bench [--smoke] [--events N] [--commands N] [--json PATH]

let arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}
let smoke = arguments.contains("--smoke")
let totalEvents = option("--events").flatMap(Int.init) ?? (smoke ? 20_000 : 1_000_000)
let commands = option("--commands").flatMap(Int.init) ?? (smoke ? 250 : 5_000)
let jsonPath = option("--json") ?? "tools/bench-last-run.json"
let querySamples = smoke ? 50 : 1000

var figures: [Figure] = []
@MainActor func record(_ f: Figure) {
    figures.append(f)
    log("  " + pad(f.name, 36) + pad(String(format: "%.1f", f.quire), 12) + pad(f.unit, 14)
        + (f.ratio.map { String(format: "ratio %.2f", $0) } ?? (f.note ?? "")))
}

do {
    log("durable commands (\(commands))…")
    record(try Benchmarks.durableCommands(commands))
    log("batch append…")
    record(try Benchmarks.batchAppend(smoke ? 5_000 : 100_000))

    // One log, grown from a tenth of its size to all of it, measured at both sizes.
    let full = SyntheticLog.sized(events: totalEvents)
    let path = temporaryDirectory("log") + "/q.sqlite"
    let store = try EventStore(path: path, options: .init(create: true))
    let tenth = full.sessions / 10
    log("generating \(tenth * 5 + full.users) events…")
    try Benchmarks.generate(SyntheticLog(users: full.users, sessions: tenth), into: store)
    try Projections.core.prepare(store)
    let small = try QuireService.open(path: path)
    let smallCount = try store.read { db in try EventLog.count(db) }
    log("queries at \(smallCount) events…")
    for f in try Benchmarks.queries(small, log: SyntheticLog(users: full.users, sessions: tenth), label: "\(smallCount / 1000)k", samples: querySamples) {
        record(f)
    }
    log("growing the log to \(totalEvents + full.users) events…")
    try Benchmarks.generate(full, into: store, from: tenth, users: false)
    let count = try store.read { db in try EventLog.count(db) }
    log("rebuild of \(count) events…")
    record(try Benchmarks.rebuild(path: path, store: store, events: count))
    let service = try QuireService.open(path: path)
    log("queries at \(count) events…")
    for f in try Benchmarks.queries(service, log: full, label: "\(count / 1000)k", samples: querySamples) { record(f) }

    // Footprint: bytes on disk per event, after a checkpoint folds the WAL into the file.
    try store.writeWithoutTransaction { db in _ = try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    let bytes = fileSize(path) + fileSize(path + "-wal")
    record(Figure(name: "bytes on disk per event", quire: Double(bytes) / Double(count), baseline: nil, unit: "bytes",
                  ratio: nil, target: nil, note: "log, blobs and all projections, \(count) events"))

    // Peak memory of a rebuild, in a process of its own: `quire rebuild`.
    let quire = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("quire").path
    if FileManager.default.isExecutableFile(atPath: quire) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: quire)
        process.arguments = ["rebuild", "--db", path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        record(Figure(name: "rebuild peak memory", quire: Double(usage.ru_maxrss) / 1024, baseline: nil, unit: "MiB RSS",
                      ratio: nil, target: "< 150 MiB", note: "quire rebuild of \(count) events in its own process"))
    } else {
        log("(no quire binary next to quire-bench: skipping the rebuild memory figure)")
    }
    if FileManager.default.isExecutableFile(atPath: quire), !arguments.contains("--no-server") {
        log("group commit through quire serve…")
        for f in try await GroupCommitBenchmark.run(quire: quire, levels: [1, 8, 32, 128], seconds: smoke ? 1 : 5) { record(f) }
    }
} catch {
    log("benchmark failed: \(error)")
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
