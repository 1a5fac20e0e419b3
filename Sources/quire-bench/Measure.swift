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

func temporaryDirectory(_ label: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-bench-\(label)-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
}

func fileSize(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
}

func log(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
