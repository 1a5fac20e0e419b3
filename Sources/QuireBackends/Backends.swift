import QuireCore
import QuirePostgres
import QuireService
import QuireSQLite
import QuireStorage

/// The one place that turns a `--db` / `QUIRE_DB` value into a backend. Nothing else in quire
/// knows which backends exist: the service, the server and the CLI speak the storage contract.
public enum Backends {
    /// The backend a location names: a `postgresql://` (or `postgres://`) URL selects the
    /// PostgreSQL backend; anything else is an SQLite file path, the embedded default.
    public static func open(_ location: String, options: StorageOptions = StorageOptions()) throws(QuireError) -> any EventStorage {
        if PostgresLocation.isPostgres(location) {
            return try PostgresStore(url: location, options: options)
        }
        return try SQLiteStore(path: location, options: options)
    }

    /// A fresh in-memory SQLite database, for tests and throwaway runs.
    public static func inMemory() throws(QuireError) -> any EventStorage {
        try SQLiteStore.inMemory()
    }
}

extension QuireService {
    /// Opens the database at `location` (see `Backends.open`) and brings its projections up to date.
    ///
    /// `prepareProjections: false` opens it as it is, for `verify`, which must report what it finds
    /// rather than repair it first.
    public static func open(location: String, options: StorageOptions = StorageOptions(), paperLimit: Int = PaperFile.defaultLimit,
                            prepareProjections: Bool = true,
                            clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) throws(QuireError) -> QuireService {
        try QuireService.open(try Backends.open(location, options: options), paperLimit: paperLimit,
                              prepareProjections: prepareProjections, clock: clock)
    }
}
