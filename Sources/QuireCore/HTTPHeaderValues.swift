/// The two request headers quire reads by hand, parsed without Foundation or the server's types,
/// so that the fuzzer can reach them (`tools/fuzz headers`).
public enum HTTPHeaderValues {
    /// The session version an `If-Match` header names: `3`, `"3"` or `W/"3"`, surrounded by any
    /// spaces or tabs. `nil` when it names none (the server answers 400).
    public static func ifMatchVersion(_ raw: String) -> Int? {
        var text = Substring(raw)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        if text.hasPrefix("W/") { text.removeFirst(2) }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = text.dropFirst().dropLast() }
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let version = Int(text) else {
            return nil
        }
        return version
    }

    /// The token of an `Authorization: Bearer <token>` header (the scheme in any case, the token
    /// without surrounding spaces or tabs); `nil` when it is not one.
    public static func bearerToken(_ header: String) -> String? {
        let utf8 = Array(header.utf8)
        let scheme = Array("bearer ".utf8)
        guard utf8.count > scheme.count else { return nil }
        for (byte, expected) in zip(utf8, scheme) {
            // ASCII letters in either case; the space exactly.
            let lowered = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
            guard lowered == expected else { return nil }
        }
        var token = utf8[scheme.count...]
        while let first = token.first, first == 0x20 || first == 0x09 { token.removeFirst() }
        while let last = token.last, last == 0x20 || last == 0x09 { token.removeLast() }
        guard !token.isEmpty else { return nil }
        return String(decoding: token, as: UTF8.self)
    }
}
