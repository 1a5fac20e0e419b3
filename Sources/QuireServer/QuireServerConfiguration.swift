import Logging
import QuireStorage

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
    /// The key `GET /v1/checkpoint` signs with; none means the server serves proofs but no checkpoint.
    public var signingKey: SigningKey?

    public init(host: String = "127.0.0.1", port: Int = 8080, jwtSecret: String, groupCommit: Bool = true, maxBatch: Int = 256,
                streamPollInterval: Duration = .seconds(1), streamHeartbeat: Duration = .seconds(15), logLevel: Logger.Level = .info,
                signingKey: SigningKey? = nil) {
        self.signingKey = signingKey
        self.host = host
        self.port = port
        self.jwtSecret = jwtSecret
        self.groupCommit = groupCommit
        self.maxBatch = maxBatch
        self.streamPollInterval = streamPollInterval
        self.streamHeartbeat = streamHeartbeat
        self.logLevel = logLevel
    }
}
