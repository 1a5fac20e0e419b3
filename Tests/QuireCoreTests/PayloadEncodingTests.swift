import Foundation
@testable import QuireCore
import QuireTestSupport
import Testing

/// `Event.encodedPayload` writes payloads field by field for speed; the stored text must stay
/// byte for byte what Foundation's `JSONEncoder` (sorted keys, slashes unescaped) writes, or the
/// same event would be stored two ways.
@Suite struct PayloadEncodingTests {
    @Test func everyCatalogueSampleEncodesAsFoundationDoes() throws {
        for sample in Catalogue.samples {
            #expect(try sample.event.encodedPayload() == sample.event.foundationEncodedPayload(), "\(sample.fileName)")
        }
    }

    @Test func generatedEventsEncodeAsFoundationDoes() throws {
        var random = Generator(seed: 20_261_125)
        for _ in 0..<3000 {
            let event = random.event()
            var writer = PayloadWriter()
            writer.write(event)
            #expect(writer.exact, "generated events hold only integers and ASCII keys: the fast path must write them")
            let fast = try event.encodedPayload(), foundation = try event.foundationEncodedPayload()
            #expect(fast == foundation)
            if fast != foundation { break }
            // And it reads back as the same event.
            #expect(try Event.decode(type: event.type, schema: event.schema, payload: fast) == event)
        }
    }

    @Test func numbersOnlyFoundationFormatsFallBackToIt() throws {
        for number in [0.1, 1e-7, 1e20, 3e15, 123_456_789_012_345.5, -2.5] {
            let event = Event.sessionUpdated(SessionUpdated(sessionID: SessionID("s1"), metadata: ["x": .number(number)]))
            #expect(try event.encodedPayload() == event.foundationEncodedPayload(), "\(number)")
        }
    }

    /// Random events whose strings mix what JSON must escape with what it must not.
    struct Generator {
        var rng: SeededRandom
        init(seed: UInt64) { rng = SeededRandom(seed: seed) }

        static let pieces: [String] = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{01}", "\u{1F}", "\u{7F}",
            "é", "e\u{301}", "ß", "😀", "\u{2028}", "\u{2029}", "<", ">", "&", "'", "Paper 2024/B1", "past-paper.json",
        ]

        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
        mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        mutating func string() -> String {
            (0..<int(0...6)).map { _ in Self.pieces.randomElement(using: &rng)! }.joined()
        }
        mutating func optionalString() -> String? { chance(0.3) ? nil : string() }
        mutating func key() -> String {
            ["code", "subject", "year", "Title", "a10", "a9", "_x", "step", "progress", "B"].randomElement(using: &rng)!
        }

        mutating func value(depth: Int = 0) -> JSONValue {
            switch int(0...(depth < 2 ? 5 : 3)) {
            case 0: return .null
            case 1: return .bool(chance(0.5))
            case 2: return .number(Double(int(-1_000_000...1_000_000)))
            case 3: return .string(string())
            case 4: return .array((0..<int(0...3)).map { _ in value(depth: depth + 1) })
            default: return .object(object(depth: depth + 1))
            }
        }

        mutating func object(depth: Int = 0) -> [String: JSONValue] {
            var fields: [String: JSONValue] = [:]
            for _ in 0..<int(0...4) { fields[key()] = value(depth: depth) }
            return fields
        }

        mutating func timestamp() -> Timestamp? {
            chance(0.3) ? nil : Timestamp(milliseconds: Int64(int(0...2_000_000_000)) * 1000 + Int64(int(0...999)))
        }

