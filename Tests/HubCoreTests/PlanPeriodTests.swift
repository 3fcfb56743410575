import Foundation
import Synchronization
import GRDB
import HubTestSupport
import Testing
@testable import HubCore

/// Plans across period boundaries with a controllable clock: `Subscriptions.advance(now:)` is the
/// scheduler's step, called here with the times a real clock would reach.
@Suite("Plans, subscriptions and expiring credits")
struct PlanPeriodTests {
    static func post(_ hub: TemporaryHub, _ user: String, usage amount: Int64, key: String) async throws {
        try await hub.store.write { db in
            let id = try Lookup.user(db, user).id!
            try Ledger.post(db, userId: id, kind: .usage, amount: Amount(units: -amount), actor: "gateway", reason: "usage",
                            idempotencyKey: "usage:\(key)", requestId: key)
        }
    }

    static func parts(_ hub: TemporaryHub, _ user: String) async throws -> (plan: Amount, purchased: Amount, balance: Amount) {
        try await hub.store.read { db in
            let user = try Lookup.user(db, user)
            let parts = try CreditBuckets.parts(userId: user.id!, balance: user.balance, db)
            let plan = parts.filter { $0.kind == "plan" }.reduce(Int64(0)) { $0 + $1.remaining.nanos }
            return (Amount(nanos: plan), parts.last!.remaining, user.balance)
        }
    }

    static func advance(_ hub: TemporaryHub, at time: Date) async throws -> [SubscriptionChange] {
        try await hub.store.write { db in try Subscriptions.advance(db, now: time) }
    }

    @Test("two boundaries: renewed once per period, plan credits spent first and expired, purchased untouched")
    func twoBoundaries() async throws {
        let hub = try TemporaryHub(mode: .serviceProvider)
        try await hub.run(Admin.PlansAdd(name: "pro", interval: .month, credits: Amount(units: 100)))
        try await hub.run(Admin.UsersAdd(name: "alice"))
        try await hub.run(Admin.UsersGrant(user: "alice", amount: Amount(units: 50), reason: "bought", kind: .purchase))
        let subscription = try await hub.run(Admin.SubscriptionsStart(user: "alice", plan: "pro"))
        #expect(try await Self.parts(hub, "alice") == (Amount(units: 100), Amount(units: 50), Amount(units: 150)))

        // Usage spends plan credits first.
        try await Self.post(hub, "alice", usage: 30, key: "r1")
        #expect(try await Self.parts(hub, "alice") == (Amount(units: 70), Amount(units: 50), Amount(units: 120)))

        // Nothing is due before the boundary.
        #expect(try await Self.advance(hub, at: subscription.periodEnd.addingTimeInterval(-1)).isEmpty)

        // First boundary: 70 unspent plan credits expire, 100 new ones arrive; run twice, renewed once.
        let first = subscription.periodEnd.addingTimeInterval(1)
        #expect(try await Self.advance(hub, at: first).map(\.kind) == [.renewed])
        #expect(try await Self.advance(hub, at: first).isEmpty)
        #expect(try await Self.parts(hub, "alice") == (Amount(units: 100), Amount(units: 50), Amount(units: 150)))

        // Spend beyond the plan credits: purchased credit pays the rest.
        try await Self.post(hub, "alice", usage: 120, key: "r2")
        #expect(try await Self.parts(hub, "alice") == (.zero, Amount(units: 30), Amount(units: 30)))

        // Second boundary, reached by two "processes" (two pools on one database) at once: renewed once.
        let renewed = try await hub.run(Admin.SubscriptionsList(user: "alice"))[0].subscription
        let second = renewed.periodEnd.addingTimeInterval(1)
        let other = try HubStore.open(hub.directory)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for store in [hub.store, other] {
                group.addTask { try await store.write { db in try Subscriptions.advance(db, now: second) }.count }
            }
            try await group.waitForAll()
        }
        #expect(try await Self.parts(hub, "alice") == (Amount(units: 100), Amount(units: 30), Amount(units: 130)))

