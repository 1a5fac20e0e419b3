import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QuireCore
import QuireService
import ServiceLifecycle
import Synchronization

extension Routes {
    /// `GET /v1/events?after=N&limit=M`: the log in order, `{"events": […], "next_after": N}`.
    /// System admins see every event; admins the events they are the actor of.
    func events(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        let query = try request.query(allowing: ["after", "limit"])
        let after = try query.int64("after") ?? 0
        let limit = try query.int("limit", in: 1...1000) ?? 100
        let service = service, actor = context.actor
        let page = try await Blocking.run { () throws(QuireError) in try service.events(after: after, limit: limit, as: actor) }
        return JSONResponse.make(.ok, page)
    }

    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    /// `GET /v1/events/stream`: the same events as server-sent events, from `?after=N` or from the
    /// `Last-Event-ID` a reconnecting client sends (it wins). Each event's `id:` is its position,
    /// `event:` its type and `data:` the JSON of `GET /v1/events`, so a client that reconnects
    /// gets every event exactly once.
    func eventStream(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        let query = try request.query(allowing: ["after"])
        var resumeFrom = try query.int64("after") ?? 0
        if let raw = request.headers[Self.lastEventID] {
            guard let position = Int64(raw.trimmingCharacters(in: .whitespaces)), position >= 0 else {
                throw APIError.badRequest("Last-Event-ID must be an event position, not '\(raw)'.")
            }
            resumeFrom = position
        }
        let start = resumeFrom
        // Refuse a bad reader with a status now, not with a stream that ends at once.
        let service = service, actor = context.actor
        _ = try await Blocking.run { () throws(QuireError) in try service.events(after: start, limit: 1, as: actor) }
        return try streamResponse(request, after: start, as: actor, userKey: context.user?.id.rawValue ?? "", typed: true)
    }

    /// A server-sent-event response from `start`, counted against the user's open streams: one
    /// over `maxStreamsPerUser` is a 429 (a client reconnecting in a loop cannot pile them up).
    func streamResponse(_ request: Request, after start: Int64, as actor: ActorName, userKey: String, typed: Bool) throws -> Response {
        guard let ticket = streams.open(userKey) else {
            var error = APIError(status: .tooManyRequests, code: "too_many_streams",
                                 message: "You already have \(configuration.maxStreamsPerUser) event streams open; close one first.")
            error.headers[.retryAfter] = "5"
            throw error
        }
        let body = ResponseBody { writer in
            // The ticket is the body's: released when the stream ends, or when the response is
            // dropped without its body ever running (its head could not be written).
            _ = ticket
            // A client that goes away ends its stream at once (not at the next write that fails),
            // so that it stops counting against the user's streams.
            try await request.body.consumeWithCancellationOnInboundClose { _ in
                try await streamEvents(after: start, as: actor, typed: typed, to: &writer)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// Writes pages of events as they are committed, until the client goes away (a write fails),
    /// the reader loses access, or the server shuts down.
    /// `typed: false` leaves out the `event:` line, so that a page's `EventSource.onmessage` sees
    /// every event.
    func streamEvents(after start: Int64, as actor: ActorName, typed: Bool = true, to writer: inout any ResponseBodyWriter) async throws {
        let subscription = feed.subscribe()
        metrics.streamOpened()
        defer {
            feed.unsubscribe(subscription)
            metrics.streamClosed()
        }
        // Events from other processes (the CLI on the same file) arrive by polling, unless the
        // database announces every commit (PostgreSQL: LISTEN/NOTIFY, and a tick after a reconnect).
        let poll = configuration.streamPollInterval
        let polls = !feed.hearsOtherProcesses
        let poller = Task {
            while polls && !Task.isCancelled {
                try? await Task.sleep(for: poll)
                subscription.tick()
            }
        }
        defer { poller.cancel() }

        let service = service
        let heartbeat = configuration.streamHeartbeat
        let pageSize = 500
        var after = start
        var lastWrite = ContinuousClock.now
        try await writer.write(ByteBuffer(string: ": quire event stream\n\n"))
        try await withGracefulShutdownHandler {
            for await _ in subscription.ticks {
                let from = after
                let page: EventPage
                do throws(QuireError) {
                    page = try await Blocking.run { () throws(QuireError) in try service.events(after: from, limit: pageSize, as: actor) }
                } catch {
                    // The user was deactivated, or the database failed: say so, and end the stream.
                    try await writer.write(ByteBuffer(string: "event: error\ndata: \(Self.json(APIError.Body.Detail(code: error.code.rawValue, message: error.message)))\n\n"))
                    return
                }
                if !page.events.isEmpty {
                    var buffer = ByteBuffer()
                    for event in page.events {
                        buffer.writeString("id: \(event.position)\n" + (typed ? "event: \(event.type)\n" : "") + "data: \(Self.json(event))\n\n")
                    }
                    try await writer.write(buffer)
                    lastWrite = .now
                } else if ContinuousClock.now - lastWrite >= heartbeat {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    lastWrite = .now
                }
                after = page.nextAfter
                // A full page (or one that skipped others' events) may have more behind it.
                if page.nextAfter > from { subscription.tick() }
            }
        } onGracefulShutdown: {
            subscription.finish()
        }
    }

    /// One line of compact JSON (no newline can appear: JSON escapes them inside strings).
    static func json(_ value: some Encodable) -> String {
        (try? EventCoding.compact.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// How many event streams each user holds open.
final class StreamLimiter: Sendable {
    private let limit: Int
    private let counts = Mutex<[String: Int]>([:])

    init(limit: Int) { self.limit = limit }

    /// A ticket for one more stream of `user`, unless they already hold `limit`; the stream
    /// counts until the ticket is gone.
    func open(_ user: String) -> Ticket? {
        let granted = counts.withLock { counts in
            guard counts[user, default: 0] < limit else { return false }
            counts[user, default: 0] += 1
            return true
        }
        return granted ? Ticket { [self] in close(user) } : nil
    }

    private func close(_ user: String) {
        counts.withLock { counts in
            let n = counts[user, default: 1] - 1
            counts[user] = n > 0 ? n : nil
        }
    }

    final class Ticket: Sendable {
        private let release: @Sendable () -> Void
        init(release: @escaping @Sendable () -> Void) { self.release = release }
        deinit { release() }
    }
}
