import Foundation
import QuireCore
import QuireSQLite
@testable import QuireService
import QuireStorage
import Synchronization
import Testing

// Issue 17 §1: the stale-session timeout — the expire_after setting, the sweep, expired sessions
// and reopening them.

private let s1 = SessionID("s-1")
private let s2 = SessionID("s-2")

private func setting(_ value: String) -> Event { .settingChanged(SettingChanged(key: "expire_after", value: value)) }
private func sweep(fallback: String? = nil) -> Command { .sweep(Sweep(fallbackExpireAfter: fallback.flatMap(TimeSpan.init))) }
private func at(_ time: Timestamp) -> DecisionContext {
    DecisionContext(now: time, newSessionID: Spec.newSessionID, newUserID: Spec.newUserID)
}

@Suite("Settings stored in the log")
struct SettingsRulesTests {
    @Test func aSystemAdminSetsTheTimeout() {
        given(Spec.staff).when(.changeSetting(ChangeSetting(key: "expire_after", value: "14d")), actor: .user("root@example.org"))
            .then([setting("14d")])
        given(Spec.staff).when(.changeSetting(ChangeSetting(key: "expire_after", value: "off")), actor: .user("root@example.org"))
            .then([setting("off")])
    }

    @Test func anAdminsAttemptIsRefusedAndRecorded() {
        let error = given(Spec.staff).when(.changeSetting(ChangeSetting(key: "expire_after", value: "14d")), actor: .user("alice@example.org"))
            .thenDenied(reason: .role, .forbidden, command: "settings.set", target: "settings")
        #expect(error?.message == "Only a system admin may change settings (quire settings set).")
        #expect(error?.exitCode == 77)
    }

    @Test func quireItselfAndUnknownUsersCannotChangeSettings() {
        given(Spec.staff).when(.changeSetting(ChangeSetting(key: "expire_after", value: "14d")), actor: .system).thenThrows(.forbidden)
        given(Spec.staff).when(.changeSetting(ChangeSetting(key: "expire_after", value: "14d")), actor: .user("mallory@example.org"))
            .thenThrows(.unknownUser)
    }

    @Test(arguments: ["14", "0s", "fourteen days", "", "-1d", "14d off"])
    func aValueThatIsNotADurationOrOffIsRefusedInOneSentence(_ value: String) {
        let error = given(Spec.staff).when(.changeSetting(ChangeSetting(key: "expire_after", value: value)), actor: .user("root@example.org"))
            .thenThrows(.invalidInput)
        #expect(error?.message == "expire_after takes a duration of at least 1s (90s, 30m, 8h, 7d) or off, not '\(value)'.")
    }

    @Test func anUnknownKeyIsRefused() {
        let error = given(Spec.staff).when(.changeSetting(ChangeSetting(key: "colour", value: "blue")), actor: .user("root@example.org"))
            .thenThrows(.invalidInput)
        #expect(error?.message == "There is no setting called 'colour'; quire knows expire_after.")
    }

    @Test func settingTheSameValueAgainIsRefused() {
        given(Spec.staff + [setting("14d")])
            .when(.changeSetting(ChangeSetting(key: "expire_after", value: "14d")), actor: .user("root@example.org"))
            .thenThrows(.invalidInput)
        given(Spec.staff + [setting("14d")])
            .when(.changeSetting(ChangeSetting(key: "expire_after", value: "7d")), actor: .user("root@example.org"))
            .then([setting("7d")])
    }

    @Test func theLastStoredValueWinsAndOffWinsOverAnyFallback() {
        var s = Settings()
        #expect(s.expireAfter(fallback: TimeSpan("1h")) == TimeSpan("1h"))
        s = Settings.evolve(s, setting("14d"))
        #expect(s.expireAfter(fallback: TimeSpan("1h")) == TimeSpan("14d"))
        s = Settings.evolve(s, setting("off"))
        #expect(s.expireAfter(fallback: TimeSpan("1h")) == nil)
    }
}

