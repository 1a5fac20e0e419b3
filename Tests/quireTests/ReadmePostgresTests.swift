import Foundation
import QuireTestSupport
import Testing

/// The README's "Running on PostgreSQL", step by step on a local server (issue 13's done-when): the
/// block runs as written — with the test server's URL and a fresh schema in place of its first line
/// and of the schema name `school` — and `psql`, as `authenticated` with Alice's claims, shows
/// exactly Alice's session list (her session and the legacy ones, not Bob's) and refuses the UPDATE.
@Suite("README: Running on PostgreSQL", .enabled(if: PostgresTestServer.url != nil))
struct ReadmePostgresTests {
    static let alice = "0e4a5c44-2222-4d0a-9d7e-000000000002"

    /// The `sh` block after "**Step by step on a local server**".
    static func script() throws -> String {
        let readme = try String(contentsOf: QuireBinary.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "**Step by step on a local server**"), "the README lost its PostgreSQL walkthrough")
        let rest = readme[section.upperBound...]
        let open = try #require(rest.range(of: "```sh\n"))
        let close = try #require(rest[open.upperBound...].range(of: "\n```"))
        return String(rest[open.upperBound..<close.lowerBound])
    }

    static func uuids(_ text: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
        return Set(pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }

    @Test func theWalkthroughShowsAliceHerListAndRefusesTheUpdate() throws {
        let quire = try QuireBinary.require()
        var lines = try Self.script().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let first = try #require(lines.firstIndex { $0.hasPrefix("export QUIRE_DB=") }, "the walkthrough no longer sets QUIRE_DB first")
        let url = PostgresTestServer.freshSchema()
        let schema = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "schema" }?.value)
        lines[first] = "export QUIRE_DB='\(url)'"
        let script = lines.joined(separator: "\n").replacingOccurrences(of: "school.session_views", with: "\(schema).session_views")
        #expect(script.contains("psql"), "the walkthrough's isolation step is gone")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = QuireBinary.packageRoot
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("QUIRE_") }
        environment["PATH"] = quire.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(printed)")

        // What `quire session list` shows Alice, and Bob's session, from the same database.
        let box = try Sandbox(database: url)
        let aliceList = try box.ok(["session", "list", "--json"], as: "alice@school.example")
        let listed = Set(aliceList.array.compactMap { $0["id"] as? String })
        let bobList = try box.ok(["session", "list", "--json"], as: "bob@school.example")
        let bobs = Set(bobList.array.compactMap { $0["owner_email"] as? String == "bob@school.example" ? $0["id"] as? String : nil })
        #expect(listed.count >= 2, "Alice should see her session and the legacy ones: \(aliceList)")
        #expect(bobs.count == 1, "\(bobList)")

        // psql's rows: every session id printed after its set_config (which echoes Alice's claims).
        let psql = try #require(printed.range(of: "set_config", options: .backwards).map { printed[$0.lowerBound...] }, "\(printed)")
        let shown = Self.uuids(String(psql)).subtracting([Self.alice])
        #expect(shown == listed, "psql as Alice showed\n\(psql)")
        #expect(shown.isDisjoint(with: bobs))
        #expect(printed.contains("permission denied for table session_views"), "\(printed)")
    }
}
