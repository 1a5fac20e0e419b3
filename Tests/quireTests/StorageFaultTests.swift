import Foundation
import QuireCore
import QuireTestSupport
import Testing

/// The storage under quire fails: a read-only database, a full disk, a corrupted page, a missing
/// or cut WAL. Each gives one `error:` sentence and exit 1 (README: "1 anything else (storage
/// errors)"), never a partial append, and `verify` tells the truth afterwards.
///
/// Some faults need root (a read-only bind mount, a 1 MiB tmpfs); without it those tests are
/// skipped with the reason. Tests that mount something unmount it before they end.
@Suite(.serialized)
struct StorageFaultTests {
    static let a = "a@x.test"

    /// Asserts a storage refusal: exit 1, one `error:` sentence mentioning `mentioning`, nothing on stdout.
    static func expectStorageError(_ run: QuireRun, mentioning: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == 1, "\(run)", sourceLocation: sourceLocation)
        #expect(run.errorLines.count == 1 && run.stderr.hasPrefix("error: "), "\(run)", sourceLocation: sourceLocation)
        #expect(mentioning.contains { run.stderr.localizedCaseInsensitiveContains($0) }, "expected one of \(mentioning): \(run)",
                sourceLocation: sourceLocation)
        #expect(!run.stderr.contains("SQLITE_") && !run.stderr.contains("Fatal error"), "\(run)", sourceLocation: sourceLocation)
    }

    /// Runs a shell command; true when it exited 0.
    @discardableResult
    static func shell(_ command: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command + " >/dev/null 2>&1"]
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN), probed once.
    static let canMount: Bool = {
        guard runningAsRoot else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("quire-mount-probe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: probe) }
        guard (try? FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)) != nil,
              shell("mount -t tmpfs -o size=64k tmpfs '\(probe.path)'") else { return false }
        shell("umount '\(probe.path)'")
        return true
    }()

    // MARK: - Read-only

    @Test(.enabled(if: !runningAsRoot || canMount, "root ignores file modes, and this root may not mount a read-only bind"))
    func aReadOnlyDatabaseRefusesWritesInOneSentenceAndKeepsItsLog() throws {
        let box = try Sandbox()
        try box.setUp(admins: [Self.a])
        let session = try box.createSession(try box.write("p.json", paperJSON(code: "R/1")), as: Self.a)
        let before = try box.eventCount()
        // The database lives in its own directory, so that directory can be made read-only.
        let dir = box.directory.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = dir.appendingPathComponent("quire.sqlite").path
        try FileManager.default.copyItem(atPath: box.database, toPath: db)
        let env = ["QUIRE_DB": db]

        var undo: () -> Void
        if runningAsRoot {
            // chmod does not stop root: bind-mount the directory onto itself, read-only.
            try #require(Self.shell("mount --bind '\(dir.path)' '\(dir.path)' && mount -o remount,bind,ro '\(dir.path)' '\(dir.path)'"),
                         "could not bind-mount the directory read-only")
            undo = { Self.shell("umount '\(dir.path)'") }
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: db)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir.path)
            undo = {
                try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
                try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: db)
            }
        }
        defer { undo() }
        let update = try box.run(["session", "update", session, "--progress", "50"], as: Self.a, env: env)
        Self.expectStorageError(update, mentioning: ["read-only", "cannot open", "permission"])
        let create = try box.run(["session", "create", "--file", try box.write("q.json", paperJSON(code: "R/2"))], as: Self.a, env: env)
        Self.expectStorageError(create, mentioning: ["read-only", "cannot open", "permission"])
        undo()
        undo = {}
        let verify = try box.ok(["verify", "--json"], env: env)
        #expect(verify.object["events"] as? Int == before, "nothing was appended: \(verify)")
        // Writable again: the next command works without repair.
        try box.ok(["session", "update", session, "--progress", "50"], as: Self.a, env: env)
    }

    // MARK: - Disk full

    @Test(.enabled(if: canMount && SQLiteShell.available, "a full disk needs a 1 MiB tmpfs: root with the right to mount, and the sqlite3 shell"))
    func aFullDiskRefusesTheCommandWholeAndTheLogStaysVerifiable() throws {
        let box = try Sandbox()
        let mount = box.directory.appendingPathComponent("tiny")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        try #require(Self.shell("mount -t tmpfs -o size=1m tmpfs '\(mount.path)'"), "could not mount a tmpfs")
        defer { Self.shell("umount '\(mount.path)'") }
        let db = mount.appendingPathComponent("quire.sqlite").path
        let env = ["QUIRE_DB": db]
        try box.ok(["init", "--admin", Sandbox.ops], env: env)
        try box.ok(["user", "add", Self.a], as: Sandbox.ops, env: env)
        let session = try #require(try box.ok(["session", "create", "--file", try box.write("p.json", paperJSON(code: "D/1")), "--json"],
                                              as: Self.a, env: env).object["id"] as? String)
        let before = try box.countEvents(database: db)
        // Fill the disk, then write until the disk says no.
        Self.shell("dd if=/dev/zero of='\(mount.path)/filler' bs=4096 count=1000000")
        var refused: QuireRun?
        var accepted = 0
        for i in 0..<40 {
            let paper = try box.write("big-\(i).json", paperJSON(code: "D/\(i + 2)", questions: 400, note: String(repeating: "x", count: 200)))
            let run = try box.run(["session", "create", "--file", paper], as: Self.a, env: env)
            if run.status != 0 { refused = run; break }
            accepted += 1
        }
        let full = try #require(refused, "the disk never filled up")
        // SQLite reports a full disk as SQLITE_FULL when the WAL cannot grow, but as an I/O error
        // when the shared-memory file cannot be created; quire says so in one sentence either way.
        Self.expectStorageError(full, mentioning: ["full", "input/output error"])
        #expect(full.stderr.contains("nothing was appended") || full.stderr.contains("full"), "\(full)")
        let small = try box.run(["session", "update", session, "--progress", "5"], as: Self.a, env: env)
        if small.status != 0 { Self.expectStorageError(small, mentioning: ["full", "input/output error"]) }
        // Space again: verify passes, every refused command left nothing, and the next writer works without repair.
        try FileManager.default.removeItem(atPath: mount.appendingPathComponent("filler").path)
        let verify = try box.ok(["verify", "--json"], env: env)
        #expect(verify.object["events"] as? Int == before + accepted + (small.status == 0 ? 1 : 0), "\(verify)")
        try box.ok(["session", "update", session, "--progress", "9"], as: Self.a, env: env)
        try box.ok(["verify"], env: env)
    }

    // MARK: - Corruption

    /// Where the garbage lands: a page of the log itself, of the idempotency table, of the paper
    /// blobs, of an index. `PRAGMA quick_check` fails for each; so must `verify`.
    static let corruptedTables = ["events", "commands", "blobs", "events_by_time"]

    @Test(.enabled(if: SQLiteShell.available, "needs the sqlite3 shell"), arguments: corruptedTables)
    func aCorruptedPageIsReportedNotCrashedOn(_ table: String) throws {
        let box = try Sandbox()
        try box.setUp(admins: [Self.a])
        let session = try box.createSession(try box.write("p.json", paperJSON(code: "C/1")), as: Self.a)
        // A few hundred events, so every table spans several pages.
        let lines = (0..<300).map { #"{"type":"session.update","session_id":"\#(session)","progress":\#($0 % 101),"metadata":{"n":\#($0),"pad":"\#(String(repeating: "p", count: 100))"}}"# }
        try box.ok(["submit"], as: Self.a, stdin: lines.joined(separator: "\n") + "\n")
        try box.sqlite("PRAGMA wal_checkpoint(TRUNCATE);")
        let pageSize = Int(try box.sqliteValue("PRAGMA page_size;")) ?? 4096
        // The dbstat table says which pages hold the table; take one from its middle.
        let pages = try box.sqliteValue("SELECT pageno FROM dbstat WHERE name = '\(table)' ORDER BY pageno;")
            .split(separator: "\n").compactMap { Int($0) }
        let page = try #require(pages.isEmpty ? nil : pages[pages.count / 2], "dbstat lists no page of \(table)")
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: box.database))
        try handle.seek(toOffset: UInt64((page - 1) * pageSize))
        var random = SeededRandom(seed: 7)
        try handle.write(contentsOf: Data((0..<pageSize).map { _ in UInt8(truncatingIfNeeded: random.next()) }))
        try handle.close()
        try #require(try box.sqlite("PRAGMA quick_check;").out.trimmingCharacters(in: .whitespacesAndNewlines) != "ok",
                     "the garbage did not corrupt anything")

        let verify = try box.run("verify")
        let check = {
            #expect(verify.status == 1, "verify must not pass a corrupted database (page \(page) of \(table)):\n\(verify)")
        }
        check()
        #expect(!verify.stderr.contains("Fatal error"), "\(verify)")
        if verify.status != 0, verify.stdout.isEmpty {
            Self.expectStorageError(verify, mentioning: ["not a readable", "malformed", "corrupt"])
        } else {
            // A report on stdout, naming what is wrong.
            #expect(verify.stdout.contains("integrity FAILED") || verify.stdout.contains("BROKEN") || verify.stdout.contains("DIFFERS"),
                    "\(verify)")
        }
        // Reads and writes fail in one sentence, or work; nothing crashes.
        for args in [["session", "list"], ["audit", "--limit", "5"], ["session", "update", session, "--progress", "1"]] {
            let run = try box.run(args, as: args[0] == "audit" ? Sandbox.ops : Self.a)
            #expect(run.status == 0 || run.status == 1, "\(run)")
            if run.status == 1 { Self.expectStorageError(run, mentioning: ["not a readable", "malformed", "corrupt"]) }
        }
    }

    // MARK: - The WAL

    /// Keeps the database open in a sqlite3 shell, so quire's last connection does not
    /// checkpoint the WAL into the main file on close.
    final class WALHolder: @unchecked Sendable {
        // @unchecked: used from one test's thread only.
        let process = Process()
        let input = Pipe()
        init(database: String) throws {
            process.executableURL = URL(fileURLWithPath: SQLiteShell.path ?? "/usr/bin/sqlite3")
            process.arguments = [database]
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try input.fileHandleForWriting.write(contentsOf: Data("SELECT count(*) FROM events;\n".utf8))
            Thread.sleep(forTimeInterval: 0.3)
        }
        /// Dies without closing the database cleanly (a clean close would checkpoint).
        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test(.enabled(if: SQLiteShell.available, "needs the sqlite3 shell"))
    func aMissingOrCutWALLeavesAnEarlierConsistentLog() throws {
        let box = try Sandbox()
        try box.setUp(admins: [Self.a])
        let session = try box.createSession(try box.write("p.json", paperJSON(code: "W/1")), as: Self.a)
        try box.sqlite("PRAGMA wal_checkpoint(TRUNCATE);")
        let checkpointed = try box.countEvents()

        let holder = try WALHolder(database: box.database)
        let lines = (0..<20).map { #"{"type":"session.update","session_id":"\#(session)","progress":\#($0)}"# }
        try box.ok(["submit"], as: Self.a, stdin: lines.joined(separator: "\n") + "\n")
        let wal = box.database + "-wal"
        let walSize = (try FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
        try #require(walSize > 0, "the commits should still be in the WAL")

        // 1. The WAL cut in the middle of a frame: SQLite keeps the transactions before the cut.
        let cut = box.directory.appendingPathComponent("cut.sqlite").path
        try FileManager.default.copyItem(atPath: box.database, toPath: cut)
        let cutWAL = try Data(contentsOf: URL(fileURLWithPath: wal))
        try cutWAL.prefix(cutWAL.count / 2 + 100).write(to: URL(fileURLWithPath: cut + "-wal"))
        // 2. The main file copied without its WAL (the commits in it are simply not there).
        let alone = box.directory.appendingPathComponent("alone.sqlite").path
        try FileManager.default.copyItem(atPath: box.database, toPath: alone)
        holder.kill()
        // 3. The WAL deleted next to a stale -shm.
        try FileManager.default.removeItem(atPath: wal)

        for db in [cut, alone, box.database] {
            let verify = try box.run(["verify", "--json"], env: ["QUIRE_DB": db])
            #expect(verify.status == 0, "\(db): \(verify)")
            let events = verify.object["events"] as? Int ?? -1
            #expect(events >= checkpointed && events <= checkpointed + lines.count, "\(db): \(verify)")
            if db != cut { #expect(events == checkpointed, "without the WAL only the checkpointed log is there: \(verify)") }
            // The next writer works without repair.
            try box.ok(["session", "update", session, "--progress", "77"], as: Self.a, env: ["QUIRE_DB": db])
            try box.ok(["verify"], env: ["QUIRE_DB": db])
        }
    }
}
