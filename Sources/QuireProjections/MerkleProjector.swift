import Foundation
import QuireCore
import QuireStorage

/// The Merkle tree of RFC 9162 over the log (`MerkleTree`), kept as its complete subtrees so that
/// any root, inclusion proof or consistency proof costs O(log n) row reads.
///
/// `merkle_nodes(level, idx, hash)`: the node at `level` ≥ 1 and `idx` is the hash of leaves
/// `idx·2^level ..< (idx+1)·2^level` (leaf `p − 1` is the event at position `p`), lowercase hex.
/// Level 0, the leaf hashes `SHA-256(0x00 ‖ hash)`, is not stored: a backend computes it from the
/// event's own `hash` column (`StorageReader.merkleNode`). Each event at an odd leaf index adds the
/// level-1 node it completes — its left sibling is the previous event, whose hash is this event's
/// `prev_hash` — and one more node for every further trailing 1 bit of its index: about one row
/// per event, and half an index read. Derived data like every projection: rebuilt from the log,
/// and compared with a fresh replay by `verify`.
public struct MerkleProjector: Projector {
    public init() {}
    public let name = "merkle"
    public let codeVersion = 1
    public var tables: [TableSchema] { [Self.nodes] }
    /// Every event is a leaf, so a batch's folded sessions are not folded for this projector.
    public var foldsSessions: Bool { false }

    public static let nodes = TableSchema("merkle_nodes", columns: [
        .init("level", .integer), .init("idx", .integer), .init("hash", .text),
    ], primaryKey: ["level", "idx"])

    public func changes(for event: Event, _ record: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
        let index = record.position - 1
        guard index & 1 == 1 else { return [] }  // a left child completes nothing
        let previous = MerkleTree.leafHash(record.prevHash)
        let completed = try MerkleTree.completedNodes(leafIndex: index, leafHash: MerkleTree.leafHash(record.hash)) { level, i in
            level == 0 ? previous : try Self.node(level: level, index: i, rows)
        }
        return completed.dropFirst().map { .insert(Self.nodes, [StoredValue(Int($0.level)), .integer($0.index), .text($0.hash.hex)]) }
    }

    public func changes(forFolded session: SessionState, createdBy creation: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
        preconditionFailure("the merkle projection sees every event; it never folds a session")
    }

    /// A stored node, or an error naming it when it is missing (a tree that lags its log).
    public static func node(level: Int, index: Int64, _ rows: any RowReader) throws -> Data {
        guard let row = try rows.row(nodes, key: [StoredValue(level), .integer(index)]), let text = row[2].text,
              let hash = Data(hex: text), hash.count == 32
        else { throw QuireError.internal("The Merkle tree has no node \(level)/\(index): rebuild the merkle projection.") }
        return hash
    }
}
