extension PostgresSchema {
    /// The nodes of a cluster and the node of each call (SQLite: `Schema+Cluster.swift`).
    static let cluster = """
        CREATE TABLE nodes (
          id TEXT PRIMARY KEY,
          host TEXT NOT NULL,
          http_address TEXT NOT NULL,
          version TEXT NOT NULL,
          pid BIGINT NOT NULL,
          started_at TIMESTAMPTZ NOT NULL,
          heartbeat_at TIMESTAMPTZ NOT NULL,
          stopped_at TIMESTAMPTZ,
          stop_reason TEXT,
          requests BIGINT NOT NULL DEFAULT 0,
          in_flight BIGINT NOT NULL DEFAULT 0
        );
        ALTER TABLE usage_events ADD COLUMN node_id TEXT;
        CREATE INDEX holds_run_id ON holds (run_id);
        """
}
