import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QuireCore
import QuireServer
import QuireService
import Testing

@Suite("Transferring a session over HTTP")
struct TransferRouteTests {
    @Test func aSystemAdminPostsATransferAndTheFormerOwnerGets404() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice), ops = try await f.auth(ServerFixture.ops)
        try await app.test(.router) { client in
            let created = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
            let id = try #require(created.json["id"]?.stringValue)
            let own = try await client.execute(uri: "/v1/sessions/\(id)/transfer", method: .post, headers: alice,
                                               body: ServerFixture.json("{\"to\":\"bob@x.test\"}"))
            #expect(own.status == .forbidden)
            let missingTo = try await client.execute(uri: "/v1/sessions/\(id)/transfer", method: .post, headers: ops,
                                                     body: ServerFixture.json("{}"))
            #expect(missingTo.status == .badRequest)
            #expect(missingTo.errorMessage == "Field 'to' is missing.")
            let moved = try await client.execute(uri: "/v1/sessions/\(id)/transfer", method: .post, headers: ops,
                                                 body: ServerFixture.json("{\"to\":\"bob@x.test\",\"reason\":\"leave\"}"))
            #expect(moved.status == .ok)
            #expect(moved.json["owner_email"]?.stringValue == "bob@x.test")
            let after = try await client.execute(uri: "/v1/sessions/\(id)", method: .get, headers: alice)
            #expect(after.status == .notFound)
            #expect(try f.events().last?.type == "access.denied")
        }
    }
}
