import GRDB

extension Schema {
    /// The console's billing actions and expiring starter credits.
    ///
    /// - `admin_request_keys`: the idempotency keys of admin changes that carry one (`console:<uuid>`
    ///   from a console dialog): a change is applied once per key, in the transaction that makes it;
    ///   a second send answers `duplicate`. (Ledger moves keep theirs on the ledger entry.)
    /// - `settings.starter_credits_expire_days`: when set, starter credits go into an expiring credit
    ///   bucket (spent first, expired by a ledger entry) that ends that many days after the user was made.
    static func createBillingConsole(_ db: Database) throws {
        try db.create(table: "admin_request_keys") { t in
            t.column("key", .text).primaryKey()
            t.column("action", .text).notNull()
            t.column("actor", .text).notNull()
            t.column("created_at", .datetime).notNull()
        }
        try db.alter(table: "settings") { t in
            t.add(column: "starter_credits_expire_days", .integer).check { $0 >= 1 && $0 <= 3_650 }
        }
    }
}
