import QuireCore
import QuireService
import QuireSQLite
import QuireStorage

/// The one place that turns a `--db` / `QUIRE_DB` value into a backend. Nothing else in quire
/// knows which backends exist: the service, the server and the CLI speak the storage contract.
public enum Backends {
    /// The backend a location names. Today every location is an SQLite file path (the embedded
    /// default); a `postgresql://` URL will select the PostgreSQL backend.
    public static func open(_ location: String, options: StorageOptions = StorageOptions()) throws(QuireError) -> any EventStorage {
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            throw .usage("This build of quire has no PostgreSQL backend yet; --db takes an SQLite file path.")
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
