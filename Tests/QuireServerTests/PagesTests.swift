import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import QuireCore
import QuireServer
import QuireService
import Testing

@Suite("Pages (through the router)")
struct PagesTests {
    /// The cookies a sign-in sets, as one Cookie header for the next requests, and the CSRF token.
    struct SignedIn {
        var cookie: HTTPFields
        var csrf: String
    }

    static func signIn(_ client: some TestClientProtocol, token: String) async throws -> SignedIn {
        let r = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                         body: ByteBuffer(string: "token=" + token))
        #expect(r.status == .seeOther)
        let setCookies = r.headers[values: .setCookie]
        let pairs = setCookies.map { String($0.split(separator: ";")[0]) }
        let csrf = pairs.first { $0.hasPrefix("quire_csrf=") }.map { String($0.dropFirst("quire_csrf=".count)) } ?? ""
        return SignedIn(cookie: [.cookie: pairs.joined(separator: "; ")], csrf: csrf)
    }

    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        ByteBuffer(string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }
            .joined(separator: "&"))
    }

    static func multipart(csrf: String, fileName: String, paper: ByteBuffer, extra: [(String, String)] = []) -> (HTTPFields, ByteBuffer) {
        let boundary = "----quire-test-boundary"
        var text = ""
        for (name, value) in [("csrf", csrf)] + extra {
            text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"paper\"; filename=\"\(fileName)\"\r\nContent-Type: application/json\r\n\r\n"
        text += String(buffer: paper) + "\r\n--\(boundary)--\r\n"
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(string: text))
    }

    static func html(_ r: TestResponse) -> String { String(buffer: r.body) }

    @Test func signInPageThenCookiesThenTheWorkspace() async throws {
        let f = try await ServerFixture()
        let app = try await f.application(demoSignIns: [DemoSignIn(email: ServerFixture.alice, role: "admin", token: try await f.token(ServerFixture.alice))])
        let token = try await f.token(ServerFixture.alice)
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(Self.html(page).contains("Sign in to quire"))
            #expect(Self.html(page).contains(#"name="token""#))
            #expect(Self.html(page).contains("Sign in as \(ServerFixture.alice)"))

            // The cookie: HttpOnly, SameSite=Strict, and Secure only behind TLS.
            let login = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "token=" + token))
            let cookies = login.headers[values: .setCookie]
            #expect(cookies.count == 2)
            #expect(cookies.allSatisfy { $0.contains("HttpOnly") && $0.contains("SameSite=Strict") && !$0.contains("Secure") })
            let tls = try await client.execute(uri: "/login", method: .post,
                                               headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Forwarded-Proto")!: "https"],
                                               body: ByteBuffer(string: "token=" + token))
            #expect(tls.headers[values: .setCookie].allSatisfy { $0.contains("Secure") })

            let bad = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                               body: ByteBuffer(string: "token=nonsense"))
            #expect(bad.status == .unauthorized)
            #expect(Self.html(bad).contains("malformed"))

            let me = try await Self.signIn(client, token: token)
            let empty = try await client.execute(uri: "/", method: .get, headers: me.cookie)
            #expect(Self.html(empty).contains("Your recent import sessions"))
            #expect(Self.html(empty).contains("Each user has their own isolated workspace"))
            #expect(Self.html(empty).contains("You have no import sessions yet"))
            #expect(!Self.html(empty).contains("Your Import Session In Progress"))

            _ = try f.service.handle(.createSession(name: "June", paper: .bytes(fileName: "june.json", data: Data(String(buffer: ServerFixture.paper()).utf8)),
                                                    allowDuplicate: false), as: .named(ServerFixture.alice))
            let full = Self.html(try await client.execute(uri: "/", method: .get, headers: me.cookie))
            #expect(full.contains("Your Import Session In Progress"))
            #expect(full.contains("Other users can work on their own imports simultaneously"))
            #expect(full.contains("June"))

            // Signing out clears both cookies; the page is the sign-in page again.
            let out = try await client.execute(uri: "/logout", method: .post, headers: me.cookie.merging([.contentType: "application/x-www-form-urlencoded"]),
                                               body: Self.form([("csrf", me.csrf)]))
            #expect(out.status == .seeOther)
            #expect(out.headers[values: .setCookie].allSatisfy { $0.contains("Max-Age=0") })
        }
    }

    @Test func anotherUsersSessionIsExactlyTheMissingPageAndIsRecorded() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let theirs = try #require(try f.service.handle(
            .createSession(name: "Alice's", paper: .bytes(fileName: "a.json", data: Data(String(buffer: ServerFixture.paper()).utf8)), allowDuplicate: false),
            as: .named(ServerFixture.alice)).session?.id)
        let bobToken = try await f.token(ServerFixture.bob)
        try await app.test(.router) { client in
            let bob = try await Self.signIn(client, token: bobToken)
            let denied = try await client.execute(uri: "/sessions/\(theirs)", method: .get, headers: bob.cookie)
            let missingID = UUID().uuidString.lowercased()
            let missing = try await client.execute(uri: "/sessions/\(missingID)", method: .get, headers: bob.cookie)
            #expect(denied.status == .notFound && missing.status == .notFound)
            #expect(Self.html(denied).replacingOccurrences(of: theirs, with: "ID") == Self.html(missing).replacingOccurrences(of: missingID, with: "ID"))
            #expect(!Self.html(denied).contains("Alice's"))
        }
        let denials = try f.events().filter { $0.type == "access.denied" }
        #expect(denials.count == 1)
    }

    /// Issue 17: a session shared with a viewer is in their workspace marked "Shared with you",
    /// and its page offers them no control their role does not allow.
    @Test func aSharedSessionIsMarkedAndAViewerGetsNoControls() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let id = try #require(try f.service.handle(
            .createSession(name: "Alice's", paper: .bytes(fileName: "a.json", data: Data(String(buffer: ServerFixture.paper()).utf8)), allowDuplicate: false),
            as: .named(ServerFixture.alice)).session?.id)
        _ = try f.service.handle(.command(.shareSession(ShareSession(sessionID: SessionID(id), with: ServerFixture.bob, role: .viewer))),
                                 as: .named(ServerFixture.alice))
        let bobToken = try await f.token(ServerFixture.bob)
        try await app.test(.router) { client in
            let bob = try await Self.signIn(client, token: bobToken)
            let workspace = Self.html(try await client.execute(uri: "/", method: .get, headers: bob.cookie))
            #expect(workspace.contains("Alice&#39;s") || workspace.contains("Alice's"))
            #expect(workspace.contains("Shared with you (viewer)"))
            let page = try await client.execute(uri: "/sessions/\(id)", method: .get, headers: bob.cookie)
            #expect(page.status == .ok)
            #expect(!Self.html(page).contains("Save progress") && !Self.html(page).contains("Delete session"))
        }
    }

    @Test func uploadShowsTheDuplicateAndTheSimilarSessionInWords() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let token = try await f.token(ServerFixture.alice)
        try await app.test(.router) { client in
            let me = try await Self.signIn(client, token: token)
            let (h1, b1) = Self.multipart(csrf: me.csrf, fileName: "june.json", paper: ServerFixture.paper("9709/12"))
            let first = try await client.execute(uri: "/sessions", method: .post, headers: me.cookie.merging(h1), body: b1)
            #expect(first.status == .created)
            #expect(Self.html(first).contains("Imported"))
            let id = try #require(try f.service.sessions(as: .named(ServerFixture.alice)).first?.id)

            let (h2, b2) = Self.multipart(csrf: me.csrf, fileName: "again.json", paper: ServerFixture.paper("9709/12"))
            let again = try await client.execute(uri: "/sessions", method: .post, headers: me.cookie.merging(h2), body: b2)
            #expect(again.status == .conflict)
            #expect(Self.html(again).contains("already imported in your session \(id)"))
            #expect(Self.html(again).contains("href=\"/sessions/\(id)\""))

            let (h3, b3) = Self.multipart(csrf: me.csrf, fileName: "short.json", paper: ServerFixture.paper("9709/12", questions: 2))
            let similar = try await client.execute(uri: "/sessions", method: .post, headers: me.cookie.merging(h3), body: b3)
            #expect(similar.status == .created)
            #expect(Self.html(similar).contains("You already have session \(id)"))

            // No CSRF token, or a foreign Origin: refused, nothing appended.
            let before = try f.eventCount()
            let (h4, b4) = Self.multipart(csrf: "wrong", fileName: "x.json", paper: ServerFixture.paper("X"))
            let forged = try await client.execute(uri: "/sessions", method: .post, headers: me.cookie.merging(h4), body: b4)
            #expect(forged.status == .forbidden)
            let (h5, b5) = Self.multipart(csrf: me.csrf, fileName: "x.json", paper: ServerFixture.paper("X"))
            let crossSite = try await client.execute(uri: "/sessions", method: .post,
                                                     headers: me.cookie.merging(h5).merging([.origin: "https://evil.example"]), body: b5)
            #expect(crossSite.status == .forbidden)
            #expect(try f.eventCount() == before)
        }
    }

    @Test func progressCompleteDeleteAndAConflictExplained() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let token = try await f.token(ServerFixture.alice)
        let id = try #require(try f.service.handle(
            .createSession(name: "June", paper: .bytes(fileName: "j.json", data: Data(String(buffer: ServerFixture.paper(questions: 10)).utf8)), allowDuplicate: false),
            as: .named(ServerFixture.alice)).session?.id)
        try await app.test(.router) { client in
            let me = try await Self.signIn(client, token: token)
            let formHeaders = me.cookie.merging([.contentType: "application/x-www-form-urlencoded"])
            let page = try await client.execute(uri: "/sessions/\(id)", method: .get, headers: me.cookie)
            #expect(page.status == .ok)
            let version = try #require(try f.service.sessions(as: .named(ServerFixture.alice)).first?.contentVersion)
            let saved = try await client.execute(uri: "/sessions/\(id)", method: .post, headers: formHeaders, body: Self.form([
                ("csrf", me.csrf), ("action", "progress"), ("version", "\(version)"), ("step", "questions"), ("progress", "40"),
                ("questions_imported", "4"),
            ]))
            #expect(saved.status == .ok)
            #expect(Self.html(saved).contains("Progress saved."))
            // The same stale version again: a conflict, explained, nothing saved.
            let stale = try await client.execute(uri: "/sessions/\(id)", method: .post, headers: formHeaders, body: Self.form([
                ("csrf", me.csrf), ("action", "progress"), ("version", "\(version)"), ("progress", "90"),
            ]))
            #expect(stale.status == .conflict)
            #expect(Self.html(stale).contains("Someone changed this session since you opened it"))
            #expect(try f.service.sessions(as: .named(ServerFixture.alice)).first?.progress == 40)
            let bad = try await client.execute(uri: "/sessions/\(id)", method: .post, headers: formHeaders, body: Self.form([
                ("csrf", me.csrf), ("action", "progress"), ("progress", "140"),
            ]))
            #expect(bad.status == .badRequest)
            let done = try await client.execute(uri: "/sessions/\(id)", method: .post, headers: formHeaders, body: Self.form([
                ("csrf", me.csrf), ("action", "complete"),
            ]))
            #expect(Self.html(done).contains("The import is completed."))
            let gone = try await client.execute(uri: "/sessions/\(id)", method: .post, headers: formHeaders, body: Self.form([
                ("csrf", me.csrf), ("action", "delete"), ("reason", "test"),
            ]))
            #expect(gone.status == .seeOther)
            #expect(try f.service.sessions(as: .named(ServerFixture.alice)).isEmpty)
            let history = try await client.execute(uri: "/sessions/\(id)/history", method: .get, headers: me.cookie)
            #expect(Self.html(history).contains("session.deleted"))
        }
    }

    @Test func monitorAndAuditPages() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let opsToken = try await f.token(ServerFixture.ops), aliceToken = try await f.token(ServerFixture.alice)
        for email in [ServerFixture.alice, ServerFixture.bob] {
            _ = try f.service.handle(.createSession(name: "Paper of \(email)", paper: .bytes(fileName: "p.json", data: Data(String(buffer: ServerFixture.paper(email)).utf8)),
                                                    allowDuplicate: false), as: .named(email))
        }
        let bobs = try #require(try f.service.sessions(as: .named(ServerFixture.bob)).first?.id)
        _ = try? f.service.show(SessionID(bobs), as: .named(ServerFixture.alice))
        try await app.test(.router) { client in
            let alice = try await Self.signIn(client, token: aliceToken)
            let refused = try await client.execute(uri: "/monitor", method: .get, headers: alice.cookie)
            #expect(refused.status == .forbidden)
            let ops = try await Self.signIn(client, token: opsToken)
            let board = Self.html(try await client.execute(uri: "/monitor?stale_hours=0", method: .get, headers: ops.cookie))
            #expect(board.contains(ServerFixture.alice) && board.contains(ServerFixture.bob))
            #expect(board.contains("<svg") && board.contains("Denied attempts in the last 24 hours"))
            #expect(board.contains(#"class="stale""#))  // every session is stale at a threshold of 0 h
            let audit = Self.html(try await client.execute(uri: "/audit?denied=true", method: .get, headers: ops.cookie))
            #expect(audit.contains("access.denied") && audit.contains(ServerFixture.alice))
            let csv = try await client.execute(uri: "/audit/download?denied=true&format=csv", method: .get, headers: ops.cookie)
            let lines = String(buffer: csv.body).split(separator: "\n")
            #expect(lines.first == "position,recorded_at,actor_id,actor_email,type,stream,session_id,version,command_id,payload")
            // Alice's reach for Bob's session, and her refused look at the monitor.
            #expect(lines.count == 3)
            let jsonl = try await client.execute(uri: "/audit/download?format=jsonl&limit=2", method: .get, headers: ops.cookie)
            #expect(String(buffer: jsonl.body).split(separator: "\n").allSatisfy { (try? JSONValue.parse(Data($0.utf8), what: "line")) != nil })
            // An admin's own trail leaves out their refused reach for someone else's session.
            let hers = Self.html(try await client.execute(uri: "/audit", method: .get, headers: alice.cookie))
            #expect(!hers.contains(bobs))
            #expect(hers.contains("session.created"))
            let assets = try await client.execute(uri: "/assets/quire.js", method: .get)
            #expect(assets.status == .ok && String(buffer: assets.body).contains("EventSource"))
        }
    }

    @Test func pagesNeedASignIn() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        try await app.test(.router) { client in
            for uri in ["/monitor", "/audit", "/sessions/x", "/live", "/cleanup"] {
                let r = try await client.execute(uri: uri, method: .get, headers: [.cookie: "quire_token=forged; quire_csrf=x"])
                #expect(r.status == .seeOther, "\(uri)")
                #expect(r.headers[.location] == "/")
            }
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var all = self
        all.append(contentsOf: other)
        return all
    }
}
