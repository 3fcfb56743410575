import GRDB

/// The service-provider business: credit packages, payments received by webhook and the secrets
/// they are signed with, redemption codes, plans and subscriptions, buckets of expiring credit,
/// and the outbox of notices to the operator.
extension Schema {
    static func createBillingTables(_ db: Database) throws {
        // What a user can buy: `credits + bonus` for `price` in `currency`.
        try db.create(table: "credit_packages") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique(onConflict: .abort).collate(.nocase)
            t.column("price", .integer).notNull().check { $0 >= 0 }        // nano-units of the currency
            t.column("currency", .text).notNull()                            // ISO 4217, lower case
            t.column("credits", .integer).notNull().check { $0 > 0 }
            t.column("bonus", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("active", .boolean).notNull().defaults(to: true)
            t.column("created_at", .datetime).notNull()
            t.column("updated_at", .datetime).notNull()
        }

        // One row per processor event the hub acted on (or keeps for support to resolve). The unique
        // (processor, event_id) is what makes every event apply exactly once.
        try db.create(table: "payments") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("processor", .text).notNull().check { PaymentProcessor.allCases.map(\.rawValue).contains($0) }
            t.column("event_id", .text).notNull()
            t.column("event_type", .text).notNull()
            t.column("kind", .text).notNull().check { PaymentKind.allCases.map(\.rawValue).contains($0) }
            t.column("status", .text).notNull().check { PaymentStatus.allCases.map(\.rawValue).contains($0) }
            t.column("payment_ref", .text)                 // the processor's payment (e.g. a payment intent)
            t.column("user_ref", .text)                    // the user as the event named them
            t.column("package_ref", .text)                 // the package as the event named it
            t.column("plan_ref", .text)                    // invoices of a subscription: the plan
            t.column("user_id", .integer).indexed().references("users", onDelete: .setNull)
            t.column("package_id", .integer).references("credit_packages", onDelete: .setNull)
            t.column("amount", .integer).notNull().defaults(to: 0)    // money paid or refunded, nano-units
            t.column("currency", .text)
            t.column("refunded", .integer).notNull().defaults(to: 0)  // purchases: money refunded so far
            t.column("credits", .integer).notNull().defaults(to: 0)   // credits added (purchase) or taken back (refund)
            t.column("owed", .integer).notNull().defaults(to: 0)      // refunds: credits that could not be taken back
            t.column("note", .text)
            t.column("ledger_id", .integer).references("ledger", onDelete: .restrict)
            t.column("created_at", .datetime).notNull()
            t.column("resolved_at", .datetime)
            t.column("resolved_by", .text)
            t.uniqueKey(["processor", "event_id"])
        }
        try db.create(index: "payments_ref", on: "payments", columns: ["processor", "payment_ref"])
        try db.create(index: "payments_status", on: "payments", columns: ["status", "created_at"])

