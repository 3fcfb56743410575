import Foundation
import GRDB
import Testing
@testable import HubConsole
import HubAdmin
@testable import HubCore

/// The Revenue pane against the ledger, and the billing panes drawn on narrow terminals in both
/// languages (read cell by cell from the screen model).
@Suite struct BillingRenderTests {
    func lines(_ screen: ScreenModel) -> [String] {
        screen.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Two purchases and a partial refund by webhook, and calls settled the way the gateway settles them.
    static func hubWithBusiness() async throws -> TestHub {
        let hub = try await TestHub.make(mode: .serviceProvider, seeded: false)
        let service = hub.connection.service
        for name in ["alice", "bob"] { _ = try await service.perform(Admin.UsersAdd(name: name), actor: "test") }
        try await hub.sellStarter()
        try await hub.checkout("evt_alice", user: "alice")
        try await hub.checkout("evt_bob", user: "bob")
        try await hub.refund("evt_bob", refundedCents: 500)   // half of bob's 10 USD: 55 credits back
        var records: [UsageRecord] = []
        for (index, (user, charge, cost)) in [(Int64(1), "1.25", "0.8"), (1, "0.5", "0.45"), (2, "2", "1.1"), (2, "0.0375", "0.02")].enumerated() {
            let event = UsageEvent(requestId: "req-\(index)", userId: user, apiKeyId: nil, providerId: nil, model: "gpt-4o",
                                   tokensIn: 100, tokensOut: 50, providerCost: try Amount(parsing: cost), status: 200)
            records.append(UsageRecord(event: event, charge: try Amount(parsing: charge)))
        }
        _ = try await UsageSettlement.commit(records, to: service.store)
        return hub
    }

    @Test func theRevenuePaneAgreesWithTheLedger() async throws {
        let hub = try await Self.hubWithBusiness()
        defer { hub.remove() }
        let ledger = try hub.connection.service.store.sqliteRead { db in
            try Row.fetchAll(db, sql: "SELECT kind, SUM(amount) AS total FROM ledger GROUP BY kind")
                .reduce(into: [String: Amount]()) { $0[$1["kind"]] = $1["total"] }
        }
        let cost = try hub.connection.service.store.sqliteRead { db in
            try Amount.fetchOne(db, sql: "SELECT SUM(provider_cost) FROM usage_events") ?? .zero
        }
        var driver = await Driver(hub: hub)
        await driver.press(.character("7"))
        let day = try #require(driver.state.data.billing.revenue.first)
        #expect(driver.state.data.billing.revenue.count == 1)
        let charged = try Amount(parsing: "3.7875")
        #expect(day.usageCharged == ledger["usage"]?.negated && day.usageCharged == charged)
        #expect(day.creditsSold == ledger["purchase"] && day.creditsRefunded == ledger["refund"]?.negated)
        #expect(day.creditsRefunded == Amount(units: 55))
        #expect(day.purchases == Amount(units: 20) && day.refunds == Amount(units: 5))
        let margin = try day.usageCharged.subtracting(cost)
        #expect(day.providerCost == cost && day.margin == margin)
        // Every user's ledger still sums to their balance.
        for user in ["alice", "bob"] {
            let detail = try await hub.connection.service.perform(Admin.UsersShow(user: user), actor: "test")
            let sum = try await hub.connection.service.perform(Admin.UsersLedger(user: user), actor: "test")
                .reduce(Int64(0)) { $0 + $1.amount.nanos }
            #expect(Amount(nanos: sum) == detail.user.balance)
        }

        // What the pane draws: the day's row and the total line carry the same figures.
        let screen = lines(driver.screen(width: 80, height: 24))
        let row = try #require(screen.first { $0.contains(day.period) })
        let total = try #require(screen.first { $0.hasPrefix(" total") })
        for figure in ["20", "-5", "3.7875", cost.description, day.margin.description] {
            #expect(row.contains(" " + figure) && total.contains(" " + figure), "\(figure) in «\(row)» and «\(total)»")
        }

        await driver.press(.character("m"))
        let month = try #require(driver.state.data.billing.revenue.first)
        #expect(month.period == String(day.period.prefix(7)) && month.usageCharged == day.usageCharged && month.margin == day.margin)
        #expect(driver.screen(width: 80, height: 24).text.contains("Revenue per month"))
    }

    @Test(arguments: [(60, 15, Language.english), (80, 24, .english), (60, 15, .traditionalChinese), (80, 24, .traditionalChinese)])
    func billingPanesFitNarrowTerminalsInBothLanguages(width: Int, height: Int, language: Language) async throws {
        let hub = try await Self.hubWithBusiness()
        defer { hub.remove() }
        try await hub.checkout("evt_王", user: "王小明")   // unknown user: pending
        var driver = await Driver(hub: hub, language: language)
        let t = Strings(language)
        await driver.press(.character("6"))
        var screen = driver.screen(width: width, height: height)
        for y in 0..<height { #expect(DisplayWidth.of(screen.row(y)) == width, "row \(y): «\(screen.row(y))»") }
        let pending = try #require((0..<height).first { screen.row($0).contains(t(.paymentPending)) })
        #expect(screen.row(pending).contains("王小明"), "the pending payment names its user: «\(screen.row(pending))»")
        #expect(screen.row(1).contains("[6 " + t(.paneBilling) + "]"), "the current pane keeps its name: «\(screen.row(1))»")
        #expect(screen.row(2).contains("[" + t(.billingPayments) + " ⚠1]"))
        #expect(screen.row(height - 2).contains("r " + t(.helpResolvePayment)), "footer: «\(screen.row(height - 2))»")

        await driver.press(.character("7"))
        screen = driver.screen(width: width, height: height)
        for y in 0..<height { #expect(DisplayWidth.of(screen.row(y)) == width, "row \(y): «\(screen.row(y))»") }
        #expect(screen.row(3).contains(t(.colMargin)), "the margin column stays: «\(screen.row(3))»")
        let total = try #require((0..<height).first { screen.row($0).hasPrefix(" " + t(.revenueTotal)) })
        let margin = try #require(driver.state.data.billing.revenue.first?.margin.description)
        #expect(screen.row(total).trimmingCharacters(in: .whitespaces).hasSuffix(" " + margin), "«\(screen.row(total))»")
    }
}

/// The Notices view: each outgoing notice's delivery as the outbox records it.
@Suite struct NoticesViewTests {
    @Test func deliveredRetryingAndFailedNoticesAreTold() async throws {
        let hub = try await TestHub.make(mode: .serviceProvider)
        defer { hub.remove() }
        try await hub.sellStarter()
        let service = hub.connection.service
        _ = try await service.perform(Admin.NoticeEndpointsAdd(url: "http://127.0.0.1:9/notices", secret: "notice-secret-0123456789"), actor: "test")
        try await hub.checkout("evt_alice", user: "alice")   // payment_applied
        try await hub.checkout("evt_carol", user: "carol")   // payment_pending
        // As the hub's deliverer would: the first answered 204, the second failed and waits to be retried.
        let dueKinds = try await service.store.write { db in
            let due = try Outbox.due(db)
            let byKind = Dictionary(uniqueKeysWithValues: due.map { ($0.entry.kind, $0.entry.id!) })
            if let id = byKind["payment_applied"] { try Outbox.delivered(id, status: 204, db) }
            if let id = byKind["payment_pending"] { try Outbox.failed(id, status: nil, error: "connection refused", db) }
            return due.map(\.entry.kind)
        }
        #expect(dueKinds.count == 2)
        #expect(Set(dueKinds) == ["payment_applied", "payment_pending"])
        var driver = await Driver(hub: hub, language: .traditionalChinese)
        await driver.press(.character("6"), .left)   // Notices: one back from Payments
        let screen = driver.screen(width: 100, height: 30)
        let t = Strings(.traditionalChinese)
        let applied = try #require((0..<30).first { screen.row($0).contains("payment_applied") })
        let pending = try #require((0..<30).first { screen.row($0).contains("payment_pending") })
        #expect(screen.row(applied).contains("✓ 已送達"))
        #expect(screen.row(pending).contains("↻ 下次重試") && screen.row(pending).contains("connection refused"), "«\(screen.row(pending))»")
        #expect(screen.row(2).contains("[" + t(.billingNotices) + "]"))
    }
}
