import Foundation

/// The `If-Match` and bearer-token readers: never crash, accept exactly what they say they do, and
/// what they accept reads back the same when written the way a client writes it.
@Sendable func fuzzHeaders(_ input: UnsafeBufferPointer<UInt8>) {
    let text = String(decoding: input, as: UTF8.self)
    // The scheme as bytes (a combining mark after "bearer" makes another Character of the space).
    let schemeBytes = Array(text.utf8.prefix(7)).map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
    let saysBearer = schemeBytes == Array("bearer ".utf8)
    let rest = text.utf8.dropFirst(7)
    if let version = HTTPHeaderValues.ifMatchVersion(text) {
        guard version >= 0 else { disagree("If-Match read a negative version \(version)", input) }
        for form in ["\(version)", "\"\(version)\"", "W/\"\(version)\"", " \"\(version)\"\t"] {
            guard HTTPHeaderValues.ifMatchVersion(form) == version else { disagree("If-Match \(form) does not read back as \(version)", input) }
        }
    }
    if let token = HTTPHeaderValues.bearerToken(text) {
        guard !token.isEmpty, token.first != " ", token.last != " " else { disagree("bearer token '\(token)' keeps spaces", input) }
        guard saysBearer else { disagree("a header that does not start with 'Bearer ' gave a token", input) }
        guard HTTPHeaderValues.bearerToken("Bearer " + token) == token, HTTPHeaderValues.bearerToken("bearer  " + token + " ") == token else {
            disagree("bearer token '\(token)' does not read back", input)
        }
    } else if saysBearer, rest.contains(where: { $0 != 0x20 && $0 != 0x09 }) {
        disagree("a Bearer header with a token was refused", input)
    }
}
