import ArgumentParser
import Foundation
import HubCore
import HubPostgres

/// `aigne-hub init`: creates a data directory with its database and secret key.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new hub: its database and its secret key (mode 0600).",
        discussion: """
            The data directory is created with mode 0700; an existing one must belong to you and be closed to \
            other users. Refuses to touch a directory that already holds a hub.
            """)

    @Option(name: .long, help: ArgumentHelp("Where to create the hub.", valueName: "dir"))
    var dataDir: String?

    @Option(help: ArgumentHelp("enterprise or service-provider.", valueName: "mode"), transform: Parse.mode)
    var mode: DeploymentMode = .enterprise

    @Option(name: .long, help: ArgumentHelp("Create the schema and settings in this PostgreSQL database instead (postgres://USER@HOST:PORT/DATABASE; also $AIGNE_HUB_DATABASE_URL); --data-dir then holds this node's secret key: see docs/operations.md#postgresql.", valueName: "url"))
    var database: String?

    @Option(name: .long, help: ArgumentHelp("A file whose first line is the PostgreSQL password.", valueName: "file"))
    var passwordFile: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        if case .postgres(let location) = try DatabaseLocation.resolve(database: database, dataDir: dataDir, passwordFile: passwordFile) {
            return try await PostgresCommands.initialize(location, directory: DataDirectory.resolve(explicit: dataDir), mode: mode, json: json)
        }
        let directory = DataDirectory.resolve(explicit: dataDir)
        try HubStore.initialize(directory, mode: mode)
        if json {
            struct Created: Encodable { var dataDir: String; var mode: DeploymentMode }
            print(SafeText.json(String(decoding: try HubJSON.encoder(pretty: true).encode(Created(dataDir: directory.path, mode: mode)), as: UTF8.self)))
        } else {
            print("Created a hub in \(directory.path) (mode: \(mode.rawValue)).")
            print("Keep \(directory.secretKeyURL.lastPathComponent) safe: without it, stored provider secrets cannot be opened.")
        }
    }
}

/// `aigne-hub admin`: every admin operation, for scripts.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Administer a hub: mode, users, keys, providers, credentials, rates, usage, audit.",
        subcommands: [
            StatusCommand.self, ModeCommand.self, SettingsCommand.self, UsersCommand.self, KeysCommand.self,
            ProvidersCommand.self, CredentialsCommand.self, RatesCommand.self, UsageCommand.self,
            AuditCommand.self,
            PackagesCommand.self, PaymentsCommand.self, CodesCommand.self, PlansCommand.self, SubscriptionsCommand.self,
            NoticesCommand.self, RevenueCommand.self,
            TeamsCommand.self, BudgetsCommand.self, LimitsCommand.self,
            ReportCommand.self, RetentionCommand.self,
        ])
}
