import ArgumentParser
import Foundation
import QuireCore
import QuireService

extension SessionStatus: ExpressibleByArgument {}

/// `quire cleanup`: delete many sessions at once, each with its own `session.deleted`.
struct CleanupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup", abstract: "Delete the sessions a filter matches (system admins: everyone's; admins: their own and the legacy ones).",
        discussion: """
            Every filter given must match. Each session gets its own session.deleted, its reason naming the cleanup, \
            all under one command id: run again with the same --command-id, a cleanup appends nothing if it finished \
            and resumes where it stopped if it was killed. Above 20 sessions it asks for --yes.
            """)
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Legacy sessions (imported from the old table).") var legacy = false
    @Flag(help: "Sessions the stale-session timeout expired.") var expired = false
    @Option(help: "Sessions in this status: in_progress, completed or expired.") var status: SessionStatus?
    @Option(help: ArgumentHelp("Last changed at least this long ago (90d).", valueName: "duration")) var olderThan: String?
    @Option(help: ArgumentHelp("Sessions of this user (system admins; an admin only themselves).", valueName: "user")) var owner: String?
    @Option(help: "Not used for at least this many hours.") var idleHours: Double?
    @Flag(help: "List exactly what would be deleted, and delete nothing.") var dryRun = false
    @Flag(help: "Go ahead with more than 20 sessions.") var yes = false
    @Option(help: ArgumentHelp("The cleanup's command id: the same id again resumes or repeats it.", valueName: "id")) var commandId: String?

    func run() throws {
        var span: TimeSpan?
        if let olderThan {
            guard let s = TimeSpan(olderThan) else { throw QuireError.usage("--older-than takes a duration (\(TimeSpan.examples)), not '\(olderThan)'.") }
            span = s
        }
        if status == .deleted { throw QuireError.usage("--status deleted: deleted sessions are already gone.") }
        let filter = CleanupFilter(legacy: legacy, expired: expired, status: status, olderThan: span, owner: owner, idleHours: idleHours)
        let progress = Progress(label: "Cleaning up")
        let report = progress.report
        let result = try options.openService().cleanup(filter, dryRun: dryRun, confirmed: yes, as: options.actorName, commandID: commandId,
                                                       progress: { done, total in report(Int64(done), Int64(total)) })
        progress.finish()
        if options.json { Console.json(result); return }
        Console.out(Render.cleanup(result))
    }
}
