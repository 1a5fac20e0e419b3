import QuireCore
import QuireStorage

/// The system admins' view: every active (in-progress) session of everyone, with its owner's
/// email, progress, question counts and last access, stalest first; and apart from them the
/// sessions the sweep expired, which no longer count as active but are counted.
public struct MonitorProjector: Projector {
    public init() {}
    public let name = "monitor"
    /// 2: `monitor_expired`, the sessions the stale-session timeout took out of the active list.
    public let codeVersion = 2
    public var tables: [TableSchema] { [Self.sessions, Self.users, Self.expired] }

    public static let users = TableSchema("monitor_users", columns: [.init("user_id", .text), .init("email", .text)],
                                          primaryKey: ["user_id"])

    public static let sessions = TableSchema("monitor_sessions", columns: columns, primaryKey: ["session_id"], indexes: [
        // stalest first, and --stale-hours as a range scan.
        .init("monitor_by_access", on: ["last_accessed_at", "session_id"]),
    ])

    /// Expired sessions, with the columns of `monitor_sessions`; `updated_at` is when it expired.
    /// A session moves here on `session.expired` and back on `session.reopened`.
    public static let expired = TableSchema("monitor_expired", columns: columns, primaryKey: ["session_id"])

    static let columns: [TableSchema.Column] = [
        .init("session_id", .text), .init("owner_id", .text, nullable: true), .init("owner_email", .text, nullable: true),
        .init("name", .text), .init("file_name", .text), .init("step", .text), .init("progress", .integer),
        .init("question_count", .integer), .init("questions_imported", .integer), .init("json_hash", .text, nullable: true),
        .init("created_at", .text), .init("updated_at", .text), .init("last_accessed_at", .text), .init("version", .integer),
    ]

    public func changes(for event: Event, _ record: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
        let at = StoredValue.text(record.recordedAt), version = StoredValue(record.version)
        switch event {
        case .userRegistered(let e):
            return [.insert(Self.users, [.text(e.userID.rawValue), .text(e.email)])]
        case .sessionCreated:
            guard let state = SessionState.evolve(nil, event, version: record.version, at: record.timestamp) else { return [] }
            return try changes(forFolded: state, createdBy: record, rows)
        case .sessionAccessed(let e):
            // An expired session can still be shown: its row follows, so a rebuild finds the same.
            let key: [StoredValue] = [.text(e.sessionID.rawValue)]
            return [.update(Self.sessions, key: key, set: [("last_accessed_at", at), ("version", version)]),
                    .update(Self.expired, key: key, set: [("last_accessed_at", at), ("version", version)])]
        case .sessionUpdated(let e):
            var set: [(column: String, value: StoredValue)] = []
            if let step = e.step { set.append(("step", .text(step.rawValue))) }
            if let progress = e.progress { set.append(("progress", StoredValue(progress))) }
            if let imported = e.questionsImported { set.append(("questions_imported", StoredValue(imported))) }
            set += [("updated_at", at), ("last_accessed_at", at), ("version", version)]
            return [.update(Self.sessions, key: [.text(e.sessionID.rawValue)], set: set)]
        case .sessionCompleted(let e):
            return [.delete(Self.sessions, whereColumn: "session_id", equals: .text(e.sessionID.rawValue))]
        case .sessionDeleted(let e):
            return [.delete(Self.sessions, whereColumn: "session_id", equals: .text(e.sessionID.rawValue)),
                    .delete(Self.expired, whereColumn: "session_id", equals: .text(e.sessionID.rawValue))]
        case .sessionExpired(let e):
            let key: [StoredValue] = [.text(e.sessionID.rawValue)]
            guard var row = try rows.row(Self.sessions, key: key) else { return [] }
            row[Self.sessions.position(of: "updated_at")] = at
            row[Self.sessions.position(of: "version")] = version
            return [.delete(Self.sessions, whereColumn: "session_id", equals: key[0]), .insert(Self.expired, row)]
        case .sessionReopened(let e):
            let key: [StoredValue] = [.text(e.sessionID.rawValue)]
            guard var row = try rows.row(Self.expired, key: key) else { return [] }
            for column in ["updated_at", "last_accessed_at"] { row[Self.sessions.position(of: column)] = at }
            row[Self.sessions.position(of: "version")] = version
            return [.delete(Self.expired, whereColumn: "session_id", equals: key[0]), .insert(Self.sessions, row)]
        case .sessionTransferred(let e):
            return try handOver(e.sessionID, to: e.to, at: at, version: version, rows)
        case .sessionAccepted(let e):
            return try handOver(e.sessionID, to: e.to, at: at, version: version, rows)
        case .sessionOffered(let e):
            return versionOnly(e.sessionID, version)
        case .sessionDeclined(let e):
            return versionOnly(e.sessionID, version)
        case .collaboratorAdded(let e):
            return versionOnly(e.sessionID, version)
        case .collaboratorRemoved(let e):
            return versionOnly(e.sessionID, version)
        case .userRoleChanged, .userDeactivated, .accessDenied, .settingChanged:
            return []
        }
    }

