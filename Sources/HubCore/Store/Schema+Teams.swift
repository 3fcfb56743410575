import GRDB

extension Schema {
    /// Governance, first step: teams and who belongs to them.
    ///
    /// - `teams`: a named group of users whose spend is reported (and budgeted) together.
    /// - `team_members`: a user may belong to several teams; removing a team or a user removes the
    ///   membership.
    /// - `api_keys.team_id`: the team a key spends for (NULL: the user's own spend only). The key's
    ///   user must be a member of that team; removing the team detaches its keys.
    /// - `usage_events.team_id`: the team of the key that made the call, as it was then (reports
    ///   must not move past spend when a key changes team).
    static func createTeams(_ db: Database) throws {
        try db.create(table: "teams") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique(onConflict: .abort).collate(.nocase)
            t.column("description", .text)
            t.column("created_at", .datetime).notNull()
        }
        try db.create(table: "team_members") { t in
            t.column("team_id", .integer).notNull().references("teams", onDelete: .cascade)
            t.column("user_id", .integer).notNull().indexed().references("users", onDelete: .cascade)
            t.column("added_at", .datetime).notNull()
            t.primaryKey(["team_id", "user_id"])
        }
        try db.alter(table: "api_keys") { t in
            t.add(column: "team_id", .integer).references("teams", onDelete: .setNull)
        }
        try db.alter(table: "usage_events") { t in
            t.add(column: "team_id", .integer)   // no foreign key: history outlives the team
        }
        try db.create(index: "usage_events_team", on: "usage_events", columns: ["team_id", "created_at"])
    }
}
