import Foundation
import GRDB
import Testing
@testable import HubConsole
import HubAdmin
@testable import HubCore

/// Teams, budgets, limits, key scopes and the chargeback view, driven key by key against a real hub
/// database (the admin methods of gov-control and gov-reports answer, nothing is faked).
@Suite struct GovernanceConsoleTests {
    /// The test hub plus team `eng` (alice and 王小明, alice's key spends for it) and team `ops` (bob),
    /// with usage this month: eng 3 calls at 1.5 USD, ops 2 calls at 0.25 USD, 1 call of no team.
    static func governedHub() async throws -> TestHub {
        let hub = try await TestHub.make()
        let service = hub.connection.service
        _ = try await service.perform(Admin.TeamsAdd(name: "eng", description: "engineering"), actor: "test")
        _ = try await service.perform(Admin.TeamsAdd(name: "ops"), actor: "test")
        for (team, user) in [("eng", "alice"), ("eng", "王小明"), ("ops", "bob")] {
            _ = try await service.perform(Admin.TeamsAddMember(team: team, user: user), actor: "test")
        }
        let key = try await service.perform(Admin.KeysCreate(user: "alice", name: "laptop"), actor: "test")
        _ = try await service.perform(Admin.KeysSetTeam(key: String(key.key.id!), team: "eng"), actor: "test")
        try hub.insertTeamUsage(team: "eng", user: 2, key: key.key.id, count: 3, cost: Amount(nanos: 1_500_000_000))
        try hub.insertTeamUsage(team: "ops", user: 3, key: nil, count: 2, cost: Amount(nanos: 250_000_000))
        try hub.insertTeamUsage(team: nil, user: 1, key: nil, count: 1, cost: Amount(nanos: 1))
        return hub
    }

    /// The digit of the Teams pane.
    let teamsKey = Key.character(Character(String(PaneID.teams.rawValue)))

