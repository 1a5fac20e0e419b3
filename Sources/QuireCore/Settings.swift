/// The settings stored in the log (`setting.changed` on the `settings` stream), as their events
/// leave them. Every process folds the same stream, so every process agrees on them.
public struct Settings: Equatable, Sendable {
    /// The keys quire knows, with what each is for (`quire settings`).
    public static let keys: [(key: String, about: String)] = [
        ("expire_after", "how long an in-progress session may stay idle before the sweep expires it (e.g. 14d; off to disable)"),
    ]

    /// Each key's value as last set.
    public var values: [String: String] = [:]

    public init(values: [String: String] = [:]) { self.values = values }

    public static func evolve(_ settings: Settings, _ event: Event) -> Settings {
        guard case .settingChanged(let e) = event else { return settings }
        var s = settings
        s.values[e.key] = e.value
        return s
    }

    /// The stale-session timeout, when one applies: the stored setting, else `fallback` (`serve
    /// --expire-after`, `sweep --expire-after`). A stored `off` turns it off whatever the fallback.
    public func expireAfter(fallback: TimeSpan?) -> TimeSpan? {
        guard let value = values["expire_after"] else { return fallback }
        return value == "off" ? nil : TimeSpan(value)
    }
}
