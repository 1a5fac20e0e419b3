import Foundation
import QuireCore

extension QuireService {
    /// Imports legacy rows one by one; each row is its own command (`command_id` `legacy-<id>`), so
    /// running the same file again imports nothing twice.
    public func importLegacy(_ data: Data, fileName: String, as name: ActorName) throws(QuireError) -> [LegacyImport.RowReport] {
        try authorize(.importLegacy, as: name)
        var reports: [LegacyImport.RowReport] = []
        for parsed in try LegacyImport.parse(data, fileName: fileName) {
            switch parsed.row {
            case .failure(let error):
                reports.append(.init(row: parsed.number, id: nil, result: "skipped", message: error.message))
            case .success(let row):
                do {
                    let outcome = try handle(.command(.importLegacySession(row)), as: name, commandID: "legacy-" + row.id.rawValue)
                    reports.append(.init(row: parsed.number, id: row.id.rawValue, result: outcome.replayed ? "already_imported" : "imported",
                                         message: nil))
                } catch {
                    let message = error.code == .commandIDReused
                        ? "Row \(parsed.number) (\(row.id)) was imported before with different content; it was left as it was."
                        : "Row \(parsed.number) (\(row.id)): \(error.message)"
                    reports.append(.init(row: parsed.number, id: row.id.rawValue, result: "skipped", message: message))
                }
            }
        }
        return reports
    }
}