    func lines(_ screen: ScreenModel) -> [String] {
        screen.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    func confirmLines(_ state: ConsoleState) -> [String] {
        guard case .confirm(let model) = state.modal else { return [] }
        return [model.title] + model.lines
    }

    @Test func aTeamBudgetIsPreviewedThenSetAndShownInTheTeamsViewAndTheUsersBar() async throws {
        let hub = try await Self.governedHub()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(teamsKey)
        #expect(driver.state.selectedTeam?.team.name == "eng")
        await driver.press(.character("b"))
        guard case .form(let form) = driver.state.modal else { Issue.record("no budget form"); return }
        #expect(form.title == "Budget for team eng")
        await driver.type("4")
        await driver.press(.enter, .enter, .enter)
        // The hub's preview: 4.5 USD spent by eng this month, over the new 4 USD: refused at once.
        let confirm = confirmLines(driver.state)
        #expect(confirm.first == "Set the budget of team eng?")
        #expect(confirm.contains("amount – → 4 USD per month"))
        #expect(confirm.contains("spent this period so far: 4.5 of 4 USD"))
        #expect(confirm.contains { $0.hasPrefix("⚠ already exhausted: calls are refused now, until ") })
        #expect(try await hub.connection.service.perform(Admin.BudgetsList(), actor: "test").isEmpty, "sent before it was confirmed")
        await driver.press(.character("y"))
        let budgets = try await hub.connection.service.perform(Admin.BudgetsList(team: "eng"), actor: "test")
        #expect(budgets.map { [$0.amount.description, $0.period.rawValue, String($0.soft ?? 0)] } == [["4", "month", "80"]])
        #expect(driver.state.status?.text == "✓ budget of team eng saved")
        let audit = try await hub.connection.service.perform(Admin.AuditList(), actor: "test")
        #expect(audit.contains { $0.action == "budgets.set" && $0.actor == hub.connection.actor }, "\(audit.map { [$0.action, $0.actor] })")

        let teams = lines(driver.screen(width: 100, height: 30))
        let eng = try #require(teams.first { $0.contains("eng") })
        #expect(eng.contains("████████ 112% ✗"))
        #expect(teams.first { $0.contains("ops") }?.contains("%") == false)

        await driver.press(.character("3"))
        let users = lines(driver.screen(width: 100, height: 30))
        #expect(users[2].contains("team") && users[2].contains("budget") && users[2].contains("rpm/tpm/conc"))
        #expect(try #require(users.first { $0.contains("alice") }).contains("eng") && users.first { $0.contains("alice") }!.contains("112% ✗"))
        #expect(try #require(users.first { $0.contains("bob") }).contains("%") == false)
    }

    @Test func theBudgetDialogSpeaksTraditionalChinese() async throws {
        let hub = try await Self.governedHub()
        defer { hub.remove() }
        var driver = await Driver(hub: hub, language: .traditionalChinese)
        await driver.press(teamsKey, .character("b"))
        guard case .form(let form) = driver.state.modal else { Issue.record("no budget form"); return }
        #expect(form.title == "團隊 eng 的預算" && form.fields.map(\.label) == ["金額（美元）", "週期", "軟性門檻 %"])
        await driver.type("4")
        await driver.press(.enter, .enter, .enter)
        let confirm = confirmLines(driver.state)
        #expect(confirm.first == "設定 團隊 eng 的預算？")
        #expect(confirm.contains("金額 – → 4 美元／每月"))
        #expect(confirm.contains("本週期目前已用：4.5／4 美元"))
        #expect(confirm.contains { $0.hasPrefix("⚠ 預算已用盡：呼叫現在會被拒絕，直到 ") })
    }

    @Test func aSoftThresholdIsMarkedOnTheBar() async throws {
        func status(spent: Int64, soft: Int?) throws -> BudgetStatus {
            let json = """
                {"id": 1, "subject": {"kind": "team", "id": 1, "name": "eng"}, "amount": "100", "period": "month",
                 \(soft.map { "\"soft\": \($0)," } ?? "") "spent": "\(spent)", "period_start": "2026-11-01T00:00:00Z",
                 "resets_at": "2026-12-01T00:00:00Z", "soft_reached": \(soft.map { spent >= $0 } ?? false), "hard_reached": \(spent >= 100)}
                """
            return try HubJSON.decoder().decode(BudgetStatus.self, from: Data(json.utf8))
        }
        #expect(BudgetBar.text(try status(spent: 30, soft: 80), width: 10) == "███·····│· 30%")
        #expect(BudgetBar.text(try status(spent: 85, soft: 80), width: 10) == "█████████· 85% ⚠")
        #expect(BudgetBar.text(try status(spent: 100, soft: 80), width: 10) == "██████████ 100% ✗")
        #expect(BudgetBar.text(try status(spent: 0, soft: nil), width: 10) == "·········· 0%")
        #expect(BudgetBar.role(try status(spent: 85, soft: 80)) == .statusWarn)
        #expect(BudgetBar.role(try status(spent: 130, soft: 80)) == .statusError)
    }

    @Test func limitsArePreviewedWithTheLastMinutesTraffic() async throws {
        let hub = try await Self.governedHub()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("3"))  // alice, bob, 王小明
        #expect(driver.state.selectedUser?.user.name == "alice")
        await driver.press(.character("l"))
        await driver.type("2")
        await driver.press(.enter, .enter, .enter)
        let confirm = confirmLines(driver.state)
        #expect(confirm.first == "Set the rate limits of user alice?")
        #expect(confirm.contains("requests/minute: – → 2"))
        #expect(confirm.contains("last minute: 5 requests, 1000 tokens"))
        #expect(confirm.contains("⚠ the last minute's traffic is over the new limits: calls are refused (429) now"))
        await driver.press(.character("y"))
        let limits = try await hub.connection.service.perform(Admin.LimitsList(user: "alice"), actor: "test")
        #expect(limits.map { [$0.rpm, $0.tpm, $0.concurrency] } == [[2, nil, nil]])
        let alice = try #require(lines(driver.screen(width: 100, height: 30)).first { $0.contains("alice") })
        #expect(alice.contains("2/–/–"))

        // Bad input stays in the form and sends nothing.
        await driver.press(.character("l"), .ctrl("u"))
        await driver.type("0")
        await driver.press(.enter, .enter, .enter)
        guard case .form(let form) = driver.state.modal else { Issue.record("the form closed on a bad limit"); return }
        #expect(form.error == "'0' is not a limit (a whole number above 0; leave it empty to keep it)")
    }

