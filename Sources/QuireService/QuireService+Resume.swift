import QuireCore

extension QuireService {
    /// The session `resume` opens: the actor's most recently used in-progress session, or `nil`.
    /// The HTTP server looks it up here, then sends the access through its group-commit writer.
    public func resumeTarget(as name: ActorName) throws(QuireError) -> SessionID? {
        let me = try actingUser(name)
        return try sessions(as: name)
            .filter { $0.ownerID == me.id.rawValue && $0.status == SessionStatus.inProgress.rawValue }
            .max { ($0.lastAccessedAt.milliseconds, $0.id) < ($1.lastAccessedAt.milliseconds, $1.id) }
            .map { SessionID($0.id) }
    }
}
