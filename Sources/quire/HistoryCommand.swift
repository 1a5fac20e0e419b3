import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One session's events in order, with its state after each and what changed (deleted sessions too).")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The session id, or a unique prefix of it (at least 8 characters).") var id: String

    func run() throws {
        let service = try options.openService()
        let entries = try service.history(try service.resolveSession(id, as: options.actorName), as: options.actorName)
        if options.json { Console.json(entries); return }
        let rows = entries.map { e -> [String] in
            let change = e.type == "access.denied"
                ? "refused \(e.refusal?.command ?? "") (\(e.refusal?.reason == .role ? "role" : "not the owner"))"
                : e.type == "session.created" ? "\"\(e.state?.name ?? "")\" from \(e.state?.fileName ?? "?"), \(e.state?.questionCount ?? 0) questions"
                : e.changes.map { "\($0.field) \(Render.plain($0.from)) → \(Render.plain($0.to))" }.joined(separator: ", ")
            return [String(e.position), e.recordedAt, e.actorEmail ?? e.actorID, e.type, e.version.map(String.init) ?? "-",
                    change.isEmpty ? "-" : change]
        }
        Console.out(Console.table(["POSITION", "RECORDED AT", "ACTOR", "TYPE", "VERSION", "CHANGES"], rows))
        if let last = entries.last(where: { $0.state != nil })?.state {
            Console.out("\nNow: \(last.status), step \(last.step), \(last.progress)%, \(last.questionsImported)/\(last.questionCount) questions, version \(last.version).")
        }
    }
}
