import Foundation
import Logging
import QuireStorage
import QuireCore

/// How `quire serve` (and a test) runs the HTTP service.
public struct QuireServerConfiguration: Sendable {
    /// Where to listen. Loopback unless told otherwise: the service is meant to sit behind a proxy.
    public var host: String
    /// 0 picks a free port (tests).
    public var port: Int
    /// The HS256 secret bearer tokens are signed with (`$QUIRE_JWT_SECRET`).
    public var jwtSecret: String
    /// Group commit: commands that arrive together share one transaction (one fsync), each in its
    /// own savepoint. Off means one transaction per command, for comparing the two.
    public var groupCommit: Bool
    /// The most commands one group commit takes.
    public var maxBatch: Int
    /// How often an event stream looks for events written by other processes (the CLI may write
    /// the same file); events this server commits wake the streams at once.
    public var streamPollInterval: Duration
    /// How long an idle event stream waits before sending a comment line, which also notices a
    /// client that went away.
    public var streamHeartbeat: Duration
    public var logLevel: Logger.Level
    /// Origins whose pages may call `/v1` from a browser (`--cors-origin`); none by default.
    public var corsOrigins: [String]
    /// One-click sign-in buttons on the sign-in page (`serve --demo` only).
    public var demoSignIns: [DemoSignIn]
    /// The most server-sent-event streams one user may hold open at once.
    public var maxStreamsPerUser: Int
    /// How long a client may take to send a request's head, and may pause while sending its body,
    /// before the connection is closed (a client trickling bytes cannot hold it forever).
    public var readTimeout: Duration
    /// The key `GET /v1/checkpoint` signs with; none means the server serves proofs but no checkpoint.
    public var signingKey: SigningKey?
    /// The stale-session timeout while the log holds no `expire_after` setting (`--expire-after`).
    public var expireAfter: TimeSpan?
    /// How often the server sweeps for stale sessions; nil: never (tests that drive it themselves).
    public var sweepInterval: Duration?

    public init(host: String = "127.0.0.1", port: Int = 8080, jwtSecret: String, groupCommit: Bool = true, maxBatch: Int = 256,
                streamPollInterval: Duration = .seconds(1), streamHeartbeat: Duration = .seconds(15), logLevel: Logger.Level = .info,
                corsOrigins: [String] = [], demoSignIns: [DemoSignIn] = [], maxStreamsPerUser: Int = 8,
                readTimeout: Duration = .seconds(30), signingKey: SigningKey? = nil,
                expireAfter: TimeSpan? = nil, sweepInterval: Duration? = nil) {
        self.signingKey = signingKey
        self.expireAfter = expireAfter
        self.sweepInterval = sweepInterval
        self.host = host
        self.port = port
        self.jwtSecret = jwtSecret
        self.groupCommit = groupCommit
        self.maxBatch = maxBatch
        self.streamPollInterval = streamPollInterval
        self.streamHeartbeat = streamHeartbeat
        self.logLevel = logLevel
        self.corsOrigins = corsOrigins
        self.demoSignIns = demoSignIns
        self.maxStreamsPerUser = maxStreamsPerUser
        self.readTimeout = readTimeout
    }

    /// Refuses a configuration the server could not run with, in one sentence, before anything
    /// listens: a short secret, a port out of range, a bad origin or limit.
    public func validate() throws(QuireError) {
        guard jwtSecret.utf8.count >= TokenAuthority.minimumSecretBytes else {
            throw .usage("QUIRE_JWT_SECRET must be at least \(TokenAuthority.minimumSecretBytes) bytes (e.g. openssl rand -hex 32).")
        }
        guard (0...65535).contains(port) else { throw .usage("--port must be from 0 to 65535, not \(port).") }
        guard !host.isEmpty else { throw .usage("--host must name an address to listen on.") }
        for origin in corsOrigins {
            guard let url = URL(string: origin), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil,
                  url.path.isEmpty || url.path == "/", url.query == nil else {
                throw .usage("--cors-origin takes an origin such as https://app.school.example (scheme, host and port only), not '\(origin)'.")
            }
        }
        guard maxStreamsPerUser >= 1 else { throw .usage("The limit of event streams per user must be at least 1.") }
        guard readTimeout > .zero else { throw .usage("The read timeout must be positive.") }
    }
}

/// A demo user the sign-in page offers as a button: their email, role and a token for them.
public struct DemoSignIn: Sendable {
    public var email: String
    public var role: String
    public var token: String

    public init(email: String, role: String, token: String) {
        self.email = email
        self.role = role
        self.token = token
    }
}
