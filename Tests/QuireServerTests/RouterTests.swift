import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import NIOCore
import QuireCore
import QuireServer
import QuireService
import QuireStorage
import Testing

@Suite("HTTP routes (through the router)")
struct RouterTests {
    // MARK: - Auth

    @Test func everyBadTokenIsA401AndAppendsNothing() async throws {
        let f = try await ServerFixture(admins: [ServerFixture.alice, "gone@x.test"])
        let alice = f.ids[ServerFixture.alice]!
        let future = Int(Date().timeIntervalSince1970) + 3600
        let claims = "{\"sub\":\"\(alice.rawValue)\",\"exp\":\(future)}"
        let expired = try await f.tokens.issue(for: alice, ttl: 60, now: Date().addingTimeInterval(-3600))
        let wrongKey = try await TokenAuthority(secret: "another-secret-that-is-long-enough-0123456789").issue(for: alice, ttl: 3600)
        let algNone = base64URL("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + base64URL(claims) + "."
        // The right secret, but HS512: only HS256 is accepted.
        let hs512 = JWTKeyCollection()
        await hs512.add(hmac: HMACKey(from: ServerFixture.secret), digestAlgorithm: .sha512)
        let wrongAlg = try await hs512.sign(QuireClaims(subject: alice.rawValue, expires: Date().addingTimeInterval(3600)))
        let hs256 = JWTKeyCollection()
        await hs256.add(hmac: HMACKey(from: ServerFixture.secret), digestAlgorithm: .sha256)
        let noExpiry = try await hs256.sign(ClaimsWithoutExpiry(sub: SubjectClaim(value: alice.rawValue)))
        let unknownUser = try await f.tokens.issue(for: UserID(UUID().uuidString.lowercased()), ttl: 3600)
        _ = try f.service.handle(.command(.deactivateUser(DeactivateUser(user: "gone@x.test"))), as: .named(ServerFixture.ops))
        let deactivated = try await f.token("gone@x.test")
        let good = try await f.token(ServerFixture.alice)
        // A valid signature over a tampered payload.
        let parts = good.split(separator: ".")
        let tampered = parts[0] + "." + base64URL("{\"sub\":\"\(f.ids[ServerFixture.bob]?.rawValue ?? "x")\",\"exp\":\(future)}") + "." + parts[2]

        let cases: [(String, String?)] = [
            ("no header", nil), ("not bearer", "Basic YWxpY2U6cHc="), ("empty bearer", "Bearer "),
            ("malformed", "Bearer not-a-jwt"), ("garbage parts", "Bearer a.b.c"), ("expired", "Bearer " + expired),
            ("wrong key", "Bearer " + wrongKey), ("alg none", "Bearer " + algNone), ("HS512", "Bearer " + wrongAlg),
            ("no exp", "Bearer " + noExpiry), ("unknown user", "Bearer " + unknownUser),
            ("deactivated user", "Bearer " + deactivated), ("tampered payload", "Bearer " + String(tampered)),
        ]
        let before = try f.eventCount()
        let app = try await f.application()
        try await app.test(.router) { client in
            for (name, header) in cases {
                var headers: HTTPFields = [:]
                if let header { headers[.authorization] = header }
                let r = try await client.execute(uri: "/v1/sessions", method: .get, headers: headers)
                #expect(r.status == .unauthorized, "\(name)")
                #expect(r.errorCode == "unauthorized" || r.errorCode == "unknown_user", "\(name): \(r.json)")
                #expect(r.headers[.wwwAuthenticate] == "Bearer", "\(name)")
            }
            let ok = try await client.execute(uri: "/v1/sessions", method: .get, headers: [.authorization: "Bearer " + good])
            #expect(ok.status == .ok)
        }
        #expect(try f.eventCount() == before)
    }

    @Test func aShortSecretIsRefused() async throws {
        await #expect(throws: QuireError.self) { _ = try await TokenAuthority(secret: "short") }
        let f = try await ServerFixture()
        await #expect(throws: QuireError.self) {
            _ = try await buildApplication(service: f.service, configuration: QuireServerConfiguration(jwtSecret: ""))
        }
    }

