import Foundation
import GRDB
import QuireCore
import QuireStorage

/// Paper files, stored once by the SHA-256 of their bytes.
enum SQLiteBlobs {
    /// Stores the bytes unless a blob with this hash exists. Returns the hash.
    @discardableResult
    static func store(_ data: [UInt8], at time: Timestamp, _ db: Database) throws -> String {
        let hash = HashChain.sha256Hex(data)
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO blobs(hash, size, content, stored_at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [hash, data.count, Data(data), time.description])
        return hash
    }

    static func load(_ hash: String, _ db: Database) throws -> Data? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT content FROM blobs WHERE hash = ?"), arguments: [hash])
    }
}
