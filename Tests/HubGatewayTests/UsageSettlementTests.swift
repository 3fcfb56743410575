import Foundation
import GRDB
@testable import HubCore
import Testing

/// The settlement step on a real database: charged once per request id, never below zero.
@Suite struct UsageSettlementTests {
    private func store() async throws -> (HubStore, Int64) { try await payerStore("settle") }

    private func record(_ requestId: String, user: Int64, charge: Amount) -> UsageRecord {
        UsageRecord(event: UsageEvent(requestId: requestId, userId: user, apiKeyId: nil, providerId: nil,
                                      model: "p/m", tokensIn: 10, tokensOut: 5, status: 200), charge: charge)
    }

    @Test func aRequestIsChargedOnceAndNeverBelowZero() async throws {
        let (store, user) = try await store()
        let first = try await UsageSettlement.commit([record("r1", user: user, charge: Amount(nanos: 400_000_000))], to: store)
        #expect(first[0].charged == Amount(nanos: 400_000_000) && first[0].balanceAfter == Amount(nanos: 600_000_000))
        // The same request again (a retried batch): nothing more is charged or recorded.
        let again = try await UsageSettlement.commit([record("r1", user: user, charge: Amount(nanos: 400_000_000))], to: store)
        #expect(again[0].charged == Amount(nanos: 400_000_000))
        // A charge beyond the balance is clamped at the balance and the shortfall written down.
        let over = try await UsageSettlement.commit([record("r2", user: user, charge: Amount(units: 5))], to: store)
        #expect(over[0].charged == Amount(nanos: 600_000_000) && over[0].balanceAfter == .zero)
        try await store.sqlite().read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_events") == 2)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger WHERE kind = 'usage'") == 2)
            #expect(try Int64.fetchOne(db, sql: "SELECT balance FROM users") == 0)
            #expect(try Int64.fetchOne(db, sql: "SELECT SUM(amount) FROM ledger") == 0)
            let error = try String.fetchOne(db, sql: "SELECT error FROM usage_events WHERE request_id = 'r2'")
            #expect(error?.contains("shortfall") == true)
        }
    }

    @Test func aProviderRemovedMidRequestStillGetsItsEventAndCharge() async throws {
        let (store, user) = try await store()
        // The request was routed to provider 42 and key 7, which no longer exist when it settles.
        var record = record("r-gone", user: user, charge: Amount(nanos: 100_000_000))
        record.event.providerId = 42
        record.event.apiKeyId = 7
        let result = try await UsageSettlement.commit([record], to: store)
        #expect(result[0].charged == Amount(nanos: 100_000_000))
        try await store.sqlite().read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT provider_id, api_key_id, credits_charged FROM usage_events"))
            #expect(row["provider_id"] == nil as Int64? && row["api_key_id"] == nil as Int64?)
            #expect(row["credits_charged"] == 100_000_000 as Int64)
        }
    }
}
