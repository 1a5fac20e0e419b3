import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

/// Progress on a terminal (stderr), silent otherwise: events done, rate and ETA.
final class Progress: Sendable {
    let label: String
    let start = Date()
    let enabled = isatty(STDERR_FILENO) == 1

    init(label: String) { self.label = label }

    var report: @Sendable (Int64, Int64) -> Void {
        { [self] done, total in
            guard enabled, total > 0 else { return }
            let elapsed = max(Date().timeIntervalSince(start), 0.001)
            let rate = Double(done) / elapsed
            let eta = rate > 0 ? Double(total - done) / rate : 0
            let line = String(format: "\r%@: %lld/%lld events, %.0f/s, ETA %.0fs ", label, done, total, rate, eta)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
