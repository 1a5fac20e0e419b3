/// What a user may do: import their own papers, or also watch everyone and manage users.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin
    case systemAdmin = "system_admin"
}

/// Where an import session is in its life. `deleted` sessions are gone for every command but
/// audit and replay.
public enum SessionStatus: String, Codable, Sendable, CaseIterable {
    case inProgress = "in_progress"
    case completed
    case deleted
    /// Idle longer than the stale-session timeout (`session.expired`): no longer in progress, but
    /// its owner can reopen or delete it.
    case expired
}

/// The steps of the web app's import wizard, in order.
public enum ImportStep: String, Codable, Sendable, CaseIterable {
    case upload, structure, metadata, questions, review
}

/// What a collaborator may do on a session shared with them: an editor shows, updates and
/// completes it; a viewer only shows it. Only the owner deletes, transfers, offers or shares it.
public enum CollaboratorRole: String, Codable, Sendable, CaseIterable {
    case editor, viewer

    /// Whether a collaborator with this role may issue `command` (as `access.denied` names it).
    public func allows(_ command: String) -> Bool {
        switch self {
        case .editor: ["session.access", "session.update", "session.complete"].contains(command)
        case .viewer: command == "session.access"
        }
    }
}
