import AsyncHTTPClient
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

@Suite("HTTP service on a live loopback port", .serialized)
struct LiveTests {
    static let users = (0..<5).map { "user\($0)@x.test" }
    static let clientsPerUser = 5

    /// What one client saw.
    struct Tally: Sendable {
        var appended = 0
        var otherOwnersSeen = 0
        var unexpected: [String] = []
    }

    @Test(arguments: [true, false])
    func manyClientsAsSeveralUsersStayIsolatedAndLoseNothing(groupCommit: Bool) async throws {
        let f = try await ServerFixture(admins: Self.users)
        // One session per user that other users will try to reach.
        var targets: [String: String] = [:]
        for email in Self.users {
            let outcome = try f.service.handle(
                .createSession(name: "target", paper: .bytes(fileName: "t.json", data: Data(String(buffer: ServerFixture.paper("T-\(email)")).utf8)),
                               allowDuplicate: false), as: .named(email))
            targets[email] = outcome.session?.id
        }
        var tokens: [String: String] = [:]
        for email in Self.users { tokens[email] = try await f.token(email) }
        let targetsByUser = targets, tokensByUser = tokens
        let before = try f.eventCount()
        let app = try await f.application(groupCommit: groupCommit)

        let (tallies, metricsText) = try await app.test(.live) { client in
            let port = try #require(client.port)
            let tallies = try await withThrowingTaskGroup(of: Tally.self) { group in
                for i in 0..<(Self.users.count * Self.clientsPerUser) {
                    let email = Self.users[i % Self.users.count]
                    let other = Self.users[(i + 1) % Self.users.count]
                    group.addTask {
                        try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(30))) { c in
                            try await Self.workload(c, index: i, email: email, token: tokensByUser[email]!,
                                                    othersSession: targetsByUser[other]!)
                        }
                    }
                }
                var all: [Tally] = []
                for try await t in group { all.append(t) }
                return all
            }
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            return (tallies, String(buffer: metrics.body))
        }

        let problems = tallies.flatMap(\.unexpected)
        #expect(problems.isEmpty, "\(problems.prefix(10))")
        #expect(tallies.allSatisfy { $0.otherOwnersSeen == 0 })
        let appended = tallies.map(\.appended).reduce(0, +)
        #expect(appended <= Self.users.count * Self.clientsPerUser * Self.eventsPerClient)
        #expect(appended >= Self.users.count * Self.clientsPerUser * (Self.eventsPerClient - 1))
        // Nothing lost, nothing twice: exactly one event per acknowledged command or denied attempt.
        #expect(try f.eventCount() == before + Int64(appended))
        let events = try f.events()
        #expect(Set(events.map(\.eventID)).count == events.count)
        #expect(Set(events.compactMap(\.commandID)).count == events.count)  // one event per command here
        // The targets were never touched by anyone but their owners (nobody).
        for (email, id) in targets {
            let view = try #require(try f.service.sessions(as: .named(email)).first { $0.id == id })
            #expect(view.version == 1 && view.progress == 0)
        }
        let denied = events.filter { $0.type == "access.denied" }.count
        #expect(denied == Self.users.count * Self.clientsPerUser * 2)
        #expect(try f.service.verify().ok)

        let count = Self.metric("quire_batch_size_count", in: metricsText)
        let sum = Self.metric("quire_batch_size_sum", in: metricsText)
        let largest = Self.metric("quire_batch_size_max", in: metricsText)
        #expect(sum == Double(Self.users.count * Self.clientsPerUser * Self.commandsPerClient))
        if !groupCommit { #expect(largest == 1) }
        print("group commit \(groupCommit ? "on" : "off"): \(Int(sum)) commands in \(Int(count)) transactions, "
              + "mean batch \(String(format: "%.2f", sum / max(count, 1))), largest \(Int(largest))")
    }

    /// Events each client's workload appends: create, 3 updates, resume, show, 2 denied attempts,
    /// a command pair (create + access) and a final complete or delete.
    static let eventsPerClient = 11
    /// Commands each client sends to the writer (the ones above, all of which append).
    static let commandsPerClient = 11

    static func workload(_ c: TestClient, index i: Int, email: String, token: String, othersSession: String) async throws -> Tally {
        var tally = Tally()
        let auth: HTTPFields = [.authorization: "Bearer " + token]
        var lastStatus = HTTPResponse.Status.ok
        func call(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, expect: HTTPResponse.Status...) async throws -> JSONValue {
            let r = try await c.execute(TestClient.Request(uri, method: method, authority: "localhost", headers: auth,
                                                           body: body.map { ByteBuffer(string: $0) }))
            let data = r.body.map { Data($0.readableBytesView) } ?? Data()
            let json = (try? JSONValue.parse(data, what: "response")) ?? .null
            lastStatus = r.status
            if !expect.contains(r.status) {
                tally.unexpected.append("client \(i) \(method) \(uri): \(r.status.code) \(json.canonical)")
            }
            return json
        }
        let created = try await call(.post, "/v1/sessions?name=c\(i)", String(buffer: ServerFixture.paper("P-\(i)")), expect: .created)
        tally.appended += 1
        guard let id = created["id"]?.stringValue else { return tally }
        for p in [10, 20, 30] {
            _ = try await call(.patch, "/v1/sessions/\(id)", #"{"progress":\#(p)}"#, expect: .ok)
            tally.appended += 1
        }
        let list = try await call(.get, "/v1/sessions", expect: .ok)
        tally.otherOwnersSeen += list.arrayValue?.filter { $0["owner_email"]?.stringValue != email }.count ?? 1
        if list.arrayValue?.contains(where: { $0["id"]?.stringValue == othersSession }) == true { tally.otherOwnersSeen += 1 }
        // Resume opens this user's most recently used session, maybe another client's, which that
        // client may delete before the access commits: then it is a 404 that appends nothing.
        _ = try await call(.get, "/v1/sessions/resume", expect: .ok, .notFound)
        if lastStatus == .ok { tally.appended += 1 }
        _ = try await call(.get, "/v1/sessions/\(id)", expect: .ok)
        tally.appended += 1
        // Someone else's session: the same 404 as a missing one, and an access.denied each.
        _ = try await call(.get, "/v1/sessions/\(othersSession)", expect: .notFound)
        _ = try await call(.patch, "/v1/sessions/\(othersSession)", #"{"progress":99}"#, expect: .notFound)
        tally.appended += 2
        let pair = try await call(.post, "/v1/commands", """
            [{"type":"session.create","command_id":"pair-\(i)","file_name":"pair.json","paper":{"paper":{"code":"Q-\(i)"},"questions":[1,2]}},
             {"type":"session.access","session_id":"\(id)","command_id":"pair-access-\(i)"}]
            """, expect: .ok)
        if pair.arrayValue?.allSatisfy({ $0["ok"]?.boolValue == true }) != true {
            tally.unexpected.append("client \(i) command pair: \(pair.canonical)")
        }
        tally.appended += 2
        if i % 2 == 0 {
            _ = try await call(.post, "/v1/sessions/\(id)/complete", expect: .ok)
        } else {
            _ = try await call(.delete, "/v1/sessions/\(id)?reason=done", expect: .ok)
        }
        tally.appended += 1
        return tally
    }

    static func metric(_ name: String, in text: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "") ?? -1
        }
        return -1
    }

    // MARK: - Server-sent events

    @Test func theStreamDeliversEveryEventOnceAcrossAReconnect() async throws {
        let f = try await ServerFixture()
        let app = try await f.application(heartbeat: .milliseconds(500))
        let ops = try await f.token(ServerFixture.ops), alice = try await f.auth(ServerFixture.alice)
        let aliceToken = try await f.token(ServerFixture.alice)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            for n in 0..<10 {
                _ = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper("A-\(n)"))
            }
            // First connection: read part of the log, then go away.
            let first = try await Self.readStream(port: port, token: ops, lastEventID: nil) { $0.count >= 7 }
            #expect(first == Array(1...7))
            // Written while nobody listens.
            for n in 0..<5 {
                _ = try await client.execute(uri: "/v1/sessions", method: .post, headers: alice, body: ServerFixture.paper("B-\(n)"))
            }
            let written = try f.eventCount()
            // Reconnect with Last-Event-ID; more events arrive while it is open.
            let writer = Task {
                try await Task.sleep(for: .milliseconds(300))
                try await TestClient.withClient(host: "127.0.0.1", port: port) { c in
                    for n in 0..<5 {
                        _ = try await c.execute(TestClient.Request("/v1/sessions", method: .post, authority: "localhost", headers: alice,
                                                                   body: ServerFixture.paper("C-\(n)")))
                    }
                }
            }
            let total = Int(written) + 5
            let second = try await Self.readStream(port: port, token: ops, lastEventID: first.last) { $0.last ?? 0 >= total }
            try await writer.value
            #expect(try f.eventCount() == Int64(total))
            #expect(first + second == Array(1...total), "\(first) + \(second)")

            // An admin's stream carries only their own events.
            let hers = try f.events().filter { $0.actor == f.ids[ServerFixture.alice]!.rawValue }.map(\.position)
            let streamed = try await Self.readStream(port: port, token: aliceToken, lastEventID: nil) { $0.count >= hers.count }
            #expect(streamed == hers.map { Int($0) })
        }
    }

    // MARK: - Limits

    @Test func aDeclaredLengthOverTheLimitIsRefusedBeforeTheBodyIsSent() async throws {
        let f = try await ServerFixture(paperLimit: 4096)
        let app = try await f.application()
        let token = try await f.token(ServerFixture.alice)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // Declare 50 MiB, send one byte: the answer must come without the rest.
            let head = "POST /v1/sessions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(50 * 1024 * 1024)\r\n\r\n{"
            let answer = try await RawHTTP.exchange(port: port, send: head)
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
            #expect(answer.contains("too_large"))
            #expect(try f.service.sessions(as: .named(ServerFixture.alice)).isEmpty)
        }
    }

    /// Reads `GET /v1/events/stream` until `done` says so (or 20 seconds pass), returning the ids.
    static func readStream(port: Int, token: String, lastEventID: Int?, done: @Sendable ([Int]) -> Bool) async throws -> [Int] {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events/stream")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: "\(lastEventID)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
        var ids: [Int] = []
        var pending = ""
        for try await chunk in response.body {
            pending += String(buffer: chunk)
            while let end = pending.range(of: "\n\n") {
                let block = pending[..<end.lowerBound]
                pending = String(pending[end.upperBound...])
                #expect(!block.contains("event: error"), "\(block)")
                for line in block.split(separator: "\n") where line.hasPrefix("id: ") {
                    ids.append(Int(line.dropFirst(4)) ?? -1)
                    // A client that stops here has processed exactly these events.
                    if done(ids) { return ids }
                }
            }
        }
        return ids
    }
}
