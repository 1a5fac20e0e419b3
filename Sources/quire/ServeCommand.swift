import ArgumentParser
import Foundation
import QuireBackends
import QuireCore
import QuireServer
import QuireService
import QuireStorage

/// `quire serve`: the HTTP service on the same database.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP service (JSON under /v1, bearer tokens signed with $QUIRE_JWT_SECRET).",
        discussion: """
            Listens on 127.0.0.1 unless --host says otherwise. Needs $QUIRE_JWT_SECRET, the HS256 secret that \
            `quire token issue` (or Supabase) signs tokens with. Stops on SIGINT or SIGTERM, letting open requests finish.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 8080
    @Flag(help: "One transaction per command instead of group commit (for benchmarks).") var noGroupCommit = false
    @Flag(help: "Build the demo database first (quire demo), serve it, and print a token for each demo user.") var demo = false
    @Option(help: ArgumentHelp("The key GET /v1/checkpoint signs with (default: $QUIRE_SIGNING_KEY).", valueName: "file"))
    var signingKey: String?

    func run() async throws {
        try await QuireCLI.runAsync {
            guard (0...65535).contains(port) else { throw QuireError.usage("--port must be from 0 to 65535.") }
            var secret: String
            var service: QuireService
            if demo {
                let path = options.db ?? "quire-demo.sqlite"
                let tour = try Demo.parse(["--db", path])
                try tour.run()
                service = try QuireService.open(location: path, options: options.storeOptions, paperLimit: options.paperLimit)
                if let given = ProcessInfo.processInfo.environment["QUIRE_JWT_SECRET"], !given.isEmpty {
                    secret = given
                } else {
                    // Said out loud, not a silent default: this secret lives only as long as this demo server.
                    secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
                    Console.out("\nQUIRE_JWT_SECRET is not set, so this demo server signs its tokens with a fresh random secret.")
                }
                Console.out("\nTokens for the demo users (valid 8 hours):")
                for email in [Demo.ops, Demo.alice, Demo.bob] {
                    guard let user = try service.user(named: email) else { continue }
                    let token = try await TokenAuthority(secret: secret).issue(for: user.id, ttl: 8 * 3600)
                    Console.out("  \(email): \(token)")
                }
                Console.out("Try: curl -s -H \"Authorization: Bearer <alice's token>\" http://\(host):\(port)/v1/sessions\n")
            } else {
                secret = try Secret.jwt()
                service = try options.openService()
            }
            let key = try KeyOptions.parse(signingKey.map { ["--signing-key", $0] } ?? []).signingKeyPath
                .map { path throws(QuireError) in try SigningKey(contentsOf: path) }
            let configuration = QuireServerConfiguration(host: host, port: port, jwtSecret: secret, groupCommit: !noGroupCommit,
                                                         signingKey: key)
            FileHandle.standardError.write(Data("quire: serving \(service.location ?? options.databasePath) on http://\(host):\(port)\n".utf8))
            try await runServer(service: service, configuration: configuration)
        }
    }
}

/// `quire token issue`: mints a bearer token for a user.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Mint bearer tokens for the HTTP service.", subcommands: [Issue.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a bearer token for a user (HS256 with $QUIRE_JWT_SECRET; sub = the user's id).",
            discussion: "The token alone goes to standard output: export QUIRE_TOKEN=$(quire token issue --user you@example.com).")

        @OptionGroup var options: GlobalOptions
        @Option(help: ArgumentHelp("The user, by email or id; registered and active.", valueName: "email")) var user: String
        @Option(help: ArgumentHelp("How long the token is valid: 90s, 30m, 8h, 7d.", valueName: "duration")) var ttl = "8h"

        func run() async throws {
            try await QuireCLI.runAsync {
                let seconds = try Secret.duration(ttl)
                let secret = try Secret.jwt()
                let service = try options.openService()
                guard let found = try service.user(named: user) else {
                    throw QuireError.unknownUser("No registered user is called \(user).")
                }
                guard found.active else { throw QuireError.unknownUser("\(found.email) is deactivated; a token for them would be refused.") }
                let token = try await TokenAuthority(secret: secret).issue(for: found.id, ttl: seconds)
                Console.out(token)
            }
        }
    }
}

enum Secret {
    /// `$QUIRE_JWT_SECRET`, or a usage error (exit 64) saying how to set it.
    static func jwt() throws(QuireError) -> String {
        guard let secret = ProcessInfo.processInfo.environment["QUIRE_JWT_SECRET"], !secret.isEmpty else {
            throw .usage("QUIRE_JWT_SECRET is not set: export the HS256 secret tokens are signed with (e.g. export QUIRE_JWT_SECRET=$(openssl rand -hex 32)).")
        }
        return secret
    }

    /// `90s`, `30m`, `8h`, `7d` (or plain seconds) as seconds.
    static func duration(_ raw: String) throws(QuireError) -> TimeInterval {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var text = Substring(raw)
        var scale = 1.0
        if let unit = text.last, let s = units[unit] {
            scale = s
            text = text.dropLast()
        }
        guard let n = Double(text), n > 0, n.isFinite, n * scale <= 366 * 86_400 else {
            throw .usage("--ttl takes a duration such as 30m, 8h or 7d (at most a year), not '\(raw)'.")
        }
        return n * scale
    }
}

extension QuireCLI {
    /// `run` for async commands: a `QuireError` becomes one sentence on stderr and its exit code.
    static func runAsync(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as QuireError {
            Console.error(error.message)
            throw ExitCode(error.exitCode)
        }
    }
}
