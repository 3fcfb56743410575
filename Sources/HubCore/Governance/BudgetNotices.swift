import Foundation
import GRDB

/// The `budget_soft_limit` notice: sent once per budget per period, whichever hub process sees
/// the threshold crossed first (the budget row records the period it was sent for).
public enum BudgetNotices {
    public static func softLimitReached(budgetId: Int64, subject: String, period: BudgetPeriod, periodStart: Date,
                                        amount: Amount, spent: Amount, store: HubStore) async throws(HubError) {
        try await store.write { db in
            try db.execute(sql: """
                UPDATE budgets SET soft_notice_period = ?
                WHERE id = ? AND (soft_notice_period IS NULL OR soft_notice_period < ?)
                """, arguments: [periodStart, budgetId, periodStart])
            guard db.changesCount == 1, let budget = try Budget.fetchOne(db, key: budgetId) else { return }
            try Outbox.enqueue(db, .budgetSoftLimit, [
                "budget_id": String(budgetId), "subject_kind": budget.subjectKind.rawValue, "subject": subject,
                "period": period.rawValue, "period_start": periodStart.formatted(.iso8601),
                "amount": amount.description, "spent": spent.description,
                "soft_percent": budget.softPercent.map(String.init) ?? "",
            ])
        }
    }
}