    @Test func healthAndMetricsNeedNoToken() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice)
        try await app.test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(health.json["status"]?.stringValue == "ok")
            _ = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
            _ = try await client.execute(uri: "/v1/sessions/nope", method: .get, headers: alice)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            let text = String(buffer: metrics.body)
            #expect(text.contains(#"quire_commands_total{type="session.create",outcome="ok"} 1"#), "\(text)")
            #expect(text.contains(#"quire_commands_total{type="session.access",outcome="not_found"} 1"#))
            #expect(text.contains("quire_append_duration_seconds_bucket"))
            #expect(text.contains("quire_batch_size_count 2"))
            #expect(text.contains("quire_open_streams"))
        }
    }

    @Test func anUnknownRouteIsAJSON404() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        try await app.test(.router) { client in
            let r = try await client.execute(uri: "/nowhere", method: .get)
            #expect(r.status == .notFound)
            #expect(r.errorCode == "not_found")
        }
    }

    // MARK: - Sessions

    @Test func createListShowResumeUpdateCompleteDelete() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice), bob = try await f.auth(ServerFixture.bob)
        try await app.test(.router) { client in
            let created = try await client.execute(uri: "/v1/sessions?name=June%20paper&file_name=june.json", method: .post,
                                                   headers: alice, body: ServerFixture.paper())
            #expect(created.status == .created)
            let s = created.json
            let id = try #require(s["id"]?.stringValue)
            #expect(s["name"]?.stringValue == "June paper")
            #expect(s["file_name"]?.stringValue == "june.json")
            #expect(s["owner_email"]?.stringValue == ServerFixture.alice)
            #expect(s["question_count"]?.intValue == 4)
            #expect(s["status"]?.stringValue == "in_progress")
            for key in ["owner_id", "step", "progress", "questions_imported", "json_hash", "legacy", "version", "created_at",
                        "updated_at", "last_accessed_at"] {
                #expect(s[key] != nil, "missing \(key)")
            }
            #expect(created.headers[.eTag] == "\"1\"")

            let list = try await client.execute(uri: "/v1/sessions", method: .get, headers: alice)
            #expect(list.status == .ok)
            #expect(list.json.count == 1)
            #expect(try await client.execute(uri: "/v1/sessions", method: .get, headers: bob).json.count == 0)

            let shown = try await client.execute(uri: "/v1/sessions/\(id)", method: .get, headers: alice)
            #expect(shown.status == .ok)
            #expect(shown.json["version"]?.intValue == 2)  // the access is an event

            let resumed = try await client.execute(uri: "/v1/sessions/resume", method: .get, headers: alice)
            #expect(resumed.status == .ok)
            #expect(resumed.json["id"]?.stringValue == id)
            let nothing = try await client.execute(uri: "/v1/sessions/resume", method: .get, headers: bob)
            #expect(nothing.status == .notFound)

            let patched = try await client.execute(
                uri: "/v1/sessions/\(id)", method: .patch, headers: alice,
                body: ServerFixture.json(#"{"step":"questions","progress":50,"questions_imported":2,"metadata":{"board":"CIE"}}"#))
            #expect(patched.status == .ok, "\(patched.json)")
            #expect(patched.json["progress"]?.intValue == 50)
            #expect(patched.json["step"]?.stringValue == "questions")
            #expect(patched.json["metadata"]?["board"]?.stringValue == "CIE")

            let completed = try await client.execute(uri: "/v1/sessions/\(id)/complete", method: .post, headers: alice,
                                                     body: ServerFixture.json(#"{"questions_imported":4}"#))
            #expect(completed.status == .ok, "\(completed.json)")
            #expect(completed.json["status"]?.stringValue == "completed")
            #expect(completed.json["questions_imported"]?.intValue == 4)
            let again = try await client.execute(uri: "/v1/sessions/\(id)/complete", method: .post, headers: alice)
            #expect(again.status == .conflict)
            #expect(again.errorCode == "not_in_progress")
            let late = try await client.execute(uri: "/v1/sessions/\(id)", method: .patch, headers: alice,
                                                body: ServerFixture.json(#"{"progress":60}"#))
            #expect(late.status == .conflict)

            let deleted = try await client.execute(uri: "/v1/sessions/\(id)?reason=test", method: .delete, headers: alice)
            #expect(deleted.status == .ok, "\(deleted.json)")
            let gone = try await client.execute(uri: "/v1/sessions/\(id)", method: .get, headers: alice)
            #expect(gone.status == .notFound)
            #expect(try await client.execute(uri: "/v1/sessions", method: .get, headers: alice).json.count == 0)
        }
        let deletion = try #require(try f.events().last { $0.type == "session.deleted" })
        #expect(deletion.payload["reason"]?.stringValue == "test")
    }

    @Test func anotherUsersSessionIsA404AndTheAttemptIsAudited() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice), bob = try await f.auth(ServerFixture.bob)
        let ops = try await f.auth(ServerFixture.ops)
        try await app.test(.router) { client in
            let id = try #require(try await client.execute(uri: "/v1/sessions", method: .post, headers: alice,
                                                          body: ServerFixture.paper()).json["id"]?.stringValue)
            let before = try f.eventCount()
            let missing = try await client.execute(uri: "/v1/sessions/no-such-id", method: .get, headers: bob)
            let attempts = [
                try await client.execute(uri: "/v1/sessions/\(id)", method: .get, headers: bob),
                try await client.execute(uri: "/v1/sessions/\(id)", method: .patch, headers: bob, body: ServerFixture.json(#"{"progress":9}"#)),
                try await client.execute(uri: "/v1/sessions/\(id)/complete", method: .post, headers: bob),
                try await client.execute(uri: "/v1/sessions/\(id)", method: .delete, headers: bob),
            ]
            for r in attempts {
                #expect(r.status == .notFound)
                #expect(r.errorCode == "not_found")
                #expect(r.errorMessage == missing.errorMessage.replacingOccurrences(of: "no-such-id", with: id))
            }
            #expect(try f.eventCount() == before + 4)  // one access.denied each; the missing id appends nothing
            let denied = try await client.execute(uri: "/v1/audit?denied=true&session=\(id)", method: .get, headers: ops)
            #expect(denied.status == .ok)
            #expect(denied.json.count == 4)
            #expect(denied.json[0]?["actor_email"]?.stringValue == ServerFixture.bob)
            #expect(denied.json[0]?["type"]?.stringValue == "access.denied")
            // Alice's session is untouched.
            let s = try await client.execute(uri: "/v1/sessions/\(id)", method: .get, headers: alice).json
            #expect(s["progress"]?.intValue == 0)
            #expect(s["status"]?.stringValue == "in_progress")
        }
    }

    @Test func duplicatesAreA409UnlessAllowed() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice), bob = try await f.auth(ServerFixture.bob)
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
            let dup = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
            #expect(dup.status == .conflict)
            #expect(dup.errorCode == "duplicate")
            #expect(dup.errorMessage.contains(first.json["id"]?.stringValue ?? "?"))
            let allowed = try await client.execute(uri: "/v1/sessions?allow_duplicate=true", method: .post, headers: alice,
                                                   body: ServerFixture.paper())
            #expect(allowed.status == .created)
            #expect(allowed.json["warnings"]?.count ?? 0 >= 1)  // the similar in-progress session
            // Another user's identical file is no duplicate.
            #expect(try await client.execute(uri: "/v1/sessions", method: .post, headers: bob, body: ServerFixture.paper()).status == .created)
            let badFlag = try await client.execute(uri: "/v1/sessions?allow_duplicate=maybe", method: .post, headers: alice,
                                                   body: ServerFixture.paper())
            #expect(badFlag.status == .badRequest)
            #expect(badFlag.errorMessage.contains("allow_duplicate"))
        }
    }

    @Test func theSameCommandIDReplaysAndAReusedOneIsA409() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice)
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/v1/sessions?command_id=c-1", method: .post, headers: alice, body: ServerFixture.paper())
            #expect(first.status == .created)
            let count = try f.eventCount()
            let again = try await client.execute(uri: "/v1/sessions?command_id=c-1", method: .post, headers: alice, body: ServerFixture.paper())
            #expect(again.status == .ok)
            #expect(again.json["replayed"]?.boolValue == true)
            #expect(again.json["id"] == first.json["id"])
            #expect(try f.eventCount() == count)
            let id = first.json["id"]?.stringValue ?? ""
            let reused = try await client.execute(uri: "/v1/sessions/\(id)?command_id=c-1", method: .patch, headers: alice,
                                                  body: ServerFixture.json(#"{"progress":5}"#))
            #expect(reused.status == .conflict)
            #expect(reused.errorCode == "command_id_reused")
        }
    }

    @Test func ifMatchGuardsUpdates() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice)
        try await app.test(.router) { client in
            let created = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
            let id = created.json["id"]?.stringValue ?? ""
            var h = alice
            h[.ifMatch] = created.headers[.eTag]  // "1"
            let ok = try await client.execute(uri: "/v1/sessions/\(id)", method: .patch, headers: h, body: ServerFixture.json(#"{"progress":10}"#))
            #expect(ok.status == .ok)
            #expect(ok.headers[.eTag] == "\"2\"")
            let stale = try await client.execute(uri: "/v1/sessions/\(id)", method: .patch, headers: h, body: ServerFixture.json(#"{"progress":20}"#))
            #expect(stale.status == .preconditionFailed)
            #expect(stale.errorCode == "precondition_failed")
            #expect(stale.json["error"]?["actual_version"]?.intValue == 2)
            h[.ifMatch] = "2"
            #expect(try await client.execute(uri: "/v1/sessions/\(id)/complete", method: .post, headers: h).status == .ok)
            h[.ifMatch] = "\"2\""
            let staleDelete = try await client.execute(uri: "/v1/sessions/\(id)", method: .delete, headers: h)
            #expect(staleDelete.status == .preconditionFailed)
            h[.ifMatch] = "version-two"
            #expect(try await client.execute(uri: "/v1/sessions/\(id)", method: .delete, headers: h).status == .badRequest)
            // Without If-Match, a stale expected_version in the body is a plain conflict.
            let second = try await client.execute(uri: "/v1/sessions?allow_duplicate=true", method: .post, headers: alice,
                                                  body: ServerFixture.paper("other"))
            let sid = second.json["id"]?.stringValue ?? ""
            let conflict = try await client.execute(uri: "/v1/sessions/\(sid)", method: .patch, headers: alice,
                                                    body: ServerFixture.json(#"{"progress":20,"expected_version":7}"#))
            #expect(conflict.status == .conflict)
            #expect(conflict.errorCode == "conflict")
        }
    }

    @Test func hostileBodiesAreA400NamingTheField() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice)
        try await app.test(.router) { client in
            let id = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
                .json["id"]?.stringValue ?? ""
            let before = try f.eventCount()
            let cases: [(String, String)] = [
                (#"{"progress":"half"}"#, "progress"),
                (#"{"progress":150}"#, "progress"),
                (#"{"progress":1.5}"#, "progress"),
                (#"{"step":"flying"}"#, "flying"),
                (#"{"metadata":[1,2]}"#, "metadata"),
                (#"{"progres":10}"#, "progres"),
                (#"{"session_id":"other","progress":1}"#, "session_id"),
                (#"{"progress":10"#, ""),
                (#"{"progress":10,}"#, ""),
                (#"[1,2]"#, "object"),
                (#"{}"#, ""),
            ]
            for (body, word) in cases {
                let r = try await client.execute(uri: "/v1/sessions/\(id)", method: .patch, headers: alice, body: ServerFixture.json(body))
                #expect(r.status == .badRequest, "\(body): \(r.json)")
                #expect(r.errorCode == "invalid_input" || r.errorCode == "usage", "\(body)")
                #expect(word.isEmpty || r.errorMessage.contains(word), "\(body): \(r.errorMessage)")
            }
            let notJSON = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.json("questions: 1"))
            #expect(notJSON.status == .badRequest)
            let notObject = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.json("[]"))
            #expect(notObject.status == .badRequest)
            let unknownParam = try await client.execute(uri: "/v1/sessions?nmae=x", method: .post, headers: alice, body: ServerFixture.paper())
            #expect(unknownParam.status == .badRequest)
            #expect(unknownParam.errorMessage.contains("nmae"))
            #expect(try f.eventCount() == before)
        }
    }

    @Test func aBodyOverThePaperLimitIsA413() async throws {
        let f = try await ServerFixture(paperLimit: 2048)
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice)
        let big = ServerFixture.paper(questions: 200)
        #expect(big.readableBytes > 2048)
        try await app.test(.router) { client in
            // (A Content-Length over the limit is refused before the body is read: see LiveTests.)
            let byBytes = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: big)
            #expect(byBytes.status == .contentTooLarge)
            #expect(byBytes.errorCode == "too_large")
            let commands = try await client.execute(
                uri: "/v1/commands", method: .post, headers: alice,
                body: ServerFixture.json(#"{"type":"session.create","paper":"# + String(buffer: big) + "}"))
            #expect(commands.status == .contentTooLarge)
            #expect(try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper()).status == .created)
        }
    }

    // MARK: - Monitor and audit

    @Test func monitorIsForSystemAdmins() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice), ops = try await f.auth(ServerFixture.ops)
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
            let rows = try await client.execute(uri: "/v1/monitor", method: .get, headers: ops)
            #expect(rows.status == .ok)
            #expect(rows.json.count == 1)
            #expect(rows.json[0]?["owner_email"]?.stringValue == ServerFixture.alice)
            #expect(rows.json[0]?["hours_since_access"] != nil)
            #expect(try await client.execute(uri: "/v1/monitor?stale_hours=5", method: .get, headers: ops).json.count == 0)
            #expect(try await client.execute(uri: "/v1/monitor?stale_hours=-1", method: .get, headers: ops).status == .badRequest)
            let before = try f.eventCount()
            let refused = try await client.execute(uri: "/v1/monitor", method: .get, headers: alice)
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "forbidden")
            #expect(try f.eventCount() == before + 1)  // the access.denied
        }
    }

    @Test func monitorRowsNameTheirCollaboratorsUntilRemoved() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice), ops = try await f.auth(ServerFixture.ops)
        try await app.test(.router) { client in
            let id = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
                .json["id"]?.stringValue ?? ""
            let other = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper("9709/13"))
                .json["id"]?.stringValue ?? ""
            let share = try await client.execute(uri: "/v1/sessions/\(id)/share", method: .post, headers: alice,
                                                 body: ServerFixture.json(#"{"with":"bob@x.test","role":"viewer"}"#))
            #expect(share.status == .ok, "\(String(buffer: share.body))")

            func collaborators() async throws -> [String: JSONValue] {
                let rows = try await client.execute(uri: "/v1/monitor", method: .get, headers: ops)
                #expect(rows.status == .ok)
                var out: [String: JSONValue] = [:]
                for row in rows.json.arrayValue ?? [] { out[row["id"]?.stringValue ?? ""] = row["collaborators"] ?? .null }
                return out
            }
            let bob = JSONValue.object(["user_id": .string(f.ids[ServerFixture.bob]!.rawValue), "email": .string(ServerFixture.bob),
                                        "role": .string("viewer")])
            #expect(try await collaborators() == [id: .array([bob]), other: .array([])])

            // Removal revokes at once.
            let unshare = try await client.execute(uri: "/v1/sessions/\(id)/unshare", method: .post, headers: alice,
                                                   body: ServerFixture.json(#"{"with":"bob@x.test"}"#))
            #expect(unshare.status == .ok, "\(String(buffer: unshare.body))")
            #expect(try await collaborators() == [id: .array([]), other: .array([])])

            // The owner, an admin, still may not read the monitor.
            let refused = try await client.execute(uri: "/v1/monitor", method: .get, headers: alice)
            #expect(refused.status == .forbidden && refused.errorCode == "forbidden")
        }
    }

    @Test func auditFiltersAndScope() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice), bob = try await f.auth(ServerFixture.bob)
        let ops = try await f.auth(ServerFixture.ops)
        try await app.test(.router) { client in
            let id = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
                .json["id"]?.stringValue ?? ""
            _ = try await client.execute(uri: "/v1/sessions/\(id)", method: .patch, headers: alice, body: ServerFixture.json(#"{"progress":5}"#))
            _ = try await client.execute(uri: "/v1/sessions", method: .post, headers: bob, body: ServerFixture.paper())

            let mine = try await client.execute(uri: "/v1/audit", method: .get, headers: alice)
            #expect(mine.status == .ok)
            #expect(mine.json.count == 2)
            #expect(mine.json.arrayValue?.allSatisfy { $0["actor_email"]?.stringValue == ServerFixture.alice } == true)
            for key in ["position", "recorded_at", "actor_id", "actor_email", "type", "stream", "session_id", "version", "command_id", "payload"] {
                #expect(mine.json[0]?[key] != nil, "missing \(key)")
            }
            let others = try await client.execute(uri: "/v1/audit?actor=\(ServerFixture.bob)", method: .get, headers: alice)
            #expect(others.status == .forbidden)

            let bobs = try await client.execute(uri: "/v1/audit?actor=\(ServerFixture.bob)", method: .get, headers: ops)
            #expect(bobs.json.count == 1)
            let created = try await client.execute(uri: "/v1/audit?type=session.created&type=user.registered", method: .get, headers: ops)
            #expect(created.json.count == 5)  // 3 users, 2 sessions
            let family = try await client.execute(uri: "/v1/audit?type=session.&limit=2", method: .get, headers: ops)
            #expect(family.json.count == 2)
            #expect(family.json[0]?["type"]?.stringValue == "session.created")  // newest first
            let recent = try await client.execute(uri: "/v1/audit?since=1h&until=2999-01-01T00:00:00Z&session=\(id)", method: .get, headers: ops)
            #expect(recent.json.count == 2)
            #expect(try await client.execute(uri: "/v1/audit?since=yesterday", method: .get, headers: ops).status == .badRequest)
            #expect(try await client.execute(uri: "/v1/audit?limit=0", method: .get, headers: ops).status == .badRequest)
            #expect(try await client.execute(uri: "/v1/audit?denied=perhaps", method: .get, headers: ops).status == .badRequest)
            #expect(try await client.execute(uri: "/v1/audit?actor=nobody@x.test", method: .get, headers: ops).status == .badRequest)
        }
    }

    // MARK: - Commands

    @Test func commandsTakeOneObjectOrAnArrayAndAnswerLikeSubmit() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice)
        try await app.test(.router) { client in
            let one = try await client.execute(
                uri: "/v1/commands", method: .post, headers: alice,
                body: ServerFixture.json(#"{"type":"session.create","command_id":"k-1","file_name":"a.json","paper":{"questions":[1,2,3]}}"#))
            #expect(one.status == .ok)
            #expect(one.json["ok"]?.boolValue == true)
            #expect(one.json["command_id"]?.stringValue == "k-1")
            let id = try #require(one.json["session"]?["id"]?.stringValue)
            #expect(one.json["session"]?["question_count"]?.intValue == 3)

            let batch = try await client.execute(uri: "/v1/commands", method: .post, headers: alice, body: ServerFixture.json("""
                [{"type":"session.update","session_id":"\(id)","progress":30,"command_id":"k-2"},
                 {"type":"session.update","session_id":"\(id)","progress":300},
                 {"type":"session.teleport","session_id":"\(id)"},
                 {"type":"session.create","file":"/etc/passwd"},
                 {"type":"session.access","session_id":"nope"},
                 {"type":"session.update","session_id":"\(id)","progress":30,"command_id":"k-2"},
                 {"type":"session.complete","session_id":"\(id)"}]
                """))
            #expect(batch.status == .ok)
            let lines = batch.json
            #expect(lines.count == 7)
            #expect(lines[0]?["ok"]?.boolValue == true)
            #expect(lines[0]?["session"]?["progress"]?.intValue == 30)
            #expect(lines[1]?["error"]?["code"]?.stringValue == "invalid_input")
            #expect(lines[1]?["error"]?["exit_code"]?.intValue == 65)
            #expect(lines[2]?["error"]?["message"]?.stringValue?.contains("session.teleport") == true)
            #expect(lines[3]?["error"]?["message"]?.stringValue?.contains("'file'") == true)
            #expect(lines[4]?["error"]?["code"]?.stringValue == "not_found")
            #expect(lines[5]?["replayed"]?.boolValue == true)
            #expect(lines[6]?["session"]?["status"]?.stringValue == "completed")

            let failed = try await client.execute(uri: "/v1/commands", method: .post, headers: alice,
                                                  body: ServerFixture.json(#"{"type":"session.access","session_id":"\#(id)x"}"#))
            #expect(failed.status == .notFound)
            #expect(failed.json["ok"]?.boolValue == false)
            #expect(try await client.execute(uri: "/v1/commands", method: .post, headers: alice, body: ServerFixture.json("42")).status == .badRequest)
            #expect(try await client.execute(uri: "/v1/commands", method: .post, headers: alice).status == .badRequest)
        }
    }

    // MARK: - Events

    @Test func eventsAreAllForSystemAdminsAndOwnForAdmins() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice), bob = try await f.auth(ServerFixture.bob)
        let ops = try await f.auth(ServerFixture.ops)
        try await app.test(.router) { client in
            for _ in 0..<3 {
                _ = try await client.execute(uri: "/v1/sessions?allow_duplicate=true", method: .post, headers: bob, body: ServerFixture.paper())
            }
            _ = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
            let total = try f.eventCount()

            let all = try await client.execute(uri: "/v1/events", method: .get, headers: ops)
            #expect(all.status == .ok)
            #expect(all.json["events"]?.count == Int(total))
            #expect(all.json["next_after"]?.intValue == Int(total))
            let first = try #require(all.json["events"]?[0])
            for key in ["position", "stream", "version", "type", "schema", "event_id", "actor", "command_id", "recorded_at", "payload",
                        "prev_hash", "hash"] {
                #expect(first[key] != nil, "missing \(key)")
            }
            #expect(first["prev_hash"]?.stringValue == String(repeating: "0", count: 64))
            #expect(first["hash"]?.stringValue?.count == 64)
            #expect(first["payload"]?["role"]?.stringValue == "system_admin")

            let page = try await client.execute(uri: "/v1/events?after=2&limit=3", method: .get, headers: ops).json
            #expect(page["events"]?.arrayValue?.compactMap { $0["position"]?.intValue } == [3, 4, 5])
            #expect(page["next_after"]?.intValue == 5)

            let hers = try await client.execute(uri: "/v1/events", method: .get, headers: alice).json
            #expect(hers["events"]?.count == 1)
            #expect(hers["events"]?[0]?["actor"]?.stringValue == f.ids[ServerFixture.alice]?.rawValue)
            #expect(hers["next_after"]?.intValue == Int(total))
            #expect(try await client.execute(uri: "/v1/events?limit=0", method: .get, headers: ops).status == .badRequest)
            #expect(try await client.execute(uri: "/v1/events?after=-1", method: .get, headers: ops).status == .badRequest)
            #expect(try await client.execute(uri: "/v1/events/stream", method: .get).status == .unauthorized)
            var badResume = ops
            badResume[HTTPField.Name("Last-Event-ID")!] = "yesterday"
            #expect(try await client.execute(uri: "/v1/events/stream", method: .get, headers: badResume).status == .badRequest)
        }
    }
}
