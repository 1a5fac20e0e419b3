import Foundation

/// The PostgreSQL server the tests may use: `QUIRE_TEST_POSTGRES`, a URL such as
/// `postgresql://quire@127.0.0.1:54329/quire?sslmode=disable` (`tools/postgres start` starts a
/// throwaway cluster and prints one; `.ci/run` does so and sets the variable). Without it the
/// PostgreSQL runs of the contract suite are left out, and said to be, except in CI, where its
/// absence fails the run.
public enum PostgresTestServer {
    public static let url: String? = {
        let value = ProcessInfo.processInfo.environment["QUIRE_TEST_POSTGRES"] ?? ""
        return value.isEmpty ? nil : value
    }()

    /// True where a missing server must fail the run rather than skip (`CI=true`).
    public static var required: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// `QUIRE_TEST_BACKEND=postgres`: the suites that run through a whole database — the seed's
    /// checklist, the authorization matrix, the HTTP tests — give each test a fresh PostgreSQL
    /// schema instead of an SQLite file (`.ci/run` runs them once each way).
    public static var backendIsPostgres: Bool {
        ProcessInfo.processInfo.environment["QUIRE_TEST_BACKEND"] == "postgres" && url != nil
    }

    /// The database a test should use: `sqlitePath`, or a fresh schema under `QUIRE_TEST_BACKEND=postgres`.
    public static func database(orSQLiteFile sqlitePath: String) -> String {
        backendIsPostgres ? freshSchema() : sqlitePath
    }

    /// The server's URL with a schema of its own (`t_` and 16 random hex digits): a fresh, empty
    /// quire database for one test, beside every other test's.
    public static func freshSchema() -> String {
        guard let url else { preconditionFailure("QUIRE_TEST_POSTGRES is not set") }
        let name = "t_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return url + (url.contains("?") ? "&" : "?") + "schema=" + name
    }
}
