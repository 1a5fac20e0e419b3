import Foundation
import QuireCore

/// The last position and hash: where the next append chains from.
public struct LogTip: Equatable, Sendable {
    public var position: Int64
    public var hash: Data
    public init(position: Int64, hash: Data) {
        self.position = position
        self.hash = hash
    }
    public static let empty = LogTip(position: 0, hash: HashChain.genesis)
}

/// The first fault in the hash chain.
public struct ChainFault: Equatable, Sendable, Error {
    public var position: Int64
    public var reason: String
    public init(position: Int64, reason: String) {
        self.position = position
        self.reason = reason
    }
}

/// Where a projection has got to in the log, and with which version of its rules.
public struct Checkpoint: Equatable, Sendable {
    public var name: String
    public var codeVersion: Int
    public var position: Int64
    public init(name: String, codeVersion: Int, position: Int64) {
        self.name = name
        self.codeVersion = codeVersion
        self.position = position
    }
}

/// A projection that differs from a fresh replay of the log.
public struct Drift: Equatable, Sendable {
    public var projection: String
    public var table: String
    /// The first differing row, as `key: live vs replayed`.
    public var detail: String
    public init(projection: String, table: String, detail: String) {
        self.projection = projection
        self.table = table
        self.detail = detail
    }

    /// The first row where a stored table and a fresh replay of it differ, reading both in
    /// primary-key order one row at a time, or nil when they hold the same rows: what every
    /// backend's `drift()` reports for a table.
    public static func firstDifference(_ table: TableSchema, stored: () throws -> StoredRow?,
                                       fresh: () throws -> StoredRow?) rethrows -> String? {
        var index = 0
        while true {
            let l = try stored(), r = try fresh()
            index += 1
            switch (l, r) {
            case (nil, nil): return nil
            case (let l?, nil): return "row \(index) \(describe(l, table)) is not in a fresh replay"
            case (nil, let r?): return "row \(index) \(describe(r, table)) of a fresh replay is missing"
            case (let l?, let r?) where l != r: return "row \(index) is \(describe(l, table)) but a fresh replay gives \(describe(r, table))"
            default: continue
            }
        }
    }

    static func describe(_ row: StoredRow, _ table: TableSchema) -> String {
        let text = "[" + zip(table.columnNames, row).map { "\($0):\($1)" }.joined(separator: " ") + "]"
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}

/// Idempotency: a command that appended something, with a fingerprint of what it asked and the
/// outcome it got, so that a retry returns the first outcome.
public struct CommandRecord: Equatable, Sendable {
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

/// Who owns a session and what state it is in: the authorization projection's answer.
public struct SessionAccess: Equatable, Sendable {
    public var owner: UserID?
    public var status: SessionStatus
    public init(owner: UserID?, status: SessionStatus) {
        self.owner = owner
        self.status = status
    }
}

/// One row of the system admins' monitor.
public struct MonitorEntry: Equatable, Sendable {
    public var sessionID: SessionID
    public var ownerID: UserID?
    public var ownerEmail: String?
    public var name: String
    public var fileName: String
    public var step: ImportStep
    public var progress: Int
    public var questionCount: Int
    public var questionsImported: Int
    public var jsonHash: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var lastAccessedAt: Timestamp
    public var version: Int

    public init(sessionID: SessionID, ownerID: UserID?, ownerEmail: String?, name: String, fileName: String, step: ImportStep,
                progress: Int, questionCount: Int, questionsImported: Int, jsonHash: String?, createdAt: Timestamp,
                updatedAt: Timestamp, lastAccessedAt: Timestamp, version: Int) {
        self.sessionID = sessionID
        self.ownerID = ownerID
        self.ownerEmail = ownerEmail
        self.name = name
        self.fileName = fileName
        self.step = step
        self.progress = progress
        self.questionCount = questionCount
        self.questionsImported = questionsImported
        self.jsonHash = jsonHash
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastAccessedAt = lastAccessedAt
        self.version = version
    }
}

/// Someone a session is shared with (`session share`), and their email as registered (nil only
/// if the user is unknown, which the decider never allows).
public struct SessionCollaborator: Equatable, Sendable {
    public var sessionID: SessionID
    public var userID: UserID
    public var email: String?
    public var role: CollaboratorRole
    public init(sessionID: SessionID, userID: UserID, email: String?, role: CollaboratorRole) {
        self.sessionID = sessionID
        self.userID = userID
        self.email = email
        self.role = role
    }
}

/// One owner's sessions of one file (`replay --view duplicates`).
public struct DuplicateGroup: Equatable, Sendable {
    public var owner: UserID
    public var jsonHash: String
    public var sessions: [SessionID]
    public init(owner: UserID, jsonHash: String, sessions: [SessionID]) {
        self.owner = owner
        self.jsonHash = jsonHash
        self.sessions = sessions
    }

    /// Groups `(owner, hash, session)` rows ordered by owner, hash and creation, as every backend
    /// reads the duplicate index.
    public static func grouping(_ rows: [(owner: UserID, jsonHash: String, session: SessionID)]) -> [DuplicateGroup] {
        var result: [DuplicateGroup] = []
        for row in rows {
            if let last = result.last, last.owner == row.owner, last.jsonHash == row.jsonHash {
                result[result.count - 1].sessions.append(row.session)
            } else {
                result.append(DuplicateGroup(owner: row.owner, jsonHash: row.jsonHash, sessions: [row.session]))
            }
        }
        return result
    }
}

/// How a backend is opened.
public struct StorageOptions: Sendable {
    public enum Durability: String, Sendable { case full = "FULL", normal = "NORMAL" }
    /// `full` (the default) makes an acknowledged command survive power loss; `normal` may lose the
    /// last transactions on power loss but never corrupts the log.
    public var durability: Durability = .full
    /// How long a writer waits for another process's transaction before giving up.
    public var busyTimeout: TimeInterval = 30
    /// Create the database when it does not exist (only `init`, `import` and `demo` do).
    public var create = false
    public init(durability: Durability = .full, busyTimeout: TimeInterval = 30, create: Bool = false) {
        self.durability = durability
        self.busyTimeout = busyTimeout
        self.create = create
    }
}

/// Reports long work's progress: events done, and the total (0 when unknown).
public typealias StorageProgress = @Sendable (_ done: Int64, _ total: Int64) -> Void
