/// Who is acting, as the handler found them in the authorization projection.
public enum ActorFacts: Equatable, Sendable {
    /// No user was named at all.
    case anonymous
    /// A name (email or id) that no registered user has.
    case unknown(String)
    /// quire itself: only bootstraps the first system admin.
    case system
    case user(UserState)
}

/// What the handler read before deciding: only the parts a command needs are filled in.
public struct Facts: Equatable, Sendable {
    public var actor: ActorFacts
    /// The session the command targets, in any status; `nil` when no such session exists.
    public var session: SessionState?
    /// For user commands, the user named by the command; for a legacy import, the row's `created_by`.
    public var targetUser: UserState?
    /// For `user.register` with an explicit id: a user who already has that id.
    public var userWithID: UserState?
    /// For `session.create`: the actor's own non-deleted sessions with the same `json_hash`.
    public var duplicates: [SessionState]
    /// For `session.create`: the actor's own in-progress sessions with the same file name or paper code.
    public var similar: [SessionState]
    /// Active system admins, so the last one cannot be demoted or deactivated.
    public var activeSystemAdmins: Int
    /// For a command whose expected version is no longer the session's: who made the last change
    /// (an email, or `system`), so the conflict can say so.
    public var lastChangedBy: String?
    /// For `sweep` and `settings.set`: the settings as the log leaves them.
    public var settings = Settings()
    /// For `sweep`: owned in-progress sessions last accessed at or before the timeout's cutoff,
    /// stalest first. The decider checks each against the context's time itself.
    public var stale: [SessionState] = []
    /// For `sweep`: sessions whose pending offer lapsed at or before the sweep's time.
    public var lapsedOffers: [SessionState] = []

    public init(actor: ActorFacts, session: SessionState? = nil, targetUser: UserState? = nil,
                userWithID: UserState? = nil, duplicates: [SessionState] = [], similar: [SessionState] = [],
                activeSystemAdmins: Int = 0) {
        self.actor = actor
        self.session = session
        self.targetUser = targetUser
        self.userWithID = userWithID
        self.duplicates = duplicates
        self.similar = similar
        self.activeSystemAdmins = activeSystemAdmins
    }
}

/// Time and fresh ids arrive from outside, so `decide` is deterministic and replayable.
public struct DecisionContext: Equatable, Sendable {
    public var now: Timestamp
    public var newSessionID: SessionID
    public var newUserID: UserID
    public init(now: Timestamp, newSessionID: SessionID, newUserID: UserID) {
        self.now = now
        self.newSessionID = newSessionID
        self.newUserID = newUserID
    }
}

/// Something the actor should know although the command succeeded.
public struct Warning: Equatable, Sendable, Codable {
    public var code: String
    public var message: String
    public var sessionID: SessionID?
    public init(code: String, message: String, sessionID: SessionID?) {
        self.code = code
        self.message = message
        self.sessionID = sessionID
    }
    enum CodingKeys: String, CodingKey { case code, message, sessionID = "session_id" }
}

/// The outcome of a command that was not simply invalid.
public enum Decision: Equatable, Sendable {
    /// Append these events (in this order) and tell the actor these warnings.
    case accepted([Event], warnings: [Warning])
    /// Refuse with `error`, but record the attempt: append the `access.denied` event.
    case denied(AccessDenied, QuireError)

    public var events: [Event] {
        switch self {
        case .accepted(let events, _): events
        case .denied(let denial, _): [.accessDenied(denial)]
        }
    }
}

/// The read-only questions that only some roles may ask.
public enum Query: String, Sendable {
    case monitor
    case listUsers = "user.list"
    /// Reading the audit trail of other users.
    case auditOthers = "audit"
    case importLegacy = "legacy.import"
    case exportLog = "export"
}

/// The domain's rules, as pure functions: `decide(command, facts, context)` and the folds in
/// `SessionState.evolve` / `UserState.evolve`.
public enum Decider {
    public static let maxNameLength = 200
    public static let maxReasonLength = 500

