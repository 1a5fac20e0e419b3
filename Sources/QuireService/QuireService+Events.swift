import Foundation
import QuireCore
import QuireStorage

/// One row of the `events` table as `GET /v1/events` and the event stream show it: the columns'
/// names, the hashes in hex, and the payload as the JSON object it stores. (`export` writes the
/// same row with the payload as its stored text: see `EventRow`.)
public typealias EventView = EventRow<JSONValue>

/// A page of the log as one reader may see it.
public struct EventPage: Sendable, Equatable, Codable {
    public var events: [EventView]
    /// The last position this page looked at: ask for events after it next. For an admin it can be
    /// past the last event shown, when the events in between were other actors'.
    public var nextAfter: Int64

    enum CodingKeys: String, CodingKey { case events, nextAfter = "next_after" }
}

extension QuireService {
    /// How many rows one `events` call examines at most, so that an admin's page over a long log
    /// of other people's events stays cheap; the caller continues from `nextAfter`.
    static let maxEventsScanned = 10_000

    /// Events after `position`, in log order, at most `limit`. A system admin sees every event; an
    /// admin only the events they are the actor of. The reader must be an active user.
    public func events(after position: Int64, limit: Int, as name: ActorName) throws(QuireError) -> EventPage {
        let me = try actingUser(name)
        guard limit > 0 else { throw .usage("limit must be at least 1.") }
        guard position >= 0 else { throw .usage("after must be zero or more.") }
        let everyone = me.role == .systemAdmin
        let mine = me.id.rawValue
        return try store.read { reader in
            var shown: [EventView] = []
            var cursor = position
            var scanned = 0
            while shown.count < limit && scanned < Self.maxEventsScanned {
                let chunk = try reader.events(after: cursor, limit: everyone ? limit - shown.count : min(1000, Self.maxEventsScanned - scanned))
                guard let last = chunk.last else { break }
                for record in chunk where everyone || record.actor == mine {
                    shown.append(EventView(record))
                    if shown.count == limit {
                        cursor = record.position
                        break
                    }
                }
                if shown.count < limit { cursor = last.position }
                scanned += chunk.count
            }
            return EventPage(events: shown, nextAfter: cursor)
        }
    }

    /// The position of the last event: how many events the log holds (`/healthz`).
    public func lastPosition() throws(QuireError) -> Int64 {
        try store.read { reader in try reader.eventCount() }
    }
}
