import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QuireCore

extension Request {
    /// The body, refused with 413 as soon as it is known to be over `limit`: from its
    /// Content-Length before reading anything, else once the bytes read pass the limit. Never
    /// holds more than `limit` bytes.
    ///
    /// A refused body is not left unread: a client that sends its whole body before reading the
    /// answer (Python's urllib, with `Connection: close`) would block on a full socket forever.
    /// Up to `drainLimit` more bytes are read and dropped (after the 413 is sent, when the length
    /// was declared), and past that the connection is closed. A body that trickles in (a byte a
    /// second) is cut off with a 408 once reading it has taken longer than `timeout`; a client
    /// that stops sending altogether is closed by the server's idle timeout.
    func collectBody(limit: Int, timeout: Duration = .seconds(30)) async throws -> Data {
        if let declared = headers[.contentLength], let length = Int(declared), length > limit {
            var error = APIError.tooLarge(limit)
            error.drain = body
            throw error
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var buffer = ByteBuffer()
        var dropped = 0
        for try await chunk in body {
            guard clock.now < deadline else { throw APIError.timedOut(timeout) }
            if dropped > 0 || buffer.readableBytes + chunk.readableBytes > limit {
                dropped += chunk.readableBytes
                if dropped > Self.drainLimit {
                    var error = APIError.tooLarge(limit)
                    error.closeConnection = true
                    throw error
                }
                continue
            }
            var chunk = chunk
            buffer.writeBuffer(&chunk)
        }
        guard dropped == 0 else { throw APIError.tooLarge(limit) }
        return Data(buffer.readableBytesView)
    }

    /// How much of a refused body is read and dropped before the connection is closed instead.
    static let drainLimit = 32 << 20

    /// The body as a JSON value: 400 naming the problem when it is not JSON.
    func jsonBody(limit: Int, what: String, timeout: Duration = .seconds(30)) async throws -> JSONValue? {
        let data = try await collectBody(limit: limit, timeout: timeout)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return nil }
        return try JSONValue.parse(data, what: what)
    }

    /// The query's parameters, refusing any the route does not know (a typo is an error, not a
    /// silently ignored filter).
    func query(allowing allowed: Set<String>) throws -> Query {
        let params = uri.queryParameters
        for (key, _) in params where !allowed.contains(String(key)) {
            let known = allowed.isEmpty ? "this route takes none" : "use \(allowed.sorted().joined(separator: ", "))"
            throw APIError.badRequest("Unknown query parameter '\(key)'; \(known).")
        }
        return Query(params: params)
    }

    /// The version an `If-Match` header names: `3`, `"3"` or `W/"3"`.
    func ifMatchVersion() throws -> Int? {
        guard let raw = headers[.ifMatch] else { return nil }
        guard let version = HTTPHeaderValues.ifMatchVersion(raw) else {
            throw APIError.badRequest("If-Match must name a session version, such as \"3\", not \(raw).")
        }
        return version
    }
}

/// Typed access to query parameters with one-sentence 400s naming the parameter.
struct Query {
    let params: Parameters

    // Hummingbird has already percent-decoded the values.
    func string(_ name: String) -> String? { params.get(name) }

    func strings(_ name: String) -> [String] { params.getAll(name) }

    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let raw = string(name) else { return nil }
        guard let n = Int(raw), range.contains(n) else {
            throw APIError.badRequest("Query parameter '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(raw)'.")
        }
        return n
    }

    func int64(_ name: String) throws -> Int64? {
        guard let raw = string(name) else { return nil }
        guard let n = Int64(raw), n >= 0 else {
            throw APIError.badRequest("Query parameter '\(name)' must be a whole number, zero or more, not '\(raw)'.")
        }
        return n
    }

    func double(_ name: String, max: Double = 1_000_000) throws -> Double? {
        guard let raw = string(name) else { return nil }
        guard let n = Double(raw), n.isFinite, n >= 0, n <= max else {
            throw APIError.badRequest("Query parameter '\(name)' must be a number from 0 to \(Int(max)), not '\(raw)'.")
        }
        return n
    }

    func bool(_ name: String) throws -> Bool? {
        guard let raw = string(name) else { return nil }
        switch raw.lowercased() {
        case "true", "1", "yes", "": return true
        case "false", "0", "no": return false
        default: throw APIError.badRequest("Query parameter '\(name)' must be true or false, not '\(raw)'.")
        }
    }

    /// An RFC 3339 time, or a duration ago (`30m`, `24h`, `7d`), as the CLI's `--since` takes.
    func time(_ name: String, now: Timestamp) throws -> Timestamp? {
        guard let raw = string(name) else { return nil }
        if let t = Timestamp.parse(raw, before: now) { return t }
        throw APIError.badRequest("Query parameter '\(name)' takes an RFC 3339 time (2026-11-25T09:00:00Z) or a duration ago (30m, 24h, 7d), not '\(raw)'.")
    }
}
