import Foundation

extension JSONValue {
    /// How deeply arrays and objects may nest in anything quire hands to `JSONDecoder`.
    ///
    /// Found by `tools/fuzz` (paper target): `JSONDecoder` (Swift 6.3.1, Linux) stops at 512
    /// levels, and when carriage returns come before that point, working out the line and column
    /// for its error traps — 513 `[` with four `\r` among them crashed `quire session create`. The
    /// strict reader stops at 512 too, so such text always reached `JSONDecoder`. Every call to it
    /// on outside input now asks `nestsTooDeep` first and refuses with a sentence of its own.
    public static let maximumDepth = 500

    /// Whether `bytes` open more than `maximumDepth` arrays or objects at once, strings aside.
    /// Inlinable so that each caller gets it specialised for its byte collection: unspecialised,
    /// every byte went through a generic iterator (14 % of a `quire import`).
    @inlinable
    public static func nestsTooDeep(_ bytes: some Sequence<UInt8>) -> Bool {
        var depth = 0
        var inString = false, escaped = false
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maximumDepth { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return false
    }

    /// The reason given for such text, after "is not valid JSON".
    public static let tooDeepReason = "arrays and objects nested more than \(maximumDepth) deep"
}
