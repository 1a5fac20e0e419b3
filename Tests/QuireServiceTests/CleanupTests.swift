import Foundation
import QuireCore
@testable import QuireService
import QuireStorage
import Testing

/// Issue 17 §2: bulk cleanup under one command id.
@Suite("Bulk cleanup")
struct CleanupTests {
    static func legacyRows(_ f: Fixture, _ n: Int, prefix: String = "old") throws {
        for i in 0..<n {
            let row = LegacyRow(id: SessionID("\(prefix)-\(i)"), createdBy: nil, status: .inProgress, jsonHash: nil, fileName: "\(prefix)-\(i).json",
                                createdAt: nil, updatedAt: nil, lastAccessedAt: nil, metadata: [:])
            _ = try f.service.handle(.command(.importLegacySession(row)), as: Fixture.ops)
        }
    }

    static func deletions(_ f: Fixture) throws -> [RecordedEvent] {
        try f.service.store.read { try $0.audit(AuditFilter(types: ["session.deleted"], limit: 100_000), ascending: true) }
    }

    @Test func aDryRunListsExactlyWhatTheCleanupDeletesEachWithItsOwnEventUnderOneCommandID() throws {
        let f = try Fixture()
        try Self.legacyRows(f, 3)
        let mine = try f.create(Fixture.alice).session!.id
        let before = try f.eventCount()
        let dry = try f.service.cleanup(CleanupFilter(legacy: true), dryRun: true, as: Fixture.alice)
        #expect(dry.sessions.map(\.sessionID) == ["old-0", "old-1", "old-2"])
        #expect(try f.eventCount() == before)

        let done = try f.service.cleanup(CleanupFilter(legacy: true), as: Fixture.alice, commandID: "clean-1")
        #expect(done.deleted == 3)
        let events = try Self.deletions(f)
        #expect(events.map(\.stream) == ["session-old-0", "session-old-1", "session-old-2"])
        #expect(Set(events.compactMap(\.commandID)) == ["clean-1"])
        #expect(events.allSatisfy { $0.payload.contains("\"reason\":\"cleanup --legacy\"") })
        #expect(try f.service.sessions(as: Fixture.alice).map(\.id) == [mine])

        // The same cleanup again appends nothing; the same id with another filter is refused.
        let again = try f.service.cleanup(CleanupFilter(legacy: true), as: Fixture.alice, commandID: "clean-1")
        #expect(again.deleted == 0)
        #expect(try f.eventCount() == before + 3)
        #expect(code { _ = try f.service.cleanup(CleanupFilter(expired: true), as: Fixture.alice, commandID: "clean-1") } == .commandIDReused)
        #expect(try f.service.store.drift().isEmpty)
    }

    @Test func aKilledCleanupResumesItsPlanWhenRunAgainWithTheSameID() throws {
        let f = try Fixture()
        try Self.legacyRows(f, 150)
        let filter = CleanupFilter(legacy: true)
        let first = try f.service.cleanup(filter, dryRun: false, confirmed: true, as: Fixture.ops, commandID: "big", progress: nil,
                                          stopAfterBatches: 1)
        #expect(first.deleted == 100)
        // A legacy row imported after the plan was made is not part of it.
        try Self.legacyRows(f, 1, prefix: "late")
        let rest = try f.service.cleanup(filter, as: Fixture.ops, commandID: "big")
        #expect(rest.deleted == 50)
        #expect(try Self.deletions(f).count == 150)
        #expect(try f.service.sessions(as: Fixture.alice).map(\.id) == ["late-0"])
    }

    @Test func moreThanTwentyNeedsConfirmation() throws {
        let f = try Fixture()
        try Self.legacyRows(f, 21)
        let error = #expect(throws: QuireError.self) { _ = try f.service.cleanup(CleanupFilter(legacy: true), as: Fixture.ops) }
        #expect(error?.code == .usage)
        #expect(error?.message == "This cleanup would delete 21 sessions; add --yes to go ahead, or --dry-run to list them.")
        #expect(try f.service.cleanup(CleanupFilter(legacy: true), confirmed: true, as: Fixture.ops).deleted == 21)
    }

    @Test func aSystemAdminCleansUpEveryonesAnAdminOnlyTheirOwn() throws {
        let f = try Fixture()
        let alices = try f.create(Fixture.alice).session!.id
        let bobs = try f.create(Fixture.bob).session!.id
        for id in [alices, bobs] {
            let owner = id == alices ? Fixture.alice : Fixture.bob
            _ = try f.service.handle(.command(.completeSession(CompleteSession(sessionID: SessionID(id)))), as: owner)
        }
        let filter = CleanupFilter(status: .completed)
        #expect(try f.service.cleanup(filter, dryRun: true, as: Fixture.alice).sessions.map(\.sessionID) == [alices])
        #expect(Set(try f.service.cleanup(filter, dryRun: true, as: Fixture.ops).sessions.map(\.sessionID)) == [alices, bobs])
        // --older-than: nothing completed 90 days ago yet.
        #expect(try f.service.cleanup(CleanupFilter(status: .completed, olderThan: TimeSpan("90d")), dryRun: true, as: Fixture.ops)
            .sessions.isEmpty)

        let before = try f.eventCount()
        #expect(code { _ = try f.service.cleanup(CleanupFilter(owner: "bob@x.test"), as: Fixture.alice) } == .forbidden)
        #expect(try f.eventCount() == before + 1, "the refusal is recorded")
        #expect(try f.service.cleanup(CleanupFilter(owner: "bob@x.test"), as: Fixture.ops).deleted == 1)
        #expect(code { _ = try f.service.cleanup(CleanupFilter(), as: Fixture.ops) } == .usage)
    }
}
