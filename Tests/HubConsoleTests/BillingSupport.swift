import Foundation
@testable import HubConsole
import HubAdmin
@testable import HubCore

/// Billing on a test hub: the starter package on sale, a Stripe signing secret, and payments that
/// arrive the way Stripe sends them, signed and taken by the hub's own webhook intake.
extension TestHub {
    static let stripeSecret = "whsec_console_test_0123456789"

    func sellStarter() async throws {
        let service = connection.service
        _ = try await service.perform(Admin.PackagesAdd(name: "starter", price: Amount(units: 10), currency: "usd",
                                                  credits: Amount(units: 100), bonus: Amount(units: 10)), actor: "test")
        _ = try await service.perform(Admin.WebhookSecretsAdd(processor: .stripe, secret: Self.stripeSecret), actor: "test")
    }

    @discardableResult
    func receive(_ body: String) async throws -> PaymentReceipt {
        let payload = Data(body.utf8)
        let signature = WebhookSignature.stripeHeader(payload: payload, secret: Self.stripeSecret,
                                                      timestamp: Int64(Date().timeIntervalSince1970))
        return try await WebhookIntake(store: connection.service.store, sealer: connection.service.sealer)
            .receive(.stripe, payload: payload, signature: signature)
    }

    /// A paid Checkout session for `user` (a name the hub may not know) buying `package`.
    @discardableResult
    func checkout(_ event: String, user: String, package: String = "starter", cents: Int = 1_000) async throws -> PaymentReceipt {
        try await receive("""
            {"id":"\(event)","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_\(event)",
            "object":"checkout.session","mode":"payment","payment_status":"paid","client_reference_id":"\(user)",
            "metadata":{"package":"\(package)"},"amount_total":\(cents),"currency":"usd","payment_intent":"pi_\(event)"}}}
            """)
    }

    /// Stripe's `charge.refunded` for the payment of `event`, with the running total refunded.
    @discardableResult
    func refund(_ event: String, refundedCents: Int) async throws -> PaymentReceipt {
        try await receive("""
            {"id":"\(event)-refund-\(refundedCents)","object":"event","type":"charge.refunded","data":{"object":{"id":"ch_\(event)",
            "object":"charge","payment_intent":"pi_\(event)","amount_refunded":\(refundedCents),"currency":"usd"}}}
            """)
    }
}
