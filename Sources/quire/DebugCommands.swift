import ArgumentParser
import Foundation
import QuireBackends
import QuireCore
import QuireService
import QuireStorage

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One session's events in order, with its state after each and what changed (deleted sessions too).")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The session id.") var id: String

    func run() throws {
        try QuireCLI.run {
            let entries = try options.openService().history(SessionID(id), as: options.actorName)
            if options.json { Console.json(entries); return }
            let rows = entries.map { e -> [String] in
                let change = e.type == "access.denied" ? "refused (not the owner)"
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
}

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
        try QuireCLI.run {
            let service = try options.openService()
            let time = try untilTime.map { v throws(QuireError) in try TimeArgument.parse(v, now: service.now, option: "--until-time") }
            let position = try service.position(untilPosition: untilPosition, untilTime: time)
            let progress = Progress(label: "replay")
            let result = try service.replay(until: position, view: view, for: subject, as: options.actorName, progress: progress.report)
            progress.finish()
            if options.json { Console.json(result); return }
            Console.out("As of position \(result.position)\(result.asOf.map { " (\($0))" } ?? ""):")
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
}

extension ReplayView: ExpressibleByArgument {}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What a command produced, or why it was refused, with the facts as they stood then.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The command id (from submit's result lines, or audit's command_id).") var commandID: String

    func run() throws {
        try QuireCLI.run {
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
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the whole log as JSON lines (every events column, hashes in hex), in position order (system admins).",
        discussion: "The last line, {\"export_end\":{…}}, lets `quire import` tell a complete file from a truncated one.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "jsonl (the only format).") var format: String = "jsonl"
    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file")) var output: String?

    func run() throws {
        try QuireCLI.run {
            guard format == "jsonl" else { throw QuireError.usage("export writes jsonl only.") }
            let service = try options.openService()
            let handle: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil),
                      let h = FileHandle(forWritingAtPath: output) else { throw QuireError.invalidInput("Cannot write \(output).") }
                handle = h
            } else {
                handle = .standardOutput
            }
            let progress = Progress(label: "export")
            var buffer = Data()
            let count = try service.export(as: options.actorName, progress: progress.report) { line in
                buffer.append(line)
                if buffer.count > 1 << 20 { handle.write(buffer); buffer.removeAll(keepingCapacity: true) }
            }
            handle.write(buffer)
            progress.finish()
            if output != nil { Console.out("Exported \(count) event\(count == 1 ? "" : "s") to \(output!).") }
        }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load an exported log into an empty database, verifying the chain line by line; then rebuild projections.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The export file, or - for standard input.") var file: String

    func run() throws {
        try QuireCLI.run {
            let path = options.databasePath
            let existed = FileManager.default.fileExists(atPath: path)
            var storeOptions = options.storeOptions
            storeOptions.create = true
            let input: FileHandle
            if file == "-" { input = .standardInput } else {
                guard let h = FileHandle(forReadingAtPath: file) else { throw QuireError.invalidInput("There is no readable file \(file).") }
                input = h
            }
            do {
                let service = try QuireService.open(location: path, options: storeOptions, paperLimit: options.paperLimit)
                let progress = Progress(label: "import")
                let count = try service.importLog(lines: LineReader(input), progress: progress.report)
                progress.finish()
                if options.json { Console.json(["events": count]) } else {
                    Console.out("Imported \(count) event\(count == 1 ? "" : "s") into \(path); the chain verified and the projections are rebuilt.")
                }
            } catch {
                // A refused import leaves no new database file behind.
                if !existed { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
                throw error
            }
        }
    }
}
