import Foundation
import QuireCore
import QuireTestSupport
import Testing

/// Seeded, structure-aware fuzzing of everything quire reads: `submit` lines, paper files,
/// legacy rows (CSV and JSON) and command-line arguments. Whatever the input, quire never dies of
/// a signal or hangs, exits with a documented code, says what went wrong in one `error:` line
/// (`submit` and `legacy import` answer per line and per row instead), and appends nothing but
/// the events of the commands it reports as done (and `access.denied` for refused reaches).
///
/// Every input that ever broke something is kept in `FuzzCorpus/` and replayed here first:
/// `submit-*.jsonl` (lines for `submit`), `paper-*.json` (a `--file` for `session create`),
/// `legacy-*.csv` / `legacy-*.json` (a file for `legacy import`), `args-*.json` (a JSON array
/// of arguments). Run with `QUIRE_FUZZ_RECORD=1` to save new failing inputs there.
/// `QUIRE_FUZZ_SEED` changes the seed (default fixed, so CI runs the same cases every time).
@Suite struct FuzzTests {
    static let a = "a@x.test"
    static let seed = UInt64(ProcessInfo.processInfo.environment["QUIRE_FUZZ_SEED"] ?? "") ?? 0xF022_2026
    static let corpus = QuireBinary.packageRoot.appendingPathComponent("Tests/quireTests/FuzzCorpus")
    static let record = ProcessInfo.processInfo.environment["QUIRE_FUZZ_RECORD"] != nil

    // MARK: - Nasty values

    static let sql = ["'); DROP TABLE events;--", "1 OR 1=1", "\"; DELETE FROM commands; --", "x' UNION SELECT hash FROM events --"]
    static let traversal = ["../../etc/passwd", "../../../../../../etc/shadow", "..", "/", "./../quire.sqlite", "a/../../b"]
    /// JSON texts to put where a value goes.
    static let nastyJSON: [String] = [
        "1e400", "-1e400", "1e308", "4.9e-324", "123456789012345678901234567890", "-0", "0.5", "-1", "2147483648",
        "9007199254740993", "true", "null", "[]", "{}", "\"\"", "\"x\"", "[[[[[[[[]]]]]]]]", "\"\\u0000\"", "\"\\ud800\"",
        "\"\\udfff\\ud800\"", "\"☃\u{1F600}\"", "\"\(String(repeating: "A", count: 5000))\"", "\"\\\\\\\"\"", "\"\\n\\r\\t\"",
    ] + sql.map { "\"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"" } + traversal.map { "\"\($0)\"" }

    // MARK: - Checking one run

    /// What a run may append: `accepted` events for the commands it reported done, plus
    /// `access.denied` events when `deniedAllowed`.
    struct Expectation {
        var accepted: Int
        var deniedAllowed = false
    }

    /// Checks the universal promises for one run; returns the problems found (empty = fine).
    static func problems(_ run: BoundedRun, perLineReport: Bool) -> [String] {
        var found: [String] = []
        if run.timedOut { found.append("hung (killed after the timeout)") }
        if run.signalled { found.append("died of signal \(run.status)") }
        if !run.timedOut && !run.signalled && !documentedExitCodes.contains(run.status) {
            found.append("exit \(run.status) is not a documented exit code for bad input")
        }
        if run.stderr.contains("Fatal error") || run.stderr.contains("Stack dump") || run.stderr.contains("💣") {
            found.append("a crash report on stderr")
        }
        if run.status != 0 && !run.signalled && !perLineReport {
            let errorLines = run.errorLines.filter { $0.lowercased().hasPrefix("error:") }
            if errorLines.count != 1 { found.append("\(errorLines.count) error: lines on stderr, not 1") }
            // A usage error from the argument parser is one sentence and the line naming `--help`;
            // anything else is one sentence.
            let hint = run.status == 64 && run.errorLines.count == 2 && run.errorLines[1].hasPrefix("See 'quire")
            if run.errorLines.count != 1 && !hint { found.append("stderr has \(run.errorLines.count) lines, not 1") }
        }
        return found
    }

