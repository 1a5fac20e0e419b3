import Foundation
import Testing

/// `quire submit` decides the lines already waiting together, in one transaction with a savepoint
/// each: what each line is answered, and what the log holds, is exactly what one transaction per
/// line gives.
@Suite("Group commit in submit")
struct GroupCommitSubmitTests {
    func script(_ paper: String) -> String {
        [
            #"{"type":"session.create","paper":\#(paper),"file_name":"a.json","command_id":"c1"}"#,
            #"{"type":"session.create","paper":\#(paper),"file_name":"a.json","command_id":"c2"}"#,  // duplicate: refused
            #"{"type":"session.update","session_id":"nope-nope","progress":5,"command_id":"c3"}"#,   // not found
            "this is not json",
            #"{"type":"session.create","paper":\#(paper),"file_name":"b.json","allow_duplicate":true,"command_id":"c4"}"#,
            #"{"type":"session.create","paper":\#(paper),"file_name":"a.json","command_id":"c1"}"#,  // replayed
        ].joined(separator: "\n") + "\n"
    }

    @Test func aBatchAnswersEveryLineInOrderAsOneTransactionPerLineWould() throws {
        let paper = paperJSON(code: "9709/12").replacingOccurrences(of: "\n", with: " ")
        var answers: [[String]] = []
        var logs: [[String]] = []
        for flags in [[], ["--no-group-commit"]] {
            let sandbox = try Sandbox()
            try sandbox.setUp()
            let file = try sandbox.write("lines.jsonl", script(paper))
            let run = try sandbox.run(["submit", file] + flags, as: "a@x.test")
            #expect(run.status == 65, "\(run)")  // the first failure's code: the duplicate
            let lines = run.jsonLines
            #expect(lines.count == 6)
            answers.append(lines.map { line in
                let ok = line["ok"] as? Bool == true
                let code = (line["error"] as? [String: Any])?["code"] as? String ?? ""
                return "\(line["command_id"] as? String ?? "-") \(ok ? "ok" : code)\(line["replayed"] as? Bool == true ? " replayed" : "")"
            })
            logs.append(try sandbox.auditRows().reversed().map { "\($0["type"] as? String ?? "") \($0["command_id"] as? String ?? "")" }
                .filter { !$0.hasPrefix("user.") })
            try sandbox.ok("verify")
        }
        #expect(answers[0] == ["c1 ok", "c2 duplicate", "c3 not_found", "- invalid_input", "c4 ok", "c1 ok replayed"])
        #expect(answers[0] == answers[1])
        #expect(logs[0] == ["session.created c1", "session.created c4"])
        #expect(logs[0] == logs[1])
    }
}
