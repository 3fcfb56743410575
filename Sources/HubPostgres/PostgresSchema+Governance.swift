import HubCore

extension PostgresSchema {
    /// Budgets, rate limits and key scopes (SQLite: `Schema+Governance.swift`). Subjects span three
    /// tables, so a trigger per table forgets a deleted subject's budgets and limits, as in SQLite.
    static let governanceControls = """
        CREATE TABLE budgets (
          \(id),
          subject_kind TEXT NOT NULL CHECK (\(oneOf("subject_kind", SubjectKind.self))),
          subject_id BIGINT NOT NULL,
          period TEXT NOT NULL CHECK (\(oneOf("period", BudgetPeriod.self))),
          amount BIGINT NOT NULL CHECK (amount > 0),
          soft_percent BIGINT CHECK (soft_percent >= 1 AND soft_percent <= 100),
          soft_notice_period TIMESTAMPTZ,
          created_at TIMESTAMPTZ NOT NULL,
          updated_at TIMESTAMPTZ NOT NULL,
          UNIQUE (subject_kind, subject_id, period)
        );
        CREATE TABLE rate_limits (
          \(id),
          subject_kind TEXT NOT NULL CHECK (\(oneOf("subject_kind", SubjectKind.self))),
          subject_id BIGINT NOT NULL,
          rpm BIGINT CHECK (rpm > 0),
          tpm BIGINT CHECK (tpm > 0),
          concurrency BIGINT CHECK (concurrency > 0),
          UNIQUE (subject_kind, subject_id)
        );
        CREATE TABLE key_scopes (
          key_id BIGINT PRIMARY KEY REFERENCES api_keys ON DELETE CASCADE,
          models TEXT NOT NULL DEFAULT '[]',
          expires_at TIMESTAMPTZ,
          cidrs TEXT NOT NULL DEFAULT '[]'
        );
        ALTER TABLE settings
          ADD COLUMN governance_time_zone TEXT NOT NULL DEFAULT 'UTC',
          ADD COLUMN default_key_limits TEXT NOT NULL DEFAULT '{}',
          ADD COLUMN unauthenticated_rpm BIGINT NOT NULL DEFAULT 300 CHECK (unauthenticated_rpm >= 0);
        CREATE INDEX usage_events_key_time ON usage_events (api_key_id, created_at);
        CREATE FUNCTION governance_forget() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          DELETE FROM budgets WHERE subject_kind = TG_ARGV[0] AND subject_id = OLD.id;
          DELETE FROM rate_limits WHERE subject_kind = TG_ARGV[0] AND subject_id = OLD.id;
          RETURN NULL;
        END $$;
        CREATE TRIGGER governance_forget_key AFTER DELETE ON api_keys FOR EACH ROW EXECUTE FUNCTION governance_forget('key');
        CREATE TRIGGER governance_forget_user AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION governance_forget('user');
        CREATE TRIGGER governance_forget_team AFTER DELETE ON teams FOR EACH ROW EXECUTE FUNCTION governance_forget('team');
        """

    /// `usage_hourly` (kept by a trigger, filled from the events already there) and the one-row
    /// `retention` (SQLite: `Schema+Retention.swift`; SQLite's incremental vacuum has no counterpart:
    /// PostgreSQL's autovacuum reuses pruned space).
    static let hourlyRollupAndRetention = """
        CREATE TABLE usage_hourly (
          hour TEXT NOT NULL,
          user_id BIGINT NOT NULL,
          team_id BIGINT NOT NULL,
          provider_id BIGINT NOT NULL,
          model TEXT NOT NULL,
          requests BIGINT NOT NULL,
          errors BIGINT NOT NULL,
          tokens_in BIGINT NOT NULL,
          tokens_out BIGINT NOT NULL,
          tokens_cached BIGINT NOT NULL,
          credits_charged BIGINT NOT NULL,
          provider_cost BIGINT NOT NULL,
          latency_ms_sum DOUBLE PRECISION NOT NULL,
          PRIMARY KEY (hour, user_id, team_id, provider_id, model)
        );
        INSERT INTO usage_hourly (hour, user_id, team_id, provider_id, model, requests, errors, tokens_in, tokens_out,
                                  tokens_cached, credits_charged, provider_cost, latency_ms_sum)
        SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24'), COALESCE(user_id, 0), COALESCE(team_id, 0),
               COALESCE(provider_id, 0), model, count(*), count(*) FILTER (WHERE status >= 400), sum(tokens_in), sum(tokens_out),
               sum(tokens_cached), sum(credits_charged), sum(provider_cost), sum(latency_ms)
        FROM usage_events GROUP BY 1, 2, 3, 4, 5;
        CREATE FUNCTION usage_hourly_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO usage_hourly AS h (hour, user_id, team_id, provider_id, model, requests, errors, tokens_in, tokens_out,
                                         tokens_cached, credits_charged, provider_cost, latency_ms_sum)
          VALUES (to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24'), COALESCE(NEW.user_id, 0), COALESCE(NEW.team_id, 0),
                  COALESCE(NEW.provider_id, 0), NEW.model, 1, CASE WHEN NEW.status >= 400 THEN 1 ELSE 0 END, NEW.tokens_in,
                  NEW.tokens_out, NEW.tokens_cached, NEW.credits_charged, NEW.provider_cost, NEW.latency_ms)
          ON CONFLICT (hour, user_id, team_id, provider_id, model) DO UPDATE SET
            requests = h.requests + 1, errors = h.errors + excluded.errors,
            tokens_in = h.tokens_in + excluded.tokens_in, tokens_out = h.tokens_out + excluded.tokens_out,
            tokens_cached = h.tokens_cached + excluded.tokens_cached,
            credits_charged = h.credits_charged + excluded.credits_charged,
            provider_cost = h.provider_cost + excluded.provider_cost,
            latency_ms_sum = h.latency_ms_sum + excluded.latency_ms_sum;
          RETURN NULL;
        END $$;
        CREATE TRIGGER usage_hourly_rollup AFTER INSERT ON usage_events FOR EACH ROW EXECUTE FUNCTION usage_hourly_rollup();
        CREATE TABLE retention (
          id BIGINT PRIMARY KEY CHECK (id = 1),
          days BIGINT CHECK (days IS NULL OR (days >= 1 AND days <= 36500)),
          pruned_total BIGINT NOT NULL DEFAULT 0,
          last_run_at TIMESTAMPTZ,
          updated_at TIMESTAMPTZ
        );
        INSERT INTO retention (id) VALUES (1);
        """
}
