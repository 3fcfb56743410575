import Foundation
import GRDB

/// The database's word on a hold, whichever node asks: a hold is written only when the user's
/// balance, less every hold still open on every node, covers it. The check and the insert share the
/// batch's write transaction, and writes are serialised across nodes (``StoreBackend``), so two
/// nodes can never both spend the same credits: whatever each node's memory says, the sum of the
/// open holds of a user never exceeds their balance, and a call is never charged beyond its hold.
enum HoldAdmission {
    /// Writes each hold the balance covers, in order; returns the refused ones with what was available.
    /// A user deleted meanwhile has nothing to hold against (`.zero`); a hold of nothing is admitted
    /// and not written (the table holds positive amounts only); a hold written before (the same
    /// request id: a retried batch) is left as it is. Two statements, whatever the number of holds.
    static func admit(_ holds: [HoldRecord], _ db: StoreDB) throws -> [String: Amount] {
        let holds = holds.filter(\.amount.isPositive)
        guard !holds.isEmpty else { return [:] }
        let userIds = Array(Set(holds.map(\.userId))).sorted()
        var available: [Int64: Amount] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT id, balance - COALESCE((SELECT sum(amount) FROM holds WHERE holds.user_id = users.id), 0) AS available
            FROM users WHERE id IN (\(SQLList.of(userIds.count)))
            """, arguments: StoreArguments(userIds)) {
            available[row["id"]] = row["available"]
        }
        var refused: [String: Amount] = [:]
        var admitted: [HoldRecord] = []
        for hold in holds {
            let left = available[hold.userId] ?? .zero
            guard hold.amount <= left else {
                refused[hold.requestId] = left
                continue
            }
            available[hold.userId] = Amount(nanos: left.nanos &- hold.amount.nanos)
            admitted.append(hold)
        }
        for chunk in SQLList.chunks(admitted, rowsOf: 7) where !chunk.isEmpty {
            var arguments = StoreArguments()
            for hold in chunk {
                arguments += [hold.requestId, hold.userId, hold.apiKeyId, hold.model, hold.amount, hold.runId, hold.createdAt]
            }
            try db.executeQueued(sql: """
                INSERT INTO holds (request_id, user_id, api_key_id, model, amount, run_id, created_at)
                VALUES \(SQLList.rows(chunk.count, of: 7)) ON CONFLICT (request_id) DO NOTHING
                """, arguments: arguments)
        }
        return refused
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