    public static func decide(_ command: Command, _ facts: Facts, _ context: DecisionContext) throws(QuireError) -> Decision {
        switch command {
        case .registerUser(let c): return try register(c, facts, context)
        case .changeRole(let c): return try changeRole(c, facts)
        case .deactivateUser(let c): return try deactivate(c, facts)
        case .createSession(let c): return try create(c, facts, context)
        case .accessSession(let id): return try access(id, facts)
        case .updateSession(let c): return try update(c, facts)
        case .completeSession(let c): return try complete(c, facts)
        case .deleteSession(let c): return try delete(c, facts)
        case .importLegacySession(let row): return try importLegacy(row, facts)
        case .reopenSession(let c): return try reopen(c, facts)
        case .changeSetting(let c): return try changeSetting(c, facts)
        case .sweep(let c): return try sweep(c, facts, context)
        case .transferSession(let c): return try transfer(c, facts)
        case .offerSession(let c): return try offer(c, facts, context)
        case .acceptOffer(let c): return try accept(c, facts, context)
        case .declineOffer(let id): return try decline(id, facts, context)
        case .shareSession(let c): return try share(c, facts)
        case .unshareSession(let c): return try unshare(c, facts)
        case .cleanupSession(let c): return try cleanup(c, facts)
        }
    }

    /// Whether the actor may ask a role-restricted question. A refusal is recorded like a command's.
    public static func authorize(_ query: Query, _ facts: Facts) throws(QuireError) -> Decision {
        let actor = try activeUser(facts.actor)
        guard actor.role == .systemAdmin else {
            return .denied(AccessDenied(command: query.rawValue, target: query.rawValue, reason: .role),
                           .forbidden(roleMessage(query.rawValue)))
        }
        return .accepted([], warnings: [])
    }

    // MARK: - Actors

    /// The acting user, who must be registered and active.
    public static func activeUser(_ actor: ActorFacts) throws(QuireError) -> UserState {
        switch actor {
        case .anonymous:
            throw .unknownUser("No acting user: pass --as EMAIL or set QUIRE_USER.")
        case .unknown(let name):
            throw .unknownUser("No registered user is called \(name).")
        case .system:
            throw .unknownUser("This command needs a registered user, not quire itself.")
        case .user(let user):
            guard user.active else { throw .unknownUser("User \(user.email) is deactivated and can no longer act.") }
            return user
        }
    }

    /// The refusal in the user's words: what they tried, and the CLI command (and route) for it,
    /// not the internal command name that `access.denied` records.
    static func roleMessage(_ what: String) -> String {
        let doing: String
        switch what {
        case "user.register": doing = "add users (quire user add)"
        case "user.change_role": doing = "change a user's role (quire user role)"
        case "user.deactivate": doing = "deactivate users (quire user deactivate)"
        case "user.list": doing = "list users (quire user list)"
        case "legacy.import", "legacy import": doing = "import the old table's sessions (quire legacy import)"
        case "monitor": doing = "watch every active session (quire monitor, GET /v1/monitor)"
        case "audit": doing = "read other users' audit trail (quire audit, GET /v1/audit)"
        case "export": doing = "export the whole log (quire export)"
        case "settings.set": doing = "change settings (quire settings set)"
        case "sweep": doing = "run the sweep (quire sweep)"
        case "session.transfer": doing = "transfer a session to another user (quire session transfer)"
        default: doing = "use \(what)"
        }
        return "Only a system admin may \(doing)."
    }

    private static func requireSystemAdmin(_ command: String, target: String, _ facts: Facts) throws(QuireError) -> (UserState?, Decision?) {
        if case .system = facts.actor { return (nil, nil) }
        let actor = try activeUser(facts.actor)
        guard actor.role == .systemAdmin else {
            return (actor, .denied(AccessDenied(command: command, target: target, reason: .role), .forbidden(roleMessage(command))))
        }
        return (actor, nil)
    }

    // MARK: - Users

