import Foundation
@testable import HubConsole
import HubAdmin
import HubCore
import Testing

/// Texts that come from the hub (mode-switch consequences, errors, ledger kinds) carry a code and
/// parameters, and the console shows them in its language.
@Suite struct HubTextTests {
    @Test func everyHubTextErrorCodeAndLedgerKindIsTranslated() async {
        #expect(Strings.missingHubTexts(in: .traditionalChinese).isEmpty, "\(Strings.missingHubTexts(in: .traditionalChinese))")
        for code in HubText.Code.allCases {
            #expect(HubText.englishTemplates[code] != nil, "\(code) has no English")
            let english = HubText.englishTemplates[code] ?? "", chinese = Strings.traditionalChineseHubTexts[code] ?? ""
            for n in 1...4 { #expect(english.contains("{\(n)}") == chinese.contains("{\(n)}"), "\(code) {\(n)}") }
        }
    }

    @Test func theModePreviewIsCodesAndParametersWithEnglishForTheCLI() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        let preview = try await hub.connection.service.perform(Admin.ModePreview(mode: .serviceProvider), actor: "test")
        #expect(preview.notes.contains(HubText(.modeUsersWithoutBalance, "2", "3")))
        #expect(preview.consequences == preview.notes.map(\.english))
        #expect(preview.consequences.contains("2 of 3 active users have a zero balance and will be refused."))
        #expect(preview.consequences.contains("1 models used in the last 30 days have no rate and will be refused: anthropic/claude-3-5-sonnet"))
    }

    @Test func aModeSwitchInTraditionalChineseShowsItsConsequencesInChinese() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub, language: .traditionalChinese)
        await driver.press(.character("m"))
        guard case .confirm(let confirm)? = driver.state.modal else { Issue.record("no confirmation"); return }
        #expect(confirm.lines.contains("• 3 位啟用中的使用者有 2 位餘額為零，將被拒絕。"))
        #expect(confirm.lines.contains("• 進行中的請求會以 enterprise 模式完成。"))
        // No English sentence is left: every line's letters are identifiers (modes, models, settings).
        let english = try Regex("[A-Za-z]{3,} [a-z]{2,} [a-z]{2,}")
        for line in confirm.lines { #expect(!line.contains(english), "\(line)") }
    }

    @Test func ledgerKindsAndHubErrorsShowInTraditionalChinese() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub, language: .traditionalChinese)
        await driver.press(.character(":"))
        await driver.type("user 王小明")
        await driver.press(.enter)
        let ledgerRow = (0..<30).map(driver.screen().row).first { $0.contains("welcome") } ?? ""
        #expect(ledgerRow.contains("加值") && !ledgerRow.contains("grant"), "\(ledgerRow)")

        // A deduct the hub refuses (the balance would go below zero): the refusal in Chinese, with its numbers.
        await driver.run([.perform(.deduct(user: "王小明", amount: Amount(units: 30), reason: "test", key: Mutation.newIdempotencyKey()))])
        #expect(driver.state.status?.text == "✗ 王小明 的餘額為 25 點：扣除 30 點後將剩 -5 點")
        await driver.run([.perform(.addUser(name: "alice", email: nil))])
        #expect(driver.state.status?.text == "✗ 已有名為「alice」的使用者")
    }

    @Test func aHubErrorsTextSurvivesTheAdminSocketWire() async throws {
        let error = HubError(.insufficientBalance, HubText(.balanceTooLow, "bob", "1", "2", "-1"))
        let object = RPCFailure(error, id: .integer(1)).object
        let decoded = try JSONDecoder().decode(RPCErrorObject.self, from: JSONEncoder().encode(object))
        #expect(decoded.hubError == error && decoded.hubError.text == error.text)
        #expect(decoded.hubError.message == "bob has 1 credits: taking 2 would leave -1")
    }
}
