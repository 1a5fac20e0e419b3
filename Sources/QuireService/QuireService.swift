import Foundation
import QuireCore
import QuireStorage

/// The one command handler and the queries. The CLI and the HTTP server both call it, so a
/// command behaves the same whichever edge it arrives at.
///
/// Every command takes one path: resolve the actor and read the facts from the projections,
/// `decide`, then append, project and record the command in one write transaction of the
/// storage contract — whichever backend is behind it.
public struct QuireService: Sendable {
    /// The backend: reached only through the storage contract.
    let store: any EventStorage
    /// The largest paper file accepted, in bytes.
    public let paperLimit: Int
    let clock: @Sendable () -> Timestamp

    public init(store: any EventStorage, paperLimit: Int = PaperFile.defaultLimit,
                clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) {
        self.store = store
        self.paperLimit = paperLimit
        self.clock = clock
    }

    /// Opens a service on a backend and brings its projections up to date (rebuilding any whose
    /// code version changed).
    ///
    /// `prepareProjections: false` opens it as it is, for `verify`, which must report what it
    /// finds rather than repair it first.
    public static func open(_ store: any EventStorage, paperLimit: Int = PaperFile.defaultLimit, prepareProjections: Bool = true,
                            clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) throws(QuireError) -> QuireService {
        let service = QuireService(store: store, paperLimit: paperLimit, clock: clock)
        if prepareProjections { try store.prepareProjections(progress: nil) }
        return service
    }

    /// Where the log is, as the user named it (a file path or a URL).
    public var location: String? { store.location }

    /// The projections the backend keeps, by name.
    public var projectionNames: [String] { store.projectionNames }
    /// See `EventStorage.watchCommits`: nil when readers must poll.
    public func watchCommits(_ onCommit: @escaping @Sendable () -> Void) -> (any CommitWatch)? { store.watchCommits(onCommit) }

    /// How many times a command whose decision went stale is decided again on fresh state.
    static let maxAttempts = 5

    // MARK: - Commands

