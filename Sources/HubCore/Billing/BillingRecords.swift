import Foundation
import GRDB

/// Who sent a payment event.
public enum PaymentProcessor: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Stripe's own event format and `Stripe-Signature` scheme.
    case stripe
    /// The hub's documented JSON event, signed with `X-Signature: sha256=HMAC(body)` (docs/billing.md).
    case generic
}

public enum PaymentKind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Money in: a package's credits are added.
    case purchase
    /// Money back to the payer: the credits it bought are taken back.
    case refund
}

public enum PaymentStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Credits moved (or, for a refund of a purchase never applied, nothing was left to move).
    case applied
    /// Kept for support: the event names a user or package the hub does not know, or a refund
    /// arrived before its purchase. Never guessed, never lost.
    case pending
}

/// A package of credits the operator sells: `credits + bonus` for `price` in `currency`.
public struct CreditPackage: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "credit_packages"
    public var id: Int64?
    public var name: String
    /// In the currency's units (10 = ten dollars).
    public var price: Amount
    /// ISO 4217 code, lower case (`usd`).
    public var currency: String
    public var credits: Amount
    public var bonus: Amount
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date

    /// What one purchase adds to a balance.
    public var totalCredits: Amount { (try? credits.adding(bonus)) ?? credits }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One processor event the hub acted on, or keeps pending for support.
public struct Payment: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "payments"
    public var id: Int64?
    public var processor: PaymentProcessor
    public var eventId: String
    public var eventType: String
    public var kind: PaymentKind
    public var status: PaymentStatus
    /// The processor's payment this event is about (a Stripe payment intent, an order id): refunds
    /// find their purchase by it.
    public var paymentRef: String?
    public var userRef: String?
    public var packageRef: String?
    /// A subscription's invoice: the plan it renews (`metadata.plan`).
    public var planRef: String?
    public var userId: Int64?
    public var packageId: Int64?
    /// Money paid (purchase) or refunded by this event (refund), in the currency's units.
    public var amount: Amount
    public var currency: String?
    /// Purchases: money refunded so far.
    public var refunded: Amount
    /// Credits added (purchase) or taken back (refund).
    public var credits: Amount
    /// Refunds: credits that could not be taken back because the balance was spent (the user owes them).
    public var owed: Amount
    public var note: String?
    public var ledgerId: Int64?
    public var createdAt: Date
    public var resolvedAt: Date?
    public var resolvedBy: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A sealed webhook signing secret.
struct StoredWebhookSecret: HubRecord, Equatable {
    static let databaseTableName = "webhook_secrets"
    var id: Int64?
    var processor: PaymentProcessor
    var sealedSecret: Data
    var secretHint: String
    var createdAt: Date

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A webhook secret as shown anywhere: masked.
public struct WebhookSecretInfo: Codable, Sendable, Equatable {
    public var id: Int64
    public var processor: PaymentProcessor
    public var secretMasked: String
    public var createdAt: Date

    init(_ stored: StoredWebhookSecret) {
        id = stored.id ?? 0
        processor = stored.processor
        secretMasked = stored.secretHint
        createdAt = stored.createdAt
    }
}

/// ISO 4217 currencies and their minor units, as processors send amounts (Stripe: integers of the
/// smallest unit; zero-decimal and three-decimal currencies as Stripe lists them).
public enum Currency {
    static let zeroDecimal: Set<String> = [
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
    ]
    static let threeDecimal: Set<String> = ["bhd", "jod", "kwd", "omr", "tnd"]

    /// A currency code as stored: three ASCII letters, lower case.
    static func code(_ raw: String) throws(HubError) -> String {
        let code = raw.trimmingSpaces.lowercased()
        guard code.count == 3, code.allSatisfy({ ("a"..."z").contains($0) }) else {
            throw HubError.invalid("'\(raw)' is not a currency code: use three letters such as usd or eur")
        }
        return code
    }

    /// An amount given in the currency's smallest unit (cents for usd, yen for jpy).
    static func amount(minorUnits: Int64, _ currency: String) throws(HubError) -> Amount {
        let decimals = zeroDecimal.contains(currency) ? 0 : threeDecimal.contains(currency) ? 3 : 2
        let factor = (0..<(Amount.decimals - decimals)).reduce(Int64(1)) { product, _ in product * 10 }
        let (nanos, overflow) = minorUnits.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw HubError.invalid("amount \(minorUnits) \(currency) is out of range") }
        return Amount(nanos: nanos)
    }
}
