import Foundation
import HTTPTypes
import Hummingbird
import QuireCore
import QuireService

/// Who is signed in to the pages: the bearer token kept in an `HttpOnly`, `SameSite=Strict`
/// cookie (checked on every request exactly as the API checks its header), and the CSRF token
/// that every state-changing form carries back.
struct Viewer: Sendable {
    var user: UserState
    var csrf: String

    var actor: ActorName { .named(user.id.rawValue) }
    var isSystemAdmin: Bool { user.role == .systemAdmin }
}

enum PageSession {
    static let tokenCookie = "quire_token"
    static let csrfCookie = "quire_csrf"
    /// A sign-in lasts as long as its token; the cookie never outlives a working day.
    static let maxAge = 12 * 3600

    /// Behind a TLS-terminating proxy (`X-Forwarded-Proto: https`), cookies are `Secure`.
    static func isSecure(_ request: Request) -> Bool {
        request.headers[forwardedProto]?.lowercased() == "https" || request.head.scheme == "https"
    }

    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!

    static func signInCookies(token: String, secure: Bool) -> [Cookie] {
        let csrf = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        return [
            Cookie(name: tokenCookie, value: token, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .strict),
            Cookie(name: csrfCookie, value: csrf, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .strict),
        ]
    }

    static func signOutCookies(secure: Bool) -> [Cookie] {
        [tokenCookie, csrfCookie].map {
            Cookie(name: $0, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
        }
    }

    /// The page's own origin as a browser names it in `Origin`.
    static func ownOrigin(_ request: Request) -> String? {
        guard let host = request.head.authority else { return nil }
        return (isSecure(request) ? "https" : "http") + "://" + host
    }

    /// A state-changing post must come from one of our own pages: `Origin`, when the browser
    /// sends it, names this server (a cross-site form has another, or `null`).
    static func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin] else { return }
        guard origin == ownOrigin(request) else {
            throw APIError(status: .forbidden, code: "cross_site",
                           message: "This form was sent from another site (\(origin)), so it was refused.")
        }
    }

    /// The form's CSRF token must equal the one in the signed-in cookie (a cross-site page can
    /// neither read the cookie nor guess the token), and its Origin must be ours.
    static func checkForm(_ form: FormData, _ viewer: Viewer, _ request: Request) throws {
        try checkOrigin(request)
        guard let sent = form["csrf"], constantTimeEqual(sent, viewer.csrf) else {
            throw APIError(status: .forbidden, code: "csrf",
                           message: "This form has expired or did not come from quire's own page; reload the page and try again.")
        }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