    private static func register(_ c: RegisterUser, _ facts: Facts, _ context: DecisionContext) throws(QuireError) -> Decision {
        if case .system = facts.actor {
            // quire itself only creates the first system admin (`init`).
            guard facts.activeSystemAdmins == 0, c.role == .systemAdmin else {
                throw .forbidden("Only a system admin may register users.")
            }
        } else if let denial = try requireSystemAdmin("user.register", target: "users", facts).1 {
            return denial
        }
        let email = try normalizedEmail(c.email)
        if let existing = facts.targetUser {
            throw .invalidInput("\(existing.email) is already registered (as \(existing.role.rawValue)).")
        }
        if let id = c.id {
            guard Identifier.isAcceptable(id.rawValue) else {
                throw .invalidInput("'\(id)' is not a usable user id: use letters, digits, '-', '_', '.' or ':' (at most 128).")
            }
            if let holder = facts.userWithID {
                throw .invalidInput("User id \(id) already belongs to \(holder.email).")
            }
        }
        let event = UserRegistered(userID: c.id ?? context.newUserID, email: email, role: c.role)
        return .accepted([.userRegistered(event)], warnings: [])
    }

    /// `Email.normalized`, and it must look like `someone@somewhere`.
    public static func normalizedEmail(_ raw: String) throws(QuireError) -> String {
        let email = Email.normalized(raw)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, email.utf8.count <= 254,
              !email.unicodeScalars.contains(where: { $0.value <= 0x20 || $0 == "," || $0 == ";" })
        else { throw .invalidInput("'\(raw)' is not an email address.") }
        return email
    }

    private static func changeRole(_ c: ChangeRole, _ facts: Facts) throws(QuireError) -> Decision {
        if case .system = facts.actor { throw .forbidden(roleMessage("user.change_role")) }
        if let denial = try requireSystemAdmin("user.change_role", target: "users", facts).1 { return denial }
        guard let user = facts.targetUser else { throw .unknownUser("No registered user is called \(c.user).") }
        guard user.role != c.role else { throw .invalidInput("\(user.email) is already \(c.role.rawValue).") }
        if user.role == .systemAdmin, user.active, facts.activeSystemAdmins <= 1 {
            throw .invalidInput("\(user.email) is the last active system admin; promote someone else first.")
        }
        return .accepted([.userRoleChanged(UserRoleChanged(userID: user.id, role: c.role))], warnings: [])
    }

    private static func deactivate(_ c: DeactivateUser, _ facts: Facts) throws(QuireError) -> Decision {
        if case .system = facts.actor { throw .forbidden(roleMessage("user.deactivate")) }
        if let denial = try requireSystemAdmin("user.deactivate", target: "users", facts).1 { return denial }
        guard let user = facts.targetUser else { throw .unknownUser("No registered user is called \(c.user).") }
        guard user.active else { throw .invalidInput("\(user.email) is already deactivated.") }
        if user.role == .systemAdmin, facts.activeSystemAdmins <= 1 {
            throw .invalidInput("\(user.email) is the last active system admin; promote someone else first.")
        }
        let reason = try optionalText(c.reason, field: "reason", limit: maxReasonLength)
        return .accepted([.userDeactivated(UserDeactivated(userID: user.id, reason: reason))], warnings: [])
    }

    // MARK: - Sessions

    private static func create(_ c: CreateSession, _ facts: Facts, _ context: DecisionContext) throws(QuireError) -> Decision {
        let actor = try activeUser(facts.actor)
        let name = try optionalText(c.name, field: "name", limit: maxNameLength) ?? defaultName(for: c.file)
        guard c.file.questionCount >= 0 else { throw .invalidInput("question_count cannot be negative.") }
        let ownDuplicates = facts.duplicates.filter { $0.ownerID == actor.id && $0.status != .deleted && $0.jsonHash == c.file.jsonHash }
        if let first = ownDuplicates.min(by: { $0.createdAt < $1.createdAt }), !c.allowDuplicate {
            var error = QuireError(.duplicate, "This file is already imported in your session \(first.id) (\"\(first.name)\"); allow a duplicate to import it again.")
            error.existingSession = first.id
            throw error
        }
        let code = c.file.paper["code"]?.stringValue
        let warnings = facts.similar
            .filter { ($0.ownerID == actor.id || $0.role(of: actor.id) != nil) && $0.status == .inProgress }
            .sorted { $0.createdAt < $1.createdAt }
            .compactMap { s -> Warning? in
                let whose = s.ownerID == actor.id ? "You already have session \(s.id) (\"\(s.name)\")"
                    : "Session \(s.id) (\"\(s.name)\"), shared with you, is"
                if s.fileName == c.file.fileName {
                    return Warning(code: "similar_session", message: "\(whose) in progress with the same file name \(s.fileName).", sessionID: s.id)
                }
                if let code, s.paperCode == code {
                    return Warning(code: "similar_session", message: "\(whose) in progress for the same paper \(code).", sessionID: s.id)
                }
                return nil
            }
        let event = SessionCreated(
            sessionID: context.newSessionID, ownerID: actor.id, name: name, fileName: c.file.fileName,
            jsonHash: c.file.jsonHash, questionCount: c.file.questionCount, paper: c.file.paper, blob: c.file.blob)
        return .accepted([.sessionCreated(event)], warnings: warnings)
    }