    /// The events appended since `before`, as (type) — through the sqlite3 shell when there is
    /// one, else through audit.
    static func appendedTypes(_ box: Sandbox, after before: Int) throws -> [String] {
        if SQLiteShell.available {
            let out = try box.sqliteValue("SELECT type FROM events WHERE position > \(before) ORDER BY position;")
            return out.isEmpty ? [] : out.split(separator: "\n").map(String.init)
        }
        return try box.auditRows().filter { ($0["position"] as? Int ?? 0) > before }.compactMap { $0["type"] as? String }
    }

    static func lastPosition(_ box: Sandbox) throws -> Int {
        if SQLiteShell.available { return Int(try box.sqliteValue("SELECT coalesce(max(position), 0) FROM events;")) ?? -1 }
        return try box.auditRows().first?["position"] as? Int ?? 0
    }

    /// Records a failing case: in the test report, and in the corpus when recording.
    static func report(_ kind: String, _ name: String, _ input: Data, _ found: [String], _ run: BoundedRun?,
                       ext: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard !found.isEmpty else { return }
        let preview = String(decoding: input.prefix(300), as: UTF8.self)
        Issue.record("\(kind) case \(name): \(found.joined(separator: "; "))\ninput: \(preview)\(input.count > 300 ? "…(\(input.count) bytes)" : "")\n\(run.map { "\($0)" } ?? "")",
                     sourceLocation: sourceLocation)
        if record {
            try? FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
            try? input.write(to: corpus.appendingPathComponent("\(kind)-\(name).\(ext)"))
        }
    }

    // MARK: - A fuzzed world

    /// A database with the admin `a`, one in-progress session of theirs and a completed one,
    /// another admin's session (reaching it is denied) and a legacy session.
    struct World {
        var box: Sandbox
        var session: String
        var completed: String
        var theirs: String
    }

    static func world() throws -> World {
        let box = try Sandbox()
        try box.setUp(admins: [a, "b@x.test"])
        let session = try box.createSession(try box.write("mine.json", paperJSON(code: "F/1", questions: 10)), as: a)
        let completed = try box.createSession(try box.write("done.json", paperJSON(code: "F/2")), as: a)
        try box.ok("session", "complete", completed, as: a)
        let theirs = try box.createSession(try box.write("theirs.json", paperJSON(code: "F/3")), as: "b@x.test")
        try box.ok("legacy", "import", try box.write("legacy.csv", "id,file_name\nold-1,old.json\n"), as: Sandbox.ops)
        try FileManager.default.createDirectory(at: box.directory.appendingPathComponent("sub"), withIntermediateDirectories: true)
        return World(box: box, session: session, completed: completed, theirs: theirs)
    }

    // MARK: - Generators

