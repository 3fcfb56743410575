import Foundation
import GRDB

/// The hub's SQLite database: one file, WAL, foreign keys on, a busy timeout so that two
/// processes (a running hub and the CLI or console) share it safely, migrations applied on open.
///
/// Writes run in IMMEDIATE transactions (GRDB's `DatabasePool.write`), so a read-modify-write of a
/// balance in one process can never interleave with another process's.
public final class HubStore: Sendable {
    public let directory: DataDirectory
    /// The GRDB pool. Thread-safe; `Sendable` as GRDB declares it.
    public let pool: DatabasePool

    private init(directory: DataDirectory, pool: DatabasePool) {
        self.directory = directory
        self.pool = pool
    }

    /// Opens an initialised hub database and applies pending migrations.
    public static func open(_ directory: DataDirectory) throws(HubError) -> HubStore {
        guard directory.isInitialized else {
            throw HubError(.storage, "no hub in \(directory.path): run `aigne-hub init` first (or pass --data-dir)")
        }
        return try openPool(directory)
    }

    /// Creates the data directory, the secret key file and the database with its settings row.
    /// Refuses to touch a directory that already holds a hub.
    @discardableResult
    public static func initialize(
        _ directory: DataDirectory, mode: DeploymentMode,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(HubError) -> (store: HubStore, sealer: SecretSealer) {
        guard !directory.isInitialized else {
            throw HubError(.alreadyExists, "\(directory.path) already holds a hub (hub.sqlite exists)")
        }
        try directory.create()
        var createdKeyFile = false
        do {
            let sealer: SecretSealer
            if environment[SecretSealer.environmentVariable].map({ !$0.isEmpty }) == true
                || FileManager.default.fileExists(atPath: directory.secretKeyURL.path) {
                sealer = try SecretSealer.load(for: directory, environment: environment)
            } else {
                sealer = try SecretSealer.createKeyFile(for: directory)
                createdKeyFile = true
            }
            let store = try openPool(directory)
            let keyCheck = try sealer.makeKeyCheck()
            try store.write { db in
                var settings = HubSettings(
                    mode: mode, starterCreditsEnabled: false, starterCredits: .zero, paymentLink: nil,
                    lowBalanceThreshold: .zero, allowUnpricedModels: false, updatedAt: Date())
                try settings.insert(db)
                try db.execute(sql: "UPDATE settings SET key_check = ?", arguments: [keyCheck])
            }
            return (store, sealer)
        } catch {
            // Leave nothing half-made behind: a later `init` must start clean.
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: directory.databaseURL.path + suffix)
            }
            if createdKeyFile { try? FileManager.default.removeItem(at: directory.secretKeyURL) }
            throw error
        }
    }

    private static func openPool(_ directory: DataDirectory) throws(HubError) -> HubStore {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.label = "hub"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            let pool = try DatabasePool(path: directory.databaseURL.path, configuration: configuration)
            try Schema.migrator.migrate(pool)
            return HubStore(directory: directory, pool: pool)
        } catch {
            throw HubError(.storage, "cannot open \(directory.databaseURL.path): \(error)")
        }
    }

    /// Checks that `sealer` holds the key that sealed this hub's secrets.
    public func verify(_ sealer: SecretSealer) throws(HubError) {
        let check = try read { db in try Data.fetchOne(db, sql: "SELECT key_check FROM settings") }
        if let check { try sealer.verify(keyCheck: check) }
    }

    /// Runs `body` in an IMMEDIATE write transaction. Errors leave the database unchanged and
    /// come out as ``HubError``.
    public func write<T>(_ body: (Database) throws -> T) throws(HubError) -> T {
        do { return try pool.write(body) } catch { throw HubError(from: error) }
    }

    /// Runs `body` on a read-only snapshot.
    public func read<T>(_ body: (Database) throws -> T) throws(HubError) -> T {
        do { return try pool.read(body) } catch { throw HubError(from: error) }
    }
}

extension HubError {
    /// Maps anything thrown inside a transaction to a HubError; HubErrors pass through unchanged.
    init(from error: any Error) {
        switch error {
        case let error as HubError:
            self = error
        case let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT:
            self = HubError(.alreadyExists, "conflicts with an existing record: \(error.message ?? "constraint failed")")
        case let error as DatabaseError where error.resultCode == .SQLITE_BUSY:
            self = HubError(.unavailable, "the database is busy (another process holds a long write): try again")
        case let error as DatabaseError:
            self = HubError(.storage, "database error: \(error.message ?? error.description)")
        default:
            self = HubError(.internal, "\(error)")
        }
    }
}
