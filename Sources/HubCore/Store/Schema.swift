import GRDB

/// The database schema, as a list of versioned migrations. Never edit a shipped migration:
/// add a new one below it.
///
/// Conventions: snake_case columns; times are GRDB dates (UTC text, sortable); money columns are
/// INTEGER nano-units (see ``Amount``); every foreign key says what happens on delete.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: core tables", migrate: createCoreTables)
        migrator.registerMigration("v2: daily usage rollup", migrate: createDailyRollup)
        migrator.registerMigration("v3: durable holds, overruns, cache-write prices", migrate: createHolds)
        migrator.registerMigration("provider health rollup", migrate: createHealthRollup)
        migrator.registerMigration("billing: packages, payments, codes, plans, credit buckets, notices", migrate: createBillingTables)
        migrator.registerMigration("governance: teams", migrate: createTeams)
        migrator.registerMigration("governance: budgets, limits, scopes", migrate: createGovernanceControls)
        migrator.registerMigration("governance: hourly rollup, retention", migrate: createHourlyRollupAndRetention)
        migrator.registerMigration("billing: console request keys, starter credit expiry", migrate: createBillingConsole)
        migrator.registerMigration("cluster: nodes, the node of each call", migrate: createCluster)
        return migrator
    }

    private static func createCoreTables(_ db: Database) throws {
        // One row (id = 1): the deployment mode and the service-provider settings.
        try db.create(table: "settings") { t in
            t.primaryKey("id", .integer).check { $0 == 1 }
            t.column("mode", .text).notNull().defaults(to: DeploymentMode.enterprise.rawValue)
                .check { DeploymentMode.allCases.map(\.rawValue).contains($0) }
            t.column("starter_credits_enabled", .boolean).notNull().defaults(to: false)
            t.column("starter_credits", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("payment_link", .text)
            t.column("low_balance_threshold", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("allow_unpriced_models", .boolean).notNull().defaults(to: false)
            t.column("key_check", .blob)  // a known value sealed with secret.key: detects a wrong key early
            t.column("updated_at", .datetime).notNull()
        }

        try db.create(table: "providers") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique(onConflict: .abort).collate(.nocase)
            t.column("kind", .text).notNull().check { ProviderKind.allCases.map(\.rawValue).contains($0) }
            t.column("display_name", .text).notNull()
            t.column("base_url", .text).notNull()
            t.column("enabled", .boolean).notNull().defaults(to: true)
            t.column("created_at", .datetime).notNull()
        }

        try db.create(table: "credentials") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("provider_id", .integer).notNull().indexed().references("providers", onDelete: .cascade)
            t.column("name", .text).notNull()
            t.column("sealed_secret", .blob).notNull()
            t.column("secret_hint", .text).notNull()  // masked form, e.g. "sk-…7Qa"
            t.column("weight", .integer).notNull().defaults(to: 100).check { $0 >= 0 && $0 <= 10_000 }
            t.column("enabled", .boolean).notNull().defaults(to: true)
            t.column("last_error", .text)
            t.column("last_used_at", .datetime)
            t.column("created_at", .datetime).notNull()
            t.uniqueKey(["provider_id", "name"])
        }

        // Rate history: a change closes the current row (valid_to) and opens a new one.
        try db.create(table: "model_rates") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("provider_id", .integer).notNull().indexed().references("providers", onDelete: .cascade)
            t.column("model", .text).notNull()
            t.column("type", .text).notNull().check { ModelType.allCases.map(\.rawValue).contains($0) }
            t.column("input_rate", .integer).notNull()         // credits per 1M input tokens
            t.column("output_rate", .integer).notNull()        // credits per 1M output tokens
            t.column("cached_input_rate", .integer)            // credits per 1M cached input tokens
            t.column("image_rate", .integer).notNull()         // credits per image
            t.column("input_cost", .integer).notNull()         // provider USD per 1M input tokens
            t.column("output_cost", .integer).notNull()
            t.column("cached_input_cost", .integer)
            t.column("image_cost", .integer).notNull()
            t.column("valid_from", .datetime).notNull()
            t.column("valid_to", .datetime)
        }
        try db.create(
            index: "model_rates_current", on: "model_rates", columns: ["provider_id", "model", "type"],
            options: .unique, condition: Column("valid_to") == nil)

        try db.create(table: "users") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique().collate(.nocase)
            t.column("email", .text)
            t.column("status", .text).notNull().defaults(to: UserStatus.active.rawValue)
                .check { UserStatus.allCases.map(\.rawValue).contains($0) }
            t.column("balance", .integer).notNull().defaults(to: 0)
            t.column("created_at", .datetime).notNull()
        }

        try db.create(table: "api_keys") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("user_id", .integer).notNull().indexed().references("users", onDelete: .cascade)
            t.column("name", .text).notNull()
            t.column("hash", .text).notNull().unique()   // SHA-256 of the secret, hex
            t.column("prefix", .text).notNull()          // the first characters, to recognise a key
            t.column("created_at", .datetime).notNull()
            t.column("last_used_at", .datetime)
            t.column("revoked_at", .datetime)
        }

        // Append-only: the triggers below refuse UPDATE and DELETE.
        try db.create(table: "ledger") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("user_id", .integer).notNull().references("users", onDelete: .restrict)
            t.column("kind", .text).notNull().check { LedgerKind.allCases.map(\.rawValue).contains($0) }
            t.column("amount", .integer).notNull()
            t.column("balance_after", .integer).notNull()
            t.column("actor", .text).notNull()
            t.column("reason", .text).notNull()
            t.column("idempotency_key", .text).notNull().unique()
            t.column("request_id", .text)
            t.column("created_at", .datetime).notNull()
        }
        try db.create(index: "ledger_user_time", on: "ledger", columns: ["user_id", "created_at"])
        try db.execute(sql: """
            CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
            CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
            """)

        try db.create(table: "usage_events") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("request_id", .text).notNull().unique()
            t.column("user_id", .integer).references("users", onDelete: .setNull)
            t.column("api_key_id", .integer).indexed().references("api_keys", onDelete: .setNull)
            t.column("provider_id", .integer).indexed().references("providers", onDelete: .setNull)
            t.column("model", .text).notNull()
            t.column("tokens_in", .integer).notNull().defaults(to: 0)
            t.column("tokens_out", .integer).notNull().defaults(to: 0)
            t.column("tokens_cached", .integer).notNull().defaults(to: 0)
            t.column("provider_cost", .integer).notNull().defaults(to: 0)   // USD nano-units
            t.column("credits_charged", .integer).notNull().defaults(to: 0) // credit nano-units
            t.column("latency_ms", .double).notNull().defaults(to: 0)
            t.column("ttfb_ms", .double)
            t.column("status", .integer).notNull()                          // HTTP status sent to the client
            t.column("error", .text)
            t.column("usage_source", .text).notNull()
                .check { UsageSource.allCases.map(\.rawValue).contains($0) }
            t.column("streamed", .boolean).notNull().defaults(to: false)
            t.column("created_at", .datetime).notNull()
        }
        try db.create(index: "usage_events_time", on: "usage_events", columns: ["created_at"])
        try db.create(index: "usage_events_user_time", on: "usage_events", columns: ["user_id", "created_at"])

        try db.create(table: "audit_log") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("actor", .text).notNull()
            t.column("action", .text).notNull()
            t.column("target", .text).notNull()
            t.column("before", .text)   // JSON
            t.column("after", .text)    // JSON
            t.column("created_at", .datetime).notNull()
        }
        try db.create(index: "audit_log_time", on: "audit_log", columns: ["created_at"])
    }

    /// `usage_daily`: per UTC day, user, provider and model, the sums of `usage_events`, kept by a
    /// trigger in the same transaction as each insert. Consoles and summaries over long ranges read
    /// this instead of scanning millions of events.
    private static func createDailyRollup(_ db: Database) throws {
        try db.create(table: "usage_daily") { t in
            t.column("day", .text).notNull()                 // YYYY-MM-DD (UTC)
            t.column("user_id", .integer).notNull()          // 0 when the event had no user
            t.column("provider_id", .integer).notNull()      // 0 when the event had no provider
            t.column("model", .text).notNull()
            t.column("requests", .integer).notNull()
            t.column("errors", .integer).notNull()
            t.column("tokens_in", .integer).notNull()
            t.column("tokens_out", .integer).notNull()
            t.column("credits_charged", .integer).notNull()
            t.column("provider_cost", .integer).notNull()
            t.column("latency_ms_sum", .double).notNull()
            t.primaryKey(["day", "user_id", "provider_id", "model"])
        }
        try db.create(index: "usage_daily_user", on: "usage_daily", columns: ["user_id", "day"])
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
