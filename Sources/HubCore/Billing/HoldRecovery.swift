import Foundation
import GRDB

/// Start-up settlement of the holds a previous run left open (it was killed mid-request).
///
/// A hold row is deleted in the same transaction that commits its request's usage event and charge,
/// so a row still present means the request's usage was never written: it is settled at the hold
/// (the most the request could have cost, and what the client may have been served), as a usage
/// event with `usage_source = recovered`, charged exactly once by its request id. Run it before
/// balances are loaded and before any request is served.
public enum HoldRecovery {
    public static let note = "the hub stopped mid-request; settled at its hold when a hub started"

    /// Settles every open hold; returns how many there were.
    @discardableResult
    public static func settleOpenHolds(_ store: HubStore) async throws(HubError) -> [SettlementResult] {
        try await store.write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT request_id, user_id, api_key_id, model, amount, created_at,
                       (SELECT team_id FROM api_keys k WHERE k.id = holds.api_key_id) AS team_id
                FROM holds ORDER BY created_at
                """)
            let records = rows.map { row in
                let amount: Amount = row["amount"]
                var event = UsageEvent(
                    requestId: row["request_id"], userId: row["user_id"], apiKeyId: row["api_key_id"], providerId: nil,
                    model: row["model"], status: 0, error: note, usageSource: .recovered, createdAt: row["created_at"])
                event.teamId = row["team_id"]
                return UsageRecord(event: event, charge: amount, hold: amount)
            }
            return try UsageSettlement.write(UsageBatch(records: records), db)
        }
    }
}
