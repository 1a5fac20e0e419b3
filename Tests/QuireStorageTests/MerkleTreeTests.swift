import Foundation
import QuireCore
import QuireStorage
import Testing

/// The tree rules against the RFC 6962/9162 reference vectors (transparency-dev/merkle's test
/// leaves and their published roots and proofs), then every proof of small trees both ways.
struct MerkleTreeTests {
    static func unhex(_ s: String) -> Data {
        var bytes: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            bytes.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return Data(bytes)
    }

    static func hex(_ d: Data) -> String { d.map { String(format: "%02x", $0) }.joined() }

    static let leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                         "606162636465666768696a6b6c6d6e6f"].map { MerkleTree.leafHash(unhex($0)) }
    static let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    /// The tree as a backend keeps it: only the nodes `completedNodes` produced on each append.
    static func stored(_ leafHashes: [Data]) throws -> MerkleTree.NodeReader {
        var nodes: [String: Data] = [:]
        for (i, leaf) in leafHashes.enumerated() {
            for n in try MerkleTree.completedNodes(leafIndex: Int64(i), leafHash: leaf, { l, x in nodes["\(l)/\(x)"]! }) {
                nodes["\(n.level)/\(n.index)"] = n.hash
            }
        }
        return { level, index in
            guard let h = nodes["\(level)/\(index)"] else { throw QuireError.internal("no node \(level)/\(index)") }
            return h
        }
    }

    @Test func rootsMatchTheReference() throws {
        let node = try Self.stored(Self.leaves)
        for size in 0...8 {
            #expect(Self.hex(try MerkleTree.root(size: Int64(size), node)) == Self.roots[size], "size \(size)")
        }
    }

    @Test func inclusionProofsMatchTheReference() throws {
        let node = try Self.stored(Self.leaves)
        let cases: [(Int64, Int64, [String])] = [
            (0, 1, []),
            (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
            (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        ]
        for (index, size, want) in cases {
            let proof = try MerkleTree.inclusionProof(index: index, size: size, node)
            #expect(proof.map(Self.hex) == want, "leaf \(index) of \(size)")
            #expect(MerkleTree.verifyInclusion(leafHash: Self.leaves[Int(index)], index: index, size: size, proof: proof,
                                               root: Self.unhex(Self.roots[Int(size)])))
        }
    }

    @Test func consistencyProofsMatchTheReference() throws {
        let node = try Self.stored(Self.leaves)
        let cases: [(Int64, Int64, [String])] = [
            (1, 1, []),
            (2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
            (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
            (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
        ]
        for (old, new, want) in cases {
            let proof = try MerkleTree.consistencyProof(old: old, new: new, node)
            #expect(proof.map(Self.hex) == want, "\(old) → \(new)")
            #expect(MerkleTree.verifyConsistency(old: old, new: new, oldRoot: Self.unhex(Self.roots[Int(old)]),
                                                 newRoot: Self.unhex(Self.roots[Int(new)]), proof: proof))
        }
    }

    /// Every proof of every tree up to 40 leaves verifies against the root computed naively, and
    /// is rejected once any of its inputs changes.
    @Test func everyProofOfSmallTreesVerifiesAndNoForgeryDoes() throws {
        let leaves = (0..<40).map { MerkleTree.leafHash(Data([UInt8($0), 7])) }
        let node = try Self.stored(leaves)
        let naive = MerkleTree.nodes(of: leaves)
        let roots = try (0...leaves.count).map { try MerkleTree.root(size: Int64($0), node) }
        for n in 0...leaves.count { #expect(try MerkleTree.root(size: Int64(n), naive) == roots[n]) }
        for n in 1...Int64(leaves.count) {
            for i in 0..<n {
                let proof = try MerkleTree.inclusionProof(index: i, size: n, node)
                let leaf = leaves[Int(i)]
                #expect(MerkleTree.verifyInclusion(leafHash: leaf, index: i, size: n, proof: proof, root: roots[Int(n)]))
                #expect(!MerkleTree.verifyInclusion(leafHash: leaves[Int((i + 1) % n)], index: i, size: n, proof: proof,
                                                    root: roots[Int(n)]) || n == 1)
                if n > 1 {
                    #expect(!MerkleTree.verifyInclusion(leafHash: leaf, index: i, size: n, proof: Array(proof.dropLast()), root: roots[Int(n)]))
                    #expect(!MerkleTree.verifyInclusion(leafHash: leaf, index: (i + 1) % n, size: n, proof: proof, root: roots[Int(n)]))
                }
            }
            for m in 0...n {
                let proof = try MerkleTree.consistencyProof(old: m, new: n, node)
                #expect(MerkleTree.verifyConsistency(old: m, new: n, oldRoot: roots[Int(m)], newRoot: roots[Int(n)], proof: proof),
                        "\(m) → \(n)")
                if m > 0 && m < n {
                    // A different old tree of the same size is not a prefix.
                    var other = leaves
                    other[Int(m) - 1] = MerkleTree.leafHash(Data([0xFF]))
                    let otherRoot = try MerkleTree.root(size: m, MerkleTree.nodes(of: other))
                    #expect(!MerkleTree.verifyConsistency(old: m, new: n, oldRoot: otherRoot, newRoot: roots[Int(n)], proof: proof))
                    #expect(!MerkleTree.verifyConsistency(old: m, new: n, oldRoot: roots[Int(m)], newRoot: roots[Int(n)],
                                                          proof: Array(proof.dropFirst())))
                }
            }
        }
    }

    /// Root and proofs read O(log n) stored nodes.
    @Test func proofsReadLogarithmicallyManyNodes() throws {
        let leaves = (0..<1000).map { MerkleTree.leafHash(Data([UInt8($0 & 0xFF), UInt8($0 >> 8)])) }
        let stored = try Self.stored(leaves)
        var reads = 0
        let counting: MerkleTree.NodeReader = { l, i in reads += 1; return try stored(l, i) }
        _ = try MerkleTree.root(size: 999, counting)
        #expect(reads <= 10)
        reads = 0
        _ = try MerkleTree.inclusionProof(index: 500, size: 999, counting)
        #expect(reads <= 20)
        reads = 0
        _ = try MerkleTree.consistencyProof(old: 377, new: 999, counting)
        #expect(reads <= 30)
    }
}

