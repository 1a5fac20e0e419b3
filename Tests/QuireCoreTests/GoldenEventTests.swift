import Foundation
import QuireCore
import QuireTestSupport
import Testing

/// The event catalogue's golden files, `events/golden/<type>[.<variant>].v<schema>.json`: each is
/// one realistic event exactly as `GoldenEvent(event).fileText()` writes it.
///
/// A payload change that would alter how a stored event reads shows up here as a byte difference.
/// When the change is intended, re-record with `QUIRE_RECORD_GOLDEN=1 swift test --filter GoldenEventTests`
/// and review the diff of `events/golden/` (a new schema version gets new files; old ones stay).
@Suite struct GoldenEventTests {
    @Test func everyGoldenFileDecodesAndReencodesByteForByte() throws {
        try Catalogue.prepared.get()
        let files = try Catalogue.goldenFiles()
        #expect(!files.isEmpty, "No golden files in \(Catalogue.goldenDirectory.path)")
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            let golden = try JSONDecoder().decode(GoldenEvent.self, from: Data(text.utf8))
            let event = try golden.event()
            #expect(event.type == golden.type, "\(file.lastPathComponent)")
            if golden.schema == event.schema {
                #expect(try GoldenEvent(event).fileText() == text, "\(file.lastPathComponent) does not re-encode to itself")
            } else {
                // An older schema version: decoding upcast it; its file stays as the record of
                // what older logs hold.
                #expect(golden.schema < event.schema, "\(file.lastPathComponent) has a schema this code does not write")
            }
        }
    }

    @Test func everyEventTypeHasAGoldenFileNamedAfterIt() throws {
        try Catalogue.prepared.get()
        var covered: Set<String> = []
        for file in try Catalogue.goldenFiles() {
            let golden = try JSONDecoder().decode(GoldenEvent.self, from: Data(contentsOf: file))
            let name = file.lastPathComponent
            // `<type>.v<schema>.json` or `<type>.<variant>.v<schema>.json`
            #expect(name.hasPrefix(golden.type + ".") && name.hasSuffix(".v\(golden.schema).json"),
                    "\(name) holds a \(golden.type) v\(golden.schema) event")
            covered.insert(golden.type)
        }
        for type in Event.types {
            #expect(covered.contains(type), "No golden file for \(type)")
        }
    }

    /// The files are what the samples below record, so re-recording changes nothing unless the
    /// encoding changed.
    @Test func goldenFilesAreTheRecordedSamples() throws {
        try Catalogue.prepared.get()
        let names = Set(try Catalogue.goldenFiles().map(\.lastPathComponent))
        for sample in Catalogue.samples {
            let file = Catalogue.goldenDirectory.appending(path: sample.fileName)
            let text = try? String(contentsOf: file, encoding: .utf8)
            #expect(text == (try GoldenEvent(sample.event).fileText()), "\(sample.fileName) differs from its sample event")
        }
        #expect(names == Set(Catalogue.samples.map(\.fileName)), "Golden files without a sample, or samples without a file")
    }

    /// `events/hash-example.json` is the README's worked example of the hash chain. Core has no
    /// SHA-256, so this checks what can be checked here: the payloads are exactly what quire
    /// stores, `h` is the documented concatenation, and the chain links up. QuireStoreTests checks
    /// the hashes themselves against the chain code.
    @Test func hashExampleFollowsTheDocumentedRule() throws {
        let url = Catalogue.eventsDirectory.appending(path: "hash-example.json")
        let example = try JSONDecoder().decode(HashExample.self, from: Data(contentsOf: url))
        let readme = try String(contentsOf: Catalogue.eventsDirectory.appending(path: "README.md"), encoding: .utf8)
        #expect(example.events.count == 2)
        var prevHash = String(repeating: "0", count: 64)
        for (index, row) in example.events.enumerated() {
            #expect(row.position == index + 1)
            let event = try Event.decode(type: row.type, schema: row.schema, payload: row.payload)
            #expect(try event.encodedPayload() == row.payload, "position \(row.position): not the stored form of its payload")
            #expect(event.stream == row.stream)
            #expect(event.schema == row.schema)
            let fields: [String?] = [
                String(row.position), row.stream, String(row.version), row.type, String(row.schema),
                row.eventID, row.actor, row.commandID, row.recordedAt,
            ]
            #expect(row.h == fields.map { ($0 ?? "") + "\n" }.joined() + row.payload, "position \(row.position): h")
            #expect(row.prevHash == prevHash, "position \(row.position): prev_hash")
            #expect(row.hash.count == 64 && row.hash.allSatisfy(\.isHexDigit) && row.hash == row.hash.lowercased())
            let readmeShowsHash = readme.contains(row.hash), readmeShowsPayload = readme.contains(row.payload)
            #expect(readmeShowsHash, "README does not show the hash of position \(row.position)")
            #expect(readmeShowsPayload, "README does not show the payload of position \(row.position)")
            prevHash = row.hash
        }
    }
}

