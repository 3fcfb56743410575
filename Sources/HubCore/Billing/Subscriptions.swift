import Foundation
import GRDB

public enum PlanInterval: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case month, year

    /// The end of a period that starts at `start` (UTC calendar months and years).
    public func end(after start: Date) -> Date {
        Calendar.utc.date(byAdding: self == .month ? .month : .year, value: 1, to: start)!
    }
}

public enum SubscriptionStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case active
    /// The period ended and no renewal payment arrived: no plan credits until one does.
    case pastDue = "past_due"
    case cancelled
}

/// Who renews a subscription at its period's end.
public enum SubscriptionRenewal: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Sold by hand: the hub's own scheduler renews it.
    case hub
    /// Paid through a processor: each `invoice.paid` renews it; without one it falls past due.
    case processor
}

/// A plan: `credits` every `interval`; at a period's end up to `rolloverCap` unspent plan credits
/// carry into the next period (none when nil), the rest expire.
public struct Plan: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "plans"
    public var id: Int64?
    public var name: String
    public var interval: PlanInterval
    public var credits: Amount
    public var price: Amount
    public var currency: String
    public var rolloverCap: Amount?
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct Subscription: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "subscriptions"
    public var id: Int64?
    public var userId: Int64
    public var planId: Int64
    public var status: SubscriptionStatus
    public var renewal: SubscriptionRenewal
    public var externalRef: String?
    public var periodStart: Date
    public var periodEnd: Date
    public var createdAt: Date
    public var cancelledAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// What the scheduler did to one subscription.
public struct SubscriptionChange: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case renewed, pastDue = "past_due" }
    public var kind: Kind
    public var subscriptionId: Int64
    public var userId: Int64
    public var periodEnd: Date
}

/// Periods, renewals and expiry. Every step runs in the caller's write transaction and is keyed
/// (a renewal by subscription and period start, an expiry by bucket and date), so several hub
/// processes running the scheduler at once renew each period exactly once.
public enum Subscriptions {
    static let actor = "scheduler"

    /// Grants a period's plan credits, into a bucket that expires at the period's end.
    @discardableResult
    static func grant(_ subscription: Subscription, plan: Plan, _ db: StoreDB, at time: Date) throws -> LedgerEntry? {
        let start = Int64(subscription.periodStart.timeIntervalSince1970)
        do {
            return try Ledger.post(
                db, userId: subscription.userId, kind: .grant, amount: plan.credits, actor: actor,
                reason: "plan \(plan.name): period to \(subscription.periodEnd.formatted(.iso8601))",
                idempotencyKey: "plan:\(subscription.id!):\(start)", at: time,
                bucket: .expiring(until: subscription.periodEnd, source: "plan:\(subscription.id!):\(start)"))
        } catch let error as HubError where error.code == .duplicate {
            return nil   // this period was granted already (another process, or a second invoice)
        }
    }

    /// Everything due at `now`: buckets past their expiry are emptied (with a ledger entry each), and
    /// subscriptions whose period ended are renewed (the hub's) or fall past due (a processor's).
    package static func advance(_ db: StoreDB, now: Date = Date()) throws -> [SubscriptionChange] {
        var changes: [SubscriptionChange] = []
        let due = try Subscription.fetchAll(db, sql: """
            SELECT * FROM subscriptions WHERE status <> ? AND period_end <= ? ORDER BY id
            """, arguments: [SubscriptionStatus.cancelled.rawValue, now])
        for var subscription in due {
            guard let plan = try Plan.fetchOne(db, key: subscription.planId) else { continue }
            switch subscription.renewal {
            case .hub:
                var start = subscription.periodEnd
                var end = plan.interval.end(after: start)
                while end <= now { start = end; end = plan.interval.end(after: start) }
                try expire(userId: subscription.userId, carrying: plan.rolloverCap ?? .zero, until: end, db, now: start)
                subscription.periodStart = start
                subscription.periodEnd = end
                subscription.status = .active
                try subscription.update(db)
                try grant(subscription, plan: plan, db, at: start)
                try notify(.renewed, subscription, db, at: now)
                changes.append(SubscriptionChange(kind: .renewed, subscriptionId: subscription.id!, userId: subscription.userId,
                                                  periodEnd: end))
            case .processor:
                guard subscription.status == .active else { continue }
                subscription.status = .pastDue
                try db.execute(sql: "UPDATE subscriptions SET status = ? WHERE id = ?", arguments: [subscription.status, subscription.id])
                try notify(.pastDue, subscription, db, at: now)
                changes.append(SubscriptionChange(kind: .pastDue, subscriptionId: subscription.id!, userId: subscription.userId,
                                                  periodEnd: subscription.periodEnd))
            }
        }
        // Whatever else has expired (a processor's period that lapsed, a cancelled plan).
        let users = try Int64.fetchAll(db, sql: """
            SELECT DISTINCT user_id FROM credit_buckets WHERE remaining > 0 AND expires_at <= ?
            """, arguments: [now])
        for user in users { try expire(userId: user, carrying: .zero, until: now, db, now: now) }
        return changes
    }

