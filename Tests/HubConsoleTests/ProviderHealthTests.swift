import Foundation
import GRDB
@testable import HubConsole
import HubAdmin
@testable import HubCore
import Testing

/// Provider health where operators look: the Providers pane's error rate and latency per provider and
/// per credential (from the `usage_health_hourly` rollup), and when keys and credentials were last used,
/// kept current under live traffic.
@Suite struct ProviderHealthTests {
    /// A call of `provider` answered by `credential` after `failed` failed over.
    static func event(provider: Int64?, credential: Int64?, failed: Int64? = nil, status: Int, latency: Double,
                      at time: Date = Date()) -> UsageEvent {
        var event = UsageEvent(requestId: UUID().uuidString, userId: 1, apiKeyId: nil, providerId: provider, model: "gpt-4o",
                               latencyMs: latency, status: status, createdAt: time)
        event.credentialId = credential
        event.failedCredentialId = failed
        return event
    }

    static func insert(_ events: [UsageEvent], _ hub: TestHub) throws {
        try hub.connection.service.store.sqliteWrite { db in for var event in events { try event.insert(db) } }
    }

    @Test func theRollupCountsAttemptsFailuresAndLatencyByCredential() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        let service = hub.connection.service
        _ = try await service.perform(Admin.CredentialsAdd(provider: "openai", name: "backup", secret: "sk-test-backup-000000"), actor: "test")
        _ = try await service.perform(Admin.ProvidersAdd(name: "deepseek", kind: .openAICompatible, baseUrl: "https://api.deepseek.com"), actor: "test")
        let credentials = try await service.perform(Admin.CredentialsList(), actor: "test")
        let main = try #require(credentials.first { $0.name == "main" }?.id)
        let backup = try #require(credentials.first { $0.name == "backup" }?.id)
        try Self.insert((0..<3).map { _ in Self.event(provider: 1, credential: main, status: 200, latency: 100) } + [
            Self.event(provider: 1, credential: main, failed: backup, status: 200, latency: 300),  // backup failed over to main
            Self.event(provider: 1, credential: backup, status: 503, latency: 50),
            Self.event(provider: 1, credential: main, status: 500, latency: 10, at: Date().addingTimeInterval(-3 * 3_600)),  // not recent
            Self.event(provider: 1, credential: main, status: 429, latency: 20),
            Self.event(provider: nil, credential: nil, status: 401, latency: 1),  // reached no provider
        ], hub)

        let health = try await service.perform(Admin.ProvidersHealth(), actor: "test")
        let openai = try #require(health.first { $0.info.provider.name == "openai" })
        #expect(openai.recentByCredential[main] == Traffic(attempts: 5, failures: 1, latencyMsSum: 620, timed: 5))
        #expect(openai.recentByCredential[backup] == Traffic(attempts: 2, failures: 2, latencyMsSum: 50, timed: 1))
        // The seeded calls (3 × 240 ms, no credential) count for the provider only.
        #expect(openai.recent == Traffic(attempts: 10, failures: 3, latencyMsSum: 1_390, timed: 9))
        #expect(health.first { $0.info.provider.name == "anthropic" }?.recent.errorRate == 1)
        #expect(health.first { $0.info.provider.name == "deepseek" }?.recent == Traffic())
    }

    @Test func theProvidersPaneFillsUnderLiveTraffic() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        let service = hub.connection.service
        _ = try await service.perform(Admin.ProvidersAdd(name: "deepseek", kind: .openAICompatible, baseUrl: "https://api.deepseek.com"), actor: "test")
        _ = try await service.perform(Admin.CredentialsAdd(provider: "deepseek", name: "flaky", secret: "sk-fault-503-demo-0004"), actor: "test")
        var driver = await Driver(hub: hub)
        await driver.press(.character("2"), .character("/"))
        await driver.type("deepseek")
        await driver.press(.enter)
        func deepseekRow(_ screen: ScreenModel) -> String { (0..<screen.height).map(screen.row).first { $0.contains("deepseek") } ?? "" }
        var screen = driver.screen(width: 120, height: 40)
        #expect(deepseekRow(screen).filter { $0 == "–" }.count == 2, "no traffic yet: \(deepseekRow(screen))")
        #expect(screen.text.contains("never"))

        // Traffic arrives: the flaky credential fails over twice out of four calls; the hub records when it was
        // last used and its last error.
        let flaky = try #require(try await service.perform(Admin.CredentialsList(), actor: "test").first { $0.name == "flaky" }?.id)
        try Self.insert([Self.event(provider: 3, credential: flaky, status: 200, latency: 80),
                         Self.event(provider: 3, credential: flaky, status: 503, latency: 40),
                         Self.event(provider: 3, credential: flaky, status: 200, latency: 120),
                         Self.event(provider: 3, credential: flaky, status: 200, latency: 160)], hub)
        try service.store.sqliteWrite { db in
            try db.execute(sql: "UPDATE credentials SET last_used_at = ?, last_error = ? WHERE id = ?",
                           arguments: [Date(), "503 upstream unavailable", flaky])
        }
        for second in 1...5 {
            await driver.run(driver.state.apply(.notification(.stats(LiveStats(time: Date().addingTimeInterval(Double(second)))))))
        }
        screen = driver.screen(width: 120, height: 40)
        #expect(deepseekRow(screen).contains("25.0%") && deepseekRow(screen).contains("100 ms"), "\(deepseekRow(screen))")
        await driver.press(.enter)  // the credentials
        screen = driver.screen(width: 120, height: 40)
        let flakyRow = (0..<screen.height).map(screen.row).first { $0.contains("flaky") } ?? ""
        #expect(flakyRow.contains("25.0%") && flakyRow.contains("100 ms") && flakyRow.contains("503 upstream unavail"), "\(flakyRow)")
        #expect(!flakyRow.contains("never"))
    }

    @Test func anOpenUsersKeysShowWhenTheyWereLastUsedUnderLiveTraffic() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        let created = try await hub.connection.service.perform(Admin.KeysCreate(user: "alice", name: "laptop"), actor: "test")
        var driver = await Driver(hub: hub)
        await driver.press(.character(":"))
        await driver.type("user alice")
        await driver.press(.enter)
        let keyRow = { (screen: ScreenModel) in (0..<screen.height).map(screen.row).first { $0.contains("laptop") } ?? "" }
        #expect(keyRow(driver.screen()).contains("never"))
        try hub.connection.service.store.sqliteWrite { db in
            try db.execute(sql: "UPDATE api_keys SET last_used_at = ? WHERE id = ?", arguments: [Date(), created.key.id])
        }
        for second in 1...5 {
            await driver.run(driver.state.apply(.notification(.stats(LiveStats(time: Date().addingTimeInterval(Double(second)))))))
        }
        #expect(!keyRow(driver.screen()).contains("never"), "\(keyRow(driver.screen()))")
    }
}
