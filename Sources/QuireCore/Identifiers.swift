import Foundation

/// What distinguishes one kind of id from another: the prefix of its stream's name.
public protocol IDKind: Sendable {
    static var streamPrefix: String { get }
}

public enum UserKind: IDKind { public static let streamPrefix = "user-" }
public enum SessionKind: IDKind { public static let streamPrefix = "session-" }

/// The id of a registered user: the web app's user id (a JWT's `sub`), normally a lowercase UUID.
public typealias UserID = ID<UserKind>
/// The id of an import session, normally a lowercase UUID (legacy rows keep the old table's id).
public typealias SessionID = ID<SessionKind>

/// A typed id, so a user id can never be passed where a session id is expected. Encoded as a
/// plain JSON string.
public struct ID<Kind: IDKind>: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    /// The stream its events go to: `user-<id>` or `session-<id>`.
    public var stream: String { Kind.streamPrefix + rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The actor written in an event's envelope: a user, or `system` for what quire does by itself
/// (the first system admin created by `init`, a legacy import's bookkeeping).
public enum EventActor: Hashable, Sendable, CustomStringConvertible {
    case user(UserID)
    case system

    public init(_ raw: String) {
        self = raw == "system" ? .system : .user(UserID(raw))
    }
    public var description: String {
        switch self {
        case .user(let id): id.rawValue
        case .system: "system"
        }
    }
    public var userID: UserID? {
        if case .user(let id) = self { id } else { nil }
    }
}

/// Ids that quire itself hands out are lowercase UUIDs; ids that arrive from outside (`--id`,
/// legacy rows, `submit`) must at least be short and free of characters that would make a
/// stream name or a shell line ambiguous.
public enum Identifier {
    public static func isAcceptable(_ raw: String) -> Bool {
        guard !raw.isEmpty, raw.utf8.count <= 128 else { return false }
        return raw.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", ":": true
            default: false
            }
        }
    }

    /// A random (version 4) UUID in lowercase, from the system's secure generator. Written out
    /// here rather than as `UUID().uuidString.lowercased()`: every event gets one, and that took
    /// a tenth of an append.
    public static func newUUID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = (generator.next() as UInt64) & ~0xF000 | 0x4000                          // version 4
        let low = (generator.next() as UInt64) & ~(0xC000 << 48) | (0x8000 << 48)            // variant 10
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { out in
            var n = 0
            for k in 0..<32 {  // 32 hex digits, dashes before the 9th, 13th, 17th and 21st
                if k == 8 || k == 12 || k == 16 || k == 20 {
                    out[n] = UInt8(ascii: "-")
                    n += 1
                }
                let word = k < 16 ? high : low
                out[n] = digits.utf8Start[Int(word >> UInt64(60 - 4 * (k % 16)) & 0xF)]
                n += 1
            }
            return n
        }
    }
}
