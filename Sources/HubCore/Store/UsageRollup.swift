import Foundation
import GRDB

/// Reads of the `usage_daily` rollup (see ``Schema``): cheap whatever the number of events.
public enum UsageRollup {
    /// The rollup's day key of a time: `YYYY-MM-DD` in UTC, as GRDB stores dates.
    public static func day(_ date: Date) -> String {
        String(date.formatted(.iso8601.year().month().day().dateSeparator(.dash)).prefix(10))
    }

    /// Credits each user was charged since the first of the current UTC month, by user id.
    package static func spendThisMonth(_ db: StoreDB, now: Date = Date()) throws -> [Int64: Amount] {
        let month = day(Calendar.utc.dateInterval(of: .month, for: now)!.start)
        let rows = try Row.fetchAll(db, sql: """
            SELECT user_id, SUM(credits_charged) AS spend FROM usage_daily WHERE day >= ? GROUP BY user_id
            """, arguments: [month])
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["user_id"], $0["spend"]) })
    }

    /// The hour key of `usage_health_hourly`: `YYYY-MM-DD HH` in UTC, as GRDB stores dates.
    public static func hour(_ date: Date) -> String {
        let parts = Calendar.utc.dateComponents([.hour], from: date)
        return day(date) + " " + String(format: "%02d", parts.hour ?? 0)
    }

    /// How far back "recent" health reaches: the current hour and the one before (60 to 120 minutes).
    public static func recentHealthStart(now: Date = Date()) -> String { hour(now.addingTimeInterval(-3_600)) }

    /// Upstream attempts, failures and latency by provider and credential (0: none) since the hour
    /// `since` (``hour(_:)``).
    package static func health(_ db: StoreDB, since: String) throws -> [(provider: Int64, credential: Int64, traffic: Traffic)] {
        try Row.fetchAll(db, sql: """
            SELECT provider_id, credential_id, SUM(attempts) AS attempts, SUM(failures) AS failures,
                   SUM(latency_ms_sum) AS latency, SUM(timed) AS timed
            FROM usage_health_hourly WHERE hour >= ? GROUP BY provider_id, credential_id
            """, arguments: [since]).map { row in
            (row["provider_id"], row["credential_id"],
             Traffic(attempts: row["attempts"], failures: row["failures"], latencyMsSum: row["latency"], timed: row["timed"]))
        }
    }

    /// `provider/model` of the models called since `since` (whole days) that have no current rate.
    package static func unpricedModels(_ db: StoreDB, since: Date) throws -> [String] {
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

/// Upstream attempts over a period: how many failed, and the latency of those that were timed.
public struct Traffic: Codable, Sendable, Equatable {
    public var attempts: Int
    public var failures: Int
    public var latencyMsSum: Double
    public var timed: Int

    public init(attempts: Int = 0, failures: Int = 0, latencyMsSum: Double = 0, timed: Int = 0) {
        self.attempts = attempts
        self.failures = failures
        self.latencyMsSum = latencyMsSum
        self.timed = timed
    }

    /// Failed ÷ all attempts, 0...1; nil when there were none.
    public var errorRate: Double? { attempts > 0 ? Double(failures) / Double(attempts) : nil }
    /// Mean latency of the timed attempts; nil when there were none.
    public var averageLatencyMs: Double? { timed > 0 ? latencyMsSum / Double(timed) : nil }

    public static func + (a: Traffic, b: Traffic) -> Traffic {
        Traffic(attempts: a.attempts + b.attempts, failures: a.failures + b.failures,
                latencyMsSum: a.latencyMsSum + b.latencyMsSum, timed: a.timed + b.timed)
    }
}
