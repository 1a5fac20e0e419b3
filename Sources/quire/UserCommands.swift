import ArgumentParser
import QuireCore
import QuireService

extension Role: ExpressibleByArgument {}

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users (system admins only).",
        subcommands: [Add.self, List.self, SetRole.self, Deactivate.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a user.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Their email address.") var email: String
        @Option(help: "admin or system_admin.") var role: Role = .admin
        @Option(help: ArgumentHelp("Keep the id the web app already uses (its tokens' sub).", valueName: "uuid")) var id: String?

        func run() throws {
            let service = try options.openService()
            let outcome = try service.handle(.command(.registerUser(RegisterUser(email: email, role: role, id: id.map { UserID($0) }))),
                                             as: options.actorName)
            guard let user = outcome.user else { return }
            if options.json { Console.json(user) } else { Console.out(Render.registered(user)) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let users = try options.openService().users(as: options.actorName)
            if options.json { Console.json(users) } else { Console.out(Render.users(users)) }
        }
    }

    struct SetRole: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "role", abstract: "Change a user's role.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The user's email or id.") var user: String
        @Argument(help: "admin or system_admin.") var role: Role

        func run() throws {
            let outcome = try options.openService().handle(.command(.changeRole(ChangeRole(user: user, role: role))), as: options.actorName)
            guard let changed = outcome.user else { return }
            if options.json { Console.json(changed) } else { Console.out("\(changed.email) is now \(changed.role).") }
        }
    }

    struct Deactivate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a user from acting; their sessions stay.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The user's email or id.") var user: String
        @Option(help: "Why, for the audit trail.") var reason: String?

        func run() throws {
            let outcome = try options.openService().handle(.command(.deactivateUser(DeactivateUser(user: user, reason: reason))),
                                                           as: options.actorName)
            guard let changed = outcome.user else { return }
            if options.json { Console.json(changed) } else { Console.out("\(changed.email) is deactivated.") }
        }
    }
}
