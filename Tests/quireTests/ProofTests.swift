import Foundation
import Testing

/// Signed checkpoints and proofs, end to end: the key, the checkpoint note, `prove`, `verify
/// --checkpoint`, the kept client state, and the auditor's Python kit on quire's own output. Then
/// the attack of issue 14: a database rewritten behind quire's back, chain recomputed, caught by
/// anyone who kept an earlier checkpoint.
struct ProofTests {
    static let a = "a@x.test", b = "b@x.test"
    static let kit = QuireBinary.packageRoot.appendingPathComponent("events/proofs/verify-proof.py").path

    /// A sandbox with a key, a state directory of its own and a log of a dozen events.
    final class Log: @unchecked Sendable {
        // @unchecked: immutable after init; Sandbox is itself thread-safe.
        let box: Sandbox
        let key: String
        let verifier: String
        let env: [String: String]

        init() throws {
            box = try Sandbox()
            try box.setUp(admins: [ProofTests.a, ProofTests.b])
            key = box.directory.appendingPathComponent("log.key").path
            let state = box.directory.appendingPathComponent("state").path
            env = ["XDG_STATE_HOME": state, "QUIRE_SIGNING_KEY": key]
            verifier = try box.ok(["key", "generate", "-o", key, "--name", "quire.test/exams"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let s1 = try box.createSession(try box.write("p1.json", paperJSON(code: "T/1", questions: 6)), as: ProofTests.a)
            let s2 = try box.createSession(try box.write("p2.json", paperJSON(code: "T/2")), as: ProofTests.a)
            // Two adjacent updates of different sessions: a swap of them still replays.
            try box.ok("session", "update", s1, "--progress", "10", as: ProofTests.a)
            try box.ok("session", "update", s2, "--progress", "20", as: ProofTests.a)
            _ = try box.run("session", "show", s2, as: ProofTests.b)  // denied: access.denied by b
            try box.ok("session", "update", s1, "--progress", "30", as: ProofTests.a)
        }

        func run(_ args: String..., db: String? = nil) throws -> QuireRun {
            try run(args, db: db)
        }

        func run(_ args: [String], db: String? = nil) throws -> QuireRun {
            try box.run(args + (db.map { ["--db", $0] } ?? []), env: env)
        }

        /// Signs the log at `size` events (now when nil) into a file; returns its path.
        func checkpoint(size: Int? = nil, db: String? = nil) throws -> String {
            let path = box.directory.appendingPathComponent("cp-\(size.map(String.init) ?? "now")-\(UUID().uuidString.prefix(6)).txt").path
            var args = ["checkpoint", "-o", path, "--no-state"] + (size.map { ["--size", "\($0)"] } ?? [])
            if let db { args += ["--db", db] }
            let r = try box.run(args, env: env)
            #expect(r.status == 0, "\(r)")
            return path
        }

        func count(db: String? = nil) throws -> Int {
            try box.ok(["verify", "--json", "--no-state"] + (db.map { ["--db", $0] } ?? []), env: env).object["events"] as! Int
        }
    }

    static func python(_ args: [String]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func keyFileIsPrivateAndCheckpointIsASignedNote() throws {
        let log = try Log()
        let mode = try FileManager.default.attributesOfItem(atPath: log.key)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(log.verifier.hasPrefix("quire.test/exams+"))
        // Never overwritten.
        let again = try log.box.run(["key", "generate", "-o", log.key], env: log.env)
        #expect(again.status == 65, "\(again)")

        let note = try log.run("checkpoint").stdout
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        let count = try log.count()
        #expect(lines.count == 6 && lines[0] == "quire.test/exams" && Int(lines[1]) == count && lines[3] == "", "\(note)")
        #expect(lines[4].hasPrefix("\u{2014} quire.test/exams "), "\(note)")
        let json = try log.run("checkpoint", "--json").object
        #expect(json["note"] as? String == note && json["verifier_key"] as? String == log.verifier)

        let missing = try log.box.run(["checkpoint"], env: ["XDG_STATE_HOME": log.env["XDG_STATE_HOME"]!])
        #expect(missing.status == 64 && missing.stderr.contains("signing key"), "\(missing)")
    }

    /// The honest path: a checkpoint, the log grows, the old checkpoint still holds; `prove` and
    /// the Python kit agree with quire.
    @Test func anHonestGrownLogPassesAndTheKitAgrees() throws {
        let log = try Log()
        let old = try log.checkpoint()
        let oldSize = try log.count()
        try log.box.ok("session", "create", "--file", try log.box.write("p9.json", paperJSON(code: "T/9")), as: Self.a)
        let new = try log.checkpoint()
        let newSize = try log.count()
        #expect(newSize > oldSize)

        let verify = try log.run("verify", "--json", "--checkpoint", old, "--checkpoint", new, "--no-state")
        #expect(verify.status == 0, "\(verify)")
        let checks = verify.object["checkpoints"] as? [[String: Any]] ?? []
        #expect(checks.count == 2 && checks.allSatisfy { $0["ok"] as? Bool == true }, "\(verify)")
        let human = try log.run("verify", "--checkpoint", old, "--no-state")
        #expect(human.status == 0 && human.stdout.contains("Checkpoint of size \(oldSize) holds"), "\(human)")

        let prove = try log.run("prove", "3", "--checkpoint", old)
        #expect(prove.status == 0 && prove.stdout.contains("Verified against the checkpoint"), "\(prove)")
        #expect(try log.run("prove", "3", "--json").object["event"] == nil, "hashes only unless --event")
        let withEvent = try log.box.run(["prove", "3", "--event", "--json"], as: Sandbox.ops, env: log.env)
        #expect((withEvent.object["event"] as? [String: Any])?["position"] as? Int == 3, "\(withEvent)")

        // The kit: signature, inclusion against the old checkpoint, consistency old → new, root from the file.
        let vkey = try log.box.write("log.vkey", log.verifier + "\n")
        #expect(try Self.python([Self.kit, "checkpoint", new, vkey]).status == 0)
        let inclusion = try log.box.write("inclusion.json", try log.run("prove", "3", "--checkpoint", old, "--json").stdout)
        let inc = try Self.python([Self.kit, "inclusion", old, vkey, inclusion])
        #expect(inc.status == 0 && inc.out.contains("inclusion ok: event 3"), "\(inc.out)")
        let consistency = try log.box.write("consistency.json", try log.run("consistency", "\(oldSize)", "--to", "\(newSize)", "--json").stdout)
        let con = try Self.python([Self.kit, "consistency", old, new, vkey, consistency])
        #expect(con.status == 0 && con.out.contains("consistency ok"), "\(con.out)")
        let backwards = try Self.python([Self.kit, "consistency", new, old, vkey, consistency])
        #expect(backwards.status == 1, "\(backwards.out)")
        let root = try Self.python([Self.kit, "root", log.box.database, "\(oldSize)"])
        let oldRoot = try String(contentsOfFile: old, encoding: .utf8).split(separator: "\n")[2]
        #expect(root.out.contains("base64 \(oldRoot)"), "\(root.out)")
        // A checkpoint signed by another key is refused by the kit and by quire.
        let otherKey = log.box.directory.appendingPathComponent("other.key").path
        let otherVerifier = try log.box.ok(["key", "generate", "-o", otherKey, "--name", "quire.test/exams"]).stdout
        let otherFile = try log.box.write("other.vkey", otherVerifier)
        #expect(try Self.python([Self.kit, "checkpoint", new, otherFile]).status == 1)
        let refused = try log.run("verify", "--checkpoint", old, "--verifier-key", otherFile, "--no-state")
        #expect(refused.status == 65 && refused.stderr.contains("not signed"), "\(refused)")
    }

    /// The client keeps what it saw: a later checkpoint of a rewritten log is refused.
    @Test func theKeptStateRefusesARewrittenLog() throws {
        let log = try Log()
        #expect(try log.run("checkpoint").status == 0)  // kept
        try log.box.ok("session", "create", "--file", try log.box.write("p8.json", paperJSON(code: "T/8")), as: Self.a)
        #expect(try log.run("checkpoint").status == 0)  // extends it: kept too
        let stateDir = URL(fileURLWithPath: log.env["XDG_STATE_HOME"]!).appendingPathComponent("quire")
        let files = try FileManager.default.contentsOfDirectory(atPath: stateDir.path)
        #expect(files.count == 1 && files[0].hasPrefix("state-quire.test_exams-"), "\(files)")

        let forged = try Self.rewrite(log, .actor)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: log.box.database + suffix) }
        try FileManager.default.copyItem(atPath: forged.db, toPath: log.box.database)
        let refused = try log.run("checkpoint")
        #expect(refused.status == 1 && refused.stderr.contains("not an extension of the one this client saw before"), "\(refused)")
        let verify = try log.run("verify")
        #expect(verify.status == 1 && verify.stdout.contains("FAILS"), "\(verify)")
        #expect(try log.run("checkpoint", "--no-state").status == 0)
    }

