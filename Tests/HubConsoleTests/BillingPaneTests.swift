import Foundation
import GRDB
import Testing
@testable import HubConsole
import HubAdmin
@testable import HubCore

/// The Billing pane's actions, driven by keys against a real hub (its database): each opens a dialog
/// that shows the effect, sends nothing before it is confirmed, and carries its own idempotency key.
@Suite struct BillingPaneTests {
    /// A service-provider hub where a Stripe payment named a user the hub does not know (pending).
    static func hubWithPendingPayment() async throws -> TestHub {
        let hub = try await TestHub.make(mode: .serviceProvider)
        try await hub.sellStarter()
        let receipt = try await hub.checkout("evt_carol", user: "carol")
        #expect(receipt.outcome == .pending)
        return hub
    }

    @Test func aPendingPaymentIsResolvedThroughItsPreviewAndConfirmation() async throws {
        let hub = try await Self.hubWithPendingPayment()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("6"))
        let before = driver.screen(width: 100, height: 30).text
        #expect(before.contains("[Payments ⚠1]") && before.contains("⚠ pending") && before.contains("carol"))

        await driver.press(.character("r"))
        guard case .form(let form)? = driver.state.modal else { Issue.record("no form: \(String(describing: driver.state.modal))"); return }
        #expect(form.title == "Resolve payment #1" && form.value(0) == "carol" && form.value(1) == "starter")
        await driver.press(.ctrl("u"))
        await driver.type("alice")
        await driver.press(.enter, .enter)   // next field, then submit: the hub's preview opens the confirmation
        guard case .confirm(let confirm)? = driver.state.modal else { Issue.record("no confirmation: \(driver.state.status?.text ?? "")"); return }
        #expect(confirm.title == "Apply payment #1 to alice?")
        #expect(confirm.lines.contains("alice: +110 credits (package starter)"))
        #expect(confirm.lines.contains("balance 0 → 110"))
        #expect(try await hub.connection.service.perform(Admin.PaymentsList(pending: true), actor: "test").count == 1, "nothing sent yet")

        await driver.press(.character("y"))
        guard case .billing(.resolvePayment(1, "alice", "starter", let key))? = driver.performed.last else {
            Issue.record("sent \(driver.performed)"); return
        }
        #expect(key.hasPrefix("console:") && UUID(uuidString: String(key.dropFirst(8))) != nil)
        #expect(driver.state.status?.text == "✓ payment #1 applied to alice")
        #expect(driver.state.data.users.first { $0.user.name == "alice" }?.user.balance == Amount(units: 110))
        #expect(driver.state.data.billing.pendingPayments == 0)
        let row = try #require(driver.screen(width: 100, height: 30).text.split(separator: "\n").first { $0.contains("✓ applied") })
        #expect(row.contains("alice") && !row.contains("carol"), "the row names whom it was applied to: «\(row)»")

