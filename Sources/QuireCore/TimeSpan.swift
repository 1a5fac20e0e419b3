/// A length of time as people type it: a whole number and one unit, `90s`, `30m`, `8h`, `7d` or
/// `2w`. The one duration syntax of quire: `token issue --ttl`, `audit --since 24h`, `replay
/// --until-time 1h` and the HTTP `since`/`until` parameters all read it here.
///
/// A bare number is not a duration (`--ttl 8` would be 8 seconds to one reader and 8 hours to
/// another), nor is a fraction, a sign, a space or a unit twice.
public struct TimeSpan: Equatable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64

    /// The units, with their length in milliseconds.
    public static let units: [(unit: Character, milliseconds: Int64)] = [
        ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000),
    ]

    /// The examples every message about a duration gives.
    public static let examples = "90s, 30m, 8h, 7d"

    /// `nil` unless `text` is 1 to 7 ASCII digits followed by one of `s m h d w`.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.count <= 8, let unit = bytes.last,
              let scale = Self.units.first(where: { $0.unit.asciiValue == unit })?.milliseconds else { return nil }
        var n: Int64 = 0
        for b in bytes.dropLast() {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            n = n * 10 + Int64(b - UInt8(ascii: "0"))
        }
        milliseconds = n * scale
    }

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public var seconds: Double { Double(milliseconds) / 1000 }

    public var description: String {
        for (unit, scale) in Self.units.reversed() where milliseconds % scale == 0 && milliseconds > 0 {
            return "\(milliseconds / scale)\(unit)"
        }
        return "\(milliseconds / 1000)s"
    }
}
