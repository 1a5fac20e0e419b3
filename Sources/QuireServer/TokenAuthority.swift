import Foundation
import JWTKit
import QuireCore

/// The claims quire reads from a bearer token: the same shape Supabase issues. `sub` is the user's
/// id (`quire user add --id` keeps the web app's), `exp` is required and enforced; other claims
/// (`aud`, `role`, `email`…) are ignored.
public struct QuireClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim?

    public init(subject: String, expires: Date, issued: Date? = nil) {
        sub = SubjectClaim(value: subject)
        exp = ExpirationClaim(value: expires)
        iat = issued.map { IssuedAtClaim(value: $0) }
    }

    public func verify(using algorithm: some JWTAlgorithm) throws {
        try exp.verifyNotExpired()
    }
}

/// Signs and verifies HS256 bearer tokens with `$QUIRE_JWT_SECRET`.
public struct TokenAuthority: Sendable {
    private let keys: JWTKeyCollection
    public static let minimumSecretBytes = 32

    public init(secret: String) async throws(QuireError) {
        // HS256 with a key shorter than its 32-byte output is weak (and jwt-kit asserts on it).
        guard secret.utf8.count >= Self.minimumSecretBytes else {
            throw .usage("QUIRE_JWT_SECRET must be at least \(Self.minimumSecretBytes) bytes (e.g. openssl rand -hex 32).")
        }
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    /// A token for `user` that expires after `ttl` seconds.
    public func issue(for user: UserID, ttl: TimeInterval, now: Date = Date()) async throws(QuireError) -> String {
        do {
            return try await keys.sign(QuireClaims(subject: user.rawValue, expires: now.addingTimeInterval(ttl), issued: now))
        } catch {
            throw .internal("Cannot sign the token: \(error).")
        }
    }

    /// The token's subject, when the token is well formed, signed with our secret using HS256, and
    /// not expired. The reason otherwise, as one sentence for the 401.
    public func verify(_ token: String) async -> Result<String, TokenRejection> {
        // jwt-kit verifies with the key it holds whatever the header's `alg` says; checking `alg`
        // first means `none` (and any other algorithm) is refused by name, not by accident.
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.base64URLDecode(parts[0]),
              let header = (try? JSONValue.parse(headerData, what: "The token header"))?.objectValue else {
            return .failure(.malformed)
        }
        let alg = header["alg"]?.stringValue
        guard alg == "HS256" else { return .failure(.algorithm(alg ?? "no algorithm")) }
        do {
            let claims = try await keys.verify(token, as: QuireClaims.self)
            return .success(claims.sub.value)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            return .failure(.expired)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            return .failure(.signature)
        } catch {
            return .failure(.malformed)
        }
    }

    public enum TokenRejection: Error, Equatable, Sendable {
        case malformed, algorithm(String), signature, expired

        public var message: String {
            switch self {
            case .malformed: "The bearer token is malformed, or lacks its sub or exp claim."
            case .algorithm(let alg): "The bearer token must be signed with HS256, not \(alg)."
            case .signature: "The bearer token's signature is not valid."
            case .expired: "The bearer token has expired."
            }
        }
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}