        mutating func event() -> Event {
            let session = SessionID("s-" + String(int(0...99_999)))
            let user = UserID("u-" + String(int(0...999)))
            switch int(0...17) {
            case 0:
                let legacy = chance(0.3) ? LegacyRecord(status: SessionStatus.allCases.randomElement(using: &rng)!,
                                                        createdAt: timestamp(), updatedAt: timestamp(),
                                                        lastAccessedAt: timestamp(), metadata: object()) : nil
                return .sessionCreated(SessionCreated(sessionID: session, ownerID: chance(0.2) ? nil : user, name: string(),
                                                      fileName: string(), jsonHash: optionalString(), questionCount: int(0...500),
                                                      paper: object(), blob: optionalString(), legacy: legacy))
            case 1: return .sessionAccessed(SessionAccessed(sessionID: session))
            case 2:
                return .sessionUpdated(SessionUpdated(
                    sessionID: session, step: chance(0.5) ? ImportStep.allCases.randomElement(using: &rng) : nil,
                    progress: chance(0.5) ? int(0...100) : nil, questionsImported: chance(0.5) ? int(0...500) : nil,
                    metadata: chance(0.5) ? object() : nil))
            case 3: return .sessionCompleted(SessionCompleted(sessionID: session, questionsImported: int(0...500)))
            case 4: return .sessionDeleted(SessionDeleted(sessionID: session, reason: optionalString()))
            case 5: return .userRegistered(UserRegistered(userID: user, email: string(), role: Role.allCases.randomElement(using: &rng)!))
            case 6: return .userRoleChanged(UserRoleChanged(userID: user, role: Role.allCases.randomElement(using: &rng)!))
            case 7: return .userDeactivated(UserDeactivated(userID: user, reason: optionalString()))
            case 9:
                return .sessionExpired(SessionExpired(sessionID: session, expireAfter: string(), idleSeconds: int(0...100_000_000),
                                                      lastAccessedAt: timestamp() ?? Timestamp(milliseconds: 0)))
            case 10: return .sessionReopened(SessionReopened(sessionID: session))
            case 11: return .settingChanged(SettingChanged(key: string(), value: string()))
            case 12:
                return .sessionTransferred(SessionTransferred(sessionID: session, from: chance(0.3) ? nil : user,
                                                              to: UserID("u-" + String(int(0...999))), reason: optionalString()))
            case 13:
                return .sessionOffered(SessionOffered(sessionID: session, from: user, to: UserID("u-" + String(int(0...999))),
                                                      expiresAt: timestamp() ?? Timestamp(milliseconds: 0)))
            case 14: return .sessionAccepted(SessionAccepted(sessionID: session, from: user, to: UserID("u-" + String(int(0...999)))))
            case 15: return .sessionDeclined(SessionDeclined(sessionID: session, to: user, expired: chance(0.5)))
            case 16: return .collaboratorAdded(CollaboratorAdded(sessionID: session, userID: user, role: chance(0.5) ? .editor : .viewer))
            case 17: return .collaboratorRemoved(CollaboratorRemoved(sessionID: session, userID: user))
            default:
                return .accessDenied(AccessDenied(command: string(), target: session.stream,
                                                  reason: chance(0.5) ? .notOwner : .role))
            }
        }
    }
}

/// `JSONValue(stored:)` reads what quire wrote without `JSONDecoder`; it must read everything
/// exactly as `JSONDecoder` does, and hand whatever it does not accept to it.
@Suite struct StoredJSONTests {
    static func foundation(_ text: String) -> JSONValue? {
        try? EventCoding.decoder.decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test func generatedValuesReadAsFoundationReadsThem() throws {
        var random = PayloadEncodingTests.Generator(seed: 7)
        for _ in 0..<2000 {
            let text = JSONValue.object(random.object()).canonical
            #expect(try JSONValue(stored: text) == Self.foundation(text), "\(text)")
        }
        for _ in 0..<500 {
            let payload = try random.event().encodedPayload()
            #expect(try JSONValue(stored: payload) == Self.foundation(payload), "\(payload)")
        }
    }

    @Test(arguments: [
        #"{"a":"\u0041\u00e9\ud83d\ude00","b":"\/\b\f\n\r\t\"\\"}"#, #" [ 1 , -0.5e+3 , 2E-2 , true , false , null ] "#,
        #"{"nested":{"deep":[[[]]],"empty":{}}}"#, #""plain""#, "12", "-0", #"{"k":"é 😀 \u2028"}"#,
        // Not accepted by the strict reader: JSONDecoder decides.
        #"{"a":1,}"#, #"{"a":1,"a":2}"#, #"[01]"#, #"{"a":"\ud800"}"#, "[1e400]", "nul", #"{"a" 1}"#, "",
    ])
    func tricky(_ text: String) throws {
        let mine = try? JSONValue(stored: text)
        #expect(mine == Self.foundation(text))
    }
}

/// `Event.decode` reads quire's own payloads with `PayloadReader` instead of `JSONDecoder`; every
/// payload must decode to the same event, and every payload that does not must fail with the
/// same message.
@Suite struct PayloadReadingTests {
    static func outcome(_ decode: () throws(QuireError) -> Event) -> String {
        do { return "\(try decode())" } catch { return "error: \(error.message)" }
    }

