import QuireCore

/// Times and durations on the command line, read by QuireCore's one `TimeSpan` syntax.
enum TimeArgument {
    /// `--since 24h`, `--until 2026-11-24T09:00:00Z`: an RFC 3339 time or a span before `now`.
    static func parse(_ raw: String, now: Timestamp, option: String) throws(QuireError) -> Timestamp {
        if let t = Timestamp.parse(raw, before: now) { return t }
        throw .usage("\(option) takes an RFC 3339 time (2026-11-25T09:00:00Z) or a duration ago (\(TimeSpan.examples)), not '\(raw)'.")
    }

    /// `--ttl 8h`: a span longer than zero and at most `limit`; a bare number is refused, not guessed.
    static func span(_ raw: String, option: String, limit: TimeSpan) throws(QuireError) -> TimeSpan {
        guard let span = TimeSpan(raw) else {
            let bare = !raw.isEmpty && raw.allSatisfy(\.isNumber)
            throw .usage("\(option) takes a duration with its unit (\(TimeSpan.examples))"
                         + (bare ? ", not a bare number: say '\(raw)s' or '\(raw)h'." : ", not '\(raw)'."))
        }
        guard span.milliseconds > 0, span.milliseconds <= limit.milliseconds else {
            throw .usage("\(option) must be longer than zero and at most \(limit), not '\(raw)'.")
        }
        return span
    }
}