    /// Byte-level mutations of a valid text.
    static func mutate(_ text: String, _ r: inout SeededRandom) -> Data {
        var bytes = Array(text.utf8)
        switch r.next() % 9 {
        case 0:  // truncated
            bytes = Array(bytes.prefix(Int(r.next() % UInt64(max(bytes.count, 1)))))
        case 1:  // invalid UTF-8 inside
            let at = Int(r.next() % UInt64(bytes.count + 1))
            bytes.insert(contentsOf: [[0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]][Int(r.next() % 5)], at: at)
        case 2:  // a raw NUL
            bytes.insert(0, at: Int(r.next() % UInt64(bytes.count + 1)))
        case 3:  // a byte flipped (never into a newline, which would split the line)
            if !bytes.isEmpty {
                let at = Int(r.next() % UInt64(bytes.count))
                var b = UInt8(truncatingIfNeeded: r.next())
                if b == 0x0A { b = 0x0B }
                bytes[at] = b
            }
        case 4:  // a structural character deleted
            if let at = bytes.indices.filter({ "{}[]:,\"".utf8.contains(bytes[$0]) }).randomElement(using: &r) { bytes.remove(at: at) }
        case 5:  // a value swapped for a nasty one
            return Data(replaceValue(text, &r).utf8)
        case 6:  // a duplicate key in front
            if bytes.first == UInt8(ascii: "{") {
                let dup = [#""type":"session.delete","#, #""session_id":"other","#, #""command_id":"dup","#, #""progress":5,"#,
                           #""paper":{"paper":{"code":"dup"}},"#][Int(r.next() % 5)]
                bytes.insert(contentsOf: Array(dup.utf8), at: 1)
            }
        case 7:  // a chunk repeated
            if bytes.count > 4 {
                let start = Int(r.next() % UInt64(bytes.count - 2)), length = Int(r.next() % UInt64(bytes.count - start))
                bytes.insert(contentsOf: bytes[start..<start + length], at: start)
            }
        default:  // random bytes
            bytes = (0..<Int(r.next() % 200)).map { _ in
                let b = UInt8(truncatingIfNeeded: r.next())
                return b == 0x0A ? 0x20 : b
            }
        }
        return Data(bytes)
    }

    /// Replaces the value after one `"key":` of a compact JSON text with a nasty JSON value.
    static func replaceValue(_ text: String, _ r: inout SeededRandom) -> String {
        let keys = text.ranges(of: "\":")
        guard let key = keys.randomElement(using: &r) else { return text }
        let rest = text[key.upperBound...]
        // The value ends at the next comma or closing brace at this level (good enough for flat commands).
        var depth = 0, inString = false, escaped = false
        var end = rest.endIndex
        for i in rest.indices {
            let c = rest[i]
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                continue
            }
            if c == "\"" { inString = true } else if c == "{" || c == "[" { depth += 1 } else if c == "}" || c == "]" {
                if depth == 0 { end = i; break }
                depth -= 1
            } else if c == ",", depth == 0 { end = i; break }
        }
        let value = nastyJSON.randomElement(using: &r)!
        return String(text[..<key.upperBound]) + value + String(text[end...])
    }

    /// Valid submit lines to start from, each with a fresh command id.
    static func templates(_ w: World, _ n: Int, _ r: inout SeededRandom) -> [String] {
        let id = "fz-\(n)"
        let paper = #"{"paper":{"code":"Z/\#(n)","subject":"Fuzz"},"questions":[{"n":1},{"n":2}]}"#
        return [
            #"{"type":"session.update","session_id":"\#(w.session)","progress":\#(r.next() % 101),"step":"questions","command_id":"\#(id)"}"#,
            #"{"type":"session.update","session_id":"\#(w.session)","metadata":{"k\#(n)":"v","n":\#(n)},"questions_imported":\#(r.next() % 11),"command_id":"\#(id)"}"#,
            #"{"type":"session.access","session_id":"\#(w.session)","command_id":"\#(id)"}"#,
            #"{"type":"session.access","session_id":"\#(w.theirs)","command_id":"\#(id)"}"#,
            #"{"type":"session.update","session_id":"\#(w.completed)","progress":3,"command_id":"\#(id)"}"#,
            #"{"type":"session.complete","session_id":"missing-\#(n)","questions_imported":1,"command_id":"\#(id)"}"#,
            #"{"type":"session.delete","session_id":"missing-\#(n)","reason":"fuzz","command_id":"\#(id)"}"#,
            #"{"type":"session.create","paper":\#(paper),"file_name":"z\#(n).json","name":"Fuzz \#(n)","command_id":"\#(id)"}"#,
            #"{"type":"session.create","file":"../../etc/passwd","command_id":"\#(id)"}"#,
            #"{"type":"session.create","file":"mine.json","allow_duplicate":true,"file_name":"../../etc/passwd","command_id":"\#(id)"}"#,
            #"{"type":"session.update","session_id":"\#(sql[Int(r.next() % 4)].replacingOccurrences(of: "\"", with: "\\\""))","progress":1,"command_id":"\#(id)"}"#,
        ]
    }

    // MARK: - submit lines