    @Test func aKeyScopeShowsEachChangeBeforeItIsSet() async throws {
        let hub = try await Self.governedHub()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("3"), .enter)  // alice and her key
        await driver.press(.character("o"))
        guard case .form = driver.state.modal else { Issue.record("no scope form"); return }
        await driver.type("openai/gpt-4o*")
        await driver.press(.enter)
        await driver.type("2020-01-01")
        await driver.press(.enter, .enter)
        guard case .form(let refused) = driver.state.modal else { Issue.record("a past expiry was accepted"); return }
        #expect(refused.error == "that date has passed (to stop the key now, revoke it: x)")
        await driver.press(.up, .ctrl("u"))
        await driver.type("2030-01-01")
        await driver.press(.enter, .enter)
        let confirm = confirmLines(driver.state)
        #expect(confirm.first?.hasPrefix("Change the scope of key ") == true)
        #expect(confirm.contains("models: any → openai/gpt-4o*"))
        #expect(confirm.contains("expires: never → 2030-01-01"))
        await driver.press(.character("y"))
        let key = try #require(driver.state.openUserDetail?.keys.first)
        let scope = try await hub.connection.service.perform(Admin.KeysScopes(key: String(key.id!)), actor: "test")
        #expect(scope.models == ["openai/gpt-4o*"] && scope.cidrs.isEmpty)
        #expect(scope.expiresAt == (try Date("2030-01-01T00:00:00Z", strategy: .iso8601)))
    }

    @Test func theChargebackViewsTotalsAreTheUsageEventsOfTheMonthAndTheExportParses() async throws {
        let hub = try await Self.governedHub()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        _ = driver.state.apply(.tick(Date()))  // the month of the usage just inserted
        for key in [Key.character(":")] + Key.typing("chargeback") + [.enter] { await driver.run(driver.state.handle(key)) }
        #expect(driver.state.pane == .teams && driver.state.gov.view == .chargeback)
        let report = try #require(driver.state.gov.chargeback)
        // Summed here from the raw events of this month (UTC), independently of the report's rollup.
        let month = driver.state.chargebackMonth
        let sums = try hub.connection.service.store.sqliteRead { db in
            try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS calls, SUM(tokens_in) AS tin, SUM(tokens_out) AS tout, SUM(provider_cost) AS cost,
                       SUM(credits_charged) AS credits FROM usage_events WHERE strftime('%Y-%m', created_at) = ?
                """, arguments: [month])!
        }
        #expect(report.total.calls == sums["calls"] as Int)
        #expect(report.total.tokensIn == sums["tin"] as Int64 && report.total.tokensOut == sums["tout"] as Int64)
        #expect(report.total.providerCost == Amount(nanos: sums["cost"]) && report.total.creditsCharged == Amount(nanos: sums["credits"]))
        #expect(report.total.providerCost == Amount(nanos: 5_000_000_001))
        let screen = lines(driver.screen(width: 100, height: 30))
        #expect(screen[2].contains("Chargeback \(month) by team (GMT)") || screen[2].contains("Chargeback \(month) by team (UTC)"))
        let total = try #require(screen.first { $0.contains("total") })
        #expect(total.contains(String(report.total.calls)) && total.contains("5.000000001"))
        #expect(screen.contains { $0.contains("eng") && $0.contains("4.5") } && screen.contains { $0.contains("(no team)") })

        // By user, then the month before (empty).
        await driver.press(.character("v"))
        #expect(driver.state.gov.chargeback?.by == .user)
        #expect(lines(driver.screen()).contains { $0.contains("王小明") })
        await driver.press(.character("<"))
        #expect(lines(driver.screen()).contains { $0.contains("no usage in this month") })
        await driver.press(.character(">"), .character("v"), .character("v"))  // back to this month, by team

        // Export: the path asked in a dialog, the file written whole, the path shown after.
        let directory = hub.directory.url.appendingPathComponent("exports")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("chargeback, \(month).csv").path
        await driver.press(.character("x"), .ctrl("u"))
        await driver.type(path)
        await driver.press(.enter)
        #expect(driver.state.status?.text == "✓ wrote 3 row(s) and the total")
        guard case .message(let title, let shown) = driver.state.modal else { Issue.record("no dialog with the path"); return }
        #expect(title == "Exported to" && shown.prefix { !$0.isEmpty }.joined() == path)
        await driver.press(.escape)
        let parsed = try run("/usr/bin/env", ["python3", "-c", """
            import csv, sys
            from decimal import Decimal
            rows = list(csv.reader(open(sys.argv[1], newline='')))
            body, total = rows[1:-1], rows[-1]
            print(rows[0][0], len(body), total[0], sum(int(r[1]) for r in body) == int(total[1]),
                  sum(Decimal(r[4]) for r in body) == Decimal(total[4]), total[4])
            """, path])
        #expect(parsed.output == "team 3 (total) True True 5.000000001\n", "\(parsed.errors)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(leftovers == ["chargeback, \(month).csv"], "a temporary file was left behind")

        // A path that cannot be written: an error in the status line, nothing else.
        await driver.press(.character("x"), .ctrl("u"))
        await driver.type("/nonexistent-dir/x.csv")
        await driver.press(.enter)
        #expect(driver.state.status?.kind == .error && driver.state.status?.text.contains("/nonexistent-dir/x.csv") == true)
    }

    @Test func readOnlyRefusesBudgetsAndLimitsButShowsAndExports() async throws {
        let hub = try await Self.governedHub()
        defer { hub.remove() }
        var driver = await Driver(hub: hub, readOnly: true)
        await driver.press(teamsKey, .character("b"))
        #expect(driver.state.modal == nil && driver.state.status?.text == "✗ read-only: changes are disabled")
        await driver.press(.character("c"))
        #expect(driver.state.gov.chargeback != nil)
        #expect(driver.performed.isEmpty)
    }

    @Test func aTeamOpensWithItsMembersKeysBudgetsAndLimits() async throws {
        let hub = try await Self.governedHub()
        defer { hub.remove() }
        _ = try await hub.connection.service.perform(Admin.BudgetsSet(team: "eng", amount: Amount(units: 100), period: .week, soft: 50), actor: "test")
        _ = try await hub.connection.service.perform(Admin.LimitsSet(team: "eng", rpm: 60, tpm: 10_000), actor: "test")
        var driver = await Driver(hub: hub)
        await driver.press(teamsKey, .enter)
        let screen = lines(driver.screen(width: 100, height: 30))
        #expect(screen[2].hasPrefix(" eng  engineering"))
        #expect(screen[3].trimmingCharacters(in: .whitespaces) == "limits: 60 requests/min · 10000 tokens/min · – concurrent")
        #expect(screen.contains { $0.contains("week") && $0.contains("100 USD") && $0.contains("4.5") })
        #expect(screen.contains { $0.contains("王小明") } && screen.contains { $0.contains("laptop") && $0.contains("alice") })
        await driver.press(.escape)
        #expect(driver.state.gov.openTeam == nil && driver.state.pane == .teams)
    }

    @Test(arguments: [(60, 15, Language.english), (80, 24, .english), (120, 40, .english),
                      (60, 15, .traditionalChinese), (80, 24, .traditionalChinese), (120, 40, .traditionalChinese)])
    func governanceViewsFitEveryWidthInBothLanguages(width: Int, height: Int, language: Language) async throws {
        let hub = try await Self.governedHub()
        defer { hub.remove() }
        _ = try await hub.connection.service.perform(Admin.BudgetsSet(team: "eng", amount: Amount(units: 5), period: .month, soft: 80), actor: "test")
        _ = try await hub.connection.service.perform(Admin.LimitsSet(user: "bob", concurrency: 2), actor: "test")
        var driver = await Driver(hub: hub, language: language)
        let zh = language == .traditionalChinese
        for (keys, expected) in [([teamsKey], "eng"), ([.character("c")], zh ? "合計" : "total"),
                                 ([.character("c"), .enter], "engineering"), ([.escape, .character("3")], "王小明")] {
            await driver.press(keys[0])
            for key in keys.dropFirst() { await driver.press(key) }
            let screen = driver.screen(width: width, height: height)
            for y in 0..<height { #expect(DisplayWidth.of(screen.row(y)) == width, "row \(y) at \(width)x\(height)") }
            #expect((0..<height).contains { screen.row($0).contains(expected) }, "\(expected) at \(width)x\(height) \(language):\n\(screen.text)")
        }
        // The Users pane: the budget bar of alice (her team's) and bob's limits, unless the width sheds them.
        let users = lines(driver.screen(width: width, height: height))
        if width >= 80 {
            #expect(users.contains { $0.contains("alice") && $0.contains("90% ⚠") })
            #expect(users.contains { $0.contains("bob") && $0.contains("–/–/2") })
        }
    }
}

extension TestHub {
    /// Usage events this month for `team` (a name; nil: no team), each 120 + 80 tokens at `cost`.
    func insertTeamUsage(team: String?, user: Int64, key: Int64?, count: Int, cost: Amount) throws {
        try connection.service.store.sqliteWrite { db in
            let teamId = try team.map { try Int64.fetchOne(db, sql: "SELECT id FROM teams WHERE name = ?", arguments: [$0])! }
            for _ in 0..<count {
                var event = UsageEvent(requestId: UUID().uuidString, userId: user, apiKeyId: key, providerId: 1, model: "gpt-4o",
                                       tokensIn: 120, tokensOut: 80, providerCost: cost, creditsCharged: .zero, latencyMs: 200, status: 200)
                event.teamId = teamId
                try event.insert(db)
            }
        }
    }
}