@Suite("The sweep")
struct SweepRulesTests {
    /// alice's s-1, created at 09:00:03 and never touched again; the sweep runs at 10:00 (`Spec.now`).
    static let history: [Event] = Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID))]

    static func expired(_ id: SessionID, after rule: String, idle: Int, last: Timestamp) -> Event {
        .sessionExpired(SessionExpired(sessionID: id, expireAfter: rule, idleSeconds: idle, lastAccessedAt: last))
    }

    @Test func aSessionIdleLongerThanTheTimeoutExpiresWithTheRuleAndTheIdleTime() {
        let created = Spec.start.adding(milliseconds: 3000)
        given(Self.history + [setting("30m")]).when(sweep(), actor: .system)
            .then([Self.expired(s1, after: "30m", idle: 3597, last: created)])
    }

    @Test func aSessionIdleLessThanTheTimeoutStays() {
        given(Self.history + [setting("2h")]).when(sweep(), actor: .system).then([])
    }

    @Test func theDecisionFollowsTheTimeInItsContextNotTheClock() {
        // Idle 59m57s at 10:00: not yet; a minute later, yes. The same facts, another context.
        let spec = given(Self.history + [setting("1h")])
        spec.when(sweep(), actor: .system, context: at(Spec.now)).then([])
        spec.when(sweep(), actor: .system, context: at(Spec.now.adding(milliseconds: 60_000)))
            .then([Self.expired(s1, after: "1h", idle: 3657, last: Spec.start.adding(milliseconds: 3000))])
    }

    @Test func theFallbackAppliesOnlyWhileTheLogHasNoSetting() {
        let created = Spec.start.adding(milliseconds: 3000)
        given(Self.history).when(sweep(fallback: "30m"), actor: .system)
            .then([Self.expired(s1, after: "30m", idle: 3597, last: created)])
        given(Self.history + [setting("2h")]).when(sweep(fallback: "30m"), actor: .system).then([])
        given(Self.history + [setting("off")]).when(sweep(fallback: "30m"), actor: .system).then([])
    }

    @Test func withNoTimeoutAtAllTheSweepSaysHowToSetOne() {
        let error = given(Self.history).when(sweep(), actor: .system).thenThrows(.usage)
        #expect(error?.message == "No stale-session timeout is set: a system admin sets one with quire settings set expire_after 14d, or pass --expire-after.")
    }

    @Test func onlyInProgressOwnedSessionsExpire() {
        var legacy = Spec.created("s-2", by: nil)
        legacy.legacy = LegacyRecord(status: .inProgress, createdAt: Spec.start, updatedAt: nil, lastAccessedAt: nil, metadata: [:])
        let history = Self.history + [
            .sessionCompleted(SessionCompleted(sessionID: s1, questionsImported: 3)),
            .sessionCreated(legacy),
            .sessionCreated(Spec.created("s-3", by: Spec.bobID)),
            .sessionDeleted(SessionDeleted(sessionID: SessionID("s-3"))),
            setting("1m"),
        ]
        given(history).when(sweep(), actor: .system).then([])
    }

    @Test func anExpiredSessionIsNotExpiredAgain() {
        let history = Self.history + [setting("30m"),
                                      Self.expired(s1, after: "30m", idle: 1800, last: Spec.start.adding(milliseconds: 3000))]
        given(history).when(sweep(), actor: .system, context: at(Spec.now.adding(milliseconds: 86_400_000))).then([])
    }

    @Test func aSystemAdminMaySweepAnAdminIsRefusedAndRecorded() {
        let spec = given(Self.history + [setting("30m")])
        #expect(spec.when(sweep(), actor: .user("root@example.org")).accepted()?.events.count == 1)
        spec.when(sweep(), actor: .user("alice@example.org")).thenDenied(reason: .role, .forbidden, command: "sweep")
    }
}

@Suite("Expired sessions")
struct ExpiredSessionTests {
    static let expired: [Event] = Spec.staff + [
        .sessionCreated(Spec.created("s-1", by: Spec.aliceID)),
        .sessionExpired(SessionExpired(sessionID: s1, expireAfter: "14d", idleSeconds: 1_300_000, lastAccessedAt: Spec.start)),
    ]