    /// Runs `lines` through one `submit` and checks the per-line answers and the log.
    @discardableResult
    static func checkSubmit(_ w: World, _ name: String, _ input: Data, timeout: TimeInterval = 60) throws -> (done: Int, refused: Int) {
        let before = try lastPosition(w.box)
        let run = try w.box.runBounded(["submit"], as: a, stdin: input, timeout: timeout)
        var found = problems(run, perLineReport: true)
        let lines = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .filter { !$0.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") } }
        let answers = run.jsonLines
        if !run.timedOut && !run.signalled {
            if answers.count != lines.count { found.append("\(answers.count) result lines for \(lines.count) input lines") }
            var firstFailure: Int32 = 0
            for answer in answers {
                guard let ok = answer["ok"] as? Bool else { found.append("an unreadable result line: \(answer)"); continue }
                if ok { continue }
                let error = answer["error"] as? [String: Any] ?? [:]
                let code = Int32(error["exit_code"] as? Int ?? -1)
                if firstFailure == 0 { firstFailure = code }
                if !documentedExitCodes.contains(code) || code == 0 { found.append("a result line with exit_code \(code): \(answer)") }
                if (error["message"] as? String ?? "").isEmpty || error["code"] as? String == nil {
                    found.append("a failure without a code and message: \(answer)")
                }
                if error["code"] as? String == "internal" { found.append("an internal error: \(answer)") }
            }
            if run.status != firstFailure { found.append("exit \(run.status), but the first failure's code is \(firstFailure)") }
        }
        let done = answers.filter { $0["ok"] as? Bool == true && $0["replayed"] as? Bool != true }.count
        let denied = answers.filter { (($0["error"] as? [String: Any])?["code"] as? String) == "not_found" }.count
        let types = try appendedTypes(w.box, after: before)
        let accepted = types.filter { $0 != "access.denied" }.count
        if accepted != done { found.append("\(accepted) events appended for \(done) commands reported done") }
        if types.count - accepted > denied { found.append("\(types.count - accepted) access.denied events for \(denied) not-found answers") }
        report("submit", name, input, found, run, ext: "jsonl")
        return (done, answers.count - done)
    }

    @Test func submitLines() throws {
        let w = try Self.world()
        var r = SeededRandom(seed: Self.seed)
        var total = 0
        // 6 batches of 50 mutated lines, plus some valid ones among them.
        for batch in 0..<6 {
            var lines: [Data] = []
            for i in 0..<50 {
                let n = batch * 100 + i
                let base = Self.templates(w, n, &r).randomElement(using: &r)!
                lines.append(r.next() % 6 == 0 ? Data(base.utf8) : Self.mutate(base, &r))
            }
            total += lines.count
            let (done, refused) = try Self.checkSubmit(w, "batch-\(batch)-seed-\(Self.seed)",
                                                       Data(lines.joined(separator: Data("\n".utf8))) + Data("\n".utf8))
            #expect(done > 0 && refused > 0, "the generator should make both valid and invalid lines")
        }
        // The big ones, each on its own.
        let deep = #"{"type":"session.update","session_id":"\#(w.session)","metadata":{"k":"# + String(repeating: "[", count: 10_000)
            + String(repeating: "]", count: 10_000) + #"},"command_id":"deep"}"#
        try Self.checkSubmit(w, "deep-nesting", Data((deep + "\n").utf8))
        let deepObject = #"{"type":"session.create","paper":"# + String(repeating: #"{"a":"#, count: 10_000) + "1"
            + String(repeating: "}", count: 10_000) + #","command_id":"deep-object"}"#
        try Self.checkSubmit(w, "deep-object", Data((deepObject + "\n").utf8))
        // A 10 MB line once took time quadratic in its length; now it must finish well within 30 s.
        let huge = #"{"type":"session.update","session_id":"\#(w.session)","metadata":{"big":""# + String(repeating: "x", count: 10 << 20)
            + #""},"command_id":"ten-mb"}"#
        try Self.checkSubmit(w, "ten-megabytes", Data((huge + "\n").utf8), timeout: 30)
        if ProcessInfo.processInfo.environment["QUIRE_FUZZ_SLOW"] != nil {
            let hugePaper = #"{"type":"session.create","paper":{"questions":[],"blob":""# + String(repeating: "y", count: 10 << 20)
                + #""},"file_name":"big.json","command_id":"ten-mb-paper"}"#
            try Self.checkSubmit(w, "ten-megabyte-paper", Data((hugePaper + "\n").utf8), timeout: 600)
        }
        let noNewline = #"{"type":"session.access","session_id":"\#(w.session)","command_id":"last-line"}"#
        try Self.checkSubmit(w, "no-final-newline", Data(noNewline.utf8))
        try Self.checkSubmit(w, "nul-bytes", Data([0, 0, 0, 0x0A, 0x7B, 0, 0x7D, 0x0A]))
        total += 5
        #expect(total >= 300)
        try w.box.ok("verify")
    }

    // MARK: - paper files

    @discardableResult
    static func checkPaper(_ w: World, _ name: String, _ contents: Data, fileName: String = "paper.json",
                           extra: [String] = []) throws -> Int32 {
        let path = w.box.directory.appendingPathComponent("papers/\(name)/\(fileName)")
        try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: path)
        let before = try lastPosition(w.box)
        let run = try w.box.runBounded(["session", "create", "--file", "papers/\(name)/\(fileName)", "--allow-duplicate"] + extra,
                                       as: a, timeout: 60)
        var found = problems(run, perLineReport: false)
        let types = try appendedTypes(w.box, after: before)
        let expected = run.status == 0 && !run.signalled ? ["session.created"] : []
        if types != expected { found.append("appended \(types), expected \(expected)") }
        report("paper", name, contents, found, run, ext: "json")
        return run.status
    }