        // Signing secrets of incoming webhooks, sealed like provider secrets. Several per processor
        // at once, so that a secret can be rotated without refusing a single event.
        try db.create(table: "webhook_secrets") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("processor", .text).notNull().check { PaymentProcessor.allCases.map(\.rawValue).contains($0) }
            t.column("sealed_secret", .blob).notNull()
            t.column("secret_hint", .text).notNull()
            t.column("created_at", .datetime).notNull()
        }

        // Redemption codes: a batch made at once (value, expiry, per-user cap), each code stored only as
        // its SHA-256 and used at most once.
        try db.create(table: "redemption_batches") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("value", .integer).notNull().check { $0 > 0 }
            t.column("count", .integer).notNull()
            t.column("expires_at", .datetime)
            t.column("max_per_user", .integer).check { $0 > 0 }
            t.column("note", .text)
            t.column("disabled_at", .datetime)
            t.column("created_by", .text).notNull()
            t.column("created_at", .datetime).notNull()
        }
        try db.create(table: "redemption_codes") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("batch_id", .integer).notNull().indexed().references("redemption_batches", onDelete: .cascade)
            t.column("hash", .text).notNull().unique()
            t.column("hint", .text).notNull()              // the last characters, to recognise a code
            t.column("redeemed_by", .integer).references("users", onDelete: .setNull)
            t.column("redeemed_at", .datetime)
            t.column("ledger_id", .integer).references("ledger", onDelete: .restrict)
        }
        try db.create(index: "redemption_codes_user", on: "redemption_codes", columns: ["batch_id", "redeemed_by"])

        // Plans: credits granted every period; subscriptions of users to them.
        try db.create(table: "plans") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique(onConflict: .abort).collate(.nocase)
            t.column("interval", .text).notNull().check { PlanInterval.allCases.map(\.rawValue).contains($0) }
            t.column("credits", .integer).notNull().check { $0 > 0 }
            t.column("price", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
            t.column("currency", .text).notNull()
            t.column("rollover_cap", .integer).check { $0 >= 0 }      // NULL: plan credits never roll over
            t.column("active", .boolean).notNull().defaults(to: true)
            t.column("created_at", .datetime).notNull()
            t.column("updated_at", .datetime).notNull()
        }
        try db.create(table: "subscriptions") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("user_id", .integer).notNull().indexed().references("users", onDelete: .cascade)
            t.column("plan_id", .integer).notNull().references("plans", onDelete: .restrict)
            t.column("status", .text).notNull().check { SubscriptionStatus.allCases.map(\.rawValue).contains($0) }
            t.column("renewal", .text).notNull().check { SubscriptionRenewal.allCases.map(\.rawValue).contains($0) }
            t.column("external_ref", .text)                 // the processor's subscription id
            t.column("period_start", .datetime).notNull()
            t.column("period_end", .datetime).notNull()
            t.column("created_at", .datetime).notNull()
            t.column("cancelled_at", .datetime)
        }
        try db.create(index: "subscriptions_one_live", on: "subscriptions", columns: ["user_id"], options: .unique,
                      condition: Column("status") != SubscriptionStatus.cancelled.rawValue)
        try db.create(index: "subscriptions_due", on: "subscriptions", columns: ["status", "period_end"])

        // Credits that expire (plan credits), kept by `Ledger.post` in the same transaction as the
        // balance: the sum of `remaining` never exceeds the balance; the rest is purchased credit.
        try db.create(table: "credit_buckets") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("user_id", .integer).notNull().references("users", onDelete: .cascade)
            t.column("source", .text).notNull()
            t.column("credits", .integer).notNull()
            t.column("remaining", .integer).notNull().check { $0 >= 0 }
            t.column("expires_at", .datetime).notNull()
            t.column("created_at", .datetime).notNull()
        }
        try db.create(index: "credit_buckets_live", on: "credit_buckets", columns: ["user_id", "expires_at"],
                      condition: Column("remaining") > 0)

        // Notices to the operator: outgoing signed webhooks, through an outbox written in the same
        // transaction as what they announce, and delivered (with retries) by the running hub.
        try db.create(table: "notice_endpoints") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("url", .text).notNull()
            t.column("sealed_secret", .blob).notNull()
            t.column("secret_hint", .text).notNull()
            t.column("enabled", .boolean).notNull().defaults(to: true)
            t.column("created_at", .datetime).notNull()
        }
        try db.create(table: "outbox") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("notice_id", .text).notNull()           // the same for every endpoint: receivers dedupe by it
            t.column("endpoint_id", .integer).notNull().indexed().references("notice_endpoints", onDelete: .cascade)
            t.column("kind", .text).notNull()
            t.column("payload", .text).notNull()              // the JSON body, signed as sent
            t.column("created_at", .datetime).notNull()
            t.column("attempts", .integer).notNull().defaults(to: 0)
            t.column("next_attempt_at", .datetime).notNull()
            t.column("delivered_at", .datetime)
            t.column("last_status", .integer)
            t.column("last_error", .text)
            t.uniqueKey(["notice_id", "endpoint_id"])
        }
        try db.create(index: "outbox_due", on: "outbox", columns: ["next_attempt_at"], condition: Column("delivered_at") == nil)
    }
}
