import ArgumentParser
import Foundation
import QuireCore
import QuireServer
import QuireService

/// `quire token issue`: mints a bearer token for a user.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Mint bearer tokens for the HTTP service.", subcommands: [Issue.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a bearer token for a user (HS256 with $QUIRE_JWT_SECRET; sub = the user's id).",
            discussion: "The token alone goes to standard output: export QUIRE_TOKEN=$(quire token issue --user you@example.com).")

        @OptionGroup var options: DatabaseOptions
        @Option(help: ArgumentHelp("The user, by email or id; registered and active.", valueName: "email")) var user: String
        @Option(help: ArgumentHelp("How long the token is valid: 90s, 30m, 8h, 7d (at most 366d).", valueName: "duration")) var ttl = "8h"

        func run() async throws {
            let span = try TimeArgument.span(ttl, option: "--ttl", limit: TimeSpan(milliseconds: 366 * 86_400_000))
            let secret = try Secret.jwt()
            let service = try options.openService()
            guard let found = try service.user(named: user) else {
                throw QuireError.unknownUser("No registered user is called \(user).")
            }
            guard found.active else { throw QuireError.unknownUser("\(found.email) is deactivated; a token for them would be refused.") }
            let token = try await TokenAuthority(secret: secret).issue(for: found.id, ttl: span.seconds)
            Console.out(token)
        }
    }
}
