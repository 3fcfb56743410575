import Foundation
import HubCore

/// A hub node on PostgreSQL: the ``HubStore`` the domain uses, on a ``PostgresBackend`` this value
/// owns (its connection pool and threads). ``shutdown()`` when the node stops.
///
/// `directory` is the node's own data directory: its `secret.key` (the same on every node of a
/// cluster: the database's key check refuses another) and its admin socket. The database itself
/// is made and upgraded by `aigne-hub init --database URL` (``initialize(_:directory:mode:environment:)``);
/// ``open(_:directory:)`` never changes the schema, so nodes of different versions cannot migrate
/// it under each other.
package struct PostgresHub: Sendable {
    package let store: HubStore
    package let backend: PostgresBackend

    /// Opens the hub in `location`: refuses a database without the hub's schema, one whose schema
    /// is behind this version (run `aigne-hub init --database URL`) or ahead of it (a newer
    /// aigne-hub migrated it), and one that `init` did not finish (no settings row).
    package static func open(_ location: PostgresLocation, directory: DataDirectory, threads: Int = 16) async throws(HubError) -> PostgresHub {
        let backend = try await PostgresBackend.start(location, threads: threads)
        do {
            let store = HubStore(directory: directory, backend: backend)
            try await checkCurrent(backend, location)
            return PostgresHub(store: store, backend: backend)
        } catch {
            await backend.shutdown()
            throw error
        }
    }

    /// Stops the connection pool and the threads; the store fails with `unavailable` afterwards.
    package func shutdown() async { await backend.shutdown() }

    private static func checkCurrent(_ backend: PostgresBackend, _ location: PostgresLocation) async throws(HubError) {
        let (applied, settings) = try await backend.read { db -> ([String]?, Int) in
            guard try Bool.fetchOne(db, sql: "SELECT to_regclass('schema_migrations') IS NOT NULL") == true else { return (nil, 0) }
            let applied = try String.fetchAll(db, sql: "SELECT id FROM schema_migrations")
            let settings = applied.contains("v1: core tables") ? try Int.fetchOne(db, sql: "SELECT count(*) FROM settings") ?? 0 : 0
            return (applied, settings)
        }
        let initialise = "run `aigne-hub init --database URL` (with this node's --data-dir)"
        guard let applied else {
            throw HubError(.failedPrecondition, "\(location) holds no hub: \(initialise) first")
        }
        let known = PostgresSchema.migrations.map(\.id)
        let unknown = applied.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw HubError(.failedPrecondition, """
                \(location) was migrated by a newer aigne-hub (migrations this version does not know: \
                \(unknown.sorted().joined(separator: ", "))): run that version on every node
                """)
        }
        let missing = known.filter { !applied.contains($0) }
        guard missing.isEmpty else {
            throw HubError(.failedPrecondition, """
                the hub schema at \(location) is not current (\(missing.count) migrations to apply: \
                \(missing.joined(separator: ", "))): \(initialise) once, then start the nodes
                """)
        }
        guard settings == 1 else {
            throw HubError(.failedPrecondition, "\(location) has the hub schema but no settings: \(initialise)")
        }
    }
}

/// What ``PostgresHub/initialize(_:directory:mode:environment:)`` did.
package struct PostgresInitOutcome: Sendable {
    /// The schema migrations applied now and in all.
    package var schema: SchemaOutcome
    /// True when this run wrote the settings row (the first `init` of the database); false when
    /// the database had one, whose key check this node's key then passed.
    package var createdSettings: Bool
    /// True when this run made the node's `secret.key` (none in the directory, none in the environment).
    package var createdKeyFile: Bool
}

extension PostgresHub {
    /// `aigne-hub init --database URL`: creates or upgrades the schema, and on a database that has
    /// no settings row yet writes it (`mode`, and the key check sealed with this node's secret key,
    /// made in `directory` when there is none and `AIGNE_HUB_SECRET_KEY` is unset). On a database
    /// that has one, checks that this node's key is the cluster's: every node must share the key
    /// that sealed the providers' secrets, so a node with another key is refused here, before it
    /// can serve. Nothing half-made is left: a run that fails removes the key file and the directory it made.
    package static func initialize(
        _ location: PostgresLocation, directory: DataDirectory, mode: DeploymentMode,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(HubError) -> PostgresInitOutcome {
        let directoryExisted = FileManager.default.fileExists(atPath: directory.path)
        try directory.create()
        let keyFromEnvironment = environment[SecretSealer.environmentVariable].map { !$0.isEmpty } == true
        let createKey = !keyFromEnvironment && !FileManager.default.fileExists(atPath: directory.secretKeyURL.path)
        let sealer = createKey ? try SecretSealer.createKeyFile(for: directory)
                               : try SecretSealer.load(for: directory, environment: environment)
        do throws(HubError) {
            let schema: SchemaOutcome
            do {
                schema = try await PostgresStore.open(location) { database in try await database.prepareSchema() }
            } catch {
                throw PostgresFailure.hubError(error, location, doing: "prepare")
            }
            let backend = try await PostgresBackend.start(location, threads: 2)
            let store = HubStore(directory: directory, backend: backend)
            do throws(HubError) {
                let check = try keyCheck(sealer)
                let createdSettings = try await backend.write { db in
                    try db.execute(sql: """
                        INSERT INTO settings (id, mode, updated_at, key_check) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                        """, arguments: [mode.rawValue, Date(), check])
                    return db.changesCount == 1
                }
                do {
                    try await store.verify(sealer)
                } catch where error.code == .secretKey {
                    let key = keyFromEnvironment ? "$\(SecretSealer.environmentVariable)" : directory.secretKeyURL.path
                    throw HubError(.secretKey, """
                        this node's secret key (\(key)) is not the one \(location) was made with: every node of a hub \
                        uses the same key; copy secret.key from a node that runs it (mode 600), or set \(SecretSealer.environmentVariable)
                        """)
                }
                await backend.shutdown()
                return PostgresInitOutcome(schema: schema, createdSettings: createdSettings, createdKeyFile: createKey)
            } catch {
                await backend.shutdown()
                throw error
            }
        } catch {
            if createKey { try? FileManager.default.removeItem(at: directory.secretKeyURL) }
            if !directoryExisted { rmdir(directory.path) }   // only if empty: nothing of anyone else's goes
            throw error
        }
    }

    /// The settings row's key check: a known text sealed with the node's key.
    static func keyCheck(_ sealer: SecretSealer) throws(HubError) -> Data {
        try sealer.makeKeyCheck()
    }
}
