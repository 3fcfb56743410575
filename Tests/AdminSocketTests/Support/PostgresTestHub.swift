import Foundation
import HubAdmin
@testable import HubCore
import HubPostgres
import HubTestSupport

/// A fresh hub on PostgreSQL: a throwaway server, a new database made by `init`, and a node data
/// directory (its secret key). ``stop()`` shuts the node's pool down, stops the server and removes both.
///
/// The database collates text with ICU's `en-US`, as production servers usually do (not the
/// byte order of `C`, which would agree with SQLite by luck): what orders by text must say how.
struct PostgresTestHub: Sendable {
    let hub: TestHub
    let location: PostgresLocation
    let node: PostgresHub
    let server: PostgresServer

    static func create(mode: DeploymentMode = .enterprise) async throws -> PostgresTestHub {
        let server = try PostgresServer.start()
        let directory = DataDirectory(url: URL(fileURLWithPath: "/tmp/ahp-\(UUID().uuidString.prefix(12).lowercased())"))
        do {
            try server.psql("""
                CREATE DATABASE hub TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'
                """, database: "postgres")
            let location = try PostgresLocation(parsing: server.url(database: "hub", withPassword: true), environment: [:])
            _ = try await PostgresHub.initialize(location, directory: directory, mode: mode, environment: [:])
            let node = try await PostgresHub.open(location, directory: directory, threads: 4)
            let sealer = try SecretSealer.load(for: directory, environment: [:])
            let hub = TestHub(directory: directory, service: AdminService(store: node.store, sealer: sealer))
            return PostgresTestHub(hub: hub, location: location, node: node, server: server)
        } catch {
            server.stop()
            try? FileManager.default.removeItem(at: directory.url)
            throw error
        }
    }

    /// The admin service on this database, as `aigne-hub --database URL` opens it.
    func connection(surface: String = "test") -> DatabaseConnection {
        DatabaseConnection(service: hub.service, actor: AdminActor.osUser(via: surface), databaseName: location.description)
    }

    func stop() async {
        await node.shutdown()
        server.stop()
        hub.remove()
    }
}

/// Runs `body` with a fresh hub on PostgreSQL; always stops the server and removes the node's directory.
func withPostgresHub<T>(mode: DeploymentMode = .enterprise, _ body: (PostgresTestHub) async throws -> T) async throws -> T {
    let postgres = try await PostgresTestHub.create(mode: mode)
    do {
        let result = try await body(postgres)
        await postgres.stop()
        return result
    } catch {
        await postgres.stop()
        throw error
    }
}
