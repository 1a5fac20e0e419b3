import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What a command produced, or why it was refused, with the facts as they stood then.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The command id (from submit's result lines, or audit's command_id).") var commandID: String

    func run() throws {
        let e = try options.openService().explain(commandID, as: options.actorName)
        if options.json { Console.json(e); return }
        switch e.outcome {
        case "unknown": Console.out(e.reason ?? "")
        case "accepted":
            Console.out("Command \(commandID) was accepted and appended \(e.events.count) event\(e.events.count == 1 ? "" : "s"):")
            Console.out(Render.audit(e.events))
        default:
            Console.out("Command \(commandID) was refused at position \(e.events.first.map { String($0.position) } ?? "?").")
            Console.out("Rule: \(e.reason ?? "?")")
            for (k, v) in (e.facts ?? [:]).sorted(by: { $0.key < $1.key }) { Console.out("  \(k): \(Render.plain(v))") }
        }
    }
}