    enum Rewrite: String, CaseIterable, Sendable { case actor, removeMiddle = "remove-middle", removeLast = "remove-last", swap }

    /// The insider's rewrite: export, edit, recompute every prev_hash and hash by the rule in
    /// events/README.md, renumber, import into a fresh database (projections and tree rebuilt).
    /// Returns the new database and the first position that differs.
    static func rewrite(_ log: Log, _ kind: Rewrite) throws -> (db: String, first: Int) {
        let export = log.box.directory.appendingPathComponent("export-\(kind.rawValue).jsonl").path
        try log.box.ok(["export", "-o", export], as: Sandbox.ops, env: log.env)
        let forged = log.box.directory.appendingPathComponent("forged-\(kind.rawValue).jsonl").path
        let script = try log.box.write("rewrite.py", """
            import hashlib, json, sys
            kind, src, dst = sys.argv[1:4]
            rows = [json.loads(l) for l in open(src) if '"export_end"' not in l]
            denied = next(i for i, r in enumerate(rows) if r["type"] == "access.denied")
            if kind == "actor":      # frame another admin for the denial
                first = denied; rows[denied]["actor"] = rows[denied - 1]["actor"]
            elif kind == "remove-middle":
                first = denied; del rows[denied]
            elif kind == "remove-last":
                first = len(rows) - 1; rows.pop()
            else:                    # two adjacent updates of different sessions
                first = next(i for i in range(len(rows) - 1) if rows[i]["type"] == rows[i + 1]["type"] == "session.updated"
                             and rows[i]["stream"] != rows[i + 1]["stream"])
                rows[first], rows[first + 1] = rows[first + 1], rows[first]
            prev, versions = bytes(32), {}
            with open(dst, "w") as out:
                for n, r in enumerate(rows, 1):
                    versions[r["stream"]] = versions.get(r["stream"], 0) + 1
                    r["position"], r["version"], r["prev_hash"] = n, versions[r["stream"]], prev.hex()
                    fields = [r[k] for k in ("position", "stream", "version", "type", "schema", "event_id", "actor", "command_id", "recorded_at")]
                    h = "".join(("" if f is None else str(f)) + "\\n" for f in fields) + r["payload"]
                    prev = hashlib.sha256(prev + h.encode()).digest()
                    r["hash"] = prev.hex()
                    out.write(json.dumps(r) + "\\n")
                out.write(json.dumps({"export_end": {"events": len(rows), "last_hash": prev.hex()}}) + "\\n")
            print(first + 1)
            """)
        let py = try python([script, kind.rawValue, export, forged])
        try #require(py.status == 0, "\(py.out)")
        let db = log.box.directory.appendingPathComponent("forged-\(kind.rawValue).sqlite").path
        try log.box.ok(["import", forged, "--db", db], env: log.env)
        return (db, Int(py.out.trimmingCharacters(in: .whitespacesAndNewlines))!)
    }

