import Foundation

/// One figure: quire against its baseline, measured in the same run.
struct Figure: Codable {
    var name: String
    var quire: Double
    var baseline: Double?
    var unit: String
    /// quire / baseline for rates (higher is better); for latencies, the figure is a p50/p99 pair.
    var ratio: Double?
    var target: String?
    var note: String?
    /// For latencies: the median, next to the p99 in `quire`.
    var p50: Double?
}

enum Clock {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

/// Latency percentiles in milliseconds.
func percentiles(_ samples: [Double]) -> (p50: Double, p99: Double) {
    let sorted = samples.sorted()
    guard !sorted.isEmpty else { return (0, 0) }
    func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
    return (at(0.5) * 1000, at(0.99) * 1000)
}

/// Every benchmark database lives under one directory of this run, removed when the run ends
/// (a full run writes about 2 GB).
let runDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("quire-bench-\(UUID().uuidString.prefix(8))")

func temporaryDirectory(_ label: String) -> String {
    let dir = runDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
}

/// The peak resident memory (VmHWM) of a running process, in MiB; 0 when it cannot be read.
func peakResidentMiB(pid: Int32) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kib = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return 0 }
    return kib / 1024
}

func fileSize(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
}

func log(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
