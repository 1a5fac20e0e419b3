import Foundation
import Synchronization
import Testing

/// `quire submit`: JSON command lines in, one result line each out; idempotent by `command_id`;
/// safe with several processes writing one database at once.
@Suite struct SubmitTests {
    let a = "a@x.test"

    func line(_ fields: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
    }

    /// JSON text with sorted keys, to compare two decoded values.
    func canonical(_ value: Any) throws -> String { try line(value as? [String: Any] ?? [:]) }

    @Test func oneResultLinePerCommandInOrderAndFailuresDoNotStopLaterLines() throws {
        let box = try Sandbox()
        try box.setUp()
        let session = try box.createSession(try box.write("p.json", paperJSON(code: "9709/12", questions: 5)), as: a)
        let before = try box.eventCount()
        let input = [
            try line(["type": "session.update", "session_id": session, "progress": 40, "step": "structure", "command_id": "c-1"]),
            try line(["type": "session.update", "session_id": "no-such-session", "progress": 50, "command_id": "c-2"]),
            "",  // blank lines are skipped
            try line(["type": "session.update", "session_id": session, "questions_imported": 2, "metadata": ["board": "CAIE"],
                      "command_id": "c-3"]),
            try line(["type": "session.complete", "session_id": session, "progress": 100, "command_id": "c-4"]),  // unknown field
            try line(["type": "session.create", "paper": ["paper": ["code": "9702/22"], "questions": [1, 2]], "file_name": "inline.json",
                      "command_id": "c-5"]),
            try line(["type": "session.complete", "session_id": session]),
        ].joined(separator: "\n") + "\n"
        let result = try box.run("submit", as: a, stdin: input)
        #expect(result.status == 66, "exit code = the first failure's\n\(result)")
        let lines = result.jsonLines
        try #require(lines.count == 6, "\(result)")
        #expect(lines.map { $0["ok"] as? Bool } == [true, false, true, false, true, true])
        #expect(lines.map { $0["command_id"] as? String }.prefix(3) == ["c-1", "c-2", "c-3"])
        #expect(lines[4]["command_id"] as? String == "c-5")
        // A line that is valid JSON but not a valid command still names its command_id, so a client can match it.
        #expect(lines[3]["command_id"] as? String == "c-4", "\(result)")
        #expect(!((lines[5]["command_id"] as? String) ?? "").isEmpty, "a generated command id is reported")

        let s1 = lines[0]["session"] as? [String: Any] ?? [:]
        #expect(s1["id"] as? String == session && s1["progress"] as? Int == 40 && s1["step"] as? String == "structure")
        #expect(s1["version"] as? Int == 2)
        #expect((lines[1]["error"] as? [String: Any])?["exit_code"] as? Int == 66)
        #expect((lines[1]["error"] as? [String: Any])?["code"] as? String == "not_found")
        let s3 = lines[2]["session"] as? [String: Any] ?? [:]
        #expect(s3["questions_imported"] as? Int == 2 && (s3["metadata"] as? [String: Any])?["board"] as? String == "CAIE")
        #expect((lines[3]["error"] as? [String: Any])?["exit_code"] as? Int == 65)
        let created = lines[4]["session"] as? [String: Any] ?? [:]
        #expect(created["file_name"] as? String == "inline.json" && created["question_count"] as? Int == 2)
        #expect(created["owner_email"] as? String == a)
        let completed = lines[5]["session"] as? [String: Any] ?? [:]
        #expect(completed["status"] as? String == "completed" && completed["questions_imported"] as? Int == 2)
        #expect(try box.eventCount() == before + 4)

        // The same line again: the first result, nothing appended.
        let count = try box.eventCount()
        let replay = try box.run("submit", as: a, stdin: input.split(separator: "\n").first.map { String($0) + "\n" })
        #expect(replay.status == 0, "\(replay)")
        let replayed = try #require(replay.jsonLines.first)
        #expect(replayed["ok"] as? Bool == true && replayed["command_id"] as? String == "c-1")
        #expect(try canonical(replayed["session"] ?? [:]) == canonical(s1),
                "the first result, not the session as it is now:\n\(replay)")
        #expect(try box.eventCount() == count)

