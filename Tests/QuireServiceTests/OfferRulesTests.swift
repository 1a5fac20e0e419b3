import Foundation
import QuireCore
import QuireSQLite
@testable import QuireService
import QuireStorage
import Testing

// Issue 17 §3: an owner offers a session; the recipient accepts or declines within 7 days; until
// then nothing changes hands.

private let s1 = SessionID("s-1")
private let alice = DeciderSpecification.As.user("alice@example.org")
private let bob = DeciderSpecification.As.user("bob@example.org")
private let root = DeciderSpecification.As.user("root@example.org")
private let week: Int64 = 7 * 86_400_000

@Suite("Offering a session")
struct OfferRulesTests {
    static let alices: [Event] = Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID))]
    static let offered = Event.sessionOffered(SessionOffered(sessionID: s1, from: Spec.aliceID, to: Spec.bobID,
                                                             expiresAt: Spec.now.adding(milliseconds: week)))
    static func at(_ time: Timestamp) -> DecisionContext {
        DecisionContext(now: time, newSessionID: Spec.newSessionID, newUserID: Spec.newUserID)
    }

    @Test func theOwnerOffersForSevenDaysAndNothingChangesHands() throws {
        given(Self.alices).when(.offerSession(OfferSession(sessionID: s1, to: "bob@example.org")), actor: alice).then([Self.offered])
        // Still alice's: bob cannot update it, alice can.
        let spec = given(Self.alices + [Self.offered])
        spec.when(.updateSession(UpdateSession(sessionID: s1, progress: 5)), actor: bob).thenDenied(reason: .notOwner, .notFound)
        spec.when(.updateSession(UpdateSession(sessionID: s1, progress: 5)), actor: alice)
            .then([.sessionUpdated(SessionUpdated(sessionID: s1, progress: 5))])
    }

    @Test func onlyTheOwnerOffersAndNotToThemselvesOrTwice() {
        given(Self.alices).when(.offerSession(OfferSession(sessionID: s1, to: "bob@example.org")), actor: bob)
            .thenDenied(reason: .notOwner, .notFound, command: "session.offer")
        given(Self.alices).when(.offerSession(OfferSession(sessionID: s1, to: "bob@example.org")), actor: root)
            .thenDenied(reason: .notOwner, .notFound)
        let own = given(Self.alices).when(.offerSession(OfferSession(sessionID: s1, to: "alice@example.org")), actor: alice)
            .thenThrows(.invalidInput)
        #expect(own?.message == "Session s-1 is already yours.")
        let twice = given(Self.alices + [Self.offered]).when(.offerSession(OfferSession(sessionID: s1, to: "root@example.org")), actor: alice)
            .thenThrows(.invalidInput)
        #expect(twice?.message.hasPrefix("Session s-1 is already offered to someone else until ") == true)
        // Once it lapsed, it may be offered again.
        #expect(given(Self.alices + [Self.offered])
            .when(.offerSession(OfferSession(sessionID: s1, to: "root@example.org")), actor: alice, context: Self.at(Spec.now.adding(milliseconds: week)))
            .accepted()?.events.count == 1)
    }

    @Test func theRecipientAcceptsAndTheSessionIsTheirs() {
        let spec = given(Self.alices + [Self.offered])
        spec.when(.acceptOffer(AcceptOffer(sessionID: s1)), actor: bob)
            .then([.sessionAccepted(SessionAccepted(sessionID: s1, from: Spec.aliceID, to: Spec.bobID))])
        // Anyone else's accept is a recorded reach for someone else's session.
        spec.when(.acceptOffer(AcceptOffer(sessionID: s1)), actor: root).thenDenied(reason: .notOwner, .notFound, command: "session.accept")
        let after = given(Self.alices + [Self.offered, .sessionAccepted(SessionAccepted(sessionID: s1, from: Spec.aliceID, to: Spec.bobID))])
        after.when(.updateSession(UpdateSession(sessionID: s1, progress: 5)), actor: alice).thenDenied(reason: .notOwner, .notFound)
        after.when(.updateSession(UpdateSession(sessionID: s1, progress: 5)), actor: bob)
            .then([.sessionUpdated(SessionUpdated(sessionID: s1, progress: 5))])
    }

    @Test func aLapsedOfferCannotBeAccepted() {
        let error = given(Self.alices + [Self.offered])
            .when(.acceptOffer(AcceptOffer(sessionID: s1)), actor: bob, context: Self.at(Spec.now.adding(milliseconds: week)))
            .thenThrows(.invalidInput)
        #expect(error?.message.hasPrefix("The offer of session s-1 lapsed at ") == true)
    }

    @Test func acceptingIsRefusedAsADuplicateWhenTheRecipientHasTheFile() {
        let bobs: [Event] = [.sessionCreated(Spec.created("s-2", by: Spec.bobID, name: "Bob's"))]
        given(Self.alices + bobs + [Self.offered]).when(.acceptOffer(AcceptOffer(sessionID: s1)), actor: bob).thenThrows(.duplicate)
        #expect(given(Self.alices + bobs + [Self.offered]).when(.acceptOffer(AcceptOffer(sessionID: s1, allowDuplicate: true)), actor: bob)
            .accepted()?.events.count == 1)
    }

    @Test func theRecipientDeclinesAndTheOwnerKeepsIt() {
        given(Self.alices + [Self.offered]).when(.declineOffer(s1), actor: bob)
            .then([.sessionDeclined(SessionDeclined(sessionID: s1, to: Spec.bobID))])
        given(Self.alices + [Self.offered]).when(.declineOffer(s1), actor: root).thenDenied(reason: .notOwner, .notFound)
    }

    @Test func theSweepRecordsALapsedOfferAsDeclinedBySystem() {
        let history = Self.alices + [Self.offered, .settingChanged(SettingChanged(key: "expire_after", value: "30d"))]
        given(history).when(.sweep(Sweep()), actor: .system).then([])
        given(history).when(.sweep(Sweep()), actor: .system, context: Self.at(Spec.now.adding(milliseconds: week)))
            .then([.sessionDeclined(SessionDeclined(sessionID: s1, to: Spec.bobID, expired: true))])
    }
}

