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
        try await store.write { db in try settle(batch, db) }
    }

    /// Commits a whole ``UsageBatch`` in one transaction: new holds, settlements, audit entries and the
    /// last-use times of keys and credentials.
    public static func commit(_ batch: UsageBatch, to store: HubStore) async throws(HubError) -> UsageBatchOutcome {
        try await store.write { db in try write(batch, db) }
    }

    /// The batch in one transaction, in a fixed number of statements whatever its size: the holds
    /// admitted together, the records settled together. On PostgreSQL the transaction's thread waits
    /// only for the reads (and the commit): the writes are queued behind them
    /// (``StoreDB/executeQueued(sql:arguments:)``), so a batch costs nine waits in all, not sixteen.
    static func write(_ batch: UsageBatch, _ db: StoreDB) throws -> UsageBatchOutcome {
        let refused = try HoldAdmission.admit(batch.holds, db)
        let results = try settle(batch.records, db)
        for notice in batch.overruns { try notice.insert(db) }
        try LastUse.write(batch.lastUse, db)
        return UsageBatchOutcome(settlements: results, refusedHolds: refused)
    }

    private static func settle(_ records: [UsageRecord], _ db: StoreDB) throws -> [SettlementResult] {
        guard !records.isEmpty else { return [] }
        // The holds of these calls go with their settlement.
        for chunk in SQLList.chunks(records.filter { $0.hold != nil }.map(\.event.requestId)) {
            try db.executeQueued(sql: "DELETE FROM holds WHERE request_id IN (\(SQLList.of(chunk.count)))", arguments: StoreArguments(chunk))
        }
        // A call recorded before (a retried batch), or twice in this batch, is neither recorded nor charged again.
        var seen: Set<String> = []
        for chunk in SQLList.chunks(records.map(\.event.requestId)) {
            seen.formUnion(try String.fetchAll(db, sql: """
                SELECT request_id FROM usage_events WHERE request_id IN (\(SQLList.of(chunk.count)))
                """, arguments: StoreArguments(chunk)))
        }
        var fresh: [Int] = []
        var charges: [Ledger.UsageCharge] = []
        var chargeOf: [Int: Int] = [:]
        for (index, record) in records.enumerated() {
            let event = record.event
            guard !seen.contains(event.requestId) else { continue }
            seen.insert(event.requestId)
            fresh.append(index)
            // Never above the hold: what an upstream produced beyond the limit it was sent is the overrun.
            if record.chargeable.isPositive, let userId = event.userId {
                chargeOf[index] = charges.count
                charges.append(Ledger.UsageCharge(
                    userId: userId, amount: record.chargeable, requestId: event.requestId,
                    reason: "\(event.model): \(event.tokensIn) in, \(event.tokensOut) out", at: event.createdAt))
            }
        }
        let outcomes = try Ledger.chargeUsage(charges, actor: actor, db)
        let freshSet = Set(fresh)
        var earlier: [String: LedgerEntry] = [:]
        let repeated = records.indices.filter { !freshSet.contains($0) }.map { idempotencyKey(requestId: records[$0].event.requestId) }
        for chunk in SQLList.chunks(repeated) {
            for entry in try LedgerEntry.fetchAll(db, sql: "SELECT * FROM ledger WHERE idempotency_key IN (\(SQLList.of(chunk.count)))",
                                                  arguments: StoreArguments(chunk)) {
                earlier[entry.idempotencyKey] = entry
            }
        }
        var results: [SettlementResult] = []
        var events: [UsageEvent] = []
        for (index, record) in records.enumerated() {
            var event = record.event
            guard freshSet.contains(index) else {
                let entry = earlier[idempotencyKey(requestId: event.requestId)]
                results.append(SettlementResult(requestId: event.requestId, userId: event.userId,
                                                charged: entry?.amount.negated ?? .zero, balanceAfter: entry?.balanceAfter,
                                                ledgerId: entry?.id))
                continue
            }
            event.overrun = record.overrun
            var result = SettlementResult(requestId: event.requestId, userId: event.userId, charged: .zero)
            if let charge = chargeOf[index] {
                let outcome = outcomes[charge]
                if let balance = outcome.shortOf {
                    // Never below zero: a charge beyond the balance is clamped and the shortfall recorded.
                    let cost = record.chargeable
                    let shortfall = (try? cost.subtracting(outcome.taken)) ?? cost
                    let note = "credit shortfall \(shortfall): cost \(cost), balance \(balance)"
                    event.error = event.error.map { "\($0); \(note)" } ?? note
                }
                result.charged = outcome.taken
                result.balanceAfter = outcome.balanceAfter
                result.ledgerId = outcome.ledgerId
            }
            event.creditsCharged = result.charged
            events.append(event)
            results.append(result)
        }
        try insert(events, db)
        return results
    }
}

extension UsageSettlement {
    /// Inserts events with multi-row statements (the record's Codable path costs more than the rest
    /// of the settlement, and this runs for every request). A user, key, provider or credential
    /// removed while the request was in flight is recorded as NULL (as `ON DELETE SET NULL` would
    /// have done), never as a foreign-key failure that would lose the event and its charge.
    static func insert(_ events: [UsageEvent], _ db: StoreDB) throws {
        let columns = 22
        for chunk in SQLList.chunks(events, rowsOf: columns) where !chunk.isEmpty {
            var arguments = StoreArguments()
            for event in chunk {
                arguments += [
                    event.requestId, event.userId, event.apiKeyId, event.providerId, event.model, event.tokensIn,
                    event.tokensOut, event.tokensCached, event.providerCost, event.creditsCharged, event.latencyMs,
                    event.ttfbMs, event.status, event.error, event.usageSource, event.streamed, event.createdAt, event.overrun,
                    event.credentialId, event.failedCredentialId, event.teamId, event.nodeId,
                ]
            }
            let row = """
                (?, (SELECT id FROM users WHERE id = ?), (SELECT id FROM api_keys WHERE id = ?), \
                (SELECT id FROM providers WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \
                (SELECT id FROM credentials WHERE id = ?), (SELECT id FROM credentials WHERE id = ?), ?, ?)
                """
            try db.executeQueued(sql: """
                INSERT INTO usage_events (request_id, user_id, api_key_id, provider_id, model, tokens_in, tokens_out,
                  tokens_cached, provider_cost, credits_charged, latency_ms, ttfb_ms, status, error, usage_source,
                  streamed, created_at, overrun, credential_id, failed_credential_id, team_id, node_id)
                VALUES \(Array(repeating: row, count: chunk.count).joined(separator: ", "))
                """, arguments: arguments)
        }
    }
}
