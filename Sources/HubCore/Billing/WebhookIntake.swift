import Foundation
import GRDB

/// The whole of receiving one payment webhook: check its signature against the processor's
/// secrets, read the event, apply it exactly once. The HTTP layer only maps the result.
public struct WebhookIntake: Sendable {
    public let store: HubStore
    public let sealer: SecretSealer

    public init(store: HubStore, sealer: SecretSealer) {
        self.store = store
        self.sealer = sealer
    }

    /// - Parameter signature: the `Stripe-Signature` (stripe) or `X-Signature` (generic) header.
    /// - Throws: `permissionDenied` for a missing, malformed, stale or unknown signature;
    ///   `invalidArgument` for a signed body that is not an event. Nothing is changed then.
    public func receive(_ processor: PaymentProcessor, payload: Data, signature: String?,
                        now: Date = Date()) async throws(HubError) -> PaymentReceipt {
        let secrets = try await secrets(of: processor)
        let event: PaymentEvent
        switch processor {
        case .stripe:
            try WebhookSignature.verifyStripe(header: signature, payload: payload, secrets: secrets, now: now)
            event = try PaymentEvent.stripe(payload)
        case .generic:
            try WebhookSignature.verifyGeneric(header: signature, payload: payload, secrets: secrets)
            event = try PaymentEvent.generic(payload)
        }
        return try await store.write { db in try PaymentBook.receive(event, db, now: now) }
    }

    /// The processor's secrets, unsealed (newest first).
    func secrets(of processor: PaymentProcessor) async throws(HubError) -> [String] {
        let stored = try await store.read { db in
            try StoredWebhookSecret.fetchAll(db, sql: "SELECT * FROM webhook_secrets WHERE processor = ? ORDER BY id DESC",
                                             arguments: [processor.rawValue])
        }
        var secrets: [String] = []
        for secret in stored { secrets.append(try sealer.unseal(secret.sealedSecret)) }
        return secrets
    }
}
