import Foundation
@testable import HubConsole
import HubAdmin
import HubCore
import Testing

/// Users under the low-balance threshold are marked and `:low` lists them; calls that reached no
/// provider are named in the Live pane's top lists and tail.
@Suite struct LowBalanceAndLiveTests {
    /// Service-provider mode with a threshold of 10: 王小明 has 25, alice and bob 0.
    static func hubWithThreshold() async throws -> TestHub {
        let hub = try await TestHub.make()
        _ = try await hub.connection.service.perform(Admin.ModeSet(mode: .serviceProvider), actor: "test")
        _ = try await hub.connection.service.perform(Admin.SettingsSet(lowBalanceThreshold: Amount(units: 10)), actor: "test")
        return hub
    }

    func row(_ text: String, _ screen: ScreenModel) -> String? {
        (0..<screen.height).map(screen.row).first { $0.contains(text) }
    }

    @Test func usersUnderTheThresholdAreMarkedAndListedByLow() async throws {
        let hub = try await Self.hubWithThreshold()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("3"))
        var screen = driver.screen(width: 80, height: 24)
        #expect(row("alice", screen)?.contains("▼ 0") == true)
        #expect(row("bob", screen)?.contains("▼ 0") == true)
        #expect(row("王小明", screen)?.contains("▼") == false)

        await driver.press(.character(":"))
        await driver.type("low")
        await driver.press(.enter)
        screen = driver.screen(width: 80, height: 24)
        #expect(row("alice", screen) != nil && row("bob", screen) != nil)
        #expect(row("王小明", screen) == nil, "only users under the threshold")
        #expect(screen.row(23).contains(":low"))

        await driver.press(.escape)
        screen = driver.screen(width: 80, height: 24)
        #expect(row("王小明", screen) != nil, "Esc shows every user again")
    }

    @Test func theHubListsLowBalanceUsersBeyondTheFirstPage() async throws {
        let hub = try await Self.hubWithThreshold()
        defer { hub.remove() }
        let low = try await hub.connection.service.perform(Admin.UsersSummaries(limit: 1, lowBalance: true), actor: "test")
        #expect(low.map(\.user.name) == ["alice"])
        let all = try await hub.connection.service.perform(Admin.UsersSummaries(lowBalance: true), actor: "test")
        #expect(all.map(\.user.name) == ["alice", "bob"])
        _ = try await hub.connection.service.perform(Admin.ModeSet(mode: .enterprise), actor: "test")
        #expect(try await hub.connection.service.perform(Admin.UsersSummaries(lowBalance: true), actor: "test").isEmpty,
                "no low balances in enterprise mode")
    }

    @Test func withoutAThresholdNothingIsMarkedAndLowSaysWhy() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("3"), .character(":"))
        await driver.type("low")
        await driver.press(.enter)
        #expect(driver.state.status?.text == "no low-balance threshold: set one in the Mode pane (service-provider mode)")
        let screen = driver.screen(width: 80, height: 24)
        #expect(row("alice", screen)?.contains("▼") == false)
        #expect(row("王小明", screen) != nil)
    }

    @Test(arguments: [(Language.english, "(no key)", "(unknown model)"), (.traditionalChinese, "（無金鑰）", "（未知模型）")])
    func callsThatReachedNoProviderAreNamedInTheLivePane(language: Language, noKey: String, unknownModel: String) async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub, language: language)
        await driver.press(.character("5"))
        let now = Date()
        var window = LiveStatsWindow()
        window.providerNames = [1: "openai"]
        let events = [
            UsageEvent(requestId: "a", userId: nil, apiKeyId: nil, providerId: nil, model: "", status: 401, createdAt: now),
            UsageEvent(requestId: "b", userId: nil, apiKeyId: nil, providerId: nil, model: "", status: 401, createdAt: now),
            UsageEvent(requestId: "c", userId: 1, apiKeyId: nil, providerId: nil, model: "gpt-9", status: 404, createdAt: now),
            UsageEvent(requestId: "d", userId: 1, apiKeyId: nil, providerId: 1, model: "gpt-4o", status: 200, createdAt: now),
        ]
        for event in events {
            window.add(event)
            _ = driver.state.apply(.notification(.usage(event)))
        }
        _ = driver.state.apply(.notification(.stats(window.tick(now: now))))
        let screen = driver.screen(width: 120, height: 40)
        let topModels = (0..<screen.height).map(screen.row).filter { $0.contains("/s") }
        #expect(topModels.contains { $0.contains(noKey + "  0.2/s") }, "\(topModels)")
        #expect(topModels.contains { $0.contains(unknownModel + "  0.1/s") }, "\(topModels)")
        #expect(topModels.contains { $0.contains("openai/gpt-4o  0.1/s") }, "\(topModels)")
        #expect(!topModels.contains { $0.contains(" -  ") || $0.hasPrefix("   0.") })
        let tail = (0..<screen.height).map(screen.row).filter { $0.contains("✗ 40") }
        #expect(tail.count == 3 && tail.filter { $0.contains(noKey) }.count == 2 && tail.filter { $0.contains(unknownModel) }.count == 1)
    }
}
