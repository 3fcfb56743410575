import Foundation
@testable import HubCore
@testable import HubPostgres
import HubTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL foundation against a real PostgreSQL server (``PostgresServer``): the database
/// location and its password, the schema, `init`, `migrate` and `serve`'s refusal.
@Suite(.serialized) struct PostgresTests {
    // MARK: - Location

    @Test func locationsParseAndNeverShowThePassword() throws {
        let secret = "s3cr@t-Pa55"
        let location = try PostgresLocation(parsing: "postgres://alice:s3cr%40t-Pa55@db.example:6543/hub?sslmode=require", environment: [:])
        #expect(location.host == "db.example" && location.port == 6543 && location.user == "alice" && location.database == "hub")
        #expect(location.sslMode == .require && location.password == secret && location.passwordSource == "the URL")
        var dumped = ""
        dump(location, to: &dumped)
        for shown in [location.description, String(reflecting: location), "\(location)", dumped,
                      DatabaseLocation.postgres(location).description] {
            #expect(!shown.contains("s3cr"), "the password shows in \(shown)")
        }
        #expect(location.description == "postgres://alice@db.example:6543/hub?sslmode=require")

        // The password file, else PGPASSWORD; the URL's own password first.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pg-pass-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("from-file\nignored\n".utf8).write(to: file)
        let environment = ["PGPASSWORD": "from-env"]
        #expect(try PostgresLocation(parsing: "postgres://u@h/db", passwordFile: file.path, environment: environment).password == "from-file")
        #expect(try PostgresLocation(parsing: "postgres://u@h/db", environment: environment).password == "from-env")
        #expect(try PostgresLocation(parsing: "postgres://u:url@h/db", passwordFile: file.path, environment: environment).password == "url")
        let plain = try PostgresLocation(parsing: "postgresql://u@[::1]/db", environment: [:])
        #expect(plain.password == nil && plain.host == "::1" && plain.port == 5432 && plain.sslMode == .prefer)
        #expect(plain.description == "postgres://u@[::1]:5432/db?sslmode=prefer")

        // Bad locations: a clear error that never echoes the password.
        let refused: [(String, String)] = [
            ("postgres://u:topsecret@h:5432/", "names no database"),
            ("postgres://:topsecret@h/db", "names no user"),
            ("postgres://u:topsecret@h/db?sslmode=verify-ca", "sslmode 'verify-ca' is not supported"),
            ("postgres://u:topsecret@h/db?sslmode=allow", "sslmode 'allow' is not supported"),
            ("postgres://u:topsecret@h/db?application_name=x", "only sslmode is understood"),
            ("postgres://u:topsecret@h:0/db", "port must be 1 to 65535"),
            ("mysql://u:topsecret@h/db", "postgres://USER@HOST:PORT/DATABASE"),
        ]
        for (url, expected) in refused {
            let error = #expect(throws: HubError.self) { try PostgresLocation(parsing: url, environment: [:]) }
            #expect(error?.message.contains(expected) == true, "\(url): \(error?.message ?? "no error")")
            #expect(error?.message.contains("topsecret") == false)
        }

        // --database, else AIGNE_HUB_DATABASE_URL, else the SQLite data directory.
        #expect(try DatabaseLocation.resolve(database: nil, dataDir: "/tmp/x", environment: [:]) == .sqlite(DataDirectory(path: "/tmp/x")))
        let fromEnvironment = try DatabaseLocation.resolve(database: nil, dataDir: nil, environment: ["AIGNE_HUB_DATABASE_URL": "postgres://u@h/db"])
        #expect(fromEnvironment == .postgres(try PostgresLocation(parsing: "postgres://u@h/db", environment: [:])))
        let notAURL = #expect(throws: HubError.self) { try DatabaseLocation.resolve(database: "/var/lib/hub", dataDir: nil, environment: [:]) }
        #expect(notAURL?.message.contains("a SQLite hub is chosen with --data-dir") == true)
    }

    @Test func postgresMigrationsMirrorTheSQLiteOnes() {
        // A SQLite migration without its PostgreSQL twin fails here, naming it.
        let sqlite = HubStore.migrationIdentifiers
        // PostgreSQL-only migrations (a cluster's) have no SQLite twin.
        let postgres = PostgresSchema.migrations.map(\.id).filter { !PostgresSchema.postgresOnly.contains($0) }
        #expect(postgres == sqlite, "PostgreSQL migrations missing: \(sqlite.filter { !postgres.contains($0) }) (add them to PostgresSchema.migrations)")
    }

