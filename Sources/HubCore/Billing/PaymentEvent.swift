import Foundation

/// What a verified processor event means for the hub, whatever its wire format.
public struct PaymentEvent: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// A package was paid for.
        case purchase
        /// Money went back to the payer.
        case refund
        /// Nothing for the hub to do (an event type it does not act on, a checkout still unpaid, ...).
        case ignore(String)
    }

    public var processor: PaymentProcessor
    public var eventId: String
    public var eventType: String
    public var action: Action
    public var paymentRef: String?
    public var userRef: String?
    public var packageRef: String?
    /// Purchase: the money paid. Refund: the money refunded by this event (``refundedTotal`` when
    /// the processor reports a running total instead).
    public var amount: Amount = .zero
    /// Refund: the money refunded from the payment so far, this event included (Stripe's
    /// `amount_refunded`).
    public var refundedTotal: Amount?
    public var currency: String?
    /// A subscription's invoice: the plan (`metadata.plan`), the processor's subscription and the period paid for.
    public var planRef: String?
    public var subscriptionRef: String?
    public var period: (start: Date, end: Date)? {
        get { periodStart.flatMap { start in periodEnd.map { (start, $0) } } }
        set { periodStart = newValue?.start; periodEnd = newValue?.end }
    }
    var periodStart: Date?
    var periodEnd: Date?

    public init(processor: PaymentProcessor, eventId: String, eventType: String, action: Action, paymentRef: String? = nil,
                userRef: String? = nil, packageRef: String? = nil, amount: Amount = .zero, refundedTotal: Amount? = nil,
                currency: String? = nil) {
        self.processor = processor; self.eventId = eventId; self.eventType = eventType; self.action = action
        self.paymentRef = paymentRef; self.userRef = userRef; self.packageRef = packageRef; self.amount = amount
        self.refundedTotal = refundedTotal; self.currency = currency
    }
}

extension PaymentEvent {
    /// Reads a Stripe event (`{"id":"evt_…","type":…,"data":{"object":{…}}}`).
    ///
    /// - `checkout.session.completed` and `checkout.session.async_payment_succeeded`: a purchase once
    ///   the session is paid; the user is `client_reference_id` (or `metadata.user`), the package
    ///   `metadata.package`. Subscription-mode sessions are credited by their invoices instead.
    /// - `invoice.paid`: a purchase; the user is `metadata.user`, the package `metadata.package`.
    /// - `charge.refunded`: a refund of the charge's payment intent, by its running `amount_refunded`.
    public static func stripe(_ payload: Data) throws(HubError) -> PaymentEvent {
        let root = try object(payload)
        guard let id = root["id"] as? String, !id.isEmpty, let type = root["type"] as? String,
              let data = root["data"] as? [String: Any], let object = data["object"] as? [String: Any] else {
            throw HubError.invalid("not a Stripe event: it needs id, type and data.object")
        }
        var event = PaymentEvent(processor: .stripe, eventId: id, eventType: type, action: .ignore("not a payment event"))
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        let currency = try (object["currency"] as? String).map { text throws(HubError) in try Currency.code(text) }
        event.currency = currency
        func money(_ key: String) throws(HubError) -> Amount {
            guard let minor = (object[key] as? NSNumber)?.int64Value, let currency else { return .zero }
            return try Currency.amount(minorUnits: minor, currency)
        }
        switch type {
        case "checkout.session.completed", "checkout.session.async_payment_succeeded":
            let status = object["payment_status"] as? String ?? "paid"
            if object["mode"] as? String == "subscription" {
                event.action = .ignore("a subscription's checkout: its invoices credit it")
            } else if status != "paid" && status != "no_payment_required" {
                event.action = .ignore("the checkout is not paid yet (payment_status \(status))")
            } else {
                event.action = .purchase
                event.userRef = text(object["client_reference_id"]) ?? text(metadata["user"])
                event.packageRef = text(metadata["package"])
                event.paymentRef = text(object["payment_intent"]) ?? text(object["id"])
                event.amount = try money("amount_total")
            }
        case "invoice.paid":
            // A subscription's metadata reaches its invoices as `subscription_details` (newer API
            // versions: under `parent`); the invoice's own metadata wins.
            let details = (object["subscription_details"] as? [String: Any])
                ?? ((object["parent"] as? [String: Any])?["subscription_details"] as? [String: Any]) ?? [:]
            let metadata = metadata.merging(details["metadata"] as? [String: Any] ?? [:]) { own, _ in own }
            event.action = .purchase
            event.userRef = text(metadata["user"])
            event.packageRef = text(metadata["package"])
            event.planRef = text(metadata["plan"])
            event.subscriptionRef = text(object["subscription"]) ?? text(details["subscription"])
            let lines = (object["lines"] as? [String: Any])?["data"] as? [[String: Any]]
            if let period = lines?.first?["period"] as? [String: Any],
               let start = (period["start"] as? NSNumber)?.doubleValue, let end = (period["end"] as? NSNumber)?.doubleValue, end > start {
                event.period = (Date(timeIntervalSince1970: start), Date(timeIntervalSince1970: end))
            }
            event.paymentRef = text(object["payment_intent"]) ?? text(object["id"])
            event.amount = try money("amount_paid")
        case "charge.refunded":
            event.action = .refund
            event.paymentRef = text(object["payment_intent"]) ?? text(object["id"])
            event.refundedTotal = try money("amount_refunded")
            event.amount = event.refundedTotal ?? .zero
        default:
            break
        }
        return event
    }