    @Test func paperFiles() throws {
        let w = try Self.world()
        var r = SeededRandom(seed: Self.seed &+ 1)
        let valid = #"{"paper":{"code":"P/1","subject":"Fuzz","year":2024},"questions":[{"number":1,"text":"One"},{"number":2,"text":"Two"}],"marks":[1,2]}"#
        var statuses: Set<Int32> = []
        for i in 0..<25 {
            statuses.insert(try Self.checkPaper(w, "mutated-\(i)", Self.mutate(valid, &r)))
        }
        #expect(statuses.isSuperset(of: [0, 65]), "the mutations should leave some papers valid and break others: \(statuses)")
        let specials: [(String, Data)] = [
            ("empty", Data()),
            ("bom", Data([0xEF, 0xBB, 0xBF]) + Data(valid.utf8)),
            ("array", Data("[1,2,3]".utf8)),
            ("number", Data("1e400".utf8)),
            ("string", Data("\"paper\"".utf8)),
            ("questions-object", Data(#"{"questions":{"1":"a"}}"#.utf8)),
            ("questions-huge-number", Data(#"{"questions":[1e400,-1e400,123456789012345678901234567890]}"#.utf8)),
            ("duplicate-keys", Data(#"{"questions":[1],"questions":[1,2,3],"paper":{"code":"A"},"paper":{"code":"B"}}"#.utf8)),
            ("nul-in-string", Data(#"{"paper":{"code":"A\u0000B"},"questions":[]}"#.utf8)),
            ("raw-nul", Data(#"{"paper":{"code":"A"# .utf8) + Data([0]) + Data(#"B"},"questions":[]}"#.utf8)),
            ("invalid-utf8", Data(#"{"paper":{"code":""#.utf8) + Data([0xFF, 0xFE]) + Data(#""},"questions":[]}"#.utf8)),
            ("lone-surrogate", Data(#"{"paper":{"code":"\ud800"},"questions":[]}"#.utf8)),
            ("deep-nesting", Data((#"{"questions":[],"x":"# + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}").utf8)),
            ("deep-objects", Data((String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000)).utf8)),
            ("ten-megabytes", Data((#"{"questions":[],"text":""# + String(repeating: "z", count: 10 << 20) + #""}"#).utf8)),
            ("sql-code", Data(#"{"paper":{"code":"'); DROP TABLE events;--","subject":"1 OR 1=1"},"questions":[]}"#.utf8)),
            ("trailing-comma", Data(#"{"questions":[1,2,],}"#.utf8)),
            ("many-questions", Data((#"{"questions":["# + Array(repeating: "{}", count: 100_000).joined(separator: ",") + "]}").utf8)),
        ]
        var special: [String: Int32] = [:]
        for (name, data) in specials {
            special[name] = try Self.checkPaper(w, name, data)
        }
        // Not a paper: refused as invalid input. A paper, however odd its text: imported.
        for name in ["empty", "array", "number", "string", "questions-object", "trailing-comma"] {
            #expect(special[name] == 65, "\(name): exit \(special[name].map(String.init) ?? "?")")
        }
        for name in ["sql-code", "many-questions", "ten-megabytes", "nul-in-string"] {
            #expect(special[name] == 0, "\(name): exit \(special[name].map(String.init) ?? "?")")
        }
        // Over the 16 MiB limit (17 MiB of one string).
        let over = try Self.checkPaper(w, "over-limit", Data((#"{"questions":[],"t":""# + String(repeating: "o", count: 17 << 20) + #""}"#).utf8))
        #expect(over == 65, "a paper over the limit: exit \(over)")
        // Session names that look like paths out of the sandbox or SQL (file names are fuzzed in submit lines).
        for (i, name) in (Self.traversal.filter { !$0.hasSuffix("/") && !$0.hasSuffix("..") } + ["'); DROP TABLE events;--.json"]).enumerated() {
            try Self.checkPaper(w, "name-\(i)", Data(valid.utf8), extra: ["--name", name])
        }
        for (i, name) in ["\u{7}bell", String(repeating: "n", count: 1000), " ", Self.sql[0]].enumerated() {
            try Self.checkPaper(w, "session-name-\(i)", Data(valid.utf8), extra: ["--name", name])
        }
        // A path that climbs out of the sandbox is read, not written, and is not a paper.
        let passwd = try w.box.runBounded(["session", "create", "--file", "../../../../../../etc/passwd"], as: Self.a)
        #expect(Self.problems(passwd, perLineReport: false).isEmpty && passwd.status == 65, "\(passwd)")
        try w.box.ok("verify")
    }

    // MARK: - legacy rows

    @discardableResult
    static func checkLegacy(_ w: World, _ name: String, _ contents: Data, ext: String) throws -> Int {
        let path = w.box.directory.appendingPathComponent("legacy-\(name).\(ext)")
        try contents.write(to: path)
        let before = try lastPosition(w.box)
        let run = try w.box.runBounded(["legacy", "import", path.path, "--json"], as: Sandbox.ops, timeout: 60)
        let rows = (try? JSONSerialization.jsonObject(with: run.stdout)) as? [[String: Any]]
        var found = problems(run, perLineReport: rows != nil)
        let imported = rows?.filter { $0["result"] as? String == "imported" }.count ?? 0
        let types = try appendedTypes(w.box, after: before)
        if types != Array(repeating: "session.created", count: imported) { found.append("appended \(types) for \(imported) imported rows") }
        if let rows {
            let skipped = rows.contains { $0["result"] as? String == "skipped" }
            if run.status != (skipped ? 65 : 0) { found.append("exit \(run.status) with\(skipped ? "" : "out") skipped rows") }
        } else if run.status == 0 {
            found.append("exit 0 without a report")
        }
        report("legacy", name, contents, found, run, ext: ext)
        return imported
    }

    @Test func legacyRows() throws {
        let w = try Self.world()
        var r = SeededRandom(seed: Self.seed &+ 2)
        let header = "id,created_by,status,json_hash,file_name,created_at,updated_at,last_accessed_at,metadata"
        var imported = 0
        let goodRow = #"row-ID,,in_progress,,old-ID.json,2025-01-10 09:00:00+00,2025-01-10T09:00:00Z,,"{""name"":""Old ID""}""#
        for i in 0..<15 {
            let rows = (0..<3).map { j in goodRow.replacingOccurrences(of: "ID", with: "\(i)-\(j)") }
            let text = ([header] + rows).joined(separator: "\n") + "\n"
            imported += try Self.checkLegacy(w, "csv-\(i)", Self.mutate(text, &r), ext: "csv")
        }
        let goodJSON = #"[{"id":"j-ID","created_by":null,"status":"completed","file_name":"j.json","metadata":{"question_count":3},"created_at":"2025-02-01T10:00:00.5Z"}]"#
        for i in 0..<10 {
            try Self.checkLegacy(w, "json-\(i)", Self.mutate(goodJSON.replacingOccurrences(of: "ID", with: "\(i)"), &r), ext: "json")
        }
        let specials: [(String, String, String)] = [
            ("sql-id", "csv", "\(header)\n\"'); DROP TABLE events;--\",,in_progress,,x.json\n"),
            ("traversal-id", "csv", "\(header)\n../../etc/passwd,,in_progress,,../../etc/passwd\n"),
            ("unterminated-quote", "csv", "\(header)\n\"open,,in_progress,,x.json\n"),
            ("duplicate-header", "csv", "id,id,file_name,file_name\na,b,c,d\n"),
            ("duplicate-ids", "csv", "\(header)\ndup-1,,in_progress,,a.json\ndup-1,,completed,,b.json\n"),
            ("unknown-owner", "csv", "\(header)\nowned-1,00000000-0000-4000-8000-000000000000,in_progress,,a.json\n"),
            ("bad-dates", "csv", "\(header)\nd-1,,in_progress,,a.json,yesterday,-1,99999-99-99T99:99:99Z\n"),
            ("huge-count", "json", #"[{"id":"h-1","file_name":"h.json","metadata":{"question_count":1e400}}]"#),
            ("deep-metadata", "json", #"[{"id":"deep-1","file_name":"d.json","metadata":"# + String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000) + "}]"),
            ("metadata-string-deep", "csv", "\(header)\nds-1,,in_progress,,a.json,,,,\"" + String(repeating: "[", count: 10_000) + "\"\n"),
            ("nul", "csv", "\(header)\nn\u{0}1,,in_progress,,a\u{0}.json\n"),
            ("duplicate-keys", "json", #"[{"id":"k-1","id":"k-2","file_name":"k.json","file_name":"../../etc/passwd"}]"#),
            ("not-rows", "json", #"[1,"two",null,[],{}]"#),
            ("object", "json", #"{"id":"x","file_name":"y"}"#),
            ("empty", "csv", ""),
            ("header-only", "csv", header + "\n"),
            ("many-rows", "csv", ([header] + (0..<2000).map { "many-\($0),,in_progress,,m\($0).json" }).joined(separator: "\n")),
        ]
        var special: [String: Int] = [:]
        for (name, ext, text) in specials {
            special[name] = try Self.checkLegacy(w, name, Data(text.utf8), ext: ext)
        }
        try Self.checkLegacy(w, "invalid-utf8", Data("\(header)\nu-1,,in_progress,,".utf8) + Data([0xFF, 0xFE, 0x2E]) + Data("json\n".utf8), ext: "csv")
        // What the rows hold decides what is imported: every one of 2,000 good rows, one of two with the same id,
        // none of a header alone or of a file cut inside a quoted field.
        #expect(special["many-rows"] == 2000 && special["duplicate-ids"] == 1, "\(special)")
        #expect(special["header-only"] == 0 && special["unterminated-quote"] == 0 && special["not-rows"] == 0, "\(special)")
        #expect(imported > 0, "some mutated rows should still import")
        try w.box.ok("verify")
    }

    // MARK: - command-line arguments

    @discardableResult
    static func checkArguments(_ w: World, _ name: String, _ arguments: [String], user: String?) throws -> Int32 {
        let before = try lastPosition(w.box)
        let run = try w.box.runBounded(arguments, as: user, timeout: 30)
        var found = problems(run, perLineReport: arguments.first == "submit" || arguments.starts(with: ["legacy", "import"]))
        let storage = run.status == 1 && (run.stderr.contains("database") || run.stderr.contains("quire.sqlite")
                                          || arguments.contains("--db") || arguments.first == "verify")
        if run.status == 1 && storage { found.removeAll { $0.hasPrefix("exit 1 ") } }
        let types = try appendedTypes(w.box, after: before)
        if run.status != 0 && !types.allSatisfy({ $0 == "access.denied" }) { found.append("a refused command appended \(types)") }
        let data = (try? JSONSerialization.data(withJSONObject: arguments + (user.map { ["--as", $0] } ?? []))) ?? Data()
        report("args", name, data, found, run, ext: "json")
        return run.status
    }

    @Test func commandLineArguments() throws {
        let w = try Self.world()
        var r = SeededRandom(seed: Self.seed &+ 3)
        let commands: [[String]] = [
            ["session", "show"], ["session", "update"], ["session", "complete"], ["session", "delete"], ["session", "list"],
            ["session", "create"], ["session", "resume"], ["history"], ["audit"], ["replay"], ["explain"], ["monitor"],
            ["user", "add"], ["user", "role"], ["user", "deactivate"], ["user", "list"], ["verify"], ["rebuild"],
            ["session"], ["user"], ["legacy"], ["frobnicate"], [],
        ]
        let flags = ["--progress", "--step", "--questions-imported", "--meta", "--expect-version", "--command-id", "--reason",
                     "--name", "--file", "--limit", "--before", "--after", "--since", "--until", "--type", "--actor", "--session",
                     "--format", "--until-position", "--until-time", "--view", "--stale-hours", "--role", "--id", "--json",
                     "--allow-duplicate", "--denied", "--db", "--bogus", "-x", "--"]
        let values = ["0", "-1", "101", "1e400", "99999999999999999999", "NaN", "inf", "", " ", "questions", "sessions", "jsonl",
                      "csv", "24h", "-5d", "2026-13-45T99:00:00Z", "k=v", "=v", "k=", w.session, w.completed, w.theirs, "old-1",
                      "missing", "sub/../quire.sqlite", "quire.sqlite", "not-a-db.txt", "mine.json", "../../etc/passwd",
                      "\u{0}", "\u{7}", String(repeating: "9", count: 400), "ops@x.test", "system"] + Self.sql
        try w.box.write("not-a-db.txt", "this is not a database\n")
        var statuses: Set<Int32> = []
        for i in 0..<60 {
            var args = commands.randomElement(using: &r)!
            for _ in 0..<Int(r.next() % 6) {
                if r.next() % 3 == 0 { args.append(values.randomElement(using: &r)!) } else {
                    let flag = flags.randomElement(using: &r)!
                    args.append(flag)
                    if r.next() % 4 != 0 { args.append(values.randomElement(using: &r)!) }
                }
            }
            // Never point a writing command at a file outside the sandbox.
            if let db = args.firstIndex(of: "--db"), db + 1 < args.count, args[db + 1].contains("..") && !args[db + 1].hasPrefix("sub/") {
                args[db + 1] = "sub/../quire.sqlite"
            }
            let user = [Self.a, Sandbox.ops, "b@x.test", nil, "ghost@x.test"].randomElement(using: &r)!
            statuses.insert(try Self.checkArguments(w, "random-\(i)-seed-\(Self.seed)", args, user: user))
        }
        #expect(statuses.isSuperset(of: [0, 64]) && statuses.count >= 4, "too little variety: \(statuses)")
        try w.box.ok("verify")
    }

    // MARK: - the corpus

    @Test func corpusOfEveryInputThatEverBrokeSomething() throws {
        let files = ((try? FileManager.default.contentsOfDirectory(at: Self.corpus, includingPropertiesForKeys: nil)) ?? [])
            .filter { !$0.lastPathComponent.hasPrefix(".") && $0.lastPathComponent != "README.md" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let w = try Self.world()
        for file in files {
            let name = "corpus-" + file.deletingPathExtension().lastPathComponent
            let data = try Data(contentsOf: file)
            switch file.lastPathComponent.split(separator: "-").first {
            case "submit": try Self.checkSubmit(w, name, data)
            case "paper": try Self.checkPaper(w, name, data)
            case "legacy": try Self.checkLegacy(w, name, data, ext: file.pathExtension)
            case "args":
                var args = (try JSONSerialization.jsonObject(with: data) as? [String]) ?? []
                var user: String?
                if let i = args.lastIndex(of: "--as"), i + 1 < args.count {
                    user = args[i + 1]
                    args.removeSubrange(i...(i + 1))
                }
                try Self.checkArguments(w, name, args, user: user)
            default: Issue.record("\(file.lastPathComponent): a corpus file must start with submit-, paper-, legacy- or args-")
            }
        }
        try w.box.ok("verify")
    }
}
