import GRDB

extension Schema {
    /// v3: durable holds, overruns and cache-write prices.
    ///
    /// - `holds`: one row per request whose maximum cost is held, written before the upstream call and
    ///   deleted in the transaction that settles it. A row left behind by a crash is settled when a
    ///   hub starts (``HoldRecovery``).
    /// - `model_rates.cache_write_rate` / `cache_write_cost`: the price of prompt tokens written to a
    ///   provider's cache (NULL: priced as input).
    /// - `usage_events.overrun`: credits a call cost beyond its hold (never charged), and
    ///   `usage_source = 'recovered'`. SQLite cannot change a CHECK constraint, so the table is rebuilt
    ///   (its indexes and the rollup trigger with it).
    static func createHolds(_ db: Database) throws {
        try db.create(table: "holds") { t in
            t.primaryKey("request_id", .text)
            t.column("user_id", .integer).notNull().indexed().references("users", onDelete: .cascade)
            t.column("api_key_id", .integer)
            t.column("model", .text).notNull()
            t.column("amount", .integer).notNull().check { $0 > 0 }   // credit nano-units
            t.column("run_id", .text).notNull()                       // the hub process that wrote it
            t.column("created_at", .datetime).notNull()
        }

        try db.alter(table: "model_rates") { t in
            t.add(column: "cache_write_rate", .integer)   // credits per 1M cache-write tokens
            t.add(column: "cache_write_cost", .integer)   // provider USD per 1M cache-write tokens
        }

        try db.create(table: "usage_events_v3") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("request_id", .text).notNull().unique()
            t.column("user_id", .integer).references("users", onDelete: .setNull)
            t.column("api_key_id", .integer).references("api_keys", onDelete: .setNull)
            t.column("provider_id", .integer).references("providers", onDelete: .setNull)
            t.column("model", .text).notNull()
            t.column("tokens_in", .integer).notNull().defaults(to: 0)
            t.column("tokens_out", .integer).notNull().defaults(to: 0)
            t.column("tokens_cached", .integer).notNull().defaults(to: 0)
            t.column("provider_cost", .integer).notNull().defaults(to: 0)   // USD nano-units
            t.column("credits_charged", .integer).notNull().defaults(to: 0) // credit nano-units
            t.column("latency_ms", .double).notNull().defaults(to: 0)
            t.column("ttfb_ms", .double)
            t.column("status", .integer).notNull()
            t.column("error", .text)
            t.column("usage_source", .text).notNull()
                .check { ["upstream", "estimated", "partial", "recovered"].contains($0) }
            t.column("streamed", .boolean).notNull().defaults(to: false)
            t.column("created_at", .datetime).notNull()
            t.column("overrun", .integer).notNull().defaults(to: 0)         // credit nano-units, not charged
        }
        try db.execute(sql: """
            INSERT INTO usage_events_v3 (id, request_id, user_id, api_key_id, provider_id, model, tokens_in, tokens_out,
              tokens_cached, provider_cost, credits_charged, latency_ms, ttfb_ms, status, error, usage_source, streamed,
              created_at)
            SELECT id, request_id, user_id, api_key_id, provider_id, model, tokens_in, tokens_out, tokens_cached,
              provider_cost, credits_charged, latency_ms, ttfb_ms, status, error, usage_source, streamed, created_at
            FROM usage_events;
            DROP TABLE usage_events;
            ALTER TABLE usage_events_v3 RENAME TO usage_events;
            """)
        try db.create(index: "usage_events_api_key_id", on: "usage_events", columns: ["api_key_id"])
        try db.create(index: "usage_events_provider_id", on: "usage_events", columns: ["provider_id"])
        try db.create(index: "usage_events_time", on: "usage_events", columns: ["created_at"])
        try db.create(index: "usage_events_user_time", on: "usage_events", columns: ["user_id", "created_at"])
        // The v2 rollup trigger, as it was (it went with the old table).
        try db.execute(sql: """
            CREATE TRIGGER usage_daily_rollup AFTER INSERT ON usage_events
            BEGIN
              INSERT INTO usage_daily (day, user_id, provider_id, model, requests, errors, tokens_in, tokens_out,
                                       credits_charged, provider_cost, latency_ms_sum)
              VALUES (substr(NEW.created_at, 1, 10), COALESCE(NEW.user_id, 0), COALESCE(NEW.provider_id, 0), NEW.model,
                      1, NEW.status >= 400, NEW.tokens_in, NEW.tokens_out, NEW.credits_charged, NEW.provider_cost,
                      NEW.latency_ms)
              ON CONFLICT (day, user_id, provider_id, model) DO UPDATE SET
                requests = requests + 1, errors = errors + excluded.errors,
                tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out,
                credits_charged = credits_charged + excluded.credits_charged,
                provider_cost = provider_cost + excluded.provider_cost,
                latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum;
            END;
            """)
    }
}
