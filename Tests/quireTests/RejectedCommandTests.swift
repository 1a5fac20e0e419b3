import Foundation
import Testing

/// Commands quire refuses: a clear one-line message, the documented exit code, and nothing
/// appended to the log.
@Suite struct RejectedCommandTests {
    let a = "a@x.test"

    /// Asserts one `error: …` line on stderr, nothing on stdout, and the exit code.
    func expectRefused(_ result: QuireRun, _ code: Int32, mentioning: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == code, "\(result)", sourceLocation: sourceLocation)
        #expect(result.errorLines.count == 1, "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("error: "), "\(result)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "\(result)", sourceLocation: sourceLocation)
        if let mentioning { #expect(result.stderr.contains(mentioning), "\(result)", sourceLocation: sourceLocation) }
    }

    @Test func creatingWithoutAnActiveUserIsRefusedWithExit67() throws {
        let box = try Sandbox()
        try box.setUp(admins: [a, "c@x.test"])
        let paper = try box.write("p.json", paperJSON(code: "9709/12"))
        try box.ok("user", "deactivate", "c@x.test", "--reason", "left", as: Sandbox.ops)
        let before = try box.eventCount()

        expectRefused(try box.run("session", "create", "--file", paper), 67)
        expectRefused(try box.run("session", "create", "--file", paper, as: "nobody@x.test"), 67, mentioning: "nobody@x.test")
        expectRefused(try box.run("session", "create", "--file", paper, as: "c@x.test"), 67, mentioning: "c@x.test")
        // An empty QUIRE_USER is no user either.
        expectRefused(try box.run("session", "create", "--file", paper, env: ["QUIRE_USER": ""]), 67)
        #expect(try box.eventCount() == before)

        // The deactivated user's existence does not make them able to list either.
        expectRefused(try box.run("session", "list", as: "c@x.test"), 67)
        // QUIRE_USER names the actor when --as is absent.
        try box.ok("session", "create", "--file", paper, env: ["QUIRE_USER": a])
        #expect(try box.eventCount() == before + 1)
    }

    @Test func badInputIsRefusedWithOneLineAndNoEvent() throws {
        let box = try Sandbox()
        try box.setUp()
        let session = try box.createSession(try box.write("good.json", paperJSON(code: "9709/12")), as: a)
        let before = try box.eventCount()

        let malformed = try box.write("broken.json", #"{"paper": {"code": "9709/12"}, "questions": [1, 2"#)
        expectRefused(try box.run("session", "create", "--file", malformed, as: a), 65, mentioning: "broken.json")
        let array = try box.write("array.json", #"[{"code": "9709/12"}]"#)
        expectRefused(try box.run("session", "create", "--file", array, as: a), 65, mentioning: "array.json")
        let big = try box.write("big.json", paperJSON(code: "9709/12", questions: 60))
        #expect(try Data(contentsOf: URL(fileURLWithPath: big)).count > 1000)
        expectRefused(try box.run("session", "create", "--file", big, as: a, env: ["QUIRE_MAX_PAPER_BYTES": "1000"]), 65,
                      mentioning: "big.json")
        expectRefused(try box.run("session", "create", "--file", box.directory.appendingPathComponent("absent.json").path, as: a), 65,
                      mentioning: "absent.json")
        expectRefused(try box.run("session", "update", session, "--progress", "101", as: a), 65, mentioning: "101")
        expectRefused(try box.run("session", "update", session, "--step", "bogus", as: a), 65, mentioning: "bogus")
        expectRefused(try box.run("session", "show", "no-such-session", as: a), 66, mentioning: "no-such-session")
        expectRefused(try box.run("session", "update", "no-such-session", "--progress", "5", as: a), 66)
        #expect(try box.eventCount() == before)

        // submit: a wrong-typed field.
        let typed = try box.run("submit", as: a,
                                stdin: #"{"type":"session.update","session_id":"\#(session)","progress":"ten","command_id":"t-1"}"# + "\n")
        #expect(typed.status == 65, "\(typed)")
        let typedLine = try #require(typed.jsonLines.first)
        #expect(typed.jsonLines.count == 1)
        #expect(typedLine["ok"] as? Bool == false)
        let typedError = typedLine["error"] as? [String: Any] ?? [:]
        #expect(typedError["exit_code"] as? Int == 65, "\(typed)")
        #expect((typedError["message"] as? String ?? "").contains("progress"), "\(typed)")

        // submit: a line that is not JSON at all.
        let garbage = try box.run("submit", as: a, stdin: "this is not json\n")
        #expect(garbage.status == 65, "\(garbage)")
        let garbageLine = try #require(garbage.jsonLines.first)
        #expect(garbage.jsonLines.count == 1)
        #expect(garbageLine["ok"] as? Bool == false)
        let garbageError = garbageLine["error"] as? [String: Any] ?? [:]
        #expect(garbageError["exit_code"] as? Int == 65, "\(garbage)")
        #expect((garbageError["message"] as? String ?? "").contains("Line 1"), "\(garbage)")

        #expect(try box.eventCount() == before)
        let unchanged = try #require(try box.sessions(as: a).first { $0["id"] as? String == session })
        #expect(unchanged["version"] as? Int == 1 && unchanged["progress"] as? Int == 0 && unchanged["step"] as? String == "upload")

        // The big file is fine under the default limit: it was the limit that refused it.
        try box.createSession(big, as: a)
    }
}
