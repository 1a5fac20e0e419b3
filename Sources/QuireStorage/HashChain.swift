import Crypto
import Foundation

/// The log's tamper-evident chain: `hash = SHA256(prev_hash ‖ H)`, where `H` is the UTF-8 of
/// `position`, `stream`, `version`, `type`, `schema`, `event_id`, `actor`, `command_id` and
/// `recorded_at`, each followed by `\n` (null as the empty string), then the payload text exactly
/// as stored. `events/README.md` shows a worked example.
public enum HashChain {
    /// The `prev_hash` of position 1.
    public static let genesis = Data(repeating: 0, count: 32)
    private static let newline = Data([0x0A])

    public static func hash(prev: Data, position: Int64, stream: String, version: Int, type: String, schema: Int,
                            eventID: String, actor: String, commandID: String?, recordedAt: String, payload: String) -> Data {
        var hasher = SHA256()
        hasher.update(data: prev)
        // Fed field by field from the strings' own UTF-8, without building the header.
        func feed(_ text: String, newline: Bool = true) {
            var text = text
            text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            if newline { hasher.update(data: Self.newline) }
        }
        feed(String(position))
        feed(stream)
        feed(String(version))
        feed(type)
        feed(String(schema))
        feed(eventID)
        feed(actor)
        feed(commandID ?? "")
        feed(recordedAt)
        feed(payload, newline: false)
        return Data(hasher.finalize())
    }

    /// The hash this event should have after `prev`.
    public static func hash(of e: RecordedEvent, after prev: Data) -> Data {
        hash(prev: prev, position: e.position, stream: e.stream, version: e.version, type: e.type, schema: e.schema,
             eventID: e.eventID, actor: e.actor, commandID: e.commandID, recordedAt: e.recordedAt, payload: e.payload)
    }

    /// SHA-256 as lowercase hex: `json_hash` and blob addresses.
    public static func sha256Hex(_ data: some DataProtocol) -> String {
        Data(SHA256.hash(data: data)).hex
    }
}

extension Data {
    /// Lowercase hex, as `export` and `verify` print hashes.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public init?(hex: String) {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(chars.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        self.init(bytes)
    }
}

/// Checks a log's rows one at a time, in position order, as every backend's `verifyChain` reads
/// them: positions from 1 without gaps, each `prev_hash` the hash before it, each hash
/// recomputed from the row as stored.
public struct ChainVerifier {
    public private(set) var checked: Int64 = 0
    private var prev = HashChain.genesis

    public init() {}

    /// The fault this row shows, or nil when it follows.
    public mutating func check(_ e: RecordedEvent) -> ChainFault? {
        let expected = checked + 1
        if e.position != expected {
            return ChainFault(position: expected, reason: "position \(expected) is missing (next is \(e.position))")
        }
        if e.prevHash != prev {
            return ChainFault(position: e.position, reason: "prev_hash does not match the hash of position \(e.position - 1)")
        }
        if HashChain.hash(of: e, after: prev) != e.hash {
            return ChainFault(position: e.position, reason: "hash does not match the row's contents")
        }
        prev = e.hash
        checked = expected
        return nil
    }
}
