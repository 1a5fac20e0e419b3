import ArgumentParser
import Foundation
import QuireBackends
import QuireCore
import QuireService
import QuireStorage

struct Legacy: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bring in sessions from the old system.", subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import rows of the old past_paper_import_sessions table (JSON array or CSV) as sessions.",
            discussion: """
                Columns: id, created_by, status, json_hash, file_name, created_at, updated_at, last_accessed_at, metadata; \
                others are ignored. A row without created_by becomes a legacy session every admin sees; a row whose \
                created_by is a registered user's id stays theirs; any other row is reported and skipped. Importing the \
                same file again imports nothing twice.
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The exported rows: .json (an array of objects) or .csv (with a header).") var file: String

        func run() throws {
            try QuireCLI.run {
                let data = try Files.read(file)
                let reports = try options.openService().importLegacy(data, fileName: file, as: options.actorName)
                let imported = reports.filter { $0.result == "imported" }.count
                let again = reports.filter { $0.result == "already_imported" }.count
                let skipped = reports.filter { $0.result == "skipped" }
                if options.json {
                    Console.json(reports)
                } else {
                    for s in skipped { Console.warning(s.message ?? "Row \(s.row) was skipped.") }
                    Console.out("Imported \(imported) legacy session\(imported == 1 ? "" : "s")"
                                + (again > 0 ? ", \(again) already imported" : "")
                                + (skipped.isEmpty ? "." : ", skipped \(skipped.count)."))
                }
                if !skipped.isEmpty { throw ExitCode(65) }
            }
        }
    }
}

struct Monitor: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Every active session of everyone, stalest first (system admins).")
    @OptionGroup var options: GlobalOptions
    @Option(help: "Only sessions not touched for at least this many hours.") var staleHours: Double?

    func run() throws {
        try QuireCLI.run {
            if let staleHours, staleHours < 0 || !staleHours.isFinite { throw QuireError.usage("--stale-hours must be zero or more.") }
            let rows = try options.openService().monitor(as: options.actorName, staleHours: staleHours)
            if options.json { Console.json(rows) } else { Console.out(Render.monitor(rows)) }
        }
    }
}

/// `--since 24h`, `--until 2026-11-24T09:00:00Z`.
enum TimeArgument {
    static func parse(_ raw: String, now: Timestamp, option: String) throws(QuireError) -> Timestamp {
        if let t = Timestamp.parse(raw, before: now) { return t }
        throw .usage("\(option) takes an RFC 3339 time (2026-11-25T09:00:00Z) or a duration ago (30m, 24h, 7d), not '\(raw)'.")
    }
}

struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rebuild projections from the log (all of them by default).")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "authorization, session_views, duplicates or monitor.") var projection: [String] = []

    func run() throws {
        try QuireCLI.run {
            let service = try options.openService()
            let progress = Progress(label: "rebuild")
            let rebuilt = try service.rebuild(projection, progress: progress.report)
            progress.finish()
            if options.json { Console.json(["rebuilt": rebuilt]) } else { Console.out("Rebuilt \(rebuilt.joined(separator: ", ")).") }
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the hash chain, and that every projection equals a fresh replay of the log (exit 1 on any fault).")
    @OptionGroup var options: GlobalOptions
    @OptionGroup var proofs: CheckpointVerification

    func run() throws {
        try QuireCLI.run {
            if proofs.fromExport != nil {
                guard try proofs.runOffline(json: options.json) else { throw ExitCode(1) }
                return
            }
            let service = try QuireService.open(location: options.databasePath, options: options.storeOptions,
                                                paperLimit: options.paperLimit, prepareProjections: false)
            let report = try service.verify()
            let proved = try proofs.run(service)
            if options.json {
                Console.json(VerifyOutput(report: report, checkpoints: proved.checks))
            } else {
                if report.integrity != "ok" { Console.out("File integrity FAILED (PRAGMA quick_check): \(report.integrity).") }
                if let fault = report.chainFault {
                    Console.out("Chain BROKEN at position \(fault.position): \(fault.reason).")
                } else {
                    Console.out("Chain intact: \(report.events) event\(report.events == 1 ? "" : "s") verified.")
                }
                for check in report.projections {
                    Console.out(check.matches ? "Projection \(check.name) matches a fresh replay."
                                              : "Projection \(check.name) DIFFERS in \(check.table ?? "?"): \(check.detail ?? "").")
                }
                for check in proved.checks { Console.out(check.sentence) }
            }
            if !report.ok || !proved.ok { throw ExitCode(1) }
        }
    }
}

/// Progress on a terminal (stderr), silent otherwise: events done, rate and ETA.
final class Progress: Sendable {
    let label: String
    let start = Date()
    let enabled = isatty(STDERR_FILENO) == 1

    init(label: String) { self.label = label }

    var report: @Sendable (Int64, Int64) -> Void {
        { [self] done, total in
            guard enabled, total > 0 else { return }
            let elapsed = max(Date().timeIntervalSince(start), 0.001)
            let rate = Double(done) / elapsed
            let eta = rate > 0 ? Double(total - done) / rate : 0
            let line = String(format: "\r%@: %lld/%lld events, %.0f/s, ETA %.0fs ", label, done, total, rate, eta)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
