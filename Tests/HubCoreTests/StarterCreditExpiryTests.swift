import Foundation
import GRDB
import Testing
@testable import HubCore

/// Starter credits given an expiry (`starter_credits_expire_days`): they go into an expiring bucket,
/// are spent before purchased credit, and expire by a ledger entry when the scheduler passes their
/// end (driven here with the times a real clock would reach, like the plan-period tests).
@Suite("Starter credits that expire")
struct StarterCreditExpiryTests {
    static func buckets(_ hub: TemporaryHub, _ user: String) async throws -> [CreditBuckets.Part] {
        try await hub.store.read { db in
            let user = try Lookup.user(db, user)
            return try CreditBuckets.parts(userId: user.id!, balance: user.balance, db)
        }
    }

    static func ledgerSumsToBalance(_ hub: TemporaryHub, _ user: String) async throws -> Bool {
        let entries = try await hub.run(Admin.UsersLedger(user: user, limit: 1_000))
        return Amount(nanos: entries.reduce(0) { $0 + $1.amount.nanos }) == (try await hub.run(Admin.UsersShow(user: user))).user.balance
    }

    @Test("given an expiry, starter credits are spent first and expire by a ledger entry; purchased credit stays")
    func starterCreditsExpire() async throws {
        let hub = try TemporaryHub(mode: .serviceProvider)
        let settings = try await hub.run(Admin.SettingsSet(starterCreditsEnabled: true, starterCredits: Amount(units: 5),
                                                     starterCreditsExpireDays: 30))
        #expect(settings.starterCreditsExpireDays == 30)
        let made = Date()
        try await hub.run(Admin.UsersAdd(name: "alice"))
        try await hub.run(Admin.UsersGrant(user: "alice", amount: Amount(units: 20), reason: "bought", kind: .purchase))
        let starter = try #require(try await Self.buckets(hub, "alice").first)
        #expect(starter.kind == "starter" && starter.remaining == Amount(units: 5))
        let expiry = try #require(starter.expiresAt)
        #expect(abs(expiry.timeIntervalSince(made) - 30 * 86_400) < 5)

        // Usage spends the starter credits first.
        try await PlanPeriodTests.post(hub, "alice", usage: 2, key: "s1")
        #expect(try await Self.buckets(hub, "alice").map(\.remaining) == [Amount(units: 3), Amount(units: 20)])

        // Nothing expires before the end; after it, the 3 left go by an adjustment, once.
        _ = try await PlanPeriodTests.advance(hub, at: expiry.addingTimeInterval(-1))
        #expect(try await hub.run(Admin.UsersShow(user: "alice")).user.balance == Amount(units: 23))
        _ = try await PlanPeriodTests.advance(hub, at: expiry.addingTimeInterval(1))
        _ = try await PlanPeriodTests.advance(hub, at: expiry.addingTimeInterval(2))
        let entries = try await hub.run(Admin.UsersLedger(user: "alice"))
        let expired = entries.filter { $0.reason.hasPrefix("starter credits expired") }
        #expect(expired.count == 1 && expired.first?.amount == Amount(units: -3) && expired.first?.kind == .adjustment)
        #expect(try await hub.run(Admin.UsersShow(user: "alice")).user.balance == Amount(units: 20))
        #expect(try await Self.buckets(hub, "alice").map(\.kind) == ["purchased"])
        #expect(try await Self.ledgerSumsToBalance(hub, "alice"))
    }

    @Test("without an expiry (the default, or 0) starter credits are purchased-like credit that stays")
    func starterCreditsWithoutExpiryStay() async throws {
        let hub = try TemporaryHub(mode: .serviceProvider)
        try await hub.run(Admin.SettingsSet(starterCreditsEnabled: true, starterCredits: Amount(units: 5), starterCreditsExpireDays: 7))
        #expect(try await hub.run(Admin.SettingsSet(starterCreditsExpireDays: 0)).starterCreditsExpireDays == nil)
        try await hub.run(Admin.UsersAdd(name: "bob"))
        #expect(try await Self.buckets(hub, "bob").map(\.kind) == ["purchased"])
        _ = try await PlanPeriodTests.advance(hub, at: Date().addingTimeInterval(400 * 86_400))
        #expect(try await hub.run(Admin.UsersShow(user: "bob")).user.balance == Amount(units: 5))
    }

    @Test("a bad number of days is refused and changes nothing")
    func badDaysAreRefused() async throws {
        let hub = try TemporaryHub(mode: .serviceProvider)
        for days in [-1, 3_651] {
            await #expect(throws: HubError.self) { try await hub.run(Admin.SettingsSet(starterCreditsExpireDays: days)) }
        }
        #expect(try await hub.run(Admin.SettingsGet()).starterCreditsExpireDays == nil)
    }

    @Test("the plan's rollover cap carries plan credits only, never starter credits")
    func rolloverCarriesPlanCreditsOnly() async throws {
        let hub = try TemporaryHub(mode: .serviceProvider)
        try await hub.run(Admin.SettingsSet(starterCreditsEnabled: true, starterCredits: Amount(units: 5), starterCreditsExpireDays: 1))
        try await hub.run(Admin.PlansAdd(name: "pro", interval: .month, credits: Amount(units: 10), rolloverCap: Amount(units: 100)))
        try await hub.run(Admin.UsersAdd(name: "carol"))
        let subscription = try await hub.run(Admin.SubscriptionsStart(user: "carol", plan: "pro"))
        _ = try await PlanPeriodTests.advance(hub, at: subscription.periodEnd.addingTimeInterval(1))
        // Starter credits (a day) expired; the 10 plan credits rolled over and 10 new ones came.
        #expect(try await hub.run(Admin.UsersShow(user: "carol")).user.balance == Amount(units: 20))
        #expect(try await Self.ledgerSumsToBalance(hub, "carol"))
    }
}