    /// Handles one command. Throws the `QuireError` a rejected command gets; an attempt on someone
    /// else's session (or a role-restricted command) is recorded as `access.denied` before the
    /// error is thrown.
    public func handle(_ request: Request, as actorName: ActorName, commandID: String? = nil) throws(QuireError) -> Outcome {
        if let commandID, !Identifier.isAcceptable(commandID) {
            throw .invalidInput("command_id must be 1 to 128 letters, digits, '-', '_', '.' or ':'.")
        }
        let prepared = try prepare(request)
        let commandID = commandID ?? Identifier.newUUID()
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try decideAndAppend(prepared, as: actorName, commandID: commandID)
            } catch where error.code == .conflict && !error.staleCopy && attempt < Self.maxAttempts {
                // Another writer moved the stream (an access, too): decide again on fresh state,
                // where the decider re-checks the client's content version, if it named one.
                continue
            }
        }
    }

    /// A request with its paper read, hashed and ready to store.
    struct Prepared {
        var command: Command
        var paperBytes: [UInt8]?
    }

    func prepare(_ request: Request) throws(QuireError) -> Prepared {
        switch request {
        case .command(let command):
            return Prepared(command: command, paperBytes: nil)
        case .createSession(let name, let input, let allowDuplicate):
            let fileName = try Self.cleanFileName(input.fileName)
            let paper: PaperFile
            let bytes: [UInt8]
            switch input {
            case .bytes(_, let data), .body(let data):
                let what: String = if case .body = input { input.what } else { fileName }
                paper = try PaperFile(data: data, what: what, limit: paperLimit)
                bytes = [UInt8](data)
            case .parsed(_, let value):
                paper = try PaperFile(value: value, what: fileName)
                bytes = Array(paper.canonical.utf8)
                guard bytes.count <= paperLimit else {
                    throw QuireError(.tooLarge, "\(fileName) is over the \(paperLimit)-byte limit for a paper file.")
                }
            }
            let facts = PaperFacts(fileName: fileName, jsonHash: HashChain.sha256Hex(Array(paper.canonical.utf8)),
                                   questionCount: paper.questionCount, paper: paper.paper, blob: HashChain.sha256Hex(bytes))
            return Prepared(command: .createSession(CreateSession(name: name, file: facts, allowDuplicate: allowDuplicate)),
                            paperBytes: bytes)
        }
    }

    /// The file's base name, without any directory: what sessions show and compare.
    static func cleanFileName(_ raw: String) throws(QuireError) -> String {
        let base = raw.split(separator: "/").last.map(String.init) ?? raw
        guard !base.isEmpty, base != ".", base != "..", base.utf8.count <= 255,
              !base.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalidInput("'\(raw)' is not a usable file name.")
        }
        return base
    }

    /// What one command did inside a transaction: accepted, or refused with an `access.denied`
    /// that must still commit.
    enum Applied {
        case accepted(Outcome)
        case denied(QuireError)
    }

    private func decideAndAppend(_ prepared: Prepared, as actorName: ActorName, commandID: String) throws(QuireError) -> Outcome {
        let result = try store.write { tx in try apply(prepared, as: actorName, commandID: commandID, tx) }
        switch result {
        case .accepted(let outcome): return outcome
        case .denied(let error): throw error
        }
    }

    /// One command submitted to `handleBatch`.
    public struct Submission: Sendable {
        public var request: Request
        public var actor: ActorName
        public var commandID: String?
        public init(_ request: Request, as actor: ActorName, commandID: String? = nil) {
            self.request = request
            self.actor = actor
            self.commandID = commandID
        }
    }

    /// Group commit: handles several commands in ONE transaction (one fsync), each in its own
    /// savepoint, so a rejected command never fails its neighbours. Results come back in order.
    /// A storage failure (disk full, busy for too long) fails every command of the batch, and
    /// none of them is appended.
    public func handleBatch(_ submissions: [Submission]) -> [Swift.Result<Outcome, QuireError>] {
        var results = [Swift.Result<Outcome, QuireError>?](repeating: nil, count: submissions.count)
        var ready: [(index: Int, prepared: Prepared, commandID: String)] = []
        for (i, submission) in submissions.enumerated() {
            do throws(QuireError) {
                if let id = submission.commandID, !Identifier.isAcceptable(id) {
                    throw .invalidInput("command_id must be 1 to 128 letters, digits, '-', '_', '.' or ':'.")
                }
                ready.append((i, try prepare(submission.request), submission.commandID ?? Identifier.newUUID()))
            } catch {
                results[i] = .failure(error)
            }
        }
        do throws(QuireError) {
            let applied: [(Int, Swift.Result<Outcome, QuireError>)] = try store.write { tx in
                var out: [(Int, Swift.Result<Outcome, QuireError>)] = []
                if ready.count > 1 {
                    let names = ready.compactMap { item -> String? in
                        if case .named(let raw) = submissions[item.index].actor { Self.lookupKey(raw) } else { nil }
                    }
                    try tx.expect(commandIDs: ready.map(\.commandID), userNames: Array(Set(names)))
                }
                for item in ready {
                    let result: Applied
                    do {
                        result = try tx.savepoint {
                            try apply(item.prepared, as: submissions[item.index].actor, commandID: item.commandID, tx)
                        }
                    } catch let error as QuireError {
                        out.append((item.index, .failure(error)))
                        continue
                    }
                    switch result {
                    case .accepted(let outcome): out.append((item.index, .success(outcome)))
                    case .denied(let error): out.append((item.index, .failure(error)))
                    }
                }
                return out
            }
            for (i, r) in applied { results[i] = r }
        } catch {
            for item in ready { results[item.index] = .failure(error) }
        }
        return results.map { $0! }
    }

    /// Decides one command and appends and projects its events, inside the caller's transaction.
    func apply(_ prepared: Prepared, as actorName: ActorName, commandID: String, _ tx: any StorageWriter) throws -> Applied {
        let command = prepared.command
        let now = try recordingTime(tx)
        let actor = try resolve(actorName, tx)
        let fingerprint = Self.fingerprint(command, actor: actor)
        if let earlier = try tx.command(commandID) {
            guard earlier.fingerprint == fingerprint else {
                throw QuireError(.commandIDReused, "command_id \(commandID) was already used for a different command.")
            }
            return try Self.replay(earlier)
        }
        let facts = try gather(command, actor: actor, tx, now: now)
        let context = DecisionContext(now: now, newSessionID: SessionID(Identifier.newUUID()), newUserID: UserID(Identifier.newUUID()))
        let decision = try Decider.decide(command, facts, context)
        let envelope = Envelope(actor: Self.envelopeActor(actor), commandID: commandID, recordedAt: now)
        let events = decision.events.map { NewEvent($0, expectedVersion: Self.expectedVersion(for: $0, facts)) }
        if let bytes = prepared.paperBytes, case .accepted = decision {
            try tx.storeBlob(bytes, at: now)
        }
        let appended = try tx.append(events, envelope: envelope)
        switch decision {
        case .accepted(_, let warnings):
            let outcome = try outcome(command, events: decision.events, commandID: commandID, warnings: warnings,
                                      positions: appended.map(\.position), facts: facts, tx)
            if let first = appended.first {
                let text = String(decoding: try EventCoding.compact.encode(StoredOutcome.accepted(outcome)), as: UTF8.self)
                try tx.record(CommandRecord(commandID: commandID, fingerprint: fingerprint, actor: envelope.actor.description,
                                            outcome: text, firstPosition: first.position), at: now)
            }
            return .accepted(outcome)
        case .denied(_, let error):
            let text = String(decoding: try EventCoding.compact.encode(StoredOutcome.rejected(error)), as: UTF8.self)
            try tx.record(CommandRecord(commandID: commandID, fingerprint: fingerprint, actor: envelope.actor.description,
                                        outcome: text, firstPosition: appended[0].position), at: now)
            return .denied(error)
        }
    }

    /// The time a command is decided and recorded at: taken inside the write transaction, and never
    /// earlier than the last event's, so that `recorded_at` never decreases in position order even
    /// when writers' clocks (or two processes' reads of one clock) disagree. "As of time T" then has
    /// one answer: every event up to the last one recorded at or before T.
    /// A dry run (`sweep --dry-run`) reads it the same way outside a write transaction.
    func recordingTime(_ tx: any StorageReader) throws -> Timestamp {
        let now = clock()
        guard let last = try tx.lastRecordedAt(), last.milliseconds > now.milliseconds else { return now }
        return last
    }

    /// Session events must land on the version `decide` saw: the store re-checks it inside the
    /// transaction, so a stale decision can never be appended.
    static func expectedVersion(for event: Event, _ facts: Facts) -> ExpectedVersion {
        switch event {
        case .sessionCreated: .noStream
        case .sessionAccessed, .sessionUpdated, .sessionCompleted, .sessionDeleted, .sessionReopened, .sessionTransferred,
             .sessionOffered, .sessionAccepted, .collaboratorAdded, .collaboratorRemoved:
            facts.session.map { .exactly($0.version) } ?? .any
        case .sessionDeclined(let e):
            // Declined by its recipient (the command's session), or lapsed (found by the sweep).
            (facts.session ?? facts.lapsedOffers.first { $0.id == e.sessionID }).map { .exactly($0.version) } ?? .any
        case .sessionExpired(let e):
            // Two sweepers racing: the second finds the version moved, decides again on fresh
            // state and no longer sees the session as in progress, so it expires once.
            facts.stale.first { $0.id == e.sessionID }.map { .exactly($0.version) } ?? .any
        case .settingChanged: .any
        case .userRegistered: .noStream
        case .userRoleChanged, .userDeactivated: facts.targetUser.map { .exactly($0.version) } ?? .any
        case .accessDenied: .any
        }
    }

    static func envelopeActor(_ actor: ActorFacts) -> EventActor {
        switch actor {
        case .user(let u): .user(u.id)
        case .system, .anonymous, .unknown: .system
        }
    }

    /// What the commands table keeps of a command's first outcome.
    enum StoredOutcome: Codable {
        case accepted(Outcome)
        case rejected(QuireErrorRecord)

        static func rejected(_ error: QuireError) -> StoredOutcome {
            .rejected(QuireErrorRecord(code: error.code, message: error.message))
        }
    }

    struct QuireErrorRecord: Codable {
        var code: QuireError.Code
        var message: String
    }

    private static func replay(_ entry: CommandRecord) throws -> Applied {
        let stored = try JSONDecoder().decode(StoredOutcome.self, from: Data(entry.outcome.utf8))
        switch stored {
        case .accepted(var outcome):
            outcome.replayed = true
            return .accepted(outcome)
        case .rejected(let record):
            return .denied(QuireError(record.code, record.message))
        }
    }

    // MARK: - Facts

    func resolve(_ name: ActorName, _ reader: any StorageReader) throws -> ActorFacts {
        try Self.resolve(name, reader)
    }

    /// Who is acting: a registered user (active or not), `system`, nobody, or an unknown name.
    public static func resolve(_ name: ActorName, _ reader: any StorageReader) throws -> ActorFacts {
        switch name {
        case .none: return .anonymous
        case .system: return .system
        case .named(let raw):
            guard let user = try reader.user(named: Self.lookupKey(raw)) else { return .unknown(raw) }
            return .user(user)
        }
    }

    /// How a user is looked up by what someone typed: an id as given, an email normalised the
    /// way `user add` stored it (trimmed, lowercased).
    static func lookupKey(_ raw: String) -> String {
        (try? Decider.normalizedEmail(raw)) ?? raw
    }

    /// The facts `decide` needs for a command, read from the projections in the command's own
    /// transaction. The decider's specifications read their facts through this same function.
    ///
    /// `now` is the decision's time; only the sweep needs it, to read the sessions idle since the
    /// cutoff (the decider checks each one against the same time again).
    public static func gather(_ command: Command, actor: ActorFacts, _ reader: any StorageReader, now: Timestamp? = nil) throws -> Facts {
        var facts = Facts(actor: actor)
        switch command {
        case .registerUser(let c):
            facts.targetUser = try reader.user(named: lookupKey(c.email))
            if let id = c.id { facts.userWithID = try reader.user(id: id) }
            facts.activeSystemAdmins = try reader.activeSystemAdmins()
        case .changeRole(let c):
            facts.targetUser = try reader.user(named: lookupKey(c.user))
            facts.activeSystemAdmins = try reader.activeSystemAdmins()
        case .deactivateUser(let c):
            facts.targetUser = try reader.user(named: lookupKey(c.user))
            facts.activeSystemAdmins = try reader.activeSystemAdmins()
        case .createSession(let c):
            guard case .user(let user) = actor else { break }
            let ids = try reader.duplicateSessions(owner: user.id, jsonHash: c.file.jsonHash)
            facts.duplicates = try reader.sessions(ids)
            facts.similar = try reader.similarSessions(owner: user.id, fileName: c.file.fileName,
                                                       paperCode: c.file.paper["code"]?.stringValue)
        case .changeSetting:
            facts.settings = try settings(reader)
        case .sweep(let c):
            facts.settings = try settings(reader)
            if let timeout = facts.settings.expireAfter(fallback: c.fallbackExpireAfter), let now {
                facts.stale = try staleSessions(before: now.adding(milliseconds: -timeout.milliseconds), reader)
                facts.lapsedOffers = try reader.lapsedOffers(at: now, limit: sweepBatch)
            }
        case .offerSession(let c):
            if try reader.sessionAccess(c.sessionID) != nil { facts.session = try reader.session(c.sessionID) }
            facts.targetUser = try reader.user(named: lookupKey(c.to))
        case .acceptOffer(let c):
            if try reader.sessionAccess(c.sessionID) != nil { facts.session = try reader.session(c.sessionID) }
            if case .user(let me) = actor, let hash = facts.session?.jsonHash {
                facts.duplicates = try reader.sessions(try reader.duplicateSessions(owner: me.id, jsonHash: hash))
            }
        case .declineOffer(let id):
            if try reader.sessionAccess(id) != nil { facts.session = try reader.session(id) }
        case .shareSession(let c):
            if try reader.sessionAccess(c.sessionID) != nil { facts.session = try reader.session(c.sessionID) }
            facts.targetUser = try reader.user(named: lookupKey(c.with))
        case .unshareSession(let c):
            if try reader.sessionAccess(c.sessionID) != nil { facts.session = try reader.session(c.sessionID) }
            facts.targetUser = try reader.user(named: lookupKey(c.with))
        case .transferSession(let c):
            if try reader.sessionAccess(c.sessionID) != nil { facts.session = try reader.session(c.sessionID) }
            facts.targetUser = try reader.user(named: lookupKey(c.to))
            if let to = facts.targetUser, let hash = facts.session?.jsonHash {
                facts.duplicates = try reader.sessions(try reader.duplicateSessions(owner: to.id, jsonHash: hash))
            }
        case .accessSession, .updateSession, .completeSession, .deleteSession, .reopenSession, .cleanupSession:
            // The authorization projection answers "does it exist, and whose is it" first.
            if let id = command.targetSession, try reader.sessionAccess(id) != nil {
                facts.session = try reader.session(id)
                if let expected = command.expectedVersion, let session = facts.session, expected != session.contentVersion {
                    facts.lastChangedBy = try lastChanger(of: id, reader)
                }
            }
        case .importLegacySession(let row):
            facts.session = try reader.session(row.id)
            if let owner = row.createdBy { facts.targetUser = try reader.user(id: owner) }
        }
        return facts
    }

    /// The settings stored in the log: the fold of the `settings` stream, which is short.
    public static func settings(_ reader: any StorageReader) throws -> Settings {
        try reader.events(stream: Event.settingsStream).reduce(Settings()) { Settings.evolve($0, try $1.decoded()) }
    }

    /// At most this many sessions expire in one sweep transaction; the sweep goes on with another.
    static let sweepBatch = 500

    /// Owned in-progress sessions last accessed at or before `cutoff`, stalest first, from the
    /// monitor's active list (legacy ones have no owner to reopen them, so they never expire).
    static func staleSessions(before cutoff: Timestamp, _ reader: any StorageReader, limit: Int = sweepBatch) throws -> [SessionState] {
        var ids: [SessionID] = []
        var offset = 0
        while ids.count < limit {
            let page = try reader.monitor(accessedBefore: cutoff, limit: sweepBatch, offset: offset)
            ids += page.filter { $0.ownerID != nil }.map(\.sessionID).prefix(limit - ids.count)
            guard page.count == sweepBatch else { break }
            offset += page.count
        }
        return try reader.sessions(ids)
    }

    /// Who made the last change to a session's content (an email, or `system`).
    static func lastChanger(of id: SessionID, _ reader: any StorageReader) throws -> String? {
        guard let last = try reader.events(stream: id.stream).last(where: { $0.type != "session.accessed" }) else { return nil }
        if last.actor == "system" { return "system" }
        return try reader.user(id: UserID(last.actor))?.email ?? last.actor
    }

    func gather(_ command: Command, actor: ActorFacts, _ reader: any StorageReader, now: Timestamp? = nil) throws -> Facts {
        try Self.gather(command, actor: actor, reader, now: now)
    }

    // MARK: - Outcomes

    func outcome(_ command: Command, events: [Event], commandID: String, warnings: [Warning], positions: [Int64], facts: Facts,
                 _ reader: any StorageReader) throws -> Outcome {
        var outcome = Outcome(commandID: commandID, session: nil, user: nil, warnings: warnings, positions: positions, replayed: false)
        switch command {
        case .registerUser(let c):
            outcome.user = try reader.user(named: Self.lookupKey(c.email)).map(UserView.init)
        case .changeRole, .deactivateUser:
            outcome.user = try facts.targetUser.flatMap { try reader.user(id: $0.id) }.map(UserView.init)
        case .changeSetting, .sweep:
            break
        case .createSession, .accessSession, .updateSession, .completeSession, .deleteSession, .importLegacySession, .reopenSession,
             .transferSession, .offerSession, .acceptOffer, .declineOffer, .shareSession, .unshareSession, .cleanupSession:
            if let id = command.targetSession ?? events.first?.sessionID, let state = try reader.session(id) {
                let viewer: UserID? = if case .user(let u) = facts.actor { u.id } else { nil }
                outcome.session = try sessionView(state, reader, for: viewer)
            }
        }
        return outcome
    }

    func sessionView(_ state: SessionState, _ reader: any StorageReader, for viewer: UserID? = nil) throws -> SessionView {
        let email = try state.ownerID.flatMap { try reader.user(id: $0)?.email }
        var view = SessionView(state, ownerEmail: email)
        view.sharedWithYou = viewer.flatMap { state.role(of: $0)?.rawValue }
        return view
    }

    /// What makes two submissions "the same command": who asked, and the command's content in a
    /// canonical form that does not depend on dictionary order or on how the actor was named.
    static func fingerprint(_ command: Command, actor: ActorFacts) -> String {
        let who: String = switch actor {
        case .anonymous: ""
        case .system: "system"
        case .unknown(let name): "unknown:" + name
        case .user(let user): user.id.rawValue
        }
        return HashChain.sha256Hex(Array((who + "\n" + command.canonicalDescription.canonical).utf8))
    }
}
