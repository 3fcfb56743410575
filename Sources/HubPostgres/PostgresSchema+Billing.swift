import HubCore

extension PostgresSchema {
    /// The service-provider business (SQLite: `Schema+Billing.swift`).
    static let billingTables = """
        CREATE TABLE credit_packages (
          \(id),
          name TEXT NOT NULL,
          price BIGINT NOT NULL CHECK (price >= 0),
          currency TEXT NOT NULL,
          credits BIGINT NOT NULL CHECK (credits > 0),
          bonus BIGINT NOT NULL DEFAULT 0 CHECK (bonus >= 0),
          active BOOLEAN NOT NULL DEFAULT true,
          created_at TIMESTAMPTZ NOT NULL,
          updated_at TIMESTAMPTZ NOT NULL
        );
        CREATE UNIQUE INDEX credit_packages_name_nocase ON credit_packages (lower(name));
        CREATE TABLE payments (
          \(id),
          processor TEXT NOT NULL CHECK (\(oneOf("processor", PaymentProcessor.self))),
          event_id TEXT NOT NULL,
          event_type TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (\(oneOf("kind", PaymentKind.self))),
          status TEXT NOT NULL CHECK (\(oneOf("status", PaymentStatus.self))),
          payment_ref TEXT,
          user_ref TEXT,
          package_ref TEXT,
          plan_ref TEXT,
          user_id BIGINT REFERENCES users ON DELETE SET NULL,
          package_id BIGINT REFERENCES credit_packages ON DELETE SET NULL,
          amount BIGINT NOT NULL DEFAULT 0,
          currency TEXT,
          refunded BIGINT NOT NULL DEFAULT 0,
          credits BIGINT NOT NULL DEFAULT 0,
          owed BIGINT NOT NULL DEFAULT 0,
          note TEXT,
          ledger_id BIGINT REFERENCES ledger ON DELETE RESTRICT,
          created_at TIMESTAMPTZ NOT NULL,
          resolved_at TIMESTAMPTZ,
          resolved_by TEXT,
          UNIQUE (processor, event_id)
        );
        CREATE INDEX payments_user_id ON payments (user_id);
        CREATE INDEX payments_ref ON payments (processor, payment_ref);
        CREATE INDEX payments_status ON payments (status, created_at);
        CREATE TABLE webhook_secrets (
          \(id),
          processor TEXT NOT NULL CHECK (\(oneOf("processor", PaymentProcessor.self))),
          sealed_secret BYTEA NOT NULL,
          secret_hint TEXT NOT NULL,
          created_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE redemption_batches (
          \(id),
          value BIGINT NOT NULL CHECK (value > 0),
          count BIGINT NOT NULL,
          expires_at TIMESTAMPTZ,
          max_per_user BIGINT CHECK (max_per_user > 0),
          note TEXT,
          disabled_at TIMESTAMPTZ,
          created_by TEXT NOT NULL,
          created_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE redemption_codes (
          \(id),
          batch_id BIGINT NOT NULL REFERENCES redemption_batches ON DELETE CASCADE,
          hash TEXT NOT NULL UNIQUE,
          hint TEXT NOT NULL,
          redeemed_by BIGINT REFERENCES users ON DELETE SET NULL,
          redeemed_at TIMESTAMPTZ,
          ledger_id BIGINT REFERENCES ledger ON DELETE RESTRICT
        );
        CREATE INDEX redemption_codes_batch_id ON redemption_codes (batch_id);
        CREATE INDEX redemption_codes_user ON redemption_codes (batch_id, redeemed_by);
        CREATE TABLE plans (
          \(id),
          name TEXT NOT NULL,
          "interval" TEXT NOT NULL CHECK (\(oneOf("\"interval\"", PlanInterval.self))),
          credits BIGINT NOT NULL CHECK (credits > 0),
          price BIGINT NOT NULL DEFAULT 0 CHECK (price >= 0),
          currency TEXT NOT NULL,
          rollover_cap BIGINT CHECK (rollover_cap >= 0),
          active BOOLEAN NOT NULL DEFAULT true,
          created_at TIMESTAMPTZ NOT NULL,
          updated_at TIMESTAMPTZ NOT NULL
        );
        CREATE UNIQUE INDEX plans_name_nocase ON plans (lower(name));
        CREATE TABLE subscriptions (
          \(id),
          user_id BIGINT NOT NULL REFERENCES users ON DELETE CASCADE,
          plan_id BIGINT NOT NULL REFERENCES plans ON DELETE RESTRICT,
          status TEXT NOT NULL CHECK (\(oneOf("status", SubscriptionStatus.self))),
          renewal TEXT NOT NULL CHECK (\(oneOf("renewal", SubscriptionRenewal.self))),
          external_ref TEXT,
          period_start TIMESTAMPTZ NOT NULL,
          period_end TIMESTAMPTZ NOT NULL,
          created_at TIMESTAMPTZ NOT NULL,
          cancelled_at TIMESTAMPTZ
        );
        CREATE INDEX subscriptions_user_id ON subscriptions (user_id);
        CREATE UNIQUE INDEX subscriptions_one_live ON subscriptions (user_id) WHERE status <> '\(SubscriptionStatus.cancelled.rawValue)';
        CREATE INDEX subscriptions_due ON subscriptions (status, period_end);
        CREATE TABLE credit_buckets (
          \(id),
          user_id BIGINT NOT NULL REFERENCES users ON DELETE CASCADE,
          source TEXT NOT NULL,
          credits BIGINT NOT NULL,
          remaining BIGINT NOT NULL CHECK (remaining >= 0),
          expires_at TIMESTAMPTZ NOT NULL,
          created_at TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX credit_buckets_live ON credit_buckets (user_id, expires_at) WHERE remaining > 0;
        CREATE TABLE notice_endpoints (
          \(id),
          url TEXT NOT NULL,
          sealed_secret BYTEA NOT NULL,
          secret_hint TEXT NOT NULL,
          enabled BOOLEAN NOT NULL DEFAULT true,
          created_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE outbox (
          \(id),
          notice_id TEXT NOT NULL,
          endpoint_id BIGINT NOT NULL REFERENCES notice_endpoints ON DELETE CASCADE,
          kind TEXT NOT NULL,
          payload TEXT NOT NULL,
          created_at TIMESTAMPTZ NOT NULL,
          attempts BIGINT NOT NULL DEFAULT 0,
          next_attempt_at TIMESTAMPTZ NOT NULL,
          delivered_at TIMESTAMPTZ,
          last_status BIGINT,
          last_error TEXT,
          UNIQUE (notice_id, endpoint_id)
        );
        CREATE INDEX outbox_endpoint_id ON outbox (endpoint_id);
        CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
        """
}

extension PostgresSchema {
    /// The console's request keys and expiring starter credits (SQLite: `Schema+BillingConsole.swift`).
    static let billingConsole = """
        CREATE TABLE admin_request_keys (
          key TEXT PRIMARY KEY,
          action TEXT NOT NULL,
          actor TEXT NOT NULL,
          created_at TIMESTAMPTZ NOT NULL
        );
        ALTER TABLE settings ADD COLUMN starter_credits_expire_days BIGINT
          CHECK (starter_credits_expire_days >= 1 AND starter_credits_expire_days <= 3650);
        """
}
