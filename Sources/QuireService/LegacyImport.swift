import Foundation
import QuireCore

extension QuireService {
    /// Imports legacy rows one by one; each row is its own command (`command_id` `legacy-<id>`), so
    /// running the same file again imports nothing twice.
    public func importLegacy(_ data: Data, fileName: String, as name: ActorName) throws(QuireError) -> [LegacyImport.RowReport] {
        try authorize(.importLegacy, as: name)
        var reports: [LegacyImport.RowReport?] = []
        // Group commit: the rows go in transactions of up to 500 (a savepoint each, so a refused
        // row never fails its neighbours), not one fsync per row.
        var pending: [(report: Int, number: Int, row: LegacyRow)] = []
        func flush() {
            let results = handleBatch(pending.map { Submission(.command(.importLegacySession($0.row)), as: name, commandID: "legacy-" + $0.row.id.rawValue) })
            for (item, result) in zip(pending, results) {
                switch result {
                case .success(let outcome):
                    reports[item.report] = .init(row: item.number, id: item.row.id.rawValue,
                                                 result: outcome.replayed ? "already_imported" : "imported", message: nil)
                case .failure(let error):
                    let message = error.code == .commandIDReused
                        ? "Row \(item.number) (\(item.row.id)) was imported before with different content; it was left as it was."
                        : "Row \(item.number) (\(item.row.id)): \(error.message)"
                    reports[item.report] = .init(row: item.number, id: item.row.id.rawValue, result: "skipped", message: message)
                }
            }
            pending.removeAll()
        }
        for parsed in try LegacyImport.parse(data, fileName: fileName) {
            switch parsed.row {
            case .failure(let error):
                reports.append(.init(row: parsed.number, id: nil, result: "skipped", message: error.message))
            case .success(let row):
                reports.append(nil)
                pending.append((reports.count - 1, parsed.number, row))
                if pending.count == 500 { flush() }
            }
        }
        if !pending.isEmpty { flush() }
        let done = reports.compactMap { $0 }
        return done
    }
}
