import Foundation
import QuireCore
import QuireSQLite
@testable import QuireService
import QuireStorage
import Testing

@Suite("Audit, history, replay, explain, export and import")
struct DebuggingTests {
    @Test func historyShowsEachEventWithTheStateAfterItAndWhoMayReadIt() throws {
        let f = try Fixture()
        let s = try #require(try f.create(Fixture.alice).session)
        let id = SessionID(s.id)
        _ = try f.service.handle(.command(.updateSession(UpdateSession(sessionID: id, progress: 40))), as: Fixture.alice)
        #expect(code { _ = try f.service.show(id, as: Fixture.bob) } == .notFound)
        _ = try f.service.handle(.command(.deleteSession(DeleteSession(sessionID: id, reason: "wrong file"))), as: Fixture.alice)
        let history = try f.service.history(id, as: Fixture.alice)
        #expect(history.map(\.type) == ["session.created", "session.updated", "access.denied", "session.deleted"])
        #expect(history[1].changes == [.init(field: "progress", from: .number(0), to: .number(40))])
        #expect(history[1].state?.progress == 40)
        #expect(history[2].actorEmail == "bob@x.test")
        #expect(history.last?.state?.status == "deleted")
        #expect(try f.service.history(id, as: Fixture.ops).count == 4)
        let before = try f.eventCount()
        #expect(code { _ = try f.service.history(id, as: Fixture.bob) } == .notFound)
        #expect(try f.eventCount() == before + 1)
    }

    @Test func replayShowsTheSessionAsItWasBeforeAndAfterItsCompletion() throws {
        let f = try Fixture()
        let s = try #require(try f.create(Fixture.alice).session)
        let done = try f.service.handle(.command(.completeSession(CompleteSession(sessionID: SessionID(s.id)))), as: Fixture.alice)
        let at = try #require(done.positions.first)
        let before = try f.service.replay(until: at - 1, view: .sessions, as: Fixture.alice)
        let after = try f.service.replay(until: at, view: .sessions, as: Fixture.alice)
        #expect(before.sessions?.first?.status == "in_progress")
        #expect(after.sessions?.first?.status == "completed")
        #expect(try f.service.replay(until: at - 1, view: .monitor, as: Fixture.ops).monitor?.map(\.session.id) == [s.id])
        #expect(try f.service.replay(until: at, view: .monitor, as: Fixture.ops).monitor?.isEmpty == true)
        #expect(code { _ = try f.service.replay(until: at, view: .monitor, as: Fixture.alice) } == .forbidden)
        #expect(code { _ = try f.service.replay(until: at, view: .sessions, for: "bob@x.test", as: Fixture.alice) } == .forbidden)
        let dupes = try f.service.replay(until: at, view: .duplicates, as: Fixture.ops).duplicates
        #expect(dupes?.first?.sessions == [s.id])
        #expect(dupes?.first?.ownerEmail == "alice@x.test")
        // By time: the last event recorded at or before that moment.
        let row = try #require(try f.service.audit(AuditFilter(commandID: done.commandID), as: Fixture.ops).first)
        #expect(try f.service.position(untilPosition: nil, untilTime: Timestamp(rfc3339: row.recordedAt)) == at)
    }

