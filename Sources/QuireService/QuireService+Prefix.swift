import QuireCore

extension QuireService {
    /// The shortest prefix of a session id that names a session, as git takes a commit's.
    public static let minimumSessionPrefix = 8

    /// The session a user means by `text`: a whole id, or a unique prefix (at least eight
    /// characters) of the id of a session they can see — their own and the legacy ones, as
    /// `sessions(as:)` lists them; for a system admin also every active session.
    ///
    /// For example `9a5ec0fd` names Alice's `9a5ec0fd-60c0-…` when no other session she sees
    /// starts with it. A prefix shared by several of her sessions is a usage error listing them;
    /// a prefix that matches none of hers comes back unchanged, so the command gives the ordinary
    /// not-found answer, whoever else's session it would match.
    public func resolveSession(_ text: String, as name: ActorName) throws(QuireError) -> SessionID {
        guard text.count >= Self.minimumSessionPrefix, text.count < 36 else { return SessionID(text) }
        var visible = try sessions(as: name)
        // A system admin also sees every active session (the monitor), so `audit --session` takes
        // a prefix of anyone's. Asked only of system admins: for anyone else it is a denial.
        if case .named(let raw) = name, let user = try user(named: raw), user.active, user.role == .systemAdmin {
            visible += try monitor(as: name).map(\.session)
        }
        if visible.contains(where: { $0.id == text }) { return SessionID(text) }
        var seen = Set<String>()
        let matches = visible.filter { $0.id.hasPrefix(text) && seen.insert($0.id).inserted }
        switch matches.count {
        case 0: return SessionID(text)
        case 1: return SessionID(matches[0].id)
        default:
            let listed = matches.prefix(10).map { "\($0.id) (\"\($0.name)\")" }.joined(separator: ", ")
            throw .usage("\(text) is the start of \(matches.count) of your sessions' ids: \(listed)"
                         + (matches.count > 10 ? " …" : "") + "; give more of the id.")
        }
    }
}