    @Test func anExpiredSessionGivesNoSimilarSessionWarningButStillCountsAsADuplicate() {
        // Same file name and paper code, different content: no warning, as for a completed one.
        let other = Spec.paper(hash: Spec.hashB)
        #expect(given(Self.expired).when(.createSession(CreateSession(file: other)), actor: .user("alice@example.org"))
            .accepted()?.warnings == [])
        given(Self.expired).when(.createSession(CreateSession(file: Spec.paper())), actor: .user("alice@example.org"))
            .thenThrows(.duplicate)
    }

    @Test func updatingAnExpiredSessionSaysToReopenIt() {
        let error = given(Self.expired).when(.updateSession(UpdateSession(sessionID: s1, progress: 5)), actor: .user("alice@example.org"))
            .thenThrows(.notInProgress)
        #expect(error?.message == "Session s-1 expired after being idle; reopen it first (quire session reopen s-1), then it can be updated.")
    }

    @Test func reopeningAnInProgressSessionIsRefused() {
        let error = given(Spec.staff + [.sessionCreated(Spec.created("s-1", by: Spec.aliceID))])
            .when(.reopenSession(ReopenSession(sessionID: s1)), actor: .user("alice@example.org"))
            .thenThrows(.notInProgress)
        #expect(error?.message == "Session s-1 is in progress; only an expired session can be reopened.")
    }

    @Test func aStaleCopyCannotReopen() {
        // Created (content version 1), expired (2): a client still holding version 1 is stale.
        given(Self.expired).when(.reopenSession(ReopenSession(sessionID: s1, expectedVersion: 1)), actor: .user("alice@example.org"))
            .thenThrows(.conflict)
        given(Self.expired).when(.reopenSession(ReopenSession(sessionID: s1, expectedVersion: 2)), actor: .user("alice@example.org"))
            .then([.sessionReopened(SessionReopened(sessionID: s1))])
    }

    @Test func expiringAndReopeningMoveTheStatusTheContentVersionAndTheIdleClock() throws {
        let created = try #require(SessionState.evolve(nil, .sessionCreated(Spec.created("s-1", by: Spec.aliceID)), version: 1, at: Spec.start))
        let expiry = Spec.start.adding(milliseconds: 60_000), reopening = Spec.start.adding(milliseconds: 120_000)
        let expired = try #require(SessionState.evolve(created, Self.expired.last!, version: 2, at: expiry))
        #expect(expired.status == .expired)
        #expect(expired.contentVersion == 2)
        #expect(expired.lastAccessedAt == Spec.start)   // expiring is not using it
        let reopened = try #require(SessionState.evolve(expired, .sessionReopened(SessionReopened(sessionID: s1)), version: 3, at: reopening))
        #expect(reopened.status == .inProgress)
        #expect(reopened.contentVersion == 3)
        #expect(reopened.lastAccessedAt == reopening)   // so the next sweep does not take it straight back
    }
}

/// A clock the test moves by hand.
final class TestClock: Sendable {
    let time: Mutex<Timestamp>
    init(_ start: Timestamp) { time = Mutex(start) }
    func advance(milliseconds: Int64) { time.withLock { $0 = $0.adding(milliseconds: milliseconds) } }
    var now: Timestamp { time.withLock { $0 } }
}

@Suite("Sweeping a log")
struct SweepServiceTests {
    static let ops = ActorName.named("ops@x.test"), alice = ActorName.named("alice@x.test")

