import Foundation
import GRDB

/// The only code that moves a balance: it updates `users.balance` and appends the ledger entry
/// that explains it, in the caller's transaction, so that for every user the sum of the ledger
/// equals the balance. The buckets of expiring credit are kept here too (``CreditBuckets``), so
/// that their sum never exceeds the balance.
public enum Ledger {
    /// Applies `amount` (negative to take credits away) to a user's balance.
    ///
    /// - Parameter bucket: `.expiring` puts added credits in a bucket that expires (plan credits);
    ///   `.expire` takes them out of that one bucket. Otherwise credits added are purchased credit,
    ///   and credits taken come out of the buckets as ``CreditBuckets/debit(_:userId:amount:kind:balance:)`` says.
    /// - Throws: `duplicate` if `idempotencyKey` was used before (nothing is applied again);
    ///   `insufficientBalance` if the balance would drop below zero.
    @discardableResult
    package static func post(
        _ db: StoreDB, userId: Int64, kind: LedgerKind, amount: Amount, actor: String,
        reason: String, idempotencyKey: String? = nil, requestId: String? = nil, at time: Date = Date(),
        bucket: CreditBuckets.Change? = nil
    ) throws -> LedgerEntry {
        let key = idempotencyKey ?? UUID().uuidString.lowercased()
        // StoreDB caches these statements on SQLite: the gateway charges thousands of requests a second through here.
        if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM ledger WHERE idempotency_key = ?", arguments: [key]) {
            throw HubError(.duplicate, "idempotency key '\(key)' was already used by ledger entry #\(existing): not applied again")
        }
        guard let row = try Row.fetchOne(db, sql: "SELECT name, balance FROM users WHERE id = ?", arguments: [userId]) else {
            throw HubError.notFound("unknown user id \(userId)")
        }
        let name: String = row["name"]
        let balance: Amount = row["balance"]
        let after = try balance.adding(amount)
        guard !after.isNegative else {
            throw HubError(.insufficientBalance, HubText(.balanceTooLow, name, balance.description, amount.negated.description,
                                                         after.description))
        }
        try db.execute(sql: "UPDATE users SET balance = ? WHERE id = ?", arguments: [after, userId])
        try CreditBuckets.apply(db, userId: userId, kind: kind, amount: amount, balance: balance, change: bucket, at: time)
        if amount.isNegative { try noticeLowBalance(db, userId: userId, name: name, before: balance, after: after, at: time) }
        var entry = LedgerEntry(
            id: nil, userId: userId, kind: kind, amount: amount, balanceAfter: after, actor: actor,
            reason: reason, idempotencyKey: key, requestId: requestId, createdAt: time)
        try entry.insert(db)
        return entry
    }

    /// `low_balance` when a debit takes a balance from at or above the threshold to below it.
    private static func noticeLowBalance(_ db: StoreDB, userId: Int64, name: String, before: Amount, after: Amount,
                                         at time: Date) throws {
        let threshold = try Amount.fetchOne(db, sql: "SELECT low_balance_threshold FROM settings") ?? .zero
        guard AccountSummary.isLow(after, threshold: threshold), !AccountSummary.isLow(before, threshold: threshold) else { return }
        try Outbox.enqueue(db, .lowBalance, [
            "user": name, "user_id": "\(userId)", "balance": after.description, "threshold": threshold.description,
        ], at: time)
    }
}
