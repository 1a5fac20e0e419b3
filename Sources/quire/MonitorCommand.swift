import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

struct Monitor: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Every active session of everyone, stalest first (system admins).")
    @OptionGroup var options: GlobalOptions
    @Option(help: "Only sessions not touched for at least this many hours.") var staleHours: Double?

    func run() throws {
        if let staleHours, staleHours < 0 || !staleHours.isFinite { throw QuireError.usage("--stale-hours must be zero or more.") }
        let service = try options.openService()
        let rows = try service.monitor(as: options.actorName, staleHours: staleHours)
        if options.json { Console.json(rows); return }
        Console.out(Render.monitor(rows))
        let summary = try service.monitorSummary(as: options.actorName)
        Console.out("\(summary.active) active, \(summary.expired) expired, \(summary.pendingOffers) offered and not yet accepted"
                    + (summary.expireAfter.map { $0 == "off" ? " (timeout off)." : " (sessions expire after \($0) idle)." } ?? " (no timeout set)."))
    }
}
