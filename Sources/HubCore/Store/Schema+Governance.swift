import GRDB

extension Schema {
    /// Governance, second step: budgets, rate limits and key scopes (issue 12).
    ///
    /// - `budgets`: an amount per calendar period (day, week, month in `settings.governance_time_zone`)
    ///   for one subject (a key, a user or a team); one budget per subject and period. `soft_percent`
    ///   marks a soft threshold; `soft_notice_period` is the start of the period whose soft notice was
    ///   sent (one notice per budget per period).
    /// - `rate_limits`: requests and tokens per minute and concurrent requests of one subject.
    /// - `key_scopes`: what a key may do: model globs, an expiry, client address ranges (CIDR).
    /// - `usage_events_key_time`: a key's spend in a period, by index.
    /// - `settings`: the time zone of budget periods, the default limits of a key per mode, and the
    ///   refused key checks a client address may make per minute.
    ///
    /// Subjects are `(subject_kind, subject_id)`: no foreign key can span three tables, so triggers
    /// remove a subject's budgets and limits when it is deleted.
    static func createGovernanceControls(_ db: Database) throws {
        let kinds = SubjectKind.allCases.map(\.rawValue)
        try db.create(table: "budgets") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("subject_kind", .text).notNull().check { kinds.contains($0) }
            t.column("subject_id", .integer).notNull()
            t.column("period", .text).notNull().check { BudgetPeriod.allCases.map(\.rawValue).contains($0) }
            t.column("amount", .integer).notNull().check { $0 > 0 }
            t.column("soft_percent", .integer).check { $0 >= 1 && $0 <= 100 }
            t.column("soft_notice_period", .datetime)
            t.column("created_at", .datetime).notNull()
            t.column("updated_at", .datetime).notNull()
            t.uniqueKey(["subject_kind", "subject_id", "period"])
        }
        try db.create(table: "rate_limits") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("subject_kind", .text).notNull().check { kinds.contains($0) }
            t.column("subject_id", .integer).notNull()
            t.column("rpm", .integer).check { $0 > 0 }
            t.column("tpm", .integer).check { $0 > 0 }
            t.column("concurrency", .integer).check { $0 > 0 }
            t.uniqueKey(["subject_kind", "subject_id"])
        }
        try db.create(table: "key_scopes") { t in
            t.primaryKey("key_id", .integer).references("api_keys", onDelete: .cascade)
            t.column("models", .text).notNull().defaults(to: "[]")   // JSON array of globs
            t.column("expires_at", .datetime)
            t.column("cidrs", .text).notNull().defaults(to: "[]")    // JSON array of CIDR ranges
        }
        try db.alter(table: "settings") { t in
            t.add(column: "governance_time_zone", .text).notNull().defaults(to: "UTC")
            t.add(column: "default_key_limits", .text).notNull().defaults(to: "{}")   // JSON: DefaultKeyLimits
            t.add(column: "unauthenticated_rpm", .integer).notNull().defaults(to: 300).check { $0 >= 0 }
        }
        // A key's spend in a period (users and teams have theirs already).
        try db.create(index: "usage_events_key_time", on: "usage_events", columns: ["api_key_id", "created_at"])
        for (kind, table) in [("key", "api_keys"), ("user", "users"), ("team", "teams")] {
            try db.execute(sql: """
                CREATE TRIGGER governance_forget_\(kind) AFTER DELETE ON \(table)
                BEGIN
                  DELETE FROM budgets WHERE subject_kind = '\(kind)' AND subject_id = OLD.id;
                  DELETE FROM rate_limits WHERE subject_kind = '\(kind)' AND subject_id = OLD.id;
                END;
                """)
        }
    }
}
