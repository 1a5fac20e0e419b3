import Foundation
import QuireCore
import QuireTestSupport
import Synchronization
import Testing

/// Many processes on one database file at once: 8 `quire submit` writers aimed at the same few
/// sessions (some updates naming an `expected_version`, so conflicts happen) and 4 readers
/// looping `session list` and `audit`. Afterwards every session is the fold of its events, the
/// log holds exactly the successful commands' events, every conflict was reported as such, and
/// nobody ever saw SQLITE_BUSY or "database is locked".
@Suite struct StressTests {
    static let users = ["a@x.test", "b@x.test"]
    static let writersPerUser = 4, commandsPerWriter = 25, readers = 4
    /// The run stops starting new commands after this long, so the test stays bounded.
    static let budget: TimeInterval = 10

    /// What one writer sent and got back.
    struct WriterLog: Sendable {
        var results: [(sentExpectedVersion: Bool, result: [String: String])] = []
        var okSessions: [String] = []
        var status: Int32 = 0
        var stderr = ""
        var problems: [String] = []
    }

    final class Shared: Sendable {
        let writers = Mutex<[Int: WriterLog]>([:])
        let readerProblems = Mutex<[String]>([])
        let readerRuns = Mutex(0)
        let writersDone = Mutex(0)
    }

    static func busy(_ text: String) -> Bool {
        text.contains("SQLITE_BUSY") || text.localizedCaseInsensitiveContains("database is locked")
    }

