import Foundation
import Testing
@testable import QuireCore

// DESIGN §2: `recorded_at` is RFC 3339 UTC with milliseconds, and the hash chain covers it, so a
// time must read back exactly as it was written.

@Suite("Timestamps")
struct TimestampTests {
    @Test(arguments: [
        "2026-11-25T00:32:36.123Z",
        "1970-01-01T00:00:00.000Z",
        "1969-12-31T23:59:59.999Z",
        "1900-03-01T12:00:00.001Z",
        "0001-01-01T00:00:00.000Z",
        "2000-02-29T23:59:59.999Z",
        "2024-02-29T00:00:00.000Z",
        "9999-12-31T23:59:59.999Z",
    ])
    func millisecondTextRoundTrips(_ text: String) throws {
        let t = try #require(Timestamp(rfc3339: text))
        #expect(t.description == text)
        #expect(Timestamp(milliseconds: t.milliseconds).description == text)
    }

    @Test func knownInstantsHaveKnownMilliseconds() {
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:00.000Z")?.milliseconds == 0)
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:01.500Z")?.milliseconds == 1500)
        #expect(Timestamp(rfc3339: "1969-12-31T23:59:59.999Z")?.milliseconds == -1)
        #expect(Timestamp(rfc3339: "1969-07-20T20:17:40Z")?.milliseconds == -14_182_940_000)
        #expect(Timestamp(rfc3339: "2026-11-25T00:32:36.123Z")?.milliseconds == 1_795_566_756_123)
        #expect(Timestamp(milliseconds: -86_400_000).description == "1969-12-31T00:00:00.000Z")
    }

    @Test func everyMillisecondOfAPre1970DayPrintsItsOwnTime() {
        #expect(Timestamp(milliseconds: -1).description == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: -1000).description == "1969-12-31T23:59:59.000Z")
        #expect(Timestamp(milliseconds: -1001).description == "1969-12-31T23:59:58.999Z")
    }

    @Test func offsetsAreConvertedToUTC() {
        #expect(Timestamp(rfc3339: "2026-11-25T02:32:36.123+02:00")?.description == "2026-11-25T00:32:36.123Z")
        #expect(Timestamp(rfc3339: "2026-11-24T19:02:36.123-05:30")?.description == "2026-11-25T00:32:36.123Z")
        #expect(Timestamp(rfc3339: "2026-01-01T00:30:00+01:00")?.description == "2025-12-31T23:30:00.000Z")
        #expect(Timestamp(rfc3339: "2026-11-25T00:32:36.123+00:00") == Timestamp(rfc3339: "2026-11-25T00:32:36.123Z"))
        #expect(Timestamp(rfc3339: "2026-11-25T00:32:36.123-00:00") == Timestamp(rfc3339: "2026-11-25T00:32:36.123Z"))
    }

