import ArgumentParser
import QuireCore
import QuireService
import QuireStorage

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the database; register the first system admin when there is none.")

    @OptionGroup var options: FileOptions

    @Option(help: ArgumentHelp("The first system admin's email (needed when the database has none).", valueName: "email"))
    var admin: String?

    @Option(help: ArgumentHelp("Keep this id for the first system admin (the web app's user id).", valueName: "uuid"))
    var id: String?

    func run() throws {
        var storeOptions = options.storeOptions
        storeOptions.create = true
        let service = try DatabaseOptions.open(options.databasePath, options: storeOptions, paperLimit: options.paperLimit)
        let hasAdmin = try service.hasSystemAdmin()
        var registered: UserView?
        if let admin {
            if let existing = try service.user(named: admin) {
                guard existing.role == .systemAdmin, existing.active else {
                    throw QuireError.invalidInput("\(existing.email) is already registered as \(existing.role.rawValue); use `quire user role` to promote them.")
                }
            } else if hasAdmin {
                throw QuireError.forbidden("This database already has a system admin; they can add \(admin) with `quire user add`.")
            } else {
                let outcome = try service.handle(
                    .command(.registerUser(RegisterUser(email: admin, role: .systemAdmin, id: id.map { UserID($0) }))),
                    as: .system)
                registered = outcome.user
            }
        } else if !hasAdmin {
            Console.warning("The database has no system admin yet; run `quire init --admin EMAIL` to register one.")
        }
        if options.json {
            Console.json(InitResult(database: options.databasePath, systemAdmin: registered))
        } else {
            Console.out(Render.initialised(options.databasePath, admin: registered))
        }
    }

    struct InitResult: Encodable {
        var database: String
        var systemAdmin: UserView?
        enum CodingKeys: String, CodingKey { case database, systemAdmin = "system_admin" }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(database, forKey: .database)
            try c.encode(systemAdmin, forKey: .systemAdmin)
        }
    }
}