/// Signed notes and checkpoints in the C2SP formats.
struct SignedNoteTests {
    @Test func aCheckpointRoundTripsAndOnlyItsKeyVerifiesIt() throws {
        let key = try SigningKey(generatingFor: "quire.example/exams")
        let head = TreeHead(origin: "quire.example/exams", size: 42, root: MerkleTree.emptyRoot)
        let note = try head.signed(by: key).description
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "quire.example/exams")
        #expect(lines[1] == "42")
        #expect(lines[2] == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        #expect(lines[3] == "")
        #expect(lines[4].hasPrefix("\u{2014} quire.example/exams "))
        let read = try SignedCheckpoint(note, verifiedBy: key.verifier)
        #expect(read.head == head)

        let verifier = try VerifierKey(key.verifier.description)
        #expect(verifier == key.verifier)
        let again = try SigningKey(fileText: key.fileText)
        #expect(again.verifier == key.verifier)

        let other = try SigningKey(generatingFor: "quire.example/exams")
        #expect(throws: QuireError.self) { try SignedCheckpoint(note, verifiedBy: other.verifier) }
        let forged = note.replacingOccurrences(of: "\n42\n", with: "\n41\n")
        #expect(throws: QuireError.self) { try SignedCheckpoint(forged, verifiedBy: key.verifier) }
    }

    /// The key hash is the signed-note rule: SHA-256(name ‖ \n ‖ 0x01 ‖ key), first 4 bytes.
    /// Checked against the example key of C2SP signed-note / Go's note package.
    @Test func theKeyHashFollowsSignedNote() throws {
        let key = try VerifierKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        #expect(key.name == "PeterNeumann")
        #expect(key.keyHash == 0xc74f20a3)
    }

    /// Go's `note` package example: the same private key file form, and Ed25519 is deterministic,
    /// so quire must produce its signed note byte for byte.
    @Test func signingMatchesGosNoteExample() throws {
        let key = try SigningKey(fileText: "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
        #expect(key.verifier.description == "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
        let note = SignedNote(text: text, signatures: [try key.sign(text)]).description
        #expect(note == text + "\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
        #expect(try SignedNote(note).isSigned(by: key.verifier))
    }
}

