import Foundation
import QuireCore
import QuireStorage
import Testing

/// The worked example in events/README.md (kept as events/hash-example.json) must be exactly what
/// the store's chain code computes, so an auditor who follows the README gets quire's hashes.
struct HashExampleTests {
    struct Example: Decodable {
        var events: [Row]
        struct Row: Decodable {
            var position: Int64
            var stream: String
            var version: Int
            var type: String
            var schema: Int
            var event_id: String
            var actor: String
            var command_id: String?
            var recorded_at: String
            var payload: String
            var prev_hash: String
            var hash: String
        }
    }

    static var exampleURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("events/hash-example.json")
    }

    @Test func theDocumentedExampleIsWhatTheChainCodeComputes() throws {
        let example = try JSONDecoder().decode(Example.self, from: Data(contentsOf: Self.exampleURL))
        #expect(example.events.count == 2)
        let store = try BackendUnderTest.sqliteMemory.make()
        var prev = HashChain.genesis
        for row in example.events {
            let record = RecordedEvent(position: row.position, stream: row.stream, version: row.version, type: row.type,
                                       schema: row.schema, eventID: row.event_id, actor: row.actor, commandID: row.command_id,
                                       recordedAt: row.recorded_at, payload: row.payload,
                                       prevHash: try #require(Data(hex: row.prev_hash)), hash: try #require(Data(hex: row.hash)))
            #expect(record.prevHash == prev)
            #expect(HashChain.hash(of: record, after: prev).hex == row.hash)
            #expect(throws: Never.self) { _ = try record.decoded() }
            try store.write { tx in try tx.insertVerbatim(record) }
            prev = record.hash
        }
        #expect(try store.read { r in try r.verifyChain(progress: nil) } == .success(2))
    }
}
