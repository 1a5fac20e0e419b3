import Foundation
import QuireCore
import QuireTestSupport
import Synchronization
import Testing

/// The quick variant of `tools/crashtest.py`: a `quire submit` writer killed with SIGKILL at a
/// random moment, five times. Every acknowledged command (an `"ok": true` line read before the
/// kill) is in the log, no command is in it twice or half, `verify` passes, and the commands that
/// were in flight, retried with their command ids, are each applied exactly once.
@Suite struct CrashTests {
    let a = "a@x.test"

    @Test func acknowledgedCommandsSurviveSIGKILLAndNothingIsHalfApplied() throws {
        let box = try Sandbox()
        try box.setUp(admins: [a])
        let creates = (1...3).map { i in
            #"{"type":"session.create","file_name":"crash-\#(i).json","paper":{"paper":{"code":"K/\#(i)"},"questions":[1,2,3,4,5,6,7,8,9,10]}}"#
        }
        let sessions = try box.ok(["submit"], as: a, stdin: creates.joined(separator: "\n") + "\n").jsonLines
            .compactMap { ($0["session"] as? [String: Any])?["id"] as? String }
        try #require(sessions.count == 3)

        var random = SeededRandom(seed: 0x5EED_C4A5)
        var acknowledgedTotal = 0
        var sequence = 0
        for trial in 1...5 {
            /// Updates and accesses only, on sessions that stay in progress: every line is valid, so
            /// after the retry below every command must be in the log exactly once.
            func nextLine() -> (id: String, line: String) {
                sequence += 1
                let id = "t\(trial)-\(sequence)"
                let session = sessions[Int(random.next() % 3)]
                if random.next() % 5 == 0 {
                    return (id, #"{"type":"session.access","session_id":"\#(session)","command_id":"\#(id)"}"#)
                }
                let progress = random.next() % 101, imported = random.next() % 11
                return (id, #"{"type":"session.update","session_id":"\#(session)","progress":\#(progress),"questions_imported":\#(imported),"metadata":{"trial":\#(trial)},"command_id":"\#(id)"}"#)
            }

            let writer = try box.start(["submit"], as: a)
            let pid = writer.process.processIdentifier
            let delay = 0.05 + Double(random.next() % 700) / 1000
            let killed = Flag()
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) {
                killed.state.withLock { done in
                    if writer.process.isRunning { kill(pid, SIGKILL) }
                    done = true
                }
            }
            var sent: [(id: String, line: String)] = [], acknowledged: Set<String> = [], answered = 0
            conversation: while sent.count < 5000 {
                let batch = (0..<8).map { _ in nextLine() }
                sent += batch
                do { try writer.send(batch.map(\.line)) } catch { break }  // the pipe broke: the writer is dead
                for _ in batch {
                    guard let line = writer.readLine(), let result = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    else { break conversation }
                    #expect(result["command_id"] as? String == sent[answered].id, "results come in order")
                    answered += 1
                    if result["ok"] as? Bool == true, let id = result["command_id"] as? String { acknowledged.insert(id) }
                    else { Issue.record("trial \(trial): a valid line was refused: \(line)") }
                }
            }
            if !killed.state.withLock({ $0 }) { kill(pid, SIGKILL) }  // never leave it running
            try? writer.input.close()
            writer.process.waitUntilExit()
            #expect(writer.process.terminationReason == .uncaughtSignal && writer.process.terminationStatus == SIGKILL,
                    "trial \(trial): the writer ended with \(writer.process.terminationStatus) instead of SIGKILL")
            acknowledgedTotal += acknowledged.count

            // The next process opens the database without any repair, and the log tells the truth.
            try box.ok("verify")
            let counts = try commandCounts(box)
            for (id, _) in sent {
                let n = counts[id, default: 0]
                if acknowledged.contains(id) { #expect(n == 1, "trial \(trial): acknowledged \(id) has \(n) events") }
                else { #expect(n <= 1, "trial \(trial): \(id) has \(n) events") }
            }

            // A client retries what was in flight, with the same command ids: each is applied once.
            let unanswered = sent[answered...]
            if !unanswered.isEmpty {
                let retry = try box.ok(["submit"], as: a, stdin: unanswered.map(\.line).joined(separator: "\n") + "\n")
                #expect(retry.jsonLines.allSatisfy { $0["ok"] as? Bool == true }, "\(retry)")
                let after = try commandCounts(box)
                for (id, _) in sent { #expect(after[id, default: 0] == 1, "trial \(trial): \(id) has \(after[id, default: 0]) events after the retry") }
            }
        }
        #expect(acknowledgedTotal > 0, "no trial lived long enough to acknowledge anything")
        try box.ok("verify")
    }

    /// command_id → how many events carry it, in one pass over the whole log.
    func commandCounts(_ box: Sandbox) throws -> [String: Int] {
        let run = try box.ok("audit", "--format", "jsonl", "--limit", "1000000", as: Sandbox.ops)
        var counts: [String: Int] = [:]
        for line in run.jsonLines { if let id = line["command_id"] as? String { counts[id, default: 0] += 1 } }
        return counts
    }
}

/// A flag shared with a timer.
final class Flag: Sendable {
    let state = Mutex(false)
}
