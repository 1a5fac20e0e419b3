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

@Suite("Cleanup over HTTP")
struct CleanupRouteTests {
    @Test func postCleanupDryRunThenForRealWithTheSameAnswers() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice)
        for i in 0..<2 {
            let row = LegacyRow(id: SessionID("old-\(i)"), createdBy: nil, status: .inProgress, jsonHash: nil, fileName: "old-\(i).json",
                                createdAt: nil, updatedAt: nil, lastAccessedAt: nil, metadata: [:])
            _ = try f.service.handle(.command(.importLegacySession(row)), as: .named(ServerFixture.ops))
        }
        try await app.test(.router) { client in
            let dry = try await client.execute(uri: "/v1/cleanup", method: .post, headers: alice,
                                               body: ServerFixture.json("{\"legacy\":true,\"dry_run\":true}"))
            #expect(dry.status == .ok)
            #expect(dry.json["sessions"]?.count == 2)
            #expect(dry.json["deleted"]?.intValue == 0)
            let done = try await client.execute(uri: "/v1/cleanup", method: .post, headers: alice,
                                                body: ServerFixture.json("{\"legacy\":true,\"command_id\":\"c-1\"}"))
            #expect(done.json["deleted"]?.intValue == 2)
            let again = try await client.execute(uri: "/v1/cleanup", method: .post, headers: alice,
                                                 body: ServerFixture.json("{\"legacy\":true,\"command_id\":\"c-1\"}"))
            #expect(again.json["deleted"]?.intValue == 0)
            let nothing = try await client.execute(uri: "/v1/cleanup", method: .post, headers: alice, body: ServerFixture.json("{}"))
            #expect(nothing.status == .badRequest)
            let others = try await client.execute(uri: "/v1/cleanup", method: .post, headers: alice,
                                                  body: ServerFixture.json("{\"owner\":\"bob@x.test\"}"))
            #expect(others.status == .forbidden)
            let badStatus = try await client.execute(uri: "/v1/cleanup", method: .post, headers: alice,
                                                     body: ServerFixture.json("{\"status\":\"gone\"}"))
            #expect(badStatus.status == .badRequest)
            // Found by schemathesis: an idle_hours too large for an Int stopped the server.
            for hours in ["2.3436175231180307e+268", "-1", "1000000.5"] {
                let huge = try await client.execute(uri: "/v1/cleanup", method: .post, headers: alice,
                                                    body: ServerFixture.json("{\"idle_hours\":\(hours),\"dry_run\":true}"))
                #expect(huge.status == .badRequest, "idle_hours \(hours)")
            }
        }
        #expect(try f.events().filter { $0.type == "session.deleted" }.count == 2)
    }
}
