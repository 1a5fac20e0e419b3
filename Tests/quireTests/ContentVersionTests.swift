import Foundation
import Testing

/// `--expect-version` compares the session's content version: showing or resuming it in between
/// does not make the number stale.
@Suite("Content versions in the CLI")
struct ContentVersionCLITests {
    @Test func showingASessionDoesNotInvalidateExpectVersion() throws {
        let sandbox = try Sandbox()
        try sandbox.setUp()
        let paper = try sandbox.write("p.json", paperJSON(code: "9709/12"))
        let id = try sandbox.createSession(paper, as: "a@x.test")
        try sandbox.ok("session", "show", id, as: "a@x.test")
        try sandbox.ok("session", "resume", as: "a@x.test")
        let shown = try sandbox.ok("session", "show", id, "--json", as: "a@x.test").object
        #expect(shown["content_version"] as? Int == 1)
        #expect(shown["version"] as? Int == 4)
        let updated = try sandbox.ok("session", "update", id, "--progress", "30", "--expect-version", "1", "--json", as: "a@x.test").object
        #expect(updated["content_version"] as? Int == 2)
        let stale = try sandbox.run("session", "update", id, "--progress", "40", "--expect-version", "1", as: "a@x.test")
        #expect(stale.status == 75)
        #expect(stale.errorLines.count == 1)
        #expect(stale.stderr.contains("was changed by a@x.test") && stale.stderr.contains("since your version 1"), "\(stale)")
    }
}
