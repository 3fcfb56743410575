import Foundation
import Testing
@testable import HubConsole
import HubAdmin
import HubCore

/// The console as a state machine, driven key by key against a real hub database, no terminal.
@Suite struct KeyHandlingTests {
    @Test func digitsTabAndShiftTabSwitchPanes() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        #expect(driver.state.pane == .mode)
        await driver.press(.character("3"))
        #expect(driver.state.pane == .users)
        await driver.press(.tab, .tab)
        #expect(driver.state.pane == .live)
        // Cycling counts the panes: after the last comes the first, before the first the last.
        await driver.press(.tab, .tab, .tab)
        #expect(driver.state.pane == .teams)
        #expect(driver.state.pane == PaneID.allCases.last)
        await driver.press(.tab)
        #expect(driver.state.pane == .mode)
        await driver.press(.backTab)
        #expect(driver.state.pane == PaneID.allCases.last)
        await driver.press(.character("6"))
        #expect(driver.state.pane == .billing)
        await driver.press(.backTab)
        #expect(driver.state.pane == .live)
    }

    @Test func grantingNeedsAnAmountAReasonAndAConfirmation() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("3"), .character("G"))  // users sorted by name: alice, bob, 王小明
        #expect(driver.state.selectedUser?.user.name == "王小明")
        await driver.press(.character("+"))
        await driver.type("ten")
        await driver.press(.tab, .enter)
        guard case .form(let form)? = driver.state.modal else { Issue.record("no form"); return }
        #expect(form.error == "'ten' is not an amount (use e.g. 10 or 2.5, not negative)")
        await driver.press(.up, .ctrl("u"))
        await driver.type("10")
        await driver.press(.enter, .enter)  // to reason, then submit with an empty reason
        guard case .form(let again)? = driver.state.modal else { Issue.record("no form"); return }
        #expect(again.error == "a reason is required")
        await driver.type("support ticket 42")
        await driver.press(.enter)
        guard case .confirm(let confirm)? = driver.state.modal else { Issue.record("no confirmation"); return }
        #expect(confirm.title == "Grant 10 credits to 王小明?")
        #expect(confirm.lines.contains("balance 25 → 35"))
        #expect(driver.performed.isEmpty, "nothing is sent before confirming")
        await driver.press(.character("y"))
        guard case .grant(let user, let amount, let reason, let key)? = driver.performed.first, driver.performed.count == 1 else {
            Issue.record("sent \(driver.performed)"); return
        }
        #expect(user == "王小明" && amount == Amount(units: 10) && reason == "support ticket 42" && key.hasPrefix("console:"))
        #expect(driver.state.status?.text == "✓ granted 10 credits to 王小明")
        #expect(driver.state.data.users.first { $0.user.name == "王小明" }?.user.balance == Amount(units: 35))
        let ledger = try await hub.connection.service.perform(Admin.UsersLedger(user: "王小明"), actor: "test")
        #expect(ledger.first?.amount == Amount(units: 10))
        #expect(ledger.first?.reason == "support ticket 42")
    }

    @Test func cancellingAConfirmationSendsNothing() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("3"), .character("-"))
        await driver.type("5")
        await driver.press(.tab)
        await driver.type("oops")
        await driver.press(.enter)
        guard case .confirm(let confirm)? = driver.state.modal else { Issue.record("no confirmation"); return }
        #expect(confirm.lines.contains("⚠ below zero: the hub will refuse this"))  // alice has 0
        await driver.press(.character("n"))
        #expect(driver.state.modal == nil)
        #expect(driver.performed.isEmpty)
    }

    @Test func theHubsRefusalGoesToTheStatusLine() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("3"), .character("-"))  // alice, balance 0
        await driver.type("5")
        await driver.press(.tab)
        await driver.type("test")
        await driver.press(.enter, .character("y"))
        #expect(driver.performed.count == 1)
        #expect(driver.state.status?.kind == .error)
        #expect(driver.state.status?.text.hasPrefix("✗ ") == true)
    }

    @Test func switchingModeShowsThePreviewAndNeedsTheModeName() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("m"))
        guard case .confirm(let confirm)? = driver.state.modal else { Issue.record("no preview"); return }
        #expect(confirm.requiredWord == "service-provider")
        #expect(confirm.lines.contains { $0.contains("2 of 3 active users have a zero balance") })
        await driver.type("service")
        await driver.press(.enter)
        #expect(driver.performed.isEmpty, "a wrong word does not switch")
        #expect(driver.state.status?.text == "type service-provider to confirm")
        await driver.type("-provider")
        await driver.press(.enter)
        #expect(driver.performed == [.setMode(.serviceProvider)])
        #expect(driver.state.data.settings?.mode == .serviceProvider)
    }

    @Test func readOnlyHidesAndRefusesEveryChange() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub, readOnly: true)
        await driver.press(.character("m"))
        #expect(driver.state.modal == nil)
        #expect(driver.state.status?.text == "✗ read-only: changes are disabled")
        await driver.press(.character("3"), .character("+"))
        #expect(driver.state.modal == nil)
        #expect(driver.performed.isEmpty)
        let footer = driver.screen().row(28)
        #expect(!footer.contains("grant") && footer.contains("open"))
        #expect(!ModalView.helpLines(driver.state).contains { $0.text == "grant" })
        let refused = await HubBridge(connection: hub.connection, readOnly: true).perform(.suspend(user: "bob"))
        guard case .failed = refused else { Issue.record("the bridge sent a change in read-only mode"); return }
    }

    @Test func filterCommandLineAndBack() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("3"), .character("/"))
        await driver.type("王")
        #expect(driver.state.visibleUsers.map(\.user.name) == ["王小明"])
        await driver.press(.enter, .character("/"), .ctrl("u"))
        await driver.type("!^a")
        await driver.press(.enter)
        #expect(driver.state.visibleUsers.map(\.user.name) == ["bob", "王小明"])
        await driver.press(.escape)  // clears the filter
        #expect(driver.state.visibleUsers.count == 3)
        await driver.press(.character(":"))
        await driver.type("user nobody")
        await driver.press(.enter)
        #expect(driver.state.status?.text == "✗ no user named 'nobody'")
        #expect(driver.state.openUser == nil)
        await driver.press(.character(":"))
        await driver.type("user alice")
        await driver.press(.enter)
        #expect(driver.state.openUser == "alice")
        #expect(driver.state.openUserDetail?.user.email == "alice@example.com")
        await driver.press(.escape)
        #expect(driver.state.openUser == nil)
        #expect(driver.state.handle(.character(":")) == [])
        for key in Key.typing("theme light") { _ = driver.state.handle(key) }
        #expect(driver.state.handle(.enter) == [.setTheme("light")])
        for key in [Key.character(":")] + Key.typing("lang zh-TW") + [.enter] { _ = driver.state.handle(key) }
        #expect(driver.state.strings.language == .traditionalChinese)
        #expect(driver.state.handle(.character("q")) == [.quit])
    }

    @Test func helpListsTheSameBindingsTheDispatcherUses() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        for pane in PaneID.allCases {
            await driver.press(.character(Character(String(pane.rawValue))))
            let help = ModalView.helpLines(driver.state).map(\.text)
            for binding in KeyTable.pane(pane) {
                #expect(help.contains(driver.state.strings(binding.help)))
                #expect(KeyTable.action(for: binding.keys[0], on: pane)?.action == binding.action)
            }
        }
        await driver.press(.character("?"))
        #expect(driver.state.modal == .help)
        await driver.press(.escape)
        #expect(driver.state.modal == nil)
    }

    @Test func addingACredentialMasksTheSecret() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("2"), .character("j"), .character("c"))  // anthropic, openai → openai
        await driver.type("backup")
        await driver.press(.tab)
        await driver.type("sk-very-secret-value")
        let text = driver.screen().text
        #expect(!text.contains("sk-very-secret-value"))
        #expect(text.contains(String(repeating: "*", count: 20)))
        await driver.press(.enter, .enter)
        #expect(driver.performed == [.addCredential(provider: "openai", name: "backup", secret: "sk-very-secret-value", weight: 100)])
        #expect(driver.state.data.credentials.contains { $0.name == "backup" && !$0.secretMasked.contains("very-secret") })
    }

    @Test func liveNotificationsFeedThePaneUnlessPaused() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("5"))
        let event = UsageEvent(requestId: "r1", userId: 1, apiKeyId: nil, providerId: 1, model: "gpt-4o", status: 200)
        _ = driver.state.apply(.notification(.usage(event)))
        let byUser = ["1": GroupStats(requests: 30, errors: 0, requestsPerSecond: 3, averageLatencyMs: 240)]
        _ = driver.state.apply(.notification(.stats(LiveStats(time: Date(), requestsPerSecond: 3, byUser: byUser))))
        #expect(driver.state.data.live.tail.count == 1)
        #expect(driver.state.data.live.topUsers(limit: 3).first?.userId == 1)
        await driver.press(.character("p"))
        _ = driver.state.apply(.notification(.usage(event)))
        #expect(driver.state.data.live.tail.count == 1)
        #expect(driver.screen().text.contains("⏸ PAUSED"))
    }

    @Test func editingAProviderShowsTheChangeFirst() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("2"), .character("j"), .character("e"), .tab, .ctrl("u"))
        await driver.type("https://proxy.example/v1")
        await driver.press(.enter, .enter)
        guard case .confirm(let confirm)? = driver.state.modal else { Issue.record("no confirmation"); return }
        #expect(confirm.lines == ["base URL: https://api.openai.com/v1 → https://proxy.example/v1"])
        await driver.press(.enter)
        #expect(driver.performed == [.updateProvider("openai", kind: .openAICompatible, baseURL: "https://proxy.example/v1", displayName: "openai")])
        #expect(driver.state.data.providers.first { $0.info.provider.name == "openai" }?.info.provider.baseURL == "https://proxy.example/v1")
    }

    @Test func aFilterOnAFullUserListAsksTheHubToSearch() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("3"))
        // Pretend the first page was full: the filter must then go to the hub, not only to the page.
        driver.state.data.users = Array(repeating: driver.state.data.users[0], count: ConsoleState.userListLimit)
        #expect(driver.state.handle(.character("/")) == [])
        for key in Key.typing("小明") { _ = driver.state.handle(key) }
        #expect(driver.state.handle(.enter) == [.load(.userSearch("小明"))])
        await driver.run([.load(.userSearch("小明"))])
        #expect(driver.state.visibleUsers.map(\.user.name) == ["王小明"])
        #expect(driver.state.usersQuery == .userSearch("小明"))
        #expect(driver.state.handle(.escape) == [.load(.users)])
        await driver.run([.load(.users)])
        #expect(driver.state.data.users.count == 3)
        #expect(driver.state.usersQuery == .users)
    }
}
