import Foundation
import GRDB
import QuireCore

/// Idempotency: every command that appended something is remembered by its `command_id`, with a
/// fingerprint of what it asked and the outcome it got, so a retry returns the first outcome.
public enum CommandLog {
    public struct Entry: Equatable, Sendable {
        public var commandID: String
        public var fingerprint: String
        public var actor: String
        /// The outcome as the service recorded it (JSON).
        public var outcome: String
        public var firstPosition: Int64

        public init(commandID: String, fingerprint: String, actor: String, outcome: String, firstPosition: Int64) {
            self.commandID = commandID
            self.fingerprint = fingerprint
            self.actor = actor
            self.outcome = outcome
            self.firstPosition = firstPosition
        }
    }

    public static func find(_ commandID: String, _ db: Database) throws -> Entry? {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT command_id, fingerprint, actor, outcome, first_position FROM commands WHERE command_id = ?"),
            arguments: [commandID])
        return row.map { Entry(commandID: $0[0], fingerprint: $0[1], actor: $0[2], outcome: $0[3], firstPosition: $0[4]) }
    }

    /// The highest position any recorded command appended at (0 when none).
    public static func lastPosition(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT MAX(first_position) FROM commands") ?? 0
    }

    public static func record(_ entry: Entry, at time: Timestamp, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO commands(command_id, fingerprint, actor, outcome, first_position, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [entry.commandID, entry.fingerprint, entry.actor, entry.outcome, entry.firstPosition, time.description])
    }

}

/// Paper files, stored once by the SHA-256 of their bytes.
public enum BlobStore {
    /// Stores the bytes unless a blob with this hash exists. Returns the hash.
    @discardableResult
    public static func store(_ data: [UInt8], at time: Timestamp, _ db: Database) throws -> String {
        let hash = HashChain.sha256Hex(data)
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO blobs(hash, size, content, stored_at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [hash, data.count, Data(data), time.description])
        return hash
    }

    public static func load(_ hash: String, _ db: Database) throws -> Data? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT content FROM blobs WHERE hash = ?"), arguments: [hash])
    }
}
