import GRDB

extension Schema {
    /// Retention, and the rollup that makes it safe: reports answer from rollups, so raw events may go.
    ///
    /// - `usage_hourly`: per UTC hour, user, team, provider and model (0: none), the sums of
    ///   `usage_events`, kept by a trigger in the same transaction as each insert, like `usage_daily`.
    ///   It carries the team (`usage_daily` does not), so chargeback by team answers after pruning,
    ///   and whole hours let a month be cut at midnight of any whole-hour time zone. Kept forever.
    /// - `retention`: one row (id = 1): how many days raw usage events are kept (NULL: forever), how
    ///   many the hub has pruned in all, and when it last looked.
    ///
    /// The migration fills `usage_hourly` from the events already there.
    static func createHourlyRollupAndRetention(_ db: Database) throws {
        try db.create(table: "usage_hourly") { t in
            t.column("hour", .text).notNull()                // YYYY-MM-DD HH (UTC)
            t.column("user_id", .integer).notNull()          // 0 when the event had no user
            t.column("team_id", .integer).notNull()          // 0 when the key spent for no team
            t.column("provider_id", .integer).notNull()      // 0 when the event had no provider
            t.column("model", .text).notNull()
            t.column("requests", .integer).notNull()
            t.column("errors", .integer).notNull()
            t.column("tokens_in", .integer).notNull()
            t.column("tokens_out", .integer).notNull()
            t.column("tokens_cached", .integer).notNull()
            t.column("credits_charged", .integer).notNull()
            t.column("provider_cost", .integer).notNull()
            t.column("latency_ms_sum", .double).notNull()
            t.primaryKey(["hour", "user_id", "team_id", "provider_id", "model"])
        }
        try db.execute(sql: """
            INSERT INTO usage_hourly (hour, user_id, team_id, provider_id, model, requests, errors, tokens_in, tokens_out,
                                      tokens_cached, credits_charged, provider_cost, latency_ms_sum)
            SELECT substr(created_at, 1, 13), COALESCE(user_id, 0), COALESCE(team_id, 0), COALESCE(provider_id, 0), model,
                   COUNT(*), SUM(status >= 400), SUM(tokens_in), SUM(tokens_out), SUM(tokens_cached),
                   SUM(credits_charged), SUM(provider_cost), SUM(latency_ms)
            FROM usage_events GROUP BY 1, 2, 3, 4, 5;
            CREATE TRIGGER usage_hourly_rollup AFTER INSERT ON usage_events
            BEGIN
              INSERT INTO usage_hourly (hour, user_id, team_id, provider_id, model, requests, errors, tokens_in, tokens_out,
                                        tokens_cached, credits_charged, provider_cost, latency_ms_sum)
              VALUES (substr(NEW.created_at, 1, 13), COALESCE(NEW.user_id, 0), COALESCE(NEW.team_id, 0),
                      COALESCE(NEW.provider_id, 0), NEW.model, 1, NEW.status >= 400, NEW.tokens_in, NEW.tokens_out,
                      NEW.tokens_cached, NEW.credits_charged, NEW.provider_cost, NEW.latency_ms)
              ON CONFLICT (hour, user_id, team_id, provider_id, model) DO UPDATE SET
                requests = requests + 1, errors = errors + excluded.errors,
                tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out,
                tokens_cached = tokens_cached + excluded.tokens_cached,
                credits_charged = credits_charged + excluded.credits_charged,
                provider_cost = provider_cost + excluded.provider_cost,
                latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum;
            END;
            """)
        try db.create(table: "retention") { t in
            t.primaryKey("id", .integer).check { $0 == 1 }
            t.column("days", .integer).check { $0 == nil || ($0 >= 1 && $0 <= 36_500) }
            t.column("pruned_total", .integer).notNull().defaults(to: 0)
            t.column("last_run_at", .datetime)
            t.column("updated_at", .datetime)
        }
        try db.execute(sql: "INSERT INTO retention (id) VALUES (1)")
    }

    /// Settings a database can take only while it is new (an empty file): incremental vacuum, so that
    /// pages freed by pruning can be handed back to the file system a few at a time. It must be set
    /// before the first table and before WAL mode (SQLite ignores it after either). A database made
    /// before this switches with one full `VACUUM` (`aigne-hub admin retention vacuum`).
    static func prepareNewDatabase(at path: String) throws {
        guard UsageRetention.fileSize(path) == 0 else { return }
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
        }
        try queue.close()
    }
}
