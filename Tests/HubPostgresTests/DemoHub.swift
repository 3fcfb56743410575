import Foundation
import GRDB
@testable import HubCore
import HubTestSupport

/// A demo-sized SQLite hub in a temporary directory: users with keys, grants, usage events charged
/// through the ledger (so every balance equals its ledger), providers, credentials, rates, a team,
/// and rows in every billing table. Seeded from a fixed generator.
final class DemoHub: Sendable {
    let directory: DataDirectory
    let service: AdminService
    var store: HubStore { service.store }

    init(users: Int, events: Int, seed: UInt64 = 7) async throws {
        directory = DataDirectory(url: FileManager.default.temporaryDirectory.appendingPathComponent("pg-demo-\(UUID().uuidString)"))
        let (store, sealer) = try HubStore.initialize(directory, mode: .serviceProvider, environment: [:])
        service = AdminService(store: store, sealer: sealer)
        try await populate(users: users, events: events, generator: SplitMix64(seed: seed))
    }

    deinit { try? FileManager.default.removeItem(at: directory.url) }

    private func run<M: AdminMethod>(_ method: M) async throws -> M.Result { try await service.perform(method, actor: "test") }

    private func populate(users: Int, events: Int, generator: SplitMix64) async throws {
        var random = generator
        _ = try await run(Admin.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1"))
        _ = try await run(Admin.ProvidersAdd(name: "anthropic", kind: .anthropic, baseUrl: "https://api.anthropic.com"))
        _ = try await run(Admin.CredentialsAdd(provider: "openai", name: "main", secret: "sk-test-1234567890abcd"))
        _ = try await run(Admin.CredentialsAdd(provider: "anthropic", name: "main", secret: "sk-ant-test-1234567890"))
        _ = try await run(Admin.RatesSet(model: "openai/gpt-4o", input: Amount(units: 5), output: Amount(units: 15),
                                   costInput: Amount(nanos: 2_500_000_000), costOutput: Amount(units: 10)))
        _ = try await run(Admin.PackagesAdd(name: "starter", price: Amount(units: 10), currency: "usd", credits: Amount(units: 10)))
        _ = try await run(Admin.PlansAdd(name: "monthly", interval: .month, credits: Amount(units: 20), price: Amount(units: 15), currency: "usd"))
        _ = try await run(Admin.NoticeEndpointsAdd(url: "https://ops.example.com/hook", secret: "whsec-notice-1234567890"))
        _ = try await run(Admin.WebhookSecretsAdd(processor: .stripe, secret: "whsec_test_1234567890"))
        let batch = try await run(Admin.CodesCreate(count: 3, value: Amount(units: 2)))
        let names = ["王小明"] + (1..<users).map { "user-\($0)" }
        for name in names {
            _ = try await run(Admin.UsersAdd(name: name, email: "\(name)@example.com"))
            _ = try await run(Admin.KeysCreate(user: name, name: "default"))
            _ = try await run(Admin.UsersGrant(user: name, amount: Amount(units: 100 + Int64(random.next() % 100)), reason: "welcome"))
        }
        _ = try await run(Admin.SubscriptionsStart(user: names[0], plan: "monthly"))
        _ = try await run(Admin.CodesRedeem(user: names[1 % names.count], code: batch.codes[0]))
        _ = try await run(Admin.UsersDeduct(user: names[0], amount: Amount(nanos: 1_234_567_891), reason: "correction"))
        let generator = random
        try await store.write { db in
            var random = generator
            try db.execute(sql: "INSERT INTO teams (name, created_at) VALUES ('research', ?)", arguments: [Date()])
            try db.execute(sql: "INSERT INTO team_members (team_id, user_id, added_at) VALUES (1, 1, ?)", arguments: [Date()])
            try db.execute(sql: "UPDATE api_keys SET team_id = 1 WHERE user_id = 1")
            try db.execute(sql: """
                INSERT INTO payments (processor, event_id, event_type, kind, status, user_id, package_id, amount, currency, created_at)
                VALUES ('stripe', 'evt_1', 'checkout.session.completed', ?, ?, 1, 1, 10000000000, 'usd', ?)
                """, arguments: [PaymentKind.allCases[0].rawValue, PaymentStatus.allCases[0].rawValue, Date()])
            let start = Date().addingTimeInterval(-10 * 86_400)
            for index in 0..<events {
                let user = Int64(random.next() % UInt64(users)) + 1
                let provider = Int64(random.next() % 2) + 1
                let charge = Amount(nanos: Int64(random.next() % 50_000_000) + 1)
                let failed = random.next() % 10 == 0
                let requestId = "req-\(index)"
                let time = start.addingTimeInterval(Double(index) * 864_000 / Double(max(events, 1)))
                var event = UsageEvent(requestId: requestId, userId: user, apiKeyId: user, providerId: provider,
                                       model: provider == 1 ? "gpt-4o" : "claude-3-5-sonnet", tokensIn: Int64(random.next() % 2_000),
                                       tokensOut: Int64(random.next() % 800), creditsCharged: failed ? .zero : charge,
                                       latencyMs: Double(random.next() % 3_000) / 3, status: failed ? 502 : 200, createdAt: time)
                event.credentialId = provider
                event.teamId = user == 1 ? 1 : nil
                try event.insert(db)
                if !failed {
                    _ = try Ledger.post(db, userId: user, kind: .usage, amount: charge.negated, actor: "gateway",
                                        reason: "usage", idempotencyKey: "usage:\(requestId)", requestId: requestId, at: time)
                }
            }
        }
    }

    /// Rows per table, as SQLite counts them.
    func rowCounts() throws -> [String: Int64] {
        try Dictionary(uniqueKeysWithValues: store.exportedTables().map { ($0.name, try store.rowCount(of: $0.name)) })
    }

    /// Lines of a query's rows, fields joined by `|`, as psql -At prints them.
    func lines(_ sql: String) throws -> String {
        try store.sqliteRead { db in
            try Row.fetchAll(db, sql: sql).map { row in
                row.databaseValues.map { value -> String in
                    switch value.storage {
                    case .null: ""
                    case .int64(let number): "\(number)"
                    case .double(let number): "\(number)"
                    case .string(let text): text
                    case .blob(let data): data.map { String(format: "%02x", $0) }.joined()
                    }
                }.joined(separator: "|")
            }.joined(separator: "\n")
        }
    }
}
