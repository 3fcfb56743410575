import Foundation
import HubAdmin
import HubCore
import HubPostgres

/// The hub a command works on, opened in-process: SQLite in a data directory, or a PostgreSQL
/// database shared by a cluster's nodes (whose own data directory holds the secret key they share
/// and, for `serve`, the admin socket). ``close()`` when done.
struct OpenHub: Sendable {
    let service: AdminService
    /// How to name the database to a person (a PostgreSQL URL without its password).
    let databaseName: String
    private let postgres: PostgresHub?

    /// Opens `location`; on PostgreSQL the secret key comes from `nodeDirectory` (or
    /// `$AIGNE_HUB_SECRET_KEY`) and must be the one the database was made with.
    static func open(_ location: DatabaseLocation, nodeDirectory: DataDirectory) async throws(HubError) -> OpenHub {
        switch location {
        case .sqlite(let directory):
            let service = try await AdminService.open(directory)
            return OpenHub(service: service, databaseName: directory.databaseURL.path, postgres: nil)
        case .postgres(let postgresLocation):
            let sealer = try SecretSealer.load(for: nodeDirectory)
            let hub = try await PostgresHub.open(postgresLocation, directory: nodeDirectory)
            do {
                try await hub.store.verify(sealer)
            } catch {
                await hub.shutdown()
                throw HubError(.secretKey, """
                    this node's secret key (\(nodeDirectory.secretKeyURL.path), or $\(SecretSealer.environmentVariable)) is not \
                    the one \(postgresLocation) was made with: every node of a hub uses the same key; copy secret.key from a \
                    node that runs it (mode 600)
                    """)
            }
            return OpenHub(service: AdminService(store: hub.store, sealer: sealer), databaseName: "\(postgresLocation)",
                           postgres: hub)
        }
    }

    /// A connection acting as the current OS user via `surface`.
    func connection(surface: String) -> DatabaseConnection {
        DatabaseConnection(service: service, actor: AdminActor.osUser(via: surface), databaseName: databaseName)
    }

    /// Stops PostgreSQL's connection pool (nothing to do for SQLite).
    func close() async { await postgres?.shutdown() }
}
