import QuireCore
import QuireStorage

/// Every session with its status, step, progress, counts and times: what `session list`,
/// `show` and `resume` print, and the state `decide` sees. Rows are the fold of each session's
/// stream by `SessionState.evolve`, so the view and the decider can never disagree.
public struct SessionViewsProjector: Projector {
    public init() {}
    public let name = "session_views"
    /// 2: `content_version`, the version clients compare, which reading does not move.
    /// 3: `offered_to` and `offer_expires_at`, a pending offer (`session offer`).
    /// 4: `collaborators`, and the `session_collaborators` table that finds sessions shared with a user.
    public let codeVersion = 4
    public var tables: [TableSchema] { [Self.views, Self.collaborators] }

    /// One row per collaborator of a live session: what "shared with you" is read from. The key
    /// is `session_id` and `user_id` joined by a newline, so one collaborator's row can be removed
    /// by it.
    public static let collaborators = TableSchema("session_collaborators", columns: [
        .init("key", .text), .init("session_id", .text), .init("user_id", .text), .init("role", .text),
    ], primaryKey: ["key"], indexes: [
        .init("session_collaborators_by_user", on: ["user_id"]),
        .init("session_collaborators_by_session", on: ["session_id"]),
    ])

    static func collaboratorKey(_ session: SessionID, _ user: UserID) -> StoredValue { .text(session.rawValue + "\n" + user.rawValue) }

    public static let views = TableSchema("session_views", columns: [
        .init("session_id", .text), .init("owner_id", .text, nullable: true), .init("name", .text), .init("file_name", .text),
        .init("json_hash", .text, nullable: true), .init("question_count", .integer), .init("paper", .text),
        .init("paper_code", .text, nullable: true), .init("blob", .text, nullable: true), .init("status", .text),
        .init("step", .text), .init("progress", .integer), .init("questions_imported", .integer), .init("metadata", .text),
        .init("version", .integer), .init("content_version", .integer), .init("created_at", .text), .init("updated_at", .text), .init("last_accessed_at", .text),
        .init("offered_to", .text, nullable: true), .init("offer_expires_at", .text, nullable: true), .init("collaborators", .text),
    ], primaryKey: ["session_id"], indexes: [
        // session list / resume: one user's sessions by status and recency.
        .init("session_views_by_owner", on: ["owner_id", "status", "last_accessed_at"]),
        // similar-session warnings: the actor's in-progress sessions by file name or paper code.
        .init("session_views_similar_file", on: ["owner_id", "file_name"], where: "status", equals: "in_progress"),
        .init("session_views_similar_code", on: ["owner_id", "paper_code"], where: "status", equals: "in_progress"),
        // offers for a user, and the sweep's lapsed offers.
        .init("session_views_offers", on: ["offered_to", "offer_expires_at"]),
    ])

    public func changes(for event: Event, _ record: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
        let at = StoredValue.text(record.recordedAt), version = StoredValue(record.version)
        switch event {
        case .accessDenied, .userRegistered, .userRoleChanged, .userDeactivated, .settingChanged:
            return []  // access.denied names a session as its target but does not change it
        // The frequent events touch a few columns in place; they mirror `SessionState.evolve`
        // exactly (the projection tests check the view against the fold of every stream).
        case .sessionAccessed(let e):
            return [.update(Self.views, key: [.text(e.sessionID.rawValue)], set: [("version", version), ("last_accessed_at", at)])]
        case .sessionUpdated(let e) where e.metadata == nil:
            var set: [(column: String, value: StoredValue)] = []
            if let step = e.step { set.append(("step", .text(step.rawValue))) }
            if let progress = e.progress { set.append(("progress", StoredValue(progress))) }
            if let imported = e.questionsImported { set.append(("questions_imported", StoredValue(imported))) }
            set += [("version", version), ("updated_at", at), ("last_accessed_at", at)]
            let key: [StoredValue] = [.text(e.sessionID.rawValue)]
            return [.update(Self.views, key: key, set: set), .increment(Self.views, key: key, column: "content_version")]
        case .sessionCompleted(let e):
            let key: [StoredValue] = [.text(e.sessionID.rawValue)]
            return [.update(Self.views, key: key, set: [
                ("status", .text(SessionStatus.completed.rawValue)), ("questions_imported", StoredValue(e.questionsImported)),
                ("progress", .integer(100)), ("version", version), ("updated_at", at), ("last_accessed_at", at),
            ]), .increment(Self.views, key: key, column: "content_version")]
        case .sessionDeleted(let e):
            let key: [StoredValue] = [.text(e.sessionID.rawValue)]
            return [.update(Self.views, key: key, set: [
                ("status", .text(SessionStatus.deleted.rawValue)), ("version", version), ("updated_at", at),
            ]), .increment(Self.views, key: key, column: "content_version"),
                .delete(Self.collaborators, whereColumn: "session_id", equals: key[0])]
        case .collaboratorAdded(let e):
            return try fold(event, record, rows) + [.upsert(Self.collaborators, [
                Self.collaboratorKey(e.sessionID, e.userID), .text(e.sessionID.rawValue), .text(e.userID.rawValue), .text(e.role.rawValue),
            ])]
        case .collaboratorRemoved(let e):
            return try fold(event, record, rows) + [.delete(Self.collaborators, whereColumn: "key", equals: Self.collaboratorKey(e.sessionID, e.userID))]
        case .sessionTransferred(let e):
            return try fold(event, record, rows) + [.delete(Self.collaborators, whereColumn: "key", equals: Self.collaboratorKey(e.sessionID, e.to))]
        case .sessionAccepted(let e):
            return try fold(event, record, rows) + [.delete(Self.collaborators, whereColumn: "key", equals: Self.collaboratorKey(e.sessionID, e.to))]
        case .sessionCreated, .sessionUpdated, .sessionExpired, .sessionReopened, .sessionOffered, .sessionDeclined:
            // Creation, metadata merges and the rarer events go through the fold itself.
            return try fold(event, record, rows)
        }
    }

