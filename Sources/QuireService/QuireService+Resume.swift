import QuireCore
import QuireStorage

extension QuireService {
    /// The session `resume` opens: the actor's most recently used in-progress session, or `nil`.
    /// `resume` (CLI) and `GET /v1/sessions/resume` (whose access then goes through the server's
    /// group-commit writer) both ask here, so they cannot disagree.
    public func resumeTarget(as name: ActorName) throws(QuireError) -> SessionID? {
        let me = try actingUser(name)
        return try store.read { reader in try reader.mostRecentInProgress(of: me.id)?.id }
    }
}
