import Foundation
import Testing
@testable import HubConsole
import HubAdmin
import HubCore

/// Rendering snapshots on the screen model, read cell by cell: 80x24 and 120x40, English and zh-TW.
@Suite struct RenderTests {
    func lines(_ screen: ScreenModel) -> [String] {
        screen.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    func rowIndex(containing text: String, in screen: ScreenModel) -> Int? {
        (0..<screen.height).first { screen.row($0).contains(text) }
    }

    /// The column of the first cell of row `y` whose text is `text`.
    func column(of text: String, row y: Int, in screen: ScreenModel) -> Int? {
        (0..<screen.width).first { screen.cell(x: $0, y: y).text == text }
    }

    @Test(arguments: [(80, 24, Language.english), (120, 40, .english), (80, 24, .traditionalChinese), (120, 40, .traditionalChinese)])
    func aCJKNameKeepsTheUsersTableAligned(width: Int, height: Int, language: Language) async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub, language: language)
        await driver.press(.character("3"))
        let screen = driver.screen(width: width, height: height)
        let wang = try #require(rowIndex(containing: "王小明", in: screen))
        let alice = try #require(rowIndex(containing: "alice", in: screen))
        #expect(column(of: "✓", row: wang, in: screen) == column(of: "✓", row: alice, in: screen))
        #expect(column(of: "w", row: wang, in: screen) == column(of: "a", row: alice, in: screen).map { _ in
            column(of: "@", row: alice, in: screen)! - "alice".count })
        // Every row is exactly the screen's width in display columns: nothing spills or is cut in half.
        for y in 0..<height { #expect(DisplayWidth.of(screen.row(y)) == width) }
        let balanceColumn = { (y: Int) in (0..<width).last { screen.cell(x: $0, y: y).text == "5" || screen.cell(x: $0, y: y).text == "0" } }
        #expect(screen.cell(x: try #require(balanceColumn(wang)), y: wang).width == 1)
    }

    @Test func usersPaneSnapshot80x24English() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("3"))
        let screen = lines(driver.screen(width: 80, height: 24))
        #expect(screen[0].hasPrefix(" AIGNE Hub │ ○ database …") && screen[0].hasSuffix("hub.sqlite │ mode: enterprise 08:00:00"))
        #expect(screen[1] == "1 Mode  2 Providers  [3 Users]  4 Pricing  5 Live  6 Billing  7 Revenue  8 Teams")
        #expect(screen[2] == " name           email                     status           balance spend (month)")
        #expect(screen[3] == "›alice          alice@example.com         ✓ active               0             3")
        #expect(screen[4] == " bob                                      ✓ active               0             0")
        #expect(screen[5] == " 王小明         wang@example.com          ✓ active              25           4.5")
        #expect(screen[22] == " Enter open  + grant  - deduct  s suspend/resume  n new key             ? help")
        #expect(screen[23] == "updated 0 s ago")
    }

    @Test func usersPaneSnapshot80x24TraditionalChinese() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub, language: .traditionalChinese)
        await driver.press(.character("3"))
        let screen = lines(driver.screen(width: 80, height: 24))
        #expect(screen[1] == " 1 模式   2 供應商  [3 使用者]  4 定價   5 即時   6 帳務   7 營收   8 團隊")
        #expect(screen[2] == " 名稱           電子郵件                  狀態                餘額      本月花費")
        #expect(screen[5] == " 王小明         wang@example.com          ✓ 啟用                25           4.5")
        #expect(screen[23] == "0 秒前更新")
    }

    @Test func pricingFlagsModelsUsedWithoutARate() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("4"))
        let screen = lines(driver.screen(width: 120, height: 40))
        #expect(screen[3].hasPrefix("›openai/gpt-4o") && screen[3].hasSuffix("chat         2.5 / 10          5 / 15    60.0%"))
        #expect(screen[4].hasPrefix(" anthropic/claude-3-5-sonnet") && screen[4].hasSuffix("⚠ no rate"))
        #expect(screen[37] == " ⚠ no rate 1 models used without a rate")
    }

    @Test func providersShowHealthAndMaskedSecrets() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("2"), .character("j"))
        let screen = driver.screen(width: 120, height: 40)
        let text = screen.text
        #expect(text.contains("100.0%"))  // anthropic: every call failed
        #expect(text.contains("sk-…abcd") && !text.contains("1234567890"))
        let openai = try #require(rowIndex(containing: "›openai", in: screen))
        #expect(screen.row(openai).contains("✓ on") && screen.row(openai).contains("1/1"))
    }

    @Test func aTooSmallTerminalSaysWhatItNeeds() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        let driver = await Driver(hub: hub)
        #expect(driver.screen(width: 50, height: 12).text.contains("terminal too small: need 60×15, have 50×12"))
    }

    @Test func monoCarriesSelectionWithReverseNotColour() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("3"))
        let mono = try ThemeLibrary(directories: [packageThemes]).load("mono")
        let screen = driver.screen(width: 80, height: 24, theme: mono)
        let selected = screen.cell(x: 2, y: 3)
        #expect(selected.text == "l" && selected.style.reverse && selected.style.foreground == .terminalDefault)
        #expect(screen.cell(x: 0, y: 3).text == "›")
        #expect(!screen.cell(x: 3, y: 4).style.reverse)
    }

    @Test func grantDialogShowsTheEffectBeforeConfirming() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub, language: .traditionalChinese)
        await driver.press(.character("3"), .character("G"), .character("+"))
        await driver.type("10")
        await driver.press(.tab)
        await driver.type("客服補償")
        await driver.press(.enter)
        let text = driver.screen(width: 80, height: 24).text
        #expect(text.contains("為 王小明 加值 10 點？"))
        #expect(text.contains("餘額 25 → 35"))
        #expect(text.contains("原因：客服補償"))
    }

    @Test func modePaneSnapshot80x24() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        let driver = await Driver(hub: hub)
        let screen = lines(driver.screen(width: 80, height: 24))
        #expect(screen[1] == "[1 Mode]  2 Providers  3 Users  4 Pricing  5 Live  6 Billing  7 Revenue  8 Teams")
        #expect(screen[3] == " Deployment mode: ◆ enterprise (enterprise)")
        #expect(screen[4] == "   Usage is tracked with its cost for chargeback; nobody is refused for")
        #expect(screen[5] == "   credits.")
        #expect(screen[10] == " ›starter credits on         ✗ off")
        #expect(screen[14] == "  allow unpriced models      ✗ off")
        #expect(screen[22] == " m switch mode  Enter edit setting  / filter  : command                 ? help")
    }

    @Test func livePaneShowsTheTailWithCJKNamesAligned() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub, language: .traditionalChinese)
        await driver.press(.character("5"))
        let now = Date()
        for (index, user) in [1, 2, 1].enumerated() {
            let event = UsageEvent(requestId: "r\(index)", userId: Int64(user), apiKeyId: nil, providerId: 1, model: "gpt-4o",
                                   tokensIn: 100, tokensOut: 20, creditsCharged: Amount(nanos: 2_000_000), latencyMs: 300,
                                   status: index == 2 ? 502 : 200, createdAt: now)
            _ = driver.state.apply(.notification(.usage(event)))
        }
        let byUser = ["1": GroupStats(requests: 2, errors: 1, requestsPerSecond: 0.2, averageLatencyMs: 300),
                      "2": GroupStats(requests: 1, errors: 0, requestsPerSecond: 0.1, averageLatencyMs: 300)]
        for rate in [10.0, 20.0] {
            _ = driver.state.apply(.notification(.stats(LiveStats(time: now, requestsPerSecond: rate, latencyP50Ms: 300,
                                                                  latencyP95Ms: 450, latencyP99Ms: 500, byUser: byUser))))
        }
        let screen = driver.screen(width: 120, height: 40)
        let text = lines(screen)
        #expect(text[2].hasPrefix(" 請求/秒           20.0 ▲ ") && text[2].hasSuffix("▅█ ▶ 即時"))
        #expect(text[6] == " 延遲 p50 300 · p95 450 · p99 500 ms")
        #expect(text[8].hasPrefix(" 王小明  0.2/s"))
        let rows = (0..<screen.height).filter { screen.row($0).contains("openai/gpt-4o") }
        #expect(rows.count == 3)
        let statusColumns = rows.map { y in (0..<screen.width).first { screen.cell(x: $0, y: y).text == "✓" || screen.cell(x: $0, y: y).text == "✗" } }
        #expect(Set(statusColumns).count == 1, "the status column lines up under CJK and Latin names")
        #expect(screen.row(rows[0]).contains("✗ 502") && screen.row(rows[0]).contains("王小明"))
    }

    @Test func helpFitsAt80x24InBothLanguages() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        for language in Language.allCases {
            var driver = await Driver(hub: hub, language: language)
            await driver.press(.character("3"), .character("?"))
            let text = driver.screen(width: 80, height: 24).text
            #expect(text.contains(":quit") && text.contains(driver.state.strings(.closeHint)))
        }
    }
}
