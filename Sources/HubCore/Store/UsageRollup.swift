import Foundation
import GRDB

/// Reads of the `usage_daily` rollup (see ``Schema``): cheap whatever the number of events.
public enum UsageRollup {
    /// The rollup's day key of a time: `YYYY-MM-DD` in UTC, as GRDB stores dates.
    public static func day(_ date: Date) -> String {
        String(date.formatted(.iso8601.year().month().day().dateSeparator(.dash)).prefix(10))
    }

    /// Credits each user was charged since the first of the current UTC month, by user id.
    public static func spendThisMonth(_ db: Database, now: Date = Date()) throws -> [Int64: Amount] {
        let month = day(Calendar.utc.dateInterval(of: .month, for: now)!.start)
        let rows = try Row.fetchAll(db, sql: """
            SELECT user_id, SUM(credits_charged) AS spend FROM usage_daily WHERE day >= ? GROUP BY user_id
            """, arguments: [month])
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["user_id"], $0["spend"]) })
    }

    /// `provider/model` of the models called since `since` (whole days) that have no current rate.
    public static func unpricedModels(_ db: Database, since: Date) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT DISTINCT p.name || '/' || d.model
            FROM usage_daily d JOIN providers p ON p.id = d.provider_id
            WHERE d.day >= ?
              AND NOT EXISTS (SELECT 1 FROM model_rates r
                              WHERE r.provider_id = d.provider_id AND r.model = d.model AND r.valid_to IS NULL)
            ORDER BY 1
            """, arguments: [day(since)])
    }
}
