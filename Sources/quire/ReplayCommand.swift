import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a view as it was at a past position or time, replayed from the log into memory.",
        discussion: """
            quire replay --until-time 2026-11-24T09:00:00Z --view monitor --as ops@school.example shows what the monitor \
            showed then. --view sessions shows your session list then (a system admin may add --for USER).
            """)
    @OptionGroup var options: GlobalOptions
    @Option(help: ArgumentHelp("Replay up to and including this position.", valueName: "n")) var untilPosition: Int64?
    @Option(help: ArgumentHelp("Replay the events recorded at or before this time (RFC 3339, or 24h ago).", valueName: "time"))
    var untilTime: String?
    @Option(help: "sessions, monitor or duplicates.") var view: ReplayView = .sessions
    @Option(name: .customLong("for"), help: ArgumentHelp("With --view sessions: whose list (system admins).", valueName: "user"))
    var subject: String?

    func validate() throws {
        guard (untilPosition == nil) != (untilTime == nil) else {
            throw ValidationError("Give exactly one of --until-position and --until-time.")
        }
    }

    func run() throws {
        let service = try options.openService()
        let time = try untilTime.map { v throws(QuireError) in try TimeArgument.parse(v, now: service.now, option: "--until-time") }
        let position = try service.position(untilPosition: untilPosition, untilTime: time)
        let progress = Progress(label: "replay")
        let result = try service.replay(until: position, view: view, for: subject, as: options.actorName, requestedTime: time,
                                        progress: progress.report)
        progress.finish()
        if options.json { Console.json(result); return }
        if let note = result.note {
            Console.out(note)
        } else {
            Console.out("As of position \(result.position)\(result.asOf.map { " (\($0))" } ?? ""):")
        }
        switch view {
        case .sessions: Console.out(Render.sessions(result.sessions ?? []))
        case .monitor: Console.out(Render.monitor(result.monitor ?? []))
        case .duplicates:
            let groups = result.duplicates ?? []
            Console.out(groups.isEmpty ? "No files imported." : Console.table(
                ["OWNER", "JSON HASH", "SESSIONS"],
                groups.map { [$0.ownerEmail ?? $0.ownerID, String($0.jsonHash.prefix(16)) + "…", $0.sessions.joined(separator: ", ")] }))
        }
    }
}

extension ReplayView: ExpressibleByArgument {}
