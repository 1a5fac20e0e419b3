import Foundation
import Testing

/// `quire serve` refuses a configuration it could not run with in one sentence and exit 64 (66 for
/// a missing database), before it says "serving" and before it listens.
@Suite struct ServeConfigurationTests {
    static let secret = "serve-test-secret-0123456789abcdef0123456789abcdef"

    @Test func aShortSecretABadPortABadOriginAndAMissingDatabaseAreRefusedBeforeServing() throws {
        let box = try Sandbox()
        _ = try box.setUp()
        let cases: [(args: [String], env: [String: String], says: String)] = [
            (["serve", "--port", "0"], ["QUIRE_JWT_SECRET": "short"], "at least 32 bytes"),
            (["serve", "--port", "70000"], ["QUIRE_JWT_SECRET": Self.secret], "--port"),
            (["serve", "--port", "0", "--cors-origin", "app.school.example/x"], ["QUIRE_JWT_SECRET": Self.secret], "--cors-origin"),
            (["serve", "--port", "0", "--db", box.directory.appendingPathComponent("missing.sqlite").path], ["QUIRE_JWT_SECRET": Self.secret], "No quire database"),
        ]
        for c in cases {
            let run = try box.run(c.args, env: c.env)
            #expect(run.status != 0, "\(run)")
            #expect(!run.stderr.contains("serving"), "\(run)")
            #expect(run.errorLines.count == 1, "\(run)")
            #expect(run.stderr.contains(c.says), "\(run)")
        }
    }
}
