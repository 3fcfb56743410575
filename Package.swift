// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "aigne-hub",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aigne-hub", targets: ["aigne-hub"]),
        .library(name: "HubCore", targets: ["HubCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        // Pinned: a looser requirement resolves to 4.x, which these machines serve too.
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
    ],
    targets: [
        .target(
            name: "HubCore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .systemLibrary(name: "CNCurses", providers: [.apt(["libncurses-dev"])]),
        .target(
            name: "CNCursesShim",
            linkerSettings: [.linkedLibrary("ncursesw")]
        ),
        .target(
            name: "HubConsole",
            dependencies: [
                "HubCore", "CNCurses", "CNCursesShim",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "aigne-hub",
            dependencies: [
                "HubCore",
                "HubConsole",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "HubCoreTests",
            dependencies: ["HubCore"]
        ),
        .testTarget(
            name: "HubConsoleTests",
            dependencies: ["HubConsole", "HubCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
