import Foundation
import GRDB
import Testing
@testable import HubCore

/// Signed payment webhooks, in-process: the signature schemes, and each event applied exactly once.
@Suite("Payment webhooks")
struct PaymentWebhookTests {
    static let secret = "whsec_test_0123456789abcdef"

    /// A hub in service-provider mode with a `starter` package (100 + 10 credits for 10 usd), user
    /// `alice`, and `secret` as the Stripe and generic webhook secret.
    static func hub() async throws -> TemporaryHub {
        let hub = try TemporaryHub(mode: .serviceProvider)
        try await hub.run(Admin.PackagesAdd(name: "starter", price: Amount(units: 10), currency: "USD",
                                      credits: Amount(units: 100), bonus: Amount(units: 10)))
        try await hub.run(Admin.UsersAdd(name: "alice"))
        try await hub.run(Admin.WebhookSecretsAdd(processor: .stripe, secret: secret))
        try await hub.run(Admin.WebhookSecretsAdd(processor: .generic, secret: secret))
        return hub
    }

    static func checkout(_ id: String, user: String = "alice", package: String = "starter", intent: String = "pi_1") -> Data {
        Data(#"{"id":"\#(id)","type":"checkout.session.completed","data":{"object":{"id":"cs_\#(id)","object":"checkout.session","mode":"payment","payment_status":"paid","client_reference_id":"\#(user)","metadata":{"package":"\#(package)"},"amount_total":1000,"currency":"usd","payment_intent":"\#(intent)"}}}"#.utf8)
    }

    static func refund(_ id: String, intent: String = "pi_1", refundedCents: Int) -> Data {
        Data(#"{"id":"\#(id)","type":"charge.refunded","data":{"object":{"id":"ch_1","object":"charge","amount":1000,"amount_refunded":\#(refundedCents),"currency":"usd","payment_intent":"\#(intent)"}}}"#.utf8)
    }

    static func send(_ hub: TemporaryHub, _ payload: Data, secret: String = secret, at time: Date = Date(),
                     now: Date = Date()) async throws(HubError) -> PaymentReceipt {
        let header = WebhookSignature.stripeHeader(payload: payload, secret: secret, timestamp: Int64(time.timeIntervalSince1970))
        return try await WebhookIntake(store: hub.store, sealer: hub.service.sealer)
            .receive(.stripe, payload: payload, signature: header, now: now)
    }

    static func balance(_ hub: TemporaryHub, _ user: String = "alice") async throws -> Amount {
        try await hub.run(Admin.UsersShow(user: user)).user.balance
    }

    @Test("Stripe's scheme: valid, tampered, stale, future, wrong secret, rotated secrets, malformed headers")
    func stripeScheme() async throws {
        let payload = Data(#"{"id":"evt_1"}"#.utf8)
        let now = Date()
        let t = Int64(now.timeIntervalSince1970)
        let header = WebhookSignature.stripeHeader(payload: payload, secret: Self.secret, timestamp: t)
        try WebhookSignature.verifyStripe(header: header, payload: payload, secrets: [Self.secret], now: now)
        // Rotation: the old and the new secret are both accepted while both are configured.
        try WebhookSignature.verifyStripe(header: header, payload: payload, secrets: ["whsec_new_secret_abcdef", Self.secret], now: now)
        // Stripe may send several v1 signatures (its own secret rolling): any one may match.
        let other = WebhookSignature.stripeHeader(payload: payload, secret: "whsec_other_one_123456", timestamp: t)
        try WebhookSignature.verifyStripe(header: other + ",v1=" + header.split(separator: "=").last!, payload: payload,
                                          secrets: [Self.secret], now: now)
        let refused: [(String?, Data, [String], Date)] = [
            (header, Data(#"{"id":"evt_2"}"#.utf8), [Self.secret], now),                    // tampered
            (header, payload, [Self.secret], now.addingTimeInterval(301)),                 // stale
            (header, payload, [Self.secret], now.addingTimeInterval(-301)),                // from the future
            (header, payload, ["whsec_wrong_secret_12345"], now),                          // wrong secret
            (header, payload, [], now),                                                    // no secret configured
            (nil, payload, [Self.secret], now), ("", payload, [Self.secret], now),
            ("t=\(t)", payload, [Self.secret], now), ("v1=abcd", payload, [Self.secret], now),
            ("t=\(t),v1=zz", payload, [Self.secret], now), ("garbage", payload, [Self.secret], now),
            ("t=\(t),v0=" + header.split(separator: "=").last!, payload, [Self.secret], now),
        ]
        for (index, (header, body, secrets, at)) in refused.enumerated() {
            #expect(throws: HubError.self, "case \(index)") {
                try WebhookSignature.verifyStripe(header: header, payload: body, secrets: secrets, now: at)
            }
        }
        try WebhookSignature.verifyStripe(header: header, payload: payload, secrets: [Self.secret], now: now.addingTimeInterval(299))
    }

    @Test("the generic scheme: sha256=HMAC(body)")
    func genericScheme() async throws {
        let body = Data(#"{"id":"g-1","type":"purchase"}"#.utf8)
        let header = WebhookSignature.genericHeader(payload: body, secret: Self.secret)
        #expect(header.hasPrefix("sha256=") && header.count == 7 + 64)
        try WebhookSignature.verifyGeneric(header: header, payload: body, secrets: ["another_secret_1234567", Self.secret])
        #expect(throws: HubError.self) { try WebhookSignature.verifyGeneric(header: header, payload: body + Data(" ".utf8), secrets: [Self.secret]) }
        #expect(throws: HubError.self) { try WebhookSignature.verifyGeneric(header: "sha1=00", payload: body, secrets: [Self.secret]) }
        #expect(throws: HubError.self) { try WebhookSignature.verifyGeneric(header: header, payload: body, secrets: ["x_wrong_secret_123456"]) }
    }

    @Test("a purchase applies once; a replay, a bad signature and a stale one change nothing")
    func exactlyOnce() async throws {
        let hub = try await Self.hub()
        let first = try await Self.send(hub, Self.checkout("evt_a"))
        #expect(first.outcome == .applied)
        #expect(try await Self.balance(hub) == Amount(units: 110))
        let replay = try await Self.send(hub, Self.checkout("evt_a"))
        #expect(replay.outcome == .duplicate && replay.payment?.id == first.payment?.id)
        let before = try hub.snapshot()
        await #expect(throws: HubError.self) { try await Self.send(hub, Self.checkout("evt_b"), secret: "whsec_wrong_secret_xyz") }
        await #expect(throws: HubError.self) {
            try await Self.send(hub, Self.checkout("evt_c"), at: Date().addingTimeInterval(-600))
        }
        #expect(try hub.snapshot() == before)
        #expect(try await Self.balance(hub) == Amount(units: 110))
        #expect(try hub.ledgerViolations().isEmpty)
    }

    @Test("50 concurrent deliveries of one event credit once")
    func concurrentReplays() async throws {
        let hub = try await Self.hub()
        let outcomes = try await withThrowingTaskGroup(of: PaymentReceipt.Outcome.self) { group in
            for _ in 0..<50 { group.addTask { try await Self.send(hub, Self.checkout("evt_race")).outcome } }
            return try await group.reduce(into: [PaymentReceipt.Outcome]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .applied }.count == 1)
        #expect(outcomes.filter { $0 == .duplicate }.count == 49)
        #expect(try await Self.balance(hub) == Amount(units: 110))
        #expect(try hub.ledgerViolations().isEmpty)
    }

    @Test("unknown user or package: pending, then resolved by support; resolving twice is refused")
    func pendingAndResolved() async throws {
        let hub = try await Self.hub()
        let unknownUser = try await Self.send(hub, Self.checkout("evt_u", user: "nobody", intent: "pi_u"))
        #expect(unknownUser.outcome == .pending && unknownUser.note?.contains("unknown user 'nobody'") == true)
        let unknownPackage = try await Self.send(hub, Self.checkout("evt_p", package: "gold", intent: "pi_p"))
        #expect(unknownPackage.outcome == .pending && unknownPackage.note?.contains("unknown package 'gold'") == true)
        #expect(try await Self.balance(hub) == .zero)
        #expect(try await hub.run(Admin.PaymentsList(pending: true)).count == 2)

        try await hub.run(Admin.UsersAdd(name: "bob"))
        let resolved = try await hub.run(Admin.PaymentsResolve(payment: unknownUser.payment!.id!, user: "bob"))
        #expect(resolved.status == .applied && resolved.credits == Amount(units: 110))
        #expect(try await Self.balance(hub, "bob") == Amount(units: 110))
        await #expect(throws: HubError.self) { try await hub.run(Admin.PaymentsResolve(payment: unknownUser.payment!.id!, user: "bob")) }
        // No package named: support names it; an unknown one is refused and changes nothing.
        await #expect(throws: HubError.self) { try await hub.run(Admin.PaymentsResolve(payment: unknownPackage.payment!.id!, user: "alice")) }
        try await hub.run(Admin.PaymentsResolve(payment: unknownPackage.payment!.id!, user: "alice", package: "starter"))
        #expect(try await Self.balance(hub) == Amount(units: 110))
        #expect(try await hub.run(Admin.PaymentsList(pending: true)).isEmpty)
        #expect(try hub.ledgerViolations().isEmpty)
    }

    @Test("a refund takes credits back, never below zero; the rest is owed; partial refunds add up")
    func refunds() async throws {
        let hub = try await Self.hub()
        _ = try await Self.send(hub, Self.checkout("evt_buy"))
        // Half refunded: 55 of 110 credits back.
        let half = try await Self.send(hub, Self.refund("evt_r1", refundedCents: 500))
        #expect(half.outcome == .applied && half.payment?.credits == Amount(units: 55))
        #expect(try await Self.balance(hub) == Amount(units: 55))
        // Alice spends 50, then the rest is refunded: 55 due, 5 left to take, 50 owed.
        try await hub.run(Admin.UsersDeduct(user: "alice", amount: Amount(units: 50), reason: "spent"))
        let rest = try await Self.send(hub, Self.refund("evt_r2", refundedCents: 1000))
        #expect(rest.payment?.credits == Amount(units: 5) && rest.payment?.owed == Amount(units: 50))
        #expect(try await Self.balance(hub) == .zero)
        // A replay of the last refund changes nothing.
        #expect(try await Self.send(hub, Self.refund("evt_r2", refundedCents: 1000)).outcome == .duplicate)
        #expect(try hub.ledgerViolations().isEmpty)
        // The revenue view: 10 usd in and back out; 110 credits sold and all taken back or owed.
        let today = try #require(try await hub.run(Admin.RevenueSummary()).first)
        #expect(today.purchases == Amount(units: 10) && today.refunds == Amount(units: 10))
        #expect(today.creditsSold == Amount(units: 110) && today.creditsRefunded == Amount(units: 110))
    }

    @Test("a refund that arrives before its purchase waits for it")
    func refundBeforePurchase() async throws {
        let hub = try await Self.hub()
        let early = try await Self.send(hub, Self.refund("evt_early", intent: "pi_9", refundedCents: 1000))
        #expect(early.outcome == .pending)
        _ = try await Self.send(hub, Self.checkout("evt_late", intent: "pi_9"))
        #expect(try await Self.balance(hub) == .zero)
        let refund = try await hub.run(Admin.PaymentsList()).first { $0.eventId == "evt_early" }
        #expect(refund?.status == .applied && refund?.credits == Amount(units: 110))
        #expect(try hub.ledgerViolations().isEmpty)
    }

    @Test("the generic event: purchase and refund; malformed events are refused")
    func genericEvents() async throws {
        let hub = try await Self.hub()
        let intake = WebhookIntake(store: hub.store, sealer: hub.service.sealer)
        func send(_ json: String) async throws(HubError) -> PaymentReceipt {
            let body = Data(json.utf8)
            return try await intake.receive(.generic, payload: body, signature: WebhookSignature.genericHeader(payload: body, secret: Self.secret))
        }
        #expect(try await send(#"{"id":"o-1","type":"purchase","user":"alice","package":"starter","payment":"ord-1","amount":"10.00","currency":"usd"}"#).outcome == .applied)
        #expect(try await send(#"{"id":"o-2","type":"refund","payment":"ord-1","amount":"2.50","currency":"usd"}"#).outcome == .applied)
        #expect(try await Self.balance(hub) == Amount(nanos: 82_500_000_000))
        for bad in [#"{"type":"purchase"}"#, #"{"id":"o-3","type":"gift"}"#, #"{"id":"o-4","type":"refund","payment":"ord-1"}"#, "[1]",
                    #"{"id":"o-5","type":"purchase","amount":"-1"}"#] {
            await #expect(throws: HubError.self, "\(bad)") { try await send(bad) }
        }
        #expect(try hub.ledgerViolations().isEmpty)
    }

    @Test("a Stripe invoice names its user and plan in its subscription's metadata (old and new API shapes)")
    func invoiceMetadataShapes() async throws {
        let old = try PaymentEvent.stripe(Data(#"{"id":"evt_1","type":"invoice.paid","data":{"object":{"id":"in_1","subscription":"sub_1","subscription_details":{"metadata":{"user":"alice","plan":"pro"}},"metadata":{},"amount_paid":500,"currency":"usd"}}}"#.utf8))
        #expect(old.userRef == "alice" && old.planRef == "pro" && old.subscriptionRef == "sub_1" && old.amount == Amount(units: 5))
        let new = try PaymentEvent.stripe(Data(#"{"id":"evt_2","type":"invoice.paid","data":{"object":{"id":"in_2","parent":{"subscription_details":{"subscription":"sub_2","metadata":{"user":"bob","plan":"pro"}}},"metadata":{"user":"carol"},"amount_paid":500,"currency":"jpy"}}}"#.utf8))
        #expect(new.userRef == "carol" && new.planRef == "pro" && new.subscriptionRef == "sub_2" && new.amount == Amount(units: 500))
        let unpaid = try PaymentEvent.stripe(Data(#"{"id":"evt_3","type":"checkout.session.completed","data":{"object":{"mode":"payment","payment_status":"unpaid"}}}"#.utf8))
        #expect(unpaid.action != .purchase)
    }

    @Test("packages: validation, update, disable; secrets are sealed and masked")
    func packagesAndSecrets() async throws {
        let hub = try await Self.hub()
        await #expect(throws: HubError.self) { try await hub.run(Admin.PackagesAdd(name: "Starter", price: .zero, currency: "usd", credits: Amount(units: 1))) }
        await #expect(throws: HubError.self) { try await hub.run(Admin.PackagesAdd(name: "x", price: .zero, currency: "dollars", credits: Amount(units: 1))) }
        await #expect(throws: HubError.self) { try await hub.run(Admin.PackagesAdd(name: "x", price: .zero, currency: "usd", credits: .zero)) }
        let updated = try await hub.run(Admin.PackagesUpdate(package: "starter", credits: Amount(units: 200)))
        #expect(updated.totalCredits == Amount(units: 210))
        #expect(try await hub.run(Admin.PackagesDisable(package: "starter")).active == false)
        await #expect(throws: HubError.self) { try await hub.run(Admin.PackagesDisable(package: "starter")) }
        let secrets = try await hub.run(Admin.WebhookSecretsList())
        #expect(secrets.count == 2 && secrets.allSatisfy { !$0.secretMasked.contains("0123456789") })
        let stored = try hub.store.sqliteRead { db in try Data.fetchAll(db, sql: "SELECT sealed_secret FROM webhook_secrets") }
        #expect(stored.allSatisfy { !String(decoding: $0, as: UTF8.self).contains("whsec") })
        try await hub.run(Admin.WebhookSecretsRemove(id: secrets[0].id))
        #expect(try await hub.run(Admin.WebhookSecretsList()).count == 1)
    }
}
