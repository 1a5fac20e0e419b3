import Foundation

/// A moment with millisecond precision, written as RFC 3339 UTC: `2026-11-25T00:32:36.123Z`.
///
/// quire keeps times as whole milliseconds so that a time read back from the log is exactly the
/// time that was written: the hash chain covers `recorded_at`, and replay must be deterministic.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public init(_ date: Date) {
        milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    public static func now() -> Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
    public static func < (a: Self, b: Self) -> Bool { a.milliseconds < b.milliseconds }

    public func adding(milliseconds delta: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + delta) }

    /// RFC 3339 with milliseconds, always UTC (`Z`).
    public var description: String {
        let (days, msOfDay) = milliseconds.floorDivided(by: 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        let hour = msOfDay / 3_600_000, minute = msOfDay / 60_000 % 60
        let second = msOfDay / 1000 % 60, milli = msOfDay % 1000
        guard (0...9999).contains(year) else {
            return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))T"
                + "\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2)).\(Self.pad(milli, 3))Z"
        }
        // Every projection row and every event carries times: written digit by digit into one
        // buffer rather than assembled from seven small strings.
        return String(unsafeUninitializedCapacity: 24) { text in
            func digits(_ value: Int64, _ width: Int, at start: Int, then separator: UInt8) {
                var value = value
                for k in stride(from: start + width - 1, through: start, by: -1) {
                    text[k] = UInt8(truncatingIfNeeded: 48 + value % 10)
                    value /= 10
                }
                text[start + width] = separator
            }
            digits(year, 4, at: 0, then: UInt8(ascii: "-"))
            digits(month, 2, at: 5, then: UInt8(ascii: "-"))
            digits(day, 2, at: 8, then: UInt8(ascii: "T"))
            digits(hour, 2, at: 11, then: UInt8(ascii: ":"))
            digits(minute, 2, at: 14, then: UInt8(ascii: ":"))
            digits(second, 2, at: 17, then: UInt8(ascii: "."))
            digits(milli, 3, at: 20, then: UInt8(ascii: "Z"))
            return 24
        }
    }

    /// Parses RFC 3339: `2026-11-25T00:32:36.123Z`, `2026-11-25T00:32:36Z`, `2026-11-25 00:32:36+02:00`,
    /// or a plain date `2026-11-25` (midnight UTC). Fractions beyond milliseconds are truncated.
    public init?(rfc3339 text: String) {
        var text = text
        guard let milliseconds = text.withUTF8(Self.milliseconds(rfc3339:)) else { return nil }
        self.init(milliseconds: milliseconds)
    }

    private static func milliseconds(rfc3339 chars: UnsafeBufferPointer<UInt8>) -> Int64? {
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= chars.count else { return nil }
            var value: Int64 = 0
            for i in range {
                guard chars[i] >= 48, chars[i] <= 57 else { return nil }
                value = value * 10 + Int64(chars[i] - 48)
            }
            return value
        }
        guard chars.count >= 10, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year)
        else { return nil }
        var ms = Self.days(year: year, month: month, day: day) * 86_400_000
        if chars.count == 10 { return ms }
        guard chars.count >= 19, chars[10] == UInt8(ascii: "T") || chars[10] == UInt8(ascii: "t") || chars[10] == UInt8(ascii: " "),
              chars[13] == UInt8(ascii: ":"), chars[16] == UInt8(ascii: ":"),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              hour < 24, minute < 60, second < 61
        else { return nil }
        ms += (hour * 3600 + minute * 60 + second) * 1000
        var i = 19
        if i < chars.count, chars[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0, fraction: Int64 = 0
            while i < chars.count, chars[i] >= 48, chars[i] <= 57 {
                if digits < 3 { fraction = fraction * 10 + Int64(chars[i] - 48) }
                digits += 1; i += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 3)..<3 { fraction *= 10 }
            ms += fraction
        }
        guard i < chars.count else { return nil }
        if chars[i] == UInt8(ascii: "Z") || chars[i] == UInt8(ascii: "z") {
            guard i + 1 == chars.count else { return nil }
        } else if chars[i] == UInt8(ascii: "+") || chars[i] == UInt8(ascii: "-") {
            // +HH:MM (RFC 3339), and +HHMM or +HH as PostgreSQL exports write them.
            let rest = chars.count - i - 1
            guard let oh = number(i + 1..<i + 3) else { return nil }
            let om: Int64?
            switch rest {
            case 2: om = 0
            case 4: om = number(i + 3..<i + 5)
            case 5 where chars[i + 3] == UInt8(ascii: ":"): om = number(i + 4..<i + 6)
            default: om = nil
            }
            guard let om, oh < 24, om < 60 else { return nil }
            let offset = (oh * 60 + om) * 60_000
            ms += chars[i] == UInt8(ascii: "+") ? -offset : offset
        } else {
            return nil
        }
        return ms
    }

    /// An RFC 3339 time, or a `TimeSpan` before `now`: `30s`, `30m`, `24h`, `7d`, `2w` — what
    /// `audit --since` and the HTTP `since` parameter take.
    public static func parse(_ raw: String, before now: Timestamp) -> Timestamp? {
        if let t = Timestamp(rfc3339: raw) { return t }
        return TimeSpan(raw).map { now.adding(milliseconds: -$0.milliseconds) }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an RFC 3339 time")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    // Howard Hinnant's days-from-civil and civil-from-days: exact for the proleptic Gregorian
    // calendar, and far cheaper than a DateFormatter on the hot path of every append.
    static func days(year y0: Int64, month m: Int64, day d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> (Int64, Int64) {
        let q = self / divisor, r = self % divisor
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}
