import ArgumentParser
import Foundation
import QuireBackends
import QuireCore
import QuireService
import QuireStorage

/// The options every command accepts after its name.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The database file (default: $QUIRE_DB, else ./quire.sqlite).", valueName: "path"))
    var db: String?

    @Option(name: [.customLong("as")], help: ArgumentHelp("Act as this user, by email or id (default: $QUIRE_USER).", valueName: "user"))
    var actor: String?

    @Flag(name: .long, help: "Print stable JSON (snake_case) instead of a table.")
    var json = false

    var databasePath: String {
        if let db, !db.isEmpty { return db }
        if let env = ProcessInfo.processInfo.environment["QUIRE_DB"], !env.isEmpty { return env }
        return "quire.sqlite"
    }

    var actorName: ActorName {
        ActorName(actor ?? ProcessInfo.processInfo.environment["QUIRE_USER"])
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
        try QuireService.open(location: databasePath, options: storeOptions, paperLimit: paperLimit)
    }
}

enum QuireCLI {
    /// Runs a command body, turning a `QuireError` into one sentence on stderr and its exit code.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as QuireError {
            Console.error(error.message)
            throw ExitCode(error.exitCode)
        }
    }
}
