// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "aigne-hub",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aigne-hub", targets: ["aigne-hub"]),
        .library(name: "HubCore", targets: ["HubCore"]),
        .library(name: "HubAdmin", targets: ["HubAdmin"]),
        .library(name: "HubGateway", targets: ["HubGateway"]),
        .library(name: "HubConsole", targets: ["HubConsole"]),
        .library(name: "HubPostgres", targets: ["HubPostgres"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        // Pinned: a looser requirement resolves to 4.x, which these machines serve too.
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", "2.101.0"..<"2.102.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        // NIOHTTPTypes: the HTTP parts the connection deadlines handler sees (Hummingbird's own dependency).
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", exact: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        // RFC 4180 CSV for chargeback reports and usage exports.
        .package(url: "https://github.com/yaslab/CSV.swift", exact: "2.5.2"),
    ],
    targets: [
        // The domain and its storage: money, records, the ledger, the rules, the store. No networking
        // (no SwiftNIO, no HTTP), nothing about terminals, no UI prose (texts are codes + parameters).
        .target(
            name: "HubCore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                // RFC 4180 CSV for reports and exports (ReportCSV).
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        // The admin protocol in one place: wire types, HubConnection (socket | database), the socket
        // client and server, the peer policy, the live feed.
        .target(
            name: "HubAdmin",
            dependencies: [
                "HubCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The running hub: HTTP API, upstream adapters, metering (the admin socket server is HubAdmin's).
        .target(
            name: "HubGateway",
            dependencies: [
                "HubCore",
                "HubAdmin",
                .product(name: "Hummingbird", package: "hummingbird"),
                // MaximumAvailableConnections (the connection cap).
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // PostgreSQL: the database location, the schema as versioned migrations, init and the copy from
        // SQLite (HubCore stays free of SwiftNIO and postgres-nio; this module brings them).
        .target(
            name: "HubPostgres",
            dependencies: [
                "HubCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // DatabaseValue: what StoreDB's statements take and give, on PostgreSQL too.
                .product(name: "GRDB", package: "GRDB.swift"),
                // NIOThreadPool: where PostgresBackend's synchronous transactions block.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Developer tools, never in the production gateway: the mock upstream and the load generator.
        .target(
            name: "HubDevTools",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The terminal console: ncursesw, a C shim for its macros, and the panes.
        .systemLibrary(name: "CNCurses", providers: [.apt(["libncurses-dev"])]),
        .target(
            name: "CNCursesShim",
            linkerSettings: [.linkedLibrary("ncursesw")]
        ),
        .target(
            name: "HubConsole",
            dependencies: [
                "HubCore", "HubAdmin", "CNCurses", "CNCursesShim",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "aigne-hub",
            dependencies: [
                "HubCore",
                "HubAdmin",
                "HubGateway",
                "HubDevTools",
                "HubConsole",
                "HubPostgres",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What the test targets share: the built binary and how to run it, a seeded generator.
        .target(
            name: "HubTestSupport",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/HubTestSupport"
        ),
        .testTarget(
            name: "HubCoreTests",
            dependencies: ["HubCore", "HubAdmin", "HubTestSupport"]
        ),
        .testTarget(
            name: "HubGatewayTests",
            dependencies: [
                "HubGateway", "HubCore", "HubDevTools", "HubTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "AdminSocketTests",
            dependencies: [
                "HubCore",
                "HubAdmin",
                // The conformance suite's PostgreSQL endpoint (a throwaway server from HubTestSupport).
                "HubPostgres",
                "HubTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "HubPostgresTests",
            dependencies: [
                "HubPostgres", "HubCore", "HubTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "HubConsoleTests",
            dependencies: ["HubConsole", "HubAdmin", "HubCore", "HubTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
