import QuireCore

/// One command's answer as `quire submit` writes it (one line each) and `POST /v1/commands`
/// returns it: `{"command_id":…,"ok":true,"session":{…}}` or
/// `{"command_id":…,"ok":false,"error":{"code":…,"message":…,"exit_code":N}}`.
public struct CommandResult: Encodable, Sendable {
    public var commandID: String?
    public var ok: Bool
    public var session: SessionView?
    public var warnings: [Warning]?
    public var replayed: Bool?
    public var error: ErrorBody?

    public struct ErrorBody: Encodable, Sendable {
        public var code: String
        public var message: String
        public var exitCode: Int32
        /// The error's kind, for the HTTP status; not part of the JSON.
        public var kind: QuireError.Code
        enum CodingKeys: String, CodingKey { case code, message, exitCode = "exit_code" }
    }

    public init(_ outcome: Outcome) {
        commandID = outcome.commandID
        ok = true
        session = outcome.session
        warnings = outcome.warnings
        replayed = outcome.replayed
    }

    /// A refused command; `prefix` locates it when it could not be read (`Line 3: `).
    public init(commandID: String?, error: QuireError, prefix: String = "") {
        self.commandID = commandID
        ok = false
        self.error = ErrorBody(code: error.code.rawValue, message: prefix + error.message, exitCode: error.exitCode, kind: error.code)
    }

    enum CodingKeys: String, CodingKey { case commandID = "command_id", ok, session, warnings, replayed, error }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(commandID, forKey: .commandID)
        try c.encode(ok, forKey: .ok)
        try c.encodeIfPresent(session, forKey: .session)
        if let warnings, !warnings.isEmpty { try c.encode(warnings, forKey: .warnings) }
        if replayed == true { try c.encode(true, forKey: .replayed) }
        try c.encodeIfPresent(error, forKey: .error)
    }
}