    @Test func leapDaysExistOnlyInLeapYears() {
        #expect(Timestamp(rfc3339: "2024-02-28T12:00:00Z")?.adding(milliseconds: 86_400_000).description == "2024-02-29T12:00:00.000Z")
        #expect(Timestamp(rfc3339: "2023-02-28T12:00:00Z")?.adding(milliseconds: 86_400_000).description == "2023-03-01T12:00:00.000Z")
        #expect(Timestamp(rfc3339: "1900-02-28T12:00:00Z")?.adding(milliseconds: 86_400_000).description == "1900-03-01T12:00:00.000Z")
        #expect(Timestamp(rfc3339: "2000-02-28T12:00:00Z")?.adding(milliseconds: 86_400_000).description == "2000-02-29T12:00:00.000Z")
        #expect(Timestamp(rfc3339: "2024-12-31T00:00:00Z")!.milliseconds - Timestamp(rfc3339: "2024-01-01T00:00:00Z")!.milliseconds
                == 365 * 86_400_000)
    }

    @Test func otherRFC3339SpellingsAreRead() {
        let expected = Timestamp(rfc3339: "2026-11-25T00:32:36.000Z")
        #expect(Timestamp(rfc3339: "2026-11-25T00:32:36Z") == expected)
        #expect(Timestamp(rfc3339: "2026-11-25t00:32:36z") == expected)
        #expect(Timestamp(rfc3339: "2026-11-25 00:32:36Z") == expected)
        #expect(Timestamp(rfc3339: "2026-11-25")?.description == "2026-11-25T00:00:00.000Z")
    }

    @Test func fractionsArePaddedOrTruncatedToMilliseconds() {
        #expect(Timestamp(rfc3339: "2026-11-25T00:32:36.1Z")?.description == "2026-11-25T00:32:36.100Z")
        #expect(Timestamp(rfc3339: "2026-11-25T00:32:36.12Z")?.description == "2026-11-25T00:32:36.120Z")
    }

    /// Postgres writes microseconds (`…36.123456Z`), so legacy rows have them. Run in a child
    /// process: a trap here must fail this test, not take the whole run down with it.
    @Test(arguments: ["2026-11-25T00:32:36.1234Z", "2026-11-25T00:32:36.123999Z", "2026-11-25T00:32:36.123456789+00:00"])
    func fractionsBeyondMillisecondsAreTruncated(_ text: String) async {
        await #expect(processExitsWith: .success) { [text] in
            guard Timestamp(rfc3339: text)?.description == "2026-11-25T00:32:36.123Z" else { exit(1) }
        }
    }

    @Test(arguments: [
        "", "2026", "2026-11", "2026/11/25", "26-11-25", "2026-1-25",
        "2026-00-10", "2026-13-01", "2026-11-00", "2026-11-32",
        "2026-11-25T", "2026-11-25T00:32", "2026-11-25T24:00:00Z", "2026-11-25T00:60:00Z",
        "2026-11-25T00:32:36", "2026-11-25T00:32:36.123", "2026-11-25T00:32:36.Z",
        "2026-11-25T00:32:36.123Zjunk", "2026-11-25T00:32:36+020", "2026-11-25T00:32:36+2",
        "2026-11-25X00:32:36Z", "abcd-ef-ghT00:00:00Z", " 2026-11-25T00:32:36Z",
    ])
    func invalidTextIsRejected(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    /// Exports of the old PostgreSQL table write offsets as +HHMM or +HH; legacy import reads them.
    @Test(arguments: ["2026-11-25T00:32:36+0200", "2026-11-25T00:32:36+02", "2026-11-25 00:32:36+02:00"])
    func postgresOffsetsAreRead(_ text: String) {
        #expect(Timestamp(rfc3339: text)?.description == "2026-11-24T22:32:36.000Z")
    }

    /// RFC 3339 §5.7: the day must exist in its month and year.
    @Test(arguments: ["2023-02-29", "2023-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2026-04-31T00:00:00Z", "1900-02-29T00:00:00Z"])
    func daysThatDoNotExistAreRejected(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil, "read as \(Timestamp(rfc3339: text).map(String.init(describing:)) ?? "nil")")
    }

    /// RFC 3339 §5.6: an offset is at most 23:59.
    @Test(arguments: ["2026-11-25T00:32:36+24:00", "2026-11-25T00:32:36+02:60", "2026-11-25T00:32:36-99:99"])
    func offsetsOutOfRangeAreRejected(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func aDateIsTruncatedToTheMillisecondBelow() {
        #expect(Timestamp(Date(timeIntervalSince1970: 1.2345)).milliseconds == 1234)
        #expect(Timestamp(Date(timeIntervalSince1970: -0.0005)).milliseconds == -1)
        #expect(Timestamp(milliseconds: 1_795_566_756_123).date == Date(timeIntervalSince1970: 1_795_566_756.123))
    }

    @Test func timestampsOrderByTime() {
        let a = Timestamp(rfc3339: "1969-12-31T23:59:59.999Z")!, b = Timestamp(rfc3339: "1970-01-01T00:00:00Z")!
        #expect(a < b)
        #expect(b.adding(milliseconds: -1) == a)
    }

    @Test func codableUsesTheRFC3339Text() throws {
        let t = Timestamp(rfc3339: "2026-11-25T00:32:36.123Z")!
        let data = try JSONEncoder().encode([t])
        #expect(String(decoding: data, as: UTF8.self) == #"["2026-11-25T00:32:36.123Z"]"#)
        #expect(try JSONDecoder().decode([Timestamp].self, from: data) == [t])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Timestamp].self, from: Data(#"["yesterday"]"#.utf8))
        }
    }
}
