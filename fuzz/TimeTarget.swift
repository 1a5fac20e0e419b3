import Foundation

/// Timestamps and durations: an RFC 3339 time that parses prints as text that parses to the
/// same instant; `TimeSpan` accepts exactly 1–7 ASCII digits and one unit of `s m h d w`
/// (checked against `Int64`'s own parser), and a span prints as text that reads back the same.
@Sendable func fuzzTimes(_ input: UnsafeBufferPointer<UInt8>) {
    let text = String(decoding: input, as: UTF8.self)
    if let t = Timestamp(rfc3339: text) {
        guard Timestamp(rfc3339: t.description) == t else { disagree("\(t) does not read back", input) }
    }
    _ = Timestamp.parse(text, before: Timestamp(milliseconds: 1_795_000_000_000))

    let scales: [Character: Int64] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000]
    var expected: Int64?
    if let unit = text.last, let scale = scales[unit] {
        let digits = text.dropLast()
        if (1...7).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(digits) {
            expected = n * scale
        }
    }
    let span = TimeSpan(text)
    guard span?.milliseconds == expected else {
        disagree("TimeSpan read \(span.map { "\($0.milliseconds) ms" } ?? "nothing") where \(expected.map { "\($0) ms" } ?? "nothing") was meant", input)
    }
    if let span, span.milliseconds > 0 {
        guard TimeSpan(span.description) == span else { disagree("\(span) does not read back", input) }
    }
}
