import Foundation
import QuireCore

/// Where a PostgreSQL database is, read from a `postgresql://` (or `postgres://`) URL:
///
///     postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=quire&sslmode=prefer]
///
/// `schema` names the schema quire keeps its tables in (`quire` unless given), so one database can
/// hold quire beside the school's own tables. `sslmode` is `disable`, `prefer` (the default: TLS when
/// the server offers it), `require` (what hosted databases such as Supabase ask for) or
/// `verify-full`, as libpq reads them. The password may also come from `PGPASSWORD`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// As libpq reads `sslmode`: `prefer` and `require` encrypt without checking the server's
    /// certificate; `verify-full` (and `verify-ca`) also check it against the system's trust roots
    /// and the host name.
    public enum TLSMode: String, Sendable { case disable, prefer, require, verifyFull = "verify-full" }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var schema: String
    public var tls: TLSMode
    /// The URL exactly as given (password included): what `location` reports back to the caller.
    public var url: String

    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
    }

    public init(_ url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(QuireError) {
        guard Self.isPostgres(url), let parts = URLComponents(string: url), let host = parts.host, !host.isEmpty else {
            throw .usage("\(Self.redacted(url)) is not a PostgreSQL URL: write postgresql://USER@HOST:PORT/DATABASE.")
        }
        let database = String(parts.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw .usage("\(Self.redacted(url)) names no database: write postgresql://USER@HOST:PORT/DATABASE.")
        }
        self.url = url
        self.host = host
        self.port = parts.port ?? 5432
        self.user = parts.user.flatMap { $0.removingPercentEncoding } ?? environment["PGUSER"] ?? "postgres"
        self.password = parts.password.flatMap { $0.removingPercentEncoding } ?? environment["PGPASSWORD"]
        self.database = database.removingPercentEncoding ?? database
        var schema = "quire"
        var tls = TLSMode.prefer
        for item in parts.queryItems ?? [] {
            switch item.name {
            case "schema":
                schema = item.value ?? ""
            case "sslmode":
                switch item.value {
                case "disable": tls = .disable
                case "prefer", "allow": tls = .prefer
                case "require": tls = .require
                case "verify-ca", "verify-full": tls = .verifyFull
                default: throw .usage("sslmode=\(item.value ?? "") is not one of disable, prefer, require, verify-full.")
                }
            default:
                throw .usage("\(item.name) is not a setting quire reads from a PostgreSQL URL (it reads schema and sslmode).")
            }
        }
        // The schema name is written into SQL (identifiers cannot be bound parameters), so it is
        // held to what needs no quoting.
        guard schema.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw .usage("schema=\(schema) is not a plain lowercase PostgreSQL name (letters, digits and _, at most 63).")
        }
        self.schema = schema
        self.tls = tls
    }

    /// The URL without its password: what logs and error sentences show.
    public var description: String { Self.redacted(url) }

    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "***"
        return parts.string ?? url
    }
}