        let ledger = try await hub.run(Admin.UsersLedger(user: "alice"))
        #expect(ledger.filter { $0.idempotencyKey.hasPrefix("plan:") }.count == 3, "the start and two renewals")
        #expect(ledger.filter { $0.idempotencyKey.hasPrefix("expiry:") }.map(\.amount) == [Amount(units: -70)])
        #expect(try hub.ledgerViolations().isEmpty)
    }

    @Test("a rollover cap carries unspent plan credits into the next period, up to the cap")
    func rollover() async throws {
        let hub = try TemporaryHub(mode: .serviceProvider)
        try await hub.run(Admin.PlansAdd(name: "saver", interval: .year, credits: Amount(units: 100), rolloverCap: Amount(units: 20)))
        try await hub.run(Admin.UsersAdd(name: "bob"))
        let subscription = try await hub.run(Admin.SubscriptionsStart(user: "bob", plan: "saver"))
        try await Self.post(hub, "bob", usage: 30, key: "b1")
        _ = try await Self.advance(hub, at: subscription.periodEnd.addingTimeInterval(1))
        #expect(try await Self.parts(hub, "bob") == (Amount(units: 120), .zero, Amount(units: 120)))
        #expect(try hub.ledgerViolations().isEmpty)
    }

    @Test("a processor's subscription falls past due when no invoice renews it; its plan credits expire")
    func pastDue() async throws {
        let hub = try TemporaryHub(mode: .serviceProvider)
        try await hub.run(Admin.PlansAdd(name: "pro", interval: .month, credits: Amount(units: 100)))
        try await hub.run(Admin.UsersAdd(name: "carol"))
        try await hub.run(Admin.NoticeEndpointsAdd(url: "https://ops.example.com/notices", secret: "notice_secret_0123456789"))
        let subscription = try await hub.run(Admin.SubscriptionsStart(user: "carol", plan: "pro", externalRef: "sub_123"))
        #expect(try await Self.parts(hub, "carol").balance == .zero, "a processor's period is credited by its invoice")
        let changes = try await Self.advance(hub, at: subscription.periodEnd.addingTimeInterval(1))
        #expect(changes.map(\.kind) == [.pastDue])
        #expect(try await hub.run(Admin.NoticesList()).map(\.kind) == ["subscription_past_due"], "the operator is told, through the outbox")
        #expect(try await hub.run(Admin.SubscriptionsList(user: "carol"))[0].subscription.status == .pastDue)
        try await hub.run(Admin.SubscriptionsCancel(user: "carol"))
        await #expect(throws: HubError.self) { try await hub.run(Admin.SubscriptionsCancel(user: "carol")) }
    }
}

