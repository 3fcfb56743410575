import HubCore

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

    /// Migrations only PostgreSQL has (a cluster of nodes needs them; a SQLite hub has no twin).
    static let postgresOnly: Set<String> = [changeNotificationsID]

    static let changeNotificationsID = "cluster: change notifications"

    /// The channel ``PostgresChangeListener`` listens on.
    static let changesChannel = "aigne_hub_changes"

    /// Every statement that inserts into `audit_log` or `ledger` notifies `aigne_hub_changes` when
    /// its transaction commits: every configuration change writes an audit entry, and balances only
    /// move through the ledger, so other nodes learn to re-read without polling. The payload is
    /// empty (a reason to re-read, not what changed), and PostgreSQL folds equal notifications of
    /// one transaction into one.
    static let changeNotifications = """
        CREATE FUNCTION notify_hub_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify('\(changesChannel)', '');
          RETURN NULL;
        END $$;
        CREATE TRIGGER audit_log_notify AFTER INSERT ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION notify_hub_change();
        CREATE TRIGGER ledger_notify AFTER INSERT ON ledger FOR EACH STATEMENT EXECUTE FUNCTION notify_hub_change();
        """
}
