import GRDB

extension Schema {
    /// Cluster: the nodes that serve from this database, and which node served each call.
    ///
    /// - `nodes`: one row per run of `aigne-hub serve` (its id is new at each start): where it serves,
    ///   its version, and a heartbeat with its traffic. A node whose heartbeat is older than the
    ///   timeout is taken for dead: another node marks it stopped and settles the holds it left.
    /// - `usage_events.node_id`: the node that served the call (for a recovered hold, the node that
    ///   wrote it); NULL for calls recorded before this migration.
    static func createCluster(_ db: Database) throws {
        try db.create(table: "nodes") { t in
            t.primaryKey("id", .text)
            t.column("host", .text).notNull()
            t.column("http_address", .text).notNull()
            t.column("version", .text).notNull()
            t.column("pid", .integer).notNull()
            t.column("started_at", .datetime).notNull()
            t.column("heartbeat_at", .datetime).notNull()
            t.column("stopped_at", .datetime)
            t.column("stop_reason", .text)
            t.column("requests", .integer).notNull().defaults(to: 0)
            t.column("in_flight", .integer).notNull().defaults(to: 0)
        }
        try db.alter(table: "usage_events") { t in
            t.add(column: "node_id", .text)
        }
        try db.create(index: "holds_run_id", on: "holds", columns: ["run_id"])
    }
}
