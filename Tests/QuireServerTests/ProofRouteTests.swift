import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import QuireCore
import QuireServer
import QuireService
import QuireStorage
import Testing

@Suite("HTTP checkpoint and proofs")
struct ProofRouteTests {
    @Test func checkpointProofsAndTheHeaderAgree() async throws {
        let f = try await ServerFixture()
        let key = try SigningKey(generatingFor: "quire.test/http")
        let app = try await buildApplication(
            service: f.service,
            configuration: QuireServerConfiguration(host: "127.0.0.1", port: 0, jwtSecret: ServerFixture.secret, logLevel: .error,
                                                    signingKey: key))
        let alice = try await f.auth(ServerFixture.alice)
        try await app.test(.router) { client in
            let before = try await client.execute(uri: "/v1/checkpoint", method: .get)
            #expect(before.status == .ok)
            let old = try SignedCheckpoint(String(buffer: before.body), verifiedBy: key.verifier)
            #expect(old.head.size == (try f.eventCount()))

            // A command's response names the log state it landed in.
            let created = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
            #expect(created.status == .created)
            let header = try #require(created.headers[HTTPField.Name("Quire-Checkpoint")!])
            let size = try f.eventCount()
            let root = try f.service.treeHead(origin: "").root
            #expect(header == "\(size) \(root.base64EncodedString())")

            let json = try await client.execute(uri: "/v1/checkpoint", method: .get, headers: [.accept: "application/json"])
            #expect(json.json["size"]?.intValue == Int(size))

            let consistency = try await client.execute(uri: "/v1/proofs/consistency?from=\(old.head.size)&to=\(size)", method: .get)
            #expect(consistency.status == .ok)
            let path = (consistency.json["proof"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap { Data(hex: $0) } }
            #expect(MerkleTree.verifyConsistency(old: old.head.size, new: size, oldRoot: old.head.root, newRoot: root, proof: path))

            let inclusion = try await client.execute(uri: "/v1/proofs/inclusion?position=2&size=\(size)", method: .get)
            #expect(inclusion.status == .ok)
            let leaf = try #require(inclusion.json["leaf_hash"]?.stringValue.flatMap { Data(hex: $0) })
            let audit = (inclusion.json["proof"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap { Data(hex: $0) } }
            #expect(MerkleTree.verifyInclusion(leafHash: leaf, index: 1, size: size, proof: audit, root: root))
            #expect(inclusion.json["event"] == nil || inclusion.json["event"] == .null, "the public proof shows no event")

            let outside = try await client.execute(uri: "/v1/proofs/inclusion?position=\(size + 1)", method: .get)
            #expect(outside.status == .notFound)
            let typo = try await client.execute(uri: "/v1/proofs/consistency?form=1", method: .get)
            #expect(typo.status == .badRequest)
        }
    }

    @Test func aServerWithoutAKeySignsNoCheckpoint() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        try await app.test(.router) { client in
            let r = try await client.execute(uri: "/v1/checkpoint", method: .get)
            #expect(r.status == .notFound && r.errorMessage.contains("signing-key"), "\(r.errorMessage)")
        }
    }
}