/// One row of `events/hash-example.json`: the `events` columns (hashes in hex) plus `h`, the
/// text hashed after `prev_hash`.
struct HashExample: Decodable {
    struct Row: Decodable {
        var position: Int
        var stream: String
        var version: Int
        var type: String
        var schema: Int
        var eventID: String
        var actor: String
        var commandID: String?
        var recordedAt: String
        var payload: String
        var h: String
        var prevHash: String
        var hash: String

        enum CodingKeys: String, CodingKey {
            case position, stream, version, type, schema, eventID = "event_id", actor, commandID = "command_id"
            case recordedAt = "recorded_at", payload, h, prevHash = "prev_hash", hash
        }
    }
    var events: [Row]
}

/// Where the catalogue lives and the events its golden files show.
enum Catalogue {
    static let eventsDirectory = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "events")
    static let goldenDirectory = eventsDirectory.appending(path: "golden")

    static func goldenFiles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: goldenDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Writes the samples' files once, before any test reads them, when `QUIRE_RECORD_GOLDEN=1`.
    /// A `static let` is initialised exactly once even with tests running in parallel.
    static let prepared: Result<Void, any Error> = Result {
        guard ProcessInfo.processInfo.environment["QUIRE_RECORD_GOLDEN"] == "1" else { return }
        try FileManager.default.createDirectory(at: goldenDirectory, withIntermediateDirectories: true)
        for sample in samples {
            try Data(try GoldenEvent(sample.event).fileText().utf8)
                .write(to: goldenDirectory.appending(path: sample.fileName), options: .atomic)
        }
    }

    struct Sample: Sendable {
        /// Distinguishes a second example of the same type and schema (`legacy`, `role`).
        var variant: String?
        var event: Event
        var fileName: String { [event.type, variant, "v\(event.schema)", "json"].compactMap { $0 }.joined(separator: ".") }
    }

    // The people and sessions of the examples; the ids match events/samples/ and the README.
    static let amina = UserID("ba6c9310-e4b3-444a-942e-efd02f3fa643")      // system admin
    static let tom = UserID("928569a1-20c1-4f0d-ab3c-aa830dce2bb0")        // admin
    static let mathematics = SessionID("8249c1b7-50b6-45c3-82b0-fbc5a0c38cc5")
    static let legacyPhysics = SessionID("fa80db87-f766-4924-9582-d9eff35903fb")

    static func time(_ text: String) -> Timestamp {
        guard let time = Timestamp(rfc3339: text) else { preconditionFailure("bad sample time \(text)") }
        return time
    }

    static let samples: [Sample] = [
        Sample(event: .sessionCreated(SessionCreated(
            sessionID: mathematics, ownerID: tom, name: "Mathematics 9709/12 2023 May/June",
            fileName: "mathematics-9709-12-2023.json",
            jsonHash: "bc5bb259af8c71c414a66675c021b78f092ed555e8cf4a1475eb6237a0fe859f",
            questionCount: 10,
            paper: [
                "board": .string("Cambridge"), "code": .string("9709/12"), "component": .string("Pure Mathematics 1"),
                "level": .string("AS & A Level"), "session": .string("May/June"), "subject": .string("Mathematics"),
                "year": .number(2023),
            ],
            blob: "84602e0075576889a36b6d616c0d96bc597b6bd2d8d3907f593b13d22308685c"))),
        Sample(variant: "legacy", event: .sessionCreated(SessionCreated(
            // What `legacy import` makes of the first row of events/samples/legacy-sessions.json:
            // no file, so no paper description and no blob.
            sessionID: legacyPhysics, ownerID: nil, name: "physics-9702-22-2022",
            fileName: "physics-9702-22-2022.json",
            jsonHash: "f931fc08514ed80eee4cbba65d397e0ba5d475e2a4d8d72e3dbe7ac2b5bb0e39",
            questionCount: 8,
            paper: [:],
            blob: nil,
            legacy: LegacyRecord(
                status: .inProgress,
                createdAt: time("2024-02-12T10:03:41.207Z"), updatedAt: time("2024-02-12T10:19:05.880Z"),
                lastAccessedAt: time("2024-02-14T08:45:12.031Z"),
                metadata: [
                    "paper_code": .string("9702/22"), "progress": .number(40), "step": .string("questions"),
                    "subject": .string("Physics"), "total_questions": .number(8),
                ])))),
        Sample(event: .sessionAccessed(SessionAccessed(sessionID: mathematics))),
        Sample(event: .sessionUpdated(SessionUpdated(
            sessionID: mathematics, step: .questions, progress: 60, questionsImported: 6,
            metadata: ["source_url": .string("https://example.edu/papers/9709/s23_qp_12.pdf"), "reviewer_note": .null]))),
        Sample(event: .sessionCompleted(SessionCompleted(sessionID: mathematics, questionsImported: 10))),
        Sample(event: .sessionDeleted(SessionDeleted(sessionID: legacyPhysics, reason: "Superseded by the 2023 import"))),
        Sample(event: .userRegistered(UserRegistered(userID: tom, email: "tom.reyes@example.edu", role: .admin))),
        Sample(event: .userRoleChanged(UserRoleChanged(userID: tom, role: .systemAdmin))),
        Sample(event: .userDeactivated(UserDeactivated(userID: tom, reason: "Left the department"))),
        Sample(event: .accessDenied(AccessDenied(command: "session.update", target: mathematics.stream, reason: .notOwner))),
        Sample(variant: "role", event: .accessDenied(AccessDenied(command: "monitor", target: "monitor", reason: .role))),
        Sample(event: .sessionExpired(SessionExpired(sessionID: mathematics, expireAfter: "14d", idleSeconds: 1_318_512,
                                                     lastAccessedAt: time("2026-11-10T09:14:02.511Z")))),
        Sample(event: .sessionReopened(SessionReopened(sessionID: mathematics))),
        Sample(event: .settingChanged(SettingChanged(key: "expire_after", value: "14d"))),
        Sample(event: .sessionTransferred(SessionTransferred(sessionID: mathematics, from: tom, to: amina,
                                                             reason: "Tom is on leave until January"))),
        Sample(variant: "legacy", event: .sessionTransferred(SessionTransferred(sessionID: legacyPhysics, from: nil, to: tom))),
        Sample(event: .sessionOffered(SessionOffered(sessionID: mathematics, from: tom, to: amina,
                                                     expiresAt: time("2026-12-08T09:30:00.000Z")))),
        Sample(event: .sessionAccepted(SessionAccepted(sessionID: mathematics, from: tom, to: amina))),
        Sample(event: .sessionDeclined(SessionDeclined(sessionID: mathematics, to: amina))),
        Sample(variant: "expired", event: .sessionDeclined(SessionDeclined(sessionID: mathematics, to: amina, expired: true))),
        Sample(event: .collaboratorAdded(CollaboratorAdded(sessionID: mathematics, userID: amina, role: .editor))),
        Sample(event: .collaboratorRemoved(CollaboratorRemoved(sessionID: mathematics, userID: amina))),
    ]
}
