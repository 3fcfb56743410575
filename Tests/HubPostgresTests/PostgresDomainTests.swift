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
}
