import Crypto
import Foundation
import GRDB
import QuireCore
import QuireStore
import Testing

/// The event store's contract, run against every backend it has: a WAL file through a
/// `DatabasePool`, and the in-memory queue that replay uses.
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case file, memory
    var testDescription: String { rawValue }

    func make() throws -> EventStore {
        switch self {
        case .file:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return try EventStore(path: dir.appendingPathComponent("log.sqlite").path, options: .init(create: true))
        case .memory:
            return try EventStore.inMemory()
        }
    }
}

let alice = UserID("a1")
let envelope = Envelope(actor: .user(alice), commandID: "cmd-1", recordedAt: Timestamp(milliseconds: 1_764_030_756_123))

func created(_ id: String, owner: UserID? = alice) -> Event {
    .sessionCreated(SessionCreated(sessionID: SessionID(id), ownerID: owner, name: "Paper \(id)", fileName: "\(id).json",
                                   jsonHash: String(repeating: "ab", count: 32), questionCount: 3, blob: nil))
}

func accessed(_ id: String) -> Event { .sessionAccessed(SessionAccessed(sessionID: SessionID(id))) }

@Suite("Event store contract")
struct EventStoreContractTests {
    @Test(arguments: Backend.allCases)
    func appendAssignsGaplessPositionsAndStreamVersions(_ backend: Backend) throws {
        let store = try backend.make()
        let appended = try store.write { db in
            try EventLog.append([NewEvent(created("s1")), NewEvent(accessed("s1")), NewEvent(created("s2"))], envelope: envelope, db)
        }
        #expect(appended.map(\.position) == [1, 2, 3])
        #expect(appended.map(\.version) == [1, 2, 1])
        #expect(appended.map(\.stream) == ["session-s1", "session-s1", "session-s2"])
        let more = try store.write { db in try EventLog.append([NewEvent(accessed("s2"))], envelope: envelope, db) }
        #expect(more.map(\.position) == [4])
        #expect(more.map(\.version) == [2])
        let all = try store.read { db in try EventLog.read(after: 0, db) }
        #expect(all == appended + more)
        #expect(all.allSatisfy { $0.actor == "a1" && $0.commandID == "cmd-1" && $0.recordedAt == "2025-11-25T00:32:36.123Z" })
    }

