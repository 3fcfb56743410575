import Foundation
@testable import HubCore
@testable import HubPostgres
import HubTestSupport
import Synchronization
import Testing

/// What makes several nodes one hub: `init` writes the settings row with the key check (a node with
/// another key is refused), `open` refuses a schema that is not current, and a node hears of
/// another node's writes through `LISTEN`.
@Suite(.serialized) struct PostgresClusterTests {
    /// The changes a listener has yielded so far, shared with the task that iterates them.
    final class Heard: Sendable {
        private let changes = Mutex<[PostgresChangeListener.Change]>([])
        func withLock<T>(_ body: (inout [PostgresChangeListener.Change]) -> T) -> T { changes.withLock { body(&$0) } }
    }

    /// A node's data directory in a temporary place (removed by the caller).
    static func nodeDirectory() -> DataDirectory {
        DataDirectory(url: FileManager.default.temporaryDirectory.appendingPathComponent("pg-node-\(UUID().uuidString)"))
    }

    @Test func initWritesTheKeyCheckAndAnotherKeyIsRefused() async throws {
        let database = try await PostgresBackendTests.Database(name: "cluster", schema: false)
        defer { database.server.stop() }
        let (first, second, third) = (Self.nodeDirectory(), Self.nodeDirectory(), Self.nodeDirectory())
        defer { for node in [first, second, third] { try? FileManager.default.removeItem(at: node.url) } }

        // Before init: no hub there.
        let empty = await #expect(throws: HubError.self) { try await PostgresHub.open(database.location, directory: first) }
        #expect(empty?.code == .failedPrecondition && empty?.message.contains("aigne-hub init --database URL") == true)

        // The first node's init makes the schema, its key and the settings row.
        let made = try await PostgresHub.initialize(database.location, directory: first, mode: .serviceProvider, environment: [:])
        #expect(made.createdSettings && made.createdKeyFile && made.schema.applied.count == PostgresSchema.migrations.count)
        let hub = try await PostgresHub.open(database.location, directory: first)
        let sealer = try SecretSealer.load(for: first, environment: [:])
        try await hub.store.verify(sealer)
        let settings = try await hub.store.read { db in try HubSettings.fetchAll(db) }
        #expect(settings.count == 1 && settings.first?.mode == .serviceProvider)

        // Another key: refused by verify, and by init on a second node (which leaves no key behind).
        let stranger = try SecretSealer.createKeyFile(for: {
            try? FileManager.default.createDirectory(at: third.url, withIntermediateDirectories: true)
            return third
        }())
        let wrongKey = await #expect(throws: HubError.self) { try await hub.store.verify(stranger) }
        #expect(wrongKey?.code == .secretKey)
        let secondInit = await #expect(throws: HubError.self) {
            try await PostgresHub.initialize(database.location, directory: second, mode: .enterprise, environment: [:])
        }
        #expect(secondInit?.code == .secretKey && secondInit?.message.contains("every node of a hub uses the same key") == true)
        #expect(!FileManager.default.fileExists(atPath: second.secretKeyURL.path))

        // With the cluster's key (here from the environment), a second init succeeds and changes nothing.
        let key = try String(contentsOf: first.secretKeyURL, encoding: .utf8)
        let again = try await PostgresHub.initialize(database.location, directory: second, mode: .enterprise,
                                                     environment: [SecretSealer.environmentVariable: key])
        #expect(!again.createdSettings && !again.createdKeyFile && again.schema.applied.isEmpty)
        #expect(try await hub.store.read { db in try HubSettings.fetchAll(db) }.first?.mode == .serviceProvider)
        await hub.shutdown()

        // A schema behind this version: refused, naming init.
        try database.server.psql("DELETE FROM schema_migrations WHERE id = '\(PostgresSchema.changeNotificationsID)'", database: "cluster")
        let behind = await #expect(throws: HubError.self) { try await PostgresHub.open(database.location, directory: first) }
        #expect(behind?.code == .failedPrecondition && behind?.message.contains("not current (1 migrations to apply: cluster: change notifications)") == true,
                "\(String(describing: behind))")
        #expect(behind?.message.contains(database.server.password) == false)
    }

    @Test func aNodeHearsAnotherNodesWritesAndListensAgainAfterADrop() async throws {
        let database = try await PostgresBackendTests.Database()
        defer { database.server.stop() }
        let (store, backend) = try await database.node(threads: 2)
        defer { Task { await backend.shutdown() } }

        var listener = PostgresChangeListener(location: database.location)
        listener.retryDelay = .milliseconds(50)
        let heard = Heard()
        let changes = listener.changes()
        let listening = Task {
            for await change in changes { heard.withLock { $0.append(change) } }
        }
        defer { listening.cancel() }
        func waitFor(_ count: Int, within limit: Duration = .seconds(1)) async -> Duration? {
            let started = ContinuousClock.now
            while ContinuousClock.now - started < limit {
                if heard.withLock({ $0.count }) >= count { return ContinuousClock.now - started }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return nil
        }
        #expect(await waitFor(1, within: .seconds(5)) != nil)
        #expect(heard.withLock { $0 } == [.listening])

        // An audit entry written by another node: heard within a second.
        try await store.write { db in
            var entry = AuditEntry(id: nil, actor: "test", action: "settings.set", target: "mode", before: nil, after: nil, createdAt: Date())
            try entry.insert(db)
        }
        let latency = await waitFor(2)
        #expect(latency != nil && heard.withLock { $0.last } == .notified)
        print("PostgresChangeListener: a write on another node heard after \(latency.map { "\($0)" } ?? "never")")

        // A read does not notify; a ledger insert does (one notification per transaction).
        _ = try await store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log") }
        try await store.write { db in
            var user = User(id: nil, name: "u", email: nil, status: .active, balance: .zero, createdAt: Date())
            try user.insert(db)
            for index in 0..<3 {
                try db.execute(sql: """
                    INSERT INTO ledger (user_id, kind, amount, balance_after, actor, reason, idempotency_key, created_at)
                    VALUES (?, 'grant', 1, ?, 'test', 'r', ?, ?)
                    """, arguments: [user.id!, index + 1, "k\(index)", Date()])
            }
        }
        #expect(await waitFor(3) != nil)
        try await Task.sleep(for: .milliseconds(100))
        #expect(heard.withLock { $0.count } == 3)

        // The server drops the listening connection: the listener says `listening` again and hears on.
        try database.server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'", database: "hub")
        #expect(await waitFor(4, within: .seconds(5)) != nil)
        #expect(heard.withLock { $0.last } == .listening)
        try await store.write { db in
            var entry = AuditEntry(id: nil, actor: "test", action: "a", target: "t", before: nil, after: nil, createdAt: Date())
            try entry.insert(db)
        }
        #expect(await waitFor(5) != nil)
    }
}