    @Test(arguments: Rewrite.allCases)
    func aRewrittenLogIsCaughtByAnEarlierCheckpoint(_ kind: Rewrite) throws {
        let log = try Log()
        let size = try log.count()
        // What an auditor kept: the checkpoint of today, and (a client that followed the log) one per size.
        let latest = try log.checkpoint()
        let history = try (1...size).map { try log.checkpoint(size: $0) }
        #expect(try log.run("checkpoint").status == 0)  // this client keeps it
        let (forged, first) = try Self.rewrite(log, kind)

        // The client's kept state refuses the rewritten log.
        let kept = try log.run("checkpoint", db: forged)
        #expect(kept.status == 1 && kept.stderr.contains("not an extension of the one this client saw before"), "\(kind): \(kept)")

        // The rewrite is self-consistent: the chain and the projections (the tree among them) verify.
        let plain = try log.run("verify", "--json", "--no-state", db: forged)
        #expect(plain.status == 0, "the rewrite is not a good forgery: \(plain)")

        let caught = try log.box.run(["verify", "--json", "--no-state", "--db", forged, "--checkpoint", latest], env: log.env)
        #expect(caught.status == 1, "\(kind): \(caught)")
        let check = (caught.object["checkpoints"] as? [[String: Any]])?.first ?? [:]
        #expect(check["ok"] as? Bool == false, "\(caught)")
        let range = check["differs_between"] as? [Int] ?? (check["first_difference"] as? Int).map { [$0, $0] } ?? []
        #expect(range.count == 2 && range[0] <= first && first <= range[1], "\(kind): \(first) not in \(range)")

        // With the history, the first position that differs is named exactly.
        let args = ["verify", "--no-state", "--db", forged] + history.flatMap { ["--checkpoint", $0] }
        let named = try log.box.run(args + ["--json"], env: log.env)
        #expect(named.status == 1)
        let failing = (named.object["checkpoints"] as? [[String: Any]] ?? []).filter { $0["ok"] as? Bool == false }
        #expect(failing.first?["first_difference"] as? Int == first, "\(kind): \(named)")
        let sentence = try log.box.run(args, env: log.env)
        #expect(sentence.status == 1 && sentence.stdout.contains("position \(first) differs"), "\(sentence)")

        // An event before the rewrite still proves against the checkpoint of its time; the first
        // rewritten position does not prove against the checkpoint of the log that ended there.
        if first > 1 {
            let before = try log.run("prove", "\(first - 1)", "--checkpoint", history[first - 2], db: forged)
            #expect(before.status == 0, "\(kind): \(before)")
        }
        let p = try log.run("prove", "\(first)", "--checkpoint", history[first - 1], db: forged)
        #expect(p.status != 0, "\(kind): \(p)")
    }
}

extension ProofTests {
    /// `verify --from-export`: offline, the same verdicts from an export file.
    @Test func anExportIsCheckedOfflineAgainstCheckpoints() throws {
        let log = try Log()
        let old = try log.checkpoint()
        let export = log.box.directory.appendingPathComponent("honest.jsonl").path
        try log.box.ok(["export", "-o", export], as: Sandbox.ops, env: log.env)
        let honest = try log.run("verify", "--from-export", export, "--checkpoint", old, "--json")
        #expect(honest.status == 0 && honest.object["ok"] as? Bool == true, "\(honest)")

        let (_, first) = try Self.rewrite(log, .actor)
        let forged = log.box.directory.appendingPathComponent("forged-actor.jsonl").path
        let caught = try log.run("verify", "--from-export", forged, "--checkpoint", old)
        #expect(caught.status == 1 && caught.stdout.contains("Chain intact") && caught.stdout.contains("FAILS"), "\(caught)")
        let history = try (1...(try log.count())).map { try log.checkpoint(size: $0) }
        let named = try log.run(["verify", "--from-export", forged, "--json"] + history.flatMap { ["--checkpoint", $0] })
        let failing = (named.object["checkpoints"] as? [[String: Any]] ?? []).filter { $0["ok"] as? Bool == false }
        #expect(failing.first?["first_difference"] as? Int == first, "\(named)")
    }
}

extension ProofTests {
    /// A witness cosigns what extends what it cosigned before, and refuses a fork even when it is
    /// signed with the log's own key; verify can require the cosignature.
    @Test func aWitnessCosignsAnExtensionAndRefusesAFork() throws {
        let log = try Log()
        let witnessKey = log.box.directory.appendingPathComponent("witness.key").path
        let witness = try log.box.ok(["key", "generate", "--witness", "-o", witnessKey, "--name", "witness.test/w1"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let logKey = try log.box.write("log.vkey", log.verifier)
        let witnessEnv = ["XDG_STATE_HOME": log.box.directory.appendingPathComponent("witness-state").path]
        func cosign(_ checkpoint: String, db: String? = nil) throws -> QuireRun {
            try log.box.run(["witness", checkpoint, "--key", witnessKey, "--log-key", logKey] + (db.map { ["--db", $0] } ?? []),
                            env: witnessEnv)
        }
        let first = try cosign(try log.checkpoint())
        #expect(first.status == 0 && first.stdout.contains("\u{2014} witness.test/w1 "), "\(first)")
        let cosigned = try log.box.write("cosigned.txt", first.stdout)
        let ok = try log.run("verify", "--no-state", "--checkpoint", cosigned, "--witness-key", witness)
        #expect(ok.status == 0, "\(ok)")
        let bare = try log.run("verify", "--no-state", "--checkpoint", try log.checkpoint(), "--witness-key", witness)
        #expect(bare.status == 1 && bare.stderr.contains("0 of the 1 witness cosignatures"), "\(bare)")
        // The kit ignores the witness's line and still checks the log's.
        let vkey = try log.box.write("log2.vkey", log.verifier + "\n")
        #expect(try Self.python([Self.kit, "checkpoint", cosigned, vkey]).status == 0)

        try log.box.ok("session", "create", "--file", try log.box.write("p7.json", paperJSON(code: "T/7")), as: Self.a)
        #expect(try cosign(try log.checkpoint()).status == 0, "an extension is cosigned")

        // The operator rewrites the log and signs the fork with the log's real key.
        let (forged, _) = try Self.rewrite(log, .actor)
        let fork = try log.checkpoint(db: forged)
        let refused = try cosign(fork, db: forged)
        #expect(refused.status == 1 && refused.stderr.contains("not an extension"), "\(refused)")
        let wrongKey = try log.box.run(["witness", fork, "--key", log.key, "--log-key", logKey], env: witnessEnv)
        #expect(wrongKey.status == 64, "\(wrongKey)")
    }
}
