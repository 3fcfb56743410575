import Foundation
import GRDB

/// What a client app shows its user about their credits (`GET /v1/billing/balance`).
public struct AccountSummary: Codable, Sendable, Equatable {
    public struct Charge: Codable, Sendable, Equatable {
        public var id: Int64
        public var time: Date
        public var kind: LedgerKind
        public var amount: Amount
        public var balanceAfter: Amount
        public var reason: String
        public var requestId: String?
    }

    /// The user's plan, when they have a subscription.
    public struct PlanState: Codable, Sendable, Equatable {
        public var name: String
        public var status: SubscriptionStatus
        public var periodEnd: Date
    }

    public var user: String
    /// The one number: every bucket together.
    public var balance: Amount
    /// Where the balance sits: plan credits (spent first, expiring) and purchased credit.
    public var buckets: [CreditBuckets.Part]
    public var plan: PlanState?
    public var lowBalanceThreshold: Amount
    /// True when the balance is under the threshold (a threshold of zero never warns).
    public var low: Bool
    /// Credits refunded payments could not take back.
    public var owed: Amount
    public var paymentLink: String?
    /// The newest ledger entries, newest first.
    public var lastCharges: [Charge]

    package static func of(userId: Int64, _ db: StoreDB, charges limit: Int = 10) throws -> AccountSummary {
        guard let user = try User.fetchOne(db, key: userId) else { throw HubError.notFound("unknown user id \(userId)") }
        let settings = try Settings.current(db)
        let owed = try Amount.fetchOne(db, sql: "SELECT COALESCE(SUM(owed), 0) FROM payments WHERE user_id = ? AND kind = 'refund'",
                                       arguments: [userId]) ?? .zero
        let entries = try LedgerEntry.fetchAll(db, sql: "SELECT * FROM ledger WHERE user_id = ? ORDER BY id DESC LIMIT ?",
                                              arguments: [userId, limit])
        let plan = try SubscriptionInfo.fetchOne(db, sql: SubscriptionInfo.query + " WHERE s.user_id = ? ORDER BY s.id DESC LIMIT 1",
                                                 arguments: [userId])
        return AccountSummary(
            user: user.name, balance: user.balance, buckets: try CreditBuckets.parts(userId: userId, balance: user.balance, db),
            plan: plan.map { PlanState(name: $0.planName, status: $0.subscription.status, periodEnd: $0.subscription.periodEnd) },
            lowBalanceThreshold: settings.lowBalanceThreshold,
            low: isLow(user.balance, threshold: settings.lowBalanceThreshold), owed: owed, paymentLink: settings.paymentLink,
            lastCharges: entries.map {
                Charge(id: $0.id ?? 0, time: $0.createdAt, kind: $0.kind, amount: $0.amount, balanceAfter: $0.balanceAfter,
                       reason: $0.reason, requestId: $0.requestId)
            })
    }

    /// The low-balance rule, in one place: under a positive threshold.
    public static func isLow(_ balance: Amount, threshold: Amount) -> Bool {
        threshold.isPositive && balance < threshold
    }
}
