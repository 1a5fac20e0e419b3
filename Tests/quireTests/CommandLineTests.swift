import Foundation
import Testing

/// What the command line takes and says, as a newcomer meets it (issue 12, items 7–10, and the
/// housekeeping of issue 11 item 6): usage errors, durations, conflicting or ignored options,
/// session id prefixes, messages in the user's words, one email normalisation, read errors.
@Suite struct CommandLineTests {
    let a = "a@x.test", b = "b@x.test"

    /// One `error:` sentence on stderr, then the line naming the command's `--help`; exit 64.
    func expectUsage(_ run: QuireRun, mentioning: String, hint: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == 64, "\(run)", sourceLocation: sourceLocation)
        #expect(run.stdout.isEmpty, "\(run)", sourceLocation: sourceLocation)
        #expect(run.errorLines.first?.hasPrefix("error: ") == true && run.errorLines.first?.contains(mentioning) == true,
                "\(run)", sourceLocation: sourceLocation)
        if let hint {
            #expect(run.errorLines.count == 2 && run.errorLines[1] == "See '\(hint) --help' for more information.", "\(run)",
                    sourceLocation: sourceLocation)
        } else {
            #expect(run.errorLines.count == 1, "\(run)", sourceLocation: sourceLocation)
        }
    }

    // MARK: - item 8: usage errors are one sentence and a hint

    @Test func argumentParserUsageErrorsAreOneSentenceAndTheHelpHint() throws {
        let box = try Sandbox()
        try box.setUp()
        expectUsage(try box.run("session", "show", as: a), mentioning: "Missing expected argument '<id>'.", hint: "quire session show")
        expectUsage(try box.run("session", "list", "--bogus", as: a), mentioning: "Unknown option '--bogus'", hint: "quire session list")
        expectUsage(try box.run("session", "update", "x", "--progress", "lots", as: a), mentioning: "lots",
                    hint: "quire session update")
        expectUsage(try box.run("replay", as: a), mentioning: "exactly one of --until-position and --until-time", hint: "quire replay")
        // quire's own usage errors are one sentence.
        expectUsage(try box.run("audit", "--limit", "0", as: Sandbox.ops), mentioning: "--limit must be at least 1.")
    }

    // MARK: - item 10: one duration syntax, conflicting and ignored options

    @Test func aBareNumberIsNotADuration() throws {
        let box = try Sandbox()
        try box.setUp()
        let env = ["QUIRE_JWT_SECRET": String(repeating: "s", count: 32)]
        let bare = try box.run(["token", "issue", "--user", a, "--ttl", "8"], env: env)
        expectUsage(bare, mentioning: "--ttl takes a duration with its unit (90s, 30m, 8h, 7d), not a bare number")
        for wrong in ["1.5h", "-5m", "8 h", "8hh", "h", "0s", "367d"] {
            let run = try box.run(["token", "issue", "--user", a, "--ttl=\(wrong)"], env: env)
            #expect(run.status == 64 && run.errorLines.count == 1 && run.stdout.isEmpty, "\(wrong): \(run)")
        }
        for right in ["90s", "30m", "8h", "7d", "2w"] {
            let run = try box.ok(["token", "issue", "--user", a, "--ttl", right], env: env)
            #expect(run.stdout.split(separator: ".").count == 3, "\(right): a JWT, \(run)")
        }
        // The same syntax for audit: a bare number is refused there too, a span is taken.
        expectUsage(try box.run("audit", "--since", "24", as: Sandbox.ops), mentioning: "--since takes an RFC 3339 time")
        #expect(try box.ok("audit", "--since", "24h", "--json", as: Sandbox.ops).array.count == 3)
        #expect(try box.ok("audit", "--since", "1w", "--json", as: Sandbox.ops).array.count == 3)
    }

    @Test func conflictingOutputFormatsAreAUsageError() throws {
        let box = try Sandbox()
        try box.setUp()
        expectUsage(try box.run("audit", "--json", "--format", "csv", as: Sandbox.ops), mentioning: "--json and --format csv")
        expectUsage(try box.run("audit", "--json", "--format", "table", as: Sandbox.ops), mentioning: "--json and --format table")
        // Saying the same thing twice is not a conflict.
        #expect(try box.ok("audit", "--json", "--format", "json", as: Sandbox.ops).array.count == 3)
    }

    @Test func serveTokenIssueAndDemoDoNotOfferOptionsTheyIgnore() throws {
        let box = try Sandbox()
        for command in [["serve"], ["token", "issue"], ["demo"]] {
            let help = try box.ok(command + ["--help"])
            #expect(help.stdout.contains("--db"), "\(help)")
            #expect(!help.stdout.contains("--as") && !help.stdout.contains("--json"), "\(command) offers options it ignores:\n\(help)")
            for ignored in ["--json", "--as"] {
                let refused = try box.run(command + (command == ["token", "issue"] ? ["--user", a] : []) + [ignored, "x"])
                expectUsage(refused, mentioning: "Unknown option '\(ignored)'", hint: "quire " + command.joined(separator: " "))
            }
        }
    }

    @Test func fileCommandsDoNotOfferActingAsSomeone() throws {
        let box = try Sandbox()
        for command in [["init"], ["verify"], ["rebuild"], ["import"]] {
            let help = try box.ok(command + ["--help"])
            #expect(help.stdout.contains("--db") && help.stdout.contains("--json"), "\(help)")
            #expect(!help.stdout.contains("--as"), "\(command) offers --as, which it ignores:\n\(help)")
        }
    }

    // MARK: - item 7: session id prefixes

    @Test func aUniquePrefixOfAVisibleSessionNamesIt() throws {
        let box = try Sandbox()
        try box.setUp()
        let id = try box.createSession(try box.write("p.json", paperJSON(code: "9709/12")), as: a)
        let prefix = String(id.prefix(8))

        let shown = try box.ok("session", "show", prefix, "--json", as: a).object
        #expect(shown["id"] as? String == id)
        let updated = try box.ok("session", "update", prefix, "--progress", "40", "--json", as: a).object
        #expect(updated["id"] as? String == id && updated["progress"] as? Int == 40)
        let history = try box.ok("history", String(id.prefix(12)), "--json", as: a).array
        #expect(history.count == 3, "created, accessed, updated: \(history)")
        let audited = try box.ok("audit", "--session", prefix, "--json", as: Sandbox.ops).array
        #expect(audited.count >= 3 && audited.allSatisfy { $0["session_id"] as? String == id }, "\(audited)")
        let completed = try box.ok("session", "complete", prefix, "--json", as: a).object
        #expect(completed["id"] as? String == id && completed["status"] as? String == "completed")
        let deleted = try box.ok("session", "delete", prefix, "--json", as: a).object
        #expect(deleted["id"] as? String == id)

        // Shorter than eight characters: not a prefix, just an id nobody has.
        let short = try box.run("session", "show", String(id.prefix(7)), as: a)
        #expect(short.status == 66, "\(short)")
    }

    @Test func aPrefixOfSomeoneElsesSessionIsTheOrdinaryNotFoundAnswer() throws {
        let box = try Sandbox()
        try box.setUp()
        let id = try box.createSession(try box.write("p.json", paperJSON(code: "9709/12")), as: a)
        let before = try box.eventCount()
        let prefix = String(id.prefix(8))
        let theirs = try box.run("session", "show", prefix, as: b)
        let missing = try box.run("session", "show", "00000000", as: b)
        #expect(theirs.status == 66 && missing.status == 66, "\(theirs)\n\(missing)")
        #expect(theirs.stderr == "error: No session \(prefix) is visible to you.\n", "\(theirs)")
        #expect(missing.stderr == "error: No session 00000000 is visible to you.\n", "\(missing)")
        #expect(!theirs.stderr.contains(id), "the full id leaked: \(theirs)")
        for command in [["session", "update", prefix, "--progress", "9"], ["session", "delete", prefix], ["history", prefix]] {
            let run = try box.run(command, as: b)
            #expect(run.status == 66 && !run.stderr.contains(id), "\(run)")
        }
        #expect(try box.eventCount() == before, "a prefix that names nobody's visible session appends nothing")
    }

    @Test func anAmbiguousPrefixIsAUsageErrorListingTheCandidates() throws {
        let box = try Sandbox()
        let ids = try box.setUp()
        // Legacy rows keep the old table's ids, so two sessions can share a long prefix.
        let csv = "id,created_by,status,json_hash,file_name\n"
            + "shared-prefix-1,\(ids[a]!),in_progress,,one.json\nshared-prefix-2,\(ids[a]!),in_progress,,two.json\n"
        try box.ok("legacy", "import", try box.write("legacy.csv", csv), as: Sandbox.ops)
        let before = try box.eventCount()
        let run = try box.run("session", "show", "shared-prefix", as: a)
        expectUsage(run, mentioning: "shared-prefix is the start of 2 of your sessions' ids: ")
        #expect(run.stderr.contains("shared-prefix-1 (\"one\")") && run.stderr.contains("shared-prefix-2 (\"two\")"), "\(run)")
        #expect(try box.eventCount() == before)
        #expect(try box.ok("session", "show", "shared-prefix-2", "--json", as: a).object["id"] as? String == "shared-prefix-2")
        // For b, who sees neither, the same prefix is just not found.
        #expect(try box.run("session", "show", "shared-prefix", as: b).status == 66)
    }

    // MARK: - item 9 and issue 11: the user's words, one email normalisation

    @Test func roleRefusalsNameTheCommandNotTheInternalName() throws {
        let box = try Sandbox()
        try box.setUp()
        let add = try box.run("user", "add", "c@x.test", as: a)
        #expect(add.status == 77 && add.stderr == "error: Only a system admin may add users (quire user add).\n", "\(add)")
        let list = try box.run("user", "list", as: a)
        #expect(list.status == 77 && list.stderr == "error: Only a system admin may list users (quire user list).\n", "\(list)")
        let monitor = try box.run("monitor", as: a)
        #expect(monitor.stderr.contains("(quire monitor, GET /v1/monitor)") && !monitor.stderr.contains("use monitor"), "\(monitor)")
    }

    @Test func anEmailWithATrailingNewlineIsTheSameAddress() throws {
        let box = try Sandbox()
        try box.setUp()
        let first = try box.ok("user", "add", "Carol@X.test\n", "--json", as: Sandbox.ops).object
        #expect(first["email"] as? String == "carol@x.test")
        for spelling in ["carol@x.test\n", " CAROL@x.test\t", "carol@x.test\r\n"] {
            let again = try box.run("user", "add", spelling, as: Sandbox.ops)
            #expect(again.status == 65 && again.stderr == "error: carol@x.test is already registered (as admin).\n", "\(again)")
        }
        #expect(try box.ok("user", "list", "--json", as: Sandbox.ops).array.count == 4)
    }

    // MARK: - issue 11: LineReader reports a read error

    @Test func aDirectoryIsAReadErrorNotAnEmptyInput() throws {
        let box = try Sandbox()
        try box.setUp()
        let dir = box.directory.appendingPathComponent("lines.d").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let submit = try box.run("submit", dir, as: a)
        #expect(submit.status == 65 && submit.stderr == "error: \(dir) is a directory, not a file of lines.\n", "\(submit)")
        let copy = box.directory.appendingPathComponent("copy.sqlite").path
        let imported = try box.run("import", dir, "--db", copy)
        #expect(imported.status == 65 && imported.stderr == "error: \(dir) is a directory, not a file of lines.\n", "\(imported)")
        #expect(!FileManager.default.fileExists(atPath: copy), "a refused import leaves no database behind")
    }
}