    /// The session's row after `event`, by `SessionState.evolve` of the row before it.
    func fold(_ event: Event, _ record: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
        guard let id = event.sessionID else { return [] }
        let before = try rows.row(Self.views, key: [.text(id.rawValue)]).map(Self.state)
        guard let after = SessionState.evolve(before, event, version: record.version, at: record.timestamp) else { return [] }
        return [.upsert(Self.views, Self.row(after))]
    }

    public func changes(forFolded s: SessionState, createdBy creation: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
        guard s.status != .deleted else { return [.upsert(Self.views, Self.row(s))] }
        return [.upsert(Self.views, Self.row(s))] + s.collaborators.sorted { $0.key < $1.key }.map { user, role in
            .upsert(Self.collaborators, [Self.collaboratorKey(s.id, UserID(user)), .text(s.id.rawValue), .text(user), .text(role.rawValue)])
        }
    }

    // MARK: - Rows

    /// A session's row, in the table's column order.
    public static func row(_ s: SessionState) -> StoredRow {
        [
            .text(s.id.rawValue), StoredValue(s.ownerID?.rawValue), .text(s.name), .text(s.fileName), StoredValue(s.jsonHash),
            StoredValue(s.questionCount), .text(JSONValue.object(s.paper).canonical), StoredValue(s.paperCode),
            StoredValue(s.blob), .text(s.status.rawValue), .text(s.step.rawValue), StoredValue(s.progress),
            StoredValue(s.questionsImported), .text(JSONValue.object(s.metadata).canonical), StoredValue(s.version),
            StoredValue(s.contentVersion), .text(s.createdAt.description), .text(s.updatedAt.description), .text(s.lastAccessedAt.description),
            StoredValue(s.offeredTo?.rawValue), StoredValue(s.offerExpiresAt?.description),
            .text(JSONValue.object(s.collaborators.mapValues { .string($0.rawValue) }).canonical),
        ]
    }

    static func decodeObject(_ value: StoredValue) -> [String: JSONValue] {
        guard let text = value.text else { return [:] }
        return (try? JSONValue(stored: text))?.objectValue ?? [:]
    }

    /// The session a row holds (the inverse of `row`).
    public static func state(_ row: StoredRow) -> SessionState {
        let epoch = Timestamp(milliseconds: 0)
        var state = SessionState(
            id: SessionID(row[0].text ?? ""), ownerID: row[1].text.map { UserID($0) },
            name: row[2].text ?? "", fileName: row[3].text ?? "", jsonHash: row[4].text, questionCount: row[5].int,
            paper: decodeObject(row[6]), blob: row[8].text,
            status: SessionStatus(rawValue: row[9].text ?? "") ?? .inProgress, step: ImportStep(rawValue: row[10].text ?? "") ?? .upload,
            progress: row[11].int, questionsImported: row[12].int, metadata: decodeObject(row[13]),
            version: row[14].int, createdAt: Timestamp(rfc3339: row[16].text ?? "") ?? epoch,
            updatedAt: Timestamp(rfc3339: row[17].text ?? "") ?? epoch,
            lastAccessedAt: Timestamp(rfc3339: row[18].text ?? "") ?? epoch, contentVersion: row[15].int)
        state.offeredTo = row[19].text.map { UserID($0) }
        state.offerExpiresAt = row[20].text.flatMap { Timestamp(rfc3339: $0) }
        state.collaborators = decodeObject(row[21]).compactMapValues { $0.stringValue.flatMap(CollaboratorRole.init(rawValue:)) }
        return state
    }
}
