import Foundation
import GRDB

/// One bucket of credits that expire (plan credits; starter credits when they are given an expiry).
public struct CreditBucket: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "credit_buckets"
    public var id: Int64?
    public var userId: Int64
    /// What put the credits there, e.g. `plan:3:2026-11-01T00:00:00Z`.
    public var source: String
    public var credits: Amount
    public var remaining: Amount
    public var expiresAt: Date
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Starter credits (`starter:<user id>`), rather than a plan's.
    var isStarter: Bool { source.hasPrefix("starter:") }
}

/// The buckets of a balance. A balance is one number; part of it may sit in buckets that expire
/// (plan credits), the rest is purchased credit, which never expires. Only ``Ledger/post`` calls
/// ``apply``, in the transaction that moves the balance, so the buckets' sum never exceeds it.
///
/// Usage spends plan credits first, soonest-expiring first, then purchased credit. Other debits
/// (refunds, adjustments) take purchased credit first: a refunded purchase takes back what it bought.
public enum CreditBuckets {
    public enum Change: Sendable, Equatable {
        /// Credits added go into a new bucket that expires at `until`.
        case expiring(until: Date, source: String)
        /// Credits taken come out of this bucket (its expiry).
        case expire(bucketId: Int64)
    }

    /// The source of a user's expiring starter credits.
    static func starterSource(_ userId: Int64) -> String { "starter:\(userId)" }

    /// A view of a balance: what is in each bucket, for `GET /v1/billing/balance`.
    public struct Part: Codable, Sendable, Equatable {
        /// `plan`, `starter` or `purchased`.
        public var kind: String
        public var source: String?
        public var remaining: Amount
        public var expiresAt: Date?
    }

    static func apply(_ db: StoreDB, userId: Int64, kind: LedgerKind, amount: Amount, balance: Amount,
                      change: Change?, at time: Date) throws {
        switch change {
        case .expiring(let until, let source)?:
            guard amount.isPositive else { throw HubError(.internal, "an expiring bucket needs credits added") }
            var bucket = CreditBucket(id: nil, userId: userId, source: source, credits: amount, remaining: amount,
                                      expiresAt: until, createdAt: time)
            try bucket.insert(db)
        case .expire(let bucketId)?:
            guard var bucket = try CreditBucket.fetchOne(db, key: bucketId), bucket.userId == userId,
                  bucket.remaining >= amount.negated, !amount.isPositive else {
                throw HubError(.internal, "bucket #\(bucketId) cannot give \(amount.negated)")
            }
            bucket.remaining = try bucket.remaining.adding(amount)
            try db.execute(sql: "UPDATE credit_buckets SET remaining = ? WHERE id = ?", arguments: [bucket.remaining, bucketId])
        case nil:
            if amount.isNegative { try debit(db, userId: userId, amount: amount.negated, kind: kind, balance: balance) }
        }
    }

    /// Takes `amount` out of the buckets as far as the rule says; the rest is purchased credit.
    private static func debit(_ db: StoreDB, userId: Int64, amount: Amount, kind: LedgerKind, balance: Amount) throws {
        let buckets = try Row.fetchAll(db, sql: """
            SELECT id, remaining FROM credit_buckets WHERE user_id = ? AND remaining > 0 ORDER BY expires_at, id
            """, arguments: [userId]).map { (id: $0["id"] as Int64, remaining: $0["remaining"] as Amount) }
        guard !buckets.isEmpty else { return }
        let inBuckets = buckets.reduce(Int64(0)) { $0 + $1.remaining.nanos }
        let purchased = max(balance.nanos - inBuckets, 0)
        // What must come out of the buckets: all of it for usage; for anything else what purchased credit cannot cover.
        var due = kind == .usage ? amount.nanos : max(amount.nanos - purchased, 0)
        // Never leave the buckets holding more than the balance that remains.
        due = max(due, inBuckets - (balance.nanos - amount.nanos))
        for bucket in buckets where due > 0 {
            let part = min(due, bucket.remaining.nanos)
            try db.execute(sql: "UPDATE credit_buckets SET remaining = remaining - ? WHERE id = ?", arguments: [part, bucket.id])
            due -= part
        }
    }

    /// The parts of a user's balance: live plan buckets, then purchased credit.
    package static func parts(userId: Int64, balance: Amount, _ db: StoreDB) throws -> [Part] {
        let buckets = try CreditBucket.fetchAll(db, sql: """
            SELECT * FROM credit_buckets WHERE user_id = ? AND remaining > 0 ORDER BY expires_at, id
            """, arguments: [userId])
        let inBuckets = buckets.reduce(Int64(0)) { $0 + $1.remaining.nanos }
        return buckets.map { Part(kind: $0.isStarter ? "starter" : "plan", source: $0.source, remaining: $0.remaining, expiresAt: $0.expiresAt) }
            + [Part(kind: "purchased", source: nil, remaining: Amount(nanos: max(balance.nanos - inBuckets, 0)), expiresAt: nil)]
    }
}
