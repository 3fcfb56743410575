import Foundation
import GRDB

/// The charges of a usage batch, posted together: the same rules as
/// ``Ledger/post(_:userId:kind:amount:actor:reason:idempotencyKey:requestId:at:bucket:)`` for a
/// `usage` debit, in a fixed number of statements per batch instead of several per call (on
/// PostgreSQL each statement is a round trip, and writes are serialised across the cluster).
extension Ledger {
    /// One call to charge: `amount` is what it cost, already capped at its hold.
    struct UsageCharge {
        var userId: Int64
        var amount: Amount
        var requestId: String
        var reason: String
        var at: Date
    }

    /// What a charge took: never more than the balance (the rest is the shortfall), and the entry.
    struct UsageChargeOutcome {
        var taken: Amount = .zero
        /// The balance the charge found, when it could not cover the whole cost.
        var shortOf: Amount?
        var balanceAfter: Amount?
        var ledgerId: Int64?
    }

    /// Charges each call in order: never below zero (a charge beyond the balance takes what is
    /// left and reports it), expiring credits first, a `low_balance` notice when a charge crosses
    /// the threshold, idempotent by `usage:<request id>` (a charge posted before is reported as it
    /// was, not posted again). A user that no longer exists is not charged.
    static func chargeUsage(_ charges: [UsageCharge], actor: String, _ db: StoreDB) throws -> [UsageChargeOutcome] {
        guard !charges.isEmpty else { return [] }
        let userIds = Array(Set(charges.map(\.userId))).sorted()
        var accounts: [Int64: (name: String, balance: Amount)] = [:]
        var threshold = Amount.zero
        for row in try Row.fetchAll(db, sql: """
            SELECT id, name, balance, (SELECT low_balance_threshold FROM settings) AS threshold
            FROM users WHERE id IN (\(SQLList.of(userIds.count)))
            """, arguments: StoreArguments(userIds)) {
            accounts[row["id"]] = (row["name"], row["balance"])
            threshold = row["threshold"] ?? .zero
        }
        let keys = charges.map { UsageSettlement.idempotencyKey(requestId: $0.requestId) }
        var earlier: [String: LedgerEntry] = [:]
        for chunk in SQLList.chunks(keys) {
            for entry in try LedgerEntry.fetchAll(db, sql: "SELECT * FROM ledger WHERE idempotency_key IN (\(SQLList.of(chunk.count)))",
                                                  arguments: StoreArguments(chunk)) {
                earlier[entry.idempotencyKey] = entry
            }
        }
        var buckets = try BucketBook(userIds: userIds, db)

        var outcomes: [UsageChargeOutcome] = []
        var entries: [LedgerEntry] = []
        var notices: [(userId: Int64, name: String, balance: Amount, at: Date)] = []
        for (charge, key) in zip(charges, keys) {
            if let entry = earlier[key] {
                outcomes.append(UsageChargeOutcome(taken: entry.amount.negated, balanceAfter: entry.balanceAfter, ledgerId: entry.id))
                continue
            }
            guard var account = accounts[charge.userId] else {
                outcomes.append(UsageChargeOutcome())
                continue
            }
            let balance = account.balance
            let taken = min(charge.amount, max(balance, .zero))
            var outcome = UsageChargeOutcome(taken: taken, shortOf: taken < charge.amount ? balance : nil)
            if taken.isPositive {
                let after = try balance.subtracting(taken)
                buckets.debitUsage(userId: charge.userId, amount: taken, balance: balance)
                if AccountSummary.isLow(after, threshold: threshold), !AccountSummary.isLow(balance, threshold: threshold) {
                    notices.append((charge.userId, account.name, after, charge.at))
                }
                account.balance = after
                accounts[charge.userId] = account
                outcome.balanceAfter = after
                entries.append(LedgerEntry(
                    id: nil, userId: charge.userId, kind: .usage, amount: taken.negated, balanceAfter: after, actor: actor,
                    reason: charge.reason, idempotencyKey: key, requestId: charge.requestId, createdAt: charge.at))
            }
            outcomes.append(outcome)
        }
        guard !entries.isEmpty else { return outcomes }

        let charged = Set(entries.map(\.userId))
        try SQLList.updateByID(table: "users", column: "balance",
                               values: accounts.filter { charged.contains($0.key) }.map { ($0.key, $0.value.balance) }, db)
        try SQLList.updateByID(table: "credit_buckets", column: "remaining", values: buckets.changed, db)
        let ids = try insert(entries, db)
        for index in outcomes.indices {
            if outcomes[index].ledgerId == nil, outcomes[index].balanceAfter != nil {
                outcomes[index].ledgerId = ids[keys[index]]
            }
        }
        for notice in notices {
            try Outbox.enqueue(db, .lowBalance, [
                "user": notice.name, "user_id": "\(notice.userId)", "balance": notice.balance.description,
                "threshold": threshold.description,
            ], at: notice.at)
        }
        return outcomes
    }

    /// Inserts ledger entries with multi-row statements; returns their ids by idempotency key.
    private static func insert(_ entries: [LedgerEntry], _ db: StoreDB) throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        for chunk in SQLList.chunks(entries, rowsOf: 9) {
            var arguments = StoreArguments()
            for e in chunk {
                arguments += [e.userId, e.kind, e.amount, e.balanceAfter, e.actor, e.reason, e.idempotencyKey, e.requestId, e.createdAt]
            }
            let rows = try Row.fetchAll(db, sql: """
                INSERT INTO ledger (user_id, kind, amount, balance_after, actor, reason, idempotency_key, request_id, created_at)
                VALUES \(SQLList.rows(chunk.count, of: 9)) RETURNING id, idempotency_key
                """, arguments: arguments)
            for row in rows { ids[row["idempotency_key"]] = row["id"] }
        }
        return ids
    }
}

/// The expiring buckets of the users of one batch, debited in memory, written once.
private struct BucketBook {
    private var buckets: [Int64: [(id: Int64, remaining: Int64)]] = [:]
    private var remaining: [Int64: Int64] = [:]

    init(userIds: [Int64], _ db: StoreDB) throws {
        for row in try Row.fetchAll(db, sql: """
            SELECT id, user_id, remaining FROM credit_buckets
            WHERE user_id IN (\(SQLList.of(userIds.count))) AND remaining > 0 ORDER BY expires_at, id
            """, arguments: StoreArguments(userIds)) {
            let userId: Int64 = row["user_id"]
            buckets[userId, default: []].append((row["id"], (row["remaining"] as Amount).nanos))
        }
    }

    /// The buckets whose remaining credits changed, with their new amount.
    var changed: [(Int64, Amount)] { remaining.map { ($0.key, Amount(nanos: $0.value)) } }

    /// As ``CreditBuckets`` debits usage: out of the buckets, soonest-expiring first, and never
    /// leaving them holding more than the balance that remains.
    mutating func debitUsage(userId: Int64, amount: Amount, balance: Amount) {
        guard var list = buckets[userId], !list.isEmpty else { return }
        let inBuckets = list.reduce(Int64(0)) { $0 + $1.remaining }
        var due = max(amount.nanos, inBuckets - (balance.nanos - amount.nanos))
        for index in list.indices where due > 0 && list[index].remaining > 0 {
            let part = min(due, list[index].remaining)
            list[index].remaining -= part
            remaining[list[index].id] = list[index].remaining
            due -= part
        }
        buckets[userId] = list
    }
}
