import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import QuireCore
import QuireServer
import Testing

/// The ETag a client holds changes only when the session's content does: reading it (which is
/// recorded as `session.accessed`) never makes anyone's `If-Match` stale.
@Suite("Content versions over HTTP")
struct ContentVersionTests {
    @Test func readingASessionKeepsItsETagAndAStaleIfMatchSaysWhoChangedIt() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice)
        try await app.test(.router) { client in
            let created = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
            let id = created.json["id"]?.stringValue ?? ""
            #expect(created.headers[.eTag] == "\"1\"")
            #expect(created.json["content_version"]?.intValue == 1)
            // Two reads, each appending session.accessed: the stream moves, the ETag does not.
            for _ in 0..<2 {
                let shown = try await client.execute(uri: "/v1/sessions/\(id)", method: .get, headers: alice)
                #expect(shown.headers[.eTag] == "\"1\"")
            }
            let shown = try await client.execute(uri: "/v1/sessions/\(id)", method: .get, headers: alice)
            #expect(shown.json["version"]?.intValue == 4)
            #expect(shown.json["content_version"]?.intValue == 1)
            var h = alice
            h[.ifMatch] = "\"1\""
            let updated = try await client.execute(uri: "/v1/sessions/\(id)", method: .patch, headers: h,
                                                   body: ServerFixture.json(#"{"progress":10}"#))
            #expect(updated.status == .ok)
            #expect(updated.headers[.eTag] == "\"2\"")
            // A second client still holding "1" is refused, and told who changed the session.
            let stale = try await client.execute(uri: "/v1/sessions/\(id)", method: .patch, headers: h,
                                                 body: ServerFixture.json(#"{"progress":20}"#))
            #expect(stale.status == .preconditionFailed)
            let message = stale.json["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("was changed by \(ServerFixture.alice)"), "\(message)")
            #expect(message.contains("since your version 1"), "\(message)")
            #expect(stale.json["error"]?["actual_version"]?.intValue == 2)
        }
    }
}

/// Errors speak of what the client sent, and the README's audit examples answer something.
@Suite("HTTP wording and examples")
struct HTTPWordingTests {
    @Test func aBodyWithoutAFileNameIsCalledTheRequestBody() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice)
        try await app.test(.router) { client in
            let bad = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.json("{nope"))
            #expect(bad.status == .badRequest)
            let message = bad.json["error"]?["message"]?.stringValue ?? ""
            #expect(message.hasPrefix("The request body is not valid JSON"), "\(message)")
            #expect(!message.contains("paper.json"))
            let named = try await client.execute(uri: "/v1/sessions?file_name=june.json", method: .post, headers: alice,
                                                 body: ServerFixture.json("{nope"))
            #expect(named.json["error"]?["message"]?.stringValue?.hasPrefix("june.json is not valid JSON") == true)
        }
    }

    /// The README's two audit examples, as written there, return events.
    @Test func theReadmesAuditExamplesReturnSomething() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice), bob = try await f.auth(ServerFixture.bob)
        let ops = try await f.auth(ServerFixture.ops)
        try await app.test(.router) { client in
            let created = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
            let id = created.json["id"]?.stringValue ?? ""
            #expect(try await client.execute(uri: "/v1/sessions/\(id)", method: .get, headers: bob).status == .notFound)
            let denied = try await client.execute(uri: "/v1/audit?denied=true&since=24h&limit=50", method: .get, headers: ops)
            #expect(denied.status == .ok)
            #expect((denied.json.arrayValue ?? []).contains { $0["type"]?.stringValue == "access.denied" })
            let sessions = try await client.execute(uri: "/v1/audit?type=session.&since=24h&limit=50", method: .get, headers: ops)
            #expect((sessions.json.arrayValue ?? []).contains { $0["type"]?.stringValue == "session.created" })
        }
    }
}
