import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// The hub's database, behind one async interface (``read(_:)``, ``write(_:)``) on either backend
/// (``StoreBackend``): SQLite in the data directory by default (one file, WAL, foreign keys on, a busy
/// timeout so that a running hub and the CLI or console share it safely, migrations applied on
/// open), or a PostgreSQL database shared by several hub nodes (`HubPostgres`).
///
/// Writes are serialised (SQLite's IMMEDIATE transactions; an advisory lock on PostgreSQL), so a
/// read-modify-write of a balance in one process can never interleave with another process's.
///
/// Only HubCore reaches the database (`read`, `write` are internal): other modules call the
/// operations HubCore offers (admin methods, the
/// ledger, settlement, billing), so nothing outside HubCore can move a balance without
/// ``Ledger/post(_:userId:kind:amount:actor:reason:idempotencyKey:requestId:at:bucket:)``.
public final class HubStore: Sendable {
    /// The data directory: the SQLite database's, or a PostgreSQL node's own (its secret key and
    /// admin socket).
    public let directory: DataDirectory
    package let backend: any StoreBackend
    /// SQLite's GRDB pool (nil on PostgreSQL). Thread-safe; `Sendable` as GRDB declares it.
    let sqlitePool: DatabasePool?

    /// Which backend keeps this hub's state.
    public var kind: StoreKind { backend.kind }

    private init(directory: DataDirectory, pool: DatabasePool) {
        self.directory = directory
        self.backend = SQLiteBackend(pool: pool)
        self.sqlitePool = pool
    }

    /// A hub on a database server (PostgreSQL); `directory` is the node's own.
    package init(directory: DataDirectory, backend: any StoreBackend) {
        self.directory = directory
        self.backend = backend
        self.sqlitePool = nil
    }

    /// Opens an initialised hub database and applies pending migrations.
    /// The directory must be this account's (``DataDirectory/checkPrivate(adminGroup:)``; its
    /// group may read it, as with a hub started with `--admin-group`).
    public static func open(_ directory: DataDirectory) throws(HubError) -> HubStore {
        guard directory.isInitialized else {
            throw HubError(.storage, "no hub in \(directory.path): run `aigne-hub init` first (or pass --data-dir)")
        }
        try directory.checkPrivate(adminGroup: true)
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
            try createPrivateFile(directory.databaseURL.path)   // SQLite gives -wal and -shm its mode
            let store = try openPool(directory)
            let keyCheck = try sealer.makeKeyCheck()
            try store.sqliteWrite { db in
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
        try tightenFileModes(directory)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.label = "hub"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            try Schema.prepareNewDatabase(at: directory.databaseURL.path)
            let pool = try DatabasePool(path: directory.databaseURL.path, configuration: configuration)
            try refuseNewerSchema(pool, directory)
            try Schema.migrator.migrate(pool)
            return HubStore(directory: directory, pool: pool)
        } catch let error as HubError {
            throw error
        } catch {
            throw openingError(error, directory)
        }
    }

