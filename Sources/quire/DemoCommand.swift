import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

/// A one-minute tour: two admins import at once, each sees only their own sessions, a duplicate
/// is refused, a cross-user attempt is denied and audited, and the log verifies.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a demo database and walk through two admins importing at once.",
        discussion: "Uses the sample papers in events/samples. The database is quire-demo.sqlite unless --db says otherwise; a previous demo database there is replaced.")

    @OptionGroup var options: DatabaseOptions
    @Option(help: ArgumentHelp("Where the sample papers are (default: events/samples of this checkout).", valueName: "dir"))
    var samples: String?

    static let ops = "ops@riverside.example", alice = "alice@riverside.example", bob = "bob@riverside.example"
    /// Bob keeps the id the old table used for him, so his legacy row stays his.
    static let bobID = "1e56882d-60c0-4c14-80ae-3efd0a4f8dd1"

    func run() throws {
        let path = options.db ?? "quire-demo.sqlite"
        let samplesDir = try findSamples()
        try prepareFile(path)
        let make = { @Sendable () throws(QuireError) -> QuireService in
            try DatabaseOptions.open(path, options: StorageOptions(create: true))
        }
        let service = try make()
        func step(_ title: String) { Console.out("\n== \(title)") }
        func shell(_ line: String) { Console.out("$ quire \(line)") }

        step("1. A system admin creates the database, registers two admins and imports the old table")
        // Each `$ quire …` line is followed by what that command prints, through the same `Render`.
        shell("init --db \(path) --admin \(Self.ops)")
        let first = try service.handle(.command(.registerUser(RegisterUser(email: Self.ops, role: .systemAdmin))), as: .system)
        Console.out(Render.initialised(path, admin: first.user))
        let ops = ActorName.named(Self.ops), alice = ActorName.named(Self.alice), bob = ActorName.named(Self.bob)
        shell("user add \(Self.alice) --as \(Self.ops)")
        if let user = try service.handle(.command(.registerUser(RegisterUser(email: Self.alice, role: .admin))), as: ops).user {
            Console.out(Render.registered(user))
        }
        shell("user add \(Self.bob) --id \(Self.bobID) --as \(Self.ops)")
        if let user = try service.handle(.command(.registerUser(RegisterUser(email: Self.bob, role: .admin, id: UserID(Self.bobID)))), as: ops).user {
            Console.out(Render.registered(user))
        }
        shell("user list --as \(Self.ops)")
        Console.out(Render.users(try service.users(as: ops)))
        let legacyFile = samplesDir + "/legacy-sessions.csv"
        shell("legacy import \(legacyFile) --as \(Self.ops)")
        let legacy = Render.legacyImport(try service.importLegacy(try Files.read(legacyFile), fileName: legacyFile, as: ops))
        for warning in legacy.warnings { Console.out("warning: \(warning)") }
        Console.out(legacy.summary)
        Console.out("# Rows without created_by are legacy sessions: every admin sees them.")

        step("2. Alice and Bob import papers at the same time, each from their own connection")
        let plans: [(ActorName, String, [String])] = [
            (alice, Self.alice, ["mathematics-9709-12-2023.json", "physics-9702-22-2022.json"]),
            // Bob imports the same physics paper as Alice: other users' sessions never count as duplicates.
            (bob, Self.bob, ["chemistry-9701-21-2023.json", "physics-9702-22-2022.json"]),
        ]
        let logs = ConcurrentLog()
        DispatchQueue.concurrentPerform(iterations: plans.count) { i in
            let (actor, email, files) = plans[i]
            do {
                let own = try make()  // its own connection pool, like a second process
                for file in files {
                    let data = try Files.read(samplesDir + "/" + file)
                    let created = try own.handle(.createSession(name: nil, paper: .bytes(fileName: file, data: data), allowDuplicate: false), as: actor)
                    guard let s = created.session else { continue }
                    logs.add(email, "created \(s.id.prefix(8))… \"\(s.name)\" (\(s.questionCount) questions)")
                    for (stepName, progress) in [(ImportStep.structure, 30), (.questions, 70)] {
                        let update = UpdateSession(sessionID: SessionID(s.id), step: stepName, progress: progress,
                                                   questionsImported: s.questionCount * progress / 100)
                        _ = try own.handle(.command(.updateSession(update)), as: actor)
                    }
                    logs.add(email, "worked on \(s.id.prefix(8))… up to 70%")
                }
            } catch {
                logs.add(email, "failed: \(error)")
            }
        }
        for line in logs.lines { Console.out(line) }
        let aliceSessions = try service.sessions(as: alice).filter { !$0.legacy }
        if let first = aliceSessions.last {
            shell("session complete \(first.id) --as \(Self.alice)")
            let completed = try service.handle(.command(.completeSession(CompleteSession(sessionID: SessionID(first.id), questionsImported: first.questionCount))), as: alice)
            if let s = completed.session { Console.out(Render.completed(s)) }
        }

        step("3. Each admin sees only their own sessions (and the legacy ones)")
        shell("session list --as \(Self.alice)")
        Console.out(Render.sessions(try service.sessions(as: alice)))
        shell("session list --as \(Self.bob)")
        Console.out(Render.sessions(try service.sessions(as: bob)))

        step("4. Alice resumes where she left off")
        shell("session resume --as \(Self.alice)")
        let resumed = try service.resume(as: alice)
        if let s = resumed.session { Console.out(Render.session(s)) }

        step("5. Re-importing a re-formatted copy of the same paper is caught as a duplicate")
        let copy = "mathematics-9709-12-2023.reformatted.json"
        shell("session create --file \(copy) --as \(Self.alice)")
        do throws(QuireError) {
            _ = try service.handle(.createSession(name: nil, paper: .bytes(fileName: copy, data: try Files.read(samplesDir + "/" + copy)),
                                                  allowDuplicate: false), as: alice)
        } catch {
            Console.out("error: \(error.message)\n# exit \(error.exitCode)")
        }

        step("6. Bob tries to open Alice's session: he gets the same answer as for a missing one")
        if let target = try service.sessions(as: alice).first(where: { !$0.legacy && $0.status == "in_progress" }) {
            shell("session show \(target.id) --as \(Self.bob)")
            do throws(QuireError) { _ = try service.show(SessionID(target.id), as: bob) } catch {
                Console.out("error: \(error.message)\n# exit \(error.exitCode)")
            }
        }

        step("7. The system admin watches every active import")
        shell("monitor --as \(Self.ops)")
        Console.out(Render.monitor(try service.monitor(as: ops)))

        step("8. ...and sees every denied attempt in the audit trail")
        shell("audit --denied --as \(Self.ops)")
        Console.out(Render.audit(try service.audit(AuditFilter(deniedOnly: true), as: ops)))
        shell("audit --limit 8 --as \(Self.ops)")
        Console.out(Render.audit(try service.audit(AuditFilter(limit: 8), as: ops)))

        step("9. The log verifies: hash chain intact, projections equal a fresh replay")
        shell("verify --db \(path)")
        let report = try service.verify()
        Console.out(Render.verify(report))
        Console.out("\nThe demo database is \(path). Try: quire audit --db \(path) --as \(Self.ops)")
        if !report.ok { throw ExitCode(1) }
    }

    /// events/samples of this checkout, found from the current directory or from this source file.
    func findSamples() throws(QuireError) -> String {
        var candidates = [String]()
        if let samples { candidates.append(samples) }
        candidates.append("events/samples")
        let source = URL(fileURLWithPath: #filePath)
        candidates.append(source.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("events/samples").path)
        for dir in candidates where FileManager.default.fileExists(atPath: dir + "/legacy-sessions.csv") { return dir }
        throw .invalidInput("Cannot find the sample papers (events/samples); run the demo from the quire checkout or pass --samples DIR.")
    }

    /// Replaces an earlier demo database, never anything else. A PostgreSQL log cannot be deleted
    /// (its triggers refuse), so the demo there needs a schema with no log yet.
    func prepareFile(_ path: String) throws(QuireError) {
        if path.hasPrefix("postgres://") || path.hasPrefix("postgresql://") {
            guard let existing = try? DatabaseOptions.open(path) else { return }
            if try existing.lastPosition() > 0 {
                throw .invalidInput("\(path) already holds a log, which quire never deletes; give the demo a new schema (?schema=demo2).")
            }
            return
        }
        guard FileManager.default.fileExists(atPath: path) else { return }
        let existing = try DatabaseOptions.open(path)
        guard try existing.user(named: Self.ops) != nil else {
            throw .invalidInput("\(path) exists and is not a demo database; pass --db with another path.")
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

/// Lines written by concurrent workers, kept in arrival order.
final class ConcurrentLog: @unchecked Sendable {
    // @unchecked: every access to `lines` holds `lock`.
    private let lock = NSLock()
    private var stored: [String] = []
    func add(_ who: String, _ line: String) {
        lock.lock()
        stored.append("[\(who)] \(line)")
        lock.unlock()
    }
    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
