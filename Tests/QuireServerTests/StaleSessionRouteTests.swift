import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import QuireCore
@testable import QuireServer
import QuireService
import Testing

/// Issue 17 §1 over HTTP: the settings routes, reopening, the monitor's counts and the server's
/// periodic sweep with its metrics.
@Suite("The stale-session timeout over HTTP")
struct StaleSessionRouteTests {
    @Test func onlyASystemAdminPutsASettingAndAnAdminsAttemptIsRecorded() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice), ops = try await f.auth(ServerFixture.ops)
        try await app.test(.router) { client in
            let before = try f.eventCount()
            let refused = try await client.execute(uri: "/v1/settings/expire_after", method: .put, headers: alice,
                                                   body: ServerFixture.json("{\"value\":\"14d\"}"))
            #expect(refused.status == .forbidden)
            #expect(refused.errorMessage == "Only a system admin may change settings (quire settings set).")
            #expect(try f.eventCount() == before + 1, "the refusal is recorded")
            #expect(try f.events().last?.type == "access.denied")

            let bad = try await client.execute(uri: "/v1/settings/expire_after", method: .put, headers: ops,
                                               body: ServerFixture.json("{\"value\":\"14\"}"))
            #expect(bad.status == .badRequest)
            let unknownField = try await client.execute(uri: "/v1/settings/expire_after", method: .put, headers: ops,
                                                        body: ServerFixture.json("{\"value\":\"14d\",\"ttl\":1}"))
            #expect(unknownField.status == .badRequest)
            #expect(unknownField.errorMessage == "Unknown field 'ttl'; use value.")

            let stored = try await client.execute(uri: "/v1/settings/expire_after", method: .put, headers: ops,
                                                  body: ServerFixture.json("{\"value\":\"14d\"}"))
            #expect(stored.status == .ok)
            #expect(stored.json["value"]?.stringValue == "14d")
            let listed = try await client.execute(uri: "/v1/settings", method: .get, headers: alice)
            #expect(listed.json[0]?["value"]?.stringValue == "14d")
        }
    }

    @Test func anExpiredSessionIsReopenedByItsOwnerOnlyAndTheMonitorCountsIt() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice), bob = try await f.auth(ServerFixture.bob)
        let ops = try await f.auth(ServerFixture.ops)
        try await app.test(.router) { client in
            let created = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
            let id = try #require(created.json["id"]?.stringValue)
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try f.service.sweep(fallback: TimeSpan("1s")).expired.map(\.sessionID) == [id])

            let summary = try await client.execute(uri: "/v1/monitor/summary", method: .get, headers: ops)
            #expect(summary.status == .ok)
            #expect(summary.json["active"]?.intValue == 0)
            #expect(summary.json["expired"]?.intValue == 1)
            #expect(try await client.execute(uri: "/v1/monitor/summary", method: .get, headers: alice).status == .forbidden)

            let shown = try await client.execute(uri: "/v1/sessions/\(id)", method: .get, headers: alice)
            #expect(shown.json["status"]?.stringValue == "expired")
            let patched = try await client.execute(uri: "/v1/sessions/\(id)", method: .patch, headers: alice,
                                                   body: ServerFixture.json("{\"progress\":10}"))
            #expect(patched.status == .conflict)

            let theirs = try await client.execute(uri: "/v1/sessions/\(id)/reopen", method: .post, headers: bob)
            #expect(theirs.status == .notFound)
            let stale = try await client.execute(uri: "/v1/sessions/\(id)/reopen", method: .post,
                                                 headers: alice + [.ifMatch: "\"1\""])
            #expect(stale.status == .preconditionFailed, "the expiry moved the content version")
            let reopened = try await client.execute(uri: "/v1/sessions/\(id)/reopen", method: .post,
                                                    headers: alice + [.ifMatch: shown.headers[.eTag] ?? ""])
            #expect(reopened.status == .ok)
            #expect(reopened.json["status"]?.stringValue == "in_progress")
            let again = try await client.execute(uri: "/v1/sessions/\(id)/reopen", method: .post, headers: alice)
            #expect(again.status == .conflict)
        }
    }

    @Test func thePeriodicSweepExpiresAndCountsItsRunsInMetrics() async throws {
        let f = try await ServerFixture()
        _ = try f.service.handle(.createSession(name: nil, paper: .bytes(fileName: "p.json", data: Data(String(buffer: ServerFixture.paper()).utf8)),
                                                allowDuplicate: false), as: .named(ServerFixture.alice))
        let metrics = ServerMetrics()
        let sweeper = Sweeper(service: f.service, fallback: nil, interval: .seconds(60), metrics: metrics, logger: Logger(label: "test"))
        await sweeper.sweepOnce()
        #expect(metrics.render().contains("quire_sweeps_total{outcome=\"no_timeout\"} 1"), "\(metrics.render())")
        try f.service.setSetting("expire_after", to: "1s", as: .named(ServerFixture.ops))
        try await Task.sleep(for: .milliseconds(1100))
        await sweeper.sweepOnce()
        let text = metrics.render()
        #expect(text.contains("quire_sweeps_total{outcome=\"ok\"} 1"), "\(text)")
        #expect(text.contains("quire_sweep_expired_total 1"), "\(text)")
        #expect(metrics.lastSweep != nil)
        #expect(try f.service.monitorSummary(as: .named(ServerFixture.ops)).expired == 1)
    }

    @Test func metricsCountSessionsByStatusAndPendingOffers() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let alice = try await f.auth(ServerFixture.alice)
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper())
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(text.contains("quire_sessions{status=\"in_progress\"} 1"), "\(text)")
            #expect(text.contains("quire_sessions{status=\"expired\"} 0"), "\(text)")
            #expect(text.contains("quire_pending_offers 0"), "\(text)")
        }
    }
}

private func + (a: HTTPFields, b: HTTPFields) -> HTTPFields {
    var out = a
    for field in b { out.append(field) }
    return out
}