    /// Reads the hub's generic event (docs/billing.md):
    /// `{"id","type":"purchase"|"refund","user","package","payment","amount","currency"}`.
    public static func generic(_ payload: Data) throws(HubError) -> PaymentEvent {
        let root = try object(payload)
        guard let id = text(root["id"]) else { throw HubError.invalid("the event has no \"id\"") }
        guard id.count <= 200 else { throw HubError.invalid("the event id is longer than 200 characters") }
        let type = root["type"] as? String ?? ""
        let action: Action
        switch type {
        case "purchase": action = .purchase
        case "refund": action = .refund
        default: throw HubError.invalid("unknown event type '\(type)': use purchase or refund")
        }
        var event = PaymentEvent(processor: .generic, eventId: id, eventType: type, action: action)
        event.userRef = text(root["user"])
        event.packageRef = text(root["package"])
        event.paymentRef = text(root["payment"])
        event.currency = try text(root["currency"]).map { text throws(HubError) in try Currency.code(text) }
        if let amount = root["amount"] {
            guard let parsed = (amount as? String).flatMap(Amount.init) ?? (amount as? NSNumber).flatMap({ Amount("\($0)") }),
                  !parsed.isNegative else {
                throw HubError.invalid("\"amount\" must be a decimal string such as \"10.00\", not negative")
            }
            event.amount = parsed
        }
        if action == .refund {
            guard event.paymentRef != nil else { throw HubError.invalid("a refund needs \"payment\": the purchase's payment reference") }
            guard event.amount.isPositive else { throw HubError.invalid("a refund needs a positive \"amount\"") }
        }
        return event
    }

    private static func object(_ payload: Data) throws(HubError) -> [String: Any] {
        guard let root = try? JSONSerialization.jsonObject(with: payload) as? [String: Any] else {
            throw HubError.invalid("the body is not a JSON object")
        }
        return root
    }

    /// A non-empty string (numbers are accepted as their text: `client_reference_id` may be an id).
    private static func text(_ value: Any?) -> String? {
        let text = (value as? String) ?? (value as? NSNumber).map { "\($0)" }
        guard let trimmed = text?.trimmingSpaces, !trimmed.isEmpty else { return nil }
        return trimmed
    }
}
