import Foundation
import GRDB

/// Settlement of the holds that stopped nodes left open (killed mid-request).
///
/// A hold row is deleted in the same transaction that commits its request's usage event and charge,
/// so a row still present after its node stopped means the request's usage was never written: it is
/// settled at the hold (the most the request could have cost, and what the client may have been
/// served), as a usage event with `usage_source = recovered` and the node that wrote it, charged
/// exactly once by its request id. ``NodeRegistry`` runs it when a node starts (before balances are
/// loaded and any request is served) and with every heartbeat, for the nodes found dead.
public enum HoldRecovery {
    public static let note = "the hub stopped mid-request; settled at its hold when a hub started"

    /// Settles every open hold, whoever wrote it (a hub about to start with no other node alive).
    @discardableResult
    public static func settleOpenHolds(_ store: HubStore) async throws(HubError) -> [SettlementResult] {
        try await store.write { db in try settleHolds(db, exceptRunsOf: []) }
    }

    /// Settles the open holds written by any run not in `liveRuns`.
    static func settleHolds(_ db: StoreDB, exceptRunsOf liveRuns: Set<String>) throws -> [SettlementResult] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT request_id, user_id, api_key_id, model, amount, run_id, created_at,
                   (SELECT team_id FROM api_keys k WHERE k.id = holds.api_key_id) AS team_id
            FROM holds ORDER BY created_at, request_id
            """)
        let records = rows.compactMap { row -> UsageRecord? in
            let runId: String = row["run_id"]
            guard !liveRuns.contains(runId) else { return nil }
            let amount: Amount = row["amount"]
            var event = UsageEvent(
                requestId: row["request_id"], userId: row["user_id"], apiKeyId: row["api_key_id"], providerId: nil,
                model: row["model"], status: 0, error: note, usageSource: .recovered, createdAt: row["created_at"])
            event.teamId = row["team_id"]
            event.nodeId = runId
            return UsageRecord(event: event, charge: amount, hold: amount)
        }
        guard !records.isEmpty else { return [] }
        return try UsageSettlement.write(UsageBatch(records: records), db).settlements
    }
}
