import Foundation
@testable import HubCore
@testable import HubPostgres
import HubTestSupport
import Testing

/// The hub's own operations (admin methods, the ledger) on a PostgreSQL node: the portable SQL of
/// the domain as PostgreSQL runs it, through ``PostgresBackend`` and untyped text parameters.
@Suite(.serialized) struct PostgresDomainTests {
    @Test func adminOperationsRunOnAPostgresNode() async throws {
        let database = try await PostgresBackendTests.Database(name: "domain", schema: false)
        defer { database.server.stop() }
        let node = PostgresClusterTests.nodeDirectory()
        defer { try? FileManager.default.removeItem(at: node.url) }
        _ = try await PostgresHub.initialize(database.location, directory: node, mode: .serviceProvider, environment: [:])
        let hub = try await PostgresHub.open(database.location, directory: node, threads: 4)
        defer { Task { await hub.shutdown() } }
        let service = AdminService(store: hub.store, sealer: try SecretSealer.load(for: node, environment: [:]))
        func run<M: AdminMethod>(_ method: M) async throws -> M.Result { try await service.perform(method, actor: "test") }

        _ = try await run(Admin.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1"))
        _ = try await run(Admin.CredentialsAdd(provider: "openai", name: "main", secret: "sk-test-1234567890abcd"))
        _ = try await run(Admin.RatesSet(model: "openai/gpt-4o", input: Amount(units: 5), output: Amount(units: 15),
                                         costInput: Amount(nanos: 2_500_000_000), costOutput: Amount(units: 10)))
        _ = try await run(Admin.PackagesAdd(name: "starter", price: Amount(units: 10), currency: "usd", credits: Amount(units: 10)))
        _ = try await run(Admin.PlansAdd(name: "monthly", interval: .month, credits: Amount(units: 20), price: Amount(units: 15), currency: "usd"))
        let batch = try await run(Admin.CodesCreate(count: 2, value: Amount(units: 2)))
        for name in ["王小明", "bob"] {
            _ = try await run(Admin.UsersAdd(name: name, email: "\(name)@example.com"))
            _ = try await run(Admin.KeysCreate(user: name, name: "default"))
            _ = try await run(Admin.UsersGrant(user: name, amount: Amount(units: 100), reason: "welcome"))
        }
        _ = try await run(Admin.SubscriptionsStart(user: "王小明", plan: "monthly"))
        _ = try await run(Admin.CodesRedeem(user: "bob", code: batch.codes[0]))
        _ = try await run(Admin.UsersDeduct(user: "王小明", amount: Amount(nanos: 1_234_567_891), reason: "correction"))
        _ = try await run(Admin.TeamsAdd(name: "research"))
        _ = try await run(Admin.TeamsAddMember(team: "research", user: "bob"))
        _ = try await run(Admin.BudgetsSet(user: "bob", amount: Amount(units: 50), period: .month, soft: 80))
        _ = try await run(Admin.UsersSuspend(user: "bob"))

        let users = try await run(Admin.UsersList(filter: "BOB"))
        #expect(users.map(\.name) == ["bob"] && users.first?.status == .suspended)
        _ = try await run(Admin.UsageSummary())
        let audit = try await run(Admin.AuditList(limit: 100))
        #expect(audit.count >= 10)
        let duplicate = await #expect(throws: HubError.self) { try await run(Admin.UsersAdd(name: "BOB")) }
        #expect(duplicate?.code == .alreadyExists)

        // Every balance is its ledger, as on SQLite.
        #expect(try database.server.psql("""
            SELECT count(*) FROM users u WHERE u.balance <> COALESCE((SELECT sum(amount) FROM ledger l WHERE l.user_id = u.id), 0)
            """, database: "domain") == "0")
        #expect(try database.server.psql("SELECT balance FROM users WHERE name = 'bob'", database: "domain") == "\(Amount(units: 102).nanos)")
    }

    @Test func twoNodesSettleUsageAgainstOneBalance() async throws {
        let database = try await PostgresBackendTests.Database(name: "usage", schema: false)
        defer { database.server.stop() }
        let node = PostgresClusterTests.nodeDirectory()
        defer { try? FileManager.default.removeItem(at: node.url) }
        _ = try await PostgresHub.initialize(database.location, directory: node, mode: .serviceProvider, environment: [:])
        let first = try await PostgresHub.open(database.location, directory: node, threads: 4)
        let second = try await PostgresHub.open(database.location, directory: node, threads: 4)
        defer { Task { await first.shutdown(); await second.shutdown() } }
        let service = AdminService(store: first.store, sealer: try SecretSealer.load(for: node, environment: [:]))
        _ = try await service.perform(Admin.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1"), actor: "test")
        _ = try await service.perform(Admin.UsersAdd(name: "alice"), actor: "test")
        _ = try await service.perform(Admin.UsersGrant(user: "alice", amount: Amount(units: 10), reason: "welcome"), actor: "test")

        for (index, hub) in [first, second].enumerated() {
            let started = Date()
            let recovery = try await NodeRegistry.register(
                NodeRecord(id: "node-\(index)", host: "h\(index)", httpAddress: "127.0.0.1:0", version: "test", pid: index,
                           startedAt: started, heartbeatAt: started), store: hub.store)
            #expect(recovery.settled.isEmpty)
        }

        // 2 nodes × 20 batches of 5 calls, each held then settled at 0.01 units, all at once.
        let batches = 20, calls = 5, price = Amount(nanos: 10_000_000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, hub) in [first, second].enumerated() {
                for batch in 0..<batches {
                    group.addTask {
                        let ids = (0..<calls).map { "n\(index)-b\(batch)-c\($0)" }
                        let holds = ids.map { HoldRecord(requestId: $0, userId: 1, apiKeyId: nil, model: "gpt-4o", amount: price, runId: "node-\(index)") }
                        let admitted = try await UsageSettlement.commit(UsageBatch(holds: holds), to: hub.store)
                        #expect(admitted.refusedHolds.isEmpty)
                        let records = ids.map { id in
                            var event = UsageEvent(requestId: id, userId: 1, apiKeyId: nil, providerId: 1, model: "gpt-4o", tokensIn: 10,
                                                   tokensOut: 5, latencyMs: 12.5, status: 200, createdAt: Date())
                            event.nodeId = "node-\(index)"
                            return UsageRecord(event: event, charge: price, hold: price)
                        }
                        let settled = try await UsageSettlement.commit(UsageBatch(records: records), to: hub.store)
                        #expect(settled.settlements.allSatisfy { $0.charged == price })
                    }
                }
            }
            try await group.waitForAll()
        }
        let spent = Int64(2 * batches * calls) * price.nanos
        #expect(try database.server.psql("SELECT balance FROM users WHERE name = 'alice'", database: "usage") == "\(Amount(units: 10).nanos - spent)")
        #expect(try database.server.psql("SELECT count(*) FROM holds", database: "usage") == "0")
        #expect(try database.server.psql("SELECT count(*), sum(latency_ms) FROM usage_events WHERE node_id IS NOT NULL", database: "usage")
                == "\(2 * batches * calls)|\(2 * batches * calls * 25 / 2)")   // 12.5 ms each, summed as DOUBLE PRECISION
        #expect(try database.server.psql("""
            SELECT count(*) FROM users u WHERE u.balance <> COALESCE((SELECT sum(amount) FROM ledger l WHERE l.user_id = u.id), 0)
            """, database: "usage") == "0")

        // A hold beyond what is left is refused, naming what was available.
        let greedy = HoldRecord(requestId: "greedy", userId: 1, apiKeyId: nil, model: "gpt-4o", amount: Amount(units: 100), runId: "node-0")
        let refused = try await UsageSettlement.commit(UsageBatch(holds: [greedy]), to: second.store)
        #expect(refused.refusedHolds["greedy"] == Amount(nanos: Amount(units: 10).nanos - spent))

        _ = try await NodeRegistry.heartbeat("node-0", requests: 100, inFlight: 0, store: first.store)
        try await NodeRegistry.stopped("node-1", requests: 100, store: second.store)
        let nodes = try await first.store.read { db in try NodeRegistry.all(db) }
        #expect(nodes.map(\.id).sorted() == ["node-0", "node-1"] && nodes.first { $0.id == "node-1" }?.stopReason == "stopped")
    }
}
