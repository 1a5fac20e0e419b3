import ArgumentParser
import Foundation
import QuireBackends
import QuireCore
import QuireService
import QuireStorage

/// Where the database is: `--db`, else `$QUIRE_DB`, else `./quire.sqlite` — an SQLite file path,
/// or a `postgresql://` URL for the PostgreSQL backend. Commands that act for
/// nobody and print no JSON (`serve`, `token issue`, `demo`) take only this.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The database: an SQLite file, or postgresql://USER@HOST:PORT/DB[?schema=S] (default: $QUIRE_DB, else ./quire.sqlite).", valueName: "path|url"))
    var db: String?

    var databasePath: String {
        if let db, !db.isEmpty { return db }
        if let env = ProcessInfo.processInfo.environment["QUIRE_DB"], !env.isEmpty { return env }
        return "quire.sqlite"
    }

    /// `QUIRE_DURABILITY=normal` trades the last transactions on power loss for speed; FULL by default.
    var storeOptions: StorageOptions {
        var options = StorageOptions()
        if ProcessInfo.processInfo.environment["QUIRE_DURABILITY"]?.lowercased() == "normal" { options.durability = .normal }
        return options
    }

    /// `QUIRE_MAX_PAPER_BYTES` overrides the 16 MiB limit on paper files.
    var paperLimit: Int {
        ProcessInfo.processInfo.environment["QUIRE_MAX_PAPER_BYTES"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
            ?? PaperFile.defaultLimit
    }

    func openService() throws(QuireError) -> QuireService {
        try Self.open(databasePath, options: storeOptions, paperLimit: paperLimit)
    }

    /// The CLI's one way from a `--db` / QUIRE_DB value to a service: `QuireBackends` decides which
    /// backend the location names. No other file of the CLI knows that backends exist.
    static func open(_ location: String, options: StorageOptions = StorageOptions(), paperLimit: Int = PaperFile.defaultLimit,
                     prepareProjections: Bool = true) throws(QuireError) -> QuireService {
        try QuireService.open(location: location, options: options, paperLimit: paperLimit, prepareProjections: prepareProjections)
    }
}

/// `--db` and `--json`, for the commands that work on the file itself and act for nobody
/// (`init`, `verify`, `rebuild`, `import`), so `--as` is not offered where it would be ignored.
struct FileOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions

    @Flag(name: .long, help: "Print stable JSON (snake_case) instead of a table.")
    var json = false

    var databasePath: String { database.databasePath }
    var storeOptions: StorageOptions { database.storeOptions }
    var paperLimit: Int { database.paperLimit }

    func openService() throws(QuireError) -> QuireService { try database.openService() }
}

/// The options every command that acts for a user accepts after its name.
struct GlobalOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions

    @Option(name: [.customLong("as")], help: ArgumentHelp("Act as this user, by email or id (default: $QUIRE_USER).", valueName: "user"))
    var actor: String?

    @Flag(name: .long, help: "Print stable JSON (snake_case) instead of a table.")
    var json = false

    var db: String? { database.db }
    var databasePath: String { database.databasePath }
    var storeOptions: StorageOptions { database.storeOptions }
    var paperLimit: Int { database.paperLimit }

    var actorName: ActorName {
        ActorName(actor ?? ProcessInfo.processInfo.environment["QUIRE_USER"])
    }

    func openService() throws(QuireError) -> QuireService { try database.openService() }
}
