import Foundation
import GRDB

/// The only code that moves a balance: it updates `users.balance` and appends the ledger entry
/// that explains it, in the caller's transaction, so that for every user the sum of the ledger
/// equals the balance.
public enum Ledger {
    /// Applies `amount` (negative to take credits away) to a user's balance.
    ///
    /// - Throws: `duplicate` if `idempotencyKey` was used before (nothing is applied again);
    ///   `insufficientBalance` if the balance would drop below zero.
    @discardableResult
    public static func post(
        _ db: Database, userId: Int64, kind: LedgerKind, amount: Amount, actor: String,
        reason: String, idempotencyKey: String? = nil, requestId: String? = nil, at time: Date = Date()
    ) throws -> LedgerEntry {
        let key = idempotencyKey ?? UUID().uuidString.lowercased()
        if let existing = try LedgerEntry.filter(Column("idempotency_key") == key).fetchOne(db) {
            throw HubError(.duplicate,
                           "idempotency key '\(key)' was already used by ledger entry #\(existing.id ?? 0): not applied again")
        }
        guard var user = try User.fetchOne(db, key: userId) else {
            throw HubError.notFound("unknown user id \(userId)")
        }
        let after = try user.balance.adding(amount)
        guard !after.isNegative else {
            throw HubError(.insufficientBalance,
                           "\(user.name) has \(user.balance) credits: taking \(amount.negated) would leave \(after)")
        }
        user.balance = after
        try user.update(db, columns: ["balance"])
        var entry = LedgerEntry(
            id: nil, userId: userId, kind: kind, amount: amount, balanceAfter: after, actor: actor,
            reason: reason, idempotencyKey: key, requestId: requestId, createdAt: time)
        try entry.insert(db)
        return entry
    }
}
