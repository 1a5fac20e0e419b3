import Foundation
import Testing

/// "As of time T" must have one answer: `recorded_at` never decreases in position order, even
/// with several writers, and a replay to before the first event says so instead of naming a later one.
@Suite("Time travel")
struct TimeTravelTests {
    @Test func recordedAtNeverDecreasesInPositionOrderWithConcurrentWriters() throws {
        let sandbox = try Sandbox()
        try sandbox.setUp(admins: ["a@x.test", "b@x.test", "c@x.test", "d@x.test"])
        // Four processes at once, each creating a session and updating it over and over.
        let writers = ["a@x.test", "b@x.test", "c@x.test", "d@x.test"]
        let failures = LockedList()
        DispatchQueue.concurrentPerform(iterations: writers.count) { i in
            let paper = paperJSON(code: "C\(i)").replacingOccurrences(of: "\n", with: " ")
            var lines = [#"{"type":"session.create","paper":\#(paper),"file_name":"p\#(i).json","command_id":"w\#(i)-create"}"#]
            do {
                let created = try sandbox.run(["submit", "--as", writers[i]], stdin: lines[0] + "\n")
                guard let id = (created.jsonLines.first?["session"] as? [String: Any])?["id"] as? String else {
                    failures.append("create failed: \(created)")
                    return
                }
                lines = (1...40).map { #"{"type":"session.update","session_id":"\#(id)","progress":\#($0)}"# }
                let updated = try sandbox.run(["submit", "--as", writers[i]], stdin: lines.joined(separator: "\n") + "\n")
                if updated.status != 0 { failures.append("updates failed: \(updated)") }
            } catch {
                failures.append("\(error)")
            }
        }
        #expect(failures.items.isEmpty, "\(failures.items)")
        let export = try sandbox.ok("export", as: Sandbox.ops).stdout
        let times = export.split(separator: "\n").compactMap { line -> (Int, String)? in
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let p = o["position"] as? Int, let t = o["recorded_at"] as? String else { return nil }
            return (p, t)
        }
        #expect(times.count >= 4 * 41)
        for (a, b) in zip(times, times.dropFirst()) {
            #expect(a.1 <= b.1, "position \(b.0) (\(b.1)) was recorded before position \(a.0) (\(a.1))")
        }
        try sandbox.ok("verify")
    }

    @Test func aReplayToBeforeTheFirstEventSaysSoAndShowsTheEmptyView() throws {
        let sandbox = try Sandbox()
        try sandbox.setUp()
        let first = try #require(try sandbox.auditRows().last?["recorded_at"] as? String)
        let before = try sandbox.ok("replay", "--until-time", "2020-01-01T09:00:00Z", "--view", "monitor", as: Sandbox.ops)
        #expect(before.stdout.hasPrefix("No event was recorded before 2020-01-01T09:00:00.000Z; the log starts at position 1, recorded \(first)."),
                "\(before)")
        #expect(!before.stdout.contains("As of position"))
        let zero = try sandbox.ok("replay", "--until-position", "0", "--view", "sessions", as: Sandbox.ops)
        #expect(zero.stdout.hasPrefix("No event was recorded at or before position 0; the log starts at position 1"), "\(zero)")
        let json = try sandbox.ok("replay", "--until-position", "0", "--view", "sessions", "--json", as: Sandbox.ops).object
        #expect(json["position"] as? Int == 0)
        #expect(json["as_of"] == nil)
        #expect((json["sessions"] as? [Any])?.isEmpty == true)
    }

    @Test func aReplayOfSomeonesListBeforeTheyWereRegisteredSaysSoInTheirTerms() throws {
        let sandbox = try Sandbox()
        try sandbox.setUp()
        // Position 1 registers ops; a@x.test comes later.
        let result = try sandbox.ok("replay", "--until-position", "1", "--view", "sessions", "--for", "a@x.test", as: Sandbox.ops)
        #expect(result.stdout.hasPrefix("a@x.test was not registered yet as of position 1 ("), "\(result)")
        #expect(!result.stdout.contains("position 0"))
        let mine = try sandbox.ok("replay", "--until-position", "1", "--view", "sessions", as: "a@x.test")
        #expect(mine.stdout.hasPrefix("You were not registered yet as of position 1"), "\(mine)")
    }
}

final class LockedList: @unchecked Sendable {
    // @unchecked: every access holds the lock.
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ item: String) { lock.withLock { stored.append(item) } }
    var items: [String] { lock.withLock { stored } }
}
