import Foundation
import QuireCore
import QuireStorage

/// A signed checkpoint as `quire checkpoint --json` and `GET /v1/checkpoint` show it: the C2SP
/// note exactly as signed, and its fields.
public struct CheckpointView: Sendable, Equatable, Codable {
    public var origin: String
    public var size: Int64
    /// Base64, as on the note's third line.
    public var rootHash: String
    public var rootHex: String
    public var note: String
    public var verifierKey: String

    enum CodingKeys: String, CodingKey {
        case origin, size, rootHash = "root_hash", rootHex = "root_hex", note, verifierKey = "verifier_key"
    }
}

/// An event's inclusion proof against the tree of `size` events (`quire prove`).
public struct InclusionProofView: Sendable, Equatable, Codable {
    public var position: Int64
    public var size: Int64
    /// The leaf's 0-based index in the tree: `position - 1`.
    public var leafIndex: Int64
    /// The event's chain `hash` (the leaf) and `SHA-256(0x00 ‖ hash)`.
    public var eventHash: String
    public var leafHash: String
    /// The audit path, leaf to root, hex.
    public var proof: [String]
    public var root: String
    /// The event itself, for system admins.
    public var event: ExportedEvent?
    /// The checkpoint the proof was checked against, when one was given.
    public var checkpoint: String?

    enum CodingKeys: String, CodingKey {
        case position, size, leafIndex = "leaf_index", eventHash = "event_hash", leafHash = "leaf_hash", proof, root, event, checkpoint
    }
}

/// The consistency proof between two sizes of the log.
public struct ConsistencyProofView: Sendable, Equatable, Codable {
    public var from: Int64
    public var to: Int64
    public var fromRoot: String
    public var toRoot: String
    public var proof: [String]

    enum CodingKeys: String, CodingKey { case from, to, fromRoot = "from_root", toRoot = "to_root", proof }
}

/// What `verify --checkpoint` found for one checkpoint.
public struct CheckpointCheck: Sendable, Equatable, Codable {
    public var size: Int64
    public var root: String
    /// The log is an append-only extension of the checkpoint.
    public var ok: Bool
    /// The first position that differs, when the checkpoints given pin it down to one.
    public var firstDifference: Int64?
    /// Otherwise the range it lies in: after the largest checkpoint that still holds, up to this one.
    public var differsBetween: [Int64]?
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case size, root, ok, firstDifference = "first_difference", differsBetween = "differs_between", reason
    }
}

extension QuireService {
    /// The tree head of the log as it stands (or as it stood at `size` events), for `origin`.
    public func treeHead(origin: String, size: Int64? = nil) throws(QuireError) -> TreeHead {
        try store.read { reader in
            let tip = try reader.eventCount()
            let size = size ?? tip
            guard size >= 0, size <= tip else { throw QuireError.notFound("The log has \(tip) events, not \(size).") }
            return TreeHead(origin: origin, size: size, root: try reader.merkleRoot(size: size))
        }
    }

    /// The current checkpoint (or that of the log's first `size` events) signed by `key`; its
    /// origin is the key's name.
    public func checkpoint(signedBy key: SigningKey, size: Int64? = nil) throws(QuireError) -> CheckpointView {
        let head = try treeHead(origin: key.name, size: size)
        return CheckpointView(origin: head.origin, size: head.size, rootHash: head.root.base64EncodedString(), rootHex: head.root.hex,
                              note: try head.signed(by: key).description, verifierKey: key.verifier.description)
    }

    /// The inclusion proof of the event at `position` in the tree of `size` events (the whole log
    /// when nil). With `as` a system admin, the event itself is included.
    public func inclusionProof(position: Int64, size: Int64? = nil, as name: ActorName = .none) throws(QuireError) -> InclusionProofView {
        if name != .none { _ = try authorize(.exportLog, as: name) }
        return try store.read { reader in
            let tip = try reader.eventCount()
            let size = size ?? tip
            guard size <= tip else { throw QuireError.notFound("The log has \(tip) events, not \(size).") }
            guard position >= 1, position <= size else {
                throw QuireError.notFound("No event at position \(position) in a log of \(size) events.")
            }
            guard let record = try reader.events(after: position - 1, limit: 1).first else {
                throw QuireError.notFound("No event at position \(position).")
            }
            let proof = try reader.inclusionProof(position: position, size: size)
            return InclusionProofView(position: position, size: size, leafIndex: position - 1, eventHash: record.hash.hex,
                                      leafHash: MerkleTree.leafHash(record.hash).hex, proof: proof.map(\.hex),
                                      root: try reader.merkleRoot(size: size).hex, event: name == .none ? nil : ExportedEvent(record))
        }
    }

    /// The consistency proof from the tree of `from` events to that of `to` (the whole log when nil).
    public func consistencyProof(from: Int64, to: Int64? = nil) throws(QuireError) -> ConsistencyProofView {
        try store.read { reader in
            let tip = try reader.eventCount()
            let to = to ?? tip
            guard from >= 0, from <= to else { throw QuireError.invalidInput("A consistency proof goes from a smaller size to a larger one, not \(from) to \(to).") }
            guard to <= tip else { throw QuireError.notFound("The log has \(tip) events, not \(to).") }
            return ConsistencyProofView(from: from, to: to, fromRoot: try reader.merkleRoot(size: from).hex,
                                        toRoot: try reader.merkleRoot(size: to).hex,
                                        proof: try reader.consistencyProof(old: from, new: to).map(\.hex))
        }
    }