    static func fast(_ type: String, _ payload: String) -> Event? {
        var payload = payload
        return payload.withUTF8 { PayloadReader.event(type: type, $0) }
    }

    @Test func generatedEventsReadAsFoundationReadsThem() throws {
        var random = PayloadEncodingTests.Generator(seed: 20_261_130)
        for _ in 0..<3000 {
            let event = random.event()
            let payload = try event.encodedPayload()
            let foundation = try Event.foundationDecoded(type: event.type, schema: 1, payload: Data(payload.utf8))
            #expect(try Event.decode(type: event.type, schema: 1, payload: payload) == foundation)
            #expect(try Event.decode(type: event.type, schema: 1, payload: Data(payload.utf8)) == foundation)
            // What quire writes takes the fast path, but for the rare legacy record.
            if case .sessionCreated(let created) = event, created.legacy != nil {
                #expect(Self.fast(event.type, payload) == nil)
            } else {
                #expect(Self.fast(event.type, payload) == foundation, "\(payload)")
            }
        }
    }

    @Test func everyCatalogueSampleReadsAsFoundationReadsIt() throws {
        for sample in Catalogue.samples {
            let payload = try sample.event.encodedPayload()
            #expect(try Event.decode(type: sample.event.type, schema: 1, payload: payload)
                    == Event.foundationDecoded(type: sample.event.type, schema: 1, payload: Data(payload.utf8)), "\(sample.fileName)")
        }
    }

    @Test(arguments: [
        ("session.updated", #"{"progress":1.0,"session_id":"s"}"#),
        ("session.updated", #"{"progress":1e2,"session_id":"s"}"#),
        ("session.updated", #"{"progress":99999999999999999999,"session_id":"s"}"#),
        ("session.updated", #"{"progress":-0,"session_id":"s","step":"review"}"#),
        ("session.updated", #"{"session_id":"s","step":"nope"}"#),
        ("session.updated", #"{"metadata":null,"progress":null,"session_id":"s","step":null}"#),
        ("session.updated", #"{"metadata":[1],"session_id":"s"}"#),
        ("session.updated", #"{"metadata":{"a":1,"a":2},"session_id":"s"}"#),
        ("session.accessed", #"{"session_id":"s","extra":1}"#),
        ("session.accessed", #"{"session_id":"a","session_id":"b"}"#),
        ("session.accessed", #"{"session_id":null}"#),
        ("session.accessed", #"{}"#),
        ("session.accessed", #"{"s\u0065ssion_id":"x"}"#),
        ("session.accessed", #" { "session_id" : "s" } "#),
        ("session.accessed", #"{"session_id":"s"}x"#),
        ("session.accessed", #"{"session_id":"s",}"#),
        ("session.accessed", #"{"session_id":7}"#),
        ("session.accessed", #"["session_id"]"#),
        ("session.completed", #"{"questions_imported":"3","session_id":"s"}"#),
        ("session.completed", #"{"questions_imported":03,"session_id":"s"}"#),
        ("session.created", #"{"blob":null,"file_name":"f","json_hash":null,"name":"n","owner_id":null,"paper":null,"question_count":0,"session_id":"s"}"#),
        ("session.created", #"{"file_name":"f","name":"n","question_count":2,"session_id":"s"}"#),
        ("session.created", #"{"file_name":"f","name":"n","question_count":2.5,"session_id":"s"}"#),
        ("user.registered", #"{"email":"a@b","role":"root","user_id":"u"}"#),
        ("user.role_changed", #"{"role":"system_admin","user_id":"u"}"#),
        ("access.denied", #"{"command":"session.update","reason":"role","target":"monitor"}"#),
        ("access.denied", #"{"command":"session.update","reason":"other","target":"monitor"}"#),
        ("session.exploded", #"{"session_id":"s"}"#),
    ])
    func payloadsOffThePathDecideAsFoundation(type: String, payload: String) {
        #expect(Self.outcome { () throws(QuireError) in try Event.decode(type: type, schema: 1, payload: payload) }
                == Self.outcome { () throws(QuireError) in try Event.foundationDecoded(type: type, schema: 1, payload: Data(payload.utf8)) })
    }
}
