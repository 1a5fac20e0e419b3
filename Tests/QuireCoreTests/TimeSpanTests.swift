import Foundation
import Testing
@testable import QuireCore

/// The one duration syntax (`TimeSpan`).
@Suite struct TimeSpanTests {
    @Test func aSpanIsDigitsAndOneUnit() {
        #expect(TimeSpan("90s")?.milliseconds == 90_000)
        #expect(TimeSpan("30m")?.milliseconds == 1_800_000)
        #expect(TimeSpan("8h")?.milliseconds == 28_800_000)
        #expect(TimeSpan("7d")?.milliseconds == 604_800_000)
        #expect(TimeSpan("2w")?.milliseconds == 1_209_600_000)
        #expect(TimeSpan("0s")?.milliseconds == 0)
        for wrong in ["8", "", "h", "1.5h", "-5m", "+5m", "8 h", " 8h", "8hh", "8H", "٣h", "12345678s", "8y"] {
            #expect(TimeSpan(wrong) == nil, "\(wrong.debugDescription) is not a span")
        }
    }

    @Test func aSpanPrintsInItsLargestWholeUnitAndReadsBack() {
        #expect(TimeSpan(milliseconds: 86_400_000).description == "1d")
        #expect(TimeSpan(milliseconds: 366 * 86_400_000).description == "366d")
        #expect(TimeSpan(milliseconds: 90_000).description == "90s")
        for text in ["90s", "30m", "8h", "7d", "2w"] { #expect(TimeSpan(text).map { TimeSpan($0.description) } == TimeSpan(text)) }
    }

    @Test func auditSinceTakesTheSameSyntax() {
        let now = Timestamp(milliseconds: 1_795_000_000_000)
        #expect(Timestamp.parse("24h", before: now) == now.adding(milliseconds: -86_400_000))
        #expect(Timestamp.parse("24", before: now) == nil)
        #expect(Timestamp.parse("2026-11-24T09:00:00Z", before: now) == Timestamp(rfc3339: "2026-11-24T09:00:00Z"))
    }
}
