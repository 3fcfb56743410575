import Foundation
import GRDB

/// One finished request as the gateway hands it to storage: its usage event and the credits it
/// should be charged (zero in enterprise mode, for free models and for failures).
public struct UsageRecord: Sendable, Equatable {
    public var event: UsageEvent
    /// Credits to take from the event's user; the event's `creditsCharged` is set to what was taken.
    public var charge: Amount

    public init(event: UsageEvent, charge: Amount) {
        self.event = event
        self.charge = charge
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
}

/// Group commit of usage: a whole batch of events and their `usage` ledger entries in one write
/// transaction. Idempotent by request id: a record committed before (a retry after a crash or a
/// failed batch) is neither charged nor recorded again.
public enum UsageSettlement {
    public static let actor = "gateway"

    /// The ledger idempotency key of a request's charge.
    public static func idempotencyKey(requestId: String) -> String { "usage:\(requestId)" }

    public static func commit(_ batch: [UsageRecord], to store: HubStore) throws(HubError) -> [SettlementResult] {
        try store.write { db in try batch.map { try settle($0, db) } }
    }

    private static func settle(_ record: UsageRecord, _ db: Database) throws -> SettlementResult {
        var event = record.event
        let key = idempotencyKey(requestId: event.requestId)
        if try UsageEvent.filter(Column("request_id") == event.requestId).fetchCount(db) > 0 {
            let earlier = try LedgerEntry.filter(Column("idempotency_key") == key).fetchOne(db)
            return SettlementResult(requestId: event.requestId, userId: event.userId,
                                    charged: earlier?.amount.negated ?? .zero, balanceAfter: earlier?.balanceAfter,
                                    ledgerId: earlier?.id)
        }
        var result = SettlementResult(requestId: event.requestId, userId: event.userId, charged: .zero)
        if record.charge.isPositive, let userId = event.userId,
           let balance = try Amount.fetchOne(db, sql: "SELECT balance FROM users WHERE id = ?", arguments: [userId]) {
            // Never below zero: a charge beyond the balance is clamped and the shortfall recorded.
            let taken = min(record.charge, max(balance, .zero))
            if taken < record.charge {
                let shortfall = (try? record.charge.subtracting(taken)) ?? record.charge
                let note = "credit shortfall \(shortfall): cost \(record.charge), balance \(balance)"
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
        try event.insert(db)
        return result
    }
}

extension UsageSettlement {
    /// ``commit(_:to:)`` on GRDB's writer queue, suspending instead of blocking the caller's thread.
    public static func commitAsync(_ batch: [UsageRecord], to store: HubStore) async throws(HubError) -> [SettlementResult] {
        do {
            return try await store.pool.write { db in try batch.map { try settle($0, db) } }
        } catch {
            throw HubError(from: error)
        }
    }
}