        // The same command_id for a different command is refused.
        let reused = try box.run("submit", as: a, stdin: try line(["type": "session.update", "session_id": session, "progress": 60,
                                                                   "command_id": "c-1"]) + "\n")
        #expect(reused.status == 65, "\(reused)")
        let reusedLine = try #require(reused.jsonLines.first)
        #expect(reusedLine["ok"] as? Bool == false && reusedLine["command_id"] as? String == "c-1")
        #expect((reusedLine["error"] as? [String: Any])?["exit_code"] as? Int == 65)
        #expect(try box.eventCount() == count)
    }

    @Test func submitReadsAFileArgumentToo() throws {
        let box = try Sandbox()
        try box.setUp()
        let paper = try box.write("paper.json", paperJSON(code: "9709/12"))
        let commands = try box.write("commands.jsonl", try line(["type": "session.create", "file": paper, "name": "From a file"]) + "\n")
        let result = try box.ok("submit", commands, as: a)
        let session = try #require(result.jsonLines.first?["session"] as? [String: Any])
        #expect(session["name"] as? String == "From a file" && session["file_name"] as? String == "paper.json")
    }

    @Test(.timeLimit(.minutes(2)))
    func concurrentSubmitProcessesLoseNothingAndKeepOwnershipApart() throws {
        let box = try Sandbox()
        let workers = (1...4).map { "w\($0)@x.test" }
        try box.setUp(admins: workers)
        let before = try box.eventCount()
        let sessionsEach = 5  // each: create, three updates, complete = 25 lines

        let processes = try workers.map { try box.start(["submit"], as: $0) }
        let outputs = Locked<[String: (lines: [String], ids: [String])]>([:])  // worker → result lines, session ids
        let done = DispatchGroup(), go = DispatchSemaphore(value: 0)
        // A hung process must fail the test, not hang it.
        DispatchQueue.global().asyncAfter(deadline: .now() + 90) {
            for p in processes where p.process.isRunning { p.process.terminate() }
        }
        for (worker, process) in zip(workers, processes) {
            done.enter()
            let tag = String(worker.prefix { $0 != "@" })  // command ids take no '@'
            // Real threads, not tasks: each blocks on its own pipe while the others keep writing.
            let thread = Thread {
                defer { done.leave() }
                go.wait()
                var lines: [String] = []
                var ids: [String] = []
                do {
                    try process.send(try (0..<sessionsEach).map { i in
                        try line(["type": "session.create", "file_name": "\(worker)-\(i).json", "command_id": "\(tag)-create-\(i)",
                                  "paper": ["paper": ["code": "\(worker)/\(i)"], "questions": [1, 2, 3, 4]]])
                    })
                    for _ in 0..<sessionsEach {
                        guard let text = process.readLine() else { break }
                        lines.append(text)
                        let result = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
                        if let id = (result?["session"] as? [String: Any])?["id"] as? String { ids.append(id) }
                    }
                    var rest: [String] = []
                    for id in ids {
                        rest.append(try line(["type": "session.update", "session_id": id, "step": "structure", "progress": 30]))
                        rest.append(try line(["type": "session.update", "session_id": id, "step": "questions", "progress": 70,
                                              "questions_imported": 3]))
                        rest.append(try line(["type": "session.update", "session_id": id, "progress": 100, "questions_imported": 4,
                                              "metadata": ["by": worker]]))
                        rest.append(try line(["type": "session.complete", "session_id": id]))
                    }
                    try process.send(rest)
                    let finished = try process.finish()
                    lines += finished.rest
                    if finished.status != 0 { lines.append("exit \(finished.status): \(finished.stderr)") }
                } catch {
                    lines.append("thrown: \(error)")
                }
                outputs.withLock { $0[worker] = (lines, ids) }
            }
            thread.start()
        }
        for _ in workers { go.signal() }
        done.wait()

        let all = outputs.withLock { $0 }
        let allCreated = all.mapValues(\.ids)
        var okLines = 0
        for worker in workers {
            let lines = (all[worker]?.lines ?? []).map { text in
                (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? ["unparsable": text]
            }
            #expect(lines.count == sessionsEach * 5, "\(worker): \(lines)")
            let failures = lines.filter { $0["ok"] as? Bool != true }
            #expect(failures.isEmpty, "\(worker): \(failures)")
            okLines += lines.count - failures.count
            #expect((allCreated[worker] ?? []).count == sessionsEach)
        }

        // Each user's sessions are exactly theirs, and all completed.
        for worker in workers {
            let listed = try box.sessions(as: worker)
            #expect(Set(listed.compactMap { $0["id"] as? String }) == Set(allCreated[worker] ?? []), "\(worker)")
            #expect(listed.allSatisfy { $0["owner_email"] as? String == worker && $0["status"] as? String == "completed" })
            #expect(listed.allSatisfy { $0["version"] as? Int == 5 && $0["questions_imported"] as? Int == 4 })
        }
        // One event per successful command, none lost, none duplicated.
        let rows = try box.auditRows()
        #expect(rows.count == before + okLines)
        #expect(Set(rows.compactMap { $0["position"] as? Int }) == Set(1...(before + okLines)))
        let verify = try box.run("verify")
        #expect(verify.status == 0, "\(verify)")
    }
}

/// A value shared between threads, behind a lock.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