    @Test(arguments: Backend.allCases)
    func staleExpectedVersionIsAConflictCarryingBothVersionsAndAppendsNothing(_ backend: Backend) throws {
        let store = try backend.make()
        try store.write { db in _ = try EventLog.append([NewEvent(created("s1")), NewEvent(accessed("s1"))], envelope: envelope, db) }
        #expect {
            try store.write { db in _ = try EventLog.append([NewEvent(accessed("s1"), expectedVersion: .exactly(1))], envelope: envelope, db) }
        } throws: { error in
            let e = error as? QuireError
            return e?.code == .conflict && e?.expectedVersion == 1 && e?.actualVersion == 2 && e?.exitCode == 75
        }
        #expect {
            try store.write { db in _ = try EventLog.append([NewEvent(created("s1"), expectedVersion: .noStream)], envelope: envelope, db) }
        } throws: { ($0 as? QuireError)?.actualVersion == 2 }
        #expect(try store.read { db in try EventLog.count(db) } == 2)
        // The right version goes through.
        let ok = try store.write { db in try EventLog.append([NewEvent(accessed("s1"), expectedVersion: .exactly(2))], envelope: envelope, db) }
        #expect(ok.first?.version == 3)
    }

    @Test(arguments: Backend.allCases)
    func aFailedTransactionLeavesNoTrace(_ backend: Backend) throws {
        let store = try backend.make()
        struct Boom: Error {}
        #expect(throws: QuireError.self) {
            try store.write { db in
                _ = try EventLog.append([NewEvent(created("s1"))], envelope: envelope, db)
                throw Boom()
            }
        }
        #expect(try store.read { db in try EventLog.count(db) } == 0)
    }

    @Test(arguments: Backend.allCases)
    func triggersRefuseUpdateAndDeleteOfEvents(_ backend: Backend) throws {
        let store = try backend.make()
        try store.write { db in _ = try EventLog.append([NewEvent(created("s1"))], envelope: envelope, db) }
        for sql in ["UPDATE events SET payload = '{}' WHERE position = 1", "DELETE FROM events WHERE position = 1",
                    "UPDATE events SET actor = 'mallory'", "DELETE FROM events"] {
            #expect(throws: QuireError.self, "\(sql)") {
                try store.write { db in try db.execute(sql: sql) }
            }
        }
        let row = try #require(try store.read { db in try EventLog.read(after: 0, db) }.first)
        #expect(row.actor == "a1")
    }

    @Test(arguments: Backend.allCases)
    func positionsAndVersionsCannotSkip(_ backend: Backend) throws {
        let store = try backend.make()
        let first = try store.write { db in try EventLog.append([NewEvent(created("s1"))], envelope: envelope, db) }[0]
        var gap = first
        gap.position = 3
        gap.eventID = "other"
        #expect(throws: QuireError.self) { try store.write { db in try EventLog.insert(gap, db) } }
        var skippedVersion = first
        skippedVersion.position = 2
        skippedVersion.version = 5
        skippedVersion.eventID = "other2"
        #expect(throws: QuireError.self) { try store.write { db in try EventLog.insert(skippedVersion, db) } }
    }

    /// The chain recomputed here from the rule as DESIGN §2 states it, without the store's code.
    @Test(arguments: Backend.allCases)
    func hashChainFollowsTheDocumentedRule(_ backend: Backend) throws {
        let store = try backend.make()
        try store.write { db in
            _ = try EventLog.append([NewEvent(created("s1")), NewEvent(accessed("s1"))], envelope: envelope, db)
            _ = try EventLog.append([NewEvent(.accessDenied(AccessDenied(command: "session.update", target: "session-s1", reason: .notOwner)))],
                                    envelope: Envelope(actor: .system, commandID: nil, recordedAt: Timestamp(milliseconds: 0)), db)
        }
        let rows = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT position, stream, version, type, schema, event_id, actor, command_id, recorded_at, payload, prev_hash, hash FROM events ORDER BY position")
        }
        var prev = Data(repeating: 0, count: 32)
        for row in rows {
            let fields: [String?] = [String(row[0] as Int64), row[1], String(row[2] as Int), row[3], String(row[4] as Int), row[5], row[6], row[7], row[8]]
            let text = fields.map { ($0 ?? "") + "\n" }.joined() + (row[9] as String)
            let expected = Data(SHA256.hash(data: prev + Data(text.utf8)))
            #expect(row[10] as Data == prev)
            #expect(row[11] as Data == expected)
            prev = expected
        }
        #expect(rows.count == 3)
        #expect(try store.read { db in try EventLog.verifyChain(db) } == .success(3))
    }

    @Test(arguments: Backend.allCases)
    func verifyChainNamesTheFirstTamperedPosition(_ backend: Backend) throws {
        let store = try backend.make()
        try store.write { db in
            for i in 1...5 { _ = try EventLog.append([NewEvent(created("s\(i)"))], envelope: envelope, db) }
        }
        try store.write { db in
            try db.execute(sql: "DROP TRIGGER events_no_update")
            try db.execute(sql: "UPDATE events SET payload = replace(payload, 'Paper s3', 'Paper X') WHERE position = 3")
        }
        guard case .failure(let fault) = try store.read({ db in try EventLog.verifyChain(db) }) else {
            Issue.record("tampering was not detected")
            return
        }
        #expect(fault.position == 3)
    }

    @Test(arguments: Backend.allCases)
    func blobsAreStoredOnceByContentAndCannotChange(_ backend: Backend) throws {
        let store = try backend.make()
        let bytes = Array("{\"questions\":[]}".utf8)
        let (h1, h2) = try store.write { db in
            (try BlobStore.store(bytes, at: Timestamp(milliseconds: 0), db), try BlobStore.store(bytes, at: Timestamp(milliseconds: 5), db))
        }
        #expect(h1 == h2)
        #expect(h1 == Data(SHA256.hash(data: bytes)).map { String(format: "%02x", $0) }.joined())
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blobs") } == 1)
        #expect(try store.read { db in try BlobStore.load(h1, db) } == Data(bytes))
        #expect(throws: QuireError.self) { try store.write { db in try db.execute(sql: "UPDATE blobs SET content = x'00'") } }
        #expect(throws: QuireError.self) { try store.write { db in try db.execute(sql: "DELETE FROM blobs") } }
    }

    @Test(arguments: Backend.allCases)
    func recordedCommandsAreKeptAndImmutable(_ backend: Backend) throws {
        let store = try backend.make()
        let entry = CommandLog.Entry(commandID: "c1", fingerprint: "f", actor: "a1", outcome: "{}", firstPosition: 1)
        try store.write { db in try CommandLog.record(entry, at: Timestamp(milliseconds: 0), db) }
        #expect(try store.read { db in try CommandLog.find("c1", db) } == entry)
        #expect(try store.read { db in try CommandLog.find("c2", db) } == nil)
        #expect(throws: QuireError.self) { try store.write { db in try CommandLog.record(entry, at: Timestamp(milliseconds: 0), db) } }
        #expect(throws: QuireError.self) { try store.write { db in try db.execute(sql: "DELETE FROM commands") } }
    }

    @Test func anotherProcessWritingTheSameFileIsSerialisedNotLost() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("log.sqlite").path
        // Two independent pools on one file behave like two processes: BEGIN IMMEDIATE + busy timeout.
        let a = try EventStore(path: path, options: .init(create: true))
        let b = try EventStore(path: path)
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let store = i == 0 ? a : b
            for n in 0..<50 {
                _ = try? store.write { db in try EventLog.append([NewEvent(created("w\(i)-\(n)"))], envelope: envelope, db) }
            }
        }
        #expect(try a.read { db in try EventLog.count(db) } == 100)
        #expect(try b.read { db in try EventLog.verifyChain(db) } == .success(100))
    }

    @Test func openingAMissingFileWithoutCreateIsAClearError() {
        #expect {
            _ = try EventStore(path: "/nonexistent-\(UUID().uuidString)/x.sqlite")
        } throws: { ($0 as? QuireError)?.message.contains("quire init") == true }
    }

    @Test func databaseRunsInWALWithFullSynchronousByDefault() throws {
        let store = try Backend.file.make()
        let (mode, sync) = try store.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(mode == "wal")
        #expect(sync == 2)  // FULL
    }
}