    /// A paid invoice of a plan: the user's subscription (made if they have none) moves to the
    /// period paid for, unspent plan credits of the last one expire (up to the rollover cap carried),
    /// and the period's credits are granted, once per period however many invoices say so.
    static func renew(user: User, plan: Plan, externalRef: String?, period: (start: Date, end: Date)?, _ db: StoreDB,
                      now: Date) throws -> (Subscription, LedgerEntry?) {
        let (start, end) = period ?? (now, plan.interval.end(after: now))
        var subscription = try Subscription.fetchOne(db, sql: """
            SELECT * FROM subscriptions WHERE user_id = ? AND status <> ? LIMIT 1
            """, arguments: [user.id, SubscriptionStatus.cancelled.rawValue]) ?? Subscription(
                id: nil, userId: user.id!, planId: plan.id!, status: .active, renewal: .processor, externalRef: externalRef,
                periodStart: start, periodEnd: end, createdAt: now, cancelledAt: nil)
        try expire(userId: user.id!, carrying: plan.rolloverCap ?? .zero, until: end, db, now: start)
        subscription.planId = plan.id!
        subscription.renewal = .processor
        subscription.externalRef = externalRef ?? subscription.externalRef
        subscription.status = .active
        subscription.periodStart = start
        subscription.periodEnd = end
        if subscription.id == nil { try subscription.insert(db) } else { try subscription.update(db) }
        return (subscription, try grant(subscription, plan: plan, db, at: now))
    }

    /// `subscription_renewed` or `subscription_past_due`, to the operator's endpoints.
    static func notify(_ kind: SubscriptionChange.Kind, _ subscription: Subscription, _ db: StoreDB, at time: Date) throws {
        let user = try String.fetchOne(db, sql: "SELECT name FROM users WHERE id = ?", arguments: [subscription.userId]) ?? ""
        try Outbox.enqueue(db, kind == .renewed ? .subscriptionRenewed : .subscriptionPastDue, [
            "subscription": "\(subscription.id ?? 0)", "user": user, "user_id": "\(subscription.userId)",
            "status": subscription.status.rawValue, "period_end": subscription.periodEnd.formatted(.iso8601),
        ], at: time)
    }

    /// Empties a user's buckets that expire by `now`, except that up to `carrying` of their credits
    /// (the newest first) stay, with their expiry moved to `until`.
    static func expire(userId: Int64, carrying cap: Amount, until: Date, _ db: StoreDB, now: Date) throws {
        var allowance = cap
        let buckets = try CreditBucket.fetchAll(db, sql: """
            SELECT * FROM credit_buckets WHERE user_id = ? AND remaining > 0 AND expires_at <= ? ORDER BY expires_at DESC, id DESC
            """, arguments: [userId, now])
        for var bucket in buckets {
            let keep = bucket.isStarter ? .zero : min(bucket.remaining, allowance)   // the cap carries plan credits only
            allowance = try allowance.subtracting(keep)
            let gone = try bucket.remaining.subtracting(keep)
            if gone.isPositive {
                try Ledger.post(db, userId: userId, kind: .adjustment, amount: gone.negated, actor: actor,
                                reason: "\(bucket.isStarter ? "starter" : "plan") credits expired (\(bucket.source))",
                                idempotencyKey: "expiry:\(bucket.id!):\(Int64(bucket.expiresAt.timeIntervalSince1970))", at: now,
                                bucket: .expire(bucketId: bucket.id!))
            }
            if keep.isPositive {
                bucket.expiresAt = until
                try db.execute(sql: "UPDATE credit_buckets SET expires_at = ? WHERE id = ?", arguments: [bucket.expiresAt, bucket.id])
            }
        }
    }
}