    @Test func eightWritersAndFourReadersOnOneDatabase() throws {
        let box = try Sandbox()
        try box.setUp(admins: Self.users)
        var sessions: [String: [String]] = [:]
        for (u, user) in Self.users.enumerated() {
            let creates = (1...2).map { i in
                #"{"type":"session.create","file_name":"s\#(u)-\#(i).json","paper":{"paper":{"code":"S/\#(u)/\#(i)"},"questions":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}}"#
            }
            sessions[user] = try box.ok(["submit"], as: user, stdin: creates.joined(separator: "\n") + "\n").jsonLines
                .compactMap { ($0["session"] as? [String: Any])?["id"] as? String }
            try #require(sessions[user]?.count == 2)
        }
        let baseline = try #require(try box.auditRows().first?["position"] as? Int)
        let shared = Shared()
        let deadline = Date().addingTimeInterval(Self.budget)
        let writerCount = Self.users.count * Self.writersPerUser
        let group = DispatchGroup()

        for w in 0..<writerCount {
            let user = Self.users[w % Self.users.count]
            let targets = sessions[user]!
            group.enter()
            Thread {
                defer { group.leave() }
                var log = WriterLog()
                var random = SeededRandom(seed: UInt64(1000 + w))
                var seen: [String: Int] = Dictionary(uniqueKeysWithValues: targets.map { ($0, 1) })
                do {
                    let writer = try box.start(["submit"], as: user)
                    for n in 0..<Self.commandsPerWriter where Date() < deadline {
                        let session = targets[Int(random.next() % UInt64(targets.count))]
                        var fields = #""type":"session.update","session_id":"\#(session)","progress":\#(random.next() % 101),"questions_imported":\#(random.next() % 21),"metadata":{"w\#(w)":\#(n),"last":"w\#(w)-\#(n)"},"command_id":"w\#(w)-\#(n)""#
                        // Every third update names the version this writer last saw (often stale by
                        // now); every tenth names version 1, which is always stale.
                        let expected: Int? = n % 10 == 9 ? 1 : n % 3 == 2 ? seen[session] : nil
                        if let expected { fields += #","expected_version":\#(expected)"# }
                        try writer.send(["{" + fields + "}"])
                        guard let line = writer.readLine() else { log.problems.append("w\(w): no result for command \(n)"); break }
                        if Self.busy(line) { log.problems.append("w\(w): \(line)") }
                        let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
                        var flat: [String: String] = ["ok": "\(object["ok"] as? Bool ?? false)", "command_id": object["command_id"] as? String ?? ""]
                        if let error = object["error"] as? [String: Any] {
                            flat["code"] = error["code"] as? String
                            flat["exit_code"] = (error["exit_code"] as? Int).map(String.init)
                            flat["message"] = error["message"] as? String
                        }
                        if let s = object["session"] as? [String: Any], let v = s["version"] as? Int, let id = s["id"] as? String {
                            seen[id] = v
                            log.okSessions.append(id)
                        }
                        log.results.append((expected != nil, flat))
                    }
                    let end = try writer.finish()
                    log.status = end.status
                    log.stderr = end.stderr
                    if !end.rest.isEmpty { log.problems.append("w\(w): unexpected lines \(end.rest)") }
                } catch {
                    log.problems.append("w\(w): \(error)")
                }
                shared.writers.withLock { $0[w] = log }
                shared.writersDone.withLock { $0 += 1 }
            }.start()
        }
        for r in 0..<Self.readers {
            group.enter()
            Thread {
                defer { group.leave() }
                var i = 0
                while shared.writersDone.withLock({ $0 }) < writerCount {
                    i += 1
                    let user = Self.users[(r + i) % Self.users.count]
                    let args: ([String], String) = i % 2 == 0 ? (["session", "list", "--json"], user)
                                                              : (["audit", "--json", "--limit", "20"], Sandbox.ops)
                    do {
                        let run = try box.run(args.0, as: args.1)
                        shared.readerRuns.withLock { $0 += 1 }
                        if run.status != 0 || Self.busy(run.stdout + run.stderr) || run.json == nil {
                            shared.readerProblems.withLock { $0.append("\(run)") }
                        }
                    } catch {
                        shared.readerProblems.withLock { $0.append("r\(r): \(error)") }
                    }
                }
            }.start()
        }
        group.wait()

        let logs = shared.writers.withLock { $0 }
        #expect(logs.count == writerCount)
        #expect(shared.readerProblems.withLock { $0 }.isEmpty, "\(shared.readerProblems.withLock { $0 })")
        #expect(shared.readerRuns.withLock { $0 } >= Self.readers, "the readers ran alongside the writers")
        var succeeded = 0, conflicts = 0
        for (w, log) in logs.sorted(by: { $0.key < $1.key }) {
            #expect(log.problems.isEmpty, "\(log.problems)")
            #expect(!Self.busy(log.stderr), "w\(w): \(log.stderr)")
            for (namedVersion, result) in log.results {
                if result["ok"] == "true" { succeeded += 1; continue }
                // The only refusal these commands can get is a conflict on a named version.
                #expect(result["code"] == "conflict" && result["exit_code"] == "75" && namedVersion, "w\(w): \(result)")
                if result["code"] == "conflict" { conflicts += 1 }
            }
            let refused = log.results.contains { $0.result["ok"] != "true" }
            #expect(log.status == (refused ? 75 : 0), "w\(w) exited \(log.status)")
        }
        #expect(conflicts > 0, "no conflict happened; the test did not test anything")
        #expect(succeeded > 0)

        // The log holds exactly the successful commands' events, each once.
        let rows = try box.auditRows()
        let appended = rows.filter { ($0["position"] as? Int ?? 0) > baseline }
        #expect(appended.count == succeeded, "\(appended.count) events for \(succeeded) successful commands")
        #expect(appended.allSatisfy { $0["type"] as? String == "session.updated" })
        let okIDs = Set(logs.values.flatMap { $0.results.filter { $0.result["ok"] == "true" }.compactMap { $0.result["command_id"] } })
        #expect(Set(appended.compactMap { $0["command_id"] as? String }) == okIDs)

        // Each session is the fold of its events: the projection, and history's last state.
        for user in Self.users {
            let listed = try box.sessions(as: user)
            for id in sessions[user]! {
                let events = rows.filter { $0["stream"] as? String == "session-\(id)" }
                    .sorted { ($0["position"] as? Int ?? 0) < ($1["position"] as? Int ?? 0) }
                var progress = 0, imported = 0
                var metadata: [String: String] = [:]
                for event in events where event["type"] as? String == "session.updated" {
                    let p = event["payload"] as? [String: Any] ?? [:]
                    if let v = p["progress"] as? Int { progress = v }
                    if let v = p["questions_imported"] as? Int { imported = v }
                    for (k, v) in p["metadata"] as? [String: Any] ?? [:] { metadata[k] = "\(v)" }
                }
                let view = try #require(listed.first { $0["id"] as? String == id })
                #expect(view["version"] as? Int == events.count, "\(id)")
                #expect(view["progress"] as? Int == progress, "\(id)")
                #expect(view["questions_imported"] as? Int == imported, "\(id)")
                let shown = (view["metadata"] as? [String: Any] ?? [:]).mapValues { "\($0)" }
                #expect(shown == metadata, "\(id)")
                let history = try box.ok("history", id, "--json", as: user).array
                let last = try #require(history.last?["state"] as? [String: Any])
                #expect(last["version"] as? Int == events.count && last["progress"] as? Int == progress
                        && last["questions_imported"] as? Int == imported, "\(id): \(last)")
            }
        }
        try box.ok("verify")
    }
}
