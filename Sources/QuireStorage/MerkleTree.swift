import Crypto
import Foundation

/// The Merkle tree of RFC 9162 §2.1 over the log: one leaf per event in position order, the leaf
/// being the event's 32-byte chain `hash`. The rules only; where the nodes are kept is the
/// backend's (`StorageReader.merkleNode`).
///
/// The tree is read through its *complete* subtrees: the node at `level` and `index` is the hash
/// of leaves `index·2^level ..< (index+1)·2^level`, and exists once all of them do. Any root of
/// size `n`, inclusion proof or consistency proof is a combination of O(log n) such nodes. Leaf
/// and node indexes here are 0-based; quire's positions are 1-based (position p is leaf p − 1).
///
///     let root = try MerkleTree.root(size: 5) { level, index in try reader.merkleNode(level: level, index: index) }
public enum MerkleTree {
    /// Reads the stored hash of a complete subtree.
    public typealias NodeReader = (_ level: Int, _ index: Int64) throws -> Data

    /// `SHA-256(0x00 ‖ leaf)`.
    public static func leafHash(_ leaf: Data) -> Data {
        var h = SHA256()
        h.update(data: Data([0x00]))
        h.update(data: leaf)
        return Data(h.finalize())
    }

    /// `SHA-256(0x01 ‖ left ‖ right)`.
    public static func nodeHash(_ left: Data, _ right: Data) -> Data {
        var h = SHA256()
        h.update(data: Data([0x01]))
        h.update(data: left)
        h.update(data: right)
        return Data(h.finalize())
    }

    /// The root of the empty tree: SHA-256 of nothing.
    public static let emptyRoot = Data(SHA256.hash(data: Data()))