    /// A file with a system admin and alice, served through a service whose clock the test moves.
    static func open(_ clock: TestClock) throws -> (QuireService, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("q.sqlite").path
        let service = try QuireService.open(try SQLiteStore(path: path, options: .init(create: true)), clock: { clock.now })
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "ops@x.test", role: .systemAdmin))), as: .system)
        _ = try service.handle(.command(.registerUser(RegisterUser(email: "alice@x.test", role: .admin))), as: ops)
        return (service, path)
    }

    static func create(_ service: QuireService, _ code: String) throws -> SessionID {
        let paper = Data("{\"paper\":{\"code\":\"\(code)\"},\"questions\":[{\"n\":1}]}".utf8)
        let outcome = try service.handle(.createSession(name: nil, paper: .bytes(fileName: "\(code).json", data: paper), allowDuplicate: false),
                                         as: alice)
        return SessionID(outcome.session!.id)
    }

    @Test func aDryRunListsExactlyWhatTheSweepThenExpires() throws {
        let clock = TestClock(Timestamp(rfc3339: "2026-03-01T08:00:00.000Z")!)
        let (service, _) = try Self.open(clock)
        let stale = try Self.create(service, "A")
        clock.advance(milliseconds: 3 * 86_400_000)
        let fresh = try Self.create(service, "B")
        try service.setSetting("expire_after", to: "2d", as: Self.ops)
        let before = try service.lastPosition()

        let dry = try service.sweep(dryRun: true)
        #expect(dry.expired.map(\.sessionID) == [stale.rawValue])
        #expect(dry.expired.first?.ownerEmail == "alice@x.test")
        #expect(try service.lastPosition() == before, "a dry run appends nothing")

        let real = try service.sweep()
        #expect(real.expired.map(\.sessionID) == dry.expired.map(\.sessionID))
        #expect(real.expireAfter == "2d")
        #expect(try service.lastPosition() == before + 1)
        let list = try service.sessions(as: Self.alice)
        #expect(list.first { $0.id == stale.rawValue }?.status == "expired", "the owner still sees it, as expired")
        #expect(list.first { $0.id == fresh.rawValue }?.status == "in_progress")
        #expect(try service.resumeTarget(as: Self.alice) == fresh)
        #expect(try service.monitor(as: Self.ops).map(\.session.id) == [fresh.rawValue])
        let summary = try service.monitorSummary(as: Self.ops)
        #expect(summary.active == 1 && summary.expired == 1 && summary.expireAfter == "2d")

        // The expiry is recorded as quire itself.
        let events = try service.store.read { try $0.events(stream: stale.stream) }
        #expect(events.last?.type == "session.expired")
        #expect(events.last?.actor == "system")
        #expect(try service.sweep().expired.isEmpty, "a second sweep finds nothing more")
    }

    @Test func severalSweepersAtOnceExpireEachSessionOnce() async throws {
        let clock = TestClock(Timestamp(rfc3339: "2026-03-01T08:00:00.000Z")!)
        let (service, path) = try Self.open(clock)
        var ids: [SessionID] = []
        for i in 0..<30 { ids.append(try Self.create(service, "P\(i)")) }
        try service.setSetting("expire_after", to: "1h", as: Self.ops)
        clock.advance(milliseconds: 2 * 3_600_000)
        // Four processes' worth of stores on the one file.
        let sweepers = try (0..<4).map { _ in
            try QuireService.open(try SQLiteStore(path: path), clock: { clock.now })
        }
        let reports = try await withThrowingTaskGroup(of: SweepReport.self) { group in
            for s in sweepers { group.addTask { try s.sweep() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let expired = reports.flatMap(\.expired).map(\.sessionID)
        #expect(expired.count == 30)
        #expect(Set(expired) == Set(ids.map(\.rawValue)))
        let expiries = try service.store.read { try $0.audit(AuditFilter(types: ["session.expired"], limit: 1000)) }
        #expect(expiries.count == 30)
        #expect(try service.store.drift().isEmpty)
    }

    @Test func reopeningPutsTheSessionBackInTheOwnersWorkAndTheMonitor() throws {
        let clock = TestClock(Timestamp(rfc3339: "2026-03-01T08:00:00.000Z")!)
        let (service, _) = try Self.open(clock)
        let id = try Self.create(service, "A")
        clock.advance(milliseconds: 2 * 3_600_000)
        _ = try service.sweep(fallback: TimeSpan("1h"))
        #expect(try service.resumeTarget(as: Self.alice) == nil)
        let outcome = try service.handle(.command(.reopenSession(ReopenSession(sessionID: id))), as: Self.alice)
        #expect(outcome.session?.status == "in_progress")
        #expect(try service.resumeTarget(as: Self.alice) == id)
        #expect(try service.monitor(as: Self.ops).map(\.session.id) == [id.rawValue])
        #expect(try service.monitorSummary(as: Self.ops).expired == 0)
        // Reopening restarts the idle clock: the next sweep leaves it alone.
        #expect(try service.sweep(fallback: TimeSpan("1h")).expired.isEmpty)
        #expect(try service.store.drift().isEmpty)
    }
}
