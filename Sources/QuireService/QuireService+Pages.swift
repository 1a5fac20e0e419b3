import Foundation
import QuireCore
import QuireStorage

/// The audit trail's filters in plain values, as the pages (and any edge) take them: the same
/// filters as `quire audit`, with `before` for paging back.
public struct AuditQuery: Sendable, Equatable {
    /// A user's email or id, or `system`.
    public var actor: String?
    public var session: String?
    /// Type prefixes: `session.` matches every session event.
    public var types: [String]
    public var since: Timestamp?
    public var until: Timestamp?
    public var deniedOnly: Bool
    /// Only events before this position (the last position of the previous page).
    public var before: Int64?
    public var limit: Int

    public init(actor: String? = nil, session: String? = nil, types: [String] = [], since: Timestamp? = nil,
                until: Timestamp? = nil, deniedOnly: Bool = false, before: Int64? = nil, limit: Int = 100) {
        self.actor = actor
        self.session = session
        self.types = types
        self.since = since
        self.until = until
        self.deniedOnly = deniedOnly
        self.before = before
        self.limit = limit
    }
}

/// What the pages ask that the CLI does not: built only on the service's public queries.
extension QuireService {
    /// The audit trail with the query's filters, newest first, with the same scope rules as
    /// `audit(_:actorName:as:)`: an admin reads their own actions.
    public func audit(_ query: AuditQuery, as name: ActorName) throws(QuireError) -> [AuditRow] {
        let filter = AuditFilter(session: query.session.map { SessionID($0) }, types: query.types, since: query.since,
                                     until: query.until, deniedOnly: query.deniedOnly, before: query.before, limit: query.limit)
        return try audit(filter, actorName: query.actor, as: name)
    }

    /// How many events were recorded in each of the last `hours` hours, oldest hour first (the
    /// monitor's chart). System admins only, like the monitor; reads at most `cap` events.
    public func eventsPerHour(hours: Int, as name: ActorName, cap: Int = 100_000) throws(QuireError) -> [Int] {
        try authorize(.monitor, as: name)
        let now = self.now
        let hourMs: Int64 = 3_600_000
        // Hours end on the hour, so the chart's bars do not shift every minute.
        let end = (now.milliseconds / hourMs + 1) * hourMs
        let start = end - Int64(hours) * hourMs
        var counts = [Int](repeating: 0, count: hours)
        var before: Int64?
        var read = 0
        while read < cap {
            let page = try audit(AuditQuery(since: Timestamp(milliseconds: start), before: before, limit: 5000), as: name)
            for row in page {
                guard let t = Timestamp(rfc3339: row.recordedAt) else { continue }
                let index = Int((t.milliseconds - start) / hourMs)
                if counts.indices.contains(index) { counts[index] += 1 }
            }
            read += page.count
            guard page.count == 5000, let last = page.last else { break }
            before = last.position
        }
        return counts
    }
}

extension QuireService {
    /// The emails of these users (by id), for the pages to name an owner, a collaborator or the
    /// recipient of an offer on a session the actor has already reached. Unknown ids are left out.
    public func emails(of ids: [String], as name: ActorName) throws(QuireError) -> [String: String] {
        _ = try actingUser(name)
        let wanted = Array(Set(ids)).map { UserID($0) }
        guard !wanted.isEmpty else { return [:] }
        return try store.read { reader in
            Dictionary(try reader.users(wanted).map { ($0.id.rawValue, $0.email) }) { a, _ in a }
        }
    }
}
