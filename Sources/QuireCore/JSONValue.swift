import Foundation

/// Any JSON value: a paper file, a session's free-form metadata, a `submit` line.
///
/// Its `canonical` form (object keys sorted by their UTF-8 bytes, no insignificant whitespace,
/// integers without a fraction) is what `json_hash` is computed from, so re-formatting a paper
/// file or re-ordering its keys does not defeat duplicate detection.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var numberValue: Double? { if case .number(let n) = self { n } else { nil } }

    /// The value as an exact integer, when it is one.
    public var intValue: Int? {
        guard case .number(let n) = self, n.rounded() == n, abs(n) < 9.0e15 else { return nil }
        return Int(n)
    }

    /// The JSON type's name, for error messages ("expected a number, got a string").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Parses JSON text. Throws `QuireError.invalidInput` with the decoder's reason.
    public static func parse(_ data: Data, what: String) throws(QuireError) -> JSONValue {
        if let offset = trailingComma(in: data) {
            throw .invalidInput("\(what) is not valid JSON (a trailing comma at byte \(offset)).")
        }
        // Valid JSON is read by the strict reader (what JSONDecoder would give, faster); anything
        // it does not accept goes to JSONDecoder, whose error names the problem.
        if let value = data.withUnsafeBytes({ StrictJSONReader.document($0.bindMemory(to: UInt8.self)) }) {
            return value
        }
        if nestsTooDeep(data) { throw .invalidInput("\(what) is not valid JSON (\(tooDeepReason)).") }
        do {
            return try EventCoding.decoder.decode(JSONValue.self, from: data)
        } catch let error as DecodingError {
            throw .invalidInput("\(what) is not valid JSON (\(error.shortReason)).")
        } catch {
            throw .invalidInput("\(what) is not valid JSON.")
        }
    }

    /// Foundation's decoder tolerates `[1,2,]` and `{"a":1,}`; JSON (and the web app's
    /// `JSON.parse`) does not, so quire refuses them too. Returns the offending comma's offset.
    static func trailingComma(in data: Data) -> Int? {
        var inString = false, escaped = false
        var lastComma: Int? = nil
        for (offset, byte) in data.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true; lastComma = nil
            case UInt8(ascii: ","): lastComma = offset
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            case UInt8(ascii: "]"), UInt8(ascii: "}"): if let lastComma { return lastComma }
            default: lastComma = nil
            }
        }
        return nil
    }

    /// The canonical text: keys sorted, no whitespace, shortest round-tripping numbers.
    public var canonical: String {
        var out = ""
        write(into: &out)
        return out
    }

    /// Whether `canonical` writes it exactly as `JSONEncoder` with sorted keys does: they agree on
    /// strings, integers below 10^15 and the order of ASCII keys, and differ on other numbers
    /// (and possibly on how keys outside ASCII sort).
    var canonicalMatchesFoundation: Bool {
        switch self {
        case .null, .bool, .string: true
        case .number(let n): n.rounded() == n && abs(n) < 1e15
        case .array(let items): items.allSatisfy(\.canonicalMatchesFoundation)
        case .object(let fields):
            fields.allSatisfy { key, value in key.utf8.allSatisfy { $0 < 0x80 } && value.canonicalMatchesFoundation }
        }
    }

    func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += Self.format(n)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            // Sort by UTF-8 bytes, not by Swift's String ordering, so any language can reproduce it.
            for (i, key) in fields.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if i > 0 { out += "," }
                Self.writeString(key, into: &out)
                out += ":"
                fields[key]!.write(into: &out)
            }
            out += "}"
        }
    }

    static func format(_ n: Double) -> String {
        if n.rounded() == n, abs(n) < 1e15 { return String(Int64(n)) }
        return "\(n)"
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        // Most strings need no escape at all: append them whole.
        if !s.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        // The decoder says what a value is only by failing to decode it as something else, and a
        // failure is costly: try the common kinds (strings, numbers) first.
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let n = try? container.decode(Double.self) {
            self = .number(n)
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let o = try? container.decode([String: JSONValue].self) {
            self = .object(o)
        } else {
            self = .array(try container.decode([JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .number(let n):
            if n.rounded() == n, abs(n) < 1e15 { try container.encode(Int64(n)) } else { try container.encode(n) }
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }
}

extension DecodingError {
    /// One readable clause: what was wrong and where, without Swift type names.
    public var shortReason: String {
        func path(_ context: Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "" : " at \(keys.joined(separator: "."))"
        }
        switch self {
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return (underlying ?? context.debugDescription).trimmingCharacters(in: CharacterSet(charactersIn: ". ")) + path(context)
        case .keyNotFound(let key, let context):
            return "missing field '\(key.stringValue)'" + path(context)
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type" + path(context)
        @unknown default:
            return "unreadable"
        }
    }
}