    /// "Mathematics 9709/12 2023" when the paper says so, else the file name without `.json`.
    static func defaultName(for file: PaperFacts) -> String {
        let parts = ["subject", "code", "year", "session"].compactMap { key -> String? in
            switch file.paper[key] {
            case .string(let s)?: s
            case .number?: file.paper[key].flatMap { $0.intValue.map(String.init) }
            default: nil
            }
        }
        if !parts.isEmpty { return String(parts.joined(separator: " ").prefix(maxNameLength)) }
        let base = file.fileName.hasSuffix(".json") ? String(file.fileName.dropLast(5)) : file.fileName
        return String((base.isEmpty ? "Untitled paper" : base).prefix(maxNameLength))
    }

    /// Checks that the actor may touch the session at all. Returns the session, or the decision
    /// that refuses (recording the attempt when it is someone else's).
    private enum Reach {
        case reached(UserState, SessionState)
        case refused(Decision)
    }

    private static func reach(_ id: SessionID, command: String, legacyAllowed: Bool, _ facts: Facts) throws(QuireError) -> Reach {
        let actor = try activeUser(facts.actor)
        guard let session = facts.session, session.id == id else { throw .sessionNotFound(id) }
        if let owner = session.ownerID, owner != actor.id, !(session.role(of: actor.id)?.allows(command) ?? false) {
            // Same answer as a missing session, so existence does not leak; the attempt is recorded.
            // A collaborator reaches it only for what their role allows.
            return .refused(.denied(AccessDenied(command: command, target: id.stream, reason: .notOwner), .sessionNotFound(id)))
        }
        guard session.status != .deleted else { throw .sessionNotFound(id) }
        if session.isLegacy, !legacyAllowed {
            throw QuireError(.notInProgress, "Session \(id) is a legacy session: it can be shown or deleted, not changed.")
        }
        return .reached(actor, session)
    }

    /// The client's copy must be the session's current content (`contentVersion`, which reading
    /// does not move).
    private static func checkVersion(_ expected: Int?, _ session: SessionState, _ facts: Facts) throws(QuireError) {
        guard let expected, expected != session.contentVersion else { return }
        let who = facts.lastChangedBy.map { " by \($0)" } ?? ""
        var error = QuireError(.conflict, "Session \(session.id) (\"\(session.name)\") was changed\(who) at \(session.updatedAt) since your version \(expected); it is at version \(session.contentVersion) now. Reload it and try again.")
        error.expectedVersion = expected
        error.actualVersion = session.contentVersion
        error.staleCopy = true
        throw error
    }

    private static func requireInProgress(_ session: SessionState, doing: String) throws(QuireError) {
        if session.status == .expired {
            throw QuireError(.notInProgress, "Session \(session.id) expired after being idle; reopen it first (quire session reopen \(session.id)), then it can be \(doing).")
        }
        guard session.status == .inProgress else {
            throw QuireError(.notInProgress, "Session \(session.id) is \(session.status == .completed ? "completed" : session.status.rawValue); only an in-progress session can be \(doing).")
        }
    }

    private static func access(_ id: SessionID, _ facts: Facts) throws(QuireError) -> Decision {
        switch try reach(id, command: "session.access", legacyAllowed: true, facts) {
        case .refused(let decision): return decision
        case .reached: return .accepted([.sessionAccessed(SessionAccessed(sessionID: id))], warnings: [])
        }
    }