    @Test func explainSaysWhyACommandWasRefused() throws {
        let f = try Fixture()
        let s = try #require(try f.create(Fixture.alice, commandID: "alice-create").session)
        #expect(code { _ = try f.service.handle(.command(.completeSession(CompleteSession(sessionID: SessionID(s.id)))),
                                                as: Fixture.bob, commandID: "bob-complete") } == .notFound)
        let denied = try f.service.explain("bob-complete", as: Fixture.ops)
        #expect(denied.outcome == "denied")
        #expect(denied.reason?.contains("owner") == true)
        #expect(denied.facts?["session_owner_email"] == .string("alice@x.test"))
        #expect(denied.facts?["actor"] == .string("bob@x.test"))
        let accepted = try f.service.explain("alice-create", as: Fixture.alice)
        #expect(accepted.outcome == "accepted")
        #expect(accepted.events.map(\.type) == ["session.created"])
        #expect(try f.service.explain("never-sent", as: Fixture.ops).outcome == "unknown")
        #expect(code { _ = try f.service.explain("alice-create", as: Fixture.bob) } == .forbidden)
    }

    func exportLines(_ f: Fixture) throws -> [[UInt8]] {
        var text = Data()
        _ = try f.service.export(as: Fixture.ops) { text.append($0) }
        return text.split(separator: UInt8(ascii: "\n")).map { Array($0) }
    }

    func fresh() throws -> QuireService {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-imp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try QuireService.open(try SQLiteStore(path: dir.appendingPathComponent("q.sqlite").path, options: .init(create: true)))
    }

    func eventsTable(_ s: QuireService) throws -> [StoredRow] {
        try (s.store as! SQLiteStore).query(sql: "SELECT position, stream, version, type, schema, event_id, actor, command_id, recorded_at, payload, hex(prev_hash), hex(hash) FROM events ORDER BY position")
    }

    @Test func exportThenImportGivesAnIdenticalEventsTable() throws {
        let f = try Fixture()
        let s = try #require(try f.create(Fixture.alice).session)
        _ = try f.service.handle(.command(.updateSession(UpdateSession(sessionID: SessionID(s.id), metadata: ["note": .string("a \"quoted\", text")]))),
                                 as: Fixture.alice)
        let copy = try fresh()
        let count = try copy.importLog(lines: try exportLines(f))
        #expect(count == (try f.eventCount()))
        #expect(try eventsTable(copy) == (try eventsTable(f.service)))
        #expect(try copy.verify().ok)
        #expect(try copy.sessions(as: Fixture.alice).first?.metadata?["note"] == .string("a \"quoted\", text"))
        // Not into a database that already holds events.
        #expect(code { _ = try copy.importLog(lines: try exportLines(f)) } == .invalidInput)
    }

    @Test func importReadsExportLinesWithoutJSONDecoderExactlyAsJSONDecoderDoes() throws {
        let f = try Fixture()
        let s = try #require(try f.create(Fixture.alice).session)
        _ = try f.service.handle(.command(.updateSession(UpdateSession(sessionID: SessionID(s.id),
                                                                       metadata: ["note": .string("a \"quoted\", \\ text é \u{1F600}")]))),
                                 as: Fixture.alice)
        let decoder = JSONDecoder()
        let lines = try exportLines(f).dropLast()  // the end line is not an event
        #expect(lines.count > 3)
        for line in lines {
            let plain = try #require(ExportedEvent.reading(line))
            #expect(plain == (try decoder.decode(ExportedEvent.self, from: Data(line))))
        }
        // The same members in another order, spaced out, with an absent command_id: still read, still equal.
        let text = String(decoding: lines[lines.startIndex], as: UTF8.self)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var members = object.keys.sorted().reversed().filter { $0 != "command_id" }.map { key in
            "\"\(key)\" : " + String(decoding: try! JSONSerialization.data(withJSONObject: object[key]!, options: [.fragmentsAllowed]), as: UTF8.self)
        }
        let reordered = Array(("{ " + members.joined(separator: " ,\n") + " }").utf8)
        #expect(try #require(ExportedEvent.reading(reordered)) == (try decoder.decode(ExportedEvent.self, from: Data(reordered))))
        // Anything outside the plain shape goes to JSONDecoder, which decides: an unknown or a
        // repeated key, a number with a fraction, a number as text, trailing bytes, an escaped key.
        members.append("\"extra\":1")
        let variants = [
            "{ " + members.joined(separator: ",") + " }",
            String(text.dropLast()) + ",\"actor\":\"someone\"}",
            text.replacingOccurrences(of: "\"version\":1", with: "\"version\":1.0"),
            text.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":\"1\""),
            text + " x",
            text.replacingOccurrences(of: "\"actor\"", with: "\"\\u0061ctor\""),
        ]
        for variant in variants {
            #expect(variant != text)
            #expect(ExportedEvent.reading(Array(variant.utf8)) == nil, "\(variant)")
        }
    }

    @Test func aTamperedOrTruncatedExportIsRefusedAtTheRightLineAndLeavesNothing() throws {
        let f = try Fixture()
        try f.create(Fixture.alice)
        var lines = try exportLines(f)
        let original = lines
        // Change one character of the third line's payload.
        var third = String(decoding: lines[2], as: UTF8.self)
        third = third.replacingOccurrences(of: "bob@x.test", with: "bob@y.test")
        lines[2] = Array(third.utf8)
        let copy = try fresh()
        do {
            _ = try copy.importLog(lines: lines)
            Issue.record("a tampered export was imported")
        } catch {
            #expect(error.message.hasPrefix("Line 3 "))
        }
        #expect(try copy.lastPosition() == 0)
        #expect(code { _ = try copy.importLog(lines: original.dropLast()) } == .invalidInput)
        #expect(code { _ = try copy.importLog(lines: Array(original.prefix(2)) + [Array(original[3])] + Array(original.suffix(1))) } == .invalidInput)
        var cut = original
        cut[cut.count - 2] = Array(cut[cut.count - 2].prefix(40))
        #expect(code { _ = try copy.importLog(lines: cut) } == .invalidInput)
        #expect(try copy.lastPosition() == 0)
        _ = try copy.importLog(lines: original)
        #expect(try copy.verify().ok)
    }

    @Test func verifyNamesTheTamperedPositionAndTheDriftingProjection() throws {
        let f = try Fixture()
        let s = try #require(try f.create(Fixture.alice).session)
        try f.sqlite.execute(sql: "UPDATE session_views SET progress = 99 WHERE session_id = ?", arguments: [.text(s.id)])
        var report = try f.service.verify()
        #expect(!report.ok)
        #expect(report.chainIntact)
        #expect(report.projections.first { !$0.matches }?.name == "session_views")
        _ = try f.service.rebuild()
        #expect(try f.service.verify().ok)
        try f.sqlite.execute(sql: "DROP TRIGGER events_no_update")
        try f.sqlite.execute(sql: "UPDATE events SET recorded_at = '2020-01-01T00:00:00.000Z' WHERE position = 2")
        report = try f.service.verify()
        #expect(!report.ok)
        #expect(report.chainFault?.position == 2)
    }

    @Test func auditFiltersPageAndKeepAdminsToTheirOwnTrail() throws {
        let f = try Fixture()
        let a = try #require(try f.create(Fixture.alice).session)
        try f.create(Fixture.bob, file: "b.json", data: Fixture.paper("B"))
        for p in [10, 20, 30] {
            _ = try f.service.handle(.command(.updateSession(UpdateSession(sessionID: SessionID(a.id), progress: p))), as: Fixture.alice)
        }
        let all = try f.service.audit(AuditFilter(), as: Fixture.ops)
        #expect(all.map(\.position) == all.map(\.position).sorted(by: >))
        let sessionEvents = try f.service.audit(AuditFilter(types: ["session."]), as: Fixture.ops)
        #expect(sessionEvents.allSatisfy { $0.type.hasPrefix("session.") })
        #expect(sessionEvents.count == 5)
        let aliceOnly = try f.service.audit(AuditFilter(), actorName: "alice@x.test", as: Fixture.ops)
        #expect(aliceOnly.count == 4)
        let bySession = try f.service.audit(AuditFilter(session: SessionID(a.id)), as: Fixture.ops)
        #expect(bySession.count == 4)
        // Pages of 2, newest first, without overlap.
        var pages: [Int64] = []
        var before: Int64? = nil
        while true {
            let page = try f.service.audit(AuditFilter(before: before, limit: 2), as: Fixture.ops)
            if page.isEmpty { break }
            pages += page.map(\.position)
            before = page.last?.position
        }
        #expect(pages == all.map(\.position))
        let future = try f.service.audit(AuditFilter(since: Timestamp.now().adding(milliseconds: 3_600_000)), as: Fixture.ops)
        #expect(future.isEmpty)
        // Bob's own audit holds only Bob's actions.
        #expect(try f.service.audit(AuditFilter(), as: Fixture.bob).allSatisfy { $0.actorEmail == "bob@x.test" })
    }

    /// Every audit filter is served by an index: no full scan of the log, whatever its size.
    @Test(arguments: [
        AuditFilter(actor: "u1"), AuditFilter(session: SessionID("s1")), AuditFilter(types: ["session."]),
        AuditFilter(deniedOnly: true), AuditFilter(commandID: "c1"),
        AuditFilter(since: Timestamp(milliseconds: 0), until: Timestamp(milliseconds: 5)),
    ])
    func everyAuditFilterUsesAnIndex(_ filter: AuditFilter) throws {
        let f = try Fixture()
        let plan = try f.sqlite.auditPlan(filter)
        #expect(!plan.contains { $0.hasPrefix("SCAN events") && !$0.contains("INDEX") }, "\(plan)")
    }
}