    /// Creates an empty file with mode 0600 (refusing one that exists), whatever the umask.
    static func createPrivateFile(_ path: String) throws(HubError) {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HubError(.storage, "cannot create \(path): \(String(cString: strerror(errno)))") }
        close(fd)
    }

    /// Brings `hub.sqlite`, its `-wal`/`-shm` and `secret.key` back to 0600 when an older version
    /// or a copy left them more open (only files this account owns; the others fail to open).
    private static func tightenFileModes(_ directory: DataDirectory) throws(HubError) {
        for path in directory.privateFiles {
            var info = stat()
            guard lstat(path, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o077 != 0 else { continue }
            guard chmod(path, 0o600) == 0 else {
                throw HubError(.storage, "cannot make \(path) private (chmod 600): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// A database migrated by a newer aigne-hub holds tables this binary does not know: refuse it
    /// rather than run on a schema it would misread.
    private static func refuseNewerSchema(_ reader: some DatabaseReader, _ directory: DataDirectory) throws {
        let migrator = Schema.migrator
        let unknown = try reader.read { db in
            try migrator.hasBeenSuperseded(db) ? migrator.appliedIdentifiers(db).subtracting(migrator.migrations) : []
        }
        guard !unknown.isEmpty else { return }
        throw HubError(.storage, """
            \(directory.databaseURL.path) was written by a newer aigne-hub (migrations aigne-hub \(HubVersion.current) does not know: \
            \(unknown.sorted().joined(separator: ", "))): run that version, or restore a backup made before the upgrade
            """)
    }

    /// One line naming why the database cannot be opened.
    private static func openingError(_ error: any Error, _ directory: DataDirectory) -> HubError {
        let path = directory.databaseURL.path
        guard let error = error as? DatabaseError else { return HubError(.storage, "cannot open \(path): \(error)") }
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return HubError(.storage, "\(path) is corrupt (\(error.message ?? "not a database")): restore it from a backup (see docs/operations.md)")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return HubError(.unavailable, "\(path) is locked by another process (\(error.message ?? "database is locked")): stop it, or wait for it to finish")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY:
            return HubError(.storage, "cannot open \(path) (\(error.message ?? "\(error.resultCode)")): check that it is yours and mode 600")
        default:
            return HubError(.storage, "cannot open \(path): \(error.message ?? error.description)")
        }
    }

    /// Fails at once with one line when the database cannot be used now: corrupt, written by a
    /// newer aigne-hub, or locked by another process for longer than `wait` (a hub about to start
    /// asks this before it starts anything, instead of waiting the busy timeout on each write).
    public static func checkUsable(_ directory: DataDirectory, wait: Duration = .seconds(2)) throws(HubError) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(TimeInterval(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
        configuration.label = "hub-check"
        do {
            let queue = try DatabaseQueue(path: directory.databaseURL.path, configuration: configuration)
            defer { try? queue.close() }
            try queue.inDatabase { db in
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
                // Takes and releases the write lock: waits at most `wait` for another writer.
                try db.execute(sql: "BEGIN IMMEDIATE")
                try db.execute(sql: "ROLLBACK")
            }
            try refuseNewerSchema(queue, directory)
        } catch let error as HubError {
            throw error
        } catch {
            throw openingError(error, directory)
        }
    }

    /// Checks that `sealer` holds the key that sealed this hub's secrets: a node started with
    /// another key than the one the database was made with refuses to start.
    public func verify(_ sealer: SecretSealer) async throws(HubError) {
        let check = try await read { db in try Data.fetchOne(db, sql: "SELECT key_check FROM settings") }
        if let check { try sealer.verify(keyCheck: check) }
    }

    /// Yields soon after a change committed elsewhere (see ``StoreBackend/changeNotifications()``):
    /// nil on SQLite, whose pollers only poll.
    public func changeNotifications() -> AsyncStream<Void>? { backend.changeNotifications() }

    /// Runs `body` in a write transaction, serialised with every other writer of the database.
    /// Errors leave the database unchanged and come out as ``HubError``.
    func write<T: Sendable>(_ body: @escaping @Sendable (StoreDB) throws -> T) async throws(HubError) -> T {
        do { return try await backend.write(body) } catch { throw HubError(from: error) }
    }

    /// Runs `body` on a read-only snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (StoreDB) throws -> T) async throws(HubError) -> T {
        do { return try await backend.read(body) } catch { throw HubError(from: error) }
    }

    /// SQLite only: runs `body` in an IMMEDIATE GRDB write transaction (what only SQLite has:
    /// vacuum, backup, copying a hub to PostgreSQL; and tests that look at the file itself).
    func sqliteWrite<T>(_ body: (Database) throws -> T) throws(HubError) -> T {
        do { return try sqlite().write(body) } catch { throw HubError(from: error) }
    }

    /// SQLite only: runs `body` on a read-only GRDB snapshot.
    func sqliteRead<T>(_ body: (Database) throws -> T) throws(HubError) -> T {
        do { return try sqlite().read(body) } catch { throw HubError(from: error) }
    }

    /// The GRDB pool, or an error naming the SQLite-only operation's limit on PostgreSQL.
    func sqlite() throws(HubError) -> DatabasePool {
        guard let sqlitePool else {
            throw HubError(.failedPrecondition, "this operation works on a SQLite hub only; this hub is on PostgreSQL")
        }
        return sqlitePool
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
        case let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB:
            self = HubError(.storage, "the database is corrupt (\(error.message ?? "malformed")): restore it from a backup (see docs/operations.md)")
        case let error as DatabaseError:
            self = HubError(.storage, "database error: \(error.message ?? error.description)")
        default:
            self = HubError(.internal, "\(error)")
        }
    }
}
