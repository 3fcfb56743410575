import Foundation
import GRDB

/// Raw usage events written straight into a hub's database with SQL, in batches (the way a long-running
/// hub would have accumulated them): the rollup triggers keep `usage_daily` and `usage_hourly` as the
/// usage writer's inserts would.
enum UsageSeed {
    /// Users `u0`, `u1`, `u2` (added through the CLI beforehand) and teams `t0`, `t1` (made here):
    /// event `i` belongs to user `u(i % 3)`, to team `t(i % 2)` unless its user is `u2` (no team),
    /// calls `mock/mock-model` or `mock/other-model`, and is `days(i)` days and `i % 24` hours old (plus
    /// up to an hour). Money is odd nano-amounts, so a rounding anywhere shows.
    static func insert(_ path: String, count: Int, batch: Int = 10_000, errorText: String? = nil,
                       days: String = "i % 88") throws {
        let queue = try writer(path)
        try queue.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO teams (name, created_at) VALUES ('t0', CURRENT_TIMESTAMP), ('t1', CURRENT_TIMESTAMP)
                """)
        }
        var start = 0
        while start < count {
            let end = min(start + batch, count)
            try queue.write { db in
                try db.execute(sql: """
                    WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
                    INSERT INTO usage_events (request_id, user_id, team_id, provider_id, model, tokens_in, tokens_out,
                                              provider_cost, credits_charged, latency_ms, status, error, usage_source, created_at)
                    SELECT 'seed-' || i,
                           (SELECT id FROM users WHERE name = 'u' || (i % 3)),
                           CASE WHEN i % 3 = 2 THEN NULL ELSE (SELECT id FROM teams WHERE name = 't' || (i % 2)) END,
                           (SELECT id FROM providers WHERE name = 'mock'),
                           CASE WHEN i % 5 = 0 THEN 'other-model' ELSE 'mock-model' END,
                           10 + i % 100, 5 + i % 50, 1000003 * (1 + i % 7), 2000017 * (1 + i % 11), 20 + i % 30,
                           CASE WHEN i % 50 = 0 THEN 502 ELSE 200 END, ?, 'upstream',
                           strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (\(days)) || ' days', '-' || (i % 24) || ' hours',
                                    '-' || (60 + i % 3000) || ' seconds')
                    FROM n
                    """, arguments: [start, end, errorText])
            }
            start = end
        }
        try queue.close()
    }

    static func writer(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.foreignKeysEnabled = true
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}
