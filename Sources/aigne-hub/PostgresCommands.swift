import ArgumentParser
import Foundation
import HubCore
import HubPostgres

/// `aigne-hub migrate --to postgres://…`: copies a stopped SQLite hub into an empty PostgreSQL database.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a stopped SQLite hub into an empty PostgreSQL database, and verify the copy.",
        discussion: """
            Refuses while a hub runs on the data directory (hub.lock), and a target that holds any row or \
            tables of another application. Creates the schema if needed, copies every table in one \
            transaction, sets the id sequences past the largest ids, then checks row counts per table and \
            every user's ledger sum against their balance on both sides; any difference rolls everything \
            back and names the table or user. Keep the hub's secret.key: the copied provider secrets are \
            sealed with it: start the nodes with it (see docs/operations.md#postgresql).
            """)

    @Option(name: .long, help: ArgumentHelp("The PostgreSQL database: postgres://USER@HOST:PORT/DATABASE[?sslmode=MODE].", valueName: "url"))
    var to: String

    @Option(name: .long, help: ArgumentHelp("The SQLite hub to copy.", valueName: "dir"))
    var dataDir: String?

    @Option(name: .long, help: ArgumentHelp("A file whose first line is the PostgreSQL password (else the URL's, else $PGPASSWORD).", valueName: "file"))
    var passwordFile: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        guard case .postgres(let location) = try DatabaseLocation.resolve(database: to, dataDir: nil, passwordFile: passwordFile) else {
            throw HubError.invalid("--to takes a PostgreSQL URL")
        }
        let directory = DataDirectory.resolve(explicit: dataDir)
        guard directory.isInitialized else { throw HubError(.storage, "no hub in \(directory.path) to copy (pass --data-dir)") }
        try HubLock.acquire(directory)   // held until this process exits: no hub starts meanwhile
        let store = try HubStore.open(directory)
        let report = try await PostgresStore.open(location) { database in
            try await HubCopy.copy(from: store, to: database)
        }
        if json {
            print(SafeText.json(String(decoding: try HubJSON.encoder(pretty: true).encode(Summary(report, location)), as: UTF8.self)))
            return
        }
        print("Copied \(directory.path) into \(location) in \(Self.seconds(report.duration)) s (\(report.rows) rows).")
        var tables = TextTable("table", "SQLite rows", "PostgreSQL rows", "check", rightAligned: [1, 2])
        for check in report.tables {
            tables.add(check.table, "\(check.source)", "\(check.target)", check.source == check.target ? "ok" : "DIFFERS")
        }
        print(tables.rendered)
        var users = TextTable("user", "SQLite balance", "ledger sum", "PostgreSQL balance", "ledger sum", "check", rightAligned: [1, 2, 3, 4])
        for user in report.users {
            users.add(user.name, "\(Amount(nanos: user.sourceBalance))", "\(Amount(nanos: user.sourceLedger))",
                      "\(Amount(nanos: user.targetBalance))", "\(Amount(nanos: user.targetLedger))", user.holds ? "ok" : "DIFFERS")
        }
        print(users.rendered)
        print("Keep \(directory.secretKeyURL.path): the copied provider secrets are sealed with it.")
    }

    struct Summary: Encodable {
        var database: String
        var rows: Int64
        var seconds: Double
        var tables: [String: Int64]
        var usersChecked: Int
        init(_ report: CopyReport, _ location: PostgresLocation) {
            database = location.description
            rows = report.rows
            seconds = MigrateCommand.seconds(report.duration)
            tables = Dictionary(uniqueKeysWithValues: report.tables.map { ($0.table, $0.target) })
            usersChecked = report.users.count
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 * 1_000).rounded() / 1_000
    }
}

/// `init --database postgres://…` and the refusal of `serve` on PostgreSQL.
enum PostgresCommands {
    /// Creates the schema or brings it up to date (a second run changes nothing), and on the
    /// first run writes the hub's settings with the key check of this node's secret key (made in
    /// `directory` when it has none). A node whose key is not the hub's is refused.
    static func initialize(_ location: PostgresLocation, directory: DataDirectory, mode: DeploymentMode, json: Bool) async throws {
        let outcome = try await PostgresHub.initialize(location, directory: directory, mode: mode)
        if json {
            struct Created: Encodable {
                var database: String; var dataDir: String; var applied: [String]; var current: [String]
                var createdSettings: Bool; var createdKeyFile: Bool
            }
            let created = Created(database: location.description, dataDir: directory.path, applied: outcome.schema.applied,
                                  current: outcome.schema.current, createdSettings: outcome.createdSettings, createdKeyFile: outcome.createdKeyFile)
            print(SafeText.json(String(decoding: try HubJSON.encoder(pretty: true).encode(created), as: UTF8.self)))
            return
        }
        if outcome.schema.applied.isEmpty {
            print("The schema at \(location) is up to date (\(outcome.schema.current.count) migrations); nothing changed.")
        } else {
            print("Created the hub schema at \(location): \(outcome.schema.applied.count) migrations applied.")
        }
        if outcome.createdSettings {
            print("Wrote the hub's settings (mode: \(mode.rawValue)), sealed with this node's secret key.")
        } else {
            print("The hub's settings were there already; this node's secret key is the hub's.")
        }
        if outcome.createdKeyFile {
            print("Created \(directory.secretKeyURL.path): every node of this hub needs this same key (copy it, mode 600).")
        }
        if !outcome.schema.applied.isEmpty {
            print("Start nodes with `aigne-hub serve --database URL --data-dir DIR` (each DIR with this secret.key), or copy a SQLite hub in first with `aigne-hub migrate --to URL`.")
        }
    }
}