    /// The largest power of two strictly less than `n` (n ≥ 2): where RFC 9162 splits a tree.
    static func split(_ n: Int64) -> Int64 {
        var k: Int64 = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// The hash of leaves `start ..< end`, for ranges the RFC's recursion produces (`start` a
    /// multiple of the largest power of two ≥ `end - start`): a stored node when the range is one
    /// complete subtree, else its split, which reads at most one node per level.
    static func hash(_ start: Int64, _ end: Int64, _ node: NodeReader) throws -> Data {
        let n = end - start
        if n & (n - 1) == 0 {
            let level = n.trailingZeroBitCount
            return try node(level, start >> level)
        }
        let k = split(n)
        return nodeHash(try hash(start, start + k, node), try hash(start + k, end, node))
    }

    /// The root of the tree of the first `size` leaves.
    public static func root(size: Int64, _ node: NodeReader) throws -> Data {
        size == 0 ? emptyRoot : try hash(0, size, node)
    }

    /// The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1), leaf to root.
    public static func inclusionProof(index: Int64, size: Int64, _ node: NodeReader) throws -> [Data] {
        precondition(index >= 0 && index < size, "leaf \(index) is not in a tree of \(size)")
        var proof: [Data] = []
        // Walk down from the root, remembering siblings; the RFC lists them bottom-up.
        var start: Int64 = 0, end = size, m = index
        while end - start > 1 {
            let k = split(end - start)
            if m < k {
                proof.append(try hash(start + k, end, node))
                end = start + k
            } else {
                proof.append(try hash(start, start + k, node))
                start += k
                m -= k
            }
        }
        return proof.reversed()
    }

    /// The consistency proof between the trees of `old` and `new` leaves (RFC 9162 §2.1.4.1).
    public static func consistencyProof(old: Int64, new: Int64, _ node: NodeReader) throws -> [Data] {
        precondition(old >= 0 && old <= new, "a tree of \(old) is not a prefix of one of \(new)")
        guard old > 0, old < new else { return [] }
        var proof: [Data] = []
        // SUBPROOF(m, D[start:end], b), unrolled; siblings collected top-down, listed bottom-up.
        var start: Int64 = 0, end = new, m = old, complete = true
        while true {
            let n = end - start
            if m == n {
                if !complete { proof.append(try hash(start, end, node)) }
                break
            }
            let k = split(n)
            if m <= k {
                proof.append(try hash(start + k, end, node))
                end = start + k
            } else {
                proof.append(try hash(start, start + k, node))
                start += k
                m -= k
                complete = false
            }
        }
        return proof.reversed()
    }

    /// Whether `proof` shows the leaf whose hash is `leafHash` at `index` in the tree of `size`
    /// with `root` (RFC 9162 §2.1.3.2).
    public static func verifyInclusion(leafHash: Data, index: Int64, size: Int64, proof: [Data], root: Data) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index, sn = size - 1, r = leafHash
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// Whether `proof` shows the tree of `old` leaves with `oldRoot` to be a prefix of the tree of
    /// `new` leaves with `newRoot` (RFC 9162 §2.1.4.2).
    public static func verifyConsistency(old: Int64, new: Int64, oldRoot: Data, newRoot: Data, proof: [Data]) -> Bool {
        guard old >= 0, old <= new else { return false }
        if old == new { return proof.isEmpty && oldRoot == newRoot }
        if old == 0 { return proof.isEmpty }
        guard !proof.isEmpty else { return false }
        var path = proof
        // When the old tree is a complete subtree, its root is the first node of the path.
        if old & (old - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = old - 1, sn = new - 1
        if fn & 1 == 1 {
            while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        }
        var fr = path[0], sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }

    /// The nodes that complete when leaf `index` joins the tree with hash `leafHash`: the leaf
    /// itself at level 0, then each parent whose right child it completes. `node` reads the left
    /// siblings, which are already stored. What a backend keeps, maintained on each append.
    public static func completedNodes(leafIndex index: Int64, leafHash: Data, _ node: NodeReader) throws
        -> [(level: Int, index: Int64, hash: Data)]
    {
        var out = [(level: 0, index: index, hash: leafHash)]
        var level = 0, i = index, h = leafHash
        while i & 1 == 1 {
            h = nodeHash(try node(level, i - 1), h)
            level += 1
            i >>= 1
            out.append((level, i, h))
        }
        return out
    }
}

extension MerkleTree {
    /// A node reader over leaves held in memory (`verify --checkpoint`, tests, the export
    /// verifier): every complete subtree computed from `leafHashes` on demand. Subtrees of 1024
    /// leaves and more are remembered once computed, so the roots of many sizes of one log cost
    /// about one pass over it, not one pass each.
    public static func nodes(of leafHashes: [Data]) -> NodeReader {
        final class Memo { var nodes: [Int64: Data] = [:] }
        let memo = Memo(), remembered = 10
        func node(_ level: Int, _ index: Int64) -> Data {
            if level == 0 { return leafHashes[Int(index)] }
            let key = index << 6 | Int64(level)
            if level >= remembered, let known = memo.nodes[key] { return known }
            let hash = nodeHash(node(level - 1, index * 2), node(level - 1, index * 2 + 1))
            if level >= remembered { memo.nodes[key] = hash }
            return hash
        }
        return { level, index in
            precondition((index + 1) << level <= leafHashes.count, "node \(level)/\(index) is not complete")
            return node(level, index)
        }
    }
}

extension StorageReader {
    /// The root of the log's tree at `size` events.
    public func merkleRoot(size: Int64) throws -> Data {
        try MerkleTree.root(size: size) { try merkleNode(level: $0, index: $1) }
    }

    /// The inclusion proof of the event at `position` (1-based) in the tree of `size` events.
    public func inclusionProof(position: Int64, size: Int64) throws -> [Data] {
        try MerkleTree.inclusionProof(index: position - 1, size: size) { try merkleNode(level: $0, index: $1) }
    }

    /// The consistency proof from the tree of `old` events to the tree of `new` events.
    public func consistencyProof(old: Int64, new: Int64) throws -> [Data] {
        try MerkleTree.consistencyProof(old: old, new: new) { try merkleNode(level: $0, index: $1) }
    }
}
