import Foundation
import Testing

/// Rows of the old `past_paper_import_sessions` table brought in with `quire legacy import`.
@Suite struct LegacyImportTests {
    let a = "a@x.test", b = "b@x.test"
    let hash = String(repeating: "ab", count: 32)
    let stranger = "9f1c2d3e-0000-4000-8000-00000000dead"

    func csv(owner: String) -> String {
        """
        id,created_by,status,json_hash,file_name,created_at,updated_at,last_accessed_at,metadata
        legacy-1,,in_progress,\(hash),old-physics.json,2025-01-10T09:00:00Z,2025-01-10T10:00:00Z,2025-01-11T08:00:00Z,"{""name"":""Old physics"",""question_count"":12}"
        legacy-2,\(owner),in_progress,,kept-by-a.json,2025-02-01T09:00:00Z,2025-02-01T09:00:00Z,2025-02-01T09:00:00Z,
        legacy-3,\(stranger),completed,,nobodys.json,2025-03-01T09:00:00Z,2025-03-01T09:00:00Z,2025-03-01T09:00:00Z,

        """
    }

    let json = """
        [
          {"id": "legacy-4", "created_by": null, "status": "completed", "json_hash": null, "file_name": "old-chemistry.json",
           "created_at": "2024-06-01T12:00:00Z", "updated_at": "2024-06-02T12:00:00Z", "last_accessed_at": "2024-06-02T12:00:00Z",
           "metadata": {"name": "Old chemistry"}},
          {"id": "legacy-5", "created_by": null, "status": "in_progress", "file_name": "old-biology.json",
           "created_at": "2024-07-01T12:00:00Z", "updated_at": "2024-07-01T12:00:00Z", "last_accessed_at": "2024-07-01T12:00:00Z"}
        ]
        """

    @Test func onlyTheSystemAdminImportsAndAnAdminsAttemptIsAudited() throws {
        let box = try Sandbox()
        let ids = try box.setUp()
        let file = try box.write("old.csv", csv(owner: ids[a]!))
        let before = try box.eventCount()

        let refused = try box.run("legacy", "import", file, as: a)
        #expect(refused.status == 77, "\(refused)")
        #expect(refused.errorLines.count == 1 && refused.stderr.hasPrefix("error: "), "\(refused)")
        let denied = try box.auditRows(denied: true)
        #expect(denied.count == 1, "\(denied)")
        #expect(denied.first?["actor_id"] as? String == ids[a])
        let payload = denied.first?["payload"] as? [String: Any] ?? [:]
        #expect(payload["reason"] as? String == "role")
        #expect(try box.eventCount() == before + 1)  // the access.denied and nothing else
        #expect(try box.sessions(as: a).isEmpty)
    }

    @Test func legacySessionsAreSharedReadOnlyAndImportedOnce() throws {
        let box = try Sandbox()
        let ids = try box.setUp()
        let csvFile = try box.write("old.csv", csv(owner: ids[a]!))
        let jsonFile = try box.write("old.json", json)

        // The unregistered owner's row is reported and skipped; the others are imported.
        let first = try box.run("legacy", "import", csvFile, as: Sandbox.ops)
        #expect(first.status == 65, "\(first)")
        #expect(first.stdout.contains("Imported 2"), "\(first)")
        #expect(first.stderr.contains("legacy-3"), "\(first)")
        let reports = try box.run("legacy", "import", jsonFile, "--json", as: Sandbox.ops)
        #expect(reports.status == 0, "\(reports)")
        #expect(reports.array.map { $0["result"] as? String } == ["imported", "imported"], "\(reports)")

        // Both admins see the owner-less ones; legacy-2 is A's own; legacy-3 is nowhere.
        let listA = try box.sessions(as: a), listB = try box.sessions(as: b)
        #expect(Set(listA.compactMap { $0["id"] as? String }) == ["legacy-1", "legacy-2", "legacy-4", "legacy-5"])
        #expect(Set(listB.compactMap { $0["id"] as? String }) == ["legacy-1", "legacy-4", "legacy-5"])
        let kept = try #require(listA.first { $0["id"] as? String == "legacy-2" })
        #expect(kept["owner_id"] as? String == ids[a])
        #expect(kept["legacy"] as? Bool == false)
        let old = try #require(listB.first { $0["id"] as? String == "legacy-1" })
        #expect(old["legacy"] as? Bool == true)
        #expect(old["name"] as? String == "Old physics")
        #expect(old["json_hash"] as? String == hash)
        #expect(listB.first { $0["id"] as? String == "legacy-4" }?["status"] as? String == "completed")

        // Either admin may open one…
        #expect(try box.ok("session", "show", "legacy-1", "--json", as: a).object["id"] as? String == "legacy-1")
        #expect(try box.ok("session", "show", "legacy-1", "--json", as: b).object["id"] as? String == "legacy-1")
        // …nobody may change one…
        let update = try box.run("session", "update", "legacy-1", "--progress", "10", as: a)
        #expect(update.status == 65 && update.stderr.hasPrefix("error: "), "\(update)")
        let complete = try box.run("session", "complete", "legacy-5", as: b)
        #expect(complete.status == 65 && complete.stderr.hasPrefix("error: "), "\(complete)")
        // …and either may clean one up.
        try box.ok("session", "delete", "legacy-5", "--reason", "abandoned", as: b)
        try box.ok("session", "delete", "legacy-4", as: a)
        #expect(Set(try box.sessions(as: a).compactMap { $0["id"] as? String }) == ["legacy-1", "legacy-2"])
        #expect(Set(try box.sessions(as: b).compactMap { $0["id"] as? String }) == ["legacy-1"])
        // A's own imported session is a normal one: A can work on it.
        try box.ok("session", "update", "legacy-2", "--progress", "50", as: a)

        // The same files again import nothing new, and do not bring a deleted row back.
        let count = try box.eventCount()
        let again = try box.run("legacy", "import", csvFile, "--json", as: Sandbox.ops)
        #expect(again.status == 65, "\(again)")  // legacy-3 is still skipped
        #expect(again.array.map { $0["result"] as? String } == ["already_imported", "already_imported", "skipped"], "\(again)")
        let againJSON = try box.run("legacy", "import", jsonFile, as: Sandbox.ops)
        #expect(againJSON.status == 0, "\(againJSON)")
        #expect(againJSON.stdout.contains("Imported 0"), "\(againJSON)")
        #expect(try box.eventCount() == count)
        #expect(Set(try box.sessions(as: b).compactMap { $0["id"] as? String }) == ["legacy-1"])
    }
}
