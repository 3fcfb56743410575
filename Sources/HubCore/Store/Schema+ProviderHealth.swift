import GRDB

extension Schema {
    /// Provider and credential health, for the console's Providers pane.
    ///
    /// - `usage_events.credential_id`: the credential of the call's last upstream attempt, and
    ///   `failed_credential_id`: the credential of the failed attempt before it when the call failed
    ///   over (NULL: none, or a writer that does not know them).
    /// - `usage_health_hourly`: per UTC hour, provider and credential (0: none), upstream attempts, how
    ///   many failed (the last attempt answering 5xx or 429, or an attempt that failed over), and the
    ///   summed latency of the last attempts (`timed` of them). Kept by a trigger in the same transaction
    ///   as each insert, like `usage_daily`: a few rows per credential and hour, whatever the traffic.
    ///
    /// Registered after every migration that rebuilds `usage_events` (a rebuild drops these columns
    /// and the trigger).
    static func createHealthRollup(_ db: Database) throws {
        try db.alter(table: "usage_events") { t in
            t.add(column: "credential_id", .integer).references("credentials", onDelete: .setNull)
            t.add(column: "failed_credential_id", .integer).references("credentials", onDelete: .setNull)
        }
        try db.create(table: "usage_health_hourly") { t in
            t.column("hour", .text).notNull()                // YYYY-MM-DD HH (UTC)
            t.column("provider_id", .integer).notNull()
            t.column("credential_id", .integer).notNull()    // 0 when the call had none
            t.column("attempts", .integer).notNull()
            t.column("failures", .integer).notNull()
            t.column("latency_ms_sum", .double).notNull()
            t.column("timed", .integer).notNull()            // attempts whose latency is in the sum
            t.primaryKey(["hour", "provider_id", "credential_id"])
        }
        try db.execute(sql: """
            CREATE TRIGGER usage_health_rollup AFTER INSERT ON usage_events WHEN NEW.provider_id IS NOT NULL
            BEGIN
              INSERT INTO usage_health_hourly (hour, provider_id, credential_id, attempts, failures, latency_ms_sum, timed)
              VALUES (substr(NEW.created_at, 1, 13), NEW.provider_id, COALESCE(NEW.credential_id, 0), 1,
                      NEW.status >= 500 OR NEW.status = 429, NEW.latency_ms, 1)
              ON CONFLICT (hour, provider_id, credential_id) DO UPDATE SET
                attempts = attempts + 1, failures = failures + excluded.failures,
                latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum, timed = timed + 1;
              INSERT INTO usage_health_hourly (hour, provider_id, credential_id, attempts, failures, latency_ms_sum, timed)
              SELECT substr(NEW.created_at, 1, 13), provider_id, id, 1, 1, 0, 0
              FROM credentials WHERE id = NEW.failed_credential_id
              ON CONFLICT (hour, provider_id, credential_id) DO UPDATE SET
                attempts = attempts + 1, failures = failures + 1;
            END;
            """)
    }
}