    /// Whether the log is an append-only extension of each checkpoint. Checked twice: the tree is
    /// recomputed from the `hash` column alone (what an auditor would do), and the stored tree's
    /// consistency proof must verify against the checkpoint's root (what a remote client does).
    ///
    /// A checkpoint holds only a root, so which position differs is known as closely as the
    /// checkpoints given allow: after the largest one that still holds, up to the first that fails.
    public func verify(against heads: [TreeHead]) throws(QuireError) -> [CheckpointCheck] {
        try store.read { reader in
            var leaves: [Data] = []
            try reader.forEachEvent { leaves.append(MerkleTree.leafHash($0.hash)) }
            let size = Int64(leaves.count)
            let storedRoot = try? reader.merkleRoot(size: size)
            return Self.check(leaves: leaves, against: heads) { head in
                guard let storedRoot, let proof = try? reader.consistencyProof(old: head.size, new: size) else { return false }
                return MerkleTree.verifyConsistency(old: head.size, new: size, oldRoot: head.root, newRoot: storedRoot, proof: proof)
            }
        }
    }

    /// Compares the tree over `leaves` with each checkpoint; `stored` (when there is a stored
    /// tree) says whether its consistency proof verifies too.
    static func check(leaves: [Data], against heads: [TreeHead], stored: ((TreeHead) -> Bool)?) -> [CheckpointCheck] {
        let size = Int64(leaves.count)
        let recomputed = MerkleTree.nodes(of: leaves)
        var checks: [CheckpointCheck] = []
        var holds: Int64 = 0  // the largest size some checkpoint proves
        for head in heads.sorted(by: { $0.size < $1.size }) {
            var check = CheckpointCheck(size: head.size, root: head.root.hex, ok: false)
            if head.size > size {
                check.reason = "the log has \(size) events, fewer than the \(head.size) the checkpoint signed: events were removed"
            } else if (try? MerkleTree.root(size: head.size, recomputed)) != head.root {
                check.reason = "the log's first \(head.size) events are not the ones the checkpoint signed: an event was changed, removed or reordered"
            } else if stored?(head) ?? true {
                check.ok = true
            } else {
                check.reason = "the stored Merkle tree does not prove consistency with the checkpoint (rebuild the merkle projection)"
            }
            if check.ok {
                holds = max(holds, head.size)
            } else if check.reason?.hasPrefix("the stored") != true {
                let last = min(head.size, size + 1)
                let first = min(holds + 1, last)
                if first == last { check.firstDifference = first } else { check.differsBetween = [first, last] }
            }
            checks.append(check)
        }
        return checks
    }

    /// `verify --from-export`: the chain of an export file checked line by line, and its tree
    /// compared with each checkpoint, without a database.
    public static func verifyExport(lines: some Sequence<[UInt8]>, against heads: [TreeHead]) throws(QuireError) -> ExportVerification {
        let decoder = JSONDecoder()
        var prev = HashChain.genesis, leaves: [Data] = [], fault: VerifyReport.ChainFaultView?, ended = false
        for line in lines where !line.isEmpty && fault == nil {
            let position = Int64(leaves.count) + 1
            if let end = try? decoder.decode(ExportEnd.self, from: Data(line)) {
                if end.exportEnd.events != Int64(leaves.count) || end.exportEnd.lastHash != prev.hex {
                    fault = .init(position: position, reason: "the export's end line says \(end.exportEnd.events) events; \(leaves.count) came before it")
                }
                ended = true
                continue
            }
            guard let record = (try? decoder.decode(ExportedEvent.self, from: Data(line)))?.record else {
                fault = .init(position: position, reason: "the line is not an exported event")
                break
            }
            if ended || record.position != position || record.prevHash != prev || HashChain.hash(of: record, after: prev) != record.hash {
                fault = .init(position: position, reason: "the hash does not match the row (or the row is out of order)")
                break
            }
            leaves.append(MerkleTree.leafHash(record.hash))
            prev = record.hash
        }
        if fault == nil && !ended { fault = .init(position: Int64(leaves.count) + 1, reason: "the export has no end line: it was cut short") }
        return ExportVerification(events: Int64(leaves.count), chainFault: fault, checkpoints: check(leaves: leaves, against: heads, stored: nil))
    }
}

/// What `verify --from-export` found.
public struct ExportVerification: Sendable, Equatable, Encodable {
    public var events: Int64
    public var chainFault: VerifyReport.ChainFaultView?
    public var checkpoints: [CheckpointCheck]
    public var ok: Bool { chainFault == nil && checkpoints.allSatisfy(\.ok) }

    enum CodingKeys: String, CodingKey { case ok, events, chainFault = "chain_fault", checkpoints }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok)
        try c.encode(events, forKey: .events)
        try c.encode(chainFault, forKey: .chainFault)
        try c.encode(checkpoints, forKey: .checkpoints)
    }
}
