import Foundation
import GRDB
import QuireCore
import QuireStorage

/// Idempotency: every command that appended something is remembered by its `command_id`, with a
/// fingerprint of what it asked and the outcome it got, so a retry returns the first outcome.
enum SQLiteCommands {
    static func find(_ commandID: String, _ db: Database) throws -> CommandRecord? {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT command_id, fingerprint, actor, outcome, first_position FROM commands WHERE command_id = ?"),
            arguments: [commandID])
        return row.map { CommandRecord(commandID: $0[0], fingerprint: $0[1], actor: $0[2], outcome: $0[3], firstPosition: $0[4]) }
    }

    /// The highest position any recorded command appended at (0 when none).
    static func lastPosition(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT MAX(first_position) FROM commands") ?? 0
    }

    static func record(_ entry: CommandRecord, at time: Timestamp, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO commands(command_id, fingerprint, actor, outcome, first_position, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [entry.commandID, entry.fingerprint, entry.actor, entry.outcome, entry.firstPosition, time.description])
    }

}