    private static func update(_ c: UpdateSession, _ facts: Facts) throws(QuireError) -> Decision {
        guard c.step != nil || c.progress != nil || c.questionsImported != nil || c.metadata != nil else {
            throw .usage("Nothing to update: give a step, progress, questions imported or metadata.")
        }
        if let progress = c.progress, !(0...100).contains(progress) {
            throw .invalidInput("progress must be between 0 and 100, not \(progress).")
        }
        if let imported = c.questionsImported, imported < 0 {
            throw .invalidInput("questions_imported cannot be negative (\(imported)).")
        }
        if let metadata = c.metadata {
            guard metadata.keys.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 100 }) else {
                throw .invalidInput("metadata keys must be 1 to 100 bytes long.")
            }
        }
        switch try reach(c.sessionID, command: "session.update", legacyAllowed: false, facts) {
        case .refused(let decision): return decision
        case .reached(_, let session):
            try checkVersion(c.expectedVersion, session, facts)
            try requireInProgress(session, doing: "updated")
            if let imported = c.questionsImported, imported > session.questionCount {
                throw .invalidInput("questions_imported must be between 0 and \(session.questionCount) for this paper, not \(imported).")
            }
            let event = SessionUpdated(sessionID: c.sessionID, step: c.step, progress: c.progress,
                                       questionsImported: c.questionsImported, metadata: c.metadata)
            return .accepted([.sessionUpdated(event)], warnings: [])
        }
    }

    private static func complete(_ c: CompleteSession, _ facts: Facts) throws(QuireError) -> Decision {
        if let imported = c.questionsImported, imported < 0 {
            throw .invalidInput("questions_imported cannot be negative (\(imported)).")
        }
        switch try reach(c.sessionID, command: "session.complete", legacyAllowed: false, facts) {
        case .refused(let decision): return decision
        case .reached(_, let session):
            try checkVersion(c.expectedVersion, session, facts)
            try requireInProgress(session, doing: "completed")
            let imported = c.questionsImported ?? session.questionsImported
            guard imported <= session.questionCount else {
                throw .invalidInput("questions_imported must be between 0 and \(session.questionCount) for this paper, not \(imported).")
            }
            return .accepted([.sessionCompleted(SessionCompleted(sessionID: c.sessionID, questionsImported: imported))], warnings: [])
        }
    }

    private static func delete(_ c: DeleteSession, _ facts: Facts) throws(QuireError) -> Decision {
        let reason = try optionalText(c.reason, field: "reason", limit: maxReasonLength)
        switch try reach(c.sessionID, command: "session.delete", legacyAllowed: true, facts) {
        case .refused(let decision): return decision
        case .reached(_, let session):
            try checkVersion(c.expectedVersion, session, facts)
            return .accepted([.sessionDeleted(SessionDeleted(sessionID: c.sessionID, reason: reason))], warnings: [])
        }
    }

    private static func importLegacy(_ row: LegacyRow, _ facts: Facts) throws(QuireError) -> Decision {
        if case .system = facts.actor { throw .forbidden(roleMessage("legacy.import")) }
        if let denial = try requireSystemAdmin("legacy.import", target: "legacy", facts).1 { return denial }
        guard Identifier.isAcceptable(row.id.rawValue) else {
            throw .invalidInput("'\(row.id)' is not a usable session id.")
        }
        if facts.session != nil { throw .invalidInput("Session \(row.id) already exists.") }
        if let owner = row.createdBy, facts.targetUser?.id != owner {
            throw .unknownUser("Its owner \(owner) is not a registered user.")
        }
        guard row.status != .deleted else { throw .invalidInput("Row \(row.id) is deleted in the old table.") }
        let name: String = row.metadata["name"]?.stringValue.map { String($0.prefix(maxNameLength)) }
            ?? defaultName(for: PaperFacts(fileName: row.fileName, jsonHash: "", questionCount: 0, paper: [:], blob: ""))
        let count = row.metadata["question_count"]?.intValue ?? row.metadata["total_questions"]?.intValue ?? 0
        let event = SessionCreated(
            sessionID: row.id, ownerID: row.createdBy, name: name, fileName: row.fileName, jsonHash: row.jsonHash,
            questionCount: max(0, count), paper: [:], blob: nil,
            legacy: LegacyRecord(status: row.status, createdAt: row.createdAt, updatedAt: row.updatedAt,
                                 lastAccessedAt: row.lastAccessedAt, metadata: row.metadata))
        return .accepted([.sessionCreated(event)], warnings: [])
    }

    // MARK: - The stale-session timeout

    private static func reopen(_ c: ReopenSession, _ facts: Facts) throws(QuireError) -> Decision {
        switch try reach(c.sessionID, command: "session.reopen", legacyAllowed: false, facts) {
        case .refused(let decision): return decision
        case .reached(_, let session):
            try checkVersion(c.expectedVersion, session, facts)
            guard session.status == .expired else {
                let status = session.status == .inProgress ? "in progress" : session.status.rawValue
                throw QuireError(.notInProgress, "Session \(session.id) is \(status); only an expired session can be reopened.")
            }
            return .accepted([.sessionReopened(SessionReopened(sessionID: c.sessionID))], warnings: [])
        }
    }

    /// The shortest timeout a setting may name: a sweep must never race a user who is working.
    public static let minimumExpireAfter = TimeSpan(milliseconds: 1000)

    private static func changeSetting(_ c: ChangeSetting, _ facts: Facts) throws(QuireError) -> Decision {
        if case .system = facts.actor { throw .forbidden(roleMessage("settings.set")) }
        if let denial = try requireSystemAdmin("settings.set", target: Event.settingsStream, facts).1 { return denial }
        guard Settings.keys.contains(where: { $0.key == c.key }) else {
            throw .invalidInput("There is no setting called '\(c.key)'; quire knows \(Settings.keys.map(\.key).joined(separator: ", ")).")
        }
        let value = c.value.trimmingWhitespace()
        if value != "off" {
            guard let span = TimeSpan(value), span.milliseconds >= minimumExpireAfter.milliseconds else {
                throw .invalidInput("\(c.key) takes a duration of at least 1s (\(TimeSpan.examples)) or off, not '\(c.value)'.")
            }
        }
        if facts.settings.values[c.key] == value { throw .invalidInput("\(c.key) is already \(value).") }
        return .accepted([.settingChanged(SettingChanged(key: c.key, value: value))], warnings: [])
    }

    private static func sweep(_ c: Sweep, _ facts: Facts, _ context: DecisionContext) throws(QuireError) -> Decision {
        if let denial = try requireSystemAdmin("sweep", target: "sessions", facts).1 { return denial }
        guard facts.settings.values["expire_after"] != nil || c.fallbackExpireAfter != nil else {
            throw .usage("No stale-session timeout is set: a system admin sets one with quire settings set expire_after 14d, or pass --expire-after.")
        }
        guard let timeout = facts.settings.expireAfter(fallback: c.fallbackExpireAfter) else {
            return .accepted([], warnings: [])  // turned off in the log
        }
        let now = context.now.milliseconds
        // Lapsed offers are recorded as declined by quire itself.
        let lapsed: [Event] = facts.lapsedOffers.compactMap { s in
            guard let to = s.offeredTo, let until = s.offerExpiresAt, until <= context.now, s.status != .deleted else { return nil }
            return .sessionDeclined(SessionDeclined(sessionID: s.id, to: to, expired: true))
        }
        let expiries: [Event] = facts.stale
            .filter { $0.status == .inProgress && !$0.isLegacy && now - $0.lastAccessedAt.milliseconds >= timeout.milliseconds }
            .sorted { ($0.lastAccessedAt, $0.id.rawValue) < ($1.lastAccessedAt, $1.id.rawValue) }
            .map { s in
                .sessionExpired(SessionExpired(sessionID: s.id, expireAfter: timeout.description,
                                               idleSeconds: Int((now - s.lastAccessedAt.milliseconds) / 1000),
                                               lastAccessedAt: s.lastAccessedAt))
            }
        return .accepted(expiries + lapsed, warnings: [])
    }

    // MARK: - Transfer

    /// A system admin assigns a session (anyone's, or a legacy one) to another active user. The
    /// duplicate rule follows the session into the new owner's scope.
    private static func transfer(_ c: TransferSession, _ facts: Facts) throws(QuireError) -> Decision {
        if case .system = facts.actor { throw .forbidden(roleMessage("session.transfer")) }
        if let denial = try requireSystemAdmin("session.transfer", target: c.sessionID.stream, facts).1 { return denial }
        let reason = try optionalText(c.reason, field: "reason", limit: maxReasonLength)
        guard let session = facts.session, session.id == c.sessionID, session.status != .deleted else {
            throw .sessionNotFound(c.sessionID)
        }
        guard let to = facts.targetUser else { throw .unknownUser("No registered user is called \(c.to).") }
        guard to.active else { throw .invalidInput("\(to.email) is deactivated and cannot take over a session.") }
        guard session.ownerID != to.id else { throw .invalidInput("Session \(session.id) already belongs to \(to.email).") }
        let theirs = facts.duplicates.filter {
            $0.ownerID == to.id && $0.status != .deleted && $0.id != session.id && $0.jsonHash != nil && $0.jsonHash == session.jsonHash
        }
        if let first = theirs.min(by: { $0.createdAt < $1.createdAt }), !c.allowDuplicate {
            var error = QuireError(.duplicate, "\(to.email) already has this file in session \(first.id) (\"\(first.name)\"); allow a duplicate to transfer it anyway.")
            error.existingSession = first.id
            throw error
        }
        return .accepted([.sessionTransferred(SessionTransferred(sessionID: session.id, from: session.ownerID, to: to.id, reason: reason))],
                         warnings: [])
    }

    // MARK: - Collaboration

    /// The owner, or a system admin, may change who a session is shared with; anyone else's
    /// attempt (a collaborator's too) is refused like any reach for someone else's session.
    private static func reachToShare(_ id: SessionID, command: String, _ facts: Facts) throws(QuireError) -> (SessionState, Decision?) {
        let actor = try activeUser(facts.actor)
        guard let session = facts.session, session.id == id else { throw .sessionNotFound(id) }
        if session.ownerID != actor.id, actor.role != .systemAdmin {
            return (session, .denied(AccessDenied(command: command, target: id.stream, reason: .notOwner), .sessionNotFound(id)))
        }
        guard session.status != .deleted else { throw .sessionNotFound(id) }
        if session.isLegacy { throw QuireError(.notInProgress, "Session \(id) is a legacy session: nobody owns it, so it cannot be shared.") }
        return (session, nil)
    }

    private static func share(_ c: ShareSession, _ facts: Facts) throws(QuireError) -> Decision {
        let (session, denial) = try reachToShare(c.sessionID, command: "session.share", facts)
        if let denial { return denial }
        guard let user = facts.targetUser else { throw .unknownUser("No registered user is called \(c.with).") }
        guard user.active else { throw .invalidInput("\(user.email) is deactivated and cannot collaborate.") }
        guard user.id != session.ownerID else { throw .invalidInput("\(user.email) owns session \(session.id).") }
        if session.role(of: user.id) == c.role {
            throw .invalidInput("Session \(session.id) is already shared with \(user.email) as \(c.role.rawValue).")
        }
        return .accepted([.collaboratorAdded(CollaboratorAdded(sessionID: session.id, userID: user.id, role: c.role))], warnings: [])
    }

    private static func unshare(_ c: UnshareSession, _ facts: Facts) throws(QuireError) -> Decision {
        let (session, denial) = try reachToShare(c.sessionID, command: "session.unshare", facts)
        if let denial { return denial }
        guard let user = facts.targetUser, session.role(of: user.id) != nil else {
            throw .invalidInput("Session \(session.id) is not shared with \(c.with).")
        }
        return .accepted([.collaboratorRemoved(CollaboratorRemoved(sessionID: session.id, userID: user.id))], warnings: [])
    }

    // MARK: - Cleanup

    /// One session of a bulk cleanup: what `delete` allows, and for a system admin anyone's session.
    private static func cleanup(_ c: DeleteSession, _ facts: Facts) throws(QuireError) -> Decision {
        let actor = try activeUser(facts.actor)
        guard actor.role == .systemAdmin else { return try delete(c, facts) }
        let reason = try optionalText(c.reason, field: "reason", limit: maxReasonLength)
        guard let session = facts.session, session.id == c.sessionID, session.status != .deleted else { throw .sessionNotFound(c.sessionID) }
        return .accepted([.sessionDeleted(SessionDeleted(sessionID: session.id, reason: reason))], warnings: [])
    }

    // MARK: - Offers

    /// How long an offer stands.
    public static let offerLifetime = TimeSpan(milliseconds: 7 * 86_400_000)

    private static func offer(_ c: OfferSession, _ facts: Facts, _ context: DecisionContext) throws(QuireError) -> Decision {
        switch try reach(c.sessionID, command: "session.offer", legacyAllowed: false, facts) {
        case .refused(let decision): return decision
        case .reached(let actor, let session):
            guard let to = facts.targetUser else { throw .unknownUser("No registered user is called \(c.to).") }
            guard to.active else { throw .invalidInput("\(to.email) is deactivated and cannot take over a session.") }
            guard to.id != actor.id else { throw .invalidInput("Session \(session.id) is already yours.") }
            if let pending = session.pendingOffer(at: context.now), let until = session.offerExpiresAt {
                throw .invalidInput("Session \(session.id) is already offered to \(pending == to.id ? to.email : "someone else") until \(until).")
            }
            let until = context.now.adding(milliseconds: offerLifetime.milliseconds)
            return .accepted([.sessionOffered(SessionOffered(sessionID: session.id, from: actor.id, to: to.id, expiresAt: until))], warnings: [])
        }
    }

    /// The recipient of a pending offer reaches the session for `accept` and `decline`; anyone
    /// else gets the answer a missing session gets, recorded like any reach for someone else's.
    private static func reachOffer(_ id: SessionID, command: String, _ facts: Facts, _ context: DecisionContext) throws(QuireError)
        -> (UserState, SessionState, Decision?)
    {
        let actor = try activeUser(facts.actor)
        guard let session = facts.session, session.id == id else { throw .sessionNotFound(id) }
        if session.offeredTo != actor.id, session.ownerID != actor.id {
            // Someone else's session, deleted or not: recorded, and answered as missing.
            return (actor, session, .denied(AccessDenied(command: command, target: id.stream, reason: .notOwner), .sessionNotFound(id)))
        }
        guard session.status != .deleted else { throw .sessionNotFound(id) }
        return (actor, session, nil)
    }

    private static func accept(_ c: AcceptOffer, _ facts: Facts, _ context: DecisionContext) throws(QuireError) -> Decision {
        let (actor, session, denial) = try reachOffer(c.sessionID, command: "session.accept", facts, context)
        if let denial { return denial }
        guard session.offeredTo == actor.id, let from = session.ownerID else {
            throw .invalidInput("Session \(session.id) is yours; only the recipient of an offer can accept it.")
        }
        guard session.pendingOffer(at: context.now) != nil else {
            throw .invalidInput("The offer of session \(session.id) lapsed at \(session.offerExpiresAt.map(\.description) ?? "?"); ask for it again.")
        }
        let mine = facts.duplicates.filter {
            $0.ownerID == actor.id && $0.status != .deleted && $0.id != session.id && $0.jsonHash != nil && $0.jsonHash == session.jsonHash
        }
        if let first = mine.min(by: { $0.createdAt < $1.createdAt }), !c.allowDuplicate {
            var error = QuireError(.duplicate, "This file is already imported in your session \(first.id) (\"\(first.name)\"); allow a duplicate to accept it anyway.")
            error.existingSession = first.id
            throw error
        }
        return .accepted([.sessionAccepted(SessionAccepted(sessionID: session.id, from: from, to: actor.id))], warnings: [])
    }

    private static func decline(_ id: SessionID, _ facts: Facts, _ context: DecisionContext) throws(QuireError) -> Decision {
        let (actor, session, denial) = try reachOffer(id, command: "session.decline", facts, context)
        if let denial { return denial }
        guard session.offeredTo == actor.id else {
            throw .invalidInput("Session \(session.id) is yours; only the recipient of an offer can decline it.")
        }
        return .accepted([.sessionDeclined(SessionDeclined(sessionID: id, to: actor.id))], warnings: [])
    }

    // MARK: - Helpers

    private static func optionalText(_ raw: String?, field: String, limit: Int) throws(QuireError) -> String? {
        guard let raw else { return nil }
        let text = raw.trimmingWhitespace()
        guard !text.isEmpty else { throw .invalidInput("\(field) cannot be empty.") }
        guard text.count <= limit else { throw .invalidInput("\(field) is longer than \(limit) characters.") }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalidInput("\(field) cannot contain control characters.")
        }
        return text
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
