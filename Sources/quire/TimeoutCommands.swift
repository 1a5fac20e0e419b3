import ArgumentParser
import Foundation
import QuireCore
import QuireService

/// Reads a `--expire-after` value: a duration of at least a second.
func expireAfterArgument(_ raw: String?) throws(QuireError) -> TimeSpan? {
    guard let raw else { return nil }
    guard let span = TimeSpan(raw), span.milliseconds >= Decider.minimumExpireAfter.milliseconds else {
        throw .usage("--expire-after takes a duration of at least 1s (\(TimeSpan.examples)), not '\(raw)'.")
    }
    return span
}

/// `quire sweep`: expire the stale in-progress sessions (for cron; `quire serve` sweeps by itself).
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep", abstract: "Expire in-progress sessions idle longer than the timeout (for cron).",
        discussion: """
            The timeout is the expire_after setting stored in the log (quire settings set expire_after 14d); \
            --expire-after applies only while the log holds none. The expiries are appended as quire itself \
            (actor system); several sweeps at once expire each session once.
            """)
    @OptionGroup var options: DatabaseOptions
    @Flag(help: "List what would expire now, and append nothing.") var dryRun = false
    @Option(help: ArgumentHelp("The timeout while the log has no expire_after setting.", valueName: "duration")) var expireAfter: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let fallback = try expireAfterArgument(expireAfter)
        let report = try options.openService().sweep(fallback: fallback, dryRun: dryRun)
        if json { Console.json(report); return }
        Console.out(Render.sweep(report))
    }
}

/// `quire settings`: the settings stored in the log.
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Settings stored in the log, so every process agrees (system admins change them).",
        subcommands: [Show.self, SetValue.self], defaultSubcommand: Show.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Every setting and its value.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let settings = try options.openService().settings(as: options.actorName)
            if options.json { Console.json(settings); return }
            Console.out(Console.table(["KEY", "VALUE", "WHAT IT IS"], settings.map { [$0.key, $0.value ?? "(not set)", $0.about] }))
        }
    }

    struct SetValue: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Store a setting (appends setting.changed).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The setting: expire_after.") var key: String
        @Argument(help: "Its value: a duration such as 14d, or off.") var value: String
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            let setting = try options.openService().setSetting(key, to: value, as: options.actorName, commandID: commandId)
            if options.json { Console.json(setting); return }
            Console.out("\(setting.key) is now \(setting.value ?? value).")
        }
    }
}
