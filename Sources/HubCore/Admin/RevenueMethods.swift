import Foundation
import GRDB

/// One day or month of the business: money in and back, credits sold and used, what the
/// providers cost, and the margin (credits charged for usage less provider cost, 1 credit = 1 USD).
public struct RevenueRow: Codable, Sendable, Equatable {
    /// `2026-11-29` or `2026-11`.
    public var period: String
    /// Money received for packages and plans (in the processors' currencies, added as they are).
    public var purchases: Amount
    /// Money refunded.
    public var refunds: Amount
    public var creditsSold: Amount
    public var creditsRefunded: Amount
    public var usageCharged: Amount
    public var providerCost: Amount
    public var margin: Amount
}

extension Admin {
    /// `revenue.summary`: per day or month, newest first.
    public struct RevenueSummary: AdminMethod {
        public enum Period: String, Codable, Sendable, CaseIterable { case day, month }
        public static let name = "revenue.summary"
        public static let mutates = false
        public var by: Period?
        public var since: Date?
        public var until: Date?

        public init(by: Period? = nil, since: Date? = nil, until: Date? = nil) { self.by = by; self.since = since; self.until = until }

        public func run(_ context: AdminContext) async throws -> [RevenueRow] {
            let byDay = (by ?? .day) == .day
            let width = byDay ? 10 : 7
            let since = since ?? Date(timeIntervalSince1970: 0), until = until ?? Date.distantFuture
            guard since < until else { throw HubError.invalid("since must be before until") }
            return try await context.read { db in
                var rows: [String: RevenueRow] = [:]
                func row(_ period: String) -> RevenueRow {
                    rows[period] ?? RevenueRow(period: period, purchases: .zero, refunds: .zero, creditsSold: .zero,
                                               creditsRefunded: .zero, usageCharged: .zero, providerCost: .zero, margin: .zero)
                }
                for money in try Row.fetchAll(db, sql: """
                    SELECT \(byDay ? db.dayKey("created_at") : db.monthKey("created_at")) AS period,
                      SUM(CASE WHEN kind = 'purchase' THEN amount ELSE 0 END) AS purchases,
                      SUM(CASE WHEN kind = 'refund' THEN amount ELSE 0 END) AS refunds,
                      SUM(CASE WHEN kind = 'purchase' THEN credits ELSE 0 END) AS sold,
                      SUM(CASE WHEN kind = 'refund' THEN credits + owed ELSE 0 END) AS refunded
                    FROM payments WHERE status = 'applied' AND created_at >= ? AND created_at < ? GROUP BY period
                    """, arguments: [since, until]) {
                    var r = row(money["period"])
                    r.purchases = money["purchases"]; r.refunds = money["refunds"]
                    r.creditsSold = money["sold"]; r.creditsRefunded = money["refunded"]
                    rows[r.period] = r
                }
                for usage in try Row.fetchAll(db, sql: """
                    SELECT substr(day, 1, \(width)) AS period, SUM(credits_charged) AS charged, SUM(provider_cost) AS cost
                    FROM usage_daily WHERE day >= ? AND day <= ? GROUP BY period
                    """, arguments: [UsageRollup.day(since), UsageRollup.day(until)]) {
                    var r = row(usage["period"])
                    r.usageCharged = usage["charged"]; r.providerCost = usage["cost"]
                    rows[r.period] = r
                }
                return try rows.values.sorted { $0.period > $1.period }.map { r in
                    var r = r
                    r.margin = try r.usageCharged.subtracting(r.providerCost)
                    return r
                }
            }
        }
    }
}
