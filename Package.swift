// swift-tools-version: 6.0
import PackageDescription

/// One set of settings for every target: Swift 6 language mode (strict concurrency)
/// and upcoming features that make the code read the way it behaves.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "quire",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "quire", targets: ["quire"]),
        .executable(name: "quire-bench", targets: ["quire-bench"]),
    ],
    dependencies: [
        // SQLite over the system libsqlite3: the event log and the projections.
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // The CLI.
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // SHA-256 for the hash chain, the canonical-JSON hash and the blob addresses.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // The HTTP service: server, JWT bearer tokens, metrics in the Prometheus text format, logs.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Already in the graph through Hummingbird; named so the server and its tests may import them.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // The pages `quire serve` renders: Mustache templates compiled into the binary.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // The PostgreSQL backend: the wire protocol, bound parameters, TLS for hosted databases.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // The live HTTP tests' client.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Domain: ids, commands, events, state, decide/evolve, errors. Foundation only.
        .target(name: "QuireCore", swiftSettings: swiftSettings),
        // The storage contract: what the service may ask of a backend, in quire's own values; the
        // hash chain's rule; projection tables declared as data. No driver.
        .target(
            name: "QuireStorage",
            dependencies: ["QuireCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The projection rules, backend-neutral: events in, row changes out.
        .target(name: "QuireProjections", dependencies: ["QuireCore", "QuireStorage"], swiftSettings: swiftSettings),
        // The SQLite backend (GRDB over the system libsqlite3): schema, migrations, triggers,
        // append, reads, the rebuild shadow, replay, audit queries, blobs. All of quire's SQLite SQL.
        .target(
            name: "QuireSQLite",
            dependencies: [
                "QuireCore", "QuireStorage", "QuireProjections",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, to bind the per-row statements' values directly (SQLiteBinding.swift).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL backend (postgres-nio): the same log, the same projection rules, row-level
        // security for the web app's own reads, LISTEN/NOTIFY for live tails. All of quire's
        // PostgreSQL SQL. Replay folds into an in-memory SQLite store (no copy of the log).
        .target(
            name: "QuirePostgres",
            dependencies: [
                "QuireCore", "QuireStorage", "QuireProjections", "QuireSQLite",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                // The head-row lock's hold time, through the process-wide MetricsSystem.
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The one command handler and the queries, on the storage contract; the CLI and the
        // server call it.
        .target(name: "QuireService", dependencies: ["QuireCore", "QuireStorage"], swiftSettings: swiftSettings),
        // The one place that turns `--db` / QUIRE_DB into a backend.
        .target(
            name: "QuireBackends",
            dependencies: ["QuireCore", "QuireStorage", "QuireService", "QuireSQLite", "QuirePostgres"],
            swiftSettings: swiftSettings
        ),
        // The HTTP service: routes, auth, group commit, server-sent events, metrics.
        .target(
            name: "QuireServer",
            dependencies: [
                "QuireCore", "QuireStorage", "QuireService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        // The CLI: one file per command group, thin.
        .executableTarget(
            name: "quire",
            dependencies: [
                "QuireCore", "QuireStorage", "QuireService", "QuireServer", "QuireBackends",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks (tools/bench): quire against bare SQLite in the same run.
        .executableTarget(
            name: "quire-bench",
            dependencies: [
                "QuireCore", "QuireStorage", "QuireProjections", "QuireSQLite", "QuireService", "QuireServer", "QuireBackends", "QuirePostgres",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test-only helpers shared by the test targets (a seeded generator, golden files, a random
        // workload): kept out of the shipped modules.
        .target(
            name: "QuireTestSupport",
            dependencies: ["QuireCore", "QuireStorage"],
            path: "Tests/QuireTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "QuireCoreTests", dependencies: ["QuireCore", "QuireTestSupport"], swiftSettings: swiftSettings),
        // The storage contract suite, run against every backend.
        .testTarget(
            name: "QuireStorageTests",
            dependencies: [
                "QuireCore", "QuireStorage", "QuireProjections", "QuireSQLite", "QuirePostgres", "QuireService", "QuireTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // What only the SQLite backend has: query plans, existing files from earlier versions.
        .testTarget(
            name: "QuireSQLiteTests",
            dependencies: ["QuireCore", "QuireStorage", "QuireProjections", "QuireSQLite", "QuireService"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        // What only the PostgreSQL backend has: roles and row-level security, query plans, several
        // processes on one database. Needs QUIRE_TEST_POSTGRES (tools/postgres start prints one).
        .testTarget(
            name: "QuirePostgresTests",
            dependencies: ["QuireCore", "QuireStorage", "QuireProjections", "QuirePostgres", "QuireSQLite", "QuireService", "QuireBackends", "QuireTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QuireProjectionsTests",
            dependencies: ["QuireCore", "QuireStorage", "QuireProjections", "QuireTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QuireServiceTests",
            dependencies: ["QuireCore", "QuireStorage", "QuireSQLite", "QuireService", "QuireBackends"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QuireServerTests",
            dependencies: [
                "QuireCore", "QuireStorage", "QuireService", "QuireServer", "QuireBackends", "QuireTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        // End to end: runs the built `quire` binary.
        // FuzzCorpus/ holds inputs replayed by FuzzTests, read from the checkout, not bundled.
        .testTarget(name: "quireTests", dependencies: ["quire", "QuireCore", "QuireTestSupport"], exclude: ["FuzzCorpus"],
                    swiftSettings: swiftSettings),
    ]
)
