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
    ],
    dependencies: [
        // SQLite over the system libsqlite3: the event log and the projections.
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // The CLI.
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // SHA-256 for the hash chain, the canonical-JSON hash and the blob addresses.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // Domain: ids, commands, events, state, decide/evolve, errors. Foundation only.
        .target(name: "QuireCore", swiftSettings: swiftSettings),
        // The SQLite event log: schema, migrations, append, read, hash chain, blobs.
        .target(
            name: "QuireStore",
            dependencies: [
                "QuireCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Projectors, checkpoints, rebuild, replay and verify.
        .target(
            name: "QuireProjections",
            dependencies: [
                "QuireCore", "QuireStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The one command handler and the queries; the CLI (and later the server) call it.
        .target(
            name: "QuireService",
            dependencies: [
                "QuireCore", "QuireStore", "QuireProjections",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The CLI: one file per command group, thin.
        .executableTarget(
            name: "quire",
            dependencies: [
                "QuireCore", "QuireService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "QuireCoreTests", dependencies: ["QuireCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "QuireStoreTests",
            dependencies: [
                "QuireCore", "QuireStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QuireProjectionsTests",
            dependencies: ["QuireCore", "QuireStore", "QuireProjections", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QuireServiceTests",
            dependencies: ["QuireCore", "QuireStore", "QuireProjections", "QuireService", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // End to end: runs the built `quire` binary.
        // FuzzCorpus/ holds inputs replayed by FuzzTests, read from the checkout, not bundled.
        .testTarget(name: "quireTests", dependencies: ["quire"], exclude: ["FuzzCorpus"], swiftSettings: swiftSettings),
    ]
)
