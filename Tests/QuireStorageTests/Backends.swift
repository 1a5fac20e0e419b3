import Foundation
import QuireCore
import QuireSQLite
import QuireStorage
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

    var testDescription: String { name }

    static let sqliteFile = BackendUnderTest(
        name: "SQLite file",
        make: { try SQLiteStore(path: temporaryPath(), options: StorageOptions(create: true)) },
        reopen: { store in try SQLiteStore(path: (store as! SQLiteStore).path!) },
        execute: { store, sql in try (store as! SQLiteStore).execute(sql: sql) })

    static let sqliteMemory = BackendUnderTest(
        name: "SQLite in memory",
        make: { try SQLiteStore.inMemory() },
        reopen: nil,
        execute: { store, sql in try (store as! SQLiteStore).execute(sql: sql) })

    static let all = [sqliteFile, sqliteMemory]

    static func temporaryPath() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("log.sqlite").path
    }
}