extension PlanPeriodTests {
    static func invoice(_ id: String, user: String, plan: String, start: Date, end: Date) -> Data {
        Data(#"{"id":"\#(id)","type":"invoice.paid","data":{"object":{"id":"in_\#(id)","object":"invoice","subscription":"sub_9","amount_paid":2000,"currency":"usd","metadata":{"user":"\#(user)","plan":"\#(plan)"},"lines":{"data":[{"period":{"start":\#(Int(start.timeIntervalSince1970)),"end":\#(Int(end.timeIntervalSince1970))}}]}}}}"#.utf8)
    }

    @Test("invoice.paid renews a processor's subscription once per period; an unknown plan waits for support")
    func invoicePaid() async throws {
        let hub = try TemporaryHub(mode: .serviceProvider)
        try await hub.run(Admin.PlansAdd(name: "pro", interval: .month, credits: Amount(units: 100)))
        try await hub.run(Admin.UsersAdd(name: "dora"))
        try await hub.run(Admin.WebhookSecretsAdd(processor: .stripe, secret: PaymentWebhookTests.secret))
        let start = Date().addingTimeInterval(-60), end = start.addingTimeInterval(30 * 86_400)
        let paid = try await PaymentWebhookTests.send(hub, Self.invoice("evt_inv1", user: "dora", plan: "pro", start: start, end: end))
        #expect(paid.outcome == .applied && paid.payment?.credits == Amount(units: 100))
        // A second invoice for the same period (another event id) grants nothing more.
        let again = try await PaymentWebhookTests.send(hub, Self.invoice("evt_inv2", user: "dora", plan: "pro", start: start, end: end))
        #expect(again.outcome == .applied && again.payment?.credits == .zero)
        let subscription = try await hub.run(Admin.SubscriptionsList(user: "dora"))[0].subscription
        #expect(subscription.renewal == .processor && subscription.externalRef == "sub_9" && subscription.status == .active)
        // The next period's invoice: last period's unspent credits expire, the new ones arrive.
        let next = try await PaymentWebhookTests.send(
            hub, Self.invoice("evt_inv3", user: "dora", plan: "pro", start: end, end: end.addingTimeInterval(30 * 86_400)))
        #expect(next.payment?.credits == Amount(units: 100))
        #expect(try await Self.parts(hub, "dora") == (Amount(units: 100), .zero, Amount(units: 100)))

        let unknown = try await PaymentWebhookTests.send(hub, Self.invoice("evt_inv4", user: "dora", plan: "gold", start: start, end: end))
        #expect(unknown.outcome == .pending && unknown.note?.contains("unknown plan 'gold'") == true)
        try await hub.run(Admin.PlansAdd(name: "gold", interval: .year, credits: Amount(units: 1_000)))
        let resolved = try await hub.run(Admin.PaymentsResolve(payment: unknown.payment!.id!, user: "dora"))
        #expect(resolved.status == .applied && resolved.credits == Amount(units: 1_000))
        #expect(try hub.ledgerViolations().isEmpty)
    }
}

extension PlanPeriodTests {
    @Test("after 3,000 random grants, charges, deductions and period boundaries: buckets never exceed balances, ledgers sum")
    func bucketsUnderRandomWork() async throws {
        let hub = try TemporaryHub(mode: .serviceProvider)
        try await hub.run(Admin.PlansAdd(name: "p", interval: .month, credits: Amount(units: 40), rolloverCap: Amount(units: 5)))
        let users = ["u0", "u1", "u2", "u3"]
        for user in users {
            try await hub.run(Admin.UsersAdd(name: user))
            try await hub.run(Admin.SubscriptionsStart(user: user, plan: "p"))
        }
        var random = SplitMix64(seed: 0xB0C4E7)
        var clock = Date()
        for step in 0..<3_000 {
            let user = users[Int(random.next() % UInt64(users.count))]
            let amount = Amount(nanos: Int64(random.next() % 20_000_000_000) + 1)
            do {
                switch random.next() % 5 {
                case 0: try await hub.run(Admin.UsersGrant(user: user, amount: amount, reason: "s\(step)", kind: .purchase))
                case 1: try await hub.run(Admin.UsersDeduct(user: user, amount: amount, reason: "s\(step)"))
                case 2, 3:
                    try await hub.store.write { db in
                        try Ledger.post(db, userId: try Lookup.user(db, user).id!, kind: .usage, amount: amount.negated,
                                        actor: "gateway", reason: "usage", idempotencyKey: "usage:\(step)")
                    }
                default:
                    clock = clock.addingTimeInterval(Double(random.next() % 20) * 86_400)
                    _ = try await Self.advance(hub, at: clock)
                }
            } catch let error as HubError where error.code == .insufficientBalance {
                continue
            }
        }
        #expect(try hub.ledgerViolations().isEmpty)
        let overfull = try hub.store.sqliteRead { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM users u WHERE (SELECT COALESCE(SUM(remaining), 0) FROM credit_buckets b WHERE b.user_id = u.id) > u.balance
                """)
        }
        #expect(overfull == 0)
        let renewals = try hub.store.sqliteRead { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger WHERE idempotency_key LIKE 'plan:%'") }
        #expect((renewals ?? 0) > users.count, "periods were renewed along the way")
    }
}

/// Runs `body` for each element on its own thread, all at once; rethrows the first failure.
func concurrently<T: Sendable, R: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) throws -> R) throws {
    let group = DispatchGroup()
    let failures = Mutex<[any Error]>([])
    for item in items {
        group.enter()
        Thread {
            defer { group.leave() }
            do { _ = try body(item) } catch { failures.withLock { $0.append(error) } }
        }.start()
    }
    group.wait()
    if let first = failures.withLock({ $0.first }) { throw first }
}