        let service = hub.connection.service
        let ledger = try await service.perform(Admin.UsersLedger(user: "alice"), actor: "test")
        #expect(ledger.map(\.kind) == [.purchase] && ledger.first?.amount == Amount(units: 110))
        let audit = try await service.perform(Admin.AuditList(limit: 5), actor: "test").filter { $0.action == "payments.resolve" }
        #expect(audit.count == 1 && audit.first?.target == "payment:1")
        let claimed = try service.store.sqliteRead { db in try String.fetchAll(db, sql: "SELECT key FROM admin_request_keys") }
        #expect(claimed == [key])
    }

    @Test func aResolveWhoseAnswerIsLostIsResentWithItsKeyAndAppliedOnce() async throws {
        let hub = try await Self.hubWithPendingPayment()
        defer { hub.remove() }
        let lossy = LossyConnection(hub.connection, loseAnswers: 1)
        var driver = await Driver(hub: hub, connection: lossy)
        await driver.press(.character("6"), .character("r"), .ctrl("u"))
        await driver.type("bob")
        await driver.press(.enter, .enter, .character("y"))
        #expect(lossy.sentKeys.count == 2 && Set(lossy.sentKeys).count == 1, "sent \(lossy.sentKeys)")
        #expect(driver.state.status?.text == "✓ payment #1 applied to bob")
        let ledger = try await hub.connection.service.perform(Admin.UsersLedger(user: "bob"), actor: "test")
        #expect(ledger.filter { $0.kind == .purchase }.count == 1)
    }

    @Test func aRefusedPreviewStaysInTheFormAndSendsNothing() async throws {
        let hub = try await Self.hubWithPendingPayment()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("6"), .character("r"), .enter, .enter)  // carol is still unknown
        guard case .form(let form)? = driver.state.modal else { Issue.record("the form closed"); return }
        #expect(form.error?.contains("carol") == true)
        await driver.press(.escape)
        #expect(driver.performed.isEmpty)
        #expect(try await hub.connection.service.perform(Admin.PaymentsList(pending: true), actor: "test").count == 1)
    }

    @Test func disablingAPackageAndCancellingASubscriptionAreConfirmedAndAudited() async throws {
        let hub = try await TestHub.make(mode: .serviceProvider)
        defer { hub.remove() }
        try await hub.sellStarter()
        let service = hub.connection.service
        _ = try await service.perform(Admin.PlansAdd(name: "pro", interval: .month, credits: Amount(units: 100)), actor: "test")
        var driver = await Driver(hub: hub)
        await driver.press(.character("6"), .right)   // Packages
        await driver.press(.character("d"))
        guard case .confirm(let confirm)? = driver.state.modal else { Issue.record("no confirmation"); return }
        #expect(confirm.title == "Disable starter?")
        await driver.press(.character("n"))
        #expect(driver.performed.isEmpty && driver.state.status?.text == "cancelled: nothing was changed")
        await driver.press(.character("d"), .character("y"))
        #expect(try await service.perform(Admin.PackagesList(), actor: "test").first?.active == false)

        await driver.press(.right, .right, .character("a"))   // Subscriptions: start one
        await driver.type("alice")
        await driver.press(.enter, .enter)
        guard case .confirm(let start)? = driver.state.modal else { Issue.record("no confirmation: \(String(describing: driver.state.modal))"); return }
        #expect(start.lines.contains("alice: +100 credits (plan pro)") && start.lines.contains("balance 0 → 100"))
        await driver.press(.enter)
        #expect(driver.state.visibleSubscriptions.map(\.userName) == ["alice"])
        await driver.press(.character("x"), .character("y"))
        #expect(try await service.perform(Admin.SubscriptionsList(user: "alice"), actor: "test").first?.subscription.status == .cancelled)

        let actions = try await service.perform(Admin.AuditList(limit: 20), actor: "test").map(\.action)
        for action in ["packages.disable", "subscriptions.start", "subscriptions.cancel"] { #expect(actions.contains(action)) }
        let keys = try service.store.sqliteRead { db in try String.fetchAll(db, sql: "SELECT action FROM admin_request_keys ORDER BY action") }
        #expect(keys == ["packages.disable", "subscriptions.cancel", "subscriptions.start"], "every change carried its own key")
    }

    @Test func codesAreCreatedThroughTheDialogAndShownOnce() async throws {
        let hub = try await TestHub.make(mode: .serviceProvider)
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        await driver.press(.character("6"), .left, .left)   // Codes (two back from Payments)
        #expect(driver.state.billingSection == .codes)
        await driver.press(.character("a"), .ctrl("u"))
        await driver.type("3")
        await driver.press(.tab)
        await driver.type("5")
        await driver.press(.tab)
        await driver.type("30")
        await driver.press(.tab, .tab)
        await driver.type("launch")
        await driver.press(.enter)
        guard case .confirm(let confirm)? = driver.state.modal else { Issue.record("no confirmation: \(String(describing: driver.state.modal))"); return }
        #expect(confirm.title == "Create 3 codes worth 5 credits each?" && confirm.lines.first == "15 credits in all, once every code is redeemed")
        await driver.press(.character("y"))
        guard case .message(_, let lines)? = driver.state.modal else { Issue.record("codes not shown"); return }
        let codes = lines.filter { $0.hasPrefix("AHR-") }
        #expect(codes.count == 3)
        let batches = try await hub.connection.service.perform(Admin.CodesList(), actor: "test")
        #expect(batches.map(\.batch.count) == [3] && batches.first?.batch.note == "launch")
        // The codes work: one is redeemed for alice (who had nothing).
        _ = try await hub.connection.service.perform(Admin.CodesRedeem(user: "alice", code: codes[0]), actor: "test")
        #expect(try await hub.connection.service.perform(Admin.UsersShow(user: "alice"), actor: "test").user.balance == Amount(units: 5))
        // A bad count is refused in the form.
        await driver.press(.escape, .character("a"), .ctrl("u"))
        await driver.type("1000")
        await driver.press(.tab)
        await driver.type("5")
        await driver.press(.enter, .enter, .enter, .enter)   // Enter steps through the fields, then submits
        guard case .form(let form)? = driver.state.modal else { Issue.record("the form closed"); return }
        #expect(form.error == "'1000' is not a whole number from 1 to 100")
    }

    @Test func readOnlyHidesAndRefusesEveryBillingChange() async throws {
        let hub = try await Self.hubWithPendingPayment()
        defer { hub.remove() }
        var driver = await Driver(hub: hub, readOnly: true)
        await driver.press(.character("6"), .character("r"))
        #expect(driver.state.modal == nil && driver.state.status?.text == "✗ read-only: changes are disabled")
        #expect(!driver.screen().text.contains("resolve"))
    }
}

/// The Mode pane's starter-credit expiry: shown, and changed through a before → after confirmation.
@Suite struct StarterExpirySettingTests {
    @Test func theExpiryIsSetFromTheModePane() async throws {
        let hub = try await TestHub.make(mode: .serviceProvider)
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        #expect(driver.screen().text.contains("starter expiry (days)"))
        await driver.press(.character("G"), .enter, .ctrl("u"))
        await driver.type("30")
        await driver.press(.enter)
        guard case .confirm(let confirm)? = driver.state.modal else { Issue.record("no confirmation"); return }
        #expect(confirm.lines == ["– → 30"])
        await driver.press(.character("y"))
        #expect(try await hub.connection.service.perform(Admin.SettingsGet(), actor: "test").starterCreditsExpireDays == 30)
        #expect(driver.screen().text.contains("after 30 days"))
        await driver.press(.enter, .ctrl("u"))
        await driver.type("9999")
        await driver.press(.enter)
        guard case .form(let form)? = driver.state.modal else { Issue.record("the form closed"); return }
        #expect(form.error == "'9999' is not a whole number from 0 to 3650")
    }
}
