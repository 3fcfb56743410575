import Foundation

/// The database's word on a hold, whichever node asks: a hold is written only when the user's
/// balance, less every hold still open on every node, covers it. The check and the insert share the
/// batch's write transaction, and writes are serialised across nodes (``StoreBackend``), so two
/// nodes can never both spend the same credits: whatever each node's memory says, the sum of the
/// open holds of a user never exceeds their balance, and a call is never charged beyond its hold.
enum HoldAdmission {
    /// Writes `hold` and returns nil; or writes nothing and returns what was available.
    /// A user deleted meanwhile has nothing to hold against (`.zero`); a hold of nothing is admitted
    /// and not written (the table holds positive amounts only). A hold written before (the same
    /// request id: a retried batch) is left as it is.
    static func admit(_ hold: HoldRecord, _ db: StoreDB) throws -> Amount? {
        guard hold.amount.isPositive else { return nil }
        guard let available = try Amount.fetchOne(db, sql: """
            SELECT balance - COALESCE((SELECT sum(amount) FROM holds WHERE user_id = ?), 0) FROM users WHERE id = ?
            """, arguments: [hold.userId, hold.userId]) else { return .zero }
        guard hold.amount <= available else { return available }
        try db.execute(sql: """
            INSERT INTO holds (request_id, user_id, api_key_id, model, amount, run_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING
            """, arguments: [hold.requestId, hold.userId, hold.apiKeyId, hold.model, hold.amount, hold.runId, hold.createdAt])
        return nil
    }
}

/// What one committed ``UsageBatch`` did: each record's settlement, in order, and the holds the
/// database refused (by request id, with the credits that were available).
public struct UsageBatchOutcome: Sendable, Equatable {
    public var settlements: [SettlementResult]
    public var refusedHolds: [String: Amount]

    public init(settlements: [SettlementResult], refusedHolds: [String: Amount] = [:]) {
        self.settlements = settlements
        self.refusedHolds = refusedHolds
    }
}
