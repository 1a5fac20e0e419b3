import QuireCore
import QuireStorage

/// Consecutive events of the log, decoded, that a rebuild or replay folds together.
///
/// Most of a session's events follow its creation closely, so most sessions begin and reach
/// their latest state within one batch. `newSessions` holds exactly those, already folded by
/// `SessionState.evolve`: a projector whose rows follow from a session's state writes each of
/// them once per batch instead of once per event.
public struct EventBatch: Sendable {
    public let events: [(record: RecordedEvent, event: Event)]
    /// The sessions created in this batch, each folded over all of the batch's events.
    public let newSessions: [SessionID: SessionState]
    /// The event that created each of `newSessions` (its position and recorded time).
    public let creations: [SessionID: RecordedEvent]
    /// The events `newSessions` does not include (users', denials, older sessions'), in order.
    public let unfolded: [(record: RecordedEvent, event: Event)]

    public init(_ events: [(record: RecordedEvent, event: Event)]) {
        self.events = events
        var sessions: [SessionID: SessionState] = [:]
        var creations: [SessionID: RecordedEvent] = [:]
        for (record, event) in events {
            if case .sessionCreated(let created) = event {
                if sessions[created.sessionID] == nil,
                   let state = SessionState.evolve(nil, event, version: record.version, at: record.timestamp) {
                    sessions[created.sessionID] = state
                    creations[created.sessionID] = record
                }
            } else if case .accessDenied = event {
                continue  // names a session but never changes it
            } else if let id = event.sessionID, let state = sessions.removeValue(forKey: id) {
                // Taken out of the dictionary while it evolves, so that its metadata is not shared
                // (and copied) when an update merges into it.
                sessions[id] = SessionState.evolve(state, event, version: record.version, at: record.timestamp) ?? state
            }
        }
        newSessions = sessions
        self.creations = creations
        unfolded = sessions.isEmpty ? events : events.filter { _, event in
            if case .accessDenied = event { return true }
            guard let id = event.sessionID else { return true }
            return sessions[id] == nil
        }
    }

    public var last: Int64? { events.last?.record.position }
}
