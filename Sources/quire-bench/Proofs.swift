import Foundation
import QuireCore
import QuireProjections
import QuireService
import QuireSQLite
import QuireStorage

extension Benchmarks {
    /// What the Merkle tree costs (issue 14): the append rate with the tree on against the same
    /// appends with it off, then checkpoint, inclusion and consistency proof latencies and the
    /// bytes per event of the tree on a log of `events` events.
    static func proofs(events: Int, samples: Int) throws -> [Figure] {
        var figures: [Figure] = []

        // Append, tree on vs off: the same sessions through the same inline projections, with and
        // without the merkle projector. Durability NORMAL so that fsync does not hide the CPU cost.
        let appendLog = SyntheticLog.sized(events: min(events / 10, 100_000))
        let withoutTree = Projections(Projections.core.projectors.filter { $0.name != "merkle" })
        func appendRate(_ projections: Projections, _ label: String) throws -> Double {
            let path = temporaryDirectory("tree-\(label)") + "/q.sqlite"
            var options = StorageOptions(create: true)
            options.durability = .normal
            let store = try SQLiteStore(path: path, options: options, projections: projections)
            let seconds = try Clock.seconds { try generate(appendLog, sessions: 0..<appendLog.sessions, into: store) }
            return Double(try store.read { try $0.eventCount() }) / seconds
        }
        // Alternate the two, best of three each: the machine is shared.
        var on: [Double] = [], off: [Double] = []
        for _ in 0..<3 {
            off.append(try appendRate(withoutTree, "off"))
            on.append(try appendRate(.core, "on"))
        }
        let onRate = on.max()!, offRate = off.max()!
        figures.append(Figure(name: "append, tree on vs off", quire: onRate, baseline: offRate, unit: "events/s",
                              ratio: onRate / offRate, target: ">= 0.9",
                              note: "\(appendLog.events) events, all inline projections with and without merkle; best of 3"))

        // A large log, its tree built by the projection runner.
        let log = SyntheticLog.sized(events: events)
        let path = temporaryDirectory("tree-large") + "/q.sqlite"
        let plain = try SQLiteStore.logOnly(path: path)
        try generate(log, sessions: 0..<log.sessions, into: plain)
        try plain.checkpointWAL()
        let before = fileSize(path)
        let store = try SQLiteStore(path: path, projections: Projections([MerkleProjector()]))
        let buildSeconds = try Clock.seconds { try store.prepareProjections(progress: nil) }
        try store.checkpointWAL()
        let n = try store.read { try $0.eventCount() }
        figures.append(Figure(name: "tree bytes per event", quire: Double(fileSize(path) - before) / Double(n), baseline: nil,
                              unit: "bytes", ratio: nil, target: nil,
                              note: "merkle_nodes at \(n) events (hex hashes, levels 1 and up; leaves come from the hash column); built in \(String(format: "%.1f", buildSeconds)) s"))

        let service = QuireService(store: store)
        let key = try SigningKey(generatingFor: "quire.bench/log")
        var rng = SystemRandomNumberGenerator()
        func latency(_ name: String, _ target: String, _ body: () throws -> Void) rethrows {
            var times: [Double] = []
            for _ in 0..<samples { times.append(try Clock.seconds(body)) }
            let (p50, p99) = percentiles(times)
            figures.append(Figure(name: name, quire: p99, baseline: nil, unit: "ms p99", ratio: nil, target: target,
                                  note: "\(n) events, \(samples) samples", p50: p50))
        }
        try latency("checkpoint (root + sign)", "< 5 ms") { _ = try service.checkpoint(signedBy: key) }
        try latency("inclusion proof", "< 5 ms") {
            let size = Int64.random(in: 1...n, using: &rng)
            _ = try service.inclusionProof(position: Int64.random(in: 1...size, using: &rng), size: size)
        }
        try latency("consistency proof", "< 5 ms") {
            let to = Int64.random(in: 1...n, using: &rng)
            _ = try service.consistencyProof(from: Int64.random(in: 0...to, using: &rng), to: to)
        }
        return figures
    }
}