/// The worked example of events/proofs/README.md is what quire's own code computes, byte for byte.
struct ProofExampleTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("events/proofs")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    @Test func theWorkedExampleIsQuiresOwnOutput() throws {
        let example = try JSONDecoder().decode(HashExampleTests.Example.self, from: Data(contentsOf: HashExampleTests.exampleURL))
        let leaves = example.events.map { MerkleTree.leafHash(Data(hex: $0.hash)!) }
        let node = try MerkleTreeTests.stored(leaves)
        let key = try SigningKey(fileText: try Self.text("example.key"))
        #expect(key.verifier.description + "\n" == (try Self.text("example.vkey")))
        #expect(key.name == "quire.example/exams")
        for size in [1, 2] as [Int64] {
            let head = TreeHead(origin: key.name, size: size, root: try MerkleTree.root(size: size, node))
            #expect(try head.signed(by: key).description == (try Self.text("checkpoint-\(size).txt")))
        }
        struct Inclusion: Decodable { var size: Int64; var leaf_index: Int64; var event_hash: String; var proof: [String]; var root: String }
        let inclusion = try JSONDecoder().decode(Inclusion.self, from: Data(try Self.text("inclusion-1-of-2.json").utf8))
        #expect(try MerkleTree.inclusionProof(index: 0, size: 2, node).map(\.hex) == inclusion.proof)
        let root2 = try MerkleTree.root(size: 2, node)
        #expect(inclusion.event_hash == example.events[0].hash && inclusion.root == root2.hex)
        struct Consistency: Decodable { var proof: [String] }
        let consistency = try JSONDecoder().decode(Consistency.self, from: Data(try Self.text("consistency-1-2.json").utf8))
        #expect(try MerkleTree.consistencyProof(old: 1, new: 2, node).map(\.hex) == consistency.proof)
    }
}

extension SignedNoteTests {
    /// A cosignature/v1 line: key type 0x04 in the key hash, an 8-byte time before the signature,
    /// and a signature over "cosignature/v1", the time line and the checkpoint.
    @Test func aWitnessCosignatureFollowsTlogCosignature() throws {
        let log = try SigningKey(generatingFor: "quire.example/exams")
        let witness = try SigningKey(generatingFor: "witness.example/w1", kind: .cosigner)
        #expect(witness.verifier.description.split(separator: "+", maxSplits: 2)[2].hasPrefix("B"))  // base64 of 0x04…
        #expect(try VerifierKey(witness.verifier.description) == witness.verifier)
        let head = TreeHead(origin: log.name, size: 3, root: MerkleTree.emptyRoot)
        var note = try head.signed(by: log)
        note.signatures.append(try witness.sign(note.text, time: 1_679_315_147))
        let read = try SignedNote(note.description)
        #expect(read.isSigned(by: log.verifier) && read.isSigned(by: witness.verifier))
        let line = try #require(read.signatures.last)
        #expect(line.signature.count == 72 && line.signature.prefix(8) == Data([0, 0, 0, 0, 0x64, 0x18, 0x50, 0xCB]))
        // The witness's signature is not a plain note signature over the text.
        let asSigner = VerifierKey(name: witness.name, publicKey: witness.verifier.publicKey)
        #expect(!read.isSigned(by: asSigner))
        let other = SignedNote(text: TreeHead(origin: log.name, size: 4, root: MerkleTree.emptyRoot).text, signatures: [line])
        #expect(!other.isSigned(by: witness.verifier))
    }
}