@Suite("Offers in the log")
struct OfferServiceTests {
    @Test func anOfferIsListedForItsRecipientAcceptedAndCountedByTheMonitor() throws {
        let f = try Fixture()
        let id = SessionID(try f.create(Fixture.alice).session!.id)
        _ = try f.service.handle(.command(.offerSession(OfferSession(sessionID: id, to: "bob@x.test"))), as: Fixture.alice)
        #expect(try f.service.offers(as: Fixture.bob).map(\.id) == [id.rawValue])
        #expect(try f.service.offers(as: Fixture.bob).first?.ownerEmail == "alice@x.test")
        #expect(try f.service.monitorSummary(as: Fixture.ops).pendingOffers == 1)
        let outcome = try f.service.handle(.command(.acceptOffer(AcceptOffer(sessionID: id))), as: Fixture.bob)
        #expect(outcome.session?.ownerEmail == "bob@x.test")
        #expect(outcome.session?.offeredTo == nil)
        #expect(try f.service.offers(as: Fixture.bob).isEmpty)
        #expect(try f.service.monitorSummary(as: Fixture.ops).pendingOffers == 0)
        #expect(try f.service.sessions(as: Fixture.bob).map(\.id) == [id.rawValue])
        #expect(code { try f.create(Fixture.bob) } == .duplicate, "the file followed the session")
        #expect(try f.service.store.drift().isEmpty)
    }

    @Test func theSweepDeclinesALapsedOfferOnce() throws {
        let clock = TestClock(Timestamp(rfc3339: "2026-03-01T08:00:00.000Z")!)
        let (service, _) = try SweepServiceTests.open(clock)
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "bob@x.test", role: .admin))), as: SweepServiceTests.ops)
        let id = try SweepServiceTests.create(service, "A")
        _ = try service.handle(.command(.offerSession(OfferSession(sessionID: id, to: "bob@x.test"))), as: SweepServiceTests.alice)
        try service.setSetting("expire_after", to: "30d", as: SweepServiceTests.ops)
        clock.advance(milliseconds: 8 * 86_400_000)
        #expect(try service.sweep(dryRun: true).lapsedOffers == [id.rawValue])
        #expect(try service.sweep().lapsedOffers == [id.rawValue])
        #expect(try service.sweep().lapsedOffers.isEmpty)
        let last = try service.store.read { try $0.events(stream: id.stream).last }
        #expect(last?.type == "session.declined" && last?.actor == "system")
        #expect(try service.store.drift().isEmpty)
    }
}
