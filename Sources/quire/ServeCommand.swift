import ArgumentParser
import Foundation
import QuireCore
import QuireServer
import QuireService
import QuireStorage

/// `quire serve`: the HTTP service and its pages on the same database.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP service (JSON under /v1, pages at /, bearer tokens signed with $QUIRE_JWT_SECRET).",
        discussion: """
            Listens on 127.0.0.1 unless --host says otherwise. Needs $QUIRE_JWT_SECRET, the HS256 secret that \
            `quire token issue` (or Supabase) signs tokens with. Stops on SIGINT or SIGTERM, letting open requests finish.
            """)

    @OptionGroup var options: DatabaseOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 8080
    @Flag(help: "One transaction per command instead of group commit (for benchmarks).") var noGroupCommit = false
    @Flag(help: "Build the demo database first (quire demo), serve it, and print a token for each demo user.") var demo = false
    @Option(name: .customLong("cors-origin"), help: ArgumentHelp("An origin whose pages may call /v1 from a browser (repeatable).", valueName: "origin"))
    var corsOrigins: [String] = []
    @Option(help: ArgumentHelp("The key GET /v1/checkpoint signs with (default: $QUIRE_SIGNING_KEY).", valueName: "file"))
    var signingKey: String?
    @Option(help: ArgumentHelp("Expire in-progress sessions idle this long while the log has no expire_after setting.", valueName: "duration"))
    var expireAfter: String?
    @Option(help: ArgumentHelp("How often to sweep for stale sessions.", valueName: "duration")) var sweepEvery = "1m"

    func run() async throws {
        guard (0...65535).contains(port) else { throw QuireError.usage("--port must be from 0 to 65535.") }
        let fallback = try expireAfterArgument(expireAfter)
        guard let sweepSpan = TimeSpan(sweepEvery), sweepSpan.milliseconds >= 1000 else {
            throw QuireError.usage("--sweep-every takes a duration of at least 1s (\(TimeSpan.examples)), not '\(sweepEvery)'.")
        }
        var secret: String
        var service: QuireService
        var signIns: [DemoSignIn] = []
        if demo {
            let path = options.db ?? "quire-demo.sqlite"
            let tour = try Demo.parse(["--db", path])
            try tour.run()
            service = try DatabaseOptions.open(path, options: options.storeOptions, paperLimit: options.paperLimit)
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
                signIns.append(DemoSignIn(email: email, role: user.role.rawValue, token: token))
            }
            Console.out("Try: curl -s -H \"Authorization: Bearer <alice's token>\" http://\(host):\(port)/v1/sessions")
        } else {
            secret = try Secret.jwt()
            service = try options.openService()
        }
        let key = try KeyOptions.parse(signingKey.map { ["--signing-key", $0] } ?? []).signingKeyPath
            .map { path throws(QuireError) in try SigningKey(contentsOf: path) }
        let configuration = QuireServerConfiguration(host: host, port: port, jwtSecret: secret, groupCommit: !noGroupCommit,
                                                     corsOrigins: corsOrigins, demoSignIns: signIns, signingKey: key,
                                                     expireAfter: fallback, sweepInterval: .milliseconds(sweepSpan.milliseconds))
        // Refused in one sentence before anything says "serving".
        try configuration.validate()
        if demo {
            Console.out("""

                Open http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)/ in a browser and sign in with one click:
                  \(Demo.alice) and \(Demo.bob) are admins (try each in its own window: neither sees the other's imports),
                  \(Demo.ops) is the system admin who watches both on the monitor.

                """)
        }
        FileHandle.standardError.write(Data("quire: serving \(service.location ?? options.databasePath) on http://\(host):\(port)\n".utf8))
        try await runServer(service: service, configuration: configuration)
        // runServer returns once SIGINT or SIGTERM has stopped the server and open requests finished.
        FileHandle.standardError.write(Data("quire: stopped serving \(service.location ?? options.databasePath)\n".utf8))
    }
}
