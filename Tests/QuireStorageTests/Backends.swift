import Foundation
import QuireCore
import QuirePostgres
import QuireSQLite
import QuireStorage
import QuireTestSupport
import Testing

/// Every backend the contract suite runs against, and what the suite needs of each beyond the
/// contract: a way to reach the database behind quire's back with the backend's own client (the
/// `sqlite3` shell, `psql`), for the tests that must see it refuse or detect that.
///
/// This is the one file of the suite that names a backend.
struct BackendUnderTest: CustomTestStringConvertible, Sendable {
    let name: String
    /// A fresh, empty database of this backend.
    let make: @Sendable () throws -> any EventStorage
    /// A second, independent connection to the same database (another process, as far as the
    /// database can tell), or nil when the backend cannot have one (SQLite in memory).
    let reopen: (@Sendable (any EventStorage) throws -> any EventStorage)?
    /// Runs SQL through the backend's own client, outside the contract.
    let execute: @Sendable (any EventStorage, String) throws -> Void
    /// The SQL that switches off the log's refusal of UPDATE, for the tests that tamper with it
    /// the way a database's owner could.
    let allowUpdates: String

    var testDescription: String { name }

    static let sqliteFile = BackendUnderTest(
        name: "SQLite file",
        make: { try SQLiteStore(path: temporaryPath(), options: StorageOptions(create: true)) },
        reopen: { store in try SQLiteStore(path: (store as! SQLiteStore).path!) },
        execute: { store, sql in try (store as! SQLiteStore).execute(sql: sql) },
        allowUpdates: "DROP TRIGGER events_no_update")

    static let sqliteMemory = BackendUnderTest(
        name: "SQLite in memory",
        make: { try SQLiteStore.inMemory() },
        reopen: nil,
        execute: { store, sql in try (store as! SQLiteStore).execute(sql: sql) },
        allowUpdates: "DROP TRIGGER events_no_update")

    /// PostgreSQL, when `QUIRE_TEST_POSTGRES` names a server (`tools/postgres start` prints one;
    /// `.ci/run` starts it): each test gets a schema of its own in that database.
    static let postgres: BackendUnderTest? = PostgresTestServer.url.map { _ in
        BackendUnderTest(
            name: "PostgreSQL",
            make: { try PostgresStore(url: PostgresTestServer.freshSchema(), options: StorageOptions(create: true)) },
            reopen: { store in try PostgresStore(url: (store as! PostgresStore).location!) },
            execute: { store, sql in try (store as! PostgresStore).execute(sql: sql) },
            allowUpdates: "ALTER TABLE events DISABLE TRIGGER events_immutable")
    }

    static let all = [sqliteFile, sqliteMemory] + (postgres.map { [$0] } ?? [])

    static func temporaryPath() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("log.sqlite").path
    }
}