    @Test func withoutPostgreSQLTheTestsFailSayingWhatToInstall() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-postgresql-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let error = #expect(throws: TestFailure.self) { try PostgresServer.findBinaries(under: empty) }
        #expect(error?.description.contains("apt-get install postgresql") == true)
        #expect(try PostgresServer.findBinaries().path.hasPrefix("/usr/lib/postgresql/"))
    }

    // MARK: - init

    @Test func initCreatesTheSchemaOnceAndRefusesAnotherApplicationsDatabase() async throws {
        let server = try PostgresServer.start()
        defer { server.stop() }
        try server.createDatabase("hub")
        let withPassword = ["PGPASSWORD": server.password]
        // The node's data directory: its secret key, which seals the settings' key check.
        let node = FileManager.default.temporaryDirectory.appendingPathComponent("pg-init-node-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: node) }

        let first = try AigneHubBinary.run(["init", "--database", server.url(database: "hub"), "--data-dir", node],
                                           environment: withPassword, removing: [SecretSealer.environmentVariable])
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout.contains("Created the hub schema") && first.stdout.contains("\(PostgresSchema.migrations.count) migrations applied"))
        #expect(first.stdout.contains("Wrote the hub's settings (mode: enterprise)") && first.stdout.contains("\(node)/secret.key"), "\(first)")
        let second = try AigneHubBinary.run(["init", "--database", server.url(database: "hub", withPassword: true), "--data-dir", node],
                                            removing: [SecretSealer.environmentVariable])
        #expect(second.status == 0 && second.stdout.contains("up to date") && second.stdout.contains("this node's secret key is the hub's"), "\(second)")
        // Another node with a key of its own: refused, and left without a key file.
        let stranger = FileManager.default.temporaryDirectory.appendingPathComponent("pg-init-stranger-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: stranger) }
        let refused = try AigneHubBinary.run(["init", "--database", server.url(database: "hub"), "--data-dir", stranger],
                                             environment: withPassword, removing: [SecretSealer.environmentVariable])
        #expect(refused.status != 0 && refused.stderr.contains("every node of a hub uses the same key"), "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: stranger))
        #expect(try server.psql("SELECT count(*) FROM schema_migrations", database: "hub") == "\(PostgresSchema.migrations.count)")
        for outcome in [first, second] { #expect(!(outcome.stdout + outcome.stderr).contains(server.password)) }

        // The same tables and columns, in the same order, as a SQLite hub's.
        let hub = try await DemoHub(users: 1, events: 0)
        let sqlite = Dictionary(uniqueKeysWithValues: try hub.store.exportedTables().map { ($0.name, $0.columns.map(\.name)) })
        let location = try PostgresLocation(parsing: server.url(database: "hub", withPassword: true), environment: [:])
        var postgres = try await PostgresStore.open(location) { try await $0.columnsByTable() }
        postgres.removeValue(forKey: "schema_migrations")
        #expect(postgres == sqlite)

        // A password file; then a wrong password, refused without being shown.
        let passwordFile = server.directory.appendingPathComponent("client-password")
        try Data((server.password + "\n").utf8).write(to: passwordFile)
        let fromFile = try AigneHubBinary.run(["init", "--database", server.url(database: "hub"), "--password-file", passwordFile.path, "--data-dir", node],
                                              removing: ["PGPASSWORD", SecretSealer.environmentVariable])
        #expect(fromFile.status == 0, "\(fromFile)")
        let wrong = try AigneHubBinary.run(["init", "--database", "postgres://postgres:WrongHorse@127.0.0.1:\(server.port)/hub?sslmode=disable", "--data-dir", node])
        #expect(wrong.status == 2 && wrong.stderr.contains("password authentication failed"), "\(wrong)")
        #expect(!wrong.stderr.contains("WrongHorse"))

        // Another application's tables: refused, nothing created.
        try server.createDatabase("shop")
        try server.psql("CREATE TABLE orders (id int); CREATE TABLE users (id int)", database: "shop")
        let foreign = try AigneHubBinary.run(["init", "--database", server.url(database: "shop"), "--data-dir", node], environment: withPassword)
        #expect(foreign.status != 0 && foreign.stderr.contains("tables aigne-hub did not create (orders, users)"), "\(foreign)")
        #expect(try server.psql("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'", database: "shop") == "orders,users")
        try server.createDatabase("rails")
        try server.psql("CREATE TABLE schema_migrations (version varchar PRIMARY KEY)", database: "rails")
        let rails = try AigneHubBinary.run(["init", "--database", server.url(database: "rails"), "--data-dir", node], environment: withPassword)
        #expect(rails.status != 0 && rails.stderr.contains("schema_migrations table that aigne-hub did not create"), "\(rails)")
    }

    // MARK: - serve

    @Test func serveOnPostgresWithoutANodeDirectorySaysWhatToRun() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pg-serve-\(UUID().uuidString)").path
        let url = "postgres://hub:topsecret@127.0.0.1:1/hub"
        for (arguments, environment) in [(["serve", "--data-dir", directory, "--database", url], [String: String]()),
                                         (["serve", "--data-dir", directory], ["AIGNE_HUB_DATABASE_URL": url])] {
            let outcome = try AigneHubBinary.run(arguments, environment: environment)
            #expect(outcome.status == 2, "\(outcome)")
            #expect(outcome.stderr.contains("no node directory \(directory)"), "\(outcome)")
            #expect(outcome.stderr.contains("aigne-hub init --database URL --data-dir"), "\(outcome)")
            #expect(!outcome.stderr.contains("topsecret") && outcome.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: directory), "serve made a node directory instead of saying what to run")
    }
}
