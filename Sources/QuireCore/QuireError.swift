/// The one error quire reports: what went wrong in one sentence, and the kind of failure that
/// the edges turn into an exit code (CLI, `sysexits.h`) or an HTTP status (server).
///
/// For example, a non-owner showing a session gets
/// `QuireError(.notFound, "No session abc123 is visible to you.")`, exactly what a missing id gets.
public struct QuireError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// The command line itself is wrong (unknown flag, nothing to update).
        case usage
        /// Bad JSON, a wrong-typed or out-of-range field, a missing file.
        case invalidInput = "invalid_input"
        /// The paper file is larger than the configured limit.
        case tooLarge = "too_large"
        /// The file is already imported in one of the actor's own sessions.
        case duplicate
        /// The session is completed (or legacy, which is read-only), so it cannot change.
        case notInProgress = "not_in_progress"
        /// A `command_id` that was already used for a different command.
        case commandIDReused = "command_id_reused"
        /// No such session, or not the actor's: the two are indistinguishable on purpose.
        case notFound = "not_found"
        /// No actor given, or an unknown or deactivated one.
        case unknownUser = "unknown_user"
        /// Another writer changed the stream first; expected and actual versions are attached.
        case conflict
        /// The actor's role does not allow the command.
        case forbidden
        /// The database cannot be reached right now (restarting, unreachable, the connection was
        /// cut): nothing was appended, and the same command is safe to retry.
        case unavailable
        /// Anything else: storage failures, a broken invariant.
        case `internal`
    }

    public var code: Code
    public var message: String
    /// For `.conflict`: the version the command decided on, and the stream's version now.
    public var expectedVersion: Int?
    public var actualVersion: Int?
    /// For `.conflict`: the client's copy is stale (its expected version is not the session's
    /// content version), as opposed to another writer having moved the stream while this command
    /// was being decided, which quire retries by itself.
    public var staleCopy = false
    /// For `.duplicate`: the actor's session that already holds the file.
    public var existingSession: SessionID?

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The process exit status, following `sysexits.h`.
    public var exitCode: Int32 {
        switch code {
        case .usage: 64
        case .invalidInput, .tooLarge, .duplicate, .notInProgress, .commandIDReused: 65
        case .notFound: 66
        case .unknownUser: 67
        case .conflict, .unavailable: 75
        case .forbidden: 77
        case .internal: 1
        }
    }

    public static func usage(_ message: String) -> QuireError { QuireError(.usage, message) }
    public static func invalidInput(_ message: String) -> QuireError { QuireError(.invalidInput, message) }
    public static func notFound(_ message: String) -> QuireError { QuireError(.notFound, message) }
    public static func unknownUser(_ message: String) -> QuireError { QuireError(.unknownUser, message) }
    public static func forbidden(_ message: String) -> QuireError { QuireError(.forbidden, message) }
    public static func `internal`(_ message: String) -> QuireError { QuireError(.internal, message) }
    public static func unavailable(_ message: String) -> QuireError { QuireError(.unavailable, message) }

    /// The answer for a session that does not exist, is deleted, or is someone else's.
    public static func sessionNotFound(_ id: SessionID) -> QuireError {
        .notFound("No session \(id) is visible to you.")
    }

    public static func conflict(stream: String, expected: Int, actual: Int) -> QuireError {
        let what = stream.hasPrefix(SessionKind.streamPrefix) ? "Session \(stream.dropFirst(SessionKind.streamPrefix.count))"
            : stream.hasPrefix(UserKind.streamPrefix) ? "User \(stream.dropFirst(UserKind.streamPrefix.count))" : "The log"
        var error = QuireError(.conflict, "\(what) was changed by another writer while this command was being decided; it is safe to retry.")
        error.expectedVersion = expected
        error.actualVersion = actual
        return error
    }
}
