import Foundation
import QuireCore
import QuireStorage

/// Which view `replay` prints.
public enum ReplayView: String, Sendable, CaseIterable, Codable {
    case sessions, monitor, duplicates
}

/// A view as it was at a past position of the log.
public struct ReplayResult: Sendable, Equatable, Codable {
    public var position: Int64
    /// When the event at `position` was recorded; `nil` before the first event.
    public var asOf: String?
    public var view: ReplayView
    public var sessions: [SessionView]?
    public var monitor: [MonitorView]?
    public var duplicates: [DuplicateGroup]?
    /// Said when the view is empty because of when it was asked for: nothing recorded yet then, or
    /// the user not registered yet.
    public var note: String?

    public struct DuplicateGroup: Sendable, Equatable, Codable {
        public var ownerID: String
        public var ownerEmail: String?
        public var jsonHash: String
        public var sessions: [String]
        enum CodingKeys: String, CodingKey { case ownerID = "owner_id", ownerEmail = "owner_email", jsonHash = "json_hash", sessions }
    }

    enum CodingKeys: String, CodingKey { case position, asOf = "as_of", view, sessions, monitor, duplicates, note }
}

extension QuireService {
    /// The position a replay stops at: a position, or the last event recorded at or before a time.
    public func position(untilPosition: Int64?, untilTime: Timestamp?) throws(QuireError) -> Int64 {
        try store.read { reader in
            let head = try reader.eventCount()
            if let p = untilPosition {
                guard p >= 0 else { throw QuireError.usage("--until-position must be zero or more.") }
                return min(p, head)
            }
            if let t = untilTime { return try reader.position(atOrBefore: t) }
            return head
        }
    }

    /// Replays the log into a fresh in-memory database up to `position` and shows `view` as the
    /// live command would have shown it then. The `sessions` view is one user's list: an admin may
    /// replay their own; a system admin anyone's, and the monitor and duplicate index.
    ///
    /// `requestedTime` is the `--until-time` the position was found for, so that an empty answer can
    /// say what was asked.
    public func replay(until position: Int64, view: ReplayView, for subject: String? = nil, as name: ActorName,
                       requestedTime: Timestamp? = nil, progress: StorageProgress? = nil) throws(QuireError) -> ReplayResult {
        let me = try actingUser(name)
        let subjectUser: UserState
        if let subject {
            guard let u = try user(named: subject) else { throw .unknownUser("No registered user is called \(subject).") }
            subjectUser = u
        } else {
            subjectUser = me
        }
        if me.role != .systemAdmin, view != .sessions || subjectUser.id != me.id {
            try recordDenial(AccessDenied(command: "replay", target: view == .sessions ? subjectUser.id.stream : view.rawValue, reason: .role),
                             as: name)
            throw .forbidden("Only a system admin may replay the \(view == .sessions ? "sessions of other users" : view.rawValue).")
        }
        let past = try store.replay(until: position, progress: progress)
        // The log never changes, so the live file's event at that position is the one replayed to.
        let (last, first): (RecordedEvent?, RecordedEvent?) = try store.read { reader in
            (position > 0 ? try reader.events(after: position - 1, limit: 1).first : nil, try reader.events(after: 0, limit: 1).first)
        }
        let asOf = last?.timestamp ?? requestedTime ?? Timestamp(milliseconds: 0)
        let then = QuireService(store: past, paperLimit: paperLimit, clock: { asOf })
        var result = ReplayResult(position: last?.position ?? 0, asOf: last?.recordedAt, view: view)
        let asked = requestedTime.map { "before \($0)" } ?? "at or before position \(position)"
        if last == nil {
            // Nothing had happened yet: the empty view, and why.
            result.note = first.map { "No event was recorded \(asked); the log starts at position 1, recorded \($0.recordedAt)." }
                ?? "No event was recorded \(asked); the log is empty."
        }
        switch view {
        case .sessions:
            guard try then.user(named: subjectUser.id.rawValue) != nil else {
                result.sessions = []
                if last != nil {
                    let whose = subjectUser.id == me.id ? "You were" : "\(subjectUser.email) was"
                    result.note = "\(whose) not registered yet as of position \(position) (\(last!.recordedAt)): registered at \(subjectUser.registeredAt), the session list was empty before that."
                }
                return result
            }
            result.sessions = try then.store.read { reader in
                try reader.sessions(visibleTo: subjectUser.id).map { SessionView($0, ownerEmail: $0.ownerID == nil ? nil : subjectUser.email) }
            }
        case .monitor:
            result.monitor = try then.store.read { reader in
                try Self.monitorRows(try reader.monitor(accessedBefore: nil, limit: 1000, offset: 0), now: asOf, reader)
            }
        case .duplicates:
            result.duplicates = try then.store.read { reader in
                let emails = Dictionary(try reader.users().map { ($0.id.rawValue, $0.email) }) { a, _ in a }
                return try reader.duplicateGroups().map {
                    ReplayResult.DuplicateGroup(ownerID: $0.owner.rawValue, ownerEmail: emails[$0.owner.rawValue],
                                                jsonHash: $0.jsonHash, sessions: $0.sessions.map(\.rawValue))
                }
            }
        }
        return result
    }
}
