import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Who did what, newest first. Admins see their own actions; system admins see everyone's.",
        discussion: """
            Examples: quire audit --session ID (who touched it, and when); quire audit --denied --since 24h; \
            quire audit --actor bob@school.example --type session. --format csv; quire audit --follow.
            Page back with --before POSITION (the last position of the previous page).
            """)
    @OptionGroup var options: GlobalOptions
    @Option(help: ArgumentHelp("Only this actor's events (email, id or system).", valueName: "user")) var actor: String?
    @Option(help: ArgumentHelp("Only this session's events and the denied attempts on it.", valueName: "id")) var session: String?
    @Option(help: ArgumentHelp("Only these event types; a prefix such as session. matches a family (repeatable).", valueName: "type"))
    var type: [String] = []
    @Option(help: ArgumentHelp("From this time: RFC 3339, or relative like 24h or 7d.", valueName: "time")) var since: String?
    @Option(help: ArgumentHelp("Up to this time: RFC 3339, or relative like 1h.", valueName: "time")) var until: String?
    @Flag(help: "Only denied attempts (access.denied).") var denied = false
    @Option(name: .customLong("command"), help: ArgumentHelp("Only the events of this command id.", valueName: "id")) var commandID: String?
    @Option(help: "table, json, jsonl or csv.") var format: Format?
    @Option(help: "At most this many events (a page).") var limit: Int = 100
    @Option(help: ArgumentHelp("Only events before this position: the next page back.", valueName: "position")) var before: Int64?
    @Option(help: ArgumentHelp("Only events after this position.", valueName: "position")) var after: Int64?
    @Flag(help: "Keep printing new matching events as they are committed, oldest first (Ctrl-C to stop).") var follow = false

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, jsonl, csv }

    static let csvHeader = "position,recorded_at,actor_id,actor_email,type,stream,session_id,version,command_id,payload"

    func run() throws {
        guard limit > 0 else { throw QuireError.usage("--limit must be at least 1.") }
        if options.json, let format, format != .json {
            throw QuireError.usage("--json and --format \(format.rawValue) ask for two formats: give one of them.")
        }
        let service = try options.openService()
        let now = service.now
        var filter = AuditFilter(
            session: try session.map { v throws(QuireError) in try service.resolveSession(v, as: options.actorName) }, types: type,
            since: try since.map { v throws(QuireError) in try TimeArgument.parse(v, now: now, option: "--since") },
            until: try until.map { v throws(QuireError) in try TimeArgument.parse(v, now: now, option: "--until") },
            deniedOnly: denied, commandID: commandID, before: before, after: after, limit: limit)
        let format = self.format ?? (options.json ? .json : .table)
        guard follow else {
            print(try service.audit(filter, actorName: actor, as: options.actorName), format)
            return
        }
        if format == .json { throw QuireError.usage("--follow prints as it goes: use --format jsonl, csv or table.") }
        // Start with the last page, oldest first, then poll for what commits next.
        var rows = try service.audit(filter, actorName: actor, as: options.actorName).reversed() as [AuditRow]
        if format == .csv { Console.out(Self.csvHeader) }
        while true {
            for row in rows { printRow(row, format) }
            if let last = rows.last { filter.after = last.position }
            filter.before = nil
            filter.limit = 1000
            Thread.sleep(forTimeInterval: rows.isEmpty ? 0.5 : 0.05)
            rows = try service.audit(filter, actorName: actor, ascending: true, as: options.actorName)
        }
    }

    func print(_ rows: [AuditRow], _ format: Format) {
        switch format {
        case .table: Console.out(Render.audit(rows))
        case .json: Console.json(rows)
        case .jsonl: rows.forEach { Console.jsonLine($0) }
        case .csv:
            Console.out(Self.csvHeader)
            rows.forEach { printRow($0, .csv) }
        }
    }

    func printRow(_ r: AuditRow, _ format: Format) {
        switch format {
        case .table:
            Console.out([String(r.position), r.recordedAt, r.actorEmail ?? r.actorID, r.type, r.sessionID ?? "-",
                         Render.detail(r)].joined(separator: "  "))
        case .json, .jsonl: Console.jsonLine(r)
        case .csv:
            Console.out([String(r.position), r.recordedAt, r.actorID, r.actorEmail ?? "", r.type, r.stream, r.sessionID ?? "",
                         String(r.version), r.commandID ?? "", r.payload.canonical].map(Self.csvField).joined(separator: ","))
        }
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
