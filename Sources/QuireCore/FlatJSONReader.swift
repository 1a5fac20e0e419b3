import Foundation

/// Reads one flat JSON object of known keys — strings, integers and nulls — without
/// `JSONDecoder`: the lines of `quire export`, which `import` reads by the hundred thousand.
///
/// Like `PayloadReader` it takes only the plain shape and returns nil for anything else (a key
/// it was not given or given twice, a nested value, a number with a fraction or an exponent, more
/// than 18 digits, text that is not RFC 8259 JSON), so that the caller hands the line to
/// `JSONDecoder` after all and every result and every error message stays what that gives. For
/// example, with `keys` `["a", "b"]`, `{"b":null,"a":"x"}` reads as `[.string("x"), .null]` and
/// `{"a":1.0}` as nil.
public enum FlatJSONReader {
    public enum Value: Sendable, Equatable {
        case null
        case integer(Int64)
        case string(String)
    }

    /// Each key's value by its index in `keys` (nil where the key is absent); nil when the bytes
    /// are not such an object.
    public static func members(_ bytes: UnsafeBufferPointer<UInt8>, keys: [StaticString]) -> [Value?]? {
        precondition(keys.count <= 64)
        var json = StrictJSONReader(bytes)
        var values = [Value?](repeating: nil, count: keys.count)
        json.skipSpace()
        guard json.next(is: "{") else { return nil }
        json.skipSpace()
        if json.next(is: "}") { return json.atEnd ? values : nil }
        var seen: UInt64 = 0
        while true {
            json.skipSpace()
            guard let key = json.key(among: keys), seen & (1 << key) == 0 else { return nil }
            seen |= 1 << key
            json.skipSpace()
            guard json.next(is: ":") else { return nil }
            json.skipSpace()
            guard json.i < json.bytes.count else { return nil }
            switch json.bytes[json.i] {
            case UInt8(ascii: "\""):
                guard let text = json.string() else { return nil }
                values[key] = .string(text)
            case UInt8(ascii: "n"):
                guard json.literal("null", .null) != nil else { return nil }
                values[key] = .null
            default:
                guard let n = integer(&json) else { return nil }
                values[key] = .integer(n)
            }
            json.skipSpace()
            if json.next(is: ",") { continue }
            guard json.next(is: "}") else { return nil }
            return json.atEnd ? values : nil
        }
    }

    /// `-?(0|[1-9][0-9]*)`, at most 18 digits, and nothing more.
    private static func integer(_ json: inout StrictJSONReader) -> Int64? {
        let bytes = json.bytes
        var i = json.i
        let negative = i < bytes.count && bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let start = i
        var value: Int64 = 0
        while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
            value = value &* 10 &+ Int64(bytes[i] &- 48)
            i += 1
        }
        let count = i - start
        guard count > 0, count <= 18, count == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            return nil
        }
        json.i = i
        return negative ? -value : value
    }
}
