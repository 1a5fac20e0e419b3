import Foundation
import QuireCore

/// The HS256 secret that `serve` checks tokens with and `token issue` signs them with.
enum Secret {
    /// `$QUIRE_JWT_SECRET`, or a usage error (exit 64) saying how to set it.
    static func jwt() throws(QuireError) -> String {
        guard let secret = ProcessInfo.processInfo.environment["QUIRE_JWT_SECRET"], !secret.isEmpty else {
            throw .usage("QUIRE_JWT_SECRET is not set: export the HS256 secret tokens are signed with (e.g. export QUIRE_JWT_SECRET=$(openssl rand -hex 32)).")
        }
        return secret
    }
}