    /// A session changed hands: the new owner and their email, and the time it counts as used.
    func handOver(_ session: SessionID, to owner: UserID, at: StoredValue, version: StoredValue, _ rows: any RowReader) throws -> [RowChange] {
        let key: [StoredValue] = [.text(session.rawValue)]
        let email = try rows.row(Self.users, key: [.text(owner.rawValue)])?[1] ?? .null
        let set: [(column: String, value: StoredValue)] = [
            ("owner_id", .text(owner.rawValue)), ("owner_email", email), ("updated_at", at), ("last_accessed_at", at), ("version", version),
        ]
        return [.update(Self.sessions, key: key, set: set), .update(Self.expired, key: key, set: set)]
    }

    /// An event that moves only the stream's version (the monitor keeps it).
    func versionOnly(_ session: SessionID, _ version: StoredValue) -> [RowChange] {
        let key: [StoredValue] = [.text(session.rawValue)]
        return [.update(Self.sessions, key: key, set: [("version", version)]), .update(Self.expired, key: key, set: [("version", version)])]
    }

    /// The row of an in-progress or expired session, with its owner's email as registered; nothing
    /// for any other.
    public func changes(forFolded s: SessionState, createdBy creation: RecordedEvent, _ rows: any RowReader) throws -> [RowChange] {
        guard s.status == .inProgress || s.status == .expired else { return [] }
        let email = try s.ownerID.flatMap { try rows.row(Self.users, key: [.text($0.rawValue)])?[1] } ?? .null
        return [.insert(s.status == .expired ? Self.expired : Self.sessions, [
            .text(s.id.rawValue), StoredValue(s.ownerID?.rawValue), email, .text(s.name), .text(s.fileName),
            .text(s.step.rawValue), StoredValue(s.progress), StoredValue(s.questionCount), StoredValue(s.questionsImported),
            StoredValue(s.jsonHash), .text(s.createdAt.description), .text(s.updatedAt.description),
            .text(s.lastAccessedAt.description), StoredValue(s.version),
        ])]
    }

    /// A row of `monitor_sessions`.
    public static func entry(_ row: StoredRow) -> MonitorEntry {
        let epoch = Timestamp(milliseconds: 0)
        return MonitorEntry(
            sessionID: SessionID(row[0].text ?? ""), ownerID: row[1].text.map { UserID($0) }, ownerEmail: row[2].text,
            name: row[3].text ?? "", fileName: row[4].text ?? "", step: ImportStep(rawValue: row[5].text ?? "") ?? .upload,
            progress: row[6].int, questionCount: row[7].int, questionsImported: row[8].int, jsonHash: row[9].text,
            createdAt: Timestamp(rfc3339: row[10].text ?? "") ?? epoch, updatedAt: Timestamp(rfc3339: row[11].text ?? "") ?? epoch,
            lastAccessedAt: Timestamp(rfc3339: row[12].text ?? "") ?? epoch, version: row[13].int)
    }
}
