import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import QuireCore
import QuireServer
import QuireService
import Testing

/// Issue 17 in the pages: sharing, offers, transfers and cleanup, as their users see them.
@Suite("Pages: handing work over and cleaning up")
struct PagesHandoverTests {
    typealias P = PagesTests

    static func create(_ f: ServerFixture, _ name: String, by email: String, code: String = "9709/12") throws -> String {
        try #require(try f.service.handle(
            .createSession(name: name, paper: .bytes(fileName: "\(name).json", data: Data(String(buffer: ServerFixture.paper(code)).utf8)),
                           allowDuplicate: false),
            as: .named(email)).session?.id)
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, _ who: P.SignedIn, _ fields: [(String, String)]) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: who.cookie.merging([.contentType: "application/x-www-form-urlencoded"]),
                                 body: P.form([("csrf", who.csrf)] + fields))
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, _ who: P.SignedIn) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: who.cookie)
    }

    /// The value of a hidden field in a page's form.
    static func hidden(_ name: String, in html: String) -> String? {
        guard let r = html.range(of: #"name="\#(name)" value=""#) else { return nil }
        let rest = html[r.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    static func denials(_ f: ServerFixture) throws -> [EventView] { try f.events().filter { $0.type == "access.denied" } }

    @Test func theOwnerSharesAndUnsharesAndEachRoleSeesItsOwnControls() async throws {
        let f = try await ServerFixture(admins: [ServerFixture.alice, ServerFixture.bob, "cy@x.test"])
        let app = try await f.application()
        let id = try Self.create(f, "June", by: ServerFixture.alice)
        let aliceToken = try await f.token(ServerFixture.alice), bobToken = try await f.token(ServerFixture.bob)
        try await app.test(.router) { client in
            let alice = try await P.signIn(client, token: aliceToken)
            let bob = try await P.signIn(client, token: bobToken)
            let own = P.html(try await Self.get(client, "/sessions/\(id)", alice))
            #expect(own.contains("Share session") && own.contains("Offer session") && own.contains("Nobody else works on this session yet"))
            #expect(!own.contains("Transfer session"))  // an admin does not transfer; a system admin does

            // Before it is shared, Bob does not see it at all.
            #expect(!P.html(try await Self.get(client, "/", bob)).contains("June"))
            let shared = try await Self.post(client, "/sessions/\(id)", alice, [("action", "share"), ("with", ServerFixture.bob), ("role", "viewer")])
            #expect(shared.status == .ok)
            #expect(P.html(shared).contains("Shared with \(ServerFixture.bob) as viewer."))
            #expect(P.html(shared).contains(#"<tr data-collaborator="\#(ServerFixture.bob)">"#))

            // The viewer: in his list, marked; on the page, no control at all.
            let list = P.html(try await Self.get(client, "/", bob))
            #expect(list.contains("June") && list.contains("Shared with you (viewer)"))
            let viewing = P.html(try await Self.get(client, "/sessions/\(id)", bob))
            #expect(viewing.contains("Shared with you as viewer by \(ServerFixture.alice)."))
            for control in ["Save progress", "Mark as completed", "Delete session", "Share session", "Offer session", "Stop sharing"] {
                #expect(!viewing.contains(control), "\(control)")
            }

            // Made an editor: progress and complete, still nothing of the owner's.
            _ = try await Self.post(client, "/sessions/\(id)", alice, [("action", "share"), ("with", ServerFixture.bob), ("role", "editor")])
            let editing = P.html(try await Self.get(client, "/sessions/\(id)", bob))
            #expect(editing.contains("Save progress") && editing.contains("Mark as completed"))
            #expect(!editing.contains("Delete session") && !editing.contains("Share session") && !editing.contains("Offer session"))

            // An editor's try at sharing it further is the not-found page, and recorded.
            let before = try Self.denials(f).count
            let further = try await Self.post(client, "/sessions/\(id)", bob, [("action", "share"), ("with", "cy@x.test")])
            #expect(further.status == .notFound)
            #expect(P.html(further).contains("is visible to you"))
            #expect(try Self.denials(f).count == before + 1)

            // Sharing with nobody in particular: the service's own sentence, on the session page.
            let unknown = try await Self.post(client, "/sessions/\(id)", alice, [("action", "share"), ("with", "nobody@x.test")])
            #expect(P.html(unknown).contains("No registered user is called nobody@x.test."))
            #expect(P.html(unknown).contains("Share session"))

            // Unshared: revoked at once.
            let removed = try await Self.post(client, "/sessions/\(id)", alice, [("action", "unshare"), ("with", ServerFixture.bob)])
            #expect(P.html(removed).contains("\(ServerFixture.bob) no longer has access to this session."))
            #expect(!P.html(removed).contains("data-collaborator="))
            #expect(try await Self.get(client, "/sessions/\(id)", bob).status == .notFound)
            #expect(!P.html(try await Self.get(client, "/", bob)).contains("June"))
        }
    }

    @Test func anOfferIsInTheRecipientsWorkspaceToAcceptOrDecline() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let june = try Self.create(f, "June", by: ServerFixture.alice, code: "A")
        let july = try Self.create(f, "July", by: ServerFixture.alice, code: "B")
        let aliceToken = try await f.token(ServerFixture.alice), bobToken = try await f.token(ServerFixture.bob)
        let opsToken = try await f.token(ServerFixture.ops)
        try await app.test(.router) { client in
            let alice = try await P.signIn(client, token: aliceToken)
            let bob = try await P.signIn(client, token: bobToken)
            let ops = try await P.signIn(client, token: opsToken)
            #expect(!P.html(try await Self.get(client, "/", bob)).contains("Offered to you"))
            for id in [june, july] {
                let offered = P.html(try await Self.post(client, "/sessions/\(id)", alice, [("action", "offer"), ("to", ServerFixture.bob)]))
                #expect(offered.contains("Offered to \(ServerFixture.bob): the session stays yours until they accept"))
                #expect(offered.contains("Offered to \(ServerFixture.bob) until"))
                #expect(!offered.contains("Offer session"))  // one offer at a time
            }
            let workspace = P.html(try await Self.get(client, "/", bob))
            #expect(workspace.contains("Offered to you"))
            #expect(workspace.contains(#"data-offer="\#(june)""#) && workspace.contains(#"data-offer="\#(july)""#))
            #expect(workspace.contains("from \(ServerFixture.alice)"))

            // Someone else answering Alice's offer: not found, recorded.
            let before = try Self.denials(f).count
            let meddling = try await Self.post(client, "/sessions/\(june)", ops, [("action", "accept")])
            #expect(meddling.status == .notFound)
            #expect(try Self.denials(f).count == before + 1)

            let accepted = try await Self.post(client, "/sessions/\(june)", bob, [("action", "accept")])
            #expect(accepted.status == .ok)
            #expect(P.html(accepted).contains("You accepted the offer: the session is yours now."))
            #expect(P.html(accepted).contains(#"<dd id="owner">\#(ServerFixture.bob)</dd>"#))
            let declined = try await Self.post(client, "/sessions/\(july)", bob, [("action", "decline")])
            #expect(P.html(declined).contains("You declined"))
            #expect(P.html(declined).contains("it stays with \(ServerFixture.alice)."))
            #expect(!P.html(declined).contains("Offered to you"))
            #expect(try f.service.sessions(as: .named(ServerFixture.alice)).map(\.id) == [july])
            #expect(try f.service.sessions(as: .named(ServerFixture.bob)).map(\.id) == [june])

            // Bob already has this file: accepting is refused as a duplicate, in words, unless he says so.
            let copy = try Self.create(f, "Bob's copy", by: ServerFixture.bob, code: "D")
            let theirs = try Self.create(f, "August", by: ServerFixture.alice, code: "D")
            _ = try await Self.post(client, "/sessions/\(theirs)", alice, [("action", "offer"), ("to", ServerFixture.bob)])
            let duplicate = try await Self.post(client, "/sessions/\(theirs)", bob, [("action", "accept")])
            #expect(duplicate.status == .conflict)
            #expect(P.html(duplicate).contains("This file is already imported in your session \(copy)"))
            #expect(P.html(duplicate).contains(#"data-offer="\#(theirs)""#))  // still there to answer
            let anyway = try await Self.post(client, "/sessions/\(theirs)", bob, [("action", "accept"), ("allow_duplicate", "true")])
            #expect(P.html(anyway).contains("the session is yours now"))

            // Declining again: the refusal in one sentence, in the workspace.
            let again = try await Self.post(client, "/sessions/\(july)", alice, [("action", "decline")])
            #expect(again.status == .badRequest)
            #expect(P.html(again).contains("only the recipient of an offer can decline it."))
        }
    }

    @Test func aSystemAdminTransfersFromTheMonitorAndTheFormerOwnersPostIsRefusedAndRecorded() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let id = try Self.create(f, "June", by: ServerFixture.alice)
        _ = try f.service.handle(.command(.shareSession(ShareSession(sessionID: SessionID(id), with: ServerFixture.bob, role: .viewer))),
                                 as: .named(ServerFixture.alice))
        let other = try Self.create(f, "July", by: ServerFixture.alice, code: "B")
        _ = try f.service.handle(.command(.offerSession(OfferSession(sessionID: SessionID(other), to: ServerFixture.bob))),
                                 as: .named(ServerFixture.alice))
        let aliceToken = try await f.token(ServerFixture.alice), opsToken = try await f.token(ServerFixture.ops)
        try await app.test(.router) { client in
            let alice = try await P.signIn(client, token: aliceToken)
            let ops = try await P.signIn(client, token: opsToken)

            // The monitor: owner and collaborators, pending offers, the last sweep.
            let board = P.html(try await Self.get(client, "/monitor?transfer=\(id)", ops))
            #expect(board.contains(#"<td class="collaborators">\#(ServerFixture.bob) (viewer)</td>"#))
            #expect(board.contains(#"<strong id="total-offers">1</strong> offers waiting for an answer"#))
            #expect(board.contains("Last sweep: <span id=\"last-sweep\">not since this server started"))
            #expect(board.contains(#"name="session_id" value="\#(id)""#))  // the row's Transfer link fills the form

            // An admin cannot transfer: refused and recorded, like the CLI's 77.
            var before = try Self.denials(f).count
            let mine = try await Self.post(client, "/monitor", alice, [("session_id", id), ("to", ServerFixture.bob)])
            #expect(mine.status == .forbidden)
            #expect(try Self.denials(f).count == before + 1)

            // A refusal keeps what was typed and says why in one sentence.
            let unknown = try await Self.post(client, "/monitor", ops, [("session_id", id), ("to", "nobody@x.test"), ("reason", "leave")])
            #expect(P.html(unknown).contains("No registered user is called nobody@x.test."))
            #expect(P.html(unknown).contains(#"name="to" value="nobody@x.test""#))

            let moved = try await Self.post(client, "/monitor", ops, [("session_id", id), ("to", ServerFixture.bob), ("reason", "leave")])
            #expect(moved.status == .ok)
            #expect(P.html(moved).contains("Transferred &quot;June&quot; to \(ServerFixture.bob)."))
            #expect(try f.service.sessions(as: .named(ServerFixture.bob)).first { $0.id == id }?.ownerEmail == ServerFixture.bob)

            // Alice's page from before the transfer posts progress: the not-found page, recorded.
            before = try Self.denials(f).count
            let late = try await Self.post(client, "/sessions/\(id)", alice, [("action", "progress"), ("progress", "50")])
            #expect(late.status == .notFound)
            #expect(P.html(late).contains("No session \(id) is visible to you."))
            let denials = try Self.denials(f)
            #expect(denials.count == before + 1)
            #expect(denials.last?.actor == f.ids[ServerFixture.alice]?.rawValue)
            #expect(denials.last?.payload["command"]?.stringValue == "session.update")
            #expect(try f.service.sessions(as: .named(ServerFixture.bob)).first { $0.id == id }?.progress == 0)

            // A system admin's own session has the transfer form on its page; an admin's does not.
            let opsOwn = try Self.create(f, "Ops paper", by: ServerFixture.ops, code: "C")
            #expect(P.html(try await Self.get(client, "/sessions/\(opsOwn)", ops)).contains("Transfer session"))
            let handed = try await Self.post(client, "/sessions/\(opsOwn)", ops, [("action", "transfer"), ("to", ServerFixture.alice)])
            #expect(P.html(handed).contains("Transferred &quot;Ops paper&quot; to \(ServerFixture.alice)."))
            #expect(P.html(handed).contains("Your recent import sessions"))
        }
    }

    @Test func cleanupListsExactlyWhatWouldGoAndDeletesOnlyOnConfirmation() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        var completed: [String] = []
        for (i, name) in ["One", "Two", "Three"].enumerated() {
            let id = try Self.create(f, name, by: ServerFixture.alice, code: "P\(i)")
            if i < 2 {
                _ = try f.service.handle(.command(.completeSession(CompleteSession(sessionID: SessionID(id)))), as: .named(ServerFixture.alice))
                completed.append(id)
            }
        }
        let bobs = try Self.create(f, "Bob's", by: ServerFixture.bob)
        _ = try f.service.handle(.command(.completeSession(CompleteSession(sessionID: SessionID(bobs)))), as: .named(ServerFixture.bob))
        let aliceToken = try await f.token(ServerFixture.alice), done = completed
        try await app.test(.router) { client in
            let alice = try await P.signIn(client, token: aliceToken)
            let form = P.html(try await Self.get(client, "/cleanup", alice))
            #expect(form.contains("You clean up your own sessions and the legacy ones"))
            #expect(form.contains("List what would be deleted") && !form.contains("Delete these sessions"))

            let none = try await Self.post(client, "/cleanup", alice, [("action", "preview")])
            #expect(none.status == .badRequest)
            #expect(P.html(none).contains("Choose at least one filter"))

            // The dry run: exactly her two completed sessions, not Bob's, and nothing appended.
            let count = try f.eventCount()
            let preview = P.html(try await Self.post(client, "/cleanup", alice, [("action", "preview"), ("status", "completed")]))
            let listed = preview.components(separatedBy: "<tr data-session=\"").dropFirst().map { String($0.prefix(while: { $0 != "\"" })) }
            #expect(Set(listed) == Set(done))
            #expect(!preview.contains(bobs))
            #expect(preview.contains("2 sessions match.") && preview.contains("Delete these sessions"))
            #expect(try f.eventCount() == count)
            let commandID = try #require(Self.hidden("command_id", in: preview))
            let expected = try #require(Self.hidden("expected", in: preview))

            // Confirmed: deleted, each with its own event under the one command id; Bob's stay.
            let confirm: [(String, String)] = [("action", "confirm"), ("status", "completed"), ("expected", expected), ("command_id", commandID)]
            let deleted = try await Self.post(client, "/cleanup", alice, confirm)
            #expect(P.html(deleted).contains("Deleted 2 sessions (--status completed) under command id \(commandID)."))
            #expect(try f.service.sessions(as: .named(ServerFixture.alice)).map(\.name) == ["Three"])
            #expect(try f.service.sessions(as: .named(ServerFixture.bob)).map(\.id) == [bobs])
            let events = try f.events().filter { $0.commandID == commandID }
            #expect(events.map(\.type) == ["session.deleted", "session.deleted"])

            // The same confirmation again (a reload): nothing more.
            let afterward = try f.eventCount()
            let again = try await Self.post(client, "/cleanup", alice, confirm)
            #expect(P.html(again).contains("already ran"))
            #expect(try f.eventCount() == afterward)

            // A session that starts matching between the list and the confirmation is not deleted unseen.
            let listNow = P.html(try await Self.post(client, "/cleanup", alice, [("action", "preview"), ("idle_hours", "0")]))
            let late = try Self.create(f, "Late", by: ServerFixture.alice, code: "L")
            let changed = try await Self.post(client, "/cleanup", alice, [
                ("action", "confirm"), ("idle_hours", "0"), ("expected", try #require(Self.hidden("expected", in: listNow))),
                ("command_id", try #require(Self.hidden("command_id", in: listNow))),
            ])
            #expect(P.html(changed).contains("changed since you looked. Nothing was deleted"))
            #expect(P.html(changed).contains(late))
            #expect(try f.service.sessions(as: .named(ServerFixture.alice)).count == 2)

            // Someone else's sessions: refused, recorded.
            let before = try Self.denials(f).count
            let theirs = try await Self.post(client, "/cleanup", alice, [("action", "preview"), ("owner", ServerFixture.bob)])
            #expect(theirs.status == .forbidden)
            #expect(P.html(theirs).contains("Only a system admin may clean up other users&#39;") || P.html(theirs).contains("Only a system admin may clean up other users'"))
            #expect(try Self.denials(f).count == before + 1)
        }
    }
    /// Every new form is a state-changing post: without the page's CSRF token, or from another
    /// site, it is refused and nothing is appended.
    @Test func theNewFormsNeedTheirCSRFTokenAndOurOrigin() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let id = try Self.create(f, "June", by: ServerFixture.ops)
        let opsToken = try await f.token(ServerFixture.ops)
        try await app.test(.router) { client in
            let ops = try await P.signIn(client, token: opsToken)
            let posts: [(String, [(String, String)])] = [
                ("/sessions/\(id)", [("action", "share"), ("with", ServerFixture.bob)]),
                ("/sessions/\(id)", [("action", "unshare"), ("with", ServerFixture.bob)]),
                ("/sessions/\(id)", [("action", "offer"), ("to", ServerFixture.bob)]),
                ("/sessions/\(id)", [("action", "transfer"), ("to", ServerFixture.bob)]),
                ("/sessions/\(id)", [("action", "accept")]),
                ("/sessions/\(id)", [("action", "decline")]),
                ("/monitor", [("session_id", id), ("to", ServerFixture.bob)]),
                ("/cleanup", [("action", "confirm"), ("idle_hours", "0"), ("expected", id), ("command_id", "forged")]),
            ]
            let before = try f.eventCount()
            for (uri, fields) in posts {
                let forged = try await client.execute(uri: uri, method: .post,
                                                      headers: ops.cookie.merging([.contentType: "application/x-www-form-urlencoded"]),
                                                      body: P.form([("csrf", "wrong")] + fields))
                #expect(forged.status == .forbidden, "\(uri) \(fields)")
                let crossSite = try await client.execute(uri: uri, method: .post,
                                                         headers: ops.cookie.merging([.contentType: "application/x-www-form-urlencoded",
                                                                                      .origin: "https://evil.example"]),
                                                         body: P.form([("csrf", ops.csrf)] + fields))
                #expect(crossSite.status == .forbidden, "\(uri) \(fields)")
            }
            #expect(try f.eventCount() == before)
        }
    }
    /// An expired session's page offers its owner Reopen (and no progress form); an editor gets neither.
    @Test func anExpiredSessionIsReopenedFromItsOwnersPage() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let id = try Self.create(f, "June", by: ServerFixture.alice)
        _ = try f.service.handle(.command(.shareSession(ShareSession(sessionID: SessionID(id), with: ServerFixture.bob, role: .editor))),
                                 as: .named(ServerFixture.alice))
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try f.service.sweep(fallback: TimeSpan("1s")).expired.map(\.sessionID) == [id])
        let aliceToken = try await f.token(ServerFixture.alice), bobToken = try await f.token(ServerFixture.bob)
        try await app.test(.router) { client in
            let alice = try await P.signIn(client, token: aliceToken)
            let bob = try await P.signIn(client, token: bobToken)
            let expired = P.html(try await Self.get(client, "/sessions/\(id)", alice))
            #expect(expired.contains(#"<dd id="status">Expired</dd>"#))
            #expect(expired.contains("Reopen session") && !expired.contains("Save progress"))
            let editor = P.html(try await Self.get(client, "/sessions/\(id)", bob))
            #expect(!editor.contains("Reopen session") && !editor.contains("Save progress"))
            let version = try #require(Self.hidden("version", in: expired))
            let reopened = try await Self.post(client, "/sessions/\(id)", alice, [("action", "reopen"), ("version", version)])
            #expect(P.html(reopened).contains("The session is in progress again."))
            #expect(P.html(reopened).contains("Save progress") && !P.html(reopened).contains("Reopen session"))
            #expect(P.html(try await Self.get(client, "/sessions/\(id)", bob)).contains("Save progress"))
        }
    }
}
