import Foundation
import GRDB

/// One finished request as the gateway hands it to storage: its usage event and the credits it
/// should be charged (zero in enterprise mode, for free models and for failures).
public struct UsageRecord: Sendable, Equatable {
    public var event: UsageEvent
    /// Credits the call really cost at the hub's rate; the event's `creditsCharged` is set to what was taken.
    public var charge: Amount
    /// The credits held for the call, when it had a hold: the charge never exceeds it (the excess is
    /// the event's `overrun`), and the durable hold row is deleted as the record is committed.
    public var hold: Amount?

    public init(event: UsageEvent, charge: Amount, hold: Amount? = nil) {
        self.event = event
        self.charge = charge
        self.hold = hold
    }

    /// What the call is charged: its cost, never more than its hold.
    public var chargeable: Amount { hold.map { min(charge, $0) } ?? charge }

    /// What the call cost beyond its hold: recorded on the event, never charged.
    public var overrun: Amount {
        guard let hold, charge > hold else { return .zero }
        return Amount(nanos: charge.nanos &- hold.nanos)
    }
}

/// What committing one ``UsageRecord`` did to its user's balance.
public struct SettlementResult: Sendable, Equatable {
    public var requestId: String
    public var userId: Int64?
    /// Credits actually taken (may be less than asked when the balance ran out; see the event's error).
    public var charged: Amount
    /// The user's balance after the charge and the ledger entry that set it, when a charge was made.
    public var balanceAfter: Amount?
    public var ledgerId: Int64?

    public init(requestId: String, userId: Int64?, charged: Amount, balanceAfter: Amount? = nil, ledgerId: Int64? = nil) {
        self.requestId = requestId; self.userId = userId; self.charged = charged
        self.balanceAfter = balanceAfter; self.ledgerId = ledgerId
    }
}

/// Group commit of usage: a whole batch of events and their `usage` ledger entries in one write
/// transaction. Idempotent by request id: a record committed before (a retry after a crash or a
/// failed batch) is neither charged nor recorded again.
public enum UsageSettlement {
    public static let actor = "gateway"

    /// The ledger idempotency key of a request's charge.
    public static func idempotencyKey(requestId: String) -> String { "usage:\(requestId)" }

    public static func commit(_ batch: [UsageRecord], to store: HubStore) async throws(HubError) -> [SettlementResult] {
        try await store.write { db in try batch.map { try settle($0, db) } }
    }

    /// Commits a whole ``UsageBatch`` in one transaction: new holds, settlements, audit entries and the
    /// last-use times of keys and credentials.
    public static func commit(_ batch: UsageBatch, to store: HubStore) async throws(HubError) -> UsageBatchOutcome {
        try await store.write { db in try write(batch, db) }
    }

    static func write(_ batch: UsageBatch, _ db: StoreDB) throws -> UsageBatchOutcome {
        var refused: [String: Amount] = [:]
        for hold in batch.holds {
            if let available = try HoldAdmission.admit(hold, db) { refused[hold.requestId] = available }
        }
        let results = try batch.records.map { try settle($0, db) }
        for notice in batch.overruns { try notice.insert(db) }
        try LastUse.write(batch.lastUse, db)
        return UsageBatchOutcome(settlements: results, refusedHolds: refused)
    }

    private static func settle(_ record: UsageRecord, _ db: StoreDB) throws -> SettlementResult {
        var event = record.event
        let key = idempotencyKey(requestId: event.requestId)
        if record.hold != nil {
            try db.execute(sql: "DELETE FROM holds WHERE request_id = ?", arguments: [event.requestId])
        }
        if try Int.fetchOne(db, sql: "SELECT 1 FROM usage_events WHERE request_id = ?", arguments: [event.requestId]) != nil {
            let earlier = try LedgerEntry.fetchOne(db, sql: "SELECT * FROM ledger WHERE idempotency_key = ? LIMIT 1",
                                                   arguments: [key])
            return SettlementResult(requestId: event.requestId, userId: event.userId,
                                    charged: earlier?.amount.negated ?? .zero, balanceAfter: earlier?.balanceAfter,
                                    ledgerId: earlier?.id)
        }
        // Never above the hold: what an upstream produced beyond the limit it was sent is the overrun.
        let charge = record.chargeable
        event.overrun = record.overrun
        var result = SettlementResult(requestId: event.requestId, userId: event.userId, charged: .zero)
        if charge.isPositive, let userId = event.userId,
           let balance = try Amount.fetchOne(db, sql: "SELECT balance FROM users WHERE id = ?", arguments: [userId]) {
            // Never below zero: a charge beyond the balance is clamped and the shortfall recorded.
            let taken = min(charge, max(balance, .zero))
            if taken < charge {
                let shortfall = (try? charge.subtracting(taken)) ?? charge
                let note = "credit shortfall \(shortfall): cost \(charge), balance \(balance)"
                event.error = event.error.map { "\($0); \(note)" } ?? note
            }
            if taken.isPositive {
                let entry = try Ledger.post(
                    db, userId: userId, kind: .usage, amount: taken.negated, actor: actor,
                    reason: "\(event.model): \(event.tokensIn) in, \(event.tokensOut) out",
                    idempotencyKey: key, requestId: event.requestId, at: event.createdAt)
                result.balanceAfter = entry.balanceAfter
                result.ledgerId = entry.id
            }
            result.charged = taken
        }
        event.creditsCharged = result.charged
        try insert(event, db)
        return result
    }
}

extension UsageSettlement {
    /// Inserts an event with a cached statement: the record's Codable path costs more than the
    /// rest of the settlement, and this runs for every request. A key or provider removed while
    /// the request was in flight is recorded as NULL (as `ON DELETE SET NULL` would have done),
    /// never as a foreign-key failure that would lose the event and its charge.
    static func insert(_ event: UsageEvent, _ db: StoreDB) throws {
        try db.execute(sql: """
            INSERT INTO usage_events (request_id, user_id, api_key_id, provider_id, model, tokens_in, tokens_out,
              tokens_cached, provider_cost, credits_charged, latency_ms, ttfb_ms, status, error, usage_source,
              streamed, created_at, overrun, credential_id, failed_credential_id, team_id, node_id)
            VALUES (?, ?, (SELECT id FROM api_keys WHERE id = ?), (SELECT id FROM providers WHERE id = ?),
                    ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM credentials WHERE id = ?),
                    (SELECT id FROM credentials WHERE id = ?), ?, ?)
            """, arguments: [
            event.requestId, event.userId, event.apiKeyId, event.providerId, event.model, event.tokensIn,
            event.tokensOut, event.tokensCached, event.providerCost, event.creditsCharged, event.latencyMs,
            event.ttfbMs, event.status, event.error, event.usageSource, event.streamed, event.createdAt, event.overrun,
            event.credentialId, event.failedCredentialId, event.teamId, event.nodeId,
        ])
    }

    /// Commits `batch` as one ``UsageBatch`` of settlements.
    public static func commitAsync(_ batch: [UsageRecord], to store: HubStore) async throws(HubError) -> [SettlementResult] {
        try await commit(UsageBatch(records: batch), to: store).settlements
    }
}
